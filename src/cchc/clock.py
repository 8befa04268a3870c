"""What time it is in Việt Nam: the one place cchc reads the machine's clock.

Deadlines are counted in Vietnamese working days and DVCQG exchanges local timestamps, so every
moment cchc stores or compares is a naive Asia/Ho_Chi_Minh wall-clock time, whatever time zone the
server keeps. A report printed at 06:30 in Hà Nội on a server kept in UTC is dated today, not
yesterday, because nothing else asks the machine for the date.

Tests freeze this clock (`frozen`) or pass `at=`/`today=` to the service; never the machine's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from cchc import config

# A frozen moment (local wall-clock) and the machine's UTC instant it was frozen at, so a frozen
# clock may still tick: now() = moment + (machine now − frozen at).
_frozen: tuple[datetime, datetime | None] | None = None


@cache
def zone() -> ZoneInfo:
    """The time zone of every stored moment (CCHC's `timezone` setting, Asia/Ho_Chi_Minh)."""
    return ZoneInfo(config.settings.timezone)


def now() -> datetime:
    """The current local time, naive and to the second, as stored in the database."""
    if _frozen is not None:
        moment, since = _frozen
        if since is not None:
            moment += _machine_utc() - since
        return moment.replace(microsecond=0)
    return _machine_utc().astimezone(zone()).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """Today's date in Việt Nam."""
    return now().date()


def aware_now() -> datetime:
    """The current moment with its time zone, for HTTP headers and logs read elsewhere."""
    return now().replace(tzinfo=zone())


def _machine_utc() -> datetime:
    return datetime.now(timezone.utc)


@contextmanager
def frozen(at: datetime | date, *, tick: bool = False) -> Iterator[None]:
    """Hold `now()` at a local moment (a date means its 09:00) while the block runs; `tick` lets it move on."""
    global _frozen
    if not isinstance(at, datetime):
        at = datetime.combine(at, datetime.min.time()) + timedelta(hours=9)
    if at.tzinfo is not None:
        at = at.astimezone(zone()).replace(tzinfo=None)
    saved = _frozen
    _frozen = (at, _machine_utc() if tick else None)
    try:
        yield
    finally:
        _frozen = saved
