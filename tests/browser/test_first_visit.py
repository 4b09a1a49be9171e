"""A first visit in Chromium downloads each file of the site once: the page waits for
its service worker to cache the site, then reads the cache (engines.fetched_too_often;
tests/browser/smoke.py checks the same in Firefox and WebKit)."""

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
