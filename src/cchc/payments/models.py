"""A payment of a dossier's fees: one row per attempt, online or at the counter.

The fee lines are copied from the procedure when the attempt is made (what was asked for then), the amount is the
dossier's fee due at that moment; what the gateway confirmed is kept as it was signed (`confirmed_params`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cchc import clock
from cchc.db import Base


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_unit_created", "unit_id", "created_at"),
        Index("ix_payments_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the dossier's receiving unit, for the officers' lists
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 0))
    fee_lines: Mapped[list] = mapped_column(JSON, default=list)  # [{"kind", "description", "amount"}]
    method: Mapped[str] = mapped_column(String(16))  # Method
    txn_ref: Mapped[str | None] = mapped_column(String(40), unique=True)  # vnp_TxnRef: ours, sent to the gateway
    state: Mapped[str] = mapped_column(String(12), default="created")  # PaymentState
    gateway_txn_no: Mapped[str] = mapped_column(String(40), default="")  # vnp_TransactionNo
    bank_code: Mapped[str] = mapped_column(String(20), default="")
    response_code: Mapped[str] = mapped_column(String(4), default="")  # vnp_ResponseCode of the confirmation
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)  # vnp_PayDate, or when the counter took it
    confirmed_params: Mapped[dict] = mapped_column(JSON, default=dict)  # the signed parameters, as verified
    receipt_no: Mapped[str] = mapped_column(String(40), default="")  # biên lai số
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. confirmed after the dossier was already paid
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime)
    reconcile_result: Mapped[str] = mapped_column(Text, default="")  # "" = matches the gateway's answer
