"""The command line: ``python -m digitpad predict FILE...``."""

from __future__ import annotations

import argparse
import json
import sys

from digitpad import __version__

USAGE_EXAMPLES = """\
examples:
  python -m digitpad predict seven.png          seven.png: 7 (98.6%)
  python -m digitpad predict smudge.png         smudge.png: 4 or 9? (51.3%)
  python -m digitpad predict *.png --json       one JSON object per file, in a list
  python -m digitpad predict scan.jpg --model build/quick-model

Images may be dark ink on light paper, light ink on dark, or canvas exports with a
transparent background. A picture of a number is read digit by digit, left to right.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m digitpad",
        description="Read handwritten digits and numbers with the model the page uses.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=USAGE_EXAMPLES,
    )
    parser.add_argument("--version", action="version", version=f"digitpad {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    predict = commands.add_parser(
        "predict",
        help="read the digit or number in each image file",
        description="Read the digit or number in each image file (PNG, JPEG, ...).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=USAGE_EXAMPLES,
    )
    predict.add_argument("files", nargs="+", metavar="FILE", help="image files to read")
    predict.add_argument(
        "--model", metavar="DIR", default=None,
        help="TensorFlow.js layers model directory (default: the model digitpad carries)",
    )
    predict.add_argument(
        "--json", action="store_true",
        help="print a JSON list with each file's reading or error, for other programs",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_predict(args.files, args.model, args.json)


def run_predict(files: list[str], model_dir: str | None, as_json: bool) -> int:
    """Read each file; 0 when all were read, 1 when some were not, 2 without a model."""
    from digitpad.api import load_network, predict
    from digitpad.images import ImageError
    from digitpad.network import ModelError

    try:
        load_network(model_dir)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        if model_dir is None:
            print("train one with `make train`, or pass --model DIR", file=sys.stderr)
        return 2

    results, failed = [], 0
    for name in files:
        try:
            reading = predict(name, model_dir)
        except ImageError as e:
            failed += 1
            message = str(e).removeprefix(f"{name}: ")
            print(f"error: {name}: {message}", file=sys.stderr)
            results.append({"file": name, "error": message})
            continue
        if as_json:
            results.append(_as_json(name, reading))
        else:
            print(f"{name}: {reading}", flush=True)
    if as_json:
        json.dump(results, sys.stdout, indent=2)
        print()
    return 1 if failed else 0


def _as_json(name: str, reading) -> dict:
    return {
        "file": name,
        "text": reading.text,
        "label": reading.label,
        "sure": reading.sure,
        "confidence": round(reading.confidence, 6),
        "digits": [
            {
                "digit": d.digit,
                "verdict": d.verdict.kind,
                "label": d.label,
                "confidence": round(d.confidence, 6),
                "probabilities": [round(p, 6) for p in d.probabilities],
                "box": list(d.box),
            }
            for d in reading.digits
        ],
    }
