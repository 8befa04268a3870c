"""Citizens' rating of a finished dossier (TT 01/2018/TT-VPCP Điều 13): 9 criteria, 0–2 points each.

The unit and procedure are copied from the dossier so that satisfaction figures are one
GROUP BY over this table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cchc import clock
from cchc.db import Base


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_unit_rated", "unit_id", "rated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    rater_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    via: Mapped[str] = mapped_column(String(12))  # RatedVia

    # Criteria 1–9, 0–2 points each; NULL when the criterion does not apply to this dossier.
    c1: Mapped[int | None] = mapped_column(SmallInteger)
    c2: Mapped[int | None] = mapped_column(SmallInteger)
    c3: Mapped[int | None] = mapped_column(SmallInteger)
    c4: Mapped[int | None] = mapped_column(SmallInteger)
    c5: Mapped[int | None] = mapped_column(SmallInteger)
    c6: Mapped[int | None] = mapped_column(SmallInteger)
    c7: Mapped[int | None] = mapped_column(SmallInteger)
    c8: Mapped[int | None] = mapped_column(SmallInteger)
    c9: Mapped[int | None] = mapped_column(SmallInteger)
    total: Mapped[int] = mapped_column(SmallInteger)
    max_total: Mapped[int] = mapped_column(SmallInteger)  # 2 × the criteria that apply

    satisfaction: Mapped[str] = mapped_column(String(16), index=True)  # Satisfaction
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)

    def score(self, n: int) -> int | None:
        return getattr(self, f"c{n}")
