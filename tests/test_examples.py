"""The examples zip (digitpad.examples) and digitpad.load_examples: what goes in comes
back, each part is read by another reader as its format says (Pillow for the PNGs,
csv, train/idx.py for the IDX pair), and a zip that is not one is refused with a reason."""

import csv
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

import digitpad
from digitpad import examples, idx
from digitpad.examples import Example, ExamplesError
from digitpad.preprocess import SIZE
from train.idx import read_idx


def example(label: int, seed: int) -> Example:
    rng = np.random.default_rng(seed)
    pixels = np.round(rng.random(SIZE * SIZE) * 255) / 255
    strokes = tuple(
        tuple((float(x), float(y)) for x, y in rng.uniform(0, 300, (int(rng.integers(1, 9)), 2)).round(2))
        for _ in range(int(rng.integers(1, 4)))
    )
    return Example(label=label, strokes=strokes, width=420 + seed, pixels=tuple(pixels))


@pytest.fixture
def made(tmp_path):
    """Twelve examples, one of each digit and two more, and their zip on disk."""
    made = [example(label, seed) for seed, label in enumerate([*range(10), 7, 1])]
    path = tmp_path / "class.zip"
    path.write_bytes(examples.to_zip(made))
    return made, path


def test_what_goes_in_comes_back(made):
    made, path = made
    assert examples.from_zip(path.read_bytes()) == made


def test_load_examples_gives_mnist_shaped_arrays(made):
    made, path = made
    images, labels = digitpad.load_examples(path)
    assert images.shape == (12, SIZE, SIZE) and images.dtype == np.float32
    assert labels.tolist() == [e.label for e in made] and labels.dtype.kind == "i"
    assert 0 <= images.min() and images.max() <= 1
    np.testing.assert_allclose(images.reshape(12, -1), [e.pixels for e in made], atol=1e-6)


def test_each_part_is_its_format(made, tmp_path):
    made, path = made
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "out")
        names = archive.namelist()
    out = tmp_path / "out"
    pngs = sorted(n for n in names if n.startswith("images/"))
    assert pngs == [examples.image_name(i, e.label) for i, e in enumerate(made)]
    for name, e in zip(pngs, made):
        picture = Image.open(out / name)
        assert picture.mode == "L" and picture.size == (SIZE, SIZE)
        assert np.array_equal(np.asarray(picture).ravel(), np.round(np.asarray(e.pixels) * 255))
    with open(out / "labels.csv", newline="") as f:
        assert list(csv.reader(f)) == [["image", "label"], *[[n, str(e.label)] for n, e in zip(pngs, made)]]
    images, labels = read_idx(out / examples.IMAGES), read_idx(out / examples.LABELS)
    assert images.shape == (12, SIZE, SIZE) and labels.tolist() == [e.label for e in made]
    drawings = json.loads((out / "strokes.json").read_text())
    assert [(d["image"], d["label"], d["width"]) for d in drawings] == [
        (n, e.label, e.width) for n, e in zip(pngs, made)
    ]


def test_an_empty_set_is_a_zip_too():
    assert examples.from_zip(examples.to_zip([])) == []


def rewritten(data: bytes, **members: bytes | None) -> bytes:
    """The zip with some members replaced, or left out where None."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as out:
        for name in source.namelist():
            if name in members:
                if members[name] is not None:
                    out.writestr(name, members[name])
            else:
                out.writestr(name, source.read(name))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda z: b"PK\x03\x04 not really", "not a zip"),
        (lambda z: rewritten(z, **{"strokes.json": None}), "has no strokes.json"),
        (lambda z: rewritten(z, **{"strokes.json": b"[{"}), "damaged"),
        (lambda z: rewritten(z, **{examples.IMAGES: idx.images([b"\0" * 16], 4, 4)}), "4 x 4"),
        (lambda z: rewritten(z, **{examples.LABELS: idx.labels([1, 2])}), "disagree"),
        (lambda z: rewritten(z, **{examples.LABELS: idx.labels([3, 3, 3])}), "a 0 in strokes.json but a 3"),
        (lambda z: rewritten(z, **{examples.IMAGES: b"\0\0\x08\x03" + b"\0" * 20}), "truncated"),
        (
            lambda z: rewritten(z, **{"strokes.json": b'[{"label": 0, "width": 9}, {}, {}]'}),
            "drawing 1 in strokes.json is malformed",
        ),
        (
            lambda z: rewritten(
                z, **{"strokes.json": json.dumps([{"label": 12, "width": 9, "strokes": []}] * 3).encode()}
            ),
            "a digit 0 to 9",
        ),
    ],
)
def test_a_zip_that_is_not_a_set_of_examples_is_refused_with_a_reason(damage, words, tmp_path):
    good = examples.to_zip([example(0, 1), example(1, 2), example(2, 3)])
    path = tmp_path / "bad.zip"
    path.write_bytes(damage(good))
    with pytest.raises(ExamplesError, match=words):
        digitpad.load_examples(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ExamplesError, match="nowhere.zip"):
        digitpad.load_examples(tmp_path / "nowhere.zip")


def test_an_example_must_be_a_digit_with_a_whole_input():
    with pytest.raises(ExamplesError, match="0 to 9"):
        Example(label=10, strokes=(), width=100, pixels=(0.0,) * (SIZE * SIZE))
    with pytest.raises(ExamplesError, match="0 to 9"):
        Example(label=True, strokes=(), width=100, pixels=(0.0,) * (SIZE * SIZE))
    with pytest.raises(ExamplesError, match="28 x 28"):
        Example(label=1, strokes=(), width=100, pixels=(0.0,) * 10)


@pytest.mark.parametrize(
    ("drawing", "words"),
    [
        ({"label": 1, "width": "300", "strokes": []}, "whole number of pixels"),
        ({"label": 1, "width": 0.5, "strokes": []}, "whole number of pixels"),
        ({"label": 1, "width": 300, "strokes": [[[1e400, 2]]]}, "not a number"),
        ({"label": 1, "width": 300, "strokes": [[[10**400, 2]]]}, "malformed"),
    ],
)
def test_a_drawing_with_a_bad_width_or_point_is_refused(drawing, words):
    good = examples.to_zip([example(1, 1)])
    text = json.dumps([drawing])
    with pytest.raises(ExamplesError, match=words):
        examples.from_zip(rewritten(good, **{"strokes.json": text.encode()}))


def test_a_part_larger_than_a_collection_is_refused_before_it_is_read(monkeypatch):
    good = examples.to_zip([example(1, 1)])
    monkeypatch.setitem(examples.MAX_BYTES, "strokes.json", 1000)
    huge = b"[" + b" " * 2000 + b"]"
    with pytest.raises(ExamplesError, match="larger than"):
        examples.from_zip(rewritten(good, **{"strokes.json": huge}))
