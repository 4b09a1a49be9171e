"""Say where the data sets come from, and why tests that need them were skipped."""

from __future__ import annotations

from tests import datasets as data
from train import datasets
from train.idx import DataError


def pytest_report_header(config) -> list[str]:
    # Only what is already here: the header must not wait on a download.
    try:
        local = datasets.local_pendigits()
    except DataError as err:
        return [f"pen digits: {err}"]
    if local:
        return [f"pen digits: {local}"]
    return [f"pen digits: none here; downloaded from {datasets.pendigits_url()} when first needed"]


def pytest_terminal_summary(terminalreporter) -> None:
    if data.pendigits_or_reason.cache_info().currsize:
        path, reason = data.pendigits_or_reason()
        if path is None:
            terminalreporter.write_line(f"{reason} (the tests that need them were skipped)", yellow=True)
