"""Values of the catalogue as people and files write them → the stored codes, or a Vietnamese refusal
naming the field: yes/no, numbers, levels, time units, online levels, interconnection, times of day,
MaTTHC, and the short text forms of steps, fees and components used by the CLI and the imports."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from cchc import vn
from cchc.errors import ValidationError
from cchc.procedures.enums import INTERCONNECTION_LABELS, LEVELS, Interconnection, OnlineLevel, TimeUnit
from cchc.values import yes_no

# MaTTHC: "1.001234", "2.000889" (digits.digits), or the lettered codes some provinces use ("BTP-BDI-277320").
_CODE_NUMERIC = re.compile(r"^\d+\.\d+$")
_CODE_LETTERED = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]+(?:[.\-_][A-Za-z0-9]+)*$")


def parse_bool(value: Any, what: str, field: str) -> bool:
    """cchc.values.yes_no's words, 1/0 or a bool; an empty value is "không"."""
    answer = yes_no(value)
    if answer is not None:
        return answer
    if value is None or not vn.search_key(str(value)):
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


def as_mapping(data: Any) -> dict[str, Any]:
    """A mapping or a Pydantic model (only the fields it was given) as a dict."""
    if hasattr(data, "model_dump"):
        return data.model_dump(exclude_unset=True)
    return dict(data)
