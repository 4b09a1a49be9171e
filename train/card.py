"""The model card: what the model is, how well it reads, and how to make it again."""

from __future__ import annotations

from train.evaluate import SETS

REPRODUCE = """\
```sh
make train      # .venv/bin/python -m train --data ../shared/data/mnist \\
                #   --pendigits ../shared/data/pendigits/pendigits-orig.tra --out model
make evaluate   # .venv/bin/python -m train.evaluate --data ../shared/data/mnist \\
                #   --pendigits ../shared/data/pendigits/pendigits-orig.tra --model model
```

`make train` renders the pen digits (cached in `build/pendigits/`), trains, keeps the
full-precision Keras model in `build/model.keras`, converts it into this folder and
runs the evaluation, which writes this card and its figures. `make evaluate` redoes
only the last step. Without `--data` (and `$MNIST_DIR`), Keras downloads MNIST.
`make train-quick` runs the same pipeline on a small subset for one epoch."""


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def render(results: dict, record: dict | None) -> str:
    sets = results["sets"]
    files = results["files"]
    total = sum(files.values())
    weights = results["weights"]
    quick = record and record["config"].get("quick")
    out = ["# digitpad digit reader: model card", ""]
    if quick:
        out += ["**Quick run** (small subset, one epoch): a pipeline check, not the shipped model.", ""]
    out += [
        "A small convolutional network that reads one handwritten digit. It runs in the",
        "browser with TensorFlow.js (`tf.loadLayersModel('model/model.json')`).",
        "",
        "- **Input**: `[N, 28, 28, 1]` float32 in [0, 1], ink = 1, prepared the MNIST way by",
        "  `digitpad.preprocess.prepare` (crop to ink, fit the longer side to 20 px, center",
        "  the mass in 28x28, stretch the darkest ink to 1).",
        "- **Output**: softmax over the digits 0-9 (layer `digit`).",
        "- **Layers**: conv 3x3 (24) → max-pool → conv 3x3 (48) → conv 3x3 (48) → max-pool →",
        "  conv 3x3 (96) → max-pool → dropout → dense 128 → dropout → dense 10. Every",
        "  convolution has a ReLU and is followed by batch norm; the first is named `conv1`",
        "  and outputs 24 rectified 28x28 feature maps.",
        f"- **Parameters**: {results['parameters']:,}.",
        f"- **Weights**: {weights}, in {len(files) - 1} shard(s): the tensors of"
        " 32,768 values or more are quantized to uint8, the rest to float16.",
        "",
        "## Accuracy",
        "",
        "| set | digits | float32 Keras | as shipped (quantized) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, label in SETS.items():
        entry = sets[key]
        out.append(f"| {label} | {entry['count']:,} | {_pct(entry.get('keras'))} | {_pct(entry['shipped'])} |")
    out += [
        "",
        "\"As shipped\" loads `model.json` and its shards back into Keras, so the quantized",
        "weights are what is measured (`tests/test_convert_parity.py` checks that TensorFlow.js",
        "gives the same probabilities from these files). Pen digits are the UCI pen-digits trajectories drawn",
        "with the pad's own renderer (`digitpad.render`, the canvas brush) at the pad's full",
        "height and prepared by `digitpad.preprocess`, exactly as the page does. Writers are",
        "split once in `train/pendigits.py`: 21 train writers, 3 tuning writers (the",
        "validation set during training, and the check that decides between uint8 and",
        "float16 weights) and 6 held-out writers used only for this table.",
    ]
    if not sets["mnist_test"].get("keras"):
        out += ["", "(No full-precision Keras model was found in `build/`, so only the shipped weights were measured.)"]
    out += [
        "",
        "![confusion matrices](confusion.png)",
        "",
        "![most confident mistakes](mistakes.png)",
        "",
        "## Files",
        "",
        "| file | bytes |",
        "| --- | ---: |",
    ]
    out += [f"| `{name}` | {size:,} |" for name, size in files.items()]
    out += [f"| **total** | **{total:,}** ({total / 1024:.1f} KB) |", ""]
    if record:
        c = record["config"]
        h = record["history"]
        minutes = (record["data_seconds"] + record["fit_seconds"]) / 60
        out += [
            "## Training",
            "",
            f"- **Data**: {record['training_images']:,} images per epoch: MNIST's training set"
            + (" (a subset)" if quick else "")
            + f" plus {c['pen_copies']} drawing{'s' if c['pen_copies'] > 1 else ''} of each train"
            " writer's pen digit, at a random size",
            "  between 0.6x and 1.2x the pad's height (a smaller digit has relatively thicker",
            "  strokes, as on the page), with a small tremor of the pen positions.",
            "- **Augmentation** (in the TensorFlow graph, stateless and seeded per batch):",
            f"  rotation ±{c['augment']['rotate_deg']:g}°, shear ±{c['augment']['shear']:g},"
            f" scale {c['augment']['scale'][0]:g}-{c['augment']['scale'][1]:g},"
            f" aspect ±{100 * c['augment']['aspect']:.0f}%, shift ±{c['augment']['shift_px']:g} px,",
            f"  elastic distortion up to {c['augment']['elastic_px']:g} px, stroke thickness"
            " (blend towards a 3x3 dilation or erosion).",
            f"- **Schedule**: {c['epochs']} epoch{'s' if c['epochs'] > 1 else ''} of {record['steps_per_epoch']} batches of {c['batch']},"
            f" Adam, cosine learning-rate decay from {c['learning_rate']:g}"
            + (f" after {c['warmup_epochs']:g} warm-up epoch" if c["epochs"] > 1 else "")
            + f"; seed {c['seed']}.",
            f"- **Time**: {minutes:.1f} min on 2 CPU cores: {record['data_seconds']:.0f} s to load"
            f" and draw the data, {record['fit_seconds']:.0f} s to fit"
            f" ({', '.join(f'{s:.0f}' for s in record['epoch_seconds'])} s per epoch)"
            + (f"; fitting used {record['fit_cpu_seconds'] / 60:.1f} CPU-minutes. Wall time"
               " grows when other work shares the two cores." if "fit_cpu_seconds" in record else "."),
            f"- **Last epoch**: training accuracy {_pct(h['accuracy'][-1])} (on augmented batches),"
            f" tuning writers {_pct(h['val_accuracy'][-1])}.",
            "- `history.json` holds the configuration and per-epoch figures.",
            "",
            "![training curves](curves.png)",
            "",
        ]
    out += ["## Reproduce", "", REPRODUCE, ""]
    out += [
        "## Limits",
        "",
        "- One digit per input: whole numbers are cut into digits before the network sees them.",
        "- Trained on MNIST (American Census Bureau staff and high-school students) and 21",
        "  pen-digits writers; unusual handwriting styles (e.g. crossed sevens, open fours)",
        "  are rarer in the data and read less reliably.",
        "- It always answers one of ten digits, even for a scribble; the page decides when",
        "  to say it is unsure.",
        "",
    ]
    return "\n".join(out)
