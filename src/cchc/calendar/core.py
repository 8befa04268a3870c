"""Working-day arithmetic: the Vietnamese public-office calendar and deadlines.

Working days are Monday–Friday, minus the public holidays of the `holidays` package (VN, with
the decreed compensatory days), plus the Saturdays the Prime Minister swapped into working days,
and finally the administrator's overrides, which win over everything. Deadlines are counted in
working days, working hours or calendar days from the moment of receipt, inside office hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

import holidays as holidays_pkg

from cchc.errors import ValidationError

DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """Holidays and swapped working weekend days known to `holidays`, with Vietnamese names.

    The package files a swap under the year of the day off (27/12/2014 worked for 2/1/2015
    off), so the working days are collected from the neighbouring years too.
    """
    nearby: dict[date, str] = {}
    workdays: set[date] = set()
    for y in (year - 1, year, year + 1):
        vn_year = holidays_pkg.country_holidays("VN", years=y, language="vi")
        nearby.update(vn_year.items())
        workdays.update(d for d in getattr(vn_year, "weekend_workdays", set()) if d.year == year)
    days = {d: name for d, name in nearby.items() if d.year == year}
    work_names = {d: _swap_name(d, nearby) for d in sorted(workdays)}
    return days, work_names


def _swap_name(workday: date, days: Mapping[date, str]) -> str:
    """'Ngày làm việc bù (hoán đổi với ngày nghỉ 29/4/2024)' for the Saturday worked instead."""
    label = workday.strftime("%d/%m/%Y")
    for off, name in days.items():
        if label in name:
            return f"Ngày làm việc bù (hoán đổi với ngày nghỉ {off.day}/{off.month}/{off.year})"
    return "Ngày làm việc bù (theo quyết định hoán đổi ngày làm việc)"


@dataclass
class WorkCalendar:
    """A calendar: package holidays + overrides (`off`/`work`, with a name) + office sessions."""

    overrides: Mapping[date, tuple[str, str]] = field(default_factory=dict)  # day → (kind, name)
    sessions: tuple[tuple[time, time], ...] = DEFAULT_SESSIONS

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValidationError("Giờ làm việc phải có ít nhất một buổi.")
        for start, end in self.sessions:
            if start >= end:
                raise ValidationError(f"Buổi làm việc {start:%H:%M}–{end:%H:%M} không hợp lệ: giờ bắt đầu phải trước giờ kết thúc.")
        self.sessions = tuple(sorted(self.sessions))
        for (_s1, e1), (s2, e2) in zip(self.sessions, self.sessions[1:]):
            if s2 < e1:
                raise ValidationError(f"Buổi làm việc {s2:%H:%M}–{e2:%H:%M} chồng lên buổi kết thúc lúc {e1:%H:%M}.")
        self._cache: dict[date, bool] = {}

    # ---- days -------------------------------------------------------------------------------
    def day_info(self, day: date) -> tuple[bool, str]:
        """(is working day, reason) — the reason names the holiday, swap or override."""
        if day in self.overrides:
            kind, name = self.overrides[day]
            return kind == "work", name
        holidays_of_year, swapped = _package_year(day.year)
        if day in holidays_of_year:
            return False, holidays_of_year[day]
        if day in swapped:
            return True, swapped[day]
        if day.weekday() >= 5:
            return False, "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật"
        return True, ""

    def is_working_day(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self.day_info(day)[0]
        return cached

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — how many working days `end` lies after `start`."""
        if end <= start:
            return -self.working_days_between(end, start) if end < start else 0
        n, day = 0, start
        while day < end:
            day += timedelta(days=1)
            n += self.is_working_day(day)
        return n

    # ---- office hours -----------------------------------------------------------------------
    @property
    def day_seconds(self) -> int:
        return sum(_secs(e) - _secs(s) for s, e in self.sessions)

    def opening(self, day: date) -> datetime:
        return datetime.combine(day, self.sessions[0][0])

    def closing(self, day: date) -> datetime:
        return datetime.combine(day, self.sessions[-1][1])

    def normalise(self, moment: datetime, cutoff: time | None = None) -> datetime:
        """The first office instant at or after `moment` from which a deadline is counted.

        Outside office hours (evening, weekend, holiday, lunch break) counting starts at the next
        office session; after the procedure's cut-off hour it starts on the next working day.
        """
        day, t = moment.date(), moment.time()
        if not self.is_working_day(day):
            return self.opening(self.next_working_day(day))
        if cutoff is not None and t > cutoff:
            return self.opening(self.next_working_day(day))
        for start, end in self.sessions:
            if t < start:
                return datetime.combine(day, start)
            if t < end:
                return moment.replace(microsecond=0)
        return self.opening(self.next_working_day(day))

    # ---- deadlines --------------------------------------------------------------------------
    def add_working_days(self, start: datetime, days: int | float | Decimal, cutoff: time | None = None) -> datetime:
        """Receipt + N working days, at the same office time (fractions counted in office hours).

        25/4/2025 09:00 + 3 → 29/4/2025 09:00 (Saturday 26/4/2025 was a working day).
        0 days means "trong ngày": the close of the receipt day.
        """
        days = Decimal(str(days))
        if days < 0:
            raise ValidationError("Số ngày làm việc không được âm.")
        moment = self.normalise(start, cutoff)
        whole = int(days)
        fraction = days - whole
        if whole == 0 and fraction == 0:
            return self.closing(moment.date())
        day = moment.date()
        for _ in range(whole):
            day = self.next_working_day(day)
        result = datetime.combine(day, moment.time())
        if fraction:
            result = self.add_working_seconds(result, int(fraction * self.day_seconds))
        return result

    def add_working_hours(self, start: datetime, hours: int | float | Decimal, cutoff: time | None = None) -> datetime:
        """Receipt + N office hours, skipping lunch breaks, evenings and days off."""
        hours = Decimal(str(hours))
        if hours < 0:
            raise ValidationError("Số giờ làm việc không được âm.")
        return self.add_working_seconds(self.normalise(start, cutoff), int(hours * 3600))

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        moment = self.normalise(start)
        remaining = seconds
        while True:
            day = moment.date()
            for s, e in self.sessions:
                s_dt, e_dt = datetime.combine(day, s), datetime.combine(day, e)
                if moment >= e_dt:
                    continue
                begin = max(moment, s_dt)
                available = int((e_dt - begin).total_seconds())
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
                moment = e_dt
            moment = self.opening(self.next_working_day(day))

    def add_calendar_days(self, start: datetime, days: int | float | Decimal) -> datetime:
        """Receipt + N calendar days; a deadline on a day off moves to the next working day."""
        days = Decimal(str(days))
        if days < 0:
            raise ValidationError("Số ngày không được âm.")
        result = start.replace(microsecond=0) + timedelta(days=float(days))
        if not self.is_working_day(result.date()):
            result = datetime.combine(self.next_working_day(result.date()), result.time())
        return result

    def due(self, start: datetime, amount: int | float | Decimal, unit: str, cutoff: time | None = None) -> datetime:
        """Deadline for a time limit `amount` in `unit` (ngay_lam_viec | gio_lam_viec | ngay)."""
        if unit == "ngay_lam_viec":
            return self.add_working_days(start, amount, cutoff)
        if unit == "gio_lam_viec":
            return self.add_working_hours(start, amount, cutoff)
        if unit == "ngay":
            return self.add_calendar_days(self.normalise(start, cutoff) if cutoff else start, amount)
        raise ValidationError(f"Đơn vị thời hạn không hợp lệ: «{unit}» (dùng ngay_lam_viec, gio_lam_viec hoặc ngay).")

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Office time between two instants (used to stop the clock during a supplement)."""
        if end <= start:
            return 0
        total, day = 0, start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for s, e in self.sessions:
                    lo = max(start, datetime.combine(day, s))
                    hi = min(end, datetime.combine(day, e))
                    if hi > lo:
                        total += int((hi - lo).total_seconds())
            day += timedelta(days=1)
        return total

    def days_off(self, start: date, end: date) -> Iterable[tuple[date, str]]:
        """Days off on weekdays and working weekend days in [start, end], with their reasons."""
        day = start
        while day <= end:
            working, reason = self.day_info(day)
            if working != (day.weekday() < 5):
                yield day, reason
            day += timedelta(days=1)


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second
