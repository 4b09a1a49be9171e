"""One quick-mode training run, shared by the tests that need a freshly converted model."""

import atexit
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist"
PENDIGITS = ROOT.parent / "shared" / "data" / "pendigits" / "pendigits-orig.tra"


def require_data() -> None:
    if not (MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    if not PENDIGITS.exists():
        pytest.skip(f"pen digits not found at {PENDIGITS}")


@functools.lru_cache(maxsize=1)
def _train() -> tuple[Path, Path, subprocess.CompletedProcess]:
    folder = Path(tempfile.mkdtemp(prefix="digitpad-quick-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    out, keras = folder / "model", folder / "model.keras"
    result = subprocess.run(
        [sys.executable, "-m", "train", "--quick", "--data", str(MNIST), "--pendigits", str(PENDIGITS),
         "--out", str(out), "--keras", str(keras)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    return out, keras, result


def quick_model() -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(converted model folder, float32 Keras file, the training run) of a quick run."""
    require_data()
    out, keras, result = _train()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, keras, result
