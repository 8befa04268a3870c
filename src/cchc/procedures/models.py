"""The catalogue of administrative procedures (thủ tục hành chính, TTHC)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cchc.calendar.cache import watch
from cchc.db import Base


class Field(Base):
    """Lĩnh vực (e.g. Hộ tịch, Đất đai)."""

    __tablename__ = "procedure_fields"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))


class Procedure(Base):
    """One TTHC: code (MaTTHC, e.g. 1.001234), time limit, online level, fees, components, process."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    name_key: Mapped[str] = mapped_column(String(500), default="", index=True)  # accent-free, for search
    field_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_fields.id"), index=True)
    levels: Mapped[str] = mapped_column(String(32), default="tinh")  # comma-separated: tinh,huyen,xa
    agency_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    agency_name: Mapped[str] = mapped_column(String(255), default="")  # resolving agency as published
    time_amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    time_unit: Mapped[str] = mapped_column(String(16))  # TimeUnit
    cutoff_time: Mapped[time | None] = mapped_column(Time)  # after this, counting starts next working day
    online_level: Mapped[str] = mapped_column(String(16), default="khong")  # OnlineLevel
    eligible_full_online: Mapped[bool] = mapped_column(Boolean, default=False)
    paper_result: Mapped[bool] = mapped_column(Boolean, default=True)  # the result is a paper/document
    interconnection: Mapped[str] = mapped_column(String(16), default="khong")
    has_fee: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_online_integrated: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str] = mapped_column(String(16), default="ca_nhan")  # ca_nhan | to_chuc | ca_hai
    where_to_submit: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    result_name: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_from: Mapped[date | None] = mapped_column(Date)  # bãi bỏ / thay thế takes effect on this day
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id", ondelete="SET NULL"))
    published_on: Mapped[date | None] = mapped_column(Date)  # công khai on the national database

    field: Mapped[Field | None] = relationship()
    fees: Mapped[list[FeeLine]] = relationship(back_populates="procedure", cascade="all, delete-orphan", order_by="FeeLine.id")
    components: Mapped[list[Component]] = relationship(back_populates="procedure", cascade="all, delete-orphan", order_by="Component.seq")
    steps: Mapped[list[ProcessStep]] = relationship(back_populates="procedure", cascade="all, delete-orphan", order_by="ProcessStep.seq")
    publications: Mapped[list[Publication]] = relationship(
        back_populates="procedure",
        cascade="all, delete-orphan",
        order_by="Publication.decision_date",
        foreign_keys="Publication.procedure_id",
    )
    replaced_by: Mapped[Procedure | None] = relationship(remote_side=[id], foreign_keys=[replaced_by_id])

    def active_on(self, day: date) -> bool:
        """In force on `day`: not abolished or replaced with effect on or before that day."""
        return self.inactive_from is None or day < self.inactive_from

    @property
    def level_list(self) -> list[str]:
        return [x for x in self.levels.split(",") if x]


class FeeLine(Base):
    """A phí or lệ phí line (amount 0 = free)."""

    __tablename__ = "procedure_fees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="le_phi")  # phi | le_phi
    description: Mapped[str] = mapped_column(String(500), default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 0), default=0)

    procedure: Mapped[Procedure] = relationship(back_populates="fees")


class Component(Base):
    """A required dossier component (thành phần hồ sơ)."""

    __tablename__ = "procedure_components"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(500))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    procedure: Mapped[Procedure] = relationship(back_populates="components")


class ProcessStep(Base):
    """One step of the internal process (quy trình nội bộ): who acts, how long, may it send back."""

    __tablename__ = "procedure_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # StepRole
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # None: the dossier's handling unit
    duration_amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    duration_unit: Mapped[str] = mapped_column(String(16), default="gio_lam_viec")
    can_return: Mapped[bool] = mapped_column(Boolean, default=False)

    procedure: Mapped[Procedure] = relationship(back_populates="steps")


class Publication(Base):
    """A publication decision (quyết định công bố) that adds, amends, replaces or abolishes the procedure."""

    __tablename__ = "procedure_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    decision_no: Mapped[str] = mapped_column(String(120))
    decision_date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # PublicationKind
    effective_date: Mapped[date | None] = mapped_column(Date)
    legal_effective_date: Mapped[date | None] = mapped_column(Date)  # of the legal basis, for 766 indicator 1.1
    published_on: Mapped[date | None] = mapped_column(Date)  # công khai on CSDL QG, for 766 indicator 1.2
    # kind thay_the: the procedure that replaces this one (its code is kept even if it is not in the catalogue)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id", ondelete="SET NULL"))
    replaced_by_code: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(500), default="")

    procedure: Mapped[Procedure] = relationship(back_populates="publications", foreign_keys=[procedure_id])
    replaced_by: Mapped[Procedure | None] = relationship(foreign_keys=[replaced_by_id])


# A change of any of these tables renews the token under which serving processes keep procedures
# (cchc.procedures.cache), in the same transaction: declared with the tables, so that every process that can
# change them renews it.
PROCEDURES_CACHE = "procedures"
watch(PROCEDURES_CACHE, (Field.__tablename__, Procedure.__tablename__, FeeLine.__tablename__, Component.__tablename__,
                         ProcessStep.__tablename__, Publication.__tablename__))
