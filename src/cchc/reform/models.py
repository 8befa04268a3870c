"""Figures entered by hand for the Biểu mẫu (staffing, budget, plans …), the narrative of a report, the
record of each report a unit sends up (whose state freezes them), and the CCHC registers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cchc import clock
from cchc.db import Base


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
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)


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
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)


class Submission(Base):
    """A unit's CCHC report for one window: draft → submitted → accepted | returned (→ draft again).

    Sent up by cchc.submissions; defined here because its state freezes the figures and narratives above
    (cchc.reform.lock), and reform sits below the workflow that sends reports up.
    """

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_start", "period_end", name="uq_submissions_unit_period"),
        Index("ix_submissions_period", "period_start", "period_end", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_key: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default="draft")  # cchc.reform.lock: DRAFT … RETURNED
    source: Mapped[str] = mapped_column(String(8), default="cchc")  # cchc | xlsx
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_media: Mapped[str] = mapped_column(String(120), default="")
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    problems_acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    prepared_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    prepared_by: Mapped[str] = mapped_column(String(120), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


# --- the unit's CCHC work: plan, directive documents, inspections, communication ------------------

class PlanItem(Base):
    """One chỉ tiêu/nhiệm vụ of a unit's annual CCHC plan (Kế hoạch CCHC năm), with its owner and deadline."""

    __tablename__ = "reform_plan_items"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "code", name="uq_reform_plan_items_code"),
        Index("ix_reform_plan_items_unit_year", "unit_id", "year", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(24))  # STT in the plan: "1", "2.3" …
    content: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(255), default="")  # unit or person in charge
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="chua_thuc_hien")
    completed_at: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")  # document or result proving completion
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)


class DirectiveDocument(Base):
    """A directive document the unit issued (Kế hoạch số 36/KH-VPUBND ngày 29/12/2022 về …)."""

    __tablename__ = "reform_directives"
    __table_args__ = (
        UniqueConstraint("unit_id", "number", "issued_on", name="uq_reform_directives_number"),
        Index("ix_reform_directives_unit_date", "unit_id", "issued_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(60))  # "36/KH-VPUBND"
    kind: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(24), default="chung")
    is_cchc: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)


class Inspection(Base):
    """One CCHC inspection the unit carried out: whom, when, issues found and resolved."""

    __tablename__ = "reform_inspections"
    __table_args__ = (Index("ix_reform_inspections_unit_date", "unit_id", "inspected_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    inspected_on: Mapped[date] = mapped_column(Date)
    inspected_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    inspected_name: Mapped[str] = mapped_column(String(255), default="")
    target_kind: Mapped[str] = mapped_column(String(12))  # so_nganh | huyen | xa | noi_bo
    issues_found: Mapped[int] = mapped_column(Integer, default=0)
    issues_resolved: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)


class CommunicationActivity(Base):
    """Tuyên truyền CCHC: articles (tin, bài), meetings (cuộc) with their participants, programmes."""

    __tablename__ = "reform_communications"
    __table_args__ = (Index("ix_reform_communications_unit_date", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # bai_viet | hoi_nghi | chuyen_muc | khac
    title: Mapped[str] = mapped_column(Text, default="")
    count: Mapped[int] = mapped_column(Integer, default=1)  # articles, meetings or programmes in this entry
    participants: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)
