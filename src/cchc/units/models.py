"""Administrative units and agencies (đơn vị hành chính, cơ quan), with validity dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cchc.db import Base


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
        Index("ix_units_path", "path"),
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
