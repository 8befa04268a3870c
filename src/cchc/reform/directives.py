"""The register of directive documents a unit issues (kế hoạch, quyết định, chỉ thị, công văn, kết luận):
number, date, subject, CCHC area. Counted per period for Biểu mẫu 1 (STT 1) and listed in section I
("+ Kế hoạch số 01/KH-UBND ngày 06/01/2023 về cải cách hành chính huyện năm 2023.")."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.models import User
from cchc.errors import ValidationError
from cchc.reform import registers as reg
from cchc.reform.enums import Area, DocumentKind
from cchc.reform.models import DirectiveDocument
from cchc.units.models import Unit

# "36/KH-VPUBND", "16-CT/TU", "1056/UBND-NC", "191/QĐ-UBND-HC": a number, then "/" and the sign.
NUMBER = re.compile(r"^\d+[\w.\-]*/[\w\-.]+$")


def _number(raw, ctx) -> str:
    value = reg.text(60)(raw, ctx).replace(" ", "")
    if value and not NUMBER.match(value):
        raise ValidationError(f"«{raw}» không đúng dạng số, ký hiệu văn bản (ví dụ 36/KH-VPUBND)")
    return value


def _check(values: dict, _ctx: reg.Context) -> None:
    if values["issued_on"] > clock.today():
        raise ValidationError(f"Ngày ban hành {vn.fmt_date(values['issued_on'])} chưa đến.", field="issued_on")


REGISTER = reg.Register(
    key="van-ban",
    title="Văn bản chỉ đạo",
    noun="văn bản",
    model=DirectiveDocument,
    fields=(
        reg.Field("number", "Số, ký hiệu", _number, required=True, aliases=("so ky hieu", "so van ban", "so")),
        reg.Field("kind", "Loại văn bản", reg.choice(DocumentKind), required=True, aliases=("loai",)),
        reg.Field("issued_on", "Ngày ban hành", reg.a_date, required=True, aliases=("ngay", "ngay van ban")),
        reg.Field("subject", "Trích yếu", reg.text(4000), required=True, aliases=("noi dung", "ve viec")),
        reg.Field("area", "Lĩnh vực", reg.choice(Area), default=Area.GENERAL.value, aliases=("linh vuc cchc",)),
        reg.Field("is_cchc", "Văn bản CCHC", reg.flag, default=True, aliases=("cchc", "chi dao cchc")),
    ),
    unique=("issued_on", "number"),
    unique_message="Văn bản số {number} đã có trong sổ.",
    check=_check,
    order=(DirectiveDocument.issued_on, DirectiveDocument.number),
    dated_by="issued_on",
)


def create_document(session: Session, actor: User | None, unit: Unit, **data) -> DirectiveDocument:
    return reg.create(session, actor, REGISTER, unit, data)


def list_documents(session: Session, unit_id: int, start: date, end: date) -> list[DirectiveDocument]:
    return reg.entries(session, REGISTER, unit_id, DirectiveDocument.issued_on.between(start, end))


def directive_figures(session: Session, unit: Unit, start: date, end: date, *, listed: int = 100) -> dict:
    """CCHC directive documents issued by the unit in the window: count, by kind, by area, and the first `listed`."""
    where = (DirectiveDocument.unit_id == unit.id, DirectiveDocument.is_cchc.is_(True),
             DirectiveDocument.issued_on.between(start, end))
    by_kind = {k.value: 0 for k in DocumentKind}
    for kind, n in session.execute(select(DirectiveDocument.kind, func.count()).where(*where).group_by(DirectiveDocument.kind)):
        by_kind[kind] = int(n)
    by_area = {a.value: 0 for a in Area}
    for area, n in session.execute(select(DirectiveDocument.area, func.count()).where(*where).group_by(DirectiveDocument.area)):
        by_area[area] = int(n)
    rows = session.execute(
        select(DirectiveDocument.number, DirectiveDocument.kind, DirectiveDocument.issued_on, DirectiveDocument.subject)
        .where(*where).order_by(DirectiveDocument.issued_on, DirectiveDocument.id).limit(listed)
    )
    items = [{"number": r.number, "kind": r.kind, "date": r.issued_on.isoformat(), "subject": r.subject} for r in rows]
    return {"count": sum(by_kind.values()), "by_kind": by_kind, "by_area": by_area, "items": items}


def document_line(item: dict) -> str:
    """'Kế hoạch số 01/KH-UBND ngày 06/01/2023 về cải cách hành chính huyện năm 2023.'"""
    kind = DocumentKind(item["kind"])
    name = "Văn bản" if kind == DocumentKind.OTHER else kind.label
    subject = item["subject"].strip().rstrip(".")
    joiner = " " if vn.search_key(subject.split(" ", 1)[0]) == "ve" else " về "
    return f"{name} số {item['number']} ngày {vn.fmt_date(date.fromisoformat(item['date']))}{joiner}{subject}."
