"""The calendar as stored: overrides and office hours, and the actions that change them.

Precedence, lowest first: the `holidays` package → the seed file `data/calendar_overrides.yaml`
(decisions the package does not know yet) → the administrator's rows in `calendar_overrides`
(a removed row also hides the seed file's entry for its day). Only the system administrator
(Role.SYSTEM_ADMIN) changes the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.calendar.cache import CALENDAR, ProcessCache
from cchc.calendar.core import DEFAULT_SESSIONS, WorkCalendar
from cchc.calendar.models import CalendarOverride, OfficeHours
from cchc.errors import NotFound, PermissionDenied, ValidationError

KINDS = {"off": "Ngày nghỉ", "work": "Ngày làm việc"}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
SEED_FILE = "calendar_overrides.yaml"
SEED_AUTHOR = "Tệp dữ liệu cchc"


@dataclass(frozen=True)
class SeedOverride:
    day: date
    kind: str
    name: str
    legal_ref: str


@dataclass(frozen=True)
class CalendarDay:
    """A day that differs from the Monday–Friday week: a weekday off or a weekend day worked."""

    day: date
    weekday: str  # "Thứ Hai" …
    working: bool
    reason: str
    source: str  # goi_holidays | tep_du_lieu | quan_tri

    @property
    def kind_label(self) -> str:
        return "Làm bù" if self.working else "Nghỉ"


# ---- reading ------------------------------------------------------------------------------------
def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def seed_file_overrides(text: str | None = None) -> tuple[SeedOverride, ...]:
    """The entries of the seed file (or of `text`, in the same YAML form), validated."""
    if text is None:
        return _packaged_seed()
    return _parse_seed(text, SEED_FILE)


@lru_cache(maxsize=1)
def _packaged_seed() -> tuple[SeedOverride, ...]:
    text = resources.files("cchc").joinpath("data", SEED_FILE).read_text(encoding="utf-8")
    return _parse_seed(text, SEED_FILE)


def _parse_seed(text: str, where: str) -> tuple[SeedOverride, ...]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ValidationError(f"Tệp {where} không đúng cú pháp YAML: {exc}") from None
    items = data.get("overrides") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValidationError(f"Tệp {where} phải có danh sách «overrides».")
    seen: set[date] = set()
    result = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValidationError(f"Tệp {where}, mục {n}: phải có các trường day, kind, name, legal_ref.")
        try:
            day = vn.parse_date(item.get("day"), what=f"ngày (mục {n})")
        except ValidationError as exc:
            raise ValidationError(f"Tệp {where}, mục {n}: {exc.message}") from None
        if isinstance(item.get("kind"), bool):
            raise ValidationError(f"Tệp {where}, mục {n}: loại phải viết trong ngoặc kép, \"off\" hoặc \"work\" (YAML đọc off/on là đúng/sai).")
        kind = str(item.get("kind", ""))
        if kind not in KINDS:
            raise ValidationError(f"Tệp {where}, mục {n}: loại «{kind}» không hợp lệ (dùng off hoặc work).")
        name, ref = str(item.get("name") or "").strip(), str(item.get("legal_ref") or "").strip()
        if not name or not ref:
            raise ValidationError(f"Tệp {where}, mục {n}: thiếu tên (name) hoặc căn cứ (legal_ref).")
        if day in seen:
            raise ValidationError(f"Tệp {where}, mục {n}: ngày {vn.fmt_date(day)} bị lặp lại.")
        seen.add(day)
        result.append(SeedOverride(day, kind, name, ref))
    return tuple(result)


def load_calendar(session: Session, seed: Iterable[SeedOverride] | None = None) -> WorkCalendar:
    """The working calendar: package + seed file + the administrator's overrides, and office hours."""
    overrides: dict[date, tuple[str, str]] = {s.day: (s.kind, s.name) for s in (seed_file_overrides() if seed is None else seed)}
    for row in session.scalars(select(CalendarOverride)):
        if row.removed_at is None:
            overrides[row.day] = (row.kind, row.name)
        else:
            overrides.pop(row.day, None)
    return WorkCalendar(overrides=overrides, sessions=office_hours(session))


_CALENDARS: ProcessCache[WorkCalendar] = ProcessCache(CALENDAR)


def session_calendar(session: Session) -> WorkCalendar:
    """The working calendar, kept by this process (cchc.calendar.cache): loaded again only after a change of days
    off or office hours has committed — or within the transaction that makes it —, whichever process made it."""
    return _CALENDARS.get(session, "", load_calendar)


def package_calendar() -> WorkCalendar:
    """The calendar of the `holidays` package alone (what an override is compared with)."""
    return WorkCalendar()


def list_overrides(session: Session, year: int | None = None) -> list[CalendarOverride]:
    """Active overrides stored in the database, by day (optionally of one year)."""
    stmt = select(CalendarOverride).where(CalendarOverride.removed_at.is_(None)).order_by(CalendarOverride.day)
    if year is not None:
        stmt = stmt.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
    return list(session.scalars(stmt))


def office_hours(session: Session) -> tuple[tuple[time, time], ...]:
    """The office sessions of a working day (the default 7:30–11:30, 13:30–17:00 if none stored)."""
    rows = session.scalars(select(OfficeHours).order_by(OfficeHours.start)).all()
    return tuple((r.start, r.end) for r in rows) or DEFAULT_SESSIONS


def year_calendar(session: Session, year: int) -> list[CalendarDay]:
    """Every weekday off and every weekend day worked in `year`, with its Vietnamese reason."""
    calendar = load_calendar(session)
    stored = {r.day: r.created_by for r in list_overrides(session, year)}
    seeded = {s.day for s in seed_file_overrides()}
    result = []
    for day, reason in calendar.days_off(date(year, 1, 1), date(year, 12, 31)):
        if day in stored:
            source = "tep_du_lieu" if stored[day] == SEED_AUTHOR else "quan_tri"
        elif day in calendar.overrides and day in seeded:
            source = "tep_du_lieu"
        else:
            source = "goi_holidays"
        result.append(CalendarDay(day, weekday_name(day), calendar.is_working_day(day), reason, source))
    return result


# ---- actions --------------------------------------------------------------------------------------
def _require_admin(actor: Any, what: str) -> None:
    role = getattr(actor, "role", None)
    if actor is None or role != Role.SYSTEM_ADMIN:
        who = Role(role).label if role in Role._value2member_map_ else "Người dùng này"
        raise PermissionDenied(f"{who} không có quyền {what}: chỉ Quản trị hệ thống được sửa lịch làm việc.")


def _actor_name(actor: Any) -> str:
    return (getattr(actor, "full_name", "") or getattr(actor, "username", "") or "")[:120]


def add_override(session: Session, actor: Any, day: date, kind: str, name: str, legal_ref: str) -> CalendarOverride:
    """Declare `day` a day off (`off`) or a working day (`work`), citing the decision."""
    _require_admin(actor, "thêm ngày điều chỉnh lịch")
    if not isinstance(day, date):
        raise ValidationError("Ngày điều chỉnh không hợp lệ.")
    if kind not in KINDS:
        raise ValidationError(f"Loại điều chỉnh «{kind}» không hợp lệ: dùng off (ngày nghỉ) hoặc work (ngày làm việc).")
    name, legal_ref = (name or "").strip(), (legal_ref or "").strip()
    if not name:
        raise ValidationError("Cần ghi tên hoặc lý do của ngày điều chỉnh (--name).")
    if not legal_ref:
        raise ValidationError("Cần ghi căn cứ của ngày điều chỉnh: số, ngày của văn bản quyết định (--legal-ref).")
    if len(name) > 255:
        raise ValidationError("Tên ngày điều chỉnh dài quá 255 ký tự.")
    working, reason = package_calendar().day_info(day)
    if working == (kind == "work"):
        already = "ngày làm việc" if working else "ngày nghỉ"
        why = f" ({reason})" if reason else ""
        raise ValidationError(
            f"Ngày {vn.fmt_date(day)} ({weekday_name(day)}) theo lịch chuẩn đã là {already}{why}; "
            "điều chỉnh này không thay đổi gì nên không được ghi."
        )
    existing = session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    if existing is not None and existing.removed_at is None:
        raise ValidationError(
            f"Ngày {vn.fmt_date(day)} đã có điều chỉnh «{existing.name}» ({KINDS[existing.kind].lower()}); "
            "hãy xóa điều chỉnh đó trước khi thêm điều chỉnh mới."
        )
    row = existing or CalendarOverride(day=day)
    row.kind, row.name, row.legal_ref = kind, name, legal_ref
    row.created_by, row.created_at = _actor_name(actor), clock.now()
    row.removed_by, row.removed_at = "", None
    session.add(row)
    session.flush()
    return row


def remove_override(session: Session, actor: Any, day: date) -> CalendarOverride:
    """Remove the override of `day` (the day goes back to the package calendar)."""
    _require_admin(actor, "xóa ngày điều chỉnh lịch")
    seed_overrides(session)
    row = session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    if row is None or row.removed_at is not None:
        raise NotFound(f"Ngày {vn.fmt_date(day)} không có điều chỉnh nào để xóa.")
    row.removed_at, row.removed_by = clock.now(), _actor_name(actor)
    session.flush()
    return row


def seed_overrides(session: Session, seed: Iterable[SeedOverride] | None = None) -> int:
    """Store the seed file's days that the table does not know yet (a removed day stays removed).

    Returns how many rows were added. Idempotent: running it again adds nothing.
    """
    items = list(seed_file_overrides() if seed is None else seed)
    if not items:
        return 0
    known = set(session.scalars(select(CalendarOverride.day).where(CalendarOverride.day.in_([s.day for s in items]))))
    added = 0
    for item in items:
        if item.day in known:
            continue
        session.add(CalendarOverride(day=item.day, kind=item.kind, name=item.name, legal_ref=item.legal_ref, created_by=SEED_AUTHOR))
        added += 1
    if added:
        session.flush()
    return added


def set_office_hours(session: Session, actor: Any, sessions: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """Replace the office sessions: ordered, not overlapping, each inside 0:00–24:00."""
    _require_admin(actor, "sửa giờ làm việc")
    checked = validate_sessions(sessions)
    session.execute(delete(OfficeHours))
    for start, end in checked:
        session.add(OfficeHours(start=start, end=end))
    session.flush()
    return checked


def validate_sessions(sessions: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    if not sessions:
        raise ValidationError("Giờ làm việc phải có ít nhất một buổi.")
    previous_end: time | None = None
    for n, pair in enumerate(sessions, start=1):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(t, time) for t in pair)):
            raise ValidationError(f"Buổi thứ {n}: cần giờ bắt đầu và giờ kết thúc.")
        start, end = pair
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValidationError(f"Buổi thứ {n}: giờ làm việc là giờ địa phương, không kèm múi giờ.")
        if start >= end:
            raise ValidationError(f"Buổi thứ {n} ({_hm(start)}–{_hm(end)}): giờ bắt đầu phải trước giờ kết thúc.")
        if previous_end is not None and start < previous_end:
            raise ValidationError(
                f"Buổi thứ {n} ({_hm(start)}–{_hm(end)}) bắt đầu trước khi buổi trước kết thúc ({_hm(previous_end)}): "
                "các buổi phải theo thứ tự và không chồng lên nhau."
            )
        previous_end = end
    return tuple((s, e) for s, e in sessions)


def parse_sessions(text: str) -> tuple[tuple[time, time], ...]:
    """'07:30-11:30,13:30-17:00' → sessions (24:00 is the end of the day)."""
    result = []
    for n, part in enumerate((p.strip() for p in (text or "").split(",")), start=1):
        start, sep, end = part.replace("–", "-").partition("-")
        if not sep:
            raise ValidationError(f"Buổi thứ {n} «{part}» không hợp lệ: dùng dạng 07:30-11:30.")
        result.append((parse_hour(start, f"giờ bắt đầu buổi thứ {n}"), parse_hour(end, f"giờ kết thúc buổi thứ {n}")))
    return validate_sessions(result)


def parse_hour(text: str, what: str = "giờ") -> time:
    """'7:30' / '07:30' / '17' → time; '24:00' → the last instant of the day."""
    hh, _, mm = text.strip().partition(":")
    try:
        h, m = int(hh), int(mm or 0)
    except ValueError:
        raise ValidationError(f"{what.capitalize()} «{text.strip()}» không hợp lệ (dùng dạng 07:30).") from None
    if (h, m) == (24, 0):
        return time(23, 59, 59)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValidationError(f"{what.capitalize()} «{text.strip()}» nằm ngoài khoảng 0:00–24:00.")
    return time(h, m)


def _hm(t: time) -> str:
    return "24:00" if t == time(23, 59, 59) else f"{t.hour:02d}:{t.minute:02d}"


def format_sessions(sessions: Iterable[tuple[time, time]]) -> str:
    return ", ".join(f"{_hm(s)}–{_hm(e)}" for s, e in sessions)


def due_for_procedure(calendar: WorkCalendar, procedure: Any, received_at) -> Any:
    """NgayHenTra of a dossier of `procedure` received at `received_at`.

    The procedure's time limit (time_amount, time_unit) counts from the receipt, moved to the
    next office instant when it falls outside office hours, and to the next working day when it
    is after the procedure's cut-off hour (Procedure.cutoff_time, e.g. 15:00 for hộ tịch).
    """
    return calendar.due(received_at, procedure.time_amount, procedure.time_unit, procedure.cutoff_time)
