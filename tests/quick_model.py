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


@functools.lru_cache(maxsize=1)
def _train() -> tuple[Path, Path, subprocess.CompletedProcess]:
    mnist, pen_digits = require_data()
    folder = Path(tempfile.mkdtemp(prefix="digitpad-quick-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    out, keras = folder / "model", folder / "model.keras"
    result = subprocess.run(
        [sys.executable, "-m", "train", "--quick", *(["--data", str(mnist)] if mnist else []),
         "--pendigits", str(pen_digits), "--out", str(out), "--keras", str(keras)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    return out, keras, result


def quick_model() -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(converted model folder, float32 Keras file, the training run) of a quick run."""
    require_data()
    out, keras, result = _train()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, keras, result
