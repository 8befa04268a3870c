"""Actions on units (đơn vị hành chính, cơ quan): official lists, look-ups by code and date, the tree.

Every change of a unit goes through here (or through `cchc.units.importer`, which uses the same rules):
the materialised `path` ("/<id>/<id>/…/", root first) and the accent-free `name_key` are kept right on
every insert and move, so statistics select "everything under a unit" with one indexed LIKE.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import String, case, cast, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, Select

from cchc import clock, vn
from cchc.errors import NotFound, PermissionDenied, ValidationError
from cchc.units.enums import AREA_KINDS, LEGACY_UNTIL, TWO_TIER_FROM, UNIT_KINDS, Level
from cchc.units.models import Unit, UnitSuccession

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "units"
OFFICIAL_SOURCE = "official"

Progress = Callable[[int, int], None]
"""progress(done, total): called as work advances (the CLI draws a Rich progress bar with it)."""

LEVEL_RANK = {Level.TINH.value: 0, Level.HUYEN.value: 1, Level.XA.value: 2}

# The level an administrative area of each kind belongs to (agencies may sit at any level).
AREA_LEVEL = {
    "tinh": "tinh",
    "thanh_pho_tw": "tinh",
    "huyen": "huyen",
    "quan": "huyen",
    "thi_xa": "huyen",
    "thanh_pho": "huyen",
    "xa": "xa",
    "phuong": "xa",
    "thi_tran": "xa",
    "dac_khu": "xa",
}


class Link(NamedTuple):
    """One old → new relation of a unit (UnitSuccession), seen from the other side."""

    unit: Unit
    partial: bool
    effective: date


# --------------------------------------------------------------------------------------------- rules


@lru_cache(maxsize=1)
def _kind_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for kind, label in UNIT_KINDS.items():
        for text in (label, kind.replace("_", " ")):
            keys.setdefault(vn.search_key(text), kind)
        keys[kind] = kind
    return keys


def kind_from_text(value: str) -> str | None:
    """A kind key from its key or its Vietnamese label, accent- and case-insensitively ('Sở' → 'so')."""
    return _kind_keys().get(vn.search_key(value))


def level_allowed_under(level: str, parent_level: str) -> bool:
    """A unit may sit under a parent of the same or a higher level (a phòng under a sở, a xã under a tỉnh)."""
    return LEVEL_RANK[level] >= LEVEL_RANK[parent_level]


def check_unit(
    *,
    code: str,
    name: str,
    level: str,
    kind: str,
    valid_from: date | None,
    valid_to: date | None,
    parent: Unit | None,
) -> None:
    """The rules every unit obeys, whatever writes it; ValidationError(field=…) names what is wrong."""
    if not code or len(code) > 40:
        raise ValidationError("Mã đơn vị phải có từ 1 đến 40 ký tự.", field="code")
    if not name or len(name) > 255:
        raise ValidationError("Tên đơn vị phải có từ 1 đến 255 ký tự.", field="name")
    if level not in LEVEL_RANK:
        raise ValidationError(f"Cấp «{level}» không hợp lệ (chỉ nhận tinh, huyen, xa).", field="level")
    if kind not in UNIT_KINDS:
        raise ValidationError(f"Loại đơn vị «{kind}» không hợp lệ.", field="kind")
    if kind in AREA_KINDS and AREA_LEVEL[kind] != level:
        raise ValidationError(
            f"Loại «{UNIT_KINDS[kind]}» thuộc {Level(AREA_LEVEL[kind]).label.lower()}, không thể ở cấp «{level}».",
            field="level",
        )
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(
            f"Ngày hết hiệu lực {vn.fmt_date(valid_to)} trước ngày có hiệu lực {vn.fmt_date(valid_from)}.",
            field="valid_to",
        )
    if parent is not None:
        if not level_allowed_under(level, parent.level):
            raise ValidationError(
                f"Đơn vị {Level(level).label.lower()} không thể trực thuộc {parent.name} "
                f"({Level(parent.level).label.lower()}).",
                field="parent",
            )
        if parent.valid_to and valid_from and valid_from > parent.valid_to:
            raise ValidationError(
                f"Đơn vị cha {parent.name} ({parent.code}) đã hết hiệu lực từ sau {vn.fmt_date(parent.valid_to)}.",
                field="parent",
            )


def _check_actor(actor, parent: Unit | None) -> None:
    """None = the system itself (CLI, loader); otherwise a system administrator, or a unit administrator
    acting inside the subtree of his own unit."""
    if actor is None:
        return
    role = getattr(actor, "role", None)
    if role == "quan_tri_he_thong":
        return
    if role == "quan_tri_don_vi" and parent is not None and actor.unit is not None:
        if actor.unit.path and parent.path.startswith(actor.unit.path):
            return
    raise PermissionDenied("Bạn không có quyền thêm hoặc sửa đơn vị ở vị trí này.")


def _same_key_exists(session: Session, code: str, valid_from: date | None, exclude_id: int | None = None) -> bool:
    stmt = select(Unit.id).where(Unit.code == code)
    stmt = stmt.where(Unit.valid_from.is_(None) if valid_from is None else Unit.valid_from == valid_from)
    if exclude_id is not None:
        stmt = stmt.where(Unit.id != exclude_id)
    return session.execute(stmt.limit(1)).first() is not None


# --------------------------------------------------------------------------------------------- actions


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    level: str,
    kind: str,
    parent: Unit | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    source: str = "manual",
    actor=None,
) -> Unit:
    """Add a unit (an agency, or an area the official lists do not have yet) under `parent`."""
    code, name = (code or "").strip(), " ".join((name or "").split())
    _check_actor(actor, parent)
    check_unit(code=code, name=name, level=level, kind=kind, valid_from=valid_from, valid_to=valid_to, parent=parent)
    if _same_key_exists(session, code, valid_from):
        since = f" có hiệu lực từ {vn.fmt_date(valid_from)}" if valid_from else ""
        raise ValidationError(f"Đã có đơn vị mã «{code}»{since}.", field="code")
    unit = Unit(
        code=code,
        name=name,
        level=level,
        kind=kind,
        is_area=kind in AREA_KINDS,
        parent_id=parent.id if parent is not None else None,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
    )
    session.add(unit)
    session.flush()  # the after-insert hook writes the path, which needs the id
    return unit


_UPDATABLE = {"code", "name", "level", "kind", "parent", "valid_from", "valid_to"}


def update_unit(session: Session, unit: Unit, *, actor=None, **changes) -> Unit:
    """Change a unit's fields; `parent=` moves it with its whole subtree (paths rewritten in SQL)."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise ValidationError(f"Không sửa được trường: {', '.join(sorted(unknown))}.")
    parent = changes.get("parent", unit.parent)
    _check_actor(actor, unit.parent)
    if "parent" in changes:
        _check_actor(actor, parent)
    code = (changes.get("code", unit.code) or "").strip()
    name = " ".join((changes.get("name", unit.name) or "").split())
    level = changes.get("level", unit.level)
    kind = changes.get("kind", unit.kind)
    valid_from = changes.get("valid_from", unit.valid_from)
    valid_to = changes.get("valid_to", unit.valid_to)
    check_unit(code=code, name=name, level=level, kind=kind, valid_from=valid_from, valid_to=valid_to, parent=parent)
    if parent is not None and (parent.id == unit.id or parent.path.startswith(unit.path)):
        raise ValidationError(f"Không thể chuyển {unit.name} vào chính nó hoặc một đơn vị trực thuộc nó.", field="parent")
    if (code, valid_from) != (unit.code, unit.valid_from) and _same_key_exists(session, code, valid_from, unit.id):
        raise ValidationError(f"Đã có đơn vị mã «{code}» với cùng ngày có hiệu lực.", field="code")
    if level != unit.level:
        child_levels = session.scalars(select(Unit.level).where(Unit.parent_id == unit.id).distinct()).all()
        bad = [lv for lv in child_levels if not level_allowed_under(lv, level)]
        if bad:
            raise ValidationError(
                f"{unit.name} có đơn vị trực thuộc ở {Level(bad[0]).label.lower()}, không thể chuyển sang «{level}».",
                field="level",
            )
    unit.code, unit.name, unit.level, unit.kind = code, name, level, kind
    unit.is_area = kind in AREA_KINDS
    unit.valid_from, unit.valid_to = valid_from, valid_to
    unit.parent_id = parent.id if parent is not None else None
    unit.parent = parent
    session.flush()  # the after-update hook rewrites the subtree's paths when the parent changed
    return unit


# --------------------------------------------------------------------------------------------- paths


def _fill_missing_paths(session: Session) -> int:
    """Compute `path` for every unit whose path is empty, level by level, in SQL. Returns rows set."""
    done = session.execute(
        update(Unit)
        .where(Unit.parent_id.is_(None), Unit.path == "")
        .values(path=literal("/") + cast(Unit.id, String) + "/")
        .execution_options(synchronize_session=False)
    ).rowcount
    parent = aliased(Unit)
    while True:
        parent_path = select(parent.path).where(parent.id == Unit.parent_id).scalar_subquery()
        n = session.execute(
            update(Unit)
            .where(Unit.path == "", Unit.parent_id.in_(select(parent.id).where(parent.path != "")))
            .values(path=parent_path + cast(Unit.id, String) + "/")
            .execution_options(synchronize_session=False)
        ).rowcount
        if not n:
            break
        done += n
    left = session.scalar(select(func.count()).select_from(Unit).where(Unit.path == ""))
    if left:
        raise ValidationError(f"Có {vn.fmt_int(left)} đơn vị nằm trong vòng lặp đơn vị cha – con; không tính được đường dẫn.")
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Unit):
            session.expire(obj, ["path"])
    return done


def rebuild_paths(session: Session) -> int:
    """Recompute every unit's path from parent_id (repair tool); returns the number of units."""
    session.flush()
    session.execute(update(Unit).values(path="").execution_options(synchronize_session=False))
    return _fill_missing_paths(session)


def subtree_filter(unit: Unit) -> ColumnElement[bool]:
    """SQL condition 'this unit or anything under it' on the units table (join it to use in statistics)."""
    if not unit.path:
        raise ValidationError(f"Đơn vị {unit.name} chưa được lưu (chưa có đường dẫn).")
    return Unit.path.like(unit.path + "%")


def unit_ids_under(unit: Unit) -> Select:
    """select() of the ids of the unit and of every unit under it, for `X.unit_id.in_(…)`."""
    return select(Unit.id).where(subtree_filter(unit))


def children(session: Session, unit: Unit, on: date | None = None) -> list[Unit]:
    """Direct children (valid on `on`, if given), areas first then agencies, by code."""
    stmt = select(Unit).where(Unit.parent_id == unit.id)
    if on is not None:
        stmt = stmt.where(valid_on(on))
    return list(session.scalars(stmt.order_by(Unit.is_area.desc(), Unit.code, Unit.valid_from)))


def ancestors(unit: Unit) -> list[Unit]:
    """The chain of parents, root (province) first, without the unit itself."""
    chain: list[Unit] = []
    current = unit.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    chain.reverse()
    return chain


def valid_on(day: date) -> ColumnElement[bool]:
    """SQL condition: the unit is in force on `day`."""
    return (or_(Unit.valid_from.is_(None), Unit.valid_from <= day)) & (
        or_(Unit.valid_to.is_(None), Unit.valid_to >= day)
    )


# --------------------------------------------------------------------------------------------- look-ups


def resolve_unit(session: Session, code: str, on: date | None = None) -> Unit:
    """The unit with this code in force on `on`.

    Without a date: the unit in force today, otherwise the last one that bore the code.
    NotFound (Vietnamese, naming the code) when there is none.
    """
    code = str(code or "").strip()
    units = list(session.scalars(select(Unit).where(Unit.code == code)))
    if not units:
        raise NotFound(f"Không tìm thấy đơn vị mã «{code}».", field="code")
    day = on or clock.now().date()
    current = [u for u in units if u.valid_on(day)]
    if current:
        return max(current, key=lambda u: (u.valid_from or date.min))
    if on is None:
        return max(units, key=lambda u: (u.valid_to or date.max, u.valid_from or date.min))
    spans = "; ".join(_span(u) for u in sorted(units, key=lambda u: u.valid_from or date.min))
    raise NotFound(
        f"Không có đơn vị mã «{code}» có hiệu lực vào ngày {vn.fmt_date(on)} (mã này: {spans}).", field="code"
    )


def _span(unit: Unit) -> str:
    start = f"từ {vn.fmt_date(unit.valid_from)}" if unit.valid_from else ""
    end = f"đến {vn.fmt_date(unit.valid_to)}" if unit.valid_to else ""
    when = " ".join(p for p in (start, end) if p) or "không thời hạn"
    return f"{unit.name} {when}"


def list_units(
    session: Session,
    *,
    parent: Unit | None = None,
    level: str | None = None,
    on: date | None = None,
    q: str | None = None,
    limit: int | None = None,
) -> list[Unit]:
    """Units filtered by direct parent, level, validity date and an accent-insensitive text (name or code)."""
    stmt = select(Unit)
    if parent is not None:
        stmt = stmt.where(Unit.parent_id == parent.id)
    if level is not None:
        if level not in LEVEL_RANK:
            raise ValidationError(f"Cấp «{level}» không hợp lệ (chỉ nhận tinh, huyen, xa).", field="level")
        stmt = stmt.where(Unit.level == level)
    if on is not None:
        stmt = stmt.where(valid_on(on))
    order: list = []
    if q and q.strip():
        key = vn.search_fold(q)
        raw = q.strip()
        stmt = stmt.where(or_(Unit.name_key.like(f"%{_escape(key)}%", escape="\\"), Unit.code.like(f"{_escape(raw)}%", escape="\\")))
        order.append(case((Unit.code == raw, 0), (Unit.name_key == key, 1), (Unit.name_key.like(f"{_escape(key)}%", escape="\\"), 2), else_=3))
    order.append(case({"tinh": 0, "huyen": 1, "xa": 2}, value=Unit.level, else_=3))
    stmt = stmt.order_by(*order, Unit.is_area.desc(), Unit.code, Unit.valid_from)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def search_units(
    session: Session, q: str, level: str | None = None, on: date | None = None, limit: int = 50
) -> list[Unit]:
    """Accent-insensitive search by name ('ha noi' finds 'Thành phố Hà Nội') or code prefix."""
    return list_units(session, q=q, level=level, on=on, limit=limit)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def successors(session: Session, unit: Unit) -> list[Link]:
    """Units that took over this one (1/7/2025 reorganisation); partial = only part of it went there."""
    rows = session.execute(
        select(Unit, UnitSuccession.partial, UnitSuccession.effective)
        .join(UnitSuccession, UnitSuccession.new_unit_id == Unit.id)
        .where(UnitSuccession.old_unit_id == unit.id)
        .order_by(Unit.code)
    ).all()
    return [Link(u, bool(p), e) for u, p, e in rows]


def predecessors(session: Session, unit: Unit) -> list[Link]:
    """Units this one took over (whole or, if partial, in part)."""
    rows = session.execute(
        select(Unit, UnitSuccession.partial, UnitSuccession.effective)
        .join(UnitSuccession, UnitSuccession.old_unit_id == Unit.id)
        .where(UnitSuccession.new_unit_id == unit.id)
        .order_by(Unit.code)
    ).all()
    return [Link(u, bool(p), e) for u, p, e in rows]


def add_succession(session: Session, old: Unit, new: Unit, *, partial: bool = False, effective: date | None = None) -> UnitSuccession:
    """Record that `new` took over `old` (or part of it)."""
    if old.id == new.id:
        raise ValidationError("Một đơn vị không thể kế thừa chính nó.")
    link = session.scalar(
        select(UnitSuccession).where(UnitSuccession.old_unit_id == old.id, UnitSuccession.new_unit_id == new.id)
    )
    if link is None:
        link = UnitSuccession(old_unit_id=old.id, new_unit_id=new.id, effective=effective or TWO_TIER_FROM, partial=partial)
        session.add(link)
    else:
        link.partial = partial
        link.effective = effective or link.effective
    session.flush()
    return link


# --------------------------------------------------------------------------------------------- official lists


@dataclass(frozen=True)
class OfficialUnit:
    code: str
    valid_from: date | None
    valid_to: date | None
    level: str
    kind: str
    name: str
    parent: tuple[str, date | None] | None

    @property
    def key(self) -> tuple[str, date | None]:
        return (self.code, self.valid_from)


def _d(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@lru_cache(maxsize=2)
def read_official(data_dir: Path = DATA_DIR) -> tuple[tuple[OfficialUnit, ...], tuple[tuple[tuple, tuple, bool], ...]]:
    """The shipped lists: units (parents before children) and (old key, new key, partial) successions."""
    with (data_dir / "units.csv").open(encoding="utf-8", newline="") as fh:
        units = tuple(
            OfficialUnit(
                code=r["code"],
                valid_from=_d(r["valid_from"]),
                valid_to=_d(r["valid_to"]),
                level=r["level"],
                kind=r["kind"],
                name=r["name"],
                parent=(r["parent_code"], _d(r["parent_valid_from"])) if r["parent_code"] else None,
            )
            for r in csv.DictReader(fh)
        )
    with (data_dir / "successions.csv").open(encoding="utf-8", newline="") as fh:
        links = tuple(
            ((r["old_code"], _d(r["old_valid_from"])), (r["new_code"], _d(r["new_valid_from"])), r["partial"] == "1")
            for r in csv.DictReader(fh)
        )
    return units, links


def official_counts(units: Iterable[OfficialUnit]) -> dict[str, int]:
    """How many units of each level are in force after and before 1/7/2025."""
    counts = dict.fromkeys(("provinces", "communes", "legacy_provinces", "legacy_districts", "legacy_communes"), 0)

    def in_force(u: OfficialUnit, day: date) -> bool:
        return (u.valid_from is None or u.valid_from <= day) and (u.valid_to is None or day <= u.valid_to)

    names = {"tinh": "provinces", "huyen": "districts", "xa": "communes"}
    for u in units:
        if in_force(u, TWO_TIER_FROM):
            counts[names[u.level]] += 1
        if in_force(u, LEGACY_UNTIL):
            counts["legacy_" + names[u.level]] += 1
    counts.pop("districts", None)
    return counts


def load_official(session: Session, progress: Progress | None = None, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Insert or bring up to date the official units and the old → new mapping (idempotent, bulk SQL).

    Returns the counts of the lists ("provinces", "communes", "legacy_provinces", "legacy_districts",
    "legacy_communes", "successions") and of the changes made ("inserted", "updated", "successions_added").
    """
    official, links = read_official(data_dir)
    total = len(official) + len(links)
    done = 0
    session.flush()

    existing = {
        (code, vf): (uid, name, level, kind, vt, pid, src)
        for uid, code, vf, name, level, kind, vt, pid, src in session.execute(
            select(
                Unit.id, Unit.code, Unit.valid_from, Unit.name, Unit.level, Unit.kind, Unit.valid_to, Unit.parent_id, Unit.source
            )
        )
    }
    ids = {key: row[0] for key, row in existing.items()}

    depth: dict[tuple, int] = {}
    for u in official:
        depth[u.key] = 0 if u.parent is None else depth[u.parent] + 1
    inserted = updated = 0
    moved = False
    for level_depth in sorted(set(depth.values())):
        to_insert, to_update = [], []
        for u in official:
            if depth[u.key] != level_depth:
                continue
            parent_id = ids[u.parent] if u.parent else None
            values = {
                "code": u.code,
                "valid_from": u.valid_from,
                "valid_to": u.valid_to,
                "level": u.level,
                "kind": u.kind,
                "name": u.name,
                "name_key": vn.search_fold(u.name),
                "parent_id": parent_id,
                "is_area": True,
                "source": OFFICIAL_SOURCE,
            }
            old = existing.get(u.key)
            if old is None:
                to_insert.append({**values, "path": ""})
            elif old[1:] != (u.name, u.level, u.kind, u.valid_to, parent_id, OFFICIAL_SOURCE):
                moved = moved or old[5] != parent_id
                to_update.append({**values, "id": old[0]})
        for chunk in _chunks(to_insert, 2000):
            session.execute(insert(Unit.__table__), chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        if to_insert:
            for uid, code, vf in session.execute(
                select(Unit.id, Unit.code, Unit.valid_from).where(Unit.source == OFFICIAL_SOURCE, Unit.path == "")
            ):
                ids[(code, vf)] = uid
        if to_update:
            session.execute(update(Unit), to_update)
        inserted += len(to_insert)
        updated += len(to_update)
        done += len(to_update)
        if progress:
            progress(done, total)
    if moved:
        rebuild_paths(session)
    elif inserted:
        _fill_missing_paths(session)

    have = {
        (o, n): p
        for o, n, p in session.execute(
            select(UnitSuccession.old_unit_id, UnitSuccession.new_unit_id, UnitSuccession.partial)
        )
    }
    add, change = [], []
    for old_key, new_key, partial in links:
        pair = (ids[old_key], ids[new_key])
        if pair not in have:
            add.append({"old_unit_id": pair[0], "new_unit_id": pair[1], "partial": partial, "effective": TWO_TIER_FROM})
        elif bool(have[pair]) != partial:
            change.append(pair + (partial,))
    for chunk in _chunks(add, 5000):
        session.execute(insert(UnitSuccession), chunk)
    for old_id, new_id, partial in change:
        session.execute(
            update(UnitSuccession)
            .where(UnitSuccession.old_unit_id == old_id, UnitSuccession.new_unit_id == new_id)
            .values(partial=partial)
        )
    if progress:
        progress(total, total)
    session.flush()
    return {
        **official_counts(official),
        "successions": len(links),
        "inserted": inserted,
        "updated": updated,
        "successions_added": len(add),
        "successions_updated": len(change),
    }


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]
