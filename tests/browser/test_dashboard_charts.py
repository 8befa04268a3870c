"""In real Chromium, under the Content-Security-Policy: the dashboard's lazy panels arrive by htmx and ECharts
draws their charts (a canvas in each chart box) from the JSON they carry, with no policy violation."""

from __future__ import annotations

from datetime import datetime

import pytest

from cchc.db import session_factory
from cchc.dossiers.enums import State
from tests.browser.conftest import login
from tests.browser.test_csp import watched
from tests.stats.conftest import add_dossier

pytestmark = pytest.mark.browser


def test_dashboard_charts_render_in_the_browser(new_page, world):
    with session_factory()() as s:
        commune, proc = s.merge(world.commune), s.merge(world.procedure)
        add_dossier(s, commune, proc, State.FINISHED, datetime(2025, 1, 6, 8), ended_at=datetime(2025, 1, 8, 9),
                    due_at=datetime(2025, 1, 13, 17), timeliness="dung_han", channel=2)
        add_dossier(s, commune, proc, State.FINISHED, datetime(2025, 4, 6, 8), ended_at=datetime(2025, 4, 20, 9),
                    due_at=datetime(2025, 4, 13, 17), timeliness="qua_han")
        s.commit()
    page = new_page()
    problems = watched(page)
    login(page, world.reporter.username)
    response = page.goto("/thong-ke?ky=2025-Q2")
    assert response is not None and response.status == 200
    charts = page.locator("#bieu-do .echart canvas")
    charts.first.wait_for(timeout=15000)  # the fragment came (htmx) and ECharts drew into it
    assert page.locator("#bieu-do .echart").count() >= 1 and charts.count() == page.locator("#bieu-do .echart").count()
    page.locator("#xu-huong .echart canvas").wait_for(timeout=15000)  # quý I and quý II: a line
    box = page.locator("#bieu-do .echart").first.bounding_box()
    assert box and box["height"] >= 200 and box["width"] > 100
    page.get_by_text("Bộ chỉ số 766").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert not page.evaluate("window.__cspViolations") and not problems, problems
