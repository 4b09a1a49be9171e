"""The standard library the page may still import once Python is restored from its
snapshot: vendor/pyodide/python_later.zip.

Every module imported by then lives in the snapshot's
memory, so a restored page never reads its file again: it needs the files only of the
modules it may import later, which LATER lists. They are about 130 KiB of the 4.4 MB
standard library; a page that cannot restore the snapshot starts Python
from the whole of it (python_stdlib.zip), fetched only then.

scripts/snapshot.mjs runs ``make()`` here, with the modules Python has imported once
it has imported the page's, and puts the zip where Pyodide reads its standard library
before it takes the snapshot, so that the snapshot is taken with the very file the
page mounts. It then runs ``check()`` in Pyodide, which imports every module of LATER
from that zip, as the page would, and fails the build on any that cannot be imported.

    python3 scripts/_stdlib_later.py STDLIB_ZIP LATER_ZIP < imported-modules.json
"""

import importlib
import json
import sys
import zipfile

# What the page imports only once it runs, and what an edit of the steps view's
# `prepare` may reach for: numbers, text and data (the standard library's own
# sections of those names), tracebacks, and the text encodings that bytes.decode and
# open() look up by name. Modules already in the snapshot are left out of the zip.
LATER = [
    # numbers and maths
    "statistics", "fractions", "decimal", "numbers", "random", "bisect", "heapq",
    # data types and functional tools
    "collections", "copy", "dataclasses", "array", "struct", "enum", "functools",
    "operator", "datetime", "calendar", "queue", "pprint", "weakref", "types",
    # text and data formats
    "string", "textwrap", "difflib", "re", "json", "csv", "base64", "hashlib",
    # running and timing code, and showing its errors
    "ast", "dis", "inspect", "timeit", "traceback", "linecache", "tokenize", "warnings",
    # text encodings
    "encodings.aliases", "encodings.ascii", "encodings.latin_1", "encodings.cp1252",
    "encodings.utf_8", "encodings.utf_8_sig", "encodings.utf_16", "encodings.utf_16_le",
    "encodings.utf_16_be", "encodings.utf_32", "encodings.utf_32_le", "encodings.utf_32_be",
    "encodings.unicode_escape", "encodings.raw_unicode_escape", "encodings.charmap",
    "encodings.base64_codec", "encodings.hex_codec",
    "encodings.cp437",  # the names in a zip file (an imported examples zip)
]


def _module_of(name: str) -> str:
    """The module a .pyc in the zip holds: 'json/__init__.pyc' -> 'json'."""
    stem = name.removesuffix(".pyc").removesuffix("/__init__")
    return stem.replace("/", ".")


def make(stdlib: str, later: str, imported: set[str]) -> list[str]:
    """Write ``later`` (a zip) with the files in ``stdlib`` (the whole standard library,
    compiled) of LATER's modules that are not ``imported``, and of the packages above
    them. Returns the modules written."""
    wanted = set()
    for name in LATER:
        parts = name.split(".")
        wanted.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    written = []
    with zipfile.ZipFile(stdlib) as whole, zipfile.ZipFile(later, "w") as out:
        for info in whole.infolist():
            module = _module_of(info.filename)
            if info.filename.endswith(".pyc") and module in wanted and module not in imported:
                out.writestr(info, whole.read(info))  # compressed as the whole one is
                written.append(module)
    return sorted(written)


def check() -> list[str]:
    """Import every module of LATER as the restored page would; the ones that fail,
    each with its error."""
    failed = []
    for name in LATER:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001  (each failure, whatever it is, is reported)
            failed.append(f"{name}: {type(error).__name__}: {error}")
    return failed


if __name__ == "__main__":
    written = make(sys.argv[1], sys.argv[2], set(json.load(sys.stdin)))
    print(json.dumps(written))
