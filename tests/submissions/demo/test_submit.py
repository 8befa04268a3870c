"""`submissions submit` of a unit on cchc is never held up by the figures cchc computed: before the check paired
by label and unit, the DOCX of Sở Nông nghiệp và Môi trường (quý III năm 2025) and of a commune (6 tháng 2026) got a
«Phụ lục và phần lời» warning on cchc's own sentences, and the leader could not send without acknowledging it."""

from __future__ import annotations

from datetime import datetime

import pytest

from cchc.periods import resolve_period
from cchc.submissions import service
from cchc.units.scope import resolve_unit


@pytest.mark.parametrize(("code", "spec"), [("000.00.09.H44", "2025-Q3"), ("18859", "2026-H1")])
def test_a_report_cchc_wrote_is_sent_without_warnings(demo_db, no_charts, code, spec):
    period = resolve_period(spec)
    unit = resolve_unit(demo_db, code, period.end)
    sub = service.prepare_from_cchc(demo_db, None, unit, period, now=datetime(2026, 11, 20, 9))
    assert sub.problems == []
    sub = service.submit(demo_db, None, unit, period, now=datetime(2026, 11, 20, 10))
    assert sub.state == "submitted" and not sub.problems_acknowledged
    assert "cảnh báo" not in service.events(demo_db, sub)[-1].comment
