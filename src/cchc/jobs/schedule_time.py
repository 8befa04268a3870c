"""When a periodic job is due: its crontab fields read in Việt Nam time (`cchc.clock.zone()`).

Huey's scheduler asks every minute with the moment in UTC (the queue runs in UTC, so machines in any zone agree);
the fields are matched against the same moment on Việt Nam's wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from huey import crontab

from cchc import clock
from cchc.errors import ValidationError


def matcher(cron) -> Callable[[datetime], bool]:
    """A test of a naive UTC moment (Huey's) against the crontab fields in Việt Nam time."""
    try:
        local = crontab(cron.minute, cron.hour, cron.day, cron.month, cron.day_of_week, strict=True)
    except ValueError as exc:
        raise ValidationError(f"Lịch chạy «{cron.text()}» không hợp lệ: {exc}.") from exc

    def due(utc_moment: datetime) -> bool:
        return local(vietnam(utc_moment))

    return due


def vietnam(utc_moment: datetime) -> datetime:
    """A naive UTC moment as Việt Nam's naive wall-clock time."""
    return utc_moment.replace(tzinfo=timezone.utc).astimezone(clock.zone()).replace(tzinfo=None)


def next_runs(cron, after_local: datetime, count: int = 1, *, horizon_days: int = 400) -> list[datetime]:
    """The next `count` moments (Việt Nam wall clock, to the minute) after `after_local` at which the job is due,
    found by asking exactly what the scheduler asks (minute by minute, in UTC)."""
    due = matcher(cron)
    start = after_local.replace(second=0, microsecond=0).replace(tzinfo=clock.zone()).astimezone(timezone.utc)
    found: list[datetime] = []
    moment = start.replace(tzinfo=None)
    for _ in range(horizon_days * 24 * 60):
        moment += timedelta(minutes=1)
        if due(moment):
            found.append(vietnam(moment))
            if len(found) == count:
                break
    return found
