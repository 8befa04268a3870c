"""CCHC inspections (units inspected, issues found and resolved) and communication activities
(tin, bài; hội nghị, cuộc tuyên truyền with their participants; chuyên mục) of a unit.

Inspections fill Biểu mẫu 1 (3.1 sở, ngành; 3.2 UBND cấp huyện; 3.3.1 / 3.3.2 issues); both
speak in section I ("… viết được 115 tin, bài …; tuyên truyền được 78 cuộc, có 2.312 lượt … tham dự").
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.models import User
from cchc.errors import ValidationError
from cchc.rates import rate
from cchc.reform import registers as reg
from cchc.reform.enums import CommunicationKind, InspectedKind
from cchc.reform.models import CommunicationActivity, Inspection
from cchc.units.models import Unit


def inspected_kind_of(inspector: Unit, target: Unit) -> InspectedKind | None:
    """What an inspected unit is: the inspector itself (nội bộ), an agency at province level (sở, ngành),
    a district or commune People's Committee; None when it cannot be told."""
    if target.id == inspector.id:
        return InspectedKind.INTERNAL
    if target.level == "tinh" and not target.is_area:
        return InspectedKind.DEPARTMENT
    if target.level == "huyen" and target.is_area:
        return InspectedKind.DISTRICT
    if target.level == "xa" and target.is_area:
        return InspectedKind.COMMUNE
    return None


def _check_inspection(values: dict, ctx: reg.Context) -> None:
    if values["inspected_on"] > clock.today():
        raise ValidationError(f"Ngày kiểm tra {vn.fmt_date(values['inspected_on'])} chưa đến.", field="inspected_on")
    target = ctx.session.get(Unit, values["inspected_unit_id"]) if values.get("inspected_unit_id") else None
    if target is None and not values.get("inspected_name"):
        raise ValidationError("Thiếu đơn vị được kiểm tra (mã đơn vị hoặc tên).", field="inspected_unit_id")
    if target is not None:
        if not values.get("inspected_name"):
            values["inspected_name"] = target.name
        if values.get("target_kind") is None:
            derived = inspected_kind_of(ctx.unit, target)
            values["target_kind"] = derived.value if derived else None
    if values.get("target_kind") is None:
        raise ValidationError("Thiếu loại đơn vị được kiểm tra (sở, ngành; UBND cấp huyện; UBND cấp xã; nội bộ).", field="target_kind")
    if values["issues_resolved"] > values["issues_found"]:
        raise ValidationError(
            f"Số vấn đề đã xử lý ({vn.fmt_int(values['issues_resolved'])}) lớn hơn số vấn đề phát hiện ({vn.fmt_int(values['issues_found'])}).",
            field="issues_resolved",
        )


INSPECTIONS = reg.Register(
    key="kiem-tra",
    title="Kiểm tra CCHC",
    noun="cuộc kiểm tra",
    model=Inspection,
    fields=(
        reg.Field("inspected_on", "Ngày kiểm tra", reg.a_date, required=True, aliases=("ngay",)),
        reg.Field("inspected_unit_id", "Mã đơn vị được kiểm tra", reg.unit_code, aliases=("ma don vi", "don vi duoc kiem tra ma")),
        reg.Field("inspected_name", "Đơn vị được kiểm tra", reg.text(255), default="", aliases=("ten don vi", "don vi")),
        reg.Field("target_kind", "Loại đơn vị", reg.choice(InspectedKind), aliases=("loai", "loai don vi duoc kiem tra")),
        reg.Field("issues_found", "Số vấn đề phát hiện", reg.count, default=0, aliases=("phat hien", "van de phat hien")),
        reg.Field("issues_resolved", "Số vấn đề đã xử lý", reg.count, default=0, aliases=("da xu ly", "van de da xu ly")),
        reg.Field("note", "Ghi chú", reg.text(4000), default=""),
    ),
    check=_check_inspection,
    order=(Inspection.inspected_on,),
    dated_by="inspected_on",
)


def _check_communication(values: dict, _ctx: reg.Context) -> None:
    if values["held_on"] > clock.today():
        raise ValidationError(f"Ngày {vn.fmt_date(values['held_on'])} chưa đến.", field="held_on")
    if values["count"] == 0:
        raise ValidationError("Số lượng phải từ 1 trở lên.", field="count")
    if values["participants"] and values["kind"] in (CommunicationKind.ARTICLE, CommunicationKind.PROGRAMME):
        raise ValidationError("Số lượt người tham dự chỉ ghi cho hội nghị, cuộc tuyên truyền hoặc hình thức khác.", field="participants")


COMMUNICATIONS = reg.Register(
    key="tuyen-truyen",
    title="Tuyên truyền CCHC",
    noun="hoạt động tuyên truyền",
    model=CommunicationActivity,
    fields=(
        reg.Field("held_on", "Ngày", reg.a_date, required=True, aliases=("ngay thuc hien", "ngay to chuc")),
        reg.Field("kind", "Hình thức", reg.choice(CommunicationKind), required=True, aliases=("loai",)),
        reg.Field("title", "Nội dung", reg.text(4000), default="", aliases=("tieu de", "ten")),
        reg.Field("count", "Số lượng", reg.count, default=1, aliases=("so tin bai", "so cuoc")),
        reg.Field("participants", "Số lượt tham dự", reg.count, default=0, aliases=("so nguoi tham du", "luot tham du", "tham du")),
    ),
    check=_check_communication,
    order=(CommunicationActivity.held_on,),
    dated_by="held_on",
)


def create_inspection(session: Session, actor: User | None, unit: Unit, **data) -> Inspection:
    return reg.create(session, actor, INSPECTIONS, unit, data)


def create_activity(session: Session, actor: User | None, unit: Unit, **data) -> CommunicationActivity:
    return reg.create(session, actor, COMMUNICATIONS, unit, data)


# --- figures ------------------------------------------------------------------------------------

def inspection_figures(session: Session, unit: Unit, start: date, end: date) -> dict:
    """Inspections by the unit in the window: distinct units inspected per kind, issues found and resolved."""
    target = case(
        (Inspection.inspected_unit_id.is_not(None), literal("u") + cast(Inspection.inspected_unit_id, String)),
        else_=literal("n") + func.lower(Inspection.inspected_name),
    )

    def distinct(kind: InspectedKind):
        return func.count(func.distinct(case((Inspection.target_kind == kind.value, target))))

    row = session.execute(
        select(
            func.count(Inspection.id),
            distinct(InspectedKind.DEPARTMENT),
            distinct(InspectedKind.DISTRICT),
            distinct(InspectedKind.COMMUNE),
            distinct(InspectedKind.INTERNAL),
            func.coalesce(func.sum(Inspection.issues_found), 0),
            func.coalesce(func.sum(Inspection.issues_resolved), 0),
        ).where(Inspection.unit_id == unit.id, Inspection.inspected_on.between(start, end))
    ).one()
    inspections, dept, district, commune, internal, found, resolved = (int(v or 0) for v in row)
    return {
        "inspections": inspections,
        "departments": dept,
        "districts": district,
        "communes": commune,
        "internal": internal,
        "issues_found": found,
        "issues_resolved": resolved,
        "rate": rate(resolved, found),
    }


def communication_figures(session: Session, unit: Unit, start: date, end: date) -> dict:
    """Communication in the window: articles, meetings with their participants, programmes, other activities."""

    def total(kind: CommunicationKind, column):
        return func.coalesce(func.sum(case((CommunicationActivity.kind == kind.value, column), else_=0)), 0)

    c = CommunicationActivity
    row = session.execute(
        select(
            total(CommunicationKind.ARTICLE, c.count),
            total(CommunicationKind.MEETING, c.count),
            total(CommunicationKind.MEETING, c.participants),
            total(CommunicationKind.PROGRAMME, c.count),
            total(CommunicationKind.OTHER, c.count),
            total(CommunicationKind.OTHER, c.participants),
        ).where(c.unit_id == unit.id, c.held_on.between(start, end))
    ).one()
    articles, meetings, meeting_people, programmes, other, other_people = (int(v or 0) for v in row)
    return {
        "articles": articles,
        "meetings": meetings,
        "participants": meeting_people + other_people,
        "meeting_participants": meeting_people,
        "other_participants": other_people,
        "programmes": programmes,
        "other": other,
    }
