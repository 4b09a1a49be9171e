"""The command line reads a saved drawing as the page read it.

Held-out pen digits and numbers are drawn on the page; the visible pad is saved as a
PNG, exactly as the person sees it (the canvas's own pixels: device resolution, page
ink colour, transparent paper), and ``python -m digitpad predict --json`` reads it in a
separate process. The CLI knows nothing of strokes: it finds the digits in the picture
by their ink, so this checks the whole chain from what is on screen, not one shared
function.
"""

import base64
import json
import subprocess
import sys

from train import pendigits
from tests.browser import helpers


def save_pad(page, path):
    url = page.eval_on_selector("#pad", "canvas => canvas.toDataURL('image/png')")
    header, data = url.split(",", 1)
    assert header == "data:image/png;base64"
    path.write_bytes(base64.b64decode(data))


def read_with_cli(paths):
    done = subprocess.run(
        [sys.executable, "-m", "digitpad", "predict", "--json", *map(str, paths)],
        cwd=helpers.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {entry["file"]: entry for entry in json.loads(done.stdout)}


def drawings(width):
    """(name, how many digits, strokes) of single digits and of numbers, all from
    held-out writers."""
    samples = helpers.pinned_sample(30)
    singles = [(f"digit-{s.label}-writer-{s.writer}", 1, helpers.centered(s, width)) for s in samples[:5]]
    two = [samples[16], samples[28]]  # 6 then 8
    pair = helpers.centered(two[0], width, left=width / 2 - 230) + helpers.centered(two[1], width, left=width / 2)
    three = [samples[21], samples[13], samples[9]]  # 1, 3, 9: smaller, to fit three across
    step = width / 3
    trio = [
        stroke
        for k, s in enumerate(three)
        for stroke in pendigits.on_pad(s, height=190, left=k * step + (step - 190) / 2, top=45)
    ]
    return singles + [("number-68", 2, pair), ("number-139", 3, trio)]


def test_the_cli_reads_the_saved_pad_as_the_page_does(pad, tmp_path):
    page = pad
    shown = {}
    for name, count, strokes in drawings(helpers.raster_width(page)):
        value = helpers.draw(page, strokes)["value"]
        assert len(value) == count, f"{name} reads {value!r} on the page"
        save_pad(page, tmp_path / f"{name}.png")
        shown[f"{name}.png"] = value
        helpers.clear(page)
    read = read_with_cli(tmp_path / name for name in shown)
    by_cli = {name: read[str(tmp_path / name)]["text"] for name in shown}
    print("\npage / CLI: " + ", ".join(f"{name} {shown[name]} / {by_cli[name]}" for name in shown))
    assert by_cli == shown
