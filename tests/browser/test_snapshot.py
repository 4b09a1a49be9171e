"""Python starts from the build's snapshot (static/python.mjs, scripts/snapshot.mjs),
and a missing or damaged snapshot only costs time: the page starts Python afresh and
reads the same."""

import gzip

import pytest

from tests.browser import helpers

SNAPSHOT = "vendor/pyodide/snapshot.bin.gz"
RESTORED = "digitpad: Python restored from its snapshot"


def restored(page) -> bool:
    return page.evaluate(f"performance.getEntriesByName({RESTORED!r}).length > 0")


def reads_a_digit(page) -> str:
    sample = helpers.pinned_sample(1, seed=5)[0]
    shown = helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))
    assert shown["value"] == str(sample.label)
    return shown["value"]


def test_python_is_restored_from_the_snapshot(new_context, site):
    page = helpers.open_app(new_context(site).new_page(), site)
    assert restored(page)
    reads_a_digit(page)


def damaged_snapshots():
    whole = (helpers.DIST / SNAPSHOT).read_bytes()
    return {
        "missing": None,
        "cut short": whole[: len(whole) // 2],
        "not gzip, not a snapshot": b"\0" * 4096,
        "gzip of something else": gzip.compress(b"digitpad" * 1000),
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
