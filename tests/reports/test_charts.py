"""Charts: a font with every Vietnamese letter, PNGs drawn only for what has data."""

from __future__ import annotations

from datetime import date

import pytest

from cchc.reports import charts
from cchc.reports.assembly import build_report
from cchc.reports.wording import percent

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


def one_level_figures(units_count: int) -> dict:
    """A commune's figures: every dossier received at cấp xã, by `units_count` receiving units, in three fields."""
    from .conftest import finish

    figures = seed_figures()
    d = figures["dossiers"]
    xa = {k: v for k, v in d.items() if k not in ("by_level", "by_unit")}
    d["by_level"] = {"tinh": finish({k: 0 for k in xa if k != "on_time_rate"}), "xa": dict(xa)}
    d["by_unit"] = [{"unit_code": "X", "unit_name": "Trung tâm Phục vụ hành chính công xã An Bình", "level": "xa", **xa}]
    if units_count > 1:
        half = {k: v // 2 for k, v in xa.items() if k != "on_time_rate"}
        rest = {k: xa[k] - half[k] for k in half}
        d["by_unit"] = [{"unit_code": "X1", "unit_name": "Bộ phận Một cửa xã An Bình", "level": "xa", **finish(half)},
                        {"unit_code": "X2", "unit_name": "Bộ phận Một cửa xã Tân Mỹ", "level": "xa", **finish(rest)}]
    figures["by_field"] = [
        {"field_name": "Hộ tịch", "new_total": 10, "new_online": 9, "resolved_total": 8, "resolved_in_time": 8, "resolved_late": 0,
         "in_progress_overdue": 0, "on_time_rate": 100.0, "online_rate": 90.0},
        {"field_name": "Chứng thực", "new_total": 6, "new_online": 2, "resolved_total": 6, "resolved_in_time": 5, "resolved_late": 1,
         "in_progress_overdue": 0, "on_time_rate": 83.33, "online_rate": 33.33},
    ]
    return figures


@pytest.mark.parametrize("units_count, by", [(1, "lĩnh vực"), (2, "đơn vị")])
def test_a_unit_at_one_level_is_charted_by_field_or_by_unit(db, units, period, tmp_path, units_count, by):
    figures = one_level_figures(units_count)
    report = build_report(db, units["office"], period, report_date=date(2023, 9, 20), figures_provider=lambda *a: figures,
                          trend_provider=trend_provider)
    data = charts.chart_data(report)
    assert data["on_time"][0] == by and data["online"][0] == by
    if by == "lĩnh vực":
        assert data["on_time"][1] == [("Hộ tịch", 100.0), ("Chứng thực", 83.33)]
    else:
        assert [label for label, _ in data["on_time"][1]] == ["Bộ phận Một cửa xã Tân Mỹ", "Bộ phận Một cửa xã An Bình"]  # larger first
    drawn = charts.render_charts(report, tmp_path)
    assert [title for title, _ in drawn][:2] == [f"Tỷ lệ hồ sơ giải quyết đúng hạn theo {by}", f"Tỷ lệ hồ sơ nộp trực tuyến theo {by}"]


def test_a_trend_has_no_empty_period_and_labels_as_the_report_writes_rates(db, units, period, tmp_path, monkeypatch):
    def sparse(session, unit, start, end):
        figures = trend_provider(session, unit, start, end)
        if end.month == 12:  # quý IV năm 2022: the unit had no dossier yet
            figures = {k: 0 for k in figures} | {"on_time_rate": None}
        return figures

    report = build_report(db, units["office"], period, report_date=date(2023, 9, 20), figures_provider=lambda *a: seed_figures(),
                          trend_provider=sparse)
    assert [p.label for p in report.trend] == ["quý I năm 2023", "quý II năm 2023", "quý III năm 2023"]
    written = []
    monkeypatch.setattr(charts, "percent", lambda v: written.append(v) or percent(v))
    drawn = charts.render_charts(report, tmp_path)
    assert drawn[-1][0] == "Xu hướng qua 3 kỳ báo cáo gần nhất"
    shown = [percent(v) for v in written]
    assert "99,01%" in shown and "51,20%" in shown
    assert all(not s.endswith(",00%") and "." not in s for s in shown)  # «100%», «99,01%»: the report's precision


def test_one_bar_is_no_chart_of_the_report_but_the_dashboards_fallback():
    from cchc.reports.assembly import rate_groups

    from .conftest import finish

    xa = finish({"received_total": 3, "new_total": 3, "new_online": 2, "resolved_total": 2, "resolved_in_time": 2})
    dossiers = {"by_level": {"xa": xa}, "by_unit": [{"unit_name": "Trung tâm", **xa}]}
    assert rate_groups(dossiers, []) == {"on_time": ("", []), "online": ("", [])}
    assert rate_groups(dossiers, [], one_bar=True) == {"on_time": ("cấp", [("Cấp xã", 100.0)]), "online": ("cấp", [("Cấp xã", 66.67)])}
