"""Pre-aggregated dossier counts (maintained by database triggers: see cchc.stats.daily)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cchc.db import Base


class DossierDayCount(Base):
    """How many received dossiers of a receiving unit and level had each kind of event on a day.

    Every column is a count of dossiers keyed by a day (the day they were received, ended, or passed
    their deadline); the figures of any window are sums of these rows (cchc.stats.daily). Written
    only by the triggers on `dossiers`, never by the application; `cchc stats rebuild` recomputes it.
    """

    __tablename__ = "dossier_day_counts"
    # SQLite: rows stored in primary-key order, so a unit's days are one contiguous range.
    __table_args__ = {"sqlite_with_rowid": False}

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(8), primary_key=True)  # Dossier.level, '' when unknown
    day: Mapped[date] = mapped_column(Date, primary_key=True)

    # Keyed by the day received (tiếp nhận), by channel.
    received_online: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    received_direct: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    received_postal: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Keyed by the day ended (never before the day received), by outcome.
    resolved_early: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_late: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    withdrawn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stopped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Of the refused, withdrawn and stopped ones, those classified late (quá hạn): 766 indicators 2.1, 5.4.
    ended_late_without_result: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Impossible data, counted so that the figures refuse it instead of hiding it: ended before received.
    ended_before_received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Keyed by the first day at whose end the dossier, if still open, is overdue (never before received).
    deadline_passed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The same dossiers once ended, keyed by the later of that day and the day ended.
    deadline_passed_ended: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
