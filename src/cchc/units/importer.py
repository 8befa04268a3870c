"""Importing agencies and units (cơ quan, đơn vị) from CSV / XLSX / JSON, all or nothing.

Columns (header = row 1): MaDonVi, TenDonVi, MaDonViCha, Cap, LoaiDonVi, HieuLucTu, HieuLucDen.
Every row is checked first — the parent (an existing unit, or a row earlier or later in the file, in
force on the row's HieuLucTu), the level against the parent's, the dates — and only then is anything
written. An import only adds units: a MaDonVi that the database already has (in any period of validity)
is refused with its row, so that a file can neither overwrite a unit nor give its code to a second one.
A file may carry several periods of one new code (a unit until 30/6/2025 and its successor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.errors import ImportRejected, ValidationError
from cchc.sheets.tabular import read_table
from cchc.units.enums import AREA_KINDS, UNIT_KINDS, Level
from cchc.units.models import Unit
from cchc.units.service import (
    AREA_LEVEL,
    OFFICIAL_SOURCE,
    Progress,
    _chunks,
    _fill_missing_paths,
    kind_from_text,
    level_allowed_under,
)
from cchc.values import cell_text

COLUMNS = ["MaDonVi", "TenDonVi", "MaDonViCha", "Cap", "LoaiDonVi", "HieuLucTu", "HieuLucDen"]
REQUIRED = ["MaDonVi", "TenDonVi", "MaDonViCha", "Cap", "LoaiDonVi", "HieuLucTu"]
IMPORT_SOURCE = "import"

_LEVELS = {
    "tinh": "tinh",
    "cap tinh": "tinh",
    "huyen": "huyen",
    "cap huyen": "huyen",
    "xa": "xa",
    "cap xa": "xa",
}


@dataclass
class _Row:
    number: int
    code: str
    name: str
    parent_code: str
    level: str
    kind: str
    valid_from: date
    valid_to: date | None
    parent_ref: tuple[str, object] | None = None  # ("file", _Row) or ("db", unit id)

    @property
    def key(self) -> tuple[str, date]:
        return (self.code, self.valid_from)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass
class _DbUnit:
    id: int
    code: str
    name: str
    level: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    parent_id: int | None
    source: str
    path: str

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


def _words(value) -> str:
    """A cell as text (cchc.values.cell_text) with one space between words, as unit names and codes are kept."""
    return " ".join(cell_text(value).split())


def _parse_row(number: int, values: dict) -> _Row:
    code = _words(values.get("MaDonVi"))
    if not code:
        raise ImportRejected("thiếu mã đơn vị.", row=number, column="MaDonVi")
    if len(code) > 40:
        raise ImportRejected(f"mã đơn vị «{code}» dài quá 40 ký tự.", row=number, column="MaDonVi")
    name = _words(values.get("TenDonVi"))
    if not name:
        raise ImportRejected("thiếu tên đơn vị.", row=number, column="TenDonVi")
    if len(name) > 255:
        raise ImportRejected("tên đơn vị dài quá 255 ký tự.", row=number, column="TenDonVi")
    level_text = _words(values.get("Cap"))
    level = _LEVELS.get(vn.search_key(level_text))
    if level is None:
        shown = f"«{level_text}»" if level_text else "trống"
        raise ImportRejected(f"cấp {shown} không hợp lệ (chỉ nhận tinh, huyen, xa).", row=number, column="Cap")
    kind_text = _words(values.get("LoaiDonVi"))
    kind = kind_from_text(kind_text) if kind_text else None
    if kind is None:
        shown = f"«{kind_text}»" if kind_text else "trống"
        raise ImportRejected(
            f"loại đơn vị {shown} không hợp lệ; dùng một trong: {', '.join(UNIT_KINDS)} (hoặc tên tiếng Việt như «Sở»).",
            row=number,
            column="LoaiDonVi",
        )
    if kind in AREA_KINDS and AREA_LEVEL[kind] != level:
        raise ImportRejected(
            f"loại «{UNIT_KINDS[kind]}» thuộc {Level(AREA_LEVEL[kind]).label.lower()}, không thể ở cấp «{level_text}».",
            row=number,
            column="Cap",
        )
    try:
        valid_from = vn.parse_date(values.get("HieuLucTu"), what="ngày có hiệu lực")
    except ValidationError as exc:
        raise ImportRejected(exc.message, row=number, column="HieuLucTu") from None
    valid_to = None
    if _words(values.get("HieuLucDen")):
        try:
            valid_to = vn.parse_date(values.get("HieuLucDen"), what="ngày hết hiệu lực")
        except ValidationError as exc:
            raise ImportRejected(exc.message, row=number, column="HieuLucDen") from None
        if valid_to < valid_from:
            raise ImportRejected(
                f"ngày hết hiệu lực {vn.fmt_date(valid_to)} trước ngày có hiệu lực {vn.fmt_date(valid_from)}.",
                row=number,
                column="HieuLucDen",
            )
    return _Row(number, code, name, _words(values.get("MaDonViCha")), level, kind, valid_from, valid_to)


def _level_label(level: str) -> str:
    return Level(level).label.lower()


def import_units(session: Session, path: Path | str, progress: Progress | None = None) -> dict[str, int]:
    """Import the file; returns {"rows", "inserted"}. ImportRejected leaves the database untouched (nothing is
    written before every row has passed)."""
    table = read_table(path, required=REQUIRED)
    rows = [_parse_row(number, values) for number, values in table.rows]
    if not rows:
        raise ImportRejected(f"Tệp «{Path(path).name}» không có dòng dữ liệu nào.")

    by_key: dict[tuple, _Row] = {}
    for row in rows:
        first = by_key.get(row.key)
        if first is not None:
            raise ImportRejected(
                f"mã «{row.code}» với ngày có hiệu lực {vn.fmt_date(row.valid_from)} trùng với dòng {first.number}.",
                row=row.number,
                column="MaDonVi",
            )
        by_key[row.key] = row

    session.flush()
    codes = {r.code for r in rows} | {r.parent_code for r in rows if r.parent_code}
    db_units: dict[int, _DbUnit] = {}
    for chunk in _chunks(sorted(codes), 500):
        for values in session.execute(
            select(
                Unit.id, Unit.code, Unit.name, Unit.level, Unit.kind, Unit.valid_from, Unit.valid_to,
                Unit.parent_id, Unit.source, Unit.path,
            ).where(Unit.code.in_(chunk)).order_by(Unit.valid_from)
        ):
            db_units[values[0]] = _DbUnit(*values)
    db_by_code: dict[str, list[_DbUnit]] = {}
    for u in db_units.values():
        db_by_code.setdefault(u.code, []).append(u)

    # A code already in the database is refused: an import neither overwrites a unit nor duplicates its code.
    for row in rows:
        existing = db_by_code.get(row.code)
        if existing:
            raise ImportRejected(_already_there(row.code, existing), row=row.number, column="MaDonVi")

    # Parents: a row of the file or a unit of the database, in force on the row's HieuLucTu.
    file_by_code: dict[str, list[_Row]] = {}
    for row in rows:
        file_by_code.setdefault(row.code, []).append(row)
    for row in rows:
        if not row.parent_code:
            continue
        if row.parent_code == row.code:
            raise ImportRejected("đơn vị không thể là đơn vị cha của chính nó.", row=row.number, column="MaDonViCha")
        day = row.valid_from
        candidates: list[tuple[date, str, object]] = []
        for r in file_by_code.get(row.parent_code, []):
            if r.valid_on(day):
                candidates.append((r.valid_from, "file", r))
        for u in db_by_code.get(row.parent_code, []):
            if u.valid_on(day):
                candidates.append((u.valid_from or date.min, "db", u))
        if not candidates:
            known = file_by_code.get(row.parent_code) or db_by_code.get(row.parent_code)
            why = (
                f"không có hiệu lực vào ngày {vn.fmt_date(day)} (ngày có hiệu lực của đơn vị)"
                if known
                else "không có trong cơ sở dữ liệu cũng như trong tệp"
            )
            raise ImportRejected(f"đơn vị cha mã «{row.parent_code}» {why}.", row=row.number, column="MaDonViCha")
        _vf, where, parent = max(candidates, key=lambda c: c[0])
        parent_level = parent.level
        if not level_allowed_under(row.level, parent_level):
            raise ImportRejected(
                f"đơn vị {_level_label(row.level)} không thể trực thuộc {parent.name} ({_level_label(parent_level)}).",
                row=row.number,
                column="Cap",
            )
        row.parent_ref = (where, parent if where == "file" else parent.id)

    # No loops: every unit is new, so a loop can only run through rows of the file.
    _check_no_cycles(rows)

    # ------------------------------------------------------------------ write (every row has passed)
    total = len(rows)
    done = 0
    ids: dict[int, int] = {}  # id(row) -> unit id
    depth = {id(r): _depth(r) for r in rows}
    for d in sorted(set(depth.values())):
        level_rows = [r for r in rows if depth[id(r)] == d]
        to_insert = [
            {
                "code": row.code,
                "name": row.name,
                "name_key": vn.search_fold(row.name),
                "level": row.level,
                "kind": row.kind,
                "is_area": row.kind in AREA_KINDS,
                "valid_from": row.valid_from,
                "valid_to": row.valid_to,
                "parent_id": _parent_id(row, ids),
                "source": IMPORT_SOURCE,
                "path": "",
            }
            for row in level_rows
        ]
        for chunk in _chunks(to_insert, 1000):
            session.execute(insert(Unit.__table__), chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        new_rows = {r.key: r for r in level_rows}
        for chunk in _chunks(sorted({r.code for r in level_rows}), 500):
            for uid, code, vf in session.execute(
                select(Unit.id, Unit.code, Unit.valid_from).where(Unit.code.in_(chunk), Unit.path == "")
            ):
                if (code, vf) in new_rows:
                    ids[id(new_rows[(code, vf)])] = uid
    _fill_missing_paths(session)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Unit):
            session.expire(obj)
    session.flush()
    return {"rows": total, "inserted": total}


def _already_there(code: str, existing: list[_DbUnit]) -> str:
    """What the database holds under `code`, for the refusal of a row that would overwrite or duplicate it."""
    unit = existing[-1]
    span = f"hiệu lực từ {vn.fmt_date(unit.valid_from)}" if unit.valid_from else "không ghi ngày hiệu lực"
    if unit.valid_to:
        span += f" đến {vn.fmt_date(unit.valid_to)}"
    official = "trong danh mục chính thức, " if unit.source == OFFICIAL_SOURCE else ""
    return (
        f"mã đơn vị «{code}» đã có trong cơ sở dữ liệu: {unit.name} ({official}{span}). Tệp nhập chỉ thêm đơn vị "
        "mới, không ghi đè đơn vị đã có hay tạo thêm đơn vị trùng mã; hãy bỏ dòng này khỏi tệp rồi nhập lại."
    )


def _depth(row: _Row) -> int:
    n = 0
    current = row
    while current.parent_ref is not None and current.parent_ref[0] == "file":
        current = current.parent_ref[1]
        n += 1
    return n


def _parent_id(row: _Row, ids: dict[int, int]) -> int | None:
    if row.parent_ref is None:
        return None
    where, ref = row.parent_ref
    return ids[id(ref)] if where == "file" else ref


def _check_no_cycles(rows: list[_Row]) -> None:
    """Refuse a row whose chain of parents in the file comes back to itself (A under B, B under A)."""
    for row in rows:
        seen = {id(row)}
        ref = row.parent_ref
        while ref is not None and ref[0] == "file":
            target = ref[1]
            if id(target) in seen:
                raise ImportRejected(
                    f"đơn vị cha «{row.parent_code}» lại trực thuộc «{row.code}» (vòng lặp cha – con).",
                    row=row.number,
                    column="MaDonViCha",
                )
            seen.add(id(target))
            ref = target.parent_ref
