"""Assemble dist/: the static site, ready to serve from any path of any origin.

    python3 scripts/build.py [--model DIR] [--out DIR]
    python3 scripts/build.py --list-modules

dist/ holds the page, the Python the browser runs (the digitpad modules listed in
pyscript.toml), the model, static/ and the vendored runtime, static/constants.js (the
numbers the page's JavaScript shares with Python, written from the Python modules
that define them), static/batch.json and static/replay.json (pen digits the steps view measures
preprocessing on, and those learning a handwriting replays, where the pen-digits file
is here), plus a service worker
that precaches every one of those files. The worker's version is a hash of their
contents, so each deploy that changes anything gets a fresh cache and the old one is
dropped whole: a page never mixes files from two builds.

Standard library only, so it runs before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = ["index.html", "main.py", "pyscript.toml"]
VENDOR_PARTS = ["pyscript", "pyodide", "tfjs", "tfjs-wasm"]
# Sources that are templates or development aids, not files the page loads.
STATIC_SKIP = {"sw.js"}
# Beside model.json and its weight shards, the page reads only this (when there is one).
MODEL_EXTRAS = ["calibration.json"]
# The modules PyScript's core imports at every start, by the name before their hash.
# Each is only found once the module before it has run, so the page preloads them.
PYSCRIPT_AT_START = ["toml", "error", "donkey", "deprecations-manager", "py-editor", "py-game", "py-terminal"]
CORE_PRELOAD = '<link rel="modulepreload" href="vendor/pyscript/core.js">'
MAIN_PRELOAD = '<link rel="preload" href="main.py" as="fetch" crossorigin>'
# Written by the build, so static/ holds no copy of numbers that Python defines.
CONSTANTS = "static/constants.js"
PAD_PRELOAD = '<link rel="modulepreload" href="static/pad.js">'
# Held-out pen digits for the steps view's lab: so many of each digit, picked the same
# way by every build.
BATCH = "static/batch.json"
BATCH_PER_DIGIT = 30
BATCH_SEED = 2026
# Pen digits by the training writers, which learning a handwriting replays.
REPLAY = "static/replay.json"
REPLAY_SEED = 2027
# Served, but not precached: see precached().
FETCHED_WHEN_NEEDED = {
    "vendor/pyodide/python_stdlib.zip",
    "vendor/tfjs-wasm/tfjs-backend-wasm.wasm",
    REPLAY,
}


class BuildError(Exception):
    """Something the build needs is missing; the message says how to get it."""


def browser_modules() -> list[str]:
    """The Python files the page fetches, as pyscript.toml's [files] lists them.

    The one reader of that list: scripts/snapshot.mjs asks for it with --list-modules.
    """
    with open(ROOT / "pyscript.toml", "rb") as f:
        config = tomllib.load(f)
    files = config.get("files", {})
    # The build copies each file to its own path, and the snapshot imports it from there.
    moved = [f"{src} = {dest}" for src, dest in files.items() if src != dest]
    if moved:
        raise BuildError(f"pyscript.toml must put each file at its own path: {', '.join(moved)}")
    sources = [src.removeprefix("./") for src in files]
    missing = [src for src in sources if not (ROOT / src).is_file()]
    if missing:
        raise BuildError(f"pyscript.toml lists files that do not exist: {', '.join(missing)}")
    return sources


def constants_module() -> str:
    """static/constants.js, from the Python modules that define the numbers."""
    sys.path.insert(0, str(ROOT))
    try:
        from digitpad import resources
    finally:
        sys.path.remove(str(ROOT))
    return resources.constants_module()


def pendigits_file(given: Path | None = None) -> Path | None:
    """The pen-digits file, looked for where train/datasets.py looks before it would
    download one (the build downloads nothing): --pendigits, $PENDIGITS,
    ../shared/data/pendigits, the cache in $DIGITPAD_DATA or ~/.cache/digitpad."""
    name = "pendigits-orig.tra"
    cache = Path(os.environ.get("DIGITPAD_DATA") or Path.home() / ".cache" / "digitpad")
    for path in (given, os.environ.get("PENDIGITS"), ROOT.parent / "shared" / "data" / "pendigits" / name, cache / name):
        if path and Path(path).is_file():
            return Path(path)
    return None


def pen_digit_sets(pendigits_path: Path) -> dict[str, str]:
    """The pen-digit files, in the batch format of ``digitpad.lab``, each drawn on a pad
    as tall as the page's (the tablet's box is the pad), as the browser tests draw them:

    - static/batch.json: BATCH_PER_DIGIT of each digit by the writers no model trains
      or tunes on, which the steps view measures preprocessing on;
    - static/replay.json: REPLAY_PER_DIGIT of each digit by the writers the model
      trained on, which learning a person's handwriting replays so that the model
      keeps reading everyone else's (``digitpad.personal``).
    """
    sys.path.insert(0, str(ROOT))
    try:
        from digitpad.lab import batch_json
        from digitpad.pad import RASTER_HEIGHT
        from digitpad.personal import REPLAY_PER_DIGIT
        from train import pendigits
    finally:
        sys.path.remove(str(ROOT))
    samples = pendigits.load(pendigits_path)

    def pick(writers: frozenset[int], per_digit: int, seed: int, whose: str) -> str:
        pool = pendigits.by_writers(samples, writers)
        rng = random.Random(seed)
        chosen = []
        for digit in range(10):
            chosen += rng.sample([s for s in pool if s.label == digit], per_digit)
        source = (f"{len(chosen)} pen digits ({per_digit} of each) by the {len(writers)} {whose} "
                  "of the UCI pen-digits data")
        strokes = [(s.label, pendigits.on_pad(s, RASTER_HEIGHT)) for s in chosen]
        return batch_json(strokes, RASTER_HEIGHT, RASTER_HEIGHT, source)

    return {
        BATCH: pick(pendigits.HELD_OUT_WRITERS, BATCH_PER_DIGIT, BATCH_SEED, "held-out writers"),
        REPLAY: pick(pendigits.TRAIN_WRITERS, REPLAY_PER_DIGIT, REPLAY_SEED, "writers the model trained on"),
    }


def write_pen_digits(out: Path, pendigits_path: Path | None) -> bool:
    """Write the pen-digit sets into ``out``; False, saying why, where there are no pen digits."""
    if pendigits_path is None:
        print(f"build: no pen-digits file here, so no {BATCH} or {REPLAY}: the steps view will say "
              "it has no batch to measure on, and the page cannot learn a handwriting. Set "
              "PENDIGITS=FILE, or fetch it once with "
              "`.venv/bin/python -c 'import train.datasets as d; d.pendigits_file()'`", file=sys.stderr)
        return False
    try:
        sets = pen_digit_sets(pendigits_path)
    except ValueError as error:  # the file is not in the pen-digits format
        raise BuildError(f"{error}; point PENDIGITS at the UCI pen-digits file") from None
    for name, text in sets.items():
        (out / name).write_text(text)
    return True


def model_files(model: Path) -> list[str]:
    """model.json, the weight shards it names, and the extras the page reads."""
    try:
        manifest = json.loads((model / "model.json").read_text())
        shards = [p for group in manifest["weightsManifest"] for p in group["paths"]]
    except (ValueError, KeyError, TypeError):
        raise BuildError(f"{model / 'model.json'} is not a TF.js layers model") from None
    lost = [s for s in shards if not (model / s).is_file()]
    if lost:
        raise BuildError(f"{model} lacks weight shards named in model.json: {', '.join(lost)}")
    return ["model.json", *shards, *(e for e in MODEL_EXTRAS if (model / e).is_file())]


def check_inputs(model: Path) -> None:
    if (ROOT / CONSTANTS).exists():
        raise BuildError(f"{CONSTANTS} is written by the build from digitpad/: delete it from the sources")
    vendor = ROOT / "vendor"
    absent = [part for part in VENDOR_PARTS if not (vendor / part).is_dir()]
    if absent:
        raise BuildError(
            f"vendor/{absent[0]} is missing: run `make vendor` (copies the runtime from "
            "node_modules, after `npm ci`)"
        )
    if not (model / "model.json").is_file():
        raise BuildError(
            f"{model / 'model.json'} is missing: train one with `make train` "
            "(or point --model at a converted TF.js layers model)"
        )
    model_files(model)


def pyscript_chunks(pyscript: Path) -> list[str]:
    """The hashed files of vendor/pyscript that PyScript loads at start, in order."""
    core = re.search(r'from"\./(core-[\w-]{8}\.js)"', (pyscript / "core.js").read_text())
    if core is None:
        return []
    text = (pyscript / core[1]).read_text()
    found = [core[1]]
    for name in PYSCRIPT_AT_START:
        chunk = re.search(rf'import\("\./({re.escape(name)}-[\w-]{{8}}\.js)"\)', text)
        if chunk:
            found.append(chunk[1])
    return found


def add_preloads(page: Path, pyscript: Path, modules: list[str]) -> None:
    """Preload what the page asks for only once something before it has run:
    PyScript's start-up modules (beside its core.js), constants.js (beside pad.js,
    which imports it) and the digitpad files (beside main.py, which PyScript fetches
    once Python is up, and then waits for them all)."""
    chunks = pyscript_chunks(pyscript)
    if len(chunks) != 1 + len(PYSCRIPT_AT_START):
        print(f"build: warning: found {len(chunks)} of PyScript's start-up modules, not all; "
              "the page will find the others later", file=sys.stderr)
    html = page.read_text()
    for anchor, links in (
        (CORE_PRELOAD, [f'<link rel="modulepreload" href="vendor/pyscript/{c}">' for c in chunks]),
        (PAD_PRELOAD, [f'<link rel="modulepreload" href="{CONSTANTS}">']),
        (MAIN_PRELOAD, [f'<link rel="preload" href="{m}" as="fetch" crossorigin>' for m in modules]),
    ):
        if anchor not in html:
            raise BuildError(f"index.html lacks {anchor}")
        html = html.replace(anchor, "\n  ".join([anchor, *links]), 1)
    page.write_text(html)


def copy_tree(source: Path, target: Path, keep=lambda path: True) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_file() and keep(path) and "__pycache__" not in path.parts:
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def assemble(model: Path, out: Path, pendigits_path: Path | None = None) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in PAGE_FILES:
        shutil.copy2(ROOT / name, out / name)
    modules = browser_modules()
    for src in modules:
        dest = out / src
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / src, dest)
    (out / "model").mkdir()
    for name in model_files(model):
        shutil.copy2(model / name, out / "model" / name)
    copy_tree(ROOT / "static", out / "static", lambda p: p.name not in STATIC_SKIP)
    (out / CONSTANTS).write_text(constants_module())
    write_pen_digits(out, pendigits_path)
    copy_tree(ROOT / "vendor", out / "vendor")
    add_preloads(out / "index.html", out / "vendor" / "pyscript", modules)


def precached(out: Path, files: list[str]) -> list[str]:
    """The files the service worker stores on a first visit: all but those a page asks
    for only in a case most visits never meet, which the worker stores the first time
    one is asked for.

    Those are PyScript's chunks beyond the ones it loads at start (its editor,
    terminal and MicroPython, which the page does not use), the whole standard
    library, for a page that cannot restore Python's snapshot (static/python.mjs),
    TF.js's WebAssembly for browsers without SIMD (Safari before 16.4), and the pen
    digits learning replays, which the page asks for once a person labels a drawing."""
    chunks = pyscript_chunks(out / "vendor" / "pyscript")
    pyscript = (
        {f"vendor/pyscript/{name}" for name in ["core.js", *chunks]}
        if len(chunks) == 1 + len(PYSCRIPT_AT_START)
        else None  # not all found (add_preloads warned): keep them all
    )
    return [
        name
        for name in files
        if name not in FETCHED_WHEN_NEEDED
        and (pyscript is None or not name.startswith("vendor/pyscript/") or name in pyscript)
    ]


def write_service_worker(out: Path) -> tuple[str, int]:
    """Write sw.js at the root (its scope is the whole site) with the file list and version."""
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + (out / name).read_bytes() + b"\0")
    template = (ROOT / "static" / "sw.js").read_text()
    digest.update(template.encode())
    version = digest.hexdigest()[:16]
    # "./" is what a visitor opens; index.html is the same page under its own name.
    stored = precached(out, files)
    precache = json.dumps(["./", *stored], indent=2)
    on_demand = json.dumps(sorted(set(files) - set(stored)), indent=2)
    size = sum((out / name).stat().st_size for name in ["index.html", *stored])  # "./" is index.html
    worker_text = (
        template.replace("__VERSION__", version)
        .replace("__PRECACHE__", precache)
        .replace("__PRECACHE_BYTES__", str(size))
        .replace("__ON_DEMAND__", on_demand)
    )
    (out / "sw.js").write_text(worker_text)
    return version, len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "model", help="TF.js model folder")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--pendigits", type=Path, help="the pen-digits file for static/batch.json")
    parser.add_argument("--list-modules", action="store_true",
                        help="print the Python files the page loads, as a JSON list, and stop")
    args = parser.parse_args(argv)
    try:
        if args.list_modules:
            print(json.dumps(browser_modules()))
            return 0
        check_inputs(args.model)
        if args.pendigits is not None and not args.pendigits.is_file():
            raise BuildError(f"--pendigits {args.pendigits}: no such file")
        assemble(args.model, args.out, pendigits_file(args.pendigits))
        version, count = write_service_worker(args.out)
    except BuildError as error:
        print(f"build: {error}", file=sys.stderr)
        return 1
    print(f"build: {args.out} ready, {count} files, version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
