"""The unit's annual CCHC plan (Kế hoạch CCHC năm) as items with owners, deadlines and completion.

Completion feeds Biểu mẫu 1 (2.1 số nhiệm vụ đề ra, 2.2 đã hoàn thành) and the sentence of
section I ("… đã hoàn thành 26/32 chỉ tiêu nhiệm vụ của kế hoạch cải cách hành chính năm 2023, đạt 81,25%").
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.models import User
from cchc.errors import ValidationError
from cchc.rates import rate
from cchc.reform import registers as reg
from cchc.reform.enums import PlanStatus
from cchc.reform.models import PlanItem
from cchc.units.models import Unit


def _check(values: dict, _ctx: reg.Context) -> None:
    done = values["status"] == PlanStatus.DONE
    if done and values.get("completed_at") is None:
        values["completed_at"] = clock.today()
    if not done and values.get("completed_at") is not None:
        raise ValidationError("Ngày hoàn thành chỉ ghi khi trạng thái là «Hoàn thành».", field="completed_at")
    if values.get("completed_at") is not None and values["completed_at"].year < values["year"] - 1:
        raise ValidationError(
            f"Ngày hoàn thành {vn.fmt_date(values['completed_at'])} quá sớm so với kế hoạch năm {values['year']}.", field="completed_at"
        )


REGISTER = reg.Register(
    key="ke-hoach",
    title="Kế hoạch CCHC năm",
    noun="nhiệm vụ kế hoạch",
    model=PlanItem,
    fields=(
        reg.Field("year", "Năm", reg.year, required=True, aliases=("nam ke hoach",)),
        reg.Field("code", "STT", reg.text(24), required=True, aliases=("ma", "so thu tu")),
        reg.Field("content", "Nội dung nhiệm vụ", reg.text(4000), required=True, aliases=("noi dung", "nhiem vu")),
        reg.Field("owner", "Đơn vị, người chủ trì", reg.text(255), default="", aliases=("chu tri", "don vi chu tri", "nguoi chu tri")),
        reg.Field("deadline", "Thời hạn", reg.a_date, aliases=("han", "han hoan thanh", "thoi han hoan thanh")),
        reg.Field("status", "Trạng thái", reg.choice(PlanStatus), default=PlanStatus.NOT_STARTED.value, aliases=("tinh trang",)),
        reg.Field("completed_at", "Ngày hoàn thành", reg.a_date),
        reg.Field("evidence", "Kết quả, minh chứng", reg.text(4000), default="", aliases=("ket qua", "minh chung")),
    ),
    unique=("year", "code"),
    unique_message="Kế hoạch năm {year} đã có nhiệm vụ STT {code}.",
    check=_check,
    order=(PlanItem.year, PlanItem.code),
)


def create_item(session: Session, actor: User | None, unit: Unit, **data) -> PlanItem:
    return reg.create(session, actor, REGISTER, unit, data)


def set_status(session: Session, actor: User | None, item_id: int, status: str,
               completed_at: date | str | None = None, evidence: str | None = None) -> PlanItem:
    """Move an item to chua_thuc_hien / dang_thuc_hien / hoan_thanh (completion dated today unless given)."""
    data: dict = {"status": status, "completed_at": completed_at}
    if evidence is not None:
        data["evidence"] = evidence
    return reg.update(session, actor, REGISTER, item_id, data)


def delete_item(session: Session, actor: User | None, item_id: int) -> None:
    reg.delete(session, actor, REGISTER, item_id)


def list_items(session: Session, unit_id: int, year: int) -> list[PlanItem]:
    return reg.entries(session, REGISTER, unit_id, PlanItem.year == year)


def plan_figures(session: Session, unit: Unit, start: date, end: date) -> dict:
    """The unit's own plan of the window's year: items, those completed by the window's end, the rate."""
    done_by_end = and_(
        PlanItem.status == PlanStatus.DONE.value, or_(PlanItem.completed_at.is_(None), PlanItem.completed_at <= end)
    )
    total, done = session.execute(
        select(func.count(PlanItem.id), func.coalesce(func.sum(case((done_by_end, 1), else_=0)), 0)).where(
            PlanItem.unit_id == unit.id, PlanItem.year == end.year
        )
    ).one()
    total, done = int(total or 0), int(done or 0)
    return {"year": end.year, "total": total, "done": done, "not_done": total - done, "rate": rate(done, total)}
