"""Serve a built digitpad (dist/) on 127.0.0.1, with the content types browsers insist on.

    python3 scripts/serve.py [--port 8000] [--dir dist] [--no-gzip]

Module scripts must come as JavaScript and wasm as application/wasm, whatever the
system's MIME tables say; the browser tests use the same server. Like most hosts, it
sends text and wasm gzip-compressed to browsers that accept it (`make run` and
`make bench` do; the tests do not, to spare the time).
"""

from __future__ import annotations

import argparse
import datetime
import email.utils
import functools
import gzip
import io
import os
import sys
import threading
from http import HTTPStatus
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


# What compresses: not PNG or zip files, which are compressed already.
COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".wasm", ".json", ".webmanifest", ".toml", ".py", ".svg", ".bin"}
GZIP_LEVEL = 6  # what hosts commonly use

_gzipped: dict[tuple[str, int, int], bytes] = {}  # (path, mtime, size) -> body, for every server
_gzipping = threading.Lock()


def gzipped(path: str) -> bytes:
    """The file's bytes, gzip-compressed once per version of the file."""
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    with _gzipping:
        if key not in _gzipped:
            with open(path, "rb") as f:
                _gzipped[key] = gzip.compress(f.read(), GZIP_LEVEL, mtime=0)
        return _gzipped[key]


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (and not with q=0)."""
    for part in header.split(","):
        name, *params = [p.strip() for p in part.split(";")]
        if name.lower() in ("gzip", "*"):
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
    return False


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}
    compress = False

    def send_head(self):
        self.encoded_bytes = None
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")  # what the base class serves there
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # it redirects
        accepts = accepts_gzip(self.headers.get("Accept-Encoding", ""))
        if not (self.compress and accepts and os.path.isfile(path) and Path(path).suffix in COMPRESSIBLE):
            return super().send_head()
        modified = int(os.stat(path).st_mtime)
        since = self.headers.get("If-Modified-Since")
        if since and "If-None-Match" not in self.headers:
            try:
                when = email.utils.parsedate_to_datetime(since)
                if when.tzinfo is None:  # "-0000": UTC, as the base class reads it
                    when = when.replace(tzinfo=datetime.timezone.utc)
                if modified <= when.timestamp():
                    self.send_response(HTTPStatus.NOT_MODIFIED)
                    self.end_headers()
                    return None
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
        body = gzipped(path)
        self.encoded_bytes = len(body)  # for a handler that logs what it sent
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(modified))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

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


def make_server(directory: str | Path, port: int = 0, quiet: bool = True, compress: bool = False) -> Server:
    """A server for ``directory`` on 127.0.0.1:``port`` (0: any free port), not started;
    ``compress``: gzip what compresses, for browsers that accept it."""
    base = QuietHandler if quiet else Handler
    handler = type(base.__name__, (base,), {"compress": compress})
    return Server(("127.0.0.1", port), functools.partial(handler, directory=str(directory)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--dir", default=str(Path(__file__).resolve().parent.parent / "dist"))
    parser.add_argument("--no-gzip", action="store_true", help="send every file as it is")
    args = parser.parse_args(argv)
    if not (Path(args.dir) / "index.html").is_file():
        print(f"serve: {args.dir} has no index.html; run `make build` first", file=sys.stderr)
        return 1
    server = make_server(args.dir, args.port, quiet=False, compress=not args.no_gzip)
    print(f"digitpad: http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
