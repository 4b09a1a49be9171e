"""Loading the page: touch input, offline use, any subpath, only its own origin, and a
clear message (never an endless spinner) when part of it is missing."""

import json
import time

import pytest

from tests.browser import helpers

ERROR_WITHIN_MS = 10_000


def test_the_page_only_ever_asks_its_own_origin(browser, site):
    context = browser.new_context()
    log = helpers.RequestLog(context)
    try:
        page = helpers.open_app(context.new_page(), site)
        sample = helpers.pinned_sample(1)[0]
        assert helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))["value"]
    finally:
        context.close()
    assert any(url.endswith("vendor/pyodide/pyodide.asm.wasm") for url in log.urls)
    assert any(url.endswith("model/model.json") for url in log.urls)
    assert log.foreign(site) == []


def test_drawing_by_touch(new_context, site):
    context = new_context(
        site, viewport={"width": 390, "height": 844}, device_scale_factor=3, has_touch=True, is_mobile=True
    )
    page = helpers.open_app(context.new_page(), site)
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate(
        "window.pointerTypes = []; document.querySelector('#pad').addEventListener("
        "'pointerdown', e => pointerTypes.push(e.pointerType))"
    )
    box = helpers.pad_box(page)
    sample = helpers.pinned_sample(10)[7]
    cdp = context.new_cdp_session(page)
    for stroke in helpers.centered(sample, helpers.raster_width(page)):
        points = [helpers.to_screen(box, x, y) for x, y in stroke]
        kinds = ["touchStart"] + ["touchMove"] * (len(points) - 1)
        for kind, (x, y) in zip(kinds, points):
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    helpers.wait_until(page, f"digitpad.pad.strokeCount === {len(sample.strokes)}")
    shown = helpers.prediction(page)
    assert shown["value"] == "7"
    assert page.evaluate("pointerTypes") == ["touch"] * len(sample.strokes)
    assert page.evaluate("window.scrollY") == 0  # drawing did not scroll the page
    # Sharp on a 3x screen: the canvas has a backing pixel per device pixel.
    width, css = page.evaluate(
        "[document.querySelector('#pad').width, document.querySelector('#pad').getBoundingClientRect().width]"
    )
    assert width == round(css * 3)


def test_works_offline_after_the_first_visit(new_context, site):
    context = new_context(site)
    page = helpers.open_app(context.new_page(), site)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=30_000)

    context.set_offline(True)
    sample = helpers.pinned_sample(10)[3]
    try:
        page.reload()
        helpers.wait_ready(page)
        assert helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))["value"] == "3"

        other = context.new_page()
        helpers.open_app(other, site + "index.html?from=home-screen")
        assert helpers.draw(other, helpers.centered(sample, helpers.raster_width(other)))["value"] == "3"
    finally:
        context.set_offline(False)


def test_a_new_build_replaces_the_old_cache(new_context, tmp_path):
    site_dir = helpers.copy_site(tmp_path / "site")
    with helpers.serving(site_dir) as site:
        context = new_context(site)
        page = helpers.open_app(context.new_page(), site)
        helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=30_000)
        first = page.evaluate("caches.keys()")
        assert len(first) == 1 and first[0].startswith("digitpad-")

        # A deploy: same files but one, so a new version.
        worker = (site_dir / "sw.js").read_text()
        (site_dir / "sw.js").write_text(worker.replace(first[0][len("digitpad-"):], "0123456789abcdef"))
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.wait_for_selector("#update:not([hidden])", timeout=30_000)
        assert page.get_attribute("body", "data-update") == "available"
        with page.expect_navigation():
            page.click("#update")
        helpers.wait_ready(page)
        helpers.wait_until(
            page,
            "caches.keys().then(k => k.length === 1 && k[0] === 'digitpad-0123456789abcdef'"
            " && navigator.serviceWorker.controller !== null)",
            timeout=30_000,
        )


def test_works_from_a_subpath(new_context, tmp_path):
    with helpers.serving_under(tmp_path, "tools/digitpad") as site:
        page = helpers.open_app(new_context(site).new_page(), site)
        sample = helpers.pinned_sample(10)[5]
        assert helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))["value"] == "5"


def expect_error(new_context, site_dir, words):
    with helpers.serving(site_dir) as site:
        page = new_context(site).new_page()
        start = time.monotonic()
        page.goto(site)
        page.wait_for_selector("body[data-state=error]", timeout=ERROR_WITHIN_MS)
        took = time.monotonic() - start
        message = page.inner_text("#status-text")
        assert page.locator("#status").is_visible()
        for word in words:
            assert word in message
        # Drawing still works, with no reading.
        helpers.draw(page, helpers.centered(helpers.pinned_sample(1)[0], helpers.raster_width(page)))
        assert helpers.prediction(page)["value"] == ""
        return took, message


def test_a_missing_model_is_reported(new_context, tmp_path):
    site_dir = helpers.copy_site(tmp_path / "site", drop=("model/model.json",))
    took, message = expect_error(new_context, site_dir, ["model", "404", "Reload"])
    print(f"\nmissing model reported after {took:.1f} s: {message}")


def test_a_damaged_model_is_reported(new_context, tmp_path):
    site_dir = helpers.copy_site(tmp_path / "site", replace={"model/model.json": b"{ not json"})
    expect_error(new_context, site_dir, ["model", "damaged"])


def test_a_model_without_its_weights_is_reported(new_context, tmp_path):
    manifest = json.loads((helpers.DIST / "model" / "model.json").read_text())
    shard = manifest["weightsManifest"][0]["paths"][0]
    site_dir = helpers.copy_site(tmp_path / "site", drop=(f"model/{shard}",))
    expect_error(new_context, site_dir, ["model", shard])


@pytest.mark.parametrize(
    "missing", ["vendor/pyodide/python_later.zip", "vendor/pyodide/pyodide.asm.wasm", "digitpad/reader.py"]
)
def test_a_missing_part_of_python_is_reported(new_context, tmp_path, missing):
    site_dir = helpers.copy_site(tmp_path / "site", drop=(missing,))
    expect_error(new_context, site_dir, [missing])


def test_what_is_drawn_while_loading_is_read_once_ready(new_context, site):
    # The model's weights are held back until the digit is drawn, so that it is drawn
    # while the page loads however fast the page loads. Without a service worker: on a
    # first visit the page would take the weights from its cache, out of the route's reach.
    page = new_context(site, service_workers="block").new_page()
    held = []
    page.route("**/model/*.bin", lambda route: held.append(route))
    page.goto(site, wait_until="commit")
    helpers.wait_until(page, "window.digitpad !== undefined && document.querySelector('#pad')")
    sample = helpers.pinned_sample(10)[8]
    strokes = helpers.centered(sample, helpers.raster_width(page))
    box = helpers.pad_box(page)
    for stroke in strokes:
        page.mouse.move(*helpers.to_screen(box, *stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*helpers.to_screen(box, *point))
        page.mouse.up()
    assert page.get_attribute("body", "data-state") == "loading"
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    helpers.wait_ready(page)
    helpers.wait_until(page, "document.querySelector('#prediction').dataset.value !== ''")
    assert helpers.prediction(page)["value"] == "8"
    # The person has drawn, so the page skips the practice it does after an idle start.
    page.evaluate("window.drawn = digitpad.lastInput")
    page.wait_for_timeout(1000)
    assert page.evaluate("digitpad.lastInput === window.drawn"), "the page practised on a pad in use"


def test_the_practice_after_start_shows_nothing(context, site):
    page = helpers.open_app(context.new_page(), site)
    shown = helpers.prediction(page)
    # The practice drawings go through the network, never onto the page.
    helpers.wait_until(page, "digitpad.lastInput !== null")
    page.wait_for_timeout(1000)
    assert helpers.prediction(page) == shown
    assert shown["value"] == "" and page.evaluate("digitpad.pad.strokeCount") == 0


def test_the_app_is_installable(context, site):
    page = helpers.open_app(context.new_page(), site)
    manifest = page.evaluate(
        """async () => {
             const link = document.querySelector('link[rel=manifest]');
             const url = new URL(link.getAttribute('href'), document.baseURI);
             const manifest = await (await fetch(url)).json();
             const icons = await Promise.all(manifest.icons.map(async (icon) => {
               const response = await fetch(new URL(icon.src, url));
               return [icon.sizes, icon.purpose, response.status, response.headers.get('content-type')];
             }));
             return {...manifest, icons, start: new URL(manifest.start_url, url).href,
                     scope: new URL(manifest.scope, url).href};
           }"""
    )
    assert manifest["display"] == "standalone" and manifest["name"] == "digitpad"
    assert manifest["start"] == site + "index.html" and manifest["scope"] == site
    assert all(status == 200 for _, _, status, _ in manifest["icons"])
    sizes = {(sizes, purpose) for sizes, purpose, _, _ in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_big_downloads_wait_for_the_pad(context, site):
    """On a first visit Python's and TF.js's 20 MB would compete with the pad's own
    scripts: they are asked for only once the pad takes ink."""
    page = helpers.open_app(context.new_page(), site)
    pad, starts = page.evaluate(
        """[performance.getEntriesByName("digitpad: pad takes ink")[0].startTime,
            performance.getEntriesByType("resource").map((r) => [r.name, r.startTime])]"""
    )
    big = ("pyodide.asm.wasm", "python_later.zip", "pyodide.asm.mjs", "tf-backend-wasm.min.js")
    asked = {url.rsplit("/", 1)[-1]: start for url, start in starts if url.endswith(big)}
    assert set(asked) == set(big)
    # Python's snapshot is read by a worker of the page's, started then too.
    asked["snapshot.bin"] = page.evaluate(
        """performance.getEntriesByName("digitpad: Python's snapshot asked for")[0]?.startTime ?? -1"""
    )
    assert {name: start for name, start in asked.items() if start < pad} == {}, f"the pad took ink at {pad:.0f} ms"


def test_every_preload_is_used_once(context, site):
    """index.html and static/app.js start the downloads early; each must be the very
    response its user takes (a preload of the wrong kind is fetched twice, and Chromium
    warns of a preload nobody used)."""
    page = context.new_page()
    warnings = []
    page.on("console", lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
    helpers.open_app(page, site)
    page.wait_for_timeout(4000)  # Chromium says a preload went unused after about 3 s
    preloaded = page.evaluate(
        "[...document.querySelectorAll('link[rel=preload], link[rel=modulepreload]')].map((l) => l.href)"
    )
    fetched = page.evaluate("performance.getEntriesByType('resource').map((r) => r.name)")
    assert preloaded
    for url in preloaded:
        assert fetched.count(url) == 1, f"{url} fetched {fetched.count(url)} times"
    assert not [w for w in warnings if "preload" in w], warnings
