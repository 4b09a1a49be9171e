"""Serve a built digitpad (dist/) on 127.0.0.1, with the content types browsers insist on.

    python3 scripts/serve.py [--port 8000] [--dir dist]

Module scripts must come as JavaScript and wasm as application/wasm, whatever the
system's MIME tables say; the browser tests use the same server.
"""

from __future__ import annotations

import argparse
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".toml": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".bin": "application/octet-stream",
    ".zip": "application/zip",
}


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def end_headers(self):
        # The service worker must be checked for updates on every visit.
        if self.path.split("?")[0].endswith("/sw.js"):
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()


class QuietHandler(Handler):
    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that drops a download it no longer needs is not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(directory: str | Path, port: int = 0, quiet: bool = True) -> Server:
    """A server for ``directory`` on 127.0.0.1:``port`` (0: any free port), not started."""
    handler = functools.partial(QuietHandler if quiet else Handler, directory=str(directory))
    return Server(("127.0.0.1", port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--dir", default=str(Path(__file__).resolve().parent.parent / "dist"))
    args = parser.parse_args(argv)
    if not (Path(args.dir) / "index.html").is_file():
        print(f"serve: {args.dir} has no index.html; run `make build` first", file=sys.stderr)
        return 1
    server = make_server(args.dir, args.port, quiet=False)
    print(f"digitpad: http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
