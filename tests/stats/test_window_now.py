"""A window that is not over yet judges open dossiers now, not at its (future) last instant."""

from __future__ import annotations

from datetime import date, timedelta

from cchc import clock
from cchc.periods import window
from cchc.stats.dossiers import dossier_figures
from tests.dossiers.factories import APPLICANT, make_world


def test_open_dossier_due_after_today_is_within_deadline_in_the_current_quarter(db):
    from cchc.dossiers import service

    w = make_world(db)
    service.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT)
    today = clock.now().date()
    end = today + timedelta(days=60)
    fig = dossier_figures(db, w.province, today - timedelta(days=1), end)
    assert fig["in_progress_total"] == 1
    assert fig["in_progress_within"] == 1 and fig["in_progress_overdue"] == 0
    assert window(today, end).judged_at <= clock.now()
    assert window(date(2024, 1, 1), date(2024, 3, 31)).judged_at.date() == date(2024, 3, 31)
