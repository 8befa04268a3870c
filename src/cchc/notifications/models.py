"""Every message cchc sends (e-mail, SMS, Zalo ZNS), written in the transaction of the action that caused it,
and each person's choice of channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cchc.db import Base

WAITING, SENT, FAILED = "cho_gui", "da_gui", "loi"
STATE_LABELS = {WAITING: "Chờ gửi", SENT: "Đã gửi", FAILED: "Lỗi"}
EMAIL, SMS, ZALO = "email", "sms", "zalo"
CHANNEL_LABELS = {EMAIL: "Thư điện tử", SMS: "Tin nhắn SMS", ZALO: "Zalo (ZNS)"}


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_state_created", "state", "created_at"),
        Index("ix_notifications_dedupe", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(255), default="")
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(255))  # the e-mail address or the phone number
    template: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text, default="{}")  # the template's values, JSON (Zalo ZNS sends them)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"), index=True)
    # one message per cause and recipient (a step's deadline is announced once, not every hour)
    dedupe_key: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(8), default=WAITING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # a delivery in progress holds the message until then: two workers never send it both
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    provider_ref: Mapped[str] = mapped_column(String(255), default="")

    # set from the object: a dossier received in the same action has no id before the flush
    dossier = relationship("Dossier", lazy="select")


class Preference(Base):
    """A person's channels: e-mail and/or one phone channel (SMS or Zalo). No row: e-mail if they have one."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    phone_channel: Mapped[str] = mapped_column(String(8), default="")  # "", sms, zalo
    updated_at: Mapped[datetime] = mapped_column(DateTime)
