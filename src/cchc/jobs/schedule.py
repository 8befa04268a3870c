"""The periodic jobs of cchc's own domains, in Việt Nam time. Each did (and still can) run as a command from cron;
the worker now runs it at its hour:

- `tasks.daily`, 06:00 every day — `cchc tasks daily`: assigned tasks marked overdue (or cleared after an
  extension) and their lead units reminded before and after the deadline;
- `submissions.remind`, 07:00 every day — `cchc submissions remind`: from five days before a reporting period's
  deadline (the 20th, data/deadlines.yaml) to the deadline, every unit that has not sent its report (or had it
  returned) is reminded, once a day;
- `stats.check`, 02:30 every night — `cchc stats --check`: each province's figures of the year so far from the
  day counts against a direct count of its dossiers; a difference fails the job, which after its retries stays
  as a dead letter on the IT page naming the figures that differ.

Overdue dossiers need no job: the statistics judge them in SQL at the moment asked (`stats.rules.overdue_at`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.jobs.registry import periodic

REMIND_DAYS_BEFORE = 5


def _provinces(session: Session) -> list:
    from cchc.units.models import Unit

    return list(session.scalars(select(Unit).where(Unit.level == "tinh", Unit.parent_id.is_(None)).order_by(Unit.code)))


def tasks_daily(session: Session) -> str:
    from cchc.tasks.jobs import run_daily

    return run_daily(session, clock.today()).summary()


def periods_due(today: date, days_before: int = REMIND_DAYS_BEFORE) -> list:
    """The reporting periods whose deadline falls in [today, today + days_before]."""
    from cchc.periods import presets_of_year
    from cchc.submissions.service import deadline_for

    return [p for year in (today.year - 1, today.year) for p in presets_of_year(year)
            if today <= deadline_for(p) <= today + timedelta(days=days_before)]


def submissions_remind(session: Session) -> int:
    from cchc.submissions import service

    today = clock.today()
    created = 0
    for period in periods_due(today):
        for province in _provinces(session):
            created += len(service.remind(session, None, province, period, today=today))
    return created


class DayCountsDiffer(Exception):
    pass


def stats_check(session: Session) -> str:
    from cchc.periods import custom_period
    from cchc.stats.dossiers import KEYS, dossier_figures

    today = clock.today()
    period = custom_period(date(today.year, 1, 1), today)
    lines = []
    for province in _provinces(session):
        fast = dossier_figures(session, province, period.start, period.end)
        slow = dossier_figures(session, province, period.start, period.end, direct=True)
        lines += [f"{province.code} {key}: bảng đếm {vn.fmt_int(fast[key])}, đếm trực tiếp {vn.fmt_int(slow[key])}"
                  for key in KEYS if fast[key] != slow[key]]
    if lines:
        raise DayCountsDiffer(f"Bảng đếm theo ngày không khớp với hồ sơ ({period.label}); chạy `cchc rebuild-counts`:\n"
                              + "\n".join(lines[:50]))
    return f"Khớp: bảng đếm theo ngày bằng số đếm trực tiếp ({period.label})."


periodic("tasks.daily", tasks_daily, minute="0", hour="6", title="Nhiệm vụ: đánh dấu quá hạn, nhắc hạn")
periodic("submissions.remind", submissions_remind, minute="0", hour="7", title="Nhắc đơn vị gửi báo cáo CCHC trước hạn")
periodic("stats.check", stats_check, minute="30", hour="2", retries=1, title="Đối chiếu bảng đếm hồ sơ theo ngày")
