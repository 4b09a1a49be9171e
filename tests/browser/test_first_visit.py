"""A first visit in Chromium downloads each file of the site once: the page waits for
its service worker to cache the site, then reads the cache (engines.fetched_too_often;
tests/browser/smoke.py checks the same in Firefox and WebKit)."""

import json
import re

from tests.browser import engines, helpers


def test_a_first_visit_fetches_each_file_once(browser):
    server = engines.RecordingServer()
    context = browser.new_context()
    try:
        page = helpers.open_app(context.new_page(), server.url)
        helpers.wait_until(
            page, "navigator.serviceWorker.controller !== null", timeout=helpers.READY_MS
        )
        too_often = engines.fetched_too_often(server.quiet())
        assert too_often == {}, f"asked for more than once (path: statuses in order): {too_often}"
        assert (
            helpers.draw(
                page, helpers.centered(helpers.pinned_sample(10)[5], helpers.raster_width(page))
            )["value"]
            == "5"
        )
    finally:
        context.close()
        server.stop()



# Before the page's own scripts: what the worker tells, and what the status line says.
RECORD_PROGRESS = """
window.progressHeard = [];
window.statusShown = [];
navigator.serviceWorker?.addEventListener("message", ({ data }) => {
  if (data?.type === "digitpad:precaching") progressHeard.push([data.received, data.total]);
});
new MutationObserver(() => {
  const text = document.getElementById("status-text")?.textContent;
  if (text && text !== statusShown.at(-1)) statusShown.push(text);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_a_first_visit_hears_how_much_of_the_site_has_arrived(new_context, site):
    """On a slow network a single file takes a minute: the worker tells the page the
    bytes as they arrive, of all it stores, and the page shows the share."""
    worker = (helpers.DIST / "sw.js").read_text()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", worker, re.DOTALL)[1])
    size = sum((helpers.DIST / ("index.html" if path == "./" else path)).stat().st_size for path in precache)
    context = new_context(site)
    context.add_init_script(RECORD_PROGRESS)
    page = helpers.open_app(context.new_page(), site)
    heard, shown = page.evaluate("[progressHeard, statusShown]")
    assert heard, "the worker told nothing"
    received = [r for r, _ in heard]
    assert received == sorted(received) and 0 < received[-1] <= size
    assert {total for _, total in heard} == {size}
    shares = [int(m[1]) for text in shown if (m := re.match(r"Downloading the app for offline use: (\d+)%", text))]
    assert shares and shares == sorted(shares) and shares[-1] < 100, shown
    assert shown[-1] == "Ready."
