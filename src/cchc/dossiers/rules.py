"""The rules every part of cchc shares about a dossier: its code and whether it ended on time.

On time (QĐ 766 formula, DOMAIN.md §6): on time iff NgayKetThucXuLy ≤ NgayHenTra, where the end
is the first of finished / returned / stopped / refused / withdrawn, minus the time the citizen
took to supplement (supplemented − requested); a dossier still waiting for its supplement ends at
the request date; more than one supplement request makes it late; an apology with a new date
does not move NgayHenTra. On-time splits into trước hạn (ended on an earlier day than the due day)
and đúng hạn (on the due day).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from cchc.dossiers.enums import Timeliness

CODE_RE = re.compile(r"^(?P<unit>[A-Za-z0-9.]+)-(?P<day>\d{6})-(?P<seq>\d{4,})$")


def dossier_code(unit_code: str, day: date, seq: int) -> str:
    """`<unit code>-YYMMDD-XXXX` (TT 01/2018 Điều 19), e.g. H15.50.05.13-261008-0975."""
    return f"{unit_code}-{day:%y%m%d}-{seq:04d}"


def supplement_pause(requested_at: datetime | None, supplemented_at: datetime | None) -> timedelta:
    """Time not counted against the agency: from the request until the citizen supplemented."""
    if requested_at is None or supplemented_at is None or supplemented_at < requested_at:
        return timedelta(0)
    return supplemented_at - requested_at


def effective_end(
    ended_at: datetime,
    supplement_requested_at: datetime | None = None,
    supplemented_at: datetime | None = None,
) -> datetime:
    """NgayKetThucXuLy with the supplement time removed (or the request date while still waiting)."""
    if supplement_requested_at is not None and supplemented_at is None:
        return min(ended_at, supplement_requested_at)
    return ended_at - supplement_pause(supplement_requested_at, supplemented_at)


def classify(
    due_at: datetime | None,
    ended_at: datetime,
    *,
    supplement_requested_at: datetime | None = None,
    supplemented_at: datetime | None = None,
    supplement_count: int = 0,
) -> Timeliness:
    """Trước hạn / đúng hạn / quá hạn for a dossier that ended at `ended_at`."""
    if due_at is None:
        return Timeliness.ON_TIME if supplement_count <= 1 else Timeliness.LATE
    if supplement_count > 1:
        return Timeliness.LATE
    end = effective_end(ended_at, supplement_requested_at, supplemented_at)
    if end > due_at:
        return Timeliness.LATE
    if end.date() < due_at.date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def classify_step(due_at: datetime | None, ended_at: datetime) -> Timeliness:
    """A hand-over of Mẫu 06: before the step's due day, on it, or after its due time."""
    if due_at is None:
        return Timeliness.ON_TIME
    if ended_at > due_at:
        return Timeliness.LATE
    return Timeliness.EARLY if ended_at.date() < due_at.date() else Timeliness.ON_TIME
