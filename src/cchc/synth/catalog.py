"""The demo's facts, read from the data files in `cchc/synth/data/` (agencies, procedures, people).

Each file is checked when read: a wrong entry raises ValidationError naming the file, the
procedure code or the agency key, and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cchc.errors import ValidationError

DATA_DIR = Path(__file__).resolve().parent / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there: 20× faster

TIME_UNITS = ("ngay_lam_viec", "gio_lam_viec", "ngay")
ONLINE_LEVELS = ("toan_trinh", "mot_phan", "khong")
LEVEL_SETS = ("tinh", "xa", "huyen,xa")


@dataclass(frozen=True)
class Decision:
    """A provincial publication decision (quyết định công bố)."""

    key: str
    number: str
    day: date
    effective: date


@dataclass(frozen=True)
class ProcedureSpec:
    code: str
    name: str
    field_code: str
    field_name: str
    agency_key: str  # resolving agency of the tỉnh-level procedures (agencies.yaml key)
    levels: str  # tinh | xa | huyen,xa
    time_amount: Decimal
    time_unit: str
    cutoff: time | None
    online_level: str
    subject: str
    fees: tuple[tuple[str, str, int], ...]
    components: tuple[str, ...]
    result: str
    weight: float
    decisions: tuple[str, ...]

    @property
    def fee_total(self) -> int:
        return sum(f[2] for f in self.fees)


@dataclass(frozen=True)
class AgencySpec:
    key: str
    name: str
    kind: str
    slug: str
    parent: str | None
    receives: bool
    reporting: bool
    phong: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    procedures: tuple[ProcedureSpec, ...]
    decisions: dict[str, Decision]
    province_agencies: tuple[AgencySpec, ...]
    district: dict[str, Any]
    commune: dict[str, Any]
    people: dict[str, Any]

    def most_used(self, n: int) -> Catalog:
        """A smaller catalogue: the n procedures with the most dossiers, shared out over the levels."""
        by_levels: dict[str, list[ProcedureSpec]] = {}
        for p in self.procedures:
            by_levels.setdefault(p.levels, []).append(p)
        keep: set[str] = set()
        for levels, items in by_levels.items():
            share = max(1, round(n * len(items) / len(self.procedures)))
            keep.update(p.code for p in sorted(items, key=lambda p: (-p.weight, p.code))[:share])
        return replace(self, procedures=tuple(p for p in self.procedures if p.code in keep))


def _read(name: str) -> Any:
    path = DATA_DIR / name
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ValidationError(f"Tệp dữ liệu mẫu {name} không đúng cú pháp YAML: {exc}") from None


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{where}: ngày «{value}» không hợp lệ (dùng yyyy-mm-dd).") from None


def _procedure(raw: dict, fld: dict, decisions: dict[str, Decision], agencies: set[str]) -> ProcedureSpec:
    code = str(raw.get("code") or "").strip()
    where = f"procedures.yaml, TTHC {code or '(không mã)'}"
    if not code or not raw.get("name"):
        raise ValidationError(f"{where}: thiếu mã hoặc tên thủ tục.")
    merged = {k: fld.get(k) for k in ("levels", "time", "cutoff", "online", "components", "result")}
    merged.update({k: v for k, v in raw.items() if v is not None})
    levels = str(merged.get("levels") or "")
    if levels not in LEVEL_SETS:
        raise ValidationError(f"{where}: cấp thực hiện «{levels}» không hợp lệ (tinh, xa hoặc huyen,xa).")
    amount, unit = (merged.get("time") or [None, None])[:2]
    if unit not in TIME_UNITS or amount is None or Decimal(str(amount)) <= 0:
        raise ValidationError(f"{where}: thời hạn «{merged.get('time')}» không hợp lệ ([số lượng, ngay_lam_viec|gio_lam_viec|ngay]).")
    online = str(merged.get("online") or "khong")
    if online not in ONLINE_LEVELS:
        raise ValidationError(f"{where}: mức trực tuyến «{online}» không hợp lệ.")
    cutoff = merged.get("cutoff")
    if cutoff is not None and not isinstance(cutoff, time):
        try:
            cutoff = time.fromisoformat(str(cutoff))
        except ValueError:
            raise ValidationError(f"{where}: giờ chốt «{cutoff}» không hợp lệ (dùng HH:MM).") from None
    fees = []
    for fee in merged.get("fees") or []:
        if len(fee) != 3 or fee[0] not in ("phi", "le_phi") or not isinstance(fee[2], int) or fee[2] < 0:
            raise ValidationError(f"{where}: khoản thu «{fee}» không hợp lệ ([phi|le_phi, mô tả, số đồng]).")
        fees.append((fee[0], str(fee[1]), int(fee[2])))
    agency = str(fld.get("agency") or "")
    if agency not in agencies:
        raise ValidationError(f"{where}: cơ quan «{agency}» không có trong agencies.yaml.")
    keys = tuple(fld.get("decisions") or ())
    unknown = [k for k in keys if k not in decisions]
    if unknown or not keys:
        raise ValidationError(f"{where}: lĩnh vực {fld.get('code')} thiếu quyết định công bố hoặc ghi sai: {unknown}.")
    weight = float(merged.get("weight") or 1)
    if weight <= 0:
        raise ValidationError(f"{where}: trọng số phải lớn hơn 0.")
    return ProcedureSpec(
        code=code,
        name=str(merged["name"]).strip(),
        field_code=str(fld["code"]),
        field_name=str(fld["name"]),
        agency_key=agency,
        levels=levels,
        time_amount=Decimal(str(amount)),
        time_unit=unit,
        cutoff=cutoff,
        online_level=online,
        subject=str(merged.get("subject") or "ca_nhan"),
        fees=tuple(fees),
        components=tuple(str(c) for c in (merged.get("components") or ())),
        result=str(merged.get("result") or ""),
        weight=weight,
        decisions=keys,
    )


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """Read and check the three data files once."""
    agencies_raw = _read("agencies.yaml")
    agencies = []
    for raw in agencies_raw["province"]:
        for key in ("key", "name", "kind", "slug"):
            if not raw.get(key):
                raise ValidationError(f"agencies.yaml: cơ quan {raw.get('key') or raw.get('name')} thiếu «{key}».")
        agencies.append(
            AgencySpec(
                key=raw["key"], name=raw["name"], kind=raw["kind"], slug=raw["slug"], parent=raw.get("parent"),
                receives=bool(raw.get("receives")), reporting=bool(raw.get("reporting")),
                phong=tuple(raw.get("phong") or ()),
            )
        )
    keys = {a.key for a in agencies}
    for a in agencies:
        if a.parent is not None and a.parent not in keys:
            raise ValidationError(f"agencies.yaml: cơ quan {a.key} trực thuộc «{a.parent}» không có trong danh sách.")
    raw = _read("procedures.yaml")
    decisions = {
        key: Decision(key, str(d["number"]), _date(d["date"], f"procedures.yaml, quyết định {key}"),
                      _date(d.get("effective", d["date"]), f"procedures.yaml, quyết định {key}"))
        for key, d in raw["decisions"].items()
    }
    procedures = []
    seen: set[str] = set()
    for fld in raw["fields"]:
        for p in fld["procedures"]:
            spec = _procedure(p, fld, decisions, keys)
            if spec.code in seen:
                raise ValidationError(f"procedures.yaml: mã TTHC {spec.code} bị lặp.")
            seen.add(spec.code)
            procedures.append(spec)
    return Catalog(
        procedures=tuple(procedures),
        decisions=decisions,
        province_agencies=tuple(agencies),
        district=agencies_raw["district"],
        commune=agencies_raw["commune"],
        people=_read("people.yaml"),
    )
