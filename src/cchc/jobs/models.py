"""Dead letters: a job that failed its last retry, kept until an administrator replays or discards it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cchc.db import Base

PENDING, REPLAYED, DISCARDED = "cho_xu_ly", "da_chay_lai", "da_bo"
STATE_LABELS = {PENDING: "Chờ xử lý", REPLAYED: "Đã chạy lại", DISCARDED: "Đã bỏ"}


class DeadLetter(Base):
    __tablename__ = "job_dead_letters"
    __table_args__ = (Index("ix_job_dead_letters_state_failed", "state", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(120))
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer)
    failed_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    handled_by: Mapped[str] = mapped_column(String(120), default="")
