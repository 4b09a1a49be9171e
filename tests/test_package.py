"""The package as a user installs it: a wheel built from the checkout, installed away
from it, carries the model and the widget, and reads a drawing from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from digitpad import __version__
from digitpad.render import rasterize

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    work = tmp_path_factory.mktemp("build-src")
    # Build from a copy of the tracked files, as `pip install git+…` would: nothing the
    # checkout happens to have lying around (dist/, .venv/) may leak into the wheel.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes((ROOT / name).read_bytes())
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(work)],
                            capture_output=True, text=True)
    if result.returncode != 0 and "Could not find a version" in result.stdout + result.stderr:
        pytest.skip("building the wheel needs setuptools from the package index, which is out of reach")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (built,) = out.glob("digitpad-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                    "--target", str(target), str(wheel)], check=True)
    return target


def _run(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess:
    # Only the installed copy is importable: not the checkout, not the current folder's.
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_wheel_carries_the_model_calibration_and_widget(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("digitpad/model/model.json", "digitpad/model/group1-shard1of1.bin",
                   "digitpad/model/calibration.json", "digitpad/web/pad.js",
                   "digitpad/widget.js", "digitpad/widget.css", "digitpad/network.py"):
        assert needed in names, f"{needed} is missing from {wheel.name}"
    # Training, tests and the page's build stay out of the package.
    assert not [n for n in names if n.startswith(("train/", "tests/", "scripts/", "dist/"))]
    metadata = zipfile.ZipFile(wheel).read(f"digitpad-{__version__}.dist-info/METADATA").decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    base = [line for line in requires if "extra ==" not in line]
    assert sorted(line.split()[1].split(">")[0] for line in base) == ["numpy", "pillow"]
    assert any("anywidget" in line and 'extra == "notebook"' in line for line in requires)


def test_the_installed_command_reads_a_drawing_from_another_folder(installed, tmp_path):
    from PIL import Image

    seven = rasterize([[(60, 60), (200, 60), (110, 230)]], 280, 280)
    Image.fromarray(255 - seven).save(tmp_path / "seven.png")
    version = _run(["-m", "digitpad", "--version"], installed, tmp_path)
    assert version.stdout.strip() == f"digitpad {__version__}", version.stderr
    where = _run(["-c", "import digitpad; print(digitpad.__file__)"], installed, tmp_path)
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr
    read = _run(["-m", "digitpad", "predict", "seven.png"], installed, tmp_path)
    assert read.returncode == 0, read.stderr
    assert read.stdout.startswith("seven.png: 7 ("), read.stdout


def test_the_installed_package_gives_the_widget(installed, tmp_path):
    pytest.importorskip("anywidget")
    code = ("import anywidget, digitpad\n"
            "pad = digitpad.Pad(strokes=[[[60, 60], [200, 60], [110, 230]]])\n"
            "assert isinstance(pad, anywidget.AnyWidget)\n"
            "print(pad.value)")
    result = _run(["-c", code], installed, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7"
