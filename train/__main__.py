"""``python -m train``: train, convert into a TensorFlow.js layers model, evaluate."""

from __future__ import annotations

import sys
import time
from argparse import Namespace
from pathlib import Path

from train import cli


def run(args: Namespace) -> None:
    from train import datasets, mnist, pens

    # Read all data before TensorFlow loads, so bad data ends in one clean line.
    mnist.check(args.data)
    mnist.load(args.data)
    pens.load_samples(args.pendigits)
    datasets.extra_set(args.extra)
    from train import convert, evaluate, fit

    started = time.perf_counter()
    config = fit.Config(data=args.data, pendigits=args.pendigits, out=args.out, keras=args.keras,
                        quick=args.quick, seed=args.seed, extra=args.extra)
    if args.epochs:
        config.epochs = args.epochs
    model, record = fit.train(config)
    out = Path(args.out)
    checks = {"tuning pen writers": fit.tuning_set(config)}
    weights = convert.write_best(model, out, checks)
    record["weights"] = weights
    fit.save_record(record, out)
    print(f"trained and converted in {(time.perf_counter() - started) / 60:.1f} min")
    evaluate.run(Namespace(model=args.out, data=args.data, pendigits=args.pendigits, keras=str(config.keras_path)))


def main(argv=None) -> int:
    parser = cli.parser("python -m train", "Train the digit reader and write it as a TensorFlow.js model.")
    cli.add_data_options(parser)
    parser.add_argument("--out", default="model", help="folder for model.json, shards and card (default: model)")
    parser.add_argument("--keras", help="where to keep the float32 Keras model (default: build/<out name>.keras)")
    parser.add_argument("--quick", action="store_true", help="small subset, one epoch: checks the pipeline in about a minute")
    parser.add_argument("--epochs", type=int, help="override the number of epochs")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    parser.add_argument("--extra", action="append", default=[], metavar="ZIP",
                        help="also train on the labelled drawings in this examples zip (repeatable)")
    return cli.run(parser, run, argv)


if __name__ == "__main__":
    sys.exit(main())
