"""Administrative units and agencies (đơn vị hành chính, cơ quan), with validity dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    func,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value

from cchc.db import Base
from cchc.vn import search_fold


class Unit(Base):
    """A province / district / commune, or an agency under one (sở, phòng, Trung tâm PVHCC …).

    `code` is unique together with `valid_from`: the official lists reuse some codes across the
    1/7/2025 reorganisation, so a code is resolved against the date it is used at.
    `path` is the materialised path of ids ("/1/20/345/") so that "everything under a unit"
    is one indexed LIKE in SQL, whatever the depth.
    """

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("code", "valid_from", name="uq_units_code_valid_from"),
        # varchar_pattern_ops: PostgreSQL uses the index for `path LIKE '/1/20/%'` whatever the collation.
        Index("ix_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255), default="", index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    level: Mapped[str] = mapped_column(String(8))  # tinh | huyen | xa
    kind: Mapped[str] = mapped_column(String(32))
    is_area: Mapped[bool] = mapped_column(Boolean, default=False)  # an administrative area, not an agency
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    path: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(32), default="import")

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Unit {self.code} {self.name}>"


class UnitSuccession(Base):
    """Old → new mapping of the 1/7/2025 reorganisation (one old commune may go to several new ones)."""

    __tablename__ = "unit_successions"
    __table_args__ = (UniqueConstraint("old_unit_id", "new_unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    effective: Mapped[date] = mapped_column(Date)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)  # only part of the old unit went here


# --- kept right on every ORM write: the accent-free search key and the materialised path ----------------


@event.listens_for(Unit, "before_insert")
@event.listens_for(Unit, "before_update")
def _keep_name_key(_mapper, _connection, target: Unit) -> None:
    target.name_key = search_fold(target.name)


@event.listens_for(Unit, "after_insert")
def _path_on_insert(_mapper, connection, target: Unit) -> None:
    table = Unit.__table__
    prefix = "/"
    if target.parent_id is not None:
        prefix = connection.execute(select(table.c.path).where(table.c.id == target.parent_id)).scalar_one()
    path = f"{prefix}{target.id}/" if prefix else ""
    if path != target.path:
        connection.execute(update(table).where(table.c.id == target.id).values(path=path))
        set_committed_value(target, "path", path)


@event.listens_for(Unit, "after_update")
def _path_on_move(_mapper, connection, target: Unit) -> None:
    history = inspect(target).attrs.parent_id.history
    if not history.has_changes():
        return
    table = Unit.__table__
    old = connection.execute(select(table.c.path).where(table.c.id == target.id)).scalar_one()
    prefix = "/"
    if target.parent_id is not None:
        prefix = connection.execute(select(table.c.path).where(table.c.id == target.parent_id)).scalar_one()
    new = f"{prefix}{target.id}/"
    if old and new != old:
        connection.execute(
            update(table)
            .where(table.c.path.like(old + "%"))
            .values(path=literal(new) + func.substr(table.c.path, len(old) + 1))
        )
        session = object_session(target)
        for obj in list(session.identity_map.values()) if session is not None else ():
            if isinstance(obj, Unit) and obj is not target and (obj.__dict__.get("path") or "").startswith(old):
                set_committed_value(obj, "path", new + obj.__dict__["path"][len(old):])
    elif not old:
        connection.execute(update(table).where(table.c.id == target.id).values(path=new))
    set_committed_value(target, "path", new)
