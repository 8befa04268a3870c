"""Reporting periods (kỳ báo cáo): the 581/BNV-CCHC presets as data, and custom windows; the window of days a
figure is about. Below every domain: statistics, the registers, tasks, reports and submissions all count by them.

A period is a window of whole days, both ends inclusive. Presets are named `<year>-<preset>`
(2023-Q1, 2023-H1, 2023-Q3, 2023-9M, 2023-Y …) with the windows of `data/periods.yaml` (a province may
override it: cchc.definitions): quý I runs from 15/12 of the previous year to 14/3, and so on. A custom
window (kind tuy_chon) is given by its two dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cchc import clock
from cchc.config import DATA_DIR
from cchc.definitions import load_definition
from cchc.errors import ValidationError
from cchc.vn import parse_date

KINDS = ("quy", "6thang", "9thang", "nam", "tuy_chon")
_SPEC_RE = re.compile(r"^\s*(?P<year>\d{4})\s*[-/ ]\s*(?P<preset>[A-Za-z0-9]+)\s*$")
_SPEC_REVERSED_RE = re.compile(r"^\s*(?P<preset>[A-Za-z0-9]+)\s*[-/ ]\s*(?P<year>\d{4})\s*$")


@dataclass(frozen=True)
class Period:
    """A reporting window [start, end] (whole days, both inclusive)."""

    start: date
    end: date
    key: str
    kind: str
    year: int
    label: str
    preset: str | None = None

    @property
    def start_at(self) -> datetime:
        """The first instant of the window (start 00:00:00)."""
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def end_at(self) -> datetime:
        """The last instant of the window (end 23:59:59)."""
        return datetime(self.end.year, self.end.month, self.end.day, 23, 59, 59)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "year": self.year,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
        }


def _presets() -> dict[str, dict]:
    data = load_definition("periods.yaml", DATA_DIR)
    presets = data.get("presets") or {}
    if not isinstance(presets, dict) or not presets:
        raise ValidationError("Tệp periods.yaml không có kỳ báo cáo nào (mục presets).")
    return {str(k).upper(): v for k, v in presets.items()}


def _day(year: int, spec: dict, preset: str) -> date:
    try:
        return date(year + int(spec.get("year_offset", 0)), int(spec["month"]), int(spec["day"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"Kỳ {preset} trong periods.yaml có ngày không hợp lệ: {spec!r}.") from exc


def preset_period(year: int, preset: str) -> Period:
    """The preset `preset` (Q1, H1, 9M, Y …) of report year `year`."""
    presets = _presets()
    name = preset.upper()
    if name not in presets:
        names = ", ".join(presets)
        raise ValidationError(f"Không có kỳ báo cáo «{preset}» (các kỳ có sẵn: {names}).")
    spec = presets[name]
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValidationError(f"Kỳ {name} trong periods.yaml có loại «{kind}» không hợp lệ.")
    start = _day(year, spec["start"], name)
    end = _day(year, spec["end"], name)
    if start > end:
        raise ValidationError(f"Kỳ {name} trong periods.yaml có ngày bắt đầu sau ngày kết thúc.")
    label = str(spec.get("label", "{year}")).format(year=year)
    return Period(start=start, end=end, key=f"{year}-{name}", kind=kind, year=year, label=label, preset=name)


def fmt_period_date(d: date) -> str:
    """01/7/2023: the day with two digits, the month without (as the reports write windows)."""
    return f"{d.day:02d}/{d.month}/{d.year}"


def custom_period(start: date, end: date) -> Period:
    """A window of the user's choice; its label reads "từ 01/7/2023 đến 13/9/2023"."""
    if start > end:
        raise ValidationError(
            f"Ngày bắt đầu ({fmt_period_date(start)}) phải trước hoặc bằng ngày kết thúc ({fmt_period_date(end)})."
        )
    template = load_definition("periods.yaml", DATA_DIR).get("custom_label", "từ {start} đến {end}")
    label = str(template).format(start=fmt_period_date(start), end=fmt_period_date(end))
    return Period(start=start, end=end, key=f"{start.isoformat()}..{end.isoformat()}", kind="tuy_chon", year=end.year, label=label)


def period_for(start: date, end: date) -> Period:
    """The preset whose window is exactly [start, end], or else a custom window."""
    if start > end:
        return custom_period(start, end)
    for year in {end.year, end.year + 1}:
        for name in _presets():
            p = preset_period(year, name)
            if p.start == start and p.end == end:
                return p
    return custom_period(start, end)


def resolve_period(spec: str | None = None, start: date | str | None = None, end: date | str | None = None) -> Period:
    """A Period from a preset name ("2023-Q3", "Q3-2023", "2024-H1") or from two dates.

    With neither, the quarter that contains today is used.
    """
    if spec is not None and str(spec).strip():
        if start is not None or end is not None:
            raise ValidationError("Chỉ chọn một cách: kỳ báo cáo có sẵn (--period) hoặc khoảng ngày (--from, --to).")
        text = str(spec).strip()
        if ".." in text:
            a, _, b = text.partition("..")
            return period_for(parse_date(a, what="ngày bắt đầu"), parse_date(b, what="ngày kết thúc"))
        m = _SPEC_RE.match(text) or _SPEC_REVERSED_RE.match(text)
        if not m:
            raise ValidationError(
                f"Kỳ báo cáo «{text}» không hợp lệ: dùng dạng 2023-Q3, 2024-H1, 2022-9M, 2023-Y "
                "hoặc khoảng ngày 2023-07-01..2023-09-13."
            )
        return preset_period(int(m.group("year")), m.group("preset"))
    if start is not None or end is not None:
        if start is None or end is None:
            raise ValidationError("Khoảng ngày tùy chọn cần cả ngày bắt đầu (--from) và ngày kết thúc (--to).")
        s = start if isinstance(start, date) and not isinstance(start, datetime) else parse_date(start, what="ngày bắt đầu")
        e = end if isinstance(end, date) and not isinstance(end, datetime) else parse_date(end, what="ngày kết thúc")
        return period_for(s, e)
    return current_quarter(clock.today())


def period_choices(today: date) -> list[tuple[str, str]]:
    """(key, label) of the presets of this year and last year that have started: what a page offers to choose."""
    return [(p.key, f"{p.label} ({p.key})") for year in (today.year, today.year - 1) for p in presets_of_year(year) if p.start <= today]


def presets_of_year(year: int) -> list[Period]:
    """Every preset of report year `year`, ordered by end date, the shorter window first."""
    periods = [preset_period(year, name) for name in _presets()]
    return sorted(periods, key=lambda p: (p.end, -p.start.toordinal()))


def current_quarter(day: date) -> Period:
    """The quarter preset whose window contains `day`."""
    for year in (day.year, day.year + 1):
        for p in presets_of_year(year):
            if p.kind == "quy" and p.start <= day <= p.end:
                return p
    raise ValidationError(f"Không có kỳ quý nào trong periods.yaml chứa ngày {fmt_period_date(day)}.")


def previous_periods(period: Period, n: int) -> list[Period]:
    """The `n` periods before `period`, oldest first (for trends).

    Quarters step back quarter by quarter (quý I → quý IV of the year before); other presets step
    back a year; a custom window steps back by its own length, windows touching each other.
    """
    if n < 0:
        raise ValidationError("Số kỳ trước phải là số không âm.")
    out: list[Period] = []
    current = period
    for _ in range(n):
        current = _previous(current)
        out.append(current)
    return list(reversed(out))


def _previous(period: Period) -> Period:
    if period.kind == "quy" and period.preset:
        quarters = sorted(
            (name for name, spec in _presets().items() if spec.get("kind") == "quy"),
            key=lambda name: int(_presets()[name].get("order", 0)),
        )
        i = quarters.index(period.preset)
        if i > 0:
            return preset_period(period.year, quarters[i - 1])
        return preset_period(period.year - 1, quarters[-1])
    if period.preset:
        return preset_period(period.year - 1, period.preset)
    length = timedelta(days=period.days)
    return custom_period(period.start - length, period.end - length)


@dataclass(frozen=True)
class Window:
    """[start 00:00, end 23:59:59]; `stop` is the first instant after the window (end + 1 day, 00:00)."""

    start: date
    end: date

    @property
    def begin(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def stop(self) -> datetime:
        nxt = self.end + timedelta(days=1)
        return datetime(nxt.year, nxt.month, nxt.day)

    @property
    def last_instant(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, 23, 59, 59)

    @property
    def judged_at(self) -> datetime:
        """When an open dossier is judged within or past its deadline: the window's last instant, or now
        for a window that is not over yet (a dossier due tomorrow is not overdue today)."""
        return min(self.last_instant, clock.now())


def window(start: date | str, end: date | str) -> Window:
    s = start if isinstance(start, date) and not isinstance(start, datetime) else parse_date(start, what="ngày bắt đầu")
    e = end if isinstance(end, date) and not isinstance(end, datetime) else parse_date(end, what="ngày kết thúc")
    if s > e:
        raise ValidationError(f"Ngày bắt đầu {s.day:02d}/{s.month}/{s.year} sau ngày kết thúc {e.day:02d}/{e.month}/{e.year}.")
    return Window(s, e)
