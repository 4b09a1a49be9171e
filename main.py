"""The page's Python, which PyScript runs: it starts digitpad.page, which reads the pad
whenever it changes and shows what the network saw.

Everything else is imported, so that Python restored from the build's snapshot
(static/python.mjs) finds it compiled and imported already.
"""

import sys

import js

js.performance.mark("digitpad: main.py runs")


def forget_stale_modules():
    """The snapshot has the digitpad modules imported as they were at build time.
    Should the site now serve other files, forget those modules, so that the import
    below reads the files."""
    try:
        from _digitpad_snapshot import SOURCES, fingerprint
    except ImportError:
        return  # Python started afresh
    for path, imported in SOURCES.items():
        try:
            with open(path, "rb") as f:
                if fingerprint(f.read()) == imported:
                    continue
        except OSError:
            pass
        js.console.warn(f"digitpad: {path} is not the one in Python's snapshot; reading the served files")
        for name in [n for n in sys.modules if n == "digitpad" or n.startswith("digitpad.")]:
            del sys.modules[name]
        return


forget_stale_modules()

from digitpad.page import main  # noqa: E402 (after the snapshot check above)

await main()  # noqa: F704 (PyScript runs this file with top-level await)
