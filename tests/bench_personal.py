"""What learning a handwriting is worth, on the real page: for each held-out writer,
teach it PER_DIGIT of their digits of each class through the page (drawn with the
mouse, labelled with #correct), press #learn, then read the rest of that writer's
digits, every other held-out writer's digits and MNIST's test set with that writer's
model, and compare with the original model.

    .venv/bin/python -m tests.bench_personal [--per-digit 3] [--mnist 10000] [--dist DIR]

Prints figures; asserts nothing. A pen digit counts as right when the page reads it as
that digit (digitpad.page's readDrawings: the page's own reader, canvas and model); an
MNIST digit when the model's likeliest class is its label. How long learning takes is
the page's own measure (#learn[data-ms]): from the press to the model in use, the
replay's preparation included on the first learning of a page. While it learns, the
benchmark draws and times pen lift -> reading, as tests.bench does.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from digitpad.lab import batch_json
from digitpad.pad import RASTER_HEIGHT
from tests.bench import PROBE, VIEWPORT, percentile
from tests.browser import helpers
from train import pendigits

READ_CHUNK = 100  # drawings the page reads per call
MNIST_CHUNK = 1000
LEARNED = (
    "document.body.dataset.model === 'personal' && !('learning' in document.body.dataset)"
    " && /^Learned from/.test(document.querySelector('#personal-status').textContent)"
)


def read_drawings(page, samples) -> list[str]:
    """What the page reads of each sample, drawn on a pad as tall as the page's."""
    out = []
    for at in range(0, len(samples), READ_CHUNK):
        chunk = samples[at : at + READ_CHUNK]
        text = batch_json([(s.label, pendigits.on_pad(s, RASTER_HEIGHT)) for s in chunk],
                          RASTER_HEIGHT, RASTER_HEIGHT, "bench")
        out += page.evaluate("(text) => digitpad.readDrawings(text)", text)
    return out


def accuracy(page, samples) -> float:
    read = read_drawings(page, samples)
    return sum(r == str(s.label) for r, s in zip(read, samples)) / len(samples)


def mnist_test(limit: int):
    """MNIST's test set, its first ``limit`` digits as (n x 784 uint8, n labels): from
    MNIST_DIR or ../shared/data/mnist, else downloaded the Keras way (train/mnist.py)."""
    from train import mnist
    from train.datasets import mnist_dir

    _, (images, labels) = mnist.load(mnist_dir())
    return images[:limit].reshape(-1, 28 * 28), labels[:limit]


def mnist_accuracy(page, images, labels) -> float:
    right = 0
    for at in range(0, len(labels), MNIST_CHUNK):
        chunk = images[at : at + MNIST_CHUNK]
        answers = page.evaluate(
            """(data) => {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                const probabilities = digitpad.model.predict(Float32Array.from(bytes, (v) => v / 255));
                const best = [];
                for (let i = 0; i < probabilities.length; i += 10) {
                    let k = 0;
                    for (let j = 1; j < 10; j += 1) if (probabilities[i + j] > probabilities[i + k]) k = j;
                    best.push(k);
                }
                return best;
            }""",
            base64.b64encode(chunk.tobytes()).decode(),
        )
        right += int((np.array(answers) == labels[at : at + MNIST_CHUNK]).sum())
    return right / len(labels)


def teach(page, samples) -> None:
    width = helpers.raster_width(page)
    for sample in samples:
        if page.evaluate("digitpad.pad.strokeCount"):
            helpers.clear(page)
        page.evaluate("scrollTo(0, 0)")
        helpers.draw(page, helpers.centered(sample, width))
        before = int(page.get_attribute("#examples", "data-count"))
        page.click(f"#correct [data-digit='{sample.label}']")
        helpers.wait_until(page, f"document.querySelector('#examples').dataset.count === '{before + 1}'")


def lifts_while_learning(page, samples, least: int = 0) -> tuple[list[int], list[float]]:
    """Press #learn, and draw ``samples`` in turn while it learns, pressing it again
    until ``least`` lifts were made while learning: (the ms of each learning, the pen
    lift -> reading times of the lifts made while it learned)."""
    width = helpers.raster_width(page)
    took, times = [], []
    drawn = 0
    while not took or len(times) < least:
        page.evaluate("scrollTo(0, 0)")
        if page.evaluate("digitpad.pad.strokeCount"):
            helpers.clear(page)
        page.click("#learn")
        page.evaluate("scrollTo(0, 0)")
        box = helpers.pad_box(page)
        while page.evaluate("'learning' in document.body.dataset"):
            sample = samples[drawn % len(samples)]
            drawn += 1
            page.evaluate("benchProbe.reads = []; digitpad.pad.clear()")
            for stroke in helpers.centered(sample, width):
                page.mouse.move(*helpers.to_screen(box, *stroke[0]))
                page.mouse.down()
                for point in stroke[1:]:
                    page.mouse.move(*helpers.to_screen(box, *point))
                page.mouse.up()
            helpers.wait_until(page, "benchProbe.reads.length > 0 && benchProbe.pendingUp === null")
            learning = page.evaluate("'learning' in document.body.dataset")
            read = page.evaluate("benchProbe.reads.at(-1)")
            if learning:
                times.append(read["dom"] - read["up"])
        helpers.wait_until(page, LEARNED, timeout=120_000)
        took.append(int(page.get_attribute("#learn", "data-ms")))
    return took, times


def forget(page) -> None:
    if int(page.get_attribute("#examples", "data-count")) or page.get_attribute("body", "data-model") != "original":
        page.click("#forget")
        helpers.wait_until(page, "document.querySelector('#examples').dataset.count === '0'"
                                 " && document.body.dataset.model === 'original'")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=3, help="examples taught of each digit")
    parser.add_argument("--mnist", type=int, default=10_000, help="MNIST test digits read per model (0: none)")
    parser.add_argument("--lifts", type=int, default=60, help="pen lifts timed while learning, in all")
    parser.add_argument("--dist", type=Path, default=helpers.DIST, help="the built site to serve")
    parser.add_argument("--json", type=Path, default=Path("build") / "bench_personal.json")
    args = parser.parse_args(argv)

    samples = helpers.held_out_samples()
    writers = sorted(pendigits.HELD_OUT_WRITERS)
    by_writer = {w: [s for s in samples if s.writer == w] for w in writers}
    taught, rest = {}, {}
    for w in writers:
        chosen = [s for d in range(10) for s in [t for t in by_writer[w] if t.label == d][: args.per_digit]]
        taught[w] = chosen
        rest[w] = [s for s in by_writer[w] if s not in chosen]
    mnist = mnist_test(args.mnist) if args.mnist else None
    drawing = helpers.pinned_sample(60, seed=77)

    load = [os.getloadavg()[0]]
    results = {"per_digit": args.per_digit, "writers": {}, "learn_ms": [], "lifts_learning": []}
    began = time.monotonic()
    with sync_playwright() as playwright, helpers.serving(args.dist) as url:
        browser = helpers.launch(playwright)
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(PROBE)
        page = helpers.open_app(context.new_page(), url)
        forget(page)
        before = {w: accuracy(page, rest[w]) for w in writers}
        taught_before = {w: accuracy(page, taught[w]) for w in writers}
        others_before = {w: accuracy(page, by_writer[w]) for w in writers}
        mnist_before = mnist_accuracy(page, *mnist) if mnist else None
        results["mnist_before"] = mnist_before
        print(f"original model: MNIST {mnist_before if mnist_before is None else f'{mnist_before:.2%}'}", flush=True)
        for w in writers:
            forget(page)
            teach(page, taught[w])
            took, lifts = lifts_while_learning(page, drawing, args.lifts // len(writers))
            ms = took[0]
            results["learn_ms"] += took
            results["lifts_learning"] += lifts
            after = accuracy(page, rest[w])
            taught_right = accuracy(page, taught[w])
            others = {v: accuracy(page, by_writer[v]) - others_before[v] for v in writers if v != w}
            mnist_after = mnist_accuracy(page, *mnist) if mnist else None
            results["writers"][w] = {
                "taught": len(taught[w]), "read": len(rest[w]), "before": before[w], "after": after,
                "taught_before": taught_before[w], "taught_after": taught_right,
                "others_change": others, "mnist": mnist_after,
            }
            worst_other = min(others.values())
            print(f"writer {w:2}: {before[w]:.2%} -> {after:.2%} on {len(rest[w])} digits; "
                  f"learned in {ms} ms; others {worst_other * 100:+.2f} pt at worst; "
                  f"MNIST {'-' if mnist_after is None else f'{mnist_after:.2%}'}; "
                  f"{len(lifts)} lifts while learning", flush=True)
        browser.close()
    load.append(os.getloadavg()[0])
    results["load"] = load
    results["seconds"] = time.monotonic() - began
    print(report(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    return 0


def report(results: dict) -> str:
    lines = [
        (f"## Learning a handwriting ({results['per_digit']} examples of each digit), host load "
         f"{results['load'][0]:.1f} -> {results['load'][1]:.1f}"),
        "",
        ("| writer | taught: read right before → after | the rest | before | after "
         "| other writers, worst change | MNIST test |"),
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for w, r in results["writers"].items():
        mnist = "-" if r["mnist"] is None else f"{r['mnist']:.2%}"
        lines.append(
            f"| {w} | {round(r['taught_before'] * r['taught'])} → {round(r['taught_after'] * r['taught'])} "
            f"of {r['taught']} | {r['read']} | {r['before']:.2%} | {r['after']:.2%} | "
            f"{min(r['others_change'].values()) * 100:+.2f} pt | {mnist} |"
        )
    if results.get("mnist_before") is not None:
        lines.append(f"| original model | | | | | | {results['mnist_before']:.2%} |")
    ms = results["learn_ms"]
    lines += ["", (f"Learning {results['per_digit'] * 10} examples took {statistics.median(ms) / 1000:.2f} s "
                   f"(median of {len(ms)}; {min(ms) / 1000:.2f}-{max(ms) / 1000:.2f} s; the page's first "
                   "learning also prepares the replay).")]
    lifts = results["lifts_learning"]
    if lifts:
        lines.append(f"Pen lift -> reading while learning: {len(lifts)} lifts, p50 "
                     f"{statistics.median(lifts):.1f} ms, p95 {percentile(lifts, 95):.1f} ms, "
                     f"max {max(lifts):.1f} ms.")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
