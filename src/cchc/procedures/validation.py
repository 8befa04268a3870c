"""Checking a procedure, its internal process and its publications as a whole, without writing anything.

The input is a mapping (or a Pydantic `ProcedureIn`) with the model's column names plus `field_code`/`field_name`
(lĩnh vực, created on first use), `agency` (a unit code or the agency's name), `levels` (list or "tinh,xa" /
"Cấp tỉnh; Cấp xã"), `fees`, `components`, `steps` (lists of mappings); a refusal is a Vietnamese
ValidationError naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field as dc_field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.errors import ValidationError
from cchc.procedures.enums import FEE_KINDS, SUBJECTS, OnlineLevel, PublicationKind, StepRole, TimeUnit
from cchc.procedures.models import Field, ProcessStep, Procedure
from cchc.procedures.parsing import (
    as_mapping,
    check_code,
    parse_bool,
    parse_decimal,
    parse_interconnection,
    parse_levels,
    parse_online_level,
    parse_steps_text,
    parse_time_of_day,
    parse_time_unit,
)
from cchc.procedures.process import (
    default_step_name,
    default_step_specs,
    fmt_amount,
    hours_of,
    process_template,
    time_limit_label,
    total_step_hours,
)
from cchc.units.models import Unit

_UNIT_CODE = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+$")

PROCEDURE_SCALARS = (
    "code", "name", "levels", "agency_name", "time_amount", "time_unit", "cutoff_time", "online_level",
    "eligible_full_online", "paper_result", "interconnection", "has_fee", "fee_online_integrated", "subject",
    "where_to_submit", "requirements", "legal_basis", "result_name", "published_on",
)


class Refs:
    """Fields and units looked up once per action (or once per import) instead of once per row."""

    def __init__(self, session: Session):
        self.session = session
        self.fields: dict[str, Field] = {f.code: f for f in session.scalars(select(Field))}
        self._units: dict[str, Any] = {}

    def unit(self, code: str):
        """The unit with this code valid today (else its latest version), or None."""
        if code not in self._units:
            today = clock.now().date()
            versions = list(self.session.scalars(select(Unit).where(Unit.code == code)))
            valid = [u for u in versions if u.valid_on(today)] or sorted(versions, key=lambda u: u.valid_from or date.min)
            self._units[code] = valid[-1] if valid else None
        return self._units[code]

    def unit_by_id(self, unit_id: int | None):
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


def _current_values(procedure: Procedure) -> dict[str, Any]:
    values = {name: getattr(procedure, name) for name in PROCEDURE_SCALARS}
    if procedure.field is not None:
        values["field_code"] = procedure.field.code
        values["field_name"] = procedure.field.name
    return values


def validate_procedure(data: Mapping[str, Any] | Any, refs: Refs, current: Procedure | None = None) -> CleanProcedure:
    """Check and normalise a procedure (whole, or the changed part of `current`) without writing anything."""
    given = as_mapping(data)
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
    out["name_key"] = vn.search_fold(name)
    out["levels"] = parse_levels(merged.get("levels", "tinh"))

    unit_text = merged.get("time_unit")
    if unit_text in (None, ""):
        raise ValidationError("Thiếu đơn vị thời hạn (ngay_lam_viec, gio_lam_viec hoặc ngay).", field="time_unit")
    out["time_unit"] = parse_time_unit(unit_text)
    amount = parse_decimal(merged.get("time_amount"), "Thời hạn giải quyết", "time_amount")
    if amount < 0 or (amount == 0 and out["time_unit"] != TimeUnit.WORKING_DAYS):
        raise ValidationError(
            f"Thời hạn giải quyết phải lớn hơn 0 (đang là {fmt_amount(amount)} {TimeUnit(out['time_unit']).label}); "
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
        used, limit = total_step_hours(kept), hours_of(out["time_amount"], out["time_unit"])
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
        item = as_mapping(item)
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
        item = as_mapping(item)
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationError(f"Thành phần hồ sơ thứ {i} thiếu tên.", field="components")
        copies = parse_decimal(item.get("copies", 1) or 1, f"Số bản của thành phần hồ sơ thứ {i}", "components")
        if copies < 1 or copies != copies.to_integral_value():
            raise ValidationError(f"Thành phần hồ sơ thứ {i} («{name}»): số bản phải là số nguyên từ 1 (đang là «{item.get('copies')}»).", field="components")
        required = parse_bool(item.get("required", True), f"Thành phần hồ sơ thứ {i}: bắt buộc", "components")
        result.append({"seq": i, "name": name[:500], "copies": int(copies), "required": required})
    return result


def validate_steps(steps: Sequence[Any], time_amount: Decimal, time_unit: str, refs: Refs | None = None) -> list[dict]:
    """Check an internal process against the procedure's time limit (1 working day = 8 working hours).

    Steps are numbered 1..n (given numbers must be exactly that), start with Bộ phận Một cửa receiving and end
    with Bộ phận Một cửa returning the result; neither of those two may send a dossier back (there is nothing
    before the first step, and the last only hands over a decided result).
    """
    items = [as_mapping(s) if not isinstance(s, ProcessStep) else {
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
        name = str(item.get("name") or "").strip() or default_step_name(role, i, count)
        clean.append({
            "seq": i, "role": role, "name": name[:255], "duration_amount": amount, "duration_unit": unit,
            "can_return": can_return, "unit": unit_id,
        })
    used, limit = total_step_hours(clean), hours_of(time_amount, time_unit)
    if used > limit:
        raise ValidationError(
            f"Tổng thời gian các bước ({vn.fmt_decimal(used)} giờ làm việc) vượt thời hạn giải quyết "
            f"{time_limit_label(time_amount, time_unit)} (= {vn.fmt_decimal(limit)} giờ làm việc, "
            f"1 ngày làm việc = {vn.fmt_decimal(process_template().hours_per_working_day, 0)} giờ).",
            field="steps",
        )
    return clean


def validate_publication(data: Mapping[str, Any], own_code: str) -> dict[str, Any]:
    data = as_mapping(data)
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
