"""What Python's snapshot (scripts/snapshot.mjs) adds to Python, for the page.

The snapshot imports this module at build time; the page then finds it in sys.modules.
Its source file exists only on the build machine.

``SOURCES``: the fingerprint of each digitpad file as the snapshot imported it (path ->
``fingerprint``). main.py compares them with the files the site serves, and reads
those instead if they differ. A fingerprint, not the bytes: the snapshot is
downloaded, and the files' bytes would add about 60 KB to it, gzipped.

Compiled code for files the page writes at every start. PyScript writes its own
``pyscript`` package and then imports it, which would compile it anew each time: about
a tenth of a second of every start. The snapshot compiles those files once, at build
time, and a loader hands the code out for a file whose path and bytes are exactly the
ones compiled. Anything else compiles as usual, so a different file is never
mistaken for a compiled one.
"""

import sys
import zlib
from importlib.machinery import (
    BYTECODE_SUFFIXES,
    EXTENSION_SUFFIXES,
    SOURCE_SUFFIXES,
    ExtensionFileLoader,
    FileFinder,
    SourceFileLoader,
    SourcelessFileLoader,
)
from pathlib import Path

SOURCES: dict[str, tuple[int, int]] = {}

_compiled: dict[tuple[str, bytes], object] = {}
# The files whose compiled code was used, in order (a test checks PyScript's).
served: list[str] = []


def fingerprint(data: bytes) -> tuple[int, int]:
    """A file's size and CRC-32: what tells a deploy's file from the one imported at
    build time (zlib is in the snapshot already; hashlib would be read at each start)."""
    return len(data), zlib.crc32(data)


def record(paths: list[str]) -> None:
    """Keep the fingerprints of the files the snapshot imported."""
    for path in paths:
        SOURCES[path] = fingerprint(Path(path).read_bytes())


def precompile(files: dict[str, str]) -> None:
    """Compile files (absolute path -> text) for later imports of exactly those bytes."""
    for path, text in files.items():
        data = text.encode()
        _compiled[(path, data)] = compile(data, path, "exec", dont_inherit=True)


class PrecompiledLoader(SourceFileLoader):
    """Python's usual loader for .py files, with the snapshot's compiled code first."""

    def source_to_code(self, data, path, *, _optimize=-1):
        code = _compiled.pop((path, bytes(data)), None) if _optimize == -1 else None
        if code is None:
            return super().source_to_code(data, path, _optimize=_optimize)
        served.append(path)
        return code


def install() -> None:
    """Make .py files on sys.path load through PrecompiledLoader."""
    hook = FileFinder.path_hook(
        (ExtensionFileLoader, EXTENSION_SUFFIXES),
        (PrecompiledLoader, SOURCE_SUFFIXES),
        (SourcelessFileLoader, BYTECODE_SUFFIXES),
    )
    usual = [h for h in sys.path_hooks if getattr(h, "__qualname__", "").startswith("FileFinder.path_hook")]
    if len(usual) != 1:
        raise RuntimeError(f"expected one FileFinder hook on sys.path_hooks, found {len(usual)}")
    sys.path_hooks[sys.path_hooks.index(usual[0])] = hook
    sys.path_importer_cache.clear()
