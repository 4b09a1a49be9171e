"""digitpad.Pad() in a real JupyterLab: a notebook shows the pad, the mouse draws pen
digits of writers the model never trained on, and the kernel reads them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from digitpad.api import predict_strokes
from digitpad.pad import RASTER_HEIGHT
from tests.browser import helpers

pytest.importorskip("anywidget")
pytest.importorskip("jupyterlab")

START_S = 90  # a cold JupyterLab on a loaded CI machine
KERNEL_MS = 120_000


def _cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": source}


NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "cells": [
        _cell("import digitpad\npad = digitpad.Pad(bars=True)\npad"),
        _cell('import json\nprint("read:", json.dumps({"value": pad.value, "strokes": pad.strokes,'
              ' "width": pad.raster_width, "pixels": list(pad.pixels.shape)}))'),
    ],
}

# Quiet, and the same on every machine: no news or update checks to fetch, which
# would also be requests to another host.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a folder holding pad.ipynb; yields its URL."""
    home = tmp_path_factory.mktemp("lab")
    (home / "notebooks").mkdir()
    (home / "notebooks" / "pad.ipynb").write_text(json.dumps(NOTEBOOK))
    for name, settings in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(filter(None, [str(helpers.ROOT), os.environ.get("PYTHONPATH")])),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), IPYTHONDIR=str(home / "ipython"))
    port = _free_port()
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={home / 'notebooks'}", "--LabApp.news_url=None", "--LabApp.extension_manager=readonly", "--allow-root"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _run_cell(page, index: int) -> None:
    """Run a cell, again if the kernel was not yet listening: a notebook that has just
    opened can drop the first request while its kernel connects."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(5):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function("(p) => !/\\[ \\]/.test(p.textContent)", arg=prompt.element_handle(),
                                   timeout=10_000)
            return
        except Exception:
            continue
    pytest.fail(f"cell {index} did not run")


def _number_read_right(width: int, count: int = 3):
    """``count`` held-out pen digits side by side, as one number that predict_strokes
    reads right: the kernel reads with it, so the test checks what reaches the kernel."""
    samples = helpers.pinned_sample(30)
    step = RASTER_HEIGHT * 0.75
    left = (width - step * count) / 2
    chosen, strokes = [], []
    for sample in samples:
        placed = helpers.centered(sample, width, left=left + step * len(chosen) - RASTER_HEIGHT / 8)
        if predict_strokes(strokes + placed, width=width).text == "".join(
            str(s.label) for s in chosen + [sample]
        ):
            chosen.append(sample)
            strokes += placed
            if len(chosen) == count:
                return "".join(str(s.label) for s in chosen), strokes
    pytest.fail("too few pinned held-out digits read right to make a number")


def test_a_number_drawn_in_jupyterlab_reaches_the_kernel(lab, new_context):
    context = new_context(lab, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{lab}/lab/tree/pad.ipynb")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=KERNEL_MS)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=KERNEL_MS)

    _run_cell(page, 0)
    canvas = page.locator(".digitpad-canvas")
    canvas.wait_for(timeout=KERNEL_MS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    width = round(RASTER_HEIGHT * box["width"] / box["height"])
    expected, strokes = _number_read_right(width)

    for stroke in strokes:
        page.mouse.move(*helpers.to_screen(box, *stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*helpers.to_screen(box, *point))
        page.mouse.up()
    reading = page.locator(".digitpad-reading")
    reading.and_(page.locator(f"[data-value='{expected}']")).wait_for(timeout=30_000)
    assert page.locator(".digitpad-chart").count() == len(expected)

    _run_cell(page, 1)
    output = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output")
    output.filter(has_text="read:").wait_for(timeout=30_000)
    printed = json.loads(output.inner_text().split("read:", 1)[1])
    assert printed["value"] == expected
    assert len(printed["strokes"]) == len(strokes)
    assert printed["width"] == width
    assert printed["pixels"] == [len(expected), 28, 28]
    # The strokes that reached the kernel are the ones drawn, to the mouse's precision.
    for sent, drawn in zip(printed["strokes"], strokes):
        assert abs(sent[0][0] - drawn[0][0]) < 2 and abs(sent[-1][1] - drawn[-1][1]) < 2

    page.locator(".digitpad-clear").click()
    reading.and_(page.locator("[data-value='']")).wait_for(state="attached", timeout=30_000)
    assert page.locator(".digitpad-chart").count() == 0
