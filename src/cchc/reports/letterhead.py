"""What a clerk writes around the report's body (Nghị định số 30/2020/NĐ-CP): the issuer's abbreviation in
"Số: …/BC-STP", "Kính gửi", the legal basis with the number and date of every document it cites, "Nơi nhận" and
the signer — each a default by the unit's role, from the layout data (cchc/data/forms/report.yaml), that the
unit's own entries (narrative keys ky_hieu, kinh_gui, can_cu, noi_nhan, chuc_vu_ky, nguoi_ky) replace.

A unit's role: the People's Committee of a province, district or commune (the area itself or its `ubnd`
agency), an agency of the province (sở, ban, ngành, Văn phòng), or an agency under a district or commune.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.reform.enums import DocumentKind
from cchc.reform.models import DirectiveDocument
from cchc.units.enums import AREA_KINDS
from cchc.units.models import Unit


@dataclass(frozen=True)
class Place:
    """Where a unit stands: its role, the nearest area at or above it, the province and the unit whose
    People's Committee it is (the area for an area, the area above a `ubnd` agency)."""

    role: str
    area: Unit | None
    province: Unit | None
    committee_of: Unit | None


def _ancestors(session: Session, unit: Unit) -> list[Unit]:
    ids = [int(x) for x in (unit.path or "").strip("/").split("/") if x and int(x) != unit.id]
    if not ids:
        out, cur = [], unit
        while cur.parent_id is not None:
            cur = session.get(Unit, cur.parent_id)
            if cur is None:
                break
            out.append(cur)
        return list(reversed(out))
    found = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def place_of(session: Session, unit: Unit) -> Place:
    chain = _ancestors(session, unit)
    areas = [u for u in chain if u.is_area]
    province = next((u for u in [*chain, unit] if u.is_area and u.level == "tinh"), None)
    if unit.is_area:
        return Place(unit.level, unit, province, unit)
    area = areas[-1] if areas else None
    if area is not None and unit.kind == "ubnd":
        return Place(area.level, area, province, area)
    level = area.level if area is not None else unit.level
    return Place(f"co_quan_{level}", area, province, None)


# --- "Số: …/BC-STP" ---------------------------------------------------------------------------------

def _bare_name(unit: Unit, place: Place) -> str:
    """The unit's name without the province's name at its end ('Công an tỉnh Quảng Trị' → 'Công an tỉnh')."""
    name = unit.name.strip()
    for area in (place.province, place.area):
        if area is None:
            continue
        short = area_short_name(area)
        if short and name.endswith(" " + short) and name != short:
            name = name[: -len(short)].strip()
    return name


def abbreviation(unit: Unit, place: Place, layout: dict) -> str:
    """The issuer's sign in "Số: …/BC-<sign>": a name listed in the data, else the initials of the words of the
    name for the kinds that sign so (Sở Tư pháp → STP, Sở Giáo dục và Đào tạo → SGDĐT), else by kind."""
    names = {vn.search_key(k): str(v) for k, v in (layout.get("abbreviation_names") or {}).items()}
    bare = _bare_name(unit, place)
    if vn.search_key(bare) in names:
        return names[vn.search_key(bare)]
    by_kind = layout["abbreviations"]
    if unit.is_area or place.committee_of is not None:
        return str(by_kind.get("ubnd", "UBND"))
    if unit.kind in (layout.get("abbreviation_initials") or ()):
        skip = {vn.search_key(w) for w in layout.get("abbreviation_skip_words") or ()}
        words = [w for w in re.split(r"[\s,;\-–]+", bare) if w and vn.search_key(w) not in skip]
        initials = "".join(w[0].upper() for w in words if w[0].isalpha())
        if len(initials) >= 2:
            return initials
    return str(by_kind.get(unit.kind, by_kind["default"]))


# --- Kính gửi, Nơi nhận ------------------------------------------------------------------------------

def area_short_name(area: Unit) -> str:
    """'Tỉnh Quảng Trị' → 'Quảng Trị'; 'Xã Ba Lòng' → 'Ba Lòng'."""
    name = area.name.strip()
    for prefix in sorted({*AREA_KINDS.values(), "Thành phố", "Thị xã", "Thị trấn", "Đặc khu"}, key=len, reverse=True):
        if name.lower().startswith(prefix.lower() + " "):
            return name[len(prefix) + 1:].strip()
    return name


def _words(place: Place, layout: dict) -> dict:
    """The fillers of the Kính gửi and Nơi nhận templates."""
    area_word = layout.get("area_word") or {}
    party = layout.get("party_by_area_kind") or {}
    area, province = place.area, place.province
    return {
        "area": _lower_first(area.name) if area is not None else "",
        "cap": str(area_word.get(area.kind, "")) if area is not None else "",
        "party": str(party.get(area.kind, "cấp ủy")) if area is not None else "cấp ủy",
        "province": _lower_first(province.name) if province is not None else "",
        "province_short": str(area_word.get(province.kind, "tỉnh")) if province is not None else "tỉnh",
    }


def recipient(place: Place, layout: dict) -> str:
    words = _words(place, layout)
    template = (layout.get("recipient_by_role") or {}).get(place.role)
    if template is None:
        template = layout["recipient"] if place.province is not None else "Bộ Nội vụ"
    return template.format(**words)


def recipients(place: Place, layout: dict) -> list[str]:
    words = _words(place, layout)
    lines = (layout.get("recipients_by_role") or {}).get(place.role) or layout["recipients_default"]
    return [str(line).format(**words) for line in lines]


# --- Căn cứ -------------------------------------------------------------------------------------------

def _issuer_phrase(unit: Unit, place: Place) -> str:
    if unit.is_area:
        return "Ủy ban nhân dân " + _lower_first(unit.name)
    return unit.name


def year_plans(session: Session, unit: Unit, place: Place, year: int, until: date) -> list[str]:
    """The CCHC plans of `year` in the directive registers — of the province's (and district's) People's Committee,
    then of the unit — as the legal basis cites them: 'Kế hoạch số 250/KH-UBND ngày 22/12/2025 của Ủy ban nhân dân
    tỉnh Quảng Trị về cải cách hành chính năm 2026'."""
    issuers: list[Unit] = []
    for area in (place.province, place.area):
        if area is not None and area not in issuers:
            issuers.append(area)
    if unit not in issuers:
        issuers.append(unit)
    ids = [u.id for u in issuers]
    # The People's Committee may keep its register under the area or under its `ubnd` agency.
    agencies = {a.id: a for a in session.scalars(select(Unit).where(Unit.parent_id.in_(ids), Unit.kind == "ubnd"))}
    owner = {u.id: u for u in issuers}
    for agency in agencies.values():
        owner[agency.id] = owner.get(agency.parent_id, agency)
    rows = session.execute(
        select(DirectiveDocument.unit_id, DirectiveDocument.number, DirectiveDocument.kind, DirectiveDocument.issued_on,
               DirectiveDocument.subject)
        .where(DirectiveDocument.unit_id.in_(list(owner)), DirectiveDocument.kind == DocumentKind.PLAN.value,
               DirectiveDocument.is_cchc.is_(True), DirectiveDocument.issued_on.between(date(year - 1, 10, 1), until),
               func.lower(DirectiveDocument.subject).like(f"%{year}%"))
        .order_by(DirectiveDocument.issued_on, DirectiveDocument.id)
    ).all()
    order = {u.id: i for i, u in enumerate(issuers)}
    out: list[tuple[int, str]] = []
    for row in rows:
        if "cai cach hanh chinh" not in vn.search_key(row.subject):
            continue
        issuer = owner[row.unit_id]
        kind = DocumentKind(row.kind).label
        subject = row.subject.strip().rstrip(".")
        if vn.search_key(subject).startswith(vn.search_key(kind) + " "):  # "Kế hoạch cải cách …" names itself
            subject = subject[len(kind):].strip()
        about = subject if vn.search_key(subject.split(" ", 1)[0]) == "ve" else f"về {subject}"
        text = f"{kind} số {row.number} ngày {document_date(row.issued_on)} của {_issuer_phrase(issuer, place)} {about}"
        out.append((order.get(issuer.id, len(order)), text))
    return [text for _, text in sorted(out, key=lambda x: x[0])]


def document_date(d: date) -> str:
    """A document's date as it is cited (ND 30/2020: a day below 10 and the months 1 and 2 take a leading 0):
    '06/01/2026', '22/12/2025', '15/7/2021'."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{d.day:02d}/{month}/{d.year}"


def legal_basis(session: Session, unit: Unit, place: Place, layout: dict, *, unit_phrase: str, period) -> str:
    documents = year_plans(session, unit, place, period.end.year, period.end) or [layout["legal_basis_programme"]]
    return layout["legal_basis"].format(documents="; ".join(documents), unit=unit_phrase, period=period.label)


# --- the signer ---------------------------------------------------------------------------------------

def signer_name(session: Session, unit: Unit, place: Place) -> str:
    """The name of the unit's only active leader account (for a People's Committee: of the area or its
    `ubnd` agency); blank when there is none or more than one — the unit then names its signer."""
    ids = [unit.id]
    if place.committee_of is not None:
        ids = [place.committee_of.id, *session.scalars(
            select(Unit.id).where(Unit.parent_id == place.committee_of.id, Unit.kind == "ubnd"))]
    names = list(session.scalars(
        select(User.full_name).where(User.unit_id.in_(ids), User.role == Role.LEADER.value, User.active.is_(True)).limit(2)
    ))
    return names[0].strip() if len(names) == 1 else ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
