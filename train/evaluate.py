"""Measure a converted model and write its model card (README.md) and figures beside it.

    python -m train.evaluate --data DIR --pendigits FILE --model model

Accuracy is measured twice: with the full-precision Keras model kept in build/ (when
it is there) and with the weights exactly as shipped in model/ (quantized), loaded
back from model.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from train.pendigits import HELD_OUT_WRITERS, TUNE_WRITERS
from train import cli, mnist, pens

SETS = {
    "mnist_test": "MNIST test",
    "pen_held_out": "Held-out pen writers (drawn on the pad as in the browser)",
    "pen_tune": "Tuning pen writers (used for choices)",
}

SHORT = {"mnist_test": "MNIST test", "pen_held_out": "Held-out pen writers"}


def check_sets(data, pendigits) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    _, (x, y) = mnist.load(data)
    sets = {"mnist_test": (x.astype(np.float32)[..., None] / 255.0, y.astype(np.int64))}
    for key, writers in (("pen_held_out", HELD_OUT_WRITERS), ("pen_tune", TUNE_WRITERS)):
        px, py = pens.browser_set(pendigits, writers)
        sets[key] = (px[..., None], py.astype(np.int64))
    return sets


def evaluate(model_dir: Path, data, pendigits, keras_path: Path | None) -> dict:
    """Accuracies, predictions and sizes for the model in ``model_dir``; writes figures."""
    from train import convert, figures

    sets = check_sets(data, pendigits)
    shipped = convert.read(model_dir)
    results = {"sets": {}, "weights": convert.describe_weights(model_dir)}
    predictions = {}
    keras_model = None
    if keras_path and keras_path.exists():
        from train.tf import tf_keras

        keras_model = tf_keras.models.load_model(keras_path)
    for key, (x, y) in sets.items():
        probs = shipped.predict(x, batch_size=512, verbose=0)
        predictions[key] = probs
        entry = {"count": int(len(y)), "shipped": float(np.mean(probs.argmax(1) == y))}
        if keras_model is not None:
            entry["keras"] = convert.accuracy(keras_model, x, y)
        results["sets"][key] = entry
    results["parameters"] = int(shipped.count_params())
    results["files"] = {p.name: p.stat().st_size for p in convert.model_files(model_dir)}
    results["keras_model"] = str(keras_path) if keras_model is not None else None

    figures.confusion(
        {title: (sets[k][1], predictions[k].argmax(1)) for k, title in SHORT.items()},
        model_dir / "confusion.png",
    )
    figures.mistakes(
        {title: (sets[k][0], sets[k][1], predictions[k]) for k, title in SHORT.items()},
        model_dir / "mistakes.png",
    )
    history = model_dir / "history.json"
    if history.exists():
        figures.curves(json.loads(history.read_text()), model_dir / "curves.png")
    (model_dir / "evaluation.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def write_card(model_dir: Path, results: dict) -> None:
    from train import card

    history = model_dir / "history.json"
    record = json.loads(history.read_text()) if history.exists() else None
    (model_dir / "README.md").write_text(card.render(results, record))


def run(args) -> dict:
    started = time.perf_counter()
    model_dir = Path(args.model)
    if not (model_dir / "model.json").exists():
        raise cli.UsageError(f"no model.json in {model_dir}; train one first (make train)")
    keras_path = Path(args.keras) if args.keras else Path("build") / f"{model_dir.name}.keras"
    # Read the data before TensorFlow loads, so bad data ends in one clean line.
    check_sets(args.data, args.pendigits)
    results = evaluate(model_dir, args.data, args.pendigits, keras_path)
    write_card(model_dir, results)
    print(summary(results))
    print(f"evaluated in {time.perf_counter() - started:.0f} s; model card: {model_dir / 'README.md'}")
    return results


def summary(results: dict) -> str:
    lines = []
    for key, entry in results["sets"].items():
        keras = f", float32 {100 * entry['keras']:.2f}%" if "keras" in entry else ""
        lines.append(f"{SETS[key]}: {100 * entry['shipped']:.2f}% (shipped weights){keras}")
    total = sum(results["files"].values())
    lines.append(f"{results['parameters']} parameters, stored as {results['weights']}")
    lines.append(f"model.json + shards = {total / 1024:.1f} KB")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = cli.parser("python -m train.evaluate", "Measure a converted model and write its model card.")
    cli.add_data_options(parser)
    parser.add_argument("--model", default="model", help="folder with model.json (default: model)")
    parser.add_argument("--keras", help="full-precision Keras model (default: build/<model folder>.keras)")
    return cli.run(parser, run, argv)


if __name__ == "__main__":
    sys.exit(main())
