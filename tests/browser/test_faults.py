"""A damaged deploy says what is wrong, in words, within seconds; a new deploy replaces
the old one whole and keeps working offline.

Each damaged site is a copy of dist/ served from a temporary folder, so the browser
fetches exactly what a broken server would send (no request routing, which would also
switch the HTTP cache off).
"""

import importlib.util
import json
import time

import pytest

from tests.browser import helpers

ERROR_WITHIN_S = 10


def model_shards() -> list[str]:
    manifest = json.loads((helpers.DIST / "model" / "model.json").read_text())
    return [f"model/{p}" for group in manifest["weightsManifest"] for p in group["paths"]]


def truncated(name: str, keep: float = 0.5) -> bytes:
    data = (helpers.DIST / name).read_bytes()
    return data[: int(len(data) * keep)]


FAULTS = {
    # name: (files to drop, files to replace, words the message must hold; a tuple: one of them)
    "model.json is not JSON": ((), lambda: {"model/model.json": b'{"modelTopology": {'}, ["model"]),
    "model.json is no model": ((), lambda: {"model/model.json": b'{"format": "graph-model"}'}, ["model"]),
    "a weight shard is missing": (lambda: model_shards()[:1], lambda: {}, ["model", "404"]),
    "a weight shard is cut short": ((), lambda: {s: truncated(s) for s in model_shards()[:1]}, ["model"]),
    "a weight shard is too long": (
        (),
        lambda: {s: (helpers.DIST / s).read_bytes() + b"\0" * 4096 for s in model_shards()[:1]},
        ["model"],
    ),
    "Pyodide's standard library is missing": (("vendor/pyodide/python_later.zip",), lambda: {}, ["missing"]),
    "Pyodide's wasm is missing": (("vendor/pyodide/pyodide.asm.wasm",), lambda: {}, ["missing"]),
    "Pyodide's wasm is cut short": (
        (),
        lambda: {"vendor/pyodide/pyodide.asm.wasm": truncated("vendor/pyodide/pyodide.asm.wasm")},
        ["Python", "damaged"],
    ),
    # A host that answers every path with the page.
    "Pyodide's wasm is not wasm": (
        (),
        lambda: {"vendor/pyodide/pyodide.asm.wasm": (helpers.DIST / "index.html").read_bytes()},
        ["Python", "damaged"],
    ),
    "a module of the reader is missing": (("digitpad/segment.py",), lambda: {}, ["404", "segment.py"]),
    "TF.js's wasm is missing": (
        ("vendor/tfjs-wasm/tfjs-backend-wasm-simd.wasm", "vendor/tfjs-wasm/tfjs-backend-wasm.wasm"),
        lambda: {},
        [("tfjs-wasm", "WebAssembly")],
    ),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_damaged_site_says_what_is_wrong(new_context, tmp_path, fault):
    drop, replace, words = FAULTS[fault]
    drop = drop() if callable(drop) else drop
    site_dir = helpers.copy_site(tmp_path / "site", drop=tuple(drop), replace=replace())
    with helpers.serving(site_dir) as site:
        page = new_context(site).new_page()
        uncaught = []
        page.on("pageerror", lambda error: uncaught.append(str(error)))
        start = time.monotonic()
        page.goto(site, wait_until="commit")
        page.wait_for_selector("body[data-state=error]", timeout=ERROR_WITHIN_S * 1000)
        took = time.monotonic() - start
        message = page.inner_text("#status-text")
        print(f"\n{fault}: after {took:.1f} s: {message}")
        assert page.locator("#status").is_visible()
        assert "Reload" in message
        for word in words:
            alternatives = word if isinstance(word, tuple) else (word,)
            assert any(w in message for w in alternatives), f"{message!r} says none of {alternatives}"
        # Words for people: no traceback, no stack, no JSON.
        for noise in ("Traceback", "    at ", "{", "undefined", "[object"):
            assert noise not in message
        # The state is final: nothing later turns it into "ready" or another message.
        page.wait_for_timeout(1000)
        assert page.get_attribute("body", "data-state") == "error"
        assert page.inner_text("#status-text") == message


# --- a new deploy ----------------------------------------------------------------------------


def load_build_script():
    spec = importlib.util.spec_from_file_location("digitpad_build", helpers.ROOT / "scripts" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def deploy_new_version(site_dir, marker: str) -> str:
    """Change one file of the site and write its service worker afresh, as a rebuild
    does: a new version hash over the files. Returns the new version."""
    index = site_dir / "index.html"
    index.write_text(
        index.read_text().replace("<head>", f'<head>\n  <meta name="digitpad-build" content="{marker}">', 1)
    )
    (site_dir / "sw.js").unlink()  # not one of the files it lists
    version, _ = load_build_script().write_service_worker(site_dir)
    return version


def build_marker(page):
    return page.evaluate("document.querySelector('meta[name=digitpad-build]')?.content ?? null")


def test_a_new_deploy_takes_over_and_works_offline(new_context, tmp_path):
    site_dir = helpers.copy_site(tmp_path / "site")
    old = deploy_new_version(site_dir, "v1")
    with helpers.serving(site_dir) as site:
        context = new_context(site)
        page = helpers.open_app(context.new_page(), site)
        helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=60_000)
        assert page.evaluate("caches.keys()") == [f"digitpad-{old}"]
        assert build_marker(page) == "v1"

        new = deploy_new_version(site_dir, "v2")
        assert new != old
        # A visit after the deploy: the page still comes from the old cache, whole,
        # while the new worker installs beside it and the page offers to switch.
        page.reload()
        helpers.wait_ready(page)
        assert build_marker(page) == "v1"
        page.wait_for_selector("#update:not([hidden])", timeout=60_000)
        with page.expect_navigation():
            page.click("#update")
        helpers.wait_ready(page)
        assert build_marker(page) == "v2"
        helpers.wait_until(
            page, f"caches.keys().then(k => k.length === 1 && k[0] === 'digitpad-{new}')", timeout=30_000
        )

        # Offline, the new version loads from its own cache and reads digits.
        context.set_offline(True)
        try:
            page.reload()
            helpers.wait_ready(page)
            assert build_marker(page) == "v2"
            sample = helpers.pinned_sample(10)[6]
            shown = helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))
            assert shown["value"] == "6"
            assert page.evaluate("caches.keys()") == [f"digitpad-{new}"]
        finally:
            context.set_offline(False)
