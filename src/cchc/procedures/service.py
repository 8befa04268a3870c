"""Actions on the procedure catalogue (danh mục TTHC): create, update, internal process, publications, search.

Every change goes through here and is checked against the permission matrix (cchc/auth/permissions.yaml, cells
thu_tuc.sua and thu_tuc.linh_vuc): a procedure is edited only by the administrators of the agency that owns it
(its cơ quan thực hiện, `agency_unit_id`, and the units above it) or by Quản trị hệ thống; a procedure with no
owning unit (e.g. the commune-level procedures shared by every commune) and the shared list of lĩnh vực only by
Quản trị hệ thống; actor=None is the operator at the command line. Input is validated as a whole and refused with
a Vietnamese message naming the field; nothing is written when anything is wrong.

The input of create/update is a mapping (or a Pydantic `ProcedureIn`) with the model's column names plus:
`field_code`/`field_name` (lĩnh vực, created on first use), `agency` (a unit code or the agency's name),
`levels` (list or "tinh,xa" / "Cấp tỉnh; Cấp xã"), `fees`, `components`, `steps` (lists of mappings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field as dc_field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from cchc import clock, vn
from cchc.errors import NotFound, PermissionDenied, ValidationError
from cchc.procedures.enums import Interconnection, OnlineLevel, PublicationKind, StepRole, TimeUnit
from cchc.procedures.models import Component, FeeLine, Field, ProcessStep, Procedure, Publication

DATA_DIR = Path(__file__).parent / "data"

LEVELS = ("tinh", "huyen", "xa")
LEVEL_LABELS = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}
SUBJECTS = {"ca_nhan": "Cá nhân", "to_chuc": "Tổ chức", "ca_hai": "Cá nhân, tổ chức"}
FEE_KINDS = {"phi": "Phí", "le_phi": "Lệ phí"}
INTERCONNECTION_LABELS = {"khong": "Không", "cung_cap": "Liên thông cùng cấp", "giua_cac_cap": "Liên thông giữa các cấp"}
EDIT_ACTION = "thu_tuc.sua"  # cells of cchc/auth/permissions.yaml
FIELD_ACTION = "thu_tuc.linh_vuc"

# MaTTHC: "1.001234", "2.000889" (digits.digits), or the lettered codes some provinces use ("BTP-BDI-277320").
_CODE_NUMERIC = re.compile(r"^\d+\.\d+$")
_CODE_LETTERED = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]+(?:[.\-_][A-Za-z0-9]+)*$")
_UNIT_CODE = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+$")

PROCEDURE_SCALARS = (
    "code", "name", "levels", "agency_name", "time_amount", "time_unit", "cutoff_time", "online_level",
    "eligible_full_online", "paper_result", "interconnection", "has_fee", "fee_online_integrated", "subject",
    "where_to_submit", "requirements", "legal_basis", "result_name", "published_on",
)


# --------------------------------------------------------------------------------------------- the facts
@dataclass(frozen=True)
class ProcessTemplate:
    hours_per_working_day: Decimal
    rounding: tuple[tuple[Decimal, Decimal], ...]  # (from total hours, quantum), largest first
    steps: tuple[dict, ...]

    def quantum(self, total_hours: Decimal) -> Decimal:
        return next((q for start, q in self.rounding if total_hours >= start), self.rounding[-1][1])


@lru_cache(maxsize=1)
def process_template() -> ProcessTemplate:
    """The default internal process and the hours of a working day, from data/default_process.yaml."""
    raw = yaml.safe_load((DATA_DIR / "default_process.yaml").read_text(encoding="utf-8"))
    return ProcessTemplate(
        hours_per_working_day=Decimal(str(raw["hours_per_working_day"])),
        rounding=tuple(sorted(
            ((Decimal(str(r["from_hours"])), Decimal(str(r["hours"]))) for r in raw["rounding"]), reverse=True
        )),
        steps=tuple(raw["steps"]),
    )


def hours_of(amount: Decimal | int | float, unit: str) -> Decimal:
    """A duration in working hours (1 working day = 8 working hours; a calendar day counts as at most one
    working day; 0 working days, "trong ngày", is one working day)."""
    amount = Decimal(str(amount))
    per_day = process_template().hours_per_working_day
    if unit == TimeUnit.WORKING_HOURS:
        return amount
    if amount == 0 and unit == TimeUnit.WORKING_DAYS:
        return per_day
    return amount * per_day


def _fmt_amount(amount: Decimal | int | float) -> str:
    d = Decimal(str(amount))
    if d == d.to_integral_value():
        return f"{int(d):02d}"
    return vn.fmt_decimal(d, 2).rstrip("0").rstrip(",")


def time_limit_label(amount: Decimal | int | float, unit: str) -> str:
    """'05 ngày làm việc', '04 giờ làm việc', '0,5 ngày làm việc', 'Trong ngày'."""
    if Decimal(str(amount)) == 0 and unit == TimeUnit.WORKING_DAYS:
        return "Trong ngày"
    return f"{_fmt_amount(amount)} {TimeUnit(unit).label}"


def duration_label(amount: Decimal | int | float, unit: str) -> str:
    return f"{_fmt_amount(amount)} {TimeUnit(unit).label}"


# --------------------------------------------------------------------------------------------- permission
def _label(actor) -> str:
    from cchc.auth import permissions

    return permissions.role_label(getattr(actor, "role", None))


def check_editor(actor) -> None:
    """Editing the catalogue needs a role whose cell thu_tuc.sua is not «none» (Quản trị hệ thống, Quản trị đơn
    vị); which procedures it may edit is check_may_edit's question. actor None is the CLI operator."""
    from cchc.auth import permissions

    if actor is None:
        return
    if not getattr(actor, "active", True):
        raise PermissionDenied(f"Tài khoản «{actor.username}» đã bị khóa, không được sửa danh mục TTHC.")
    if permissions.scope_of(getattr(actor, "role", None), EDIT_ACTION) == "none":
        editors = " hoặc ".join(r.label for r in permissions.matrix().roles_for(EDIT_ACTION))
        raise PermissionDenied(
            f"Tài khoản «{actor.username}» (vai trò {_label(actor)}) không có quyền sửa danh mục TTHC; cần vai trò {editors}."
        )


def _owner_name(session: Session, unit_id: int | None, fallback: str = "") -> str:
    from cchc.units.models import Unit

    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit is not None else fallback


def check_may_edit(session: Session, actor, procedure: Procedure) -> None:
    """PermissionDenied unless `actor` may change this procedure: the cell thu_tuc.sua of their role reaches the
    unit that owns it (its cơ quan thực hiện). A procedure without an owning unit is Quản trị hệ thống's."""
    from cchc.auth import permissions

    check_editor(actor)
    if actor is None or permissions.allows(session, actor, EDIT_ACTION, procedure.agency_unit_id):
        return
    reach = permissions.scope_phrase(session, actor, EDIT_ACTION)
    if procedure.agency_unit_id is None:
        owner = f"không gắn với đơn vị nào (cơ quan thực hiện: {procedure.agency_name or 'chưa ghi'}), dùng chung"
    else:
        owner = f"do {_owner_name(session, procedure.agency_unit_id)} thực hiện và quản lý"
    raise PermissionDenied(
        f"TTHC {procedure.code} {owner}: tài khoản «{actor.username}» ({_label(actor)}) chỉ sửa được TTHC có cơ quan "
        f"thực hiện thuộc {reach}. Đề nghị cơ quan thực hiện hoặc Quản trị hệ thống sửa."
    )


def check_catalogue_change(session: Session, actor, clean: CleanProcedure, refs: Refs, current: Procedure | None) -> None:
    """The validated change stays within what `actor` may do: the procedure's owner before (`current`) and after
    (a new cơ quan thực hiện) both reached, and the shared lĩnh vực list neither extended nor renamed without the
    cell thu_tuc.linh_vuc. A unit administrator's new procedure without an owning unit becomes their unit's."""
    from cchc.auth import permissions

    if actor is None:
        return
    if current is not None:
        check_may_edit(session, actor, current)
    else:
        check_editor(actor)
    if current is None and clean.agency_unit is None and permissions.scope_of(actor.role, EDIT_ACTION) != "system":
        own = refs.unit_by_id(actor.unit_id)
        if own is not None:
            clean.agency_unit = own
            clean.values["agency_name"] = clean.values.get("agency_name") or own.name
    if current is None or clean.agency_unit is not None or "agency_unit_id" in clean.extra:
        new_owner = clean.agency_unit.id if clean.agency_unit is not None else None
        if (current is None or new_owner != current.agency_unit_id) and not permissions.allows(session, actor, EDIT_ACTION, new_owner):
            reach = permissions.scope_phrase(session, actor, EDIT_ACTION)
            if clean.agency_unit is not None:
                why = f"cơ quan thực hiện «{clean.agency_unit.name}» nằm ngoài phạm vi của tài khoản «{actor.username}» ({reach})"
            else:
                why = (f"cơ quan thực hiện phải là một đơn vị (ghi mã đơn vị) thuộc {reach}; TTHC không gắn với đơn vị nào "
                       "chỉ Quản trị hệ thống sửa")
            raise PermissionDenied(f"Không lưu được TTHC {clean.values['code']}: {why}.", field="agency")
    if clean.field_code and not permissions.allows(session, actor, FIELD_ACTION):
        existing = refs.fields.get(clean.field_code)
        if existing is None:
            raise PermissionDenied(
                f"Lĩnh vực mã «{clean.field_code}» chưa có trong danh mục: chỉ Quản trị hệ thống thêm lĩnh vực mới "
                "(danh mục lĩnh vực dùng chung cho mọi TTHC). Hãy chọn một lĩnh vực đã có.",
                field="field_code",
            )
        if clean.field_name and clean.field_name != existing.name:
            raise PermissionDenied(
                f"Lĩnh vực «{existing.code}» đang tên «{existing.name}»: chỉ Quản trị hệ thống đổi tên lĩnh vực "
                f"(dùng chung cho mọi TTHC), không đổi thành «{clean.field_name}» được.",
                field="field_name",
            )


# --------------------------------------------------------------------------------------------- parsing
_TRUE = {"1", "true", "co", "x", "yes", "y", "dung", "t"}
_FALSE = {"0", "false", "khong", "no", "n", "sai", "f", ""}


def parse_bool(value: Any, what: str, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower() if value is not None else ""
    key = text if text in _TRUE or text in _FALSE else vn.search_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValidationError(f"{what} không hợp lệ: «{value}» (dùng có/không, 1/0 hoặc true/false).", field=field)


def parse_decimal(value: Any, what: str, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(f"{what} phải là một số, không phải «{value}».", field=field)
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValidationError(f"Thiếu {what[:1].lower() + what[1:]}.", field=field)
    if isinstance(value, str):
        text = text.replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{what} phải là một số, không phải «{value}».", field=field) from None
    if not result.is_finite():
        raise ValidationError(f"{what} phải là một số, không phải «{value}».", field=field)
    return result


_CANONICAL_LEVELS = frozenset({"tinh", "huyen", "xa", "tinh,huyen", "tinh,xa", "huyen,xa", "tinh,huyen,xa"})


def parse_levels(value: Any) -> str:
    """['tinh','xa'] / 'tinh,xa' / 'Cấp tỉnh; Cấp xã' → 'tinh,xa' (canonical order)."""
    if isinstance(value, str) and value in _CANONICAL_LEVELS:
        return value
    parts = value if isinstance(value, (list, tuple)) else re.split(r"[,;/|+]| va ", vn.search_key(str(value or "")))
    found = []
    for part in parts:
        key = vn.search_key(str(part))
        if not key:
            continue
        key = re.sub(r"^cap\s+", "", key).replace(" ", "")
        if key not in LEVELS:
            raise ValidationError(
                f"Cấp thực hiện không hợp lệ: «{part}» (dùng tinh, huyen, xa hoặc «Cấp tỉnh; Cấp xã»).", field="levels"
            )
        found.append(key)
    if not found:
        raise ValidationError("Thiếu cấp thực hiện (tinh, huyen hoặc xa).", field="levels")
    return ",".join(level for level in LEVELS if level in found)


@lru_cache(maxsize=None)
def _enum_lookup(enum, labels: tuple[tuple[str, str], ...]) -> dict[str, str]:
    table = {}
    for member in enum:
        for alias in (member.value, member.value.replace("_", " "), dict(labels).get(member.value, "")):
            if alias:
                table[vn.search_key(alias)] = member.value
                table[alias] = member.value
    return table


def _enum_value(value: Any, enum, labels: dict[str, str], what: str, field: str, numbers: dict[str, str] | None = None) -> str:
    raw = value.value if hasattr(value, "value") else value
    if isinstance(raw, float) and raw == int(raw):
        raw = int(raw)
    text = str(raw if raw is not None else "").strip()
    if numbers and text in numbers:
        return numbers[text]
    table = _enum_lookup(enum, tuple(sorted(labels.items())))
    found = table.get(text) or table.get(vn.search_key(text))
    if found is not None:
        return found
    allowed = ", ".join(m.value for m in enum)
    raise ValidationError(f"{what} không hợp lệ: «{text}» (dùng một trong: {allowed}).", field=field)


def parse_time_unit(value: Any) -> str:
    labels = {u.value: u.label for u in TimeUnit}
    labels["ngay"] = "ngày lịch"
    try:
        return _enum_value(value, TimeUnit, labels, "Đơn vị thời hạn", "time_unit")
    except ValidationError:
        if vn.search_key(str(value)) in ("ngay", "ngay lich"):
            return TimeUnit.CALENDAR_DAYS.value
        raise


def parse_online_level(value: Any) -> str:
    """toan_trinh | mot_phan | khong, their labels, or DVCQG's old levels 4 → toàn trình, 3 → một phần, 1–2 → không."""
    labels = {o.value: o.label for o in OnlineLevel}
    numbers = {"4": "toan_trinh", "3": "mot_phan", "2": "khong", "1": "khong"}
    try:
        return _enum_value(value, OnlineLevel, labels, "Mức độ dịch vụ công trực tuyến", "online_level", numbers)
    except ValidationError:
        if vn.search_key(str(value)) in ("khong truc tuyen", "muc do 2", "muc do 1"):
            return OnlineLevel.NONE.value
        if vn.search_key(str(value)) == "muc do 4":
            return OnlineLevel.FULL.value
        if vn.search_key(str(value)) == "muc do 3":
            return OnlineLevel.PARTIAL.value
        raise


def parse_interconnection(value: Any) -> str:
    return _enum_value(value, Interconnection, INTERCONNECTION_LABELS, "Liên thông", "interconnection")


def parse_time_of_day(value: Any, what: str = "Giờ chốt", field: str = "cutoff_time") -> time | None:
    if value is None or value == "":
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    m = re.match(r"^(\d{1,2})[:hH](\d{2})?(?::\d{2})?$", str(value).strip())
    if m:
        hh, mm = int(m.group(1)), int(m.group(2) or 0)
        if hh < 24 and mm < 60:
            return time(hh, mm)
    raise ValidationError(f"{what} không hợp lệ: «{value}» (dùng dạng HH:MM, ví dụ 15:00).", field=field)


def check_code(code: Any) -> str:
    text = str(code if code is not None else "").strip()
    if not text:
        raise ValidationError("Thiếu mã TTHC.", field="code")
    if len(text) > 40 or not (_CODE_NUMERIC.match(text) or _CODE_LETTERED.match(text)):
        raise ValidationError(
            f"Mã TTHC không hợp lệ: «{text}» (dạng số.số như 1.001234, hoặc mã có chữ như BTP-BDI-277320; "
            "không có dấu cách).",
            field="code",
        )
    return text


def parse_steps_text(text: str) -> list[dict]:
    """'mot_cua:4:0; chuyen_vien:24:1; lanh_dao:8:1; mot_cua:4:0' (role:hours:can_return) → step mappings."""
    steps = []
    for i, chunk in enumerate([c.strip() for c in str(text or "").split(";") if c.strip()], start=1):
        bits = [b.strip() for b in chunk.split(":")]
        if len(bits) not in (2, 3):
            raise ValidationError(
                f"Bước {i} của quy trình không hợp lệ: «{chunk}» (dùng vai_trò:số_giờ:có_trả_lại, "
                "ví dụ chuyen_vien:24:1).",
                field="steps",
            )
        steps.append({"role": bits[0], "hours": bits[1], "can_return": bits[2] if len(bits) == 3 else "0"})
    return steps


def parse_fees_text(text: str) -> list[dict]:
    """'le_phi:8000:Lệ phí cấp bản sao; phi:2000:Phí thẩm định' → fee mappings."""
    fees = []
    for i, chunk in enumerate([c.strip() for c in str(text or "").split(";") if c.strip()], start=1):
        bits = chunk.split(":", 2)
        if len(bits) < 2:
            raise ValidationError(
                f"Khoản phí, lệ phí thứ {i} không hợp lệ: «{chunk}» (dùng loại:số_tiền:mô_tả, ví dụ le_phi:8000:Lệ phí).",
                field="fees",
            )
        fees.append({"kind": bits[0].strip(), "amount": bits[1].strip(), "description": bits[2].strip() if len(bits) > 2 else ""})
    return fees


def parse_components_text(text: str) -> list[dict]:
    """'Tờ khai|1; Giấy chứng sinh|1' (name|copies) → component mappings."""
    items = []
    for i, chunk in enumerate([c.strip() for c in str(text or "").split(";") if c.strip()], start=1):
        name, _, copies = chunk.partition("|")
        items.append({"name": name.strip(), "copies": copies.strip() or 1})
    return items


# --------------------------------------------------------------------------------------------- references
class Refs:
    """Fields and units looked up once per action (or once per import) instead of once per row."""

    def __init__(self, session: Session):
        self.session = session
        self.fields: dict[str, Field] = {f.code: f for f in session.scalars(select(Field))}
        self._units: dict[str, Any] = {}

    def unit(self, code: str):
        """The unit with this code valid today (else its latest version), or None."""
        if code not in self._units:
            from cchc.units.models import Unit

            today = clock.now().date()
            versions = list(self.session.scalars(select(Unit).where(Unit.code == code)))
            valid = [u for u in versions if u.valid_on(today)] or sorted(versions, key=lambda u: u.valid_from or date.min)
            self._units[code] = valid[-1] if valid else None
        return self._units[code]

    def unit_by_id(self, unit_id: int | None):
        from cchc.units.models import Unit

        return self.session.get(Unit, unit_id) if unit_id is not None else None

    def field(self, code: str, name: str) -> Field:
        found = self.fields.get(code)
        if found is None:
            found = Field(code=code, name=name)
            self.session.add(found)
            self.fields[code] = found
        elif name and found.name != name:
            found.name = name
        return found


# --------------------------------------------------------------------------------------------- validation
@dataclass
class CleanProcedure:
    """A validated procedure, ready to be written."""

    values: dict[str, Any]
    field_code: str | None = None
    field_name: str = ""
    agency_unit: Any = None
    fees: list[dict] | None = None
    components: list[dict] | None = None
    steps: list[dict] | None = None  # None: keep (update) or default process (create)
    extra: dict[str, Any] = dc_field(default_factory=dict)


def _as_mapping(data: Any) -> dict[str, Any]:
    if hasattr(data, "model_dump"):
        return data.model_dump(exclude_unset=True)
    return dict(data)


def _current_values(procedure: Procedure) -> dict[str, Any]:
    values = {name: getattr(procedure, name) for name in PROCEDURE_SCALARS}
    if procedure.field is not None:
        values["field_code"] = procedure.field.code
        values["field_name"] = procedure.field.name
    return values


def validate_procedure(data: Mapping[str, Any] | Any, refs: Refs, current: Procedure | None = None) -> CleanProcedure:
    """Check and normalise a procedure (whole, or the changed part of `current`) without writing anything."""
    given = _as_mapping(data)
    merged = _current_values(current) if current is not None else {}
    merged.update({k: v for k, v in given.items() if v is not None or k in ("cutoff_time", "published_on")})
    out: dict[str, Any] = {}

    out["code"] = check_code(merged.get("code"))
    name = str(merged.get("name") or "").strip()
    if not name:
        raise ValidationError(f"Thiếu tên của TTHC {out['code']}.", field="name")
    if len(name) > 500:
        raise ValidationError("Tên TTHC dài quá 500 ký tự.", field="name")
    out["name"] = name
    out["name_key"] = vn.search_key(name)
    out["levels"] = parse_levels(merged.get("levels", "tinh"))

    unit_text = merged.get("time_unit")
    if unit_text in (None, ""):
        raise ValidationError("Thiếu đơn vị thời hạn (ngay_lam_viec, gio_lam_viec hoặc ngay).", field="time_unit")
    out["time_unit"] = parse_time_unit(unit_text)
    amount = parse_decimal(merged.get("time_amount"), "Thời hạn giải quyết", "time_amount")
    if amount < 0 or (amount == 0 and out["time_unit"] != TimeUnit.WORKING_DAYS):
        raise ValidationError(
            f"Thời hạn giải quyết phải lớn hơn 0 (đang là {_fmt_amount(amount)} {TimeUnit(out['time_unit']).label}); "
            "chỉ TTHC giải quyết «trong ngày» mới ghi 0 ngày làm việc.",
            field="time_amount",
        )
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1000000"):
        raise ValidationError(f"Thời hạn giải quyết không hợp lệ: «{merged.get('time_amount')}».", field="time_amount")
    out["time_amount"] = amount
    out["cutoff_time"] = parse_time_of_day(merged.get("cutoff_time"))
    out["online_level"] = parse_online_level(merged.get("online_level", "khong"))
    eligible = parse_bool(merged.get("eligible_full_online", False), "Đủ điều kiện toàn trình", "eligible_full_online")
    out["eligible_full_online"] = eligible or out["online_level"] == OnlineLevel.FULL
    out["paper_result"] = parse_bool(merged.get("paper_result", True), "Có kết quả giấy", "paper_result")
    out["interconnection"] = parse_interconnection(merged.get("interconnection", "khong"))
    subject = vn.search_key(str(merged.get("subject") or "ca_nhan")).replace(" ", "_")
    if subject not in SUBJECTS:
        raise ValidationError(f"Đối tượng thực hiện không hợp lệ: «{merged.get('subject')}» (ca_nhan, to_chuc, ca_hai).", field="subject")
    out["subject"] = subject
    for text_field in ("where_to_submit", "requirements", "legal_basis", "result_name"):
        out[text_field] = str(merged.get(text_field) or "").strip()
    out["published_on"] = (
        vn.parse_date(merged["published_on"], what="ngày công khai") if merged.get("published_on") not in (None, "") else None
    )

    clean = CleanProcedure(values=out)

    # lĩnh vực
    field_code = str(merged.get("field_code") or "").strip()
    field_name = str(merged.get("field_name") or "").strip()
    if field_code:
        if len(field_code) > 40:
            raise ValidationError(f"Mã lĩnh vực dài quá 40 ký tự: «{field_code}».", field="field_code")
        if field_code not in refs.fields and not field_name:
            raise ValidationError(f"Lĩnh vực mã «{field_code}» chưa có trong danh mục: cần ghi tên lĩnh vực.", field="field_name")
        clean.field_code, clean.field_name = field_code, field_name
    elif field_name:
        raise ValidationError(f"Có tên lĩnh vực «{field_name}» nhưng thiếu mã lĩnh vực.", field="field_code")

    # cơ quan thực hiện: a unit code or a name
    if "agency" in given or "agency_code" in given:
        agency = str(given.get("agency_code") or given.get("agency") or "").strip()
        out["agency_name"] = ""
        clean.extra["agency_unit_id"] = None
        if agency:
            unit = refs.unit(agency) if _UNIT_CODE.match(agency) else None
            if unit is not None:
                clean.agency_unit = unit
                out["agency_name"] = unit.name
            elif _UNIT_CODE.match(agency) and " " not in agency:
                raise ValidationError(f"Không tìm thấy đơn vị có mã «{agency}» (cơ quan thực hiện).", field="agency")
            else:
                out["agency_name"] = agency[:255]
    else:
        out["agency_name"] = str(merged.get("agency_name") or "").strip()[:255]

    # phí, lệ phí
    has_fee_given = merged.get("has_fee")
    if "fees" in given and given["fees"] is not None:
        clean.fees = _clean_fees(given["fees"])
    fees_now = clean.fees if clean.fees is not None else (
        [{"amount": f.amount} for f in current.fees] if current is not None else []
    )
    if has_fee_given in (None, ""):
        out["has_fee"] = any(Decimal(str(f["amount"])) > 0 for f in fees_now)
    else:
        out["has_fee"] = parse_bool(has_fee_given, "Có phí, lệ phí", "has_fee")
    if not out["has_fee"] and any(Decimal(str(f["amount"])) > 0 for f in fees_now):
        raise ValidationError("Ghi là không có phí, lệ phí nhưng lại có khoản thu lớn hơn 0.", field="has_fee")
    out["fee_online_integrated"] = parse_bool(
        merged.get("fee_online_integrated", False), "Tích hợp thanh toán trực tuyến", "fee_online_integrated"
    )
    if out["fee_online_integrated"] and not out["has_fee"]:
        raise ValidationError("TTHC không có phí, lệ phí thì không thể tích hợp thanh toán trực tuyến.", field="fee_online_integrated")

    if "components" in given and given["components"] is not None:
        clean.components = _clean_components(given["components"])

    # quy trình nội bộ
    if "steps" in given and given["steps"] is not None:
        raw_steps = given["steps"]
        if isinstance(raw_steps, str):
            raw_steps = parse_steps_text(raw_steps)
        clean.steps = validate_steps(raw_steps, out["time_amount"], out["time_unit"], refs)
    elif current is not None and current.steps and _is_default_process(current) and (
        Decimal(current.time_amount) != out["time_amount"] or current.time_unit != out["time_unit"]
    ):
        # the process was the default one: it follows the new time limit
        clean.steps = default_step_specs(out["time_amount"], out["time_unit"])
    elif current is not None and current.steps:
        kept = [
            {"seq": s.seq, "role": s.role, "duration_amount": s.duration_amount, "duration_unit": s.duration_unit,
             "can_return": s.can_return, "name": s.name}
            for s in current.steps
        ]
        used, limit = _total_step_hours(kept), hours_of(out["time_amount"], out["time_unit"])
        if used > limit:
            raise ValidationError(
                f"Thời hạn mới ({time_limit_label(out['time_amount'], out['time_unit'])} = {vn.fmt_decimal(limit)} giờ "
                f"làm việc) ngắn hơn tổng thời gian các bước của quy trình hiện có ({vn.fmt_decimal(used)} giờ): "
                "cần khai báo lại quy trình.",
                field="steps",
            )
    return clean


def _is_default_process(procedure: Procedure) -> bool:
    """The procedure's steps are exactly the default process of its (current) time limit."""
    try:
        default = default_step_specs(procedure.time_amount, procedure.time_unit)
    except ValidationError:
        return False
    have = sorted(procedure.steps, key=lambda s: s.seq)
    return len(have) == len(default) and all(
        (s.role, Decimal(s.duration_amount), s.duration_unit, s.can_return, s.name, s.unit_id)
        == (d["role"], d["duration_amount"], d["duration_unit"], d["can_return"], d["name"], None)
        for s, d in zip(have, default)
    )


def _clean_fees(items: Iterable[Any]) -> list[dict]:
    fees = []
    for i, item in enumerate(items, start=1):
        item = _as_mapping(item)
        kind = vn.search_key(str(item.get("kind") or "le_phi")).replace(" ", "_")
        if kind not in FEE_KINDS:
            raise ValidationError(f"Khoản thu thứ {i}: loại «{item.get('kind')}» không hợp lệ (phi hoặc le_phi).", field="fees")
        raw_amount = item.get("amount", 0)
        if isinstance(raw_amount, str):
            raw_amount = raw_amount.replace(".", "").replace(" ", "") or "0"
        amount = parse_decimal(raw_amount, f"Số tiền của khoản thu thứ {i}", "fees")
        if amount < 0 or amount != amount.to_integral_value():
            raise ValidationError(f"Khoản thu thứ {i}: số tiền phải là số đồng nguyên, không âm (đang là «{item.get('amount')}»).", field="fees")
        description = str(item.get("description") or "").strip()[:500]
        fees.append({"kind": kind, "amount": amount, "description": description or FEE_KINDS[kind]})
    return fees


def _clean_components(items: Iterable[Any]) -> list[dict]:
    result = []
    for i, item in enumerate(items, start=1):
        item = _as_mapping(item)
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationError(f"Thành phần hồ sơ thứ {i} thiếu tên.", field="components")
        copies = parse_decimal(item.get("copies", 1) or 1, f"Số bản của thành phần hồ sơ thứ {i}", "components")
        if copies < 1 or copies != copies.to_integral_value():
            raise ValidationError(f"Thành phần hồ sơ thứ {i} («{name}»): số bản phải là số nguyên từ 1 (đang là «{item.get('copies')}»).", field="components")
        required = parse_bool(item.get("required", True), f"Thành phần hồ sơ thứ {i}: bắt buộc", "components")
        result.append({"seq": i, "name": name[:500], "copies": int(copies), "required": required})
    return result


def _total_step_hours(steps: Sequence[Mapping[str, Any]]) -> Decimal:
    return sum((hours_of(s["duration_amount"], s["duration_unit"]) for s in steps), Decimal(0))


def _default_step_name(role: str, position: int, count: int) -> str:
    if role == StepRole.RECEIVING:
        if position == 1:
            return "Bộ phận Một cửa tiếp nhận hồ sơ"
        if position == count:
            return "Bộ phận Một cửa trả kết quả"
        return "Bộ phận Một cửa chuyển hồ sơ"
    return {
        StepRole.SPECIALIST: "Chuyên viên thẩm định hồ sơ",
        StepRole.LEADER: "Lãnh đạo phê duyệt",
        StepRole.CLERK: "Văn thư phát hành văn bản",
    }[StepRole(role)]


def validate_steps(steps: Sequence[Any], time_amount: Decimal, time_unit: str, refs: Refs | None = None) -> list[dict]:
    """Check an internal process against the procedure's time limit (1 working day = 8 working hours).

    Steps are numbered 1..n (given numbers must be exactly that), start with Bộ phận Một cửa receiving and end
    with Bộ phận Một cửa returning the result; neither of those two may send a dossier back (there is nothing
    before the first step, and the last only hands over a decided result).
    """
    items = [_as_mapping(s) if not isinstance(s, ProcessStep) else {
        "seq": s.seq, "role": s.role, "name": s.name, "duration_amount": s.duration_amount,
        "duration_unit": s.duration_unit, "can_return": s.can_return, "unit_id": s.unit_id,
    } for s in steps]
    if len(items) < 2:
        raise ValidationError(
            "Quy trình nội bộ cần ít nhất 2 bước: Bộ phận Một cửa tiếp nhận và Bộ phận Một cửa trả kết quả.", field="steps"
        )
    given_seqs = [it.get("seq") for it in items]
    if any(s not in (None, "") for s in given_seqs):
        try:
            seqs = [int(s) for s in given_seqs]
        except (TypeError, ValueError):
            raise ValidationError("Số thứ tự các bước phải là số nguyên 1, 2, … n.", field="steps") from None
        if sorted(seqs) != list(range(1, len(items) + 1)):
            raise ValidationError(
                f"Số thứ tự các bước phải liên tục từ 1 đến {len(items)} (đang là {', '.join(map(str, seqs))}).", field="steps"
            )
        items = [it for _, it in sorted(zip(seqs, items), key=lambda p: p[0])]
    count = len(items)
    clean = []
    for i, item in enumerate(items, start=1):
        role_raw = item.get("role")
        try:
            role = StepRole(vn.search_key(str(role_raw or "")).replace(" ", "_")).value
        except ValueError:
            allowed = ", ".join(r.value for r in StepRole)
            raise ValidationError(f"Bước {i}: vai trò «{role_raw}» không hợp lệ (dùng một trong: {allowed}).", field="steps") from None
        if "hours" in item and item.get("hours") not in (None, ""):
            amount, unit = parse_decimal(item["hours"], f"Thời gian của bước {i}", "steps"), TimeUnit.WORKING_HOURS.value
        else:
            amount = parse_decimal(item.get("duration_amount"), f"Thời gian của bước {i}", "steps")
            unit_raw = item.get("duration_unit") or TimeUnit.WORKING_HOURS.value
            try:
                unit = parse_time_unit(unit_raw)
            except ValidationError:
                unit = ""
            if unit not in (TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS):
                raise ValidationError(f"Bước {i}: đơn vị thời gian «{unit_raw}» không hợp lệ (gio_lam_viec hoặc ngay_lam_viec).", field="steps")
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(f"Bước {i}: thời gian phải lớn hơn 0, tối đa 2 chữ số thập phân (đang là «{amount}»).", field="steps")
        can_return = parse_bool(item.get("can_return", False), f"Bước {i}: được trả lại", "steps")
        if i == 1 and role != StepRole.RECEIVING:
            raise ValidationError(
                f"Bước 1 phải là Bộ phận Một cửa tiếp nhận hồ sơ (mot_cua), không phải «{StepRole(role).label}».", field="steps"
            )
        if i == count and role != StepRole.RECEIVING:
            raise ValidationError(
                f"Bước cuối (bước {i}) phải là Bộ phận Một cửa trả kết quả (mot_cua), không phải «{StepRole(role).label}».",
                field="steps",
            )
        if can_return and i == 1:
            raise ValidationError("Bước 1 (tiếp nhận) không thể trả hồ sơ về bước trước: không có bước nào trước nó.", field="steps")
        if can_return and i == count:
            raise ValidationError(
                f"Bước cuối (bước {i}, trả kết quả) không thể trả hồ sơ về bước trước: kết quả đã được quyết định.", field="steps"
            )
        unit_id = item.get("unit_id")
        unit_code = str(item.get("unit_code") or "").strip()
        if unit_code:
            unit = refs.unit(unit_code) if refs is not None else None
            if unit is None:
                raise ValidationError(f"Bước {i}: không tìm thấy đơn vị có mã «{unit_code}».", field="steps")
            unit_id = unit
        name = str(item.get("name") or "").strip() or _default_step_name(role, i, count)
        clean.append({
            "seq": i, "role": role, "name": name[:255], "duration_amount": amount, "duration_unit": unit,
            "can_return": can_return, "unit": unit_id,
        })
    used, limit = _total_step_hours(clean), hours_of(time_amount, time_unit)
    if used > limit:
        raise ValidationError(
            f"Tổng thời gian các bước ({vn.fmt_decimal(used)} giờ làm việc) vượt thời hạn giải quyết "
            f"{time_limit_label(time_amount, time_unit)} (= {vn.fmt_decimal(limit)} giờ làm việc, "
            f"1 ngày làm việc = {vn.fmt_decimal(process_template().hours_per_working_day, 0)} giờ).",
            field="steps",
        )
    return clean


# --------------------------------------------------------------------------------------------- default process
def _round(x: Decimal, quantum: Decimal) -> Decimal:
    return (x / quantum).to_integral_value(rounding=ROUND_HALF_UP) * quantum


def default_step_specs(time_amount: Decimal | int | float, time_unit: str) -> list[dict]:
    """The standard process split over the time limit (data/default_process.yaml): receiving 4 h (at most 1/8
    of it), 70% and 20% of the rest to the specialist and the leader, rounded to whole hours (quarter hours for
    short limits), the remainder to returning the result. Durations in working hours, summing exactly to the
    time limit."""
    tpl = process_template()
    total = hours_of(time_amount, time_unit)
    if total <= 0:
        raise ValidationError("Thời hạn giải quyết phải lớn hơn 0 để lập quy trình nội bộ.", field="time_amount")
    quantum = tpl.quantum(total)
    if total < quantum * len(tpl.steps):
        raise ValidationError(
            f"Thời hạn giải quyết {time_limit_label(time_amount, time_unit)} quá ngắn để chia cho "
            f"{len(tpl.steps)} bước của quy trình nội bộ mặc định.",
            field="time_amount",
        )
    hours: list[Decimal | None] = [None] * len(tpl.steps)
    for i, spec in enumerate(tpl.steps):
        if "hours" in spec:
            cap = total * Decimal(str(spec.get("max_share", 1)))
            hours[i] = max(quantum, _round(min(Decimal(str(spec["hours"])), cap), quantum))
    rest = total - sum(h for h in hours if h is not None)
    for i, spec in enumerate(tpl.steps):
        if "share" in spec:
            hours[i] = max(quantum, _round(rest * Decimal(str(spec["share"])), quantum))
    remainder = total - sum(h for h in hours if h is not None)
    last = next(i for i, spec in enumerate(tpl.steps) if spec.get("rest"))
    hours[last] = remainder
    while hours[last] <= 0:  # a very short limit: take back from the longest step
        longest = max((i for i in range(len(hours)) if i != last), key=lambda i: hours[i])
        hours[longest] -= quantum
        hours[last] += quantum
    count = len(tpl.steps)
    return [
        {"seq": i + 1, "role": spec["role"], "name": spec.get("name") or _default_step_name(spec["role"], i + 1, count),
         "duration_amount": hours[i], "duration_unit": TimeUnit.WORKING_HOURS.value, "can_return": bool(spec.get("can_return")),
         "unit": None}
        for i, spec in enumerate(tpl.steps)
    ]


def _make_step(spec: Mapping[str, Any]) -> ProcessStep:
    unit = spec.get("unit")
    step = ProcessStep(
        seq=spec["seq"], role=spec["role"], name=spec["name"], duration_amount=spec["duration_amount"],
        duration_unit=spec["duration_unit"], can_return=spec["can_return"],
    )
    if unit is not None:
        if isinstance(unit, int):
            step.unit_id = unit
        else:
            step.unit_id = unit.id
    return step


def default_process(procedure: Procedure) -> list[ProcessStep]:
    """The standard internal process (Một cửa tiếp nhận → Chuyên viên thẩm định → Lãnh đạo phê duyệt → Một cửa
    trả kết quả) for the procedure's time limit: new, unattached ProcessStep objects."""
    return [_make_step(s) for s in default_step_specs(procedure.time_amount, procedure.time_unit)]


# --------------------------------------------------------------------------------------------- writing
def apply_clean(session: Session, procedure: Procedure, clean: CleanProcedure, refs: Refs) -> Procedure:
    """Write validated values into `procedure` (new or loaded); children replaced only when given."""
    for key, value in clean.values.items():
        setattr(procedure, key, value)
    if clean.field_code:
        procedure.field = refs.field(clean.field_code, clean.field_name)
    if clean.agency_unit is not None:
        procedure.agency_unit_id = clean.agency_unit.id
    elif "agency_unit_id" in clean.extra:
        procedure.agency_unit_id = None
    if clean.fees is not None:
        procedure.fees = [FeeLine(kind=f["kind"], amount=f["amount"], description=f["description"]) for f in clean.fees]
    if clean.components is not None:
        sync_components(procedure, clean.components)
    if clean.steps is not None:
        _replace_steps(session, procedure, [_make_step(s) for s in clean.steps])
    elif not procedure.steps:
        procedure.steps = [_make_step(s) for s in default_step_specs(procedure.time_amount, procedure.time_unit)]
    return procedure


def sync_components(procedure: Procedure, items: Sequence[Mapping[str, Any]]) -> None:
    """Update the components in place, position by position (dossiers point at their rows), add the new ones
    and drop the surplus (check_components_removable first)."""
    current = sorted(procedure.components, key=lambda c: c.seq)
    for comp, item in zip(current, items):
        comp.seq, comp.name, comp.copies, comp.required = item["seq"], item["name"], item["copies"], item["required"]
    for item in items[len(current):]:
        procedure.components.append(Component(seq=item["seq"], name=item["name"], copies=item["copies"], required=item["required"]))
    for comp in current[len(items):]:
        procedure.components.remove(comp)


def components_in_use(session: Session, component_ids: Sequence[int]) -> dict[int, int]:
    """component id → number of dossiers' components pointing at it (one GROUP BY per 500 ids)."""
    from cchc.dossiers.models import DossierComponent

    used: dict[int, int] = {}
    ids = sorted(set(component_ids))
    for start in range(0, len(ids), 500):
        used.update(
            session.execute(
                select(DossierComponent.component_id, func.count())
                .where(DossierComponent.component_id.in_(ids[start : start + 500]))
                .group_by(DossierComponent.component_id)
            ).all()
        )
    return used


def check_components_removable(session: Session, procedure: Procedure, new_count: int) -> None:
    """Refuse to drop a component that received dossiers refer to."""
    surplus = sorted((c for c in procedure.components if c.id is not None), key=lambda c: c.seq)[new_count:]
    if not surplus:
        return
    used = components_in_use(session, [c.id for c in surplus])
    for comp in surplus:
        if used.get(comp.id):
            raise ValidationError(
                f"Không thể bỏ thành phần hồ sơ «{comp.name}» (thứ {comp.seq}) của TTHC {procedure.code}: đã có "
                f"{vn.fmt_int(used[comp.id])} hồ sơ tiếp nhận thành phần này; hãy giữ nó trong danh sách.",
                field="components",
            )


def _replace_steps(session: Session, procedure: Procedure, steps: list[ProcessStep]) -> None:
    if procedure.id is not None and procedure.steps:
        procedure.steps.clear()
        session.flush()  # old rows go before new ones take their sequence numbers
    procedure.steps = steps


def create_procedure(session: Session, actor, data: Mapping[str, Any] | Any) -> Procedure:
    """Add a procedure to the catalogue; without steps it gets the default internal process."""
    check_editor(actor)
    refs = Refs(session)
    clean = validate_procedure(data, refs)
    check_catalogue_change(session, actor, clean, refs, None)
    existing = session.scalar(select(Procedure.id).where(Procedure.code == clean.values["code"]))
    if existing is not None:
        raise ValidationError(f"Mã TTHC «{clean.values['code']}» đã có trong danh mục.", field="code")
    procedure = apply_clean(session, Procedure(), clean, refs)
    session.add(procedure)
    session.flush()
    return procedure


def update_procedure(session: Session, actor, procedure: Procedure | str, data: Mapping[str, Any] | Any) -> Procedure:
    """Change some fields of a procedure (the others keep their values); the whole result is validated."""
    check_editor(actor)
    if isinstance(procedure, str):
        procedure = get_procedure(session, procedure)
    check_may_edit(session, actor, procedure)
    refs = Refs(session)
    clean = validate_procedure(data, refs, current=procedure)
    check_catalogue_change(session, actor, clean, refs, procedure)
    if clean.components is not None:
        check_components_removable(session, procedure, len(clean.components))
    if clean.values["code"] != procedure.code:
        other = session.scalar(select(Procedure.id).where(Procedure.code == clean.values["code"]))
        if other is not None:
            raise ValidationError(f"Mã TTHC «{clean.values['code']}» đã có trong danh mục.", field="code")
    apply_clean(session, procedure, clean, refs)
    session.flush()
    return procedure


def save_procedure(session: Session, actor, data: Mapping[str, Any] | Any) -> tuple[Procedure, bool]:
    """Create the procedure, or update it if its code exists: (procedure, created)."""
    code = check_code(_as_mapping(data).get("code"))
    existing = session.scalar(select(Procedure).where(Procedure.code == code))
    if existing is None:
        return create_procedure(session, actor, data), True
    return update_procedure(session, actor, existing, data), False


def set_steps(session: Session, actor, procedure: Procedure | str, steps: Sequence[Any] | str) -> list[ProcessStep]:
    """Replace the internal process: mappings (role, hours or duration_amount+duration_unit, can_return, name,
    unit_code, seq), ProcessStep objects, or the text form 'mot_cua:4:0;chuyen_vien:24:1;…'."""
    check_editor(actor)
    if isinstance(procedure, str):
        procedure = get_procedure(session, procedure)
    check_may_edit(session, actor, procedure)
    if isinstance(steps, str):
        steps = parse_steps_text(steps)
    clean = validate_steps(steps, procedure.time_amount, procedure.time_unit, Refs(session))
    _replace_steps(session, procedure, [_make_step(s) for s in clean])
    session.flush()
    return list(procedure.steps)


def ensure_field(session: Session, actor, code: str, name: str) -> Field:
    """Create (or rename) a lĩnh vực: the shared list, Quản trị hệ thống's (cell thu_tuc.linh_vuc)."""
    from cchc.auth import permissions

    check_editor(actor)
    if actor is not None and not permissions.allows(session, actor, FIELD_ACTION):
        raise PermissionDenied(
            f"Tài khoản «{actor.username}» ({_label(actor)}) không được thêm hoặc đổi tên lĩnh vực: danh mục lĩnh vực "
            "dùng chung cho mọi TTHC, chỉ Quản trị hệ thống sửa.",
            field="field_code",
        )
    code, name = str(code or "").strip(), str(name or "").strip()
    if not code or not name:
        raise ValidationError("Lĩnh vực cần có cả mã và tên.", field="field_code")
    found = Refs(session).field(code, name)
    session.flush()
    return found


# --------------------------------------------------------------------------------------------- publications
def add_publication(
    session: Session,
    actor,
    procedure: Procedure | str,
    decision_no: str,
    decision_date: date | str,
    kind: str,
    effective_date: date | str | None = None,
    *,
    legal_effective_date: date | str | None = None,
    published_on: date | str | None = None,
    replaced_by: Procedure | str | None = None,
    note: str = "",
    today: date | None = None,
) -> Publication:
    """Record a quyết định công bố. `bai_bo` (bãi bỏ) and `thay_the` (thay thế, with `replaced_by` = the
    procedure or code replacing this one) take the procedure out of force from `effective_date` (default:
    the decision date): active becomes False once that day has come (see `refresh_active`)."""
    check_editor(actor)
    if isinstance(procedure, str):
        procedure = get_procedure(session, procedure)
    check_may_edit(session, actor, procedure)
    clean = validate_publication(
        {"decision_no": decision_no, "decision_date": decision_date, "kind": kind, "effective_date": effective_date,
         "legal_effective_date": legal_effective_date, "published_on": published_on, "replaced_by": replaced_by,
         "note": note},
        own_code=procedure.code,
    )
    return apply_publication(session, procedure, clean, today=today)


def validate_publication(data: Mapping[str, Any], own_code: str) -> dict[str, Any]:
    data = _as_mapping(data)
    decision_no = str(data.get("decision_no") or "").strip()
    if not decision_no:
        raise ValidationError("Thiếu số quyết định công bố.", field="publications.decision_no")
    if len(decision_no) > 120:
        raise ValidationError("Số quyết định công bố dài quá 120 ký tự.", field="publications.decision_no")
    kind_raw = data.get("kind")
    try:
        kind = PublicationKind(vn.search_key(str(getattr(kind_raw, "value", kind_raw) or "")).replace(" ", "_")).value
    except ValueError:
        labels = {vn.search_key(k.label): k.value for k in PublicationKind}
        kind = labels.get(vn.search_key(str(kind_raw or "")))
        if kind is None:
            raise ValidationError(
                f"Loại công bố «{kind_raw}» không hợp lệ (moi, sua_doi, thay_the hoặc bai_bo).", field="publications.kind"
            ) from None
    def opt(key: str, what: str) -> date | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        try:
            return vn.parse_date(value, what=what)
        except ValidationError as exc:
            raise ValidationError(exc.message, field=f"publications.{key}") from None

    decision_date = opt("decision_date", "ngày ban hành quyết định công bố")
    if decision_date is None:
        raise ValidationError("Thiếu ngày ban hành quyết định công bố.", field="publications.decision_date")

    effective = opt("effective_date", "ngày hiệu lực")
    if effective is not None and effective < decision_date:
        raise ValidationError(
            f"Ngày hiệu lực {vn.fmt_date(effective)} trước ngày ban hành quyết định {vn.fmt_date(decision_date)}.",
            field="publications.effective_date",
        )
    replaced_by = data.get("replaced_by") or data.get("replaced_by_code")
    replaced_code = replaced_by.code if isinstance(replaced_by, Procedure) else str(replaced_by or "").strip()
    if kind == PublicationKind.REPLACED:
        if not replaced_code:
            raise ValidationError("Công bố thay thế cần mã TTHC thay thế (TTHC mới thay cho TTHC này).", field="publications.replaced_by_code")
        try:
            check_code(replaced_code)
        except ValidationError as exc:
            raise ValidationError(exc.message, field="publications.replaced_by_code") from None
        if replaced_code == own_code:
            raise ValidationError(f"TTHC {own_code} không thể tự thay thế chính nó.", field="publications.replaced_by_code")
    elif replaced_code:
        raise ValidationError("Chỉ công bố loại thay thế mới ghi TTHC thay thế.", field="publications.replaced_by_code")
    return {
        "decision_no": decision_no, "decision_date": decision_date, "kind": kind, "effective_date": effective,
        "legal_effective_date": opt("legal_effective_date", "ngày hiệu lực của văn bản quy phạm"),
        "published_on": opt("published_on", "ngày công khai"),
        "replaced_by": replaced_by if isinstance(replaced_by, Procedure) else None,
        "replaced_by_code": replaced_code, "note": str(data.get("note") or "").strip()[:500],
    }


def apply_publication(
    session: Session, procedure: Procedure, clean: dict[str, Any], today: date | None = None, flush: bool = True
) -> Publication:
    """Write a publication checked by validate_publication (no permission check: callers check)."""
    replacing = clean["replaced_by"]
    if replacing is None and clean["replaced_by_code"]:
        replacing = session.scalar(select(Procedure).where(Procedure.code == clean["replaced_by_code"]))
    publication = Publication(
        decision_no=clean["decision_no"], decision_date=clean["decision_date"], kind=clean["kind"],
        effective_date=clean["effective_date"], legal_effective_date=clean["legal_effective_date"],
        published_on=clean["published_on"], replaced_by_code=clean["replaced_by_code"], note=clean["note"],
    )
    if replacing is not None:
        publication.replaced_by = replacing
    procedure.publications.append(publication)
    effect = publication_effect(clean, procedure.inactive_from, today)
    if effect is not None:
        procedure.inactive_from, procedure.active = effect["inactive_from"], effect["active"]
        procedure.replaced_by = replacing if effect["replaced"] else None
    if flush:
        session.flush()
    return publication


def publication_effect(clean: Mapping[str, Any], inactive_from: date | None, today: date | None = None) -> dict | None:
    """What a publication does to its procedure: bãi bỏ / thay thế take it out of force from the effective date
    (default: the decision date); a new or amending decision from that day on brings it back. None: no change."""
    start = clean["effective_date"] or clean["decision_date"]
    if clean["kind"] in (PublicationKind.ABOLISHED, PublicationKind.REPLACED):
        return {"inactive_from": start, "active": start > (today or clock.now().date()),
                "replaced": clean["kind"] == PublicationKind.REPLACED}
    if inactive_from is not None and start >= inactive_from:
        return {"inactive_from": None, "active": True, "replaced": False}
    return None


def refresh_active(session: Session, today: date | None = None) -> int:
    """Set active=False on procedures whose abolition/replacement has taken effect (one UPDATE); returns the count."""
    from sqlalchemy import update

    day = today or clock.now().date()
    result = session.execute(
        update(Procedure)
        .where(Procedure.active.is_(True), Procedure.inactive_from.is_not(None), Procedure.inactive_from <= day)
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --------------------------------------------------------------------------------------------- reading
def get_procedure(session: Session, code: str) -> Procedure:
    """The procedure with this MaTTHC, with its fees, components, steps and publications loaded."""
    procedure = session.scalar(
        select(Procedure)
        .where(Procedure.code == str(code).strip())
        .options(
            selectinload(Procedure.fees), selectinload(Procedure.components), selectinload(Procedure.steps),
            selectinload(Procedure.publications), selectinload(Procedure.field),
        )
    )
    if procedure is None:
        raise NotFound(f"Không tìm thấy TTHC có mã «{code}» trong danh mục.")
    return procedure


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_procedures(
    session: Session,
    q: str | None = None,
    field_code: str | None = None,
    level: str | None = None,
    online_level: str | None = None,
    active: bool | None = True,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
) -> tuple[list[Procedure], int]:
    """Procedures matching every word of `q` (accent- and case-insensitive, on the name or the code), in SQL.

    `active=True`: in force today; False: abolished/replaced; None: all. Returns (page, total count)."""
    conditions = []
    for word in vn.search_key(q).split():
        pattern = f"%{_like_escape(word)}%"
        conditions.append(or_(Procedure.name_key.like(pattern, escape="\\"), func.lower(Procedure.code).like(pattern, escape="\\")))
    if field_code:
        conditions.append(Procedure.field_id.in_(select(Field.id).where(Field.code == field_code)))
    if level:
        lvl = parse_levels(level)
        for one in lvl.split(","):
            conditions.append(("," + Procedure.levels + ",").like(f"%,{one},%"))
    if online_level:
        conditions.append(Procedure.online_level == parse_online_level(online_level))
    day = today or clock.now().date()
    in_force = and_(Procedure.active.is_(True), or_(Procedure.inactive_from.is_(None), Procedure.inactive_from > day))
    if active is True:
        conditions.append(in_force)
    elif active is False:
        conditions.append(~in_force)
    total = session.scalar(select(func.count()).select_from(Procedure).where(*conditions)) or 0
    items = list(
        session.scalars(
            select(Procedure)
            .where(*conditions)
            .options(selectinload(Procedure.field))
            .order_by(Procedure.code)
            .limit(max(0, int(limit)))
            .offset(max(0, int(offset)))
        )
    )
    return items, int(total)


def list_fields(session: Session) -> list[tuple[Field, int]]:
    """Every lĩnh vực with the number of procedures in force in it (one GROUP BY)."""
    counts = dict(
        session.execute(
            select(Procedure.field_id, func.count()).where(Procedure.active.is_(True)).group_by(Procedure.field_id)
        ).all()
    )
    fields = session.scalars(select(Field).order_by(Field.name)).all()
    return [(f, int(counts.get(f.id, 0))) for f in fields]
