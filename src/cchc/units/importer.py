"""Importing agencies and units (cơ quan, đơn vị) from CSV / XLSX / JSON, all or nothing.

Columns (header = row 1): MaDonVi, TenDonVi, MaDonViCha, Cap, LoaiDonVi, HieuLucTu, HieuLucDen.
Every row is checked first — the parent (an existing unit, or a row earlier or later in the file, in
force on the row's HieuLucTu), the level against the parent's, the dates — and only then is anything
written. The same MaDonVi + HieuLucTu imported again updates that unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from cchc import vn
from cchc.errors import ImportRejected, ValidationError
from cchc.interop.tabular import read_table
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
    existing_id: int | None = None
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


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _parse_row(number: int, values: dict) -> _Row:
    code = _text(values.get("MaDonVi"))
    if not code:
        raise ImportRejected("thiếu mã đơn vị.", row=number, column="MaDonVi")
    if len(code) > 40:
        raise ImportRejected(f"mã đơn vị «{code}» dài quá 40 ký tự.", row=number, column="MaDonVi")
    name = _text(values.get("TenDonVi"))
    if not name:
        raise ImportRejected("thiếu tên đơn vị.", row=number, column="TenDonVi")
    if len(name) > 255:
        raise ImportRejected("tên đơn vị dài quá 255 ký tự.", row=number, column="TenDonVi")
    level_text = _text(values.get("Cap"))
    level = _LEVELS.get(vn.search_key(level_text))
    if level is None:
        shown = f"«{level_text}»" if level_text else "trống"
        raise ImportRejected(f"cấp {shown} không hợp lệ (chỉ nhận tinh, huyen, xa).", row=number, column="Cap")
    kind_text = _text(values.get("LoaiDonVi"))
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
    if _text(values.get("HieuLucDen")):
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
    return _Row(number, code, name, _text(values.get("MaDonViCha")), level, kind, valid_from, valid_to)


def _level_label(level: str) -> str:
    return Level(level).label.lower()


def import_units(session: Session, path: Path | str, progress: Progress | None = None) -> dict[str, int]:
    """Import the file; returns {"rows", "inserted", "updated", "unchanged"}. ImportRejected leaves the
    database untouched (nothing is written before every row has passed)."""
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
            ).where(Unit.code.in_(chunk))
        ):
            db_units[values[0]] = _DbUnit(*values)
    db_by_key = {(u.code, u.valid_from): u for u in db_units.values()}

    # Rows that update an existing unit.
    for row in rows:
        existing = db_by_key.get(row.key)
        if existing is None:
            continue
        if existing.source == OFFICIAL_SOURCE:
            raise ImportRejected(
                f"«{row.code}» là đơn vị hành chính trong danh mục chính thức ({existing.name}); không sửa qua tệp nhập.",
                row=row.number,
                column="MaDonVi",
            )
        row.existing_id = existing.id

    # Parents: a row of the file or a unit of the database, in force on the row's HieuLucTu.
    file_by_code: dict[str, list[_Row]] = {}
    for row in rows:
        file_by_code.setdefault(row.code, []).append(row)
    updated_ids = {r.existing_id for r in rows if r.existing_id is not None}
    db_by_code: dict[str, list[_DbUnit]] = {}
    for u in db_units.values():
        if u.id not in updated_ids:
            db_by_code.setdefault(u.code, []).append(u)
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

    # Updated units keep their children in the database: the new level must still fit them.
    if updated_ids:
        child_levels: dict[int, set[str]] = {}
        for chunk in _chunks(sorted(updated_ids), 500):
            for pid, level in session.execute(
                select(Unit.parent_id, Unit.level).where(Unit.parent_id.in_(chunk), Unit.id.not_in(updated_ids))
            ):
                child_levels.setdefault(pid, set()).add(level)
        for row in rows:
            for level in child_levels.get(row.existing_id, ()):
                if not level_allowed_under(level, row.level):
                    raise ImportRejected(
                        f"{row.name} đang có đơn vị trực thuộc ở {_level_label(level)}, không thể chuyển sang "
                        f"{_level_label(row.level)}.",
                        row=row.number,
                        column="Cap",
                    )

    # No loops: walk each row's chain of parents through the file and the database.
    _check_no_cycles(session, rows)

    # ------------------------------------------------------------------ write (every row has passed)
    total = len(rows)
    done = 0
    unchanged = updated = 0
    moved_paths: list[str] = []
    ids: dict[int, int] = {}  # id(row) -> unit id
    for row in rows:
        if row.existing_id is not None:
            ids[id(row)] = row.existing_id
    depth = {id(r): _depth(r) for r in rows}
    for d in sorted(set(depth.values())):
        level_rows = [r for r in rows if depth[id(r)] == d]
        to_insert, to_update = [], []
        for row in level_rows:
            values = {
                "code": row.code,
                "name": row.name,
                "name_key": vn.search_key(row.name),
                "level": row.level,
                "kind": row.kind,
                "is_area": row.kind in AREA_KINDS,
                "valid_from": row.valid_from,
                "valid_to": row.valid_to,
                "parent_id": _parent_id(row, ids),
                "source": IMPORT_SOURCE,
            }
            if row.existing_id is None:
                to_insert.append({**values, "path": ""})
                continue
            old = db_units[row.existing_id]
            same = (old.name, old.level, old.kind, old.valid_to, old.parent_id) == (
                row.name, row.level, row.kind, row.valid_to, values["parent_id"]
            )
            if same:
                unchanged += 1
                continue
            if old.parent_id != values["parent_id"]:
                moved_paths.append(old.path)
            to_update.append({**values, "id": row.existing_id})
        for chunk in _chunks(to_insert, 1000):
            session.execute(insert(Unit.__table__), chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        if to_insert:
            wanted = {(v["code"], v["valid_from"]) for v in to_insert}
            new_rows = {r.key: r for r in level_rows if r.existing_id is None}
            for chunk in _chunks(sorted({c for c, _ in wanted}), 500):
                for uid, code, vf in session.execute(
                    select(Unit.id, Unit.code, Unit.valid_from).where(Unit.code.in_(chunk), Unit.path == "")
                ):
                    if (code, vf) in wanted:
                        ids[id(new_rows[(code, vf)])] = uid
        if to_update:
            session.execute(update(Unit), to_update)
            updated += len(to_update)
            done += len(to_update)
        done += sum(1 for r in level_rows if r.existing_id is not None) - len(to_update)
        if progress:
            progress(done, total)
    for old_path in moved_paths:  # moved subtrees get their paths recomputed with the new rows
        session.execute(
            update(Unit).where(Unit.path.like(old_path + "%")).values(path="").execution_options(synchronize_session=False)
        )
    _fill_missing_paths(session)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Unit):
            session.expire(obj)
    session.flush()
    return {"rows": len(rows), "inserted": total - updated - unchanged, "updated": updated, "unchanged": unchanged}


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


def _check_no_cycles(session: Session, rows: list[_Row]) -> None:
    """Refuse a row whose chain of parents comes back to itself (A under B, B under A)."""
    by_existing = {r.existing_id: r for r in rows if r.existing_id is not None}
    db_parent_cache: dict[int, int | None] = {}

    def db_parent(uid: int) -> int | None:
        if uid not in db_parent_cache:
            db_parent_cache[uid] = session.scalar(select(Unit.parent_id).where(Unit.id == uid))
        return db_parent_cache[uid]

    for row in rows:
        seen: set = {id(row)}
        ref = row.parent_ref
        while ref is not None:
            where, target = ref
            if where == "db" and target in by_existing:  # a database unit this file moves: follow the file
                where, target = "file", by_existing[target]
            marker = id(target) if where == "file" else ("db", target)
            if marker in seen:
                raise ImportRejected(
                    f"đơn vị cha «{row.parent_code}» lại trực thuộc «{row.code}» (vòng lặp cha – con).",
                    row=row.number,
                    column="MaDonViCha",
                )
            seen.add(marker)
            if where == "file":
                ref = target.parent_ref
            else:
                parent = db_parent(target)
                ref = ("db", parent) if parent is not None else None
