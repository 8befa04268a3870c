"""The outbox of the sync with Cổng DVCQG: one row per receipt or status change of a dossier.

Written in the same transaction as the change (cchc.sync.service.write_change), so a change committed always has its
row and a change rolled back never has one. The row's id is the sequence: rows of one dossier are sent in id order,
a later row never before an earlier one is acknowledged. The idempotency key (dossier code + event id) is sent with
each attempt, so the portal recognises a row it already received and the row is acknowledged once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cchc.db import Base
from cchc.dossiers.models import Dossier, DossierEvent

PENDING, ACKNOWLEDGED = "cho_gui", "da_xac_nhan"
STATE_LABELS = {PENDING: "Chờ gửi", ACKNOWLEDGED: "Đã được Cổng xác nhận"}
# How the portal acknowledged a row: received now, or received before (a repeated attempt).
ACCEPTED, DUPLICATE = "da_nhan", "da_nhan_truoc"
ACK_LABELS = {ACCEPTED: "Đã nhận", DUPLICATE: "Đã nhận từ lần gửi trước"}


class OutboxRow(Base):
    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_state_dossier", "state", "dossier_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the sequence
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("dossier_events.id", ondelete="CASCADE"), unique=True)
    dossier_code: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))  # the change: the journal's action
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)  # the record in DVCQG's field names (dvcqg_outbox.schema.json)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # back-off: not before
    last_error: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ack_status: Mapped[str] = mapped_column(String(16), default="")
    portal_reference: Mapped[str] = mapped_column(String(120), default="")

    dossier: Mapped[Dossier] = relationship(Dossier, lazy="select")
    event: Mapped[DossierEvent] = relationship(DossierEvent, lazy="select")


@event.listens_for(OutboxRow, "before_insert")
def _key(_mapper, _connection, row: OutboxRow) -> None:
    """The event's id exists only once the event is inserted, just before its outbox row."""
    row.idempotency_key = f"{row.dossier_code}:{row.event_id}"


class InboundDossier(Base):
    """A dossier submitted on the national portal and created here: its portal code, once (a record sent again
    creates nothing)."""

    __tablename__ = "sync_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portal_code: Mapped[str] = mapped_column(String(60), unique=True)  # the portal's MaHoSo
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
