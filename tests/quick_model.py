"""One quick-mode training run, shared by the tests that need a freshly converted model."""

import atexit
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests import datasets as data

ROOT = Path(__file__).resolve().parents[1]


def require_data() -> tuple[Path | None, Path]:
    """(MNIST's folder, or None for Keras' copy; the pen-digits file), or a skip."""
    return data.mnist_source(), data.pendigits()


# The quick run also trains on a zip of labelled drawings, as a class would collect.
EXTRA_EXAMPLES = 20


def examples_zip(pen_digits: Path, path: Path) -> Path:
    """A zip of tuning writers' pen digits drawn on the pad, as the page would export them."""
    from digitpad.examples import Example, to_zip
    from digitpad.pad import RASTER_HEIGHT
    from train import pendigits, pens

    samples = pendigits.by_writers(pendigits.load(pen_digits), pendigits.TUNE_WRITERS)[:EXTRA_EXAMPLES]
    path.write_bytes(to_zip([
        Example(label=s.label, strokes=tuple(tuple(stroke) for stroke in pendigits.on_pad(s)),
                width=RASTER_HEIGHT, pixels=tuple(float(v) for v in pens.as_in_browser(s).ravel()))
        for s in samples
    ]))
    return path


@functools.lru_cache(maxsize=1)
def _train() -> tuple[Path, Path, subprocess.CompletedProcess]:
    mnist, pen_digits = require_data()
    folder = Path(tempfile.mkdtemp(prefix="digitpad-quick-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    out, keras = folder / "model", folder / "model.keras"
    extra = examples_zip(pen_digits, folder / "class.zip")
    result = subprocess.run(
        [sys.executable, "-m", "train", "--quick", *(["--data", str(mnist)] if mnist else []),
         "--pendigits", str(pen_digits), "--out", str(out), "--keras", str(keras), "--extra", str(extra)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    return out, keras, result


def quick_model() -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(converted model folder, float32 Keras file, the training run) of a quick run."""
    require_data()
    out, keras, result = _train()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, keras, result
