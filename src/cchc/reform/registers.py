"""The common machinery of the CCHC registers (plan items, directive documents, inspections,
communication activities): field definitions, validation in Vietnamese, permission checks,
create / update / delete and all-or-nothing imports.

Each register (cchc.reform.plan, .directives, .activities) is a `Register`: its model, its fields
(name, Vietnamese label = the import column header, parser, required) and a cross-field check.
Who may act: a Role.REPORTING officer or Role.UNIT_ADMIN of the unit or a unit above it
(cchc.reform.service.check_permission), a Role.SYSTEM_ADMIN anywhere; `actor=None` is the operator
at the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import ImportRejected, NotFound, ValidationError
from cchc.reform import service as reform_service
from cchc.sheets.tabular import read_table
from cchc.units.models import Unit
from cchc.values import yes_no

Parser = Callable[[object, "Context"], object]


@dataclass
class Context:
    """What a parser may need besides the raw value: the session and the unit that owns the entry."""

    session: Session
    unit: Unit


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # shown on forms and used as the import column header
    parse: Parser
    required: bool = False
    default: object = None
    aliases: tuple[str, ...] = ()

    def keys(self) -> set[str]:
        return {vn.search_key(k).replace("_", " ") for k in (self.name, self.label, *self.aliases)}


@dataclass(frozen=True)
class Register:
    key: str  # URL segment: "ke-hoach", "van-ban", "kiem-tra", "tuyen-truyen"
    title: str
    noun: str  # "nhiệm vụ", "văn bản" … (messages)
    model: type
    fields: tuple[Field, ...]
    unique: tuple[str, ...] = ()  # with unit_id: no two entries alike
    unique_message: str = ""
    check: Callable[[dict, Context], None] | None = None  # cross-field rules on the merged values
    order: tuple = field(default_factory=tuple)
    dated_by: str | None = None  # the date field that puts an entry in a period; None: the plan (by year)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


# --- parsers ------------------------------------------------------------------------------------

def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(max_len: int) -> Parser:
    def parse(raw, _ctx):
        value = "" if raw is None else str(raw).strip()
        if len(value) > max_len:
            raise ValidationError(f"dài quá {vn.fmt_int(max_len)} ký tự")
        return value

    parse.max_len = max_len  # type: ignore[attr-defined]  # pages: a textarea for long texts
    return parse


def a_date(raw, _ctx) -> date | None:
    if _blank(raw):
        return None
    try:
        return vn.parse_date(raw)
    except ValidationError as exc:
        raise ValidationError(_lower_first(exc.message.rstrip("."))) from None


def count(raw, _ctx) -> int | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        raise ValidationError(f"«{raw}» không phải là số nguyên")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text_ = str(raw).strip().replace(".", "") if isinstance(raw, str) else str(raw)
    if not text_.lstrip("-").isdigit():
        raise ValidationError(f"«{raw}» không phải là số nguyên")
    value = int(text_)
    if value < 0:
        raise ValidationError(f"phải là số nguyên không âm (nhập {value})")
    return value


def year(raw, ctx) -> int | None:
    value = count(raw, ctx)
    if value is not None and not 2000 <= value <= 2100:
        raise ValidationError(f"năm {value} không hợp lệ")
    return value


def choice(enum_cls) -> Parser:
    def parse(raw, _ctx):
        if _blank(raw):
            return None
        try:
            return enum_cls.parse(raw, what="giá trị").value
        except ValidationError as exc:
            raise ValidationError(_lower_first(exc.message.rstrip("."))) from None

    parse.enum = enum_cls  # type: ignore[attr-defined]  # pages: a select of the enum's labels
    return parse


def flag(raw, _ctx) -> bool | None:
    """Có/Không (cchc.values.yes_no); a blank cell is no answer (the field's default)."""
    if _blank(raw):
        return None
    answer = yes_no(raw)
    if answer is None:
        raise ValidationError(f"«{raw}» không hợp lệ; dùng Có/Không (1/0)")
    return answer


def unit_code(raw, ctx) -> int | None:
    if _blank(raw):
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        unit = ctx.session.get(Unit, raw)
        if unit is None:
            raise ValidationError(f"không có đơn vị mã số {raw}")
        return unit.id
    try:
        return reform_service.find_unit(ctx.session, str(raw)).id
    except NotFound as exc:
        raise ValidationError(_lower_first(exc.message.rstrip("."))) from None


def _lower_first(text_: str) -> str:
    return text_[:1].lower() + text_[1:] if text_ else text_


# --- who may act ----------------------------------------------------------------------------------

def check_permission(session: Session, actor: User | None, unit: Unit) -> None:
    """A system administrator anywhere; otherwise the rule of the reporting figures (reporting officer or unit admin of the unit or above)."""
    if actor is not None and actor.active and actor.role == Role.SYSTEM_ADMIN:
        return
    reform_service.check_permission(session, actor, unit)


def actor_name(actor: User | None) -> str:
    return actor.username if actor is not None else "cli"


# --- validation -----------------------------------------------------------------------------------

def clean(register: Register, ctx: Context, data: dict, current: dict | None = None) -> dict:
    """Parse `data` (field name → raw value) over `current` (the stored values when updating).

    Raises ValidationError(field=name) naming the field in Vietnamese; unknown fields are refused.
    """
    known = {f.name for f in register.fields}
    unknown = [k for k in data if k not in known]
    if unknown:
        raise ValidationError(f"Không có trường «{unknown[0]}» trong {register.title.lower()}.", field=unknown[0])
    values = dict(current or {})
    for f in register.fields:
        if f.name in data:
            try:
                values[f.name] = f.parse(data[f.name], ctx)
            except ValidationError as exc:
                raise ValidationError(f"{f.label}: {exc.message.rstrip('.')}.", field=f.name) from None
        elif current is None:
            values[f.name] = None
    for f in register.fields:
        if values.get(f.name) is None or (f.required and values.get(f.name) == ""):
            if f.required:
                raise ValidationError(f"Thiếu {_lower_first(f.label)}.", field=f.name)
            if f.default is not None:
                values[f.name] = f.default() if callable(f.default) else f.default
    if register.check is not None:
        register.check(values, ctx)
    return values


def _unique_key(register: Register, values: dict) -> tuple:
    return tuple(vn.search_key(v) if isinstance(v, str) else v for v in (values[k] for k in register.unique))


def _check_unique(register: Register, session: Session, unit: Unit, values: dict, exclude_id: int | None = None) -> None:
    if not register.unique:
        return
    model = register.model
    stmt = select(model.id).where(model.unit_id == unit.id, *(getattr(model, k) == values[k] for k in register.unique))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise _taken(register, values)


def _taken(register: Register, values: dict) -> ValidationError:
    return ValidationError(register.unique_message.format(**values), field=register.unique[-1])


# --- actions -------------------------------------------------------------------------------------

def get(session: Session, register: Register, entry_id: int):
    obj = session.get(register.model, entry_id)
    if obj is None:
        raise NotFound(f"Không tìm thấy {register.noun} số {entry_id}.")
    return obj


def create(session: Session, actor: User | None, register: Register, unit: Unit, data: dict):
    check_permission(session, actor, unit)
    ctx = Context(session, unit)
    values = clean(register, ctx, data)
    _check_unique(register, session, unit, values)
    obj = register.model(unit_id=unit.id, **values, updated_by=actor_name(actor), updated_at=clock.now())
    session.add(obj)
    session.flush()
    return obj


def current_values(register: Register, obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in register.fields}


def update(session: Session, actor: User | None, register: Register, entry_id: int, data: dict):
    obj = get(session, register, entry_id)
    unit = session.get(Unit, obj.unit_id)
    check_permission(session, actor, unit)
    ctx = Context(session, unit)
    values = clean(register, ctx, data, current_values(register, obj))
    _check_unique(register, session, unit, values, exclude_id=obj.id)
    for k, v in values.items():
        setattr(obj, k, v)
    obj.updated_by, obj.updated_at = actor_name(actor), clock.now()
    session.flush()
    return obj


def delete(session: Session, actor: User | None, register: Register, entry_id: int) -> None:
    obj = get(session, register, entry_id)
    check_permission(session, actor, session.get(Unit, obj.unit_id))
    session.delete(obj)
    session.flush()


def entries(session: Session, register: Register, unit_id: int, *conditions) -> list:
    model = register.model
    return list(session.scalars(select(model).where(model.unit_id == unit_id, *conditions).order_by(*register.order, model.id)))


def widget(f: Field) -> tuple[str, list[tuple[str, str]]]:
    """How a page asks for the field: ("date" | "number" | "check" | "select" | "textarea" | "text", options)."""
    enum_cls = getattr(f.parse, "enum", None)
    if enum_cls is not None:
        return "select", enum_cls.choices()
    if f.parse is a_date:
        return "date", []
    if f.parse in (count, year):
        return "number", []
    if f.parse is flag:
        return "check", []
    if getattr(f.parse, "max_len", 0) > 255:
        return "textarea", []
    return "text", []


def columns_help(register: Register) -> str:
    return ", ".join(f"{f.label}{' (bắt buộc)' if f.required else ''}" for f in register.fields)


def import_rows(session: Session, actor: User | None, register: Register, unit: Unit, path: Path | str,
                extra: dict | None = None) -> int:
    """Every row of a CSV/XLSX/JSON file into the register, all or nothing (ImportRejected with row and column).

    Columns are matched by label or field name, with or without accents; `extra` fills fields
    missing from the file (for example the plan's year).
    """
    check_permission(session, actor, unit)
    table = read_table(path)
    name = Path(path).name
    mapping: dict[str, Field] = {}
    for column in table.columns:
        key = vn.search_key(column).replace("_", " ")
        for f in register.fields:
            if key in f.keys():
                mapping[column] = f
    present = {f.name for f in mapping.values()} | set(extra or {})
    missing = [f.label for f in register.fields if f.required and f.name not in present]
    if missing:
        raise ImportRejected(
            f"Tệp «{name}» thiếu cột bắt buộc: {', '.join(missing)}. Các cột của {register.title.lower()}: {columns_help(register)}."
        )
    if not table.rows:
        raise ImportRejected(f"Tệp «{name}» không có dòng dữ liệu nào.")
    label_of = {f.name: col for col, f in mapping.items()}
    ctx = Context(session, unit)
    stored: set[tuple] = set()
    if register.unique:  # the unit's keys already in the register, in one query rather than one per row
        model = register.model
        stored = {tuple(r) for r in session.execute(select(*(getattr(model, k) for k in register.unique)).where(model.unit_id == unit.id))}
    seen: dict[tuple, int] = {}
    cleaned: list[dict] = []
    for number, row in table.rows:
        data = dict(extra or {})
        for column, f in mapping.items():
            data[f.name] = row.get(column)
        try:
            values = clean(register, ctx, data)
            if register.unique and tuple(values[k] for k in register.unique) in stored:
                raise _taken(register, values)
        except ValidationError as exc:
            column = label_of.get(exc.field or "") or (register.field(exc.field).label if exc.field in {f.name for f in register.fields} else None)
            raise ImportRejected(exc.message, row=number, column=column) from None
        if register.unique:
            key = _unique_key(register, values)
            if key in seen:
                col = label_of.get(register.unique[-1]) or register.field(register.unique[-1]).label
                raise ImportRejected(f"trùng với dòng {seen[key]} của tệp ({register.unique_message.format(**values)})", row=number, column=col)
            seen[key] = number
        cleaned.append(values)
    now, who = clock.now(), actor_name(actor)
    session.add_all(register.model(unit_id=unit.id, **v, updated_by=who, updated_at=now) for v in cleaned)
    session.flush()
    return len(cleaned)
