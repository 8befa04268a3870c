"""Feedback (phản ánh, kiến nghị — PAKN) about procedures and officers, its history and votes.

The row keeps what statistics count in SQL: the state, the time of each step and, set when the
step happens, whether it was on time by the 766 timings (chỉ tiêu 5.2). `resolve_due_at` is the
deadline of the answer (15 working days, plus the working time the sender took to supplement),
so "đang xử lý quá hạn" is `state IN open AND resolve_due_at < now`; it is NULL while the clock is
stopped, waiting for the sender's supplement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cchc import clock
from cchc.db import Base
from cchc.vn import search_fold


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_unit_received", "unit_id", "received_at"),
        Index("ix_feedback_state_due", "state", "resolve_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the unit that receives and handles it
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))  # Category
    channel: Mapped[str] = mapped_column(String(16))  # Channel

    # Sender — personal data, masked on public pages.
    sender_name: Mapped[str] = mapped_column(String(255))
    sender_contact: Mapped[str] = mapped_column(String(255), default="")  # phone, email or address
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    title: Mapped[str] = mapped_column(String(500), default="")
    content: Mapped[str] = mapped_column(Text)
    # code, title, content and answer lower-case and accent-free («khai sinh» finds «Khai sinh», «khai
    # sính»…): kept by the mapper events below on every insert and update.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # FeedbackState
    in_competence: Mapped[bool] = mapped_column(Boolean, default=True)

    # Steps (naive local times).
    supplement_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    supplement_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    supplement_request: Mapped[str] = mapped_column(Text, default="")
    supplemented_at: Mapped[datetime | None] = mapped_column(DateTime)
    supplement_content: Mapped[str] = mapped_column(Text, default="")
    refused_at: Mapped[datetime | None] = mapped_column(DateTime)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime)
    forwarded_to: Mapped[str] = mapped_column(String(255), default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)  # result ready (chờ công khai)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Citizens' reaction to the published answer (766 chỉ tiêu 5.3: dislike > like = không hài lòng).
    likes: Mapped[int] = mapped_column(Integer, default=0)
    dislikes: Mapped[int] = mapped_column(Integer, default=0)

    # Deadline of the answer and the on-time flags, stored when each step happens (766 chỉ tiêu 5.2).
    resolve_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    refused_on_time: Mapped[bool | None] = mapped_column(Boolean)
    supplement_on_time: Mapped[bool | None] = mapped_column(Boolean)
    forwarded_on_time: Mapped[bool | None] = mapped_column(Boolean)
    answered_on_time: Mapped[bool | None] = mapped_column(Boolean)
    published_on_time: Mapped[bool | None] = mapped_column(Boolean)

    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)

    events: Mapped[list[FeedbackEvent]] = relationship(back_populates="feedback", order_by="FeedbackEvent.id", viewonly=True)


class FeedbackEvent(Base):
    """Append-only history of a feedback: who, when, from which state to which, with a note."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    feedback: Mapped[Feedback] = relationship(back_populates="events")


class FeedbackVote(Base):
    """One like / dislike per user on a published answer (the counters on Feedback are its sums)."""

    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("feedback_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    value: Mapped[str] = mapped_column(String(12))  # Vote
    at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)


def feedback_search_text(code: str | None, title: str | None, content: str | None, answer: str | None) -> str:
    return search_fold(" ".join(x for x in (code, title, content, answer) if x))


@sa_event.listens_for(Feedback, "before_insert")
@sa_event.listens_for(Feedback, "before_update")
def _keep_search_text(_mapper, _connection, target: Feedback) -> None:
    target.search_text = feedback_search_text(target.code, target.title, target.content, target.answer)
