"""Figures entered by hand for the Biểu mẫu (staffing, budget, plans …) and the narrative of a report."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cchc.db import Base, utcnow


class ManualFigure(Base):
    """One chỉ tiêu of one Biểu mẫu, entered for one unit and one reporting window.

    `value` holds the number (counts, %, đồng, 0/1 flags, choice codes); `text` a free answer
    where a row asks for one; `note` the "Ghi chú" column.
    """

    __tablename__ = "manual_figures"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_start", "period_end", "form", "stt", name="uq_manual_figures_cell"),
        Index("ix_manual_figures_unit_period", "unit_id", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    form: Mapped[int] = mapped_column(SmallInteger)  # Biểu mẫu number 1..7
    stt: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(120), default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ReportNarrative(Base):
    """What only people know, per section of the report ("I", "II.1" … "V", or a header key such as "kinh_gui")."""

    __tablename__ = "report_narratives"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_start", "period_end", "section", name="uq_report_narratives_section"),
        Index("ix_report_narratives_unit_period", "unit_id", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    section: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")  # Markdown
    author: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
