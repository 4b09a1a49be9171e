"""scripts/build.py: the numbers the page's JavaScript shares with Python come from
Python, in static/constants.js, which only the build writes."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from digitpad import decide, pad, preprocess

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
EXPORT = re.compile(r"^export const (\w+) = ([^;]+);", re.M)
IMPORT = re.compile(r'^import \{([^}]*)\} from "\./constants\.js";', re.M)


def load_build():
    spec = importlib.util.spec_from_file_location("digitpad_build", ROOT / "scripts" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def exported(text: str) -> dict[str, float]:
    return {name: float(value) for name, value in EXPORT.findall(text)}


def test_the_constants_are_python_s():
    assert exported(load_build().constants_module()) == {
        "RASTER_HEIGHT": pad.RASTER_HEIGHT,
        "BRUSH_WIDTH": pad.BRUSH_WIDTH,
        "SIZE": preprocess.SIZE,
        "CLASSES": decide.CLASSES,
    }


def test_the_scripts_import_what_constants_js_exports_and_keep_no_copy():
    assert not (STATIC / "constants.js").exists(), "static/constants.js is the build's: delete it"
    names = set(exported(load_build().constants_module()))
    importers = {}
    for script in sorted(STATIC.glob("*.js")) + sorted(STATIC.glob("*.mjs")):
        text = script.read_text()
        for imported in IMPORT.findall(text):
            wanted = {name.strip() for name in imported.split(",")}
            assert wanted <= names, f"{script.name} imports {wanted - names}, which constants.js lacks"
            importers[script.name] = wanted
        copies = re.findall(rf"\b(?:const|let|var) ({'|'.join(names)})\b", text)
        assert not copies, f"{script.name} defines {copies}: import them from ./constants.js"
    assert {"RASTER_HEIGHT", "BRUSH_WIDTH"} <= importers.get("pad.js", set())
    assert {"SIZE", "CLASSES"} <= importers.get("model.js", set())


@pytest.mark.skipif(not (ROOT / "vendor" / "pyodide").is_dir(), reason="no vendor/ (run `make vendor`)")
def test_the_build_writes_preloads_and_precaches_constants_js(tmp_path, capsys):
    build = load_build()
    out = tmp_path / "site"
    assert build.main(["--out", str(out)]) == 0, capsys.readouterr().err
    assert (out / "static" / "constants.js").read_text() == build.constants_module()
    assert '"static/constants.js"' in (out / "sw.js").read_text()
    assert '<link rel="modulepreload" href="static/constants.js">' in (out / "index.html").read_text()


def worker_lists(worker: str) -> tuple[list[str], list[str]]:
    """The service worker's PRECACHE and ON_DEMAND paths."""
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", worker, re.DOTALL)[1])
    on_demand = json.loads(re.search(r"const ON_DEMAND = new Set\((\[.*?\])\.map", worker, re.DOTALL)[1])
    return precache, on_demand


@pytest.mark.skipif(not (ROOT / "vendor" / "pyodide").is_dir(), reason="no vendor/ (run `make vendor`)")
def test_the_worker_precaches_what_a_start_needs_and_stores_the_rest_on_demand(tmp_path, capsys):
    build = load_build()
    out = tmp_path / "site"
    assert build.main(["--out", str(out)]) == 0, capsys.readouterr().err
    precache, on_demand = worker_lists((out / "sw.js").read_text())
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "sw.js")
    # Every file the build ships but the worker itself is in exactly one of the lists.
    assert sorted(set(precache) - {"./"} | set(on_demand)) == files
    assert not set(precache) & set(on_demand)
    assert set(build.FETCHED_WHEN_NEEDED) <= set(on_demand)
    # What a restored start reads is precached: the small standard library, and the
    # PyScript chunks the page loads at start, which index.html preloads.
    assert "vendor/pyodide/python_later.zip" in precache
    chunks = re.findall(r'href="(vendor/pyscript/[^"]+)"', (out / "index.html").read_text())
    assert len(chunks) == 1 + 1 + len(build.PYSCRIPT_AT_START) and set(chunks) <= set(precache)
    # PyScript's editor and terminal are not.
    assert any("xterm" in path for path in on_demand) and not any("xterm" in path for path in precache)
