"""Charts: a font with every Vietnamese letter, PNGs drawn only for what has data."""

from __future__ import annotations

from datetime import date

import pytest

from cchc.reports import charts
from cchc.reports.assembly import build_report

from .conftest import seed_figures, trend_provider


def test_the_font_found_has_every_vietnamese_letter():
    path = charts.find_font()
    assert charts.covers_vietnamese(path)


def test_no_font_gives_a_clear_message(monkeypatch, tmp_path):
    charts.find_font.cache_clear()
    monkeypatch.setattr(charts, "FONT_DIRS", (str(tmp_path),))
    monkeypatch.delenv("CCHC_CHART_FONT", raising=False)
    try:
        with pytest.raises(charts.FontMissing, match="fonts-liberation2"):
            charts.find_font()
    finally:
        charts.find_font.cache_clear()


def test_three_charts(db, units, period, tmp_path):
    report = build_report(db, units["office"], period, report_date=date(2023, 9, 20),
                          figures_provider=lambda *a: seed_figures(), trend_provider=trend_provider)
    drawn = charts.render_charts(report, tmp_path)
    assert [title for title, _ in drawn] == [
        "Tỷ lệ hồ sơ giải quyết đúng hạn theo cấp", "Tỷ lệ hồ sơ nộp trực tuyến theo cấp", "Xu hướng qua 4 kỳ báo cáo gần nhất",
    ]
    for _, path in drawn:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
