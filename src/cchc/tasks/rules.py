"""The data file of assigned tasks (src/cchc/data/tasks.yaml), read once and validated."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from cchc.errors import ValidationError
from cchc.tasks.enums import IssuerLevel
from cchc.vn import search_key

RULES_FILE = "tasks.yaml"


@lru_cache(maxsize=1)
def rules() -> dict:
    text = resources.files("cchc").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    return parse_rules(text)


def parse_rules(text: str) -> dict:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ValidationError(f"Tệp {RULES_FILE} không đúng cú pháp YAML: {exc}") from None
    days = data.get("reminder_working_days", 3)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValidationError(f"Tệp {RULES_FILE}: reminder_working_days phải là số nguyên không âm.")
    rate = data.get("on_time_rate") or {}
    num, den = rate.get("numerator"), rate.get("denominator")
    if not (isinstance(num, list) and num and isinstance(den, list) and den):
        raise ValidationError(f"Tệp {RULES_FILE}: on_time_rate cần numerator và denominator (danh sách chỉ tiêu).")
    issuers = data.get("issuers") or {}
    names: dict[str, str] = {}
    for level, spellings in issuers.items():
        if level not in IssuerLevel._value2member_map_:
            raise ValidationError(f"Tệp {RULES_FILE}: cấp giao «{level}» không hợp lệ.")
        for s in [IssuerLevel(level).label, *(spellings or [])]:
            names[search_key(s)] = level
    kinds = data.get("assigning_unit_kinds") or []
    if not isinstance(kinds, list) or not kinds:
        raise ValidationError(f"Tệp {RULES_FILE}: assigning_unit_kinds phải là danh sách loại đơn vị.")
    return {"reminder_working_days": days, "assigning_unit_kinds": frozenset(str(k) for k in kinds), "rate_numerator": [str(k) for k in num],
            "rate_denominator": [str(k) for k in den], "issuer_names": names}


def reminder_working_days() -> int:
    return rules()["reminder_working_days"]


def issuer_level_of(text: str) -> str | None:
    """'Chủ tịch UBND tỉnh' / 'chu tich ubnd tinh' → 'chu_tich_ubnd_tinh'; None when unknown."""
    return rules()["issuer_names"].get(search_key(text))


def assigning_unit_kinds() -> frozenset[str]:
    return rules()["assigning_unit_kinds"]
