"""Fit when the page says "unsure" or "not a digit", and measure how well that works.

    python -m train.calibrate --model model [--pendigits FILE]

Reads the shipped model with ``digitpad.network`` (the same files the page runs) and
draws pen digits exactly as the page would see them (``digitpad.render`` then
``digitpad.preprocess``). It fits, on the tune writers' digits and one seed of
scribbles: a temperature that makes the softmax honest, a small logistic model telling
scribbles from digits, and two thresholds. It then reports, on the held-out writers and
scribbles from another seed, how many real digits get flagged and how many scribbles
do, and how often whole numbers written by held-out writers are read exactly, going
through the page's own ``digitpad.reader.Reader``. Parameters and figures go to
``<model>/calibration.json``, which ``digitpad.decide`` reads.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

from digitpad import decide, network, segment
from digitpad.api import stroke_reader
from train import datasets, pendigits, scribbles
from train.idx import DataError
from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT
from digitpad.preprocess import SIZE, prepare
from digitpad.render import ink_bounds, rasterize

FIT_SEED = 1  # the scribbles and drawing sizes the parameters are fitted on
REPORT_SEED = 2  # the ones the figures are measured on
SCRIBBLES = 1200
NUMBERS = 1000

# Share of the tune writers' digits each flag may take; the held-out target is 3% in all.
NOT_A_DIGIT_BUDGET = 0.004
UNSURE_BUDGET = 0.0025


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.calibrate", description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="model", help="folder with model.json (default: model)")
    parser.add_argument(
        "--pendigits",
        help=f"pen-digits trajectories (default: {datasets.PENDIGITS_SOURCES})",
    )
    parser.add_argument("--out", help="where to write the calibration (default: <model>/calibration.json)")
    parser.add_argument("--scribbles", type=int, default=SCRIBBLES, help="scribbles per seed")
    parser.add_argument("--numbers", type=int, default=NUMBERS, help="3-digit numbers to read")
    args = parser.parse_args(argv)
    try:
        net = network.load(args.model)
        samples = pendigits.load(datasets.pendigits_file(args.pendigits))
    except (network.ModelError, pendigits.FormatError, FileNotFoundError, DataError) as e:
        print(f"calibrate: {e}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    classify = lambda pixels: net.predict(np.asarray(pixels, np.float32).reshape(-1, SIZE, SIZE, 1))

    tune = _drawn_digits(pendigits.by_writers(samples, pendigits.TUNE_WRITERS), FIT_SEED)
    held = _drawn_digits(pendigits.by_writers(samples, pendigits.HELD_OUT_WRITERS), REPORT_SEED)
    junk_fit = _drawn(d for _, d in scribbles.scribbles(args.scribbles, FIT_SEED))
    junk_report = scribbles.scribbles(args.scribbles, REPORT_SEED)
    junk_test = _drawn(d for _, d in junk_report)
    for part in (tune, held, junk_fit, junk_test):
        part["probabilities"] = classify(part["pixels"])

    temperature = fit_temperature(tune["probabilities"], tune["labels"])
    calibration = {"temperature": temperature, "unsure_below": 0.0, "not_a_digit_from": 1.0}
    x_digits = _features(tune, temperature)
    x_junk = _features(junk_fit, temperature)
    model = fit_logistic(x_digits, x_junk)
    model["probability_only"] = fit_logistic(x_digits[:, :3], x_junk[:, :3])
    model["features"] = list(decide.FEATURES)
    calibration["junk_model"] = model

    junk_tune = _junk_scores(tune, calibration)
    calibration["not_a_digit_from"] = float(np.quantile(junk_tune, 1 - NOT_A_DIGIT_BUDGET))
    # Unsure when the top two are close: the log-odds between them, unlike the top
    # probability, does not saturate at 1 for a sharp temperature.
    margins = np.array([decide.probability_features(v.probabilities)[1] for v in _verdicts(tune, calibration)])
    kept = margins[junk_tune < calibration["not_a_digit_from"]]
    calibration["unsure_margin"] = float(np.quantile(kept, UNSURE_BUDGET)) if len(kept) else math.log(2)

    report = measure(calibration, held, junk_test, [k for k, _ in junk_report])
    report.update(read_numbers(net, calibration, samples, args.numbers))
    report["seconds"] = round(time.perf_counter() - started, 1)
    calibration["report"] = report
    calibration["fitted_on"] = {
        "digits": f"pen digits of tune writers {sorted(pendigits.TUNE_WRITERS)}",
        "scribbles": f"{args.scribbles} from train.scribbles, seed {FIT_SEED}",
        "reported_on": f"held-out writers {sorted(pendigits.HELD_OUT_WRITERS)}, scribbles seed {REPORT_SEED}",
    }
    if report["held_out_accuracy"] < 0.5:
        print(f"calibrate: warning: the model reads only {report['held_out_accuracy']:.0%} of "
              "held-out digits right; is it the trained model?", file=sys.stderr)
    out = Path(args.out) if args.out else Path(args.model) / "calibration.json"
    out.write_text(json.dumps(calibration, indent=1) + "\n", encoding="utf-8")
    _print_report(calibration, out)
    return 0


# --- drawing and reading ----------------------------------------------------------


def _drawn_digits(samples: list[pendigits.Sample], seed: int) -> dict:
    """Each digit drawn through the page's pipeline, at any size people use on the pad:
    small in a corner to filling its height, or as written on the tablet. The stroke
    measures include the ink's size, so the rule must see the whole range."""
    rng = random.Random(seed)
    drawings = [
        pendigits.on_pad(s)
        if rng.random() < 0.25
        else pendigits.side_by_side([s], height=RASTER_HEIGHT * rng.uniform(0.3, 0.95))
        for s in samples
    ]
    part = _drawn(drawings)
    part["labels"] = np.array([s.label for s in samples])
    return part


def _drawn(drawings) -> dict:
    strokes, pixels = [], []
    for drawing in drawings:
        strokes.append(drawing)
        pixels.append(_pixels(drawing))
    return {"strokes": strokes, "pixels": np.array(pixels, np.float32)}


def _pixels(strokes) -> list[float]:
    alpha, width, height = _raster(strokes)
    return prepare(alpha, width, height).pixels


def _raster(strokes) -> tuple[bytes, int, int]:
    """The strokes rendered on just the box the brush reaches, shifted by whole pixels."""
    x0, y0, x1, y1 = ink_bounds(strokes)
    sx, sy = math.floor(x0), math.floor(y0)
    moved = [[(x - sx, y - sy) for x, y in s] for s in strokes]
    width, height = math.ceil(x1 - sx), math.ceil(y1 - sy)
    return rasterize(moved, width, height).tobytes(), width, height


def _verdicts(part: dict, calibration: dict) -> list[decide.Verdict]:
    key = ("verdicts", id(calibration), calibration["not_a_digit_from"], calibration.get("unsure_margin"))
    if part.get("_key") != key:
        part["_verdicts"] = [
            decide.decide(p, s, calibration) for p, s in zip(part["probabilities"], part["strokes"])
        ]
        part["_key"] = key
    return part["_verdicts"]


def _junk_scores(part: dict, calibration: dict) -> np.ndarray:
    return np.array([v.junk for v in _verdicts(part, calibration)])


def _features(part: dict, temperature: float) -> np.ndarray:
    rows = []
    for p, strokes in zip(part["probabilities"], part["strokes"]):
        calibrated = decide._tempered(list(map(float, p)), temperature)
        rows.append(decide.probability_features(calibrated) + decide.stroke_features(strokes))
    return np.array(rows, np.float64)


# --- fitting ----------------------------------------------------------------------


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The T minimising the negative log-likelihood of softmax(log p / T) on true labels.

    Without a single mistake among them that likelihood only grows as T shrinks, so
    they say nothing about T: then the network's own probabilities stand (T = 1).
    """
    if (probabilities.argmax(axis=1) == labels).all():
        print("temperature: the network reads every fitting digit right, so T stays 1")
        return 1.0
    logs = np.log(np.clip(probabilities.astype(np.float64), 1e-30, 1.0))
    best = None
    for t in np.exp(np.linspace(np.log(0.02), np.log(20.0), 401)):
        z = logs / t
        z -= z.max(axis=1, keepdims=True)
        nll = -(z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(axis=1))).mean()
        if best is None or nll < best[0]:
            best = (nll, float(t))
    return round(best[1], 4)


def fit_logistic(digits: np.ndarray, junk: np.ndarray, l2: float = 1e-2) -> dict:
    """Logistic regression of "is a scribble" on standardised features, both classes
    weighted equally, fitted by Newton's method."""
    x = np.vstack([digits, junk])
    y = np.concatenate([np.zeros(len(digits)), np.ones(len(junk))])
    w_row = np.concatenate([np.full(len(digits), 0.5 / len(digits)), np.full(len(junk), 0.5 / len(junk))])
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - means) / scales])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ beta, -500, 500)))
        gradient = z.T @ (w_row * (p - y)) + penalty * beta
        hessian = (z * (w_row * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return {
        "bias": float(beta[0]),
        "weights": [float(v) for v in beta[1:]],
        "means": [float(v) for v in means],
        "scales": [float(v) for v in scales],
    }


# --- measuring --------------------------------------------------------------------


def measure(calibration: dict, held: dict, junk: dict, kinds: list[str]) -> dict:
    digits = _verdicts(held, calibration)
    scribbled = _verdicts(junk, calibration)
    labels = held["labels"]
    flagged = np.array([v.kind != decide.DIGIT for v in digits])
    not_digit = np.array([v.kind == decide.NOT_A_DIGIT for v in digits])
    right = np.array([v.digit == y for v, y in zip(digits, labels)])
    junk_flagged = np.array([v.kind != decide.DIGIT for v in scribbled])
    junk_not_digit = np.array([v.kind == decide.NOT_A_DIGIT for v in scribbled])
    by_kind = {}
    for kind in sorted(set(kinds)):
        mask = np.array([k == kind for k in kinds])
        by_kind[kind] = round(float(junk_flagged[mask].mean()), 3)
    return {
        "held_out_digits": len(digits),
        "held_out_accuracy": round(float(right.mean()), 4),
        "false_reject_rate": round(float(flagged.mean()), 4),
        "false_not_a_digit_rate": round(float(not_digit.mean()), 4),
        "accuracy_when_sure": round(float(right[~flagged].mean()), 4) if (~flagged).any() else None,
        "wrong_and_flagged": round(float(flagged[~right].mean()), 4) if (~right).any() else None,
        "scribbles": len(scribbled),
        "scribble_flag_rate": round(float(junk_flagged.mean()), 4),
        "scribble_not_a_digit_rate": round(float(junk_not_digit.mean()), 4),
        "scribble_flag_rate_by_kind": by_kind,
    }


def read_numbers(net, calibration: dict, samples, count: int) -> dict:
    """Three-digit numbers written by held-out writers with ordinary spacing, read by the
    page's ``Reader`` with this calibration: grouped, cut where a group is wide, each
    digit classified and decided, as on the page."""
    by_writer: dict[int, list[pendigits.Sample]] = {}
    for s in pendigits.by_writers(samples, pendigits.HELD_OUT_WRITERS):
        by_writer.setdefault(s.writer, []).append(s)
    rng = random.Random(REPORT_SEED)
    partitioned = exact = 0
    for _ in range(count):
        pool = by_writer[rng.choice(sorted(by_writer))]
        chosen = [rng.choice(pool) for _ in range(3)]
        strokes, truth = pendigits.written_number(chosen, rng)
        partitioned += segment.group_strokes(strokes) == truth
        width = math.ceil(max(x for stroke in strokes for x, _ in stroke) + BRUSH_WIDTH)
        reader = stroke_reader(strokes, net, calibration)
        exact += reader.read(strokes, width).text == "".join(str(s.label) for s in chosen)
    return {
        "numbers": count,
        "partition_accuracy": round(partitioned / count, 4),
        "number_accuracy": round(exact / count, 4),
    }


def _print_report(calibration: dict, out: Path) -> None:
    r = calibration["report"]
    print(f"temperature {calibration['temperature']:.3f}, unsure below log-odds {calibration['unsure_margin']:.3f}, "
          f"not a digit from {calibration['not_a_digit_from']:.3f}")
    print(f"held-out digits ({r['held_out_digits']}): accuracy {r['held_out_accuracy']:.2%}, "
          f"flagged (false reject) {r['false_reject_rate']:.2%} "
          f"[not a digit {r['false_not_a_digit_rate']:.2%}], accuracy when sure {r['accuracy_when_sure']:.2%}, "
          f"wrong ones flagged {r['wrong_and_flagged'] or 0:.1%}")
    print(f"scribbles ({r['scribbles']}): flagged {r['scribble_flag_rate']:.2%} "
          f"[not a digit {r['scribble_not_a_digit_rate']:.2%}]")
    print("  by kind: " + ", ".join(f"{k} {v:.0%}" for k, v in r["scribble_flag_rate_by_kind"].items()))
    print(f"3-digit numbers ({r['numbers']}): partition {r['partition_accuracy']:.2%}, "
          f"read exactly {r['number_accuracy']:.2%}")
    print(f"wrote {out} in {r['seconds']} s")


if __name__ == "__main__":
    sys.exit(main())
