"""The steps view's lab under CPython: each what-if variant against numpy, the learner's
code run in a module of its own with Python's tracebacks, reading the pad with it, and
accuracies on the build's batch of held-out pen digits."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from digitpad import lab, preprocess
from digitpad.lab import CodeError
from digitpad.live import LiveRead
from digitpad.pad import RASTER_HEIGHT
from digitpad.preprocess import SIZE
from digitpad.reader import Reader
from digitpad.render import rasterize
from tests.test_reader import WIDTH, InkClassifier, bar, circle, numpy_raster

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "digitpad" / "preprocess.py").read_text()
# The shipped centering, and an edit that leaves the digit where the fit put it: in
# the top-left corner of the field.
CENTERING = (
    "    ox = min(max(round(size / 2 - cx), 0), size - width)\n"
    "    oy = min(max(round(size / 2 - cy), 0), size - height)\n"
)
NOT_CENTERED = SOURCE.replace(CENTERING, "    ox = oy = 0\n")


def l_shape(x=260):
    """An L, heavy at the bottom left: its mass is off its box's center."""
    return [[(x, 40), (x, 230), (x + 90, 230)]]


def alpha_of(strokes, width=WIDTH, height=RASTER_HEIGHT):
    return rasterize(strokes, width, height).tobytes()


def field(values):
    return np.asarray(values, dtype=np.float64).reshape(SIZE, SIZE)


def mass(values):
    a = field(values)
    ys, xs = np.indices(a.shape) + 0.5
    return (a * xs).sum() / a.sum(), (a * ys).sum() / a.sum()


def area_matrix(n_in, n_out):
    """Area averaging along one axis: out = M @ in, each row's weights summing to 1."""
    m = np.zeros((n_out, n_in))
    step = n_in / n_out
    for j in range(n_out):
        lo, hi = j * step, (j + 1) * step
        for i in range(math.floor(lo), math.ceil(hi)):
            m[j, i] = (min(hi, i + 1) - max(lo, i)) / step
    return m


def numpy_squash(alpha, width, height, out_w=SIZE, out_h=SIZE):
    a = np.frombuffer(alpha, np.uint8).reshape(height, width) / 255
    return area_matrix(height, out_h) @ a @ area_matrix(width, out_w).T


# --- what if ---------------------------------------------------------------------------


def test_nothing_skipped_is_the_shipped_recipe():
    pipeline = lab.variant()
    assert pipeline.frame == lab.INK and pipeline.name == "as shipped"
    for strokes in (l_shape(), [circle(300, 140)], [bar(100), bar(130, 100, 200)]):
        alpha = alpha_of(strokes)
        assert pipeline.prepare(alpha, WIDTH, RASTER_HEIGHT) == tuple(preprocess.prepare(alpha, WIDTH, RASTER_HEIGHT).pixels)
    assert pipeline.prepare(bytes(WIDTH * RASTER_HEIGHT), WIDTH, RASTER_HEIGHT) is None


def test_squash_is_area_averaging_each_side_on_its_own():
    rng = np.random.default_rng(3)
    for width, height in ((600, 280), (280, 280), (33, 71), (28, 28)):
        alpha = rng.integers(0, 256, (height, width), dtype=np.uint8).tobytes()
        got = np.asarray(lab.squash(alpha, width, height)).reshape(SIZE, SIZE)
        assert got == pytest.approx(numpy_squash(alpha, width, height), abs=1e-12)
    # By hand: a 4 x 2 raster, left half inked, into 2 x 1.
    assert lab.squash(bytes([255, 255, 0, 0, 255, 255, 0, 0]), 4, 2, 2, 1) == [1.0, 0.0]
    assert lab.squash(bytes([255, 0, 0, 0, 0, 0, 0, 0]), 4, 2, 2, 1) == [0.25, 0.0]


def test_skipping_the_centering_puts_the_fitted_digit_in_the_middle_by_its_box():
    alpha = alpha_of(l_shape())
    shipped = preprocess.prepare(alpha, WIDTH, RASTER_HEIGHT)
    pipeline = lab.variant([lab.CENTER])
    assert pipeline.frame == lab.INK
    got = field(pipeline.prepare(alpha, WIDTH, RASTER_HEIGHT))
    w, h = shipped.fitted_size
    x, y = (SIZE - w) // 2, (SIZE - h) // 2
    expected = np.zeros((SIZE, SIZE))
    expected[y : y + h, x : x + w] = np.asarray(shipped.fitted).reshape(h, w)
    assert got == pytest.approx(expected, abs=1e-12)
    # Its box is in the middle, so its mass, down and to the left in an L, is not.
    cx, cy = mass(pipeline.prepare(alpha, WIDTH, RASTER_HEIGHT))
    assert cx < SIZE / 2 - 1 and cy > SIZE / 2 + 1
    assert mass(shipped.pixels) == pytest.approx((SIZE / 2, SIZE / 2), abs=0.5)


def test_skipping_the_crop_keeps_the_size_the_digit_was_drawn_at():
    side = RASTER_HEIGHT
    tall = []  # rows of ink in the input
    for scale in (1.0, 0.5):
        strokes = [[(140 + (x - 140) * scale, 140 + (y - 140) * scale) for x, y in s] for s in l_shape(100)]
        alpha = alpha_of(strokes, side, side)
        unscaled = lab.variant([lab.CROP, lab.CENTER]).prepare(alpha, side, side)
        # The pad's 280 rows become 28: blocks of 10 x 10, then the darkest made 1.
        blocks = np.frombuffer(alpha, np.uint8).reshape(SIZE, 10, SIZE, 10).mean(axis=(1, 3)) / 255
        assert field(unscaled) == pytest.approx(blocks / blocks.max(), abs=1e-12)
        # Centered by mass, it is the same ink moved by whole pixels.
        centered = field(lab.variant([lab.CROP]).prepare(alpha, side, side))
        assert centered.sum() == pytest.approx(field(unscaled).sum())
        assert mass(centered) == pytest.approx((SIZE / 2, SIZE / 2), abs=0.5)
        rows = np.nonzero(centered)[0]
        assert rows.max() - rows.min() == np.ptp(np.nonzero(field(unscaled))[0])
        tall.append(rows.max() - rows.min() + 1)
    # Half the drawing, about half as tall: nothing fits it to 20 x 20.
    assert tall[0] == round((190 + 18) / 10) and tall[1] <= tall[0] * 0.6


def test_squash_overrides_the_other_skips_and_takes_the_whole_pad():
    for skips in ([lab.SQUASH], [lab.SQUASH, lab.CROP], [lab.SQUASH, lab.CENTER, lab.CROP]):
        assert lab.variant(skips).frame == lab.PAD
    alpha = alpha_of(l_shape())
    got = field(lab.variant([lab.SQUASH]).prepare(alpha, WIDTH, RASTER_HEIGHT))
    squashed = numpy_squash(alpha, WIDTH, RASTER_HEIGHT)
    assert got == pytest.approx(squashed / squashed.max(), abs=1e-12)
    with pytest.raises(ValueError, match="cannot skip blur: choose from crop, center, squash"):
        lab.variant(["blur"])


def test_each_frame_is_the_part_of_the_pad_its_pipeline_is_given():
    box = (300, 40, 400, 200)
    assert lab.frame(lab.INK, box, WIDTH) == (300, 40, 100, 160)
    assert lab.frame(lab.SQUARE, box, WIDTH) == (210, 0, 280, 280)
    assert lab.frame(lab.PAD, box, WIDTH) == (0, 0, WIDTH, RASTER_HEIGHT)
    with pytest.raises(ValueError, match="unknown frame"):
        lab.frame("page", box, WIDTH)


def test_a_digit_s_input_leaves_out_ink_beyond_its_box():
    strokes = [circle(200, 140), bar(420)]
    raster = numpy_raster(strokes)
    both = (0, 1)
    circle_box = (130, 0, 270, RASTER_HEIGHT)
    for skips in ((), (lab.CROP,), (lab.SQUASH,)):
        pipeline = lab.variant(skips)
        alone = lab.digit_input(pipeline, numpy_raster(strokes[:1]), (0,), circle_box, WIDTH)
        assert lab.digit_input(pipeline, raster, both, circle_box, WIDTH) == pytest.approx(alone), skips
    assert lab.only_columns(bytes([1, 2, 3, 4, 5, 6]), 3, 2, 1, 2) == bytes([0, 2, 0, 0, 5, 0])


def test_seen_is_the_input_as_a_picture_and_the_likeliest_digit():
    pixels = [0.0] * (SIZE * SIZE)
    seen = lab.seen(pixels, [0.1, 0.05, 0.8, 0.05] + [0.0] * 6)
    assert (seen.digit, seen.text) == (2, "2 (80%)")
    assert seen.picture.width == seen.picture.height == SIZE
    assert lab.seen(None, None) is lab.NOTHING


# --- the learner's code -----------------------------------------------------------------


def test_the_shipped_source_run_as_code_is_the_shipped_recipe():
    mine = lab.load_code(SOURCE)
    assert mine.frame == lab.INK
    for strokes in (l_shape(), [circle(300, 140)]):
        alpha = alpha_of(strokes)
        assert mine.prepare(alpha, WIDTH, RASTER_HEIGHT) == tuple(preprocess.prepare(alpha, WIDTH, RASTER_HEIGHT).pixels)


def test_the_code_runs_in_a_module_of_its_own():
    mine = lab.load_code(SOURCE.replace("SIZE = 28\n", "SIZE = 20\n"))
    assert preprocess.SIZE == 28  # the page's module is untouched
    with pytest.raises(CodeError, match=r"has 400 values; the network needs 784 \(28 × 28\)"):
        mine.prepare(alpha_of(l_shape()), WIDTH, RASTER_HEIGHT)


def test_a_syntax_error_is_shown_as_python_shows_it():
    source = SOURCE.replace("def prepare(alpha: bytes", "def prepare(alpha: bytes,,", 1)
    with pytest.raises(CodeError) as caught:
        lab.load_code(source)
    text = str(caught.value)
    line = source[: source.index(",,")].count("\n") + 1
    assert f'File "{lab.FILENAME}", line {line}' in text
    assert "def prepare(alpha: bytes,," in text
    assert text.splitlines()[-1].startswith("SyntaxError: ")


def test_a_runtime_error_is_a_traceback_of_the_learner_s_code_only():
    source = SOURCE.replace("    fitted = normalize(fitted)\n", "    fitted = normalize(fitted) / 0\n", 1)
    mine = lab.load_code(source)
    with pytest.raises(CodeError) as caught:
        mine.prepare(alpha_of(l_shape()), WIDTH, RASTER_HEIGHT)
    text = str(caught.value)
    line = source[: source.index(" / 0")].count("\n") + 1
    assert text.startswith("Traceback (most recent call last):\n")
    assert f'File "{lab.FILENAME}", line {line}, in prepare' in text
    assert "fitted = normalize(fitted) / 0" in text
    assert text.splitlines()[-1] == "TypeError: unsupported operand type(s) for /: 'list' and 'int'"
    assert "lab.py" not in text


def test_errors_as_the_module_runs_and_a_missing_prepare_are_shown():
    with pytest.raises(CodeError, match=r'(?s)line 2, in <module>.*RuntimeError: not today'):
        lab.load_code("x = 1\nraise RuntimeError('not today')\n")
    with pytest.raises(CodeError, match=r"SystemExit"):
        lab.load_code("import sys\nsys.exit(3)\n")
    with pytest.raises(CodeError, match=r"no function prepare\(alpha, width, height\)"):
        lab.load_code(SOURCE.replace("def prepare(", "def prepared("))


@pytest.mark.parametrize(
    "returned, message",
    [
        ("[0.5] * 400", r"prepare\(\.\.\.\) has 400 values; the network needs 784"),
        ("[[0.0] * 28] * 28", r"has 28 values; the network needs 784 \(28 × 28\) in one flat list, row by row"),
        ("7", r"prepare\(\.\.\.\) is a int; the network needs 784 numbers"),
        ("['a'] * 784", r"holds 'a', not a number"),
        ("[float('nan')] * 784", r"holds nan"),
        ("Prepared([1.0] * 10, (0, 0, 1, 1), [], (1, 1), (0, 0), (0, 0))", r"prepare\(\.\.\.\)\.pixels has 10 values"),
    ],
)
def test_a_prepare_that_returns_the_wrong_thing_is_told_what_the_network_needs(returned, message):
    source = SOURCE.replace(
        "    return Prepared(pixels, bbox, fitted, (fit_w, fit_h), com, offset)\n", f"    return {returned}\n", 1
    )
    mine = lab.load_code(source)
    with pytest.raises(CodeError, match=message):
        mine.prepare(alpha_of(l_shape()), WIDTH, RASTER_HEIGHT)


def test_a_prepare_may_return_784_numbers():
    source = SOURCE.replace(
        "    return Prepared(pixels, bbox, fitted, (fit_w, fit_h), com, offset)\n", "    return pixels\n", 1
    )
    alpha = alpha_of(l_shape())
    assert lab.load_code(source).prepare(alpha, WIDTH, RASTER_HEIGHT) == lab.shipped(alpha, WIDTH, RASTER_HEIGHT)


# --- reading the pad with it ------------------------------------------------------------


def test_the_reader_reads_with_the_learner_s_code_when_asked_and_keeps_the_shipped_steps():
    strokes = l_shape()
    classify = InkClassifier()
    reader = Reader(numpy_raster(strokes), classify, calibration=None)
    (shipped,) = reader.read(strokes, WIDTH).digits
    failures = []
    reader.use(lab.reading_with(lab.load_code(NOT_CENTERED), failures.append))
    (mine,) = reader.read(strokes, WIDTH).digits  # read again, not from the cache
    assert classify.batches == [1, 1]
    assert mine.pixels != shipped.pixels
    assert mass(mine.pixels)[0] < 10  # left where the fit put it
    assert mine.prepared.bbox == shipped.prepared.bbox  # the steps view still has its steps
    assert failures == []
    reader.use(None)
    assert reader.read(strokes, WIDTH).digits[0].pixels == shipped.pixels


def test_where_the_learner_s_code_fails_the_digit_is_read_with_the_shipped_code():
    strokes = l_shape()
    reader = Reader(numpy_raster(strokes), InkClassifier(), calibration=None)
    (shipped,) = reader.read(strokes, WIDTH).digits
    failures = []
    broken = lab.load_code(SOURCE.replace("    bbox = crop_to_ink(alpha, width, height)\n", "    bbox = crop_to_ink(alpha)\n", 1))
    reader.use(lab.reading_with(broken, failures.append))
    (digit,) = reader.read(strokes, WIDTH).digits
    assert digit.pixels == shipped.pixels
    (failure,) = failures
    assert "TypeError: crop_to_ink() missing 2 required positional arguments" in failure
    none = lab.load_code(SOURCE.replace("    if bbox is None:\n        return None\n", "    return None\n", 1))
    reader.use(lab.reading_with(none, failures.append))
    assert reader.read(strokes, WIDTH).digits[0].pixels == shipped.pixels
    assert "returned None, which means no ink, for a digit with ink" in failures[-1]


def test_a_live_read_reads_again_when_asked():
    strokes = l_shape()
    shown = []
    reader = Reader(numpy_raster(strokes), InkClassifier(), calibration=None)
    live = LiveRead(reader, lambda: (strokes, WIDTH), lambda reading, announce: shown.append((reading, announce)))
    live.lift()
    live.lift()
    assert shown[1][0] is shown[0][0]  # the same drawing: the same reading
    reader.use(lab.reading_with(lab.load_code(NOT_CENTERED), print))
    live.reread()
    assert shown[2][1] is True
    assert shown[2][0].digits[0].pixels != shown[0][0].digits[0].pixels


# --- the batch ---------------------------------------------------------------------------


def small_batch():
    digits = [(0, [circle(140, 140)]), (1, [bar(140)]), (1, [bar(120), bar(160, 100, 200)])]
    return lab.parse_batch(lab.batch_json(digits, RASTER_HEIGHT, RASTER_HEIGHT, "three shapes"))


def batch_raster(batch):
    return numpy_raster([list(s) for s in batch.strokes])


def test_the_batch_file_keeps_labels_and_strokes_to_a_tenth_of_a_pixel():
    text = lab.batch_json([(7, [[(1.234, 5.678), (9.0, 10.04)]]), (3, [[(1, 2)], [(3, 4)]])], 280, 280, "two")
    assert json.loads(text)["digits"][0]["strokes"] == [[1.2, 5.7, 9.0, 10.0]]
    batch = lab.parse_batch(text)
    assert batch.labels == (7, 3) and len(batch) == 2 and batch.source == "two"
    assert batch.digits == ((0,), (1, 2))
    assert batch.strokes[0] == [(1.2, 5.7), (9.0, 10.0)]
    for broken in ("{}", "[]", '{"width": 1, "height": 1, "digits": []}', '{"width": 1, "height": 1, "digits": [{"label": 12, "strokes": []}]}'):
        with pytest.raises(ValueError, match="rebuild the site with scripts/build.py"):
            lab.parse_batch(broken)


def test_scoring_counts_the_likeliest_digit_a_chunk_at_a_time():
    batch = small_batch()
    classify = InkClassifier()  # a ring is 0, a bar 1
    run = lab.Scoring(batch, lab.variant(), batch_raster(batch), classify, chunk=2)
    steps = 0
    while not run.finished:
        run.step()
        steps += 1
        assert run.done == min(steps, 3)
    assert classify.batches == [2, 1]
    assert run.score == lab.Score(3, 3) and run.score.text == "100.0% of 3"
    assert lab.Score(2, 3).fraction == pytest.approx(2 / 3)


def test_a_failure_on_the_batch_names_the_digit_it_failed_on():
    batch = small_batch()
    source = SOURCE.replace("    bbox = crop_to_ink(alpha, width, height)\n", "    assert width < 100\n    bbox = crop_to_ink(alpha, width, height)\n", 1)
    run = lab.Scoring(batch, lab.load_code(source), batch_raster(batch), InkClassifier())
    with pytest.raises(CodeError, match=r"(?s)AssertionError.*\(on batch digit 1 of 3, a 0\)$"):
        run.run()


def load_build():
    spec = importlib.util.spec_from_file_location("digitpad_build", ROOT / "scripts" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def test_without_pen_digits_the_build_leaves_the_batch_out_and_says_so(tmp_path, capsys):
    build = load_build()
    (tmp_path / "static").mkdir()
    assert build.write_pen_digits(tmp_path, None) is False
    assert not (tmp_path / build.BATCH).exists() and not (tmp_path / build.REPLAY).exists()
    assert "PENDIGITS=FILE" in capsys.readouterr().err


@pytest.fixture(scope="module")
def batch_file():
    from tests import datasets

    return datasets.pendigits()


def test_the_build_writes_the_same_batch_of_held_out_digits_every_time(tmp_path, batch_file):
    build = load_build()
    for name in ("a", "b"):
        (tmp_path / name / "static").mkdir(parents=True)
        assert build.write_pen_digits(tmp_path / name, batch_file)
    text = (tmp_path / "a" / build.BATCH).read_text()
    assert text == (tmp_path / "b" / build.BATCH).read_text()
    batch = lab.parse_batch(text)
    assert len(batch) == 300 and sorted(batch.labels) == sorted(list(range(10)) * 30)
    assert (batch.width, batch.height) == (RASTER_HEIGHT, RASTER_HEIGHT)
    assert "held-out writers" in batch.source


def test_the_replay_set_is_by_the_training_writers_and_shares_no_digit_with_the_batch(tmp_path, batch_file):
    from digitpad.personal import REPLAY_PER_DIGIT

    build = load_build()
    (tmp_path / "static").mkdir()
    assert build.write_pen_digits(tmp_path, batch_file)
    replay = lab.parse_batch((tmp_path / build.REPLAY).read_text())
    batch = lab.parse_batch((tmp_path / build.BATCH).read_text())
    assert sorted(replay.labels) == sorted(list(range(10)) * REPLAY_PER_DIGIT)
    assert "writers the model trained on" in replay.source

    def drawings(b):
        return {tuple(tuple(b.strokes[i]) for i in digit) for digit in b.digits}

    assert not drawings(replay) & drawings(batch)


def test_on_the_batch_the_shipped_recipe_reads_nearly_all_and_the_skips_cost(batch_file):
    """Every third digit of the batch, drawn by digitpad.render and read by the
    shipped network under CPython, as the page reads all of them."""
    from digitpad.api import load_network

    full = lab.parse_batch(load_build().pen_digit_sets(batch_file)["static/batch.json"])
    keep = range(0, len(full), 3)
    batch = lab.Batch(
        tuple(full.labels[i] for i in keep),
        full.strokes,
        tuple(full.digits[i] for i in keep),
        full.width,
        full.height,
    )
    network = load_network()

    def classify(images):
        return network.predict(np.asarray(images, np.float32).reshape(-1, SIZE, SIZE, 1)).tolist()

    raster = batch_raster(full)
    scores = {
        name: lab.Scoring(batch, pipeline, raster, classify).run().fraction
        for name, pipeline in [
            ("shipped", lab.variant()),
            ("your shipped code", lab.load_code(SOURCE)),
            ("not centered", lab.load_code(NOT_CENTERED)),
            ("squash", lab.variant([lab.SQUASH])),
        ]
    }
    assert scores["shipped"] >= 0.95
    assert scores["your shipped code"] == scores["shipped"]
    assert scores["not centered"] < scores["shipped"] - 0.1
    assert scores["squash"] < scores["shipped"] - 0.1
