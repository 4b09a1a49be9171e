"""Command-line plumbing shared by ``python -m train`` and ``python -m train.evaluate``:
bad input ends in one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys

from train import datasets
from train.idx import DataError


class UsageError(Exception):
    """The command line asks for something that cannot be done."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    return _Parser(prog=prog, description=description)


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        default=os.environ.get("MNIST_DIR") or None,
        help="folder with MNIST's four IDX .gz files (default: $MNIST_DIR; "
        "with neither, Keras downloads MNIST)",
    )
    p.add_argument(
        "--pendigits",
        help=f"pen-digits trajectories (default: {datasets.PENDIGITS_SOURCES})",
    )


def run(p: argparse.ArgumentParser, action, argv=None) -> int:
    try:
        args = p.parse_args(argv)
        args.pendigits = str(datasets.pendigits_file(args.pendigits))
        action(args)
    except (UsageError, DataError) as err:
        print(f"{p.prog}: error: {err}", file=sys.stderr)
        return 2 if isinstance(err, UsageError) else 1
    except KeyboardInterrupt:
        print(f"{p.prog}: interrupted", file=sys.stderr)
        return 130
    return 0
