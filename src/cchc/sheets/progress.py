"""Progress reporting for long imports and exports, whatever the caller passes as `progress`.

The import/export functions accept `progress=None` (silent), a Rich `Progress` (the CLI's bar: one
task per phase) or any callable `progress(description, done, total)` (tests, web jobs). `tracker()`
turns each of these into one small object with `advance(n)` and `finish()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Tracker:
    """One phase of work ("Kiểm tra dữ liệu", "Ghi vào cơ sở dữ liệu" …) with a known total."""

    def __init__(self, progress: Any, description: str, total: int | None):
        self.progress = progress
        self.description = description
        self.total = total
        self.done = 0
        self._task = None
        if progress is None:
            return
        if hasattr(progress, "add_task"):
            self._task = progress.add_task(description, total=total)
        elif callable(progress):
            progress(description, 0, total)
        else:
            raise TypeError("progress must be None, a rich.progress.Progress or a callable(description, done, total)")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.progress is None:
            return
        if self._task is not None:
            self.progress.advance(self._task, n)
        else:
            self.progress(self.description, self.done, self.total)

    def finish(self) -> None:
        if self.progress is None:
            return
        if self._task is not None:
            total = self.total if self.total is not None else self.done
            self.progress.update(self._task, completed=total, total=total)
        elif self.total is not None and self.done != self.total:
            self.done = self.total
            self.progress(self.description, self.done, self.total)


def tracker(progress: Any, description: str, total: int | None) -> Tracker:
    return Tracker(progress, description, total)


ProgressCallback = Callable[[str, int, int | None], None]
