"""Which unit a figure is about, and the window's instants: shared by every statistics module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from cchc.errors import NotFound, ValidationError
from cchc.units.models import Unit
from cchc.vn import parse_date

LEVELS = ("tinh", "huyen", "xa")
LEVEL_LABELS = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}


def resolve_unit(session: Session, unit: Unit | str | int, on: date | None = None) -> Unit:
    """A Unit from an instance, an id or a code (the version valid on `on` when a code was reused)."""
    if isinstance(unit, Unit):
        return unit
    if isinstance(unit, int):
        found = session.get(Unit, unit)
        if found is None:
            raise NotFound(f"Không tìm thấy đơn vị có mã số nội bộ {unit}.")
        return found
    code = str(unit or "").strip()
    if not code:
        raise ValidationError("Chưa chọn đơn vị (mã đơn vị).")
    rows = session.scalars(select(Unit).where(Unit.code == code)).all()
    if not rows:
        raise NotFound(f"Không tìm thấy đơn vị có mã «{code}».")
    if len(rows) == 1 or on is None:
        return max(rows, key=lambda u: u.valid_from or date.min)
    valid = [u for u in rows if u.valid_on(on)]
    return max(valid or rows, key=lambda u: u.valid_from or date.min)


def subtree_condition(unit: Unit):
    """SQL condition on Unit: the unit itself and everything under it (materialised path)."""
    if not unit.path:
        raise ValidationError(f"Đơn vị «{unit.code}» chưa có đường dẫn cây đơn vị (path); không thể tổng hợp.")
    return Unit.path.like(_like_prefix(unit.path))


def _like_prefix(path: str) -> str:
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def subtree_unit_ids(unit: Unit) -> list[int]:
    """Ids of the unit and everything under it (one small query on units; a province has a few
    thousand at most). Dossier queries filter on this list rather than joining units, so that the
    database can range its (unit_id, …) indexes unit by unit."""
    session = object_session(unit)
    if session is None:
        raise ValidationError(f"Đơn vị «{unit.code}» không gắn với phiên làm việc với cơ sở dữ liệu.")
    return list(session.scalars(select(Unit.id).where(subtree_condition(unit)).order_by(Unit.id)))


def unit_ids_query(unit: Unit):
    """SELECT id of the units in the subtree (a sub-query, never loaded)."""
    return select(Unit.id).where(subtree_condition(unit))


def valid_during(start: date, end: date):
    """Units valid at some day of [start, end]."""
    return (or_(Unit.valid_from.is_(None), Unit.valid_from <= end)) & (or_(Unit.valid_to.is_(None), Unit.valid_to >= start))


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
        from cchc import clock

        return min(self.last_instant, clock.now())


def window(start: date | str, end: date | str) -> Window:
    s = start if isinstance(start, date) and not isinstance(start, datetime) else parse_date(start, what="ngày bắt đầu")
    e = end if isinstance(end, date) and not isinstance(end, datetime) else parse_date(end, what="ngày kết thúc")
    if s > e:
        raise ValidationError(f"Ngày bắt đầu {s.day:02d}/{s.month}/{s.year} sau ngày kết thúc {e.day:02d}/{e.month}/{e.year}.")
    return Window(s, e)


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator × 100 with two decimals; None when the denominator is 0."""
    if not denominator:
        return None
    value = Decimal(100 * (numerator or 0)) / Decimal(denominator)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
