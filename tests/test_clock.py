"""cchc.clock: now and today are Việt Nam's, whatever the machine's clock and time zone say."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta, timezone

import time_machine

from cchc import clock
from cchc.config import REPO_ROOT

# 18:30 UTC on 4/12/2026 is 01:30 on 5/12/2026 in Việt Nam; 16:59 UTC is 23:59 the same day.
EVENING_UTC = datetime(2026, 12, 4, 18, 30, tzinfo=timezone.utc)
BEFORE_MIDNIGHT_UTC = datetime(2026, 12, 4, 16, 59, 30, tzinfo=timezone.utc)


def test_today_is_vietnams_date_in_the_utc_evening():
    with time_machine.travel(EVENING_UTC, tick=False):
        assert date.today() == date(2026, 12, 4)  # the machine (kept in UTC) is still on the 4th
        assert clock.today() == date(2026, 12, 5)
        assert clock.now() == datetime(2026, 12, 5, 1, 30)
        assert clock.aware_now().utcoffset() == timedelta(hours=7)
    with time_machine.travel(BEFORE_MIDNIGHT_UTC, tick=False):
        assert clock.now() == datetime(2026, 12, 4, 23, 59, 30) and clock.today() == date(2026, 12, 4)


def test_now_is_to_the_second_as_stored():
    with time_machine.travel(datetime(2026, 3, 2, 1, 2, 3, 987654, tzinfo=timezone.utc), tick=False):
        assert clock.now() == datetime(2026, 3, 2, 8, 2, 3)


def test_a_frozen_clock_holds_and_may_tick():
    with clock.frozen(datetime(2025, 4, 25, 16, 59, 59)):
        assert clock.now() == datetime(2025, 4, 25, 16, 59, 59)
        with clock.frozen(date(2025, 1, 2)):  # a date means 09:00 that day
            assert clock.now() == datetime(2025, 1, 2, 9, 0)
        assert clock.today() == date(2025, 4, 25)
    with clock.frozen(datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)):  # an aware moment is converted
        assert clock.now() == datetime(2026, 1, 1, 9, 0)
    with time_machine.travel(EVENING_UTC, tick=False) as traveller:
        with clock.frozen(datetime(2025, 1, 1, 8, 0), tick=True):
            traveller.shift(timedelta(minutes=90))
            assert clock.now() == datetime(2025, 1, 1, 9, 30)
    assert abs(clock.now() - datetime.now(timezone.utc).astimezone(clock.zone()).replace(tzinfo=None)) < timedelta(seconds=2)


def test_a_report_printed_at_0630_in_hanoi_is_dated_today(db):
    """The signing date of a report (and of the printed forms) is Việt Nam's date on a server kept in UTC."""
    from cchc.periods import resolve_period
    from cchc.reports.assembly import build_report
    from tests.reports.conftest import add_unit, seed_figures, trend_provider

    unit = add_unit(db, "82", "Tỉnh Đồng Tháp", "tinh", "tinh", is_area=True)
    with time_machine.travel(datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc), tick=False):
        report = build_report(db, unit, resolve_period("2026-Q4"), figures_provider=lambda *a: seed_figures(),
                              trend_provider=trend_provider)
    assert report.report_date == date(2026, 12, 5)


def test_only_the_clock_module_reads_the_machines_clock():
    found = subprocess.run(
        ["grep", "-rnE", r"date\.today\(\)|datetime\.now\(|utcnow\(", str(REPO_ROOT / "src" / "cchc")],
        capture_output=True, text=True, check=False,
    ).stdout.splitlines()
    assert found and all(line.startswith(str(REPO_ROOT / "src" / "cchc" / "clock.py")) for line in found), found
