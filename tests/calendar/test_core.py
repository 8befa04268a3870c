"""WorkCalendar: the official 2023–2026 calendars, office hours, deadlines, and their properties."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cchc.calendar.core import WorkCalendar
from cchc.calendar.service import seed_file_overrides
from cchc.errors import ValidationError

FIXTURES = Path(__file__).parent / "fixtures"
YEARS = (2023, 2024, 2025, 2026)


def official(year: int) -> dict:
    return json.loads((FIXTURES / f"vn_{year}.json").read_text(encoding="utf-8"))


def seeded_calendar() -> WorkCalendar:
    """The package calendar plus the seed file, as every installation starts."""
    return WorkCalendar(overrides={s.day: (s.kind, s.name) for s in seed_file_overrides()})


CAL = seeded_calendar()


def _split(calendar: WorkCalendar, year: int) -> tuple[set[date], set[date]]:
    offs, works = set(), set()
    for day, _reason in calendar.days_off(date(year, 1, 1), date(year, 12, 31)):
        (works if calendar.is_working_day(day) else offs).add(day)
    return offs, works


# ---- the official calendars -------------------------------------------------------------------
@pytest.mark.parametrize("year", YEARS)
def test_official_calendar_matches_the_prime_ministers_notices(year):
    data = official(year)
    offs, works = _split(CAL, year)
    assert offs == {date.fromisoformat(d["day"]) for d in data["days_off"]}
    assert works == {date.fromisoformat(d["day"]) for d in data["working_weekend_days"]}
    for entry in data["days_off"] + data["working_weekend_days"]:
        assert entry["decision"], entry  # every day cites the text that set it


@pytest.mark.parametrize("year", YEARS)
def test_every_day_has_a_vietnamese_reason(year):
    reasons = dict(CAL.days_off(date(year, 1, 1), date(year, 12, 31)))
    assert reasons and all(r.strip() for r in reasons.values())
    assert all(r.startswith("Ngày làm việc bù") for d, r in reasons.items() if CAL.is_working_day(d) and d.year < 2026)


@pytest.mark.parametrize("year", YEARS)
def test_the_package_alone_differs_only_where_the_fixture_documents_it(year):
    """holidays 0.109 misses the 2026 New Year swap (VB 12729/VPCP-KGVX): the seed file adds it."""
    data = official(year)
    package_offs, package_works = _split(WorkCalendar(), year)
    official_offs = {date.fromisoformat(d["day"]) for d in data["days_off"]}
    official_works = {date.fromisoformat(d["day"]) for d in data["working_weekend_days"]}
    differences = (package_offs ^ official_offs) | (package_works ^ official_works)
    assert differences == {date.fromisoformat(d) for d in data["package_differences"]}
    seeded_days = {s.day for s in seed_file_overrides() if s.day.year == year}
    assert differences == seeded_days


def test_2023_has_no_swapped_saturday_and_five_days_off_around_30_april():
    assert not CAL.is_working_day(date(2023, 5, 2)) and not CAL.is_working_day(date(2023, 5, 3))
    assert not CAL.is_working_day(date(2023, 5, 6))  # Saturday 6/5/2023 was NOT worked
    assert CAL.is_working_day(date(2023, 5, 4))


def test_swapped_saturday_names_the_day_off_it_replaces():
    assert CAL.day_info(date(2024, 5, 4)) == (True, "Ngày làm việc bù (hoán đổi với ngày nghỉ 29/4/2024)")
    assert CAL.day_info(date(2025, 4, 26)) == (True, "Ngày làm việc bù (hoán đổi với ngày nghỉ 2/5/2025)")
    assert CAL.day_info(date(2019, 1, 5)) == (True, "Ngày làm việc bù (hoán đổi với ngày nghỉ 31/12/2018)")


# ---- deadlines around Tết and the swapped Saturdays ---------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2025-04-25T09:00", 3, "2025-04-29T09:00"),  # Sat 26/4/2025 worked, 30/4–2/5 off
        ("2024-04-26T10:00", 1, "2024-05-02T10:00"),  # 27/4–1/5/2024 off
        ("2024-05-03T08:00", 1, "2024-05-04T08:00"),  # Sat 4/5/2024 worked
        ("2024-02-07T15:00", 2, "2024-02-16T15:00"),  # Tết Giáp Thìn 8–14/2
        ("2025-01-24T09:00", 1, "2025-02-03T09:00"),  # Tết Ất Tỵ 25/1–2/2
        ("2023-01-19T10:00", 1, "2023-01-27T10:00"),  # Tết Quý Mão 20–26/1
        ("2023-04-28T10:00", 1, "2023-05-04T10:00"),  # 29/4–3/5/2023 off, no swap
        ("2026-02-13T14:00", 1, "2026-02-23T14:00"),  # Tết Bính Ngọ 14–22/2
        ("2026-04-24T09:00", 1, "2026-04-28T09:00"),  # Giỗ Tổ Sun 26/4 → Mon 27/4 off
        ("2026-08-21T09:00", 1, "2026-08-22T09:00"),  # Sat 22/8/2026 worked
        ("2026-08-28T09:00", 1, "2026-09-03T09:00"),  # 29/8–2/9/2026 off
        ("2026-01-09T09:00", 1, "2026-01-10T09:00"),  # Sat 10/1/2026 worked (seed file)
        ("2025-12-31T09:00", 1, "2026-01-05T09:00"),  # 1–4/1/2026 off (seed file)
        ("2026-11-23T09:00", 1, "2026-11-25T09:00"),  # 24/11 Ngày Văn hóa Việt Nam
    ],
)
def test_due_in_working_days_gives_the_official_answer(start, days, expected):
    assert CAL.due(datetime.fromisoformat(start), days, "ngay_lam_viec") == datetime.fromisoformat(expected)


def test_zero_working_days_means_the_close_of_the_receipt_day():
    assert CAL.due(datetime(2024, 6, 14, 9, 5), 0, "ngay_lam_viec") == datetime(2024, 6, 14, 17, 0)


def test_working_hours_skip_lunch_night_and_days_off():
    # Fri 26/4/2024 16:00 + 4 h: 1 h on Friday, then 27/4–1/5 off, 3 h on Thu 2/5 from 7:30.
    assert CAL.due(datetime(2024, 4, 26, 16, 0), 4, "gio_lam_viec") == datetime(2024, 5, 2, 10, 30)
    # 10:30 + 2 h: 1 h before lunch, 1 h after 13:30.
    assert CAL.due(datetime(2024, 6, 14, 10, 30), 2, "gio_lam_viec") == datetime(2024, 6, 14, 14, 30)


def test_calendar_days_move_off_a_day_off():
    # 25/4/2025 + 7 days = Fri 2/5/2025, a swapped day off → Mon 5/5/2025.
    assert CAL.due(datetime(2025, 4, 25, 9, 0), 7, "ngay") == datetime(2025, 5, 5, 9, 0)
    assert CAL.due(datetime(2024, 6, 10, 9, 0), 3, "ngay") == datetime(2024, 6, 13, 9, 0)


def test_unknown_unit_and_negative_amounts_are_refused_in_vietnamese():
    with pytest.raises(ValidationError, match="Đơn vị thời hạn"):
        CAL.due(datetime(2024, 6, 14, 9), 1, "tuan")
    for unit in ("ngay_lam_viec", "gio_lam_viec", "ngay"):
        with pytest.raises(ValidationError, match="âm"):
            CAL.due(datetime(2024, 6, 14, 9), -1, unit)


# ---- office hours, electronic filings and the cut-off hour ---------------------------------------
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 6, 14, 20, 15), datetime(2024, 6, 17, 7, 30)),  # Friday evening → Monday 7:30
        (datetime(2024, 6, 15, 10, 0), datetime(2024, 6, 17, 7, 30)),  # Saturday → Monday
        (datetime(2024, 6, 17, 6, 0), datetime(2024, 6, 17, 7, 30)),  # before opening
        (datetime(2024, 6, 17, 12, 0), datetime(2024, 6, 17, 13, 30)),  # lunch break
        (datetime(2024, 6, 17, 9, 10, 42, 5), datetime(2024, 6, 17, 9, 10, 42)),  # inside: unchanged
        (datetime(2024, 2, 7, 18, 0), datetime(2024, 2, 15, 7, 30)),  # eve of Tết → after Tết
        (datetime(2024, 5, 3, 19, 0), datetime(2024, 5, 4, 7, 30)),  # Friday night → swapped Saturday
    ],
)
def test_electronic_filing_outside_office_hours_counts_from_the_next_working_hour(moment, expected):
    assert CAL.normalise(moment) == expected


def test_cutoff_hour_moves_the_start_to_the_next_working_day():
    cutoff = time(15, 0)
    assert CAL.normalise(datetime(2024, 6, 14, 15, 30), cutoff) == datetime(2024, 6, 17, 7, 30)
    assert CAL.normalise(datetime(2024, 6, 14, 15, 0), cutoff) == datetime(2024, 6, 14, 15, 0)
    # Hộ tịch: 1 working day, received Fri 26/4/2024 15:30 after the 15:00 cut-off → counted from Thu 2/5.
    assert CAL.due(datetime(2024, 4, 26, 15, 30), 1, "ngay_lam_viec", cutoff) == datetime(2024, 5, 3, 7, 30)
    assert CAL.due(datetime(2024, 4, 26, 14, 30), 1, "ngay_lam_viec", cutoff) == datetime(2024, 5, 2, 14, 30)
    # Calendar days with a cut-off count from the normalised start.
    assert CAL.due(datetime(2024, 6, 14, 16, 0), 1, "ngay", cutoff) == datetime(2024, 6, 18, 7, 30)


def test_custom_office_hours_are_used():
    cal = WorkCalendar(sessions=((time(8), time(12)), (time(13), time(17))))
    assert cal.day_seconds == 8 * 3600
    assert cal.normalise(datetime(2024, 6, 17, 12, 30)) == datetime(2024, 6, 17, 13, 0)
    assert cal.due(datetime(2024, 6, 17, 8, 0), Decimal("0.5"), "ngay_lam_viec") == datetime(2024, 6, 17, 12, 0)
    with pytest.raises(ValidationError, match="giờ bắt đầu phải trước"):
        WorkCalendar(sessions=((time(12), time(8)),))
    with pytest.raises(ValidationError, match="ít nhất một buổi"):
        WorkCalendar(sessions=())
    with pytest.raises(ValidationError, match="13:00–17:00 chồng lên buổi kết thúc lúc 14:00"):
        WorkCalendar(sessions=((time(8), time(14)), (time(13), time(17))))


def test_working_seconds_between_stop_the_clock_outside_office_hours():
    # Fri 14/6/2024 16:00 → Mon 17/6 8:30: 1 h Friday + 1 h Monday.
    assert CAL.working_seconds_between(datetime(2024, 6, 14, 16), datetime(2024, 6, 17, 8, 30)) == 2 * 3600
    assert CAL.working_seconds_between(datetime(2024, 6, 17, 9), datetime(2024, 6, 17, 9)) == 0
    assert CAL.working_days_between(date(2024, 4, 26), date(2024, 5, 2)) == 1
    assert CAL.working_days_between(date(2024, 5, 2), date(2024, 4, 26)) == -1


# ---- properties ---------------------------------------------------------------------------------
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
moments = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 11, 30, 23, 59)).map(
    lambda d: d.replace(microsecond=0)
)
day_counts = st.integers(min_value=1, max_value=40)
fractions = st.decimals(min_value=0, max_value=30, places=2, allow_nan=False, allow_infinity=False)
hour_counts = st.decimals(min_value=0, max_value=200, places=1, allow_nan=False, allow_infinity=False)
cutoffs = st.one_of(st.none(), st.times(min_value=time(8), max_value=time(16, 59)).map(lambda t: t.replace(second=0, microsecond=0)))


def _in_office(cal: WorkCalendar, moment: datetime) -> bool:
    t = moment.time()
    return cal.is_working_day(moment.date()) and any(s <= t <= e for s, e in cal.sessions)


@PROPS
@given(moments, fractions, cutoffs)
def test_due_is_a_working_day_inside_office_hours(start, amount, cutoff):
    assert _in_office(CAL, CAL.due(start, amount, "ngay_lam_viec", cutoff))


@PROPS
@given(moments, hour_counts)
def test_due_in_hours_is_inside_office_hours(start, hours):
    assert _in_office(CAL, CAL.due(start, hours, "gio_lam_viec"))


@PROPS
@given(moments, fractions, fractions)
def test_due_is_monotone_in_the_amount(start, a, b):
    """More time never gives an earlier deadline. 0 is not a duration but "trong ngày", the close of the receipt
    day (a deadline of 0,01 day is 5 minutes after receipt, earlier): it is compared with a whole day or more."""
    lo, hi = sorted((a, b))
    assume(lo > 0 or hi == 0 or hi >= 1)
    assert CAL.add_working_days(start, lo) <= CAL.add_working_days(start, hi)


@PROPS
@given(moments, st.integers(min_value=0, max_value=10 * 24 * 3600), day_counts)
def test_due_is_monotone_in_the_start(start, later_by, days):
    later = start + timedelta(seconds=later_by)
    assert CAL.add_working_days(start, days) <= CAL.add_working_days(later, days)
    assert CAL.add_working_hours(start, days) <= CAL.add_working_hours(later, days)


@PROPS
@given(moments, day_counts, day_counts)
def test_adding_a_then_b_working_days_equals_adding_a_plus_b(start, a, b):
    normalised = CAL.normalise(start)
    assert CAL.add_working_days(CAL.add_working_days(normalised, a), b) == CAL.add_working_days(normalised, a + b)
    assert CAL.working_days_between(normalised.date(), CAL.add_working_days(normalised, a).date()) == a


@PROPS
@given(moments, hour_counts)
def test_working_hours_never_count_lunch_breaks_or_nights(start, hours):
    normalised = CAL.normalise(start)
    end = CAL.add_working_hours(start, hours)
    assert CAL.working_seconds_between(normalised, end) == int(hours * 3600)
    # The wall-clock span is never shorter than the office time it contains.
    assert (end - normalised).total_seconds() >= int(hours * 3600)


@PROPS
@given(moments, st.integers(min_value=0, max_value=60))
def test_calendar_days_land_on_a_working_day(start, days):
    result = CAL.due(start, days, "ngay")
    assert CAL.is_working_day(result.date())
    assert result >= start + timedelta(days=days)


@PROPS
@given(st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)), st.sampled_from(["off", "work"]))
def test_an_override_flips_exactly_its_day(day, kind):
    flipped = WorkCalendar(overrides={**CAL.overrides, day: (kind, "Điều chỉnh thử")})
    assert flipped.is_working_day(day) == (kind == "work")
    assert flipped.day_info(day)[1] == "Điều chỉnh thử"
    for other in (day + timedelta(days=k) for k in range(-10, 11) if k):
        assert flipped.is_working_day(other) == CAL.is_working_day(other)
