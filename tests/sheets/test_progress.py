"""Progress reporting adapters (cchc/sheets/progress.py)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.progress import Progress

from cchc.sheets.progress import tracker


def test_none_is_silent():
    bar = tracker(None, "Kiểm tra dữ liệu", 10)
    bar.advance(4)
    bar.finish()
    assert bar.done == 4


def test_callable_gets_description_done_and_total():
    calls = []
    bar = tracker(lambda d, done, total: calls.append((d, done, total)), "Ghi", 5)
    bar.advance(2)
    bar.advance(2)
    bar.finish()
    assert calls == [("Ghi", 0, 5), ("Ghi", 2, 5), ("Ghi", 4, 5), ("Ghi", 5, 5)]


def test_rich_progress_gets_one_task_per_phase():
    with Progress(console=Console(file=io.StringIO())) as progress:
        first = tracker(progress, "Kiểm tra dữ liệu", 3)
        first.advance(3)
        first.finish()
        second = tracker(progress, "Ghi vào cơ sở dữ liệu", None)
        second.advance(7)
        second.finish()
        tasks = {t.description: (t.completed, t.total) for t in progress.tasks}
    assert tasks == {"Kiểm tra dữ liệu": (3, 3), "Ghi vào cơ sở dữ liệu": (7, 7)}


def test_anything_else_is_refused():
    with pytest.raises(TypeError):
        tracker(42, "x", 1)
