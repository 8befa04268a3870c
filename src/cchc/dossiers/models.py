"""Dossiers (hồ sơ), their components, files, step hand-overs (Mẫu 06) and the append-only event log.

The dossier row keeps every column statistics need, so that figures are GROUP BY queries:
received / due / ended / returned times, supplement time and count, channel, level, unit,
procedure, state and the timeliness classified when it ended.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from cchc import clock
from cchc.db import Base
from cchc.dossiers.enums import State

if TYPE_CHECKING:  # for the relationships' annotations only: the models import each other's tables by name
    from cchc.procedures.models import Procedure
    from cchc.units.models import Unit


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_unit_received", "unit_id", "received_at"),
        # Statistics (cchc.stats.dossiers): dossiers received before a window and ended in or after it,
        # filtered on received_at inside the index instead of fetching every later-ended row.
        Index("ix_dossiers_unit_ended_received", "unit_id", "ended_at", "received_at"),
        Index("ix_dossiers_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # MaHoSo
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # MaDonViTiepNhan (receiving unit)
    level: Mapped[str] = mapped_column(String(8))  # level of the receiving unit at receipt: tinh|huyen|xa
    channel: Mapped[int] = mapped_column(SmallInteger)  # KenhThucHien 1|2|3
    state: Mapped[str] = mapped_column(String(24), index=True)
    status_code: Mapped[int] = mapped_column(SmallInteger)  # TrangThaiHoSo 1..10

    # Applicant (ChuHoSo) — personal data, masked on public pages.
    applicant_name: Mapped[str] = mapped_column(String(255))
    applicant_key: Mapped[str] = mapped_column(String(255), default="", index=True)  # accent-free, for search
    applicant_type: Mapped[int] = mapped_column(SmallInteger, default=1)  # LoaiDoiTuong: 1 công dân, 2 tổ chức
    applicant_id_number: Mapped[str] = mapped_column(String(20), default="")  # SoDinhDanh
    applicant_address: Mapped[str] = mapped_column(String(500), default="")
    applicant_phone: Mapped[str] = mapped_column(String(20), default="")
    applicant_email: Mapped[str] = mapped_column(String(255), default="")
    authorized_person: Mapped[str] = mapped_column(String(255), default="")  # người được ủy quyền
    request_summary: Mapped[str] = mapped_column(Text, default="")
    copies: Mapped[int] = mapped_column(Integer, default=1)  # số bộ
    result_delivery: Mapped[str] = mapped_column(String(16), default="truc_tiep")  # HinhThucTra
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    # Times (naive local). ended_at = NgayKetThucXuLy: first of finished/refused/withdrawn/stopped.
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)  # NgayNopHoSo
    received_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # NgayTiepNhan
    due_at: Mapped[datetime | None] = mapped_column(DateTime)  # NgayHenTra, never moved
    extended_due_at: Mapped[datetime | None] = mapped_column(DateTime)  # new date of the one apology (Mẫu 04)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # NgayKetThucXuLy
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)  # NgayTra
    not_accepted_at: Mapped[datetime | None] = mapped_column(DateTime)  # NgayTuChoi (at receipt)

    # Supplement (only one allowed; the clock stops while the citizen supplements).
    supplement_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    supplement_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    supplemented_at: Mapped[datetime | None] = mapped_column(DateTime)
    supplement_seconds: Mapped[int] = mapped_column(Integer, default=0)  # time not counted against the agency

    apology_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    financial_requested_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Classified once, when the dossier ends (DOMAIN.md §6 on-time rule).
    timeliness: Mapped[str | None] = mapped_column(String(12))  # truoc_han | dung_han | qua_han

    # Current position in the internal process.
    current_step_seq: Mapped[int | None] = mapped_column(Integer)
    current_role: Mapped[str | None] = mapped_column(String(16))
    current_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    current_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    current_step_due_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Fees and payment.
    fee_amount: Mapped[Decimal] = mapped_column(Numeric(14, 0), default=0)
    fee_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_online: Mapped[int] = mapped_column(SmallInteger, default=0)  # DuocThanhToanTrucTuyen 0|1|2

    # Digitisation and data reuse (TT 01/2023; 766 group 4).
    components_digitized: Mapped[bool] = mapped_column(Boolean, default=False)  # files attached to components
    reused_digitized: Mapped[bool] = mapped_column(Boolean, default=False)  # HoSoCoThanhPhanSoHoa
    from_personal_store: Mapped[bool] = mapped_column(Boolean, default=False)  # DuocLayTuKhoDMQG
    vneid_verified: Mapped[bool] = mapped_column(Boolean, default=False)  # TaiKhoanDuocXacThucVoiVNeID
    synced_dvcqg: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # true only when a sync is recorded

    # Result.
    result_number: Mapped[str] = mapped_column(String(120), default="")
    result_summary: Mapped[str] = mapped_column(Text, default="")
    result_esigned: Mapped[bool] = mapped_column(Boolean, default=False)
    result_digitized: Mapped[bool] = mapped_column(Boolean, default=False)  # electronic result file attached
    end_reason: Mapped[str] = mapped_column(Text, default="")  # refusal / stop / withdrawal reason

    source: Mapped[str] = mapped_column(String(16), default="cchc")  # cchc | import
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    procedure: Mapped[Procedure] = relationship("Procedure", lazy="select")
    unit: Mapped[Unit] = relationship("Unit", foreign_keys=[unit_id], lazy="select")
    components: Mapped[list[DossierComponent]] = relationship(back_populates="dossier", cascade="all, delete-orphan", order_by="DossierComponent.seq")
    files: Mapped[list[DossierFile]] = relationship(back_populates="dossier", cascade="all, delete-orphan", order_by="DossierFile.id")
    steps: Mapped[list[DossierStep]] = relationship(back_populates="dossier", cascade="all, delete-orphan", order_by="DossierStep.id")
    events: Mapped[list[DossierEvent]] = relationship(back_populates="dossier", order_by="DossierEvent.id", viewonly=True)

    @validates("state")
    def _sync_status_code(self, _key: str, value: str) -> str:
        """The one place TrangThaiHoSo follows the state: status_code = State(state).dvcqg_code."""
        self.status_code = State(value).dvcqg_code
        return State(value).value

    @staticmethod
    def new_step_row(**values) -> DossierStep:
        """A row of Mẫu 06 for cchc.dossiers.transitions (the bulk path's drafts make plain rows)."""
        return DossierStep(**values)


class DossierComponent(Base):
    """A component received (ticked at the counter or uploaded online)."""

    __tablename__ = "dossier_components"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    component_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_components.id"))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(500))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    received: Mapped[bool] = mapped_column(Boolean, default=True)
    digitized: Mapped[bool] = mapped_column(Boolean, default=False)
    reused: Mapped[bool] = mapped_column(Boolean, default=False)  # taken from the digitised-data store

    dossier: Mapped[Dossier] = relationship(back_populates="components")


class DossierFile(Base):
    """A stored file (component scan, supplement, result), addressed by its SHA-256."""

    __tablename__ = "dossier_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    component_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_components.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # thanh_phan | bo_sung | ket_qua
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    # A PDF's digital signature as verified when it was stored (cchc.signatures.verification): who signed, for
    # which organisation, when, the CA and the certificate's serial; or why it does not stand (signature_problem).
    signer: Mapped[str] = mapped_column(String(255), default="", server_default="")
    signer_organisation: Mapped[str] = mapped_column(String(255), default="", server_default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    signature_issuer: Mapped[str] = mapped_column(String(255), default="", server_default="")
    signature_serial: Mapped[str] = mapped_column(String(80), default="", server_default="")
    signature_problem: Mapped[str] = mapped_column(Text, default="", server_default="")

    dossier: Mapped[Dossier] = relationship(back_populates="files")


class DossierStep(Base):
    """One hand-over in the internal process: a row of Mẫu 06 (Phiếu kiểm soát quá trình)."""

    __tablename__ = "dossier_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    step_seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)  # time received by this step
    due_at: Mapped[datetime | None] = mapped_column(DateTime)  # time given to this step
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)  # time handed over
    outcome: Mapped[str | None] = mapped_column(String(16))  # chuyen_tiep | tra_lai | ket_thuc
    timeliness: Mapped[str | None] = mapped_column(String(12))  # truoc_han | dung_han | qua_han
    note: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="steps")


class DossierEvent(Base):
    """Append-only history: who did what, when, from which state to which."""

    __tablename__ = "dossier_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    dossier: Mapped[Dossier] = relationship(back_populates="events")


def _refuse_event_change(_mapper, _connection, target: DossierEvent) -> None:
    from cchc.errors import InvalidTransition

    raise InvalidTransition(f"Nhật ký hồ sơ chỉ được ghi thêm: không sửa, không xóa sự kiện số {target.id}.")


sa_event.listen(DossierEvent, "before_update", _refuse_event_change)
sa_event.listen(DossierEvent, "before_delete", _refuse_event_change)


class DossierCounter(Base):
    """The daily sequence per unit for dossier codes <unit code>-YYMMDD-XXXX (atomic upsert)."""

    __tablename__ = "dossier_counters"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
