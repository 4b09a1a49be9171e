"""Python starts from the build's snapshot (static/python.mjs, scripts/snapshot.mjs),
and a missing or damaged snapshot only costs time: the page starts Python afresh and
reads the same."""

import gzip
import json
import struct

import pytest

from tests import bench
from tests.browser import helpers

SNAPSHOT = "vendor/pyodide/snapshot.bin"
RESTORED = "digitpad: Python restored from its snapshot"


def restored(page) -> bool:
    return page.evaluate(f"performance.getEntriesByName({RESTORED!r}).length > 0")


def reads_a_digit(page) -> str:
    sample = helpers.pinned_sample(1, seed=5)[0]
    shown = helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))
    assert shown["value"] == str(sample.label)
    return shown["value"]


# Python's files for PyScript's package, and those whose code came compiled in the snapshot.
PYSCRIPT_FILES = """
import json, sys, _digitpad_snapshot
files = [m.__file__ for n, m in sys.modules.items() if n.split(".")[0] == "pyscript" and getattr(m, "__file__", None)]
json.dumps([sorted(files), sorted(_digitpad_snapshot.served)])
"""


def test_python_is_restored_from_the_snapshot(new_context, site):
    context = new_context(site)
    context.add_init_script(bench.PROBE)  # keeps PyScript's Python as window.benchPyodide
    page = context.new_page()
    warnings = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    helpers.open_app(page, site)
    assert restored(page)
    # The served files are the ones the snapshot was made from: nothing is read again.
    assert not [w for w in warnings if "snapshot" in w], warnings
    # PyScript wrote its package as usual, and the snapshot's compiled code served it all.
    files, served = json.loads(page.evaluate("(code) => benchPyodide.runPython(code)", PYSCRIPT_FILES))
    assert len(files) > 5 and served == files
    reads_a_digit(page)


def test_a_worker_reads_the_snapshot_off_the_main_thread(new_context, site):
    """The 13 MB file never reaches the page itself, neither downloaded on a first visit
    nor taken from the service worker's cache on the next one."""
    page = new_context(site).new_page()
    for visit in ("first", "cached"):
        if visit == "cached":
            helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=30_000)
            page.reload()
            helpers.wait_ready(page)
        else:
            helpers.open_app(page, site)
        assert restored(page), visit
        fetched = page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
        assert not [url for url in fetched if url.endswith(SNAPSHOT)], (visit, fetched)
    reads_a_digit(page)


def damaged_snapshots():
    whole = (helpers.DIST / SNAPSHOT).read_bytes()
    return {
        "missing": None,
        "cut short": whole[: len(whole) // 2],
        "not a snapshot": gzip.compress(b"digitpad" * 1000),
        # A well-formed file whose memory is no Python's: Pyodide refuses it.
        "memory of something else": b"DPS2" + struct.pack("<III", 32 << 20, 128, 0),
    }


@pytest.mark.parametrize("damage", list(damaged_snapshots()))
def test_a_bad_snapshot_only_costs_time(new_context, tmp_path, damage):
    replacement = damaged_snapshots()[damage]
    site_dir = helpers.copy_site(
        tmp_path / "site",
        drop=(SNAPSHOT,) if replacement is None else (),
        replace={} if replacement is None else {SNAPSHOT: replacement},
    )
    with helpers.serving(site_dir) as site:
        page = new_context(site).new_page()
        warnings = []
        page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        helpers.open_app(page, site)
        assert not restored(page)
        reads_a_digit(page)
    if replacement is not None:
        assert any("snapshot could not be restored" in w for w in warnings), warnings


def test_python_files_changed_after_the_build_are_the_ones_read(new_context, tmp_path):
    """Someone edits a module inside dist/ without rebuilding: the page still restores
    the snapshot, sees the served file differ from the one in it, and reads the file."""
    view = (helpers.DIST / "digitpad" / "view.py").read_text()
    assert 'HINT = "Draw a digit"' in view
    site_dir = helpers.copy_site(
        tmp_path / "site",
        replace={"digitpad/view.py": view.replace('HINT = "Draw a digit"', 'HINT = "Draw here, please"').encode()},
    )
    with helpers.serving(site_dir) as site:
        page = new_context(site).new_page()
        warnings = []
        page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        helpers.open_app(page, site)
        assert restored(page)
        assert helpers.prediction(page)["text"] == "Draw here, please"
        reads_a_digit(page)
    assert any("digitpad/view.py is not the one in Python's snapshot" in w for w in warnings), warnings
