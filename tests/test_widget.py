"""digitpad.Pad() in the kernel: its synced state, read with the page's Reader.

The browser half (a real JupyterLab, the mouse drawing) is tests/browser/test_notebook.py;
here the kernel side is driven as the front end drives it, by setting ``strokes``.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

anywidget = pytest.importorskip("anywidget")
traitlets = pytest.importorskip("traitlets")

import digitpad  # noqa: E402
from digitpad.api import predict_strokes  # noqa: E402
from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT  # noqa: E402
from digitpad.widget import Pad  # noqa: E402

SEVEN = [[[60, 60], [200, 60], [110, 230]]]
ONE = [[[130, 40], [140, 240]]]
# "17": a one, then a seven to its right, as a learner writes a number.
SEVENTEEN = ONE + [[[x + 170, y] for x, y in SEVEN[0]]]


def _same_reading(pad: Pad, strokes) -> None:
    expected = predict_strokes(strokes, width=pad.raster_width)
    assert pad.value == expected.text
    assert pad.label == expected.label
    assert pad.reading == expected
    assert [d["label"] for d in pad.digits] == [d.label for d in expected.digits]
    assert [d["sure"] for d in pad.digits] == [d.sure for d in expected.digits]
    np.testing.assert_allclose([d["probabilities"] for d in pad.digits],
                               expected.probabilities, atol=1e-4)
    np.testing.assert_array_equal(pad.pixels, np.stack([d.pixels for d in expected.digits]))


def test_the_package_gives_the_widget():
    assert digitpad.Pad is Pad
    assert issubclass(Pad, anywidget.AnyWidget)
    assert "Pad" in dir(digitpad)


def test_a_blank_pad_reads_nothing():
    pad = Pad()
    assert (pad.value, pad.label, pad.digits, pad.error) == ("", "", [], "")
    assert pad.reading is None
    assert pad.pixels.shape == (0, 28, 28)
    assert pad.raster_width == 2 * RASTER_HEIGHT


def test_strokes_from_the_front_end_are_read_as_predict_strokes_reads_them():
    pad = Pad()
    pad.strokes = SEVEN
    assert pad.value == "7"
    _same_reading(pad, SEVEN)
    pad.strokes = SEVENTEEN
    assert pad.value == "17"
    assert pad.pixels.shape == (2, 28, 28)
    _same_reading(pad, SEVENTEEN)


def test_strokes_given_at_construction_are_read_at_once():
    pad = Pad(strokes=SEVEN)
    assert pad.value == "7"
    assert repr(pad) == "Pad(value='7', strokes=1)"


def test_observers_hear_each_new_value():
    pad = Pad()
    heard = []
    pad.observe(lambda change: heard.append(change["new"]), "value")
    pad.strokes = ONE
    pad.strokes = SEVENTEEN
    pad.clear()
    assert heard == ["1", "17", ""]


def test_undo_and_clear():
    pad = Pad(strokes=SEVENTEEN)
    pad.undo()
    assert pad.strokes == ONE
    assert pad.value == "1"
    pad.clear()
    assert pad.strokes == []
    assert (pad.value, pad.reading) == ("", None)
    pad.undo()  # nothing left to undo
    assert pad.strokes == []


def test_one_digit_reads_all_the_ink_as_one_digit():
    pad = Pad(strokes=SEVENTEEN)
    assert len(pad.reading.digits) == 2
    pad.one_digit = True
    assert len(pad.reading.digits) == 1
    assert pad.reading == predict_strokes(SEVENTEEN, width=pad.raster_width, one_digit=True)


def test_the_pad_width_the_front_end_reports_is_the_width_read():
    pad = Pad(raster_width=300)
    pad.strokes = SEVEN
    _same_reading(pad, SEVEN)


def test_what_the_kernel_sets_is_not_writable_from_outside():
    pad = Pad()
    for name in ("value", "label", "digits", "error"):
        with pytest.raises(traitlets.TraitError):
            setattr(pad, name, "8" if name != "digits" else [])


def test_bad_strokes_show_an_error_and_keep_the_pad_working():
    pad = Pad(strokes=SEVEN)
    pad.strokes = [[["a", 1]]]
    assert pad.error.startswith("ValueError")
    assert (pad.value, pad.reading) == ("", None)
    pad.strokes = ONE
    assert (pad.error, pad.value) == ("", "1")


def test_a_missing_model_is_an_error_under_the_pad(tmp_path):
    pad = Pad(model_dir=tmp_path)
    pad.strokes = SEVEN
    assert "model" in pad.error.lower()
    assert pad.value == ""


def test_the_widget_module_is_one_self_contained_es_module(tmp_path):
    esm = Pad._esm.default_value
    assert "export default" in esm
    assert "class Pad" in esm
    # pad.js's constants are written in: a notebook loads this one file and nothing beside it.
    assert "./constants.js" not in esm
    assert f"const RASTER_HEIGHT = {RASTER_HEIGHT};" in esm
    assert f"const BRUSH_WIDTH = {BRUSH_WIDTH:g};" in esm
    assert "http://" not in esm and "https://" not in esm
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed to parse the module")
    path = tmp_path / "widget.mjs"
    path.write_text(esm)
    result = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_example_notebook_runs(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    from tests.test_package import ROOT

    notebook = nbformat.read(ROOT / "examples" / "notebook.ipynb", as_version=4)
    # The kernel starts in the checkout, where `import digitpad` finds the package.
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = notebook.cells[-1].outputs
    # The observer the lesson set up answers first, then the cell's value.
    assert [o.get("text") for o in outputs if o["output_type"] == "stream"] == ["7 × 6 = 7 ✗ try again\n"]
    assert [o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"] == ["'7'"]
