"""reform_figures and the assigned tasks in all_figures: Biểu mẫu 1 rows 5.1–5.4 and the tasks' sentences in section I."""

from __future__ import annotations

from datetime import date

from cchc.periods import resolve_period
from cchc.reform.figures import reform_figures
from cchc.reports.assembly import build_report
from cchc.reports.markdown import render
from cchc.tasks.stats import KEYS
from tests.reports.conftest import seed_figures


def tasks_block(on_time: int, late: int, within: int, overdue: int) -> dict:
    f = {k: 0 for k in KEYS}
    f.update(done_on_time=on_time, done_late=late, done_total=on_time + late, in_progress_within=within, in_progress=within + overdue,
             in_progress_overdue=overdue, not_done_within=within, not_done_overdue=overdue, not_done_total=within + overdue,
             assigned_total=on_time + late + within + overdue)
    done = on_time + late
    f["on_time_rate"] = round(on_time * 100 / done, 2) if done else None
    return f


def test_reform_figures_of_an_empty_unit_are_zero(db, units):
    f = reform_figures(db, units.office, date(2023, 1, 1), date(2023, 12, 31))
    assert f["plan"] == {"year": 2023, "total": 0, "done": 0, "not_done": 0, "rate": None}
    assert f["directives"]["count"] == 0 and f["directives"]["items"] == []
    assert f["inspections"]["rate"] is None and f["communication"]["articles"] == 0


def test_tasks_fill_rows_5_and_speak_in_section_i(db, units):
    period = resolve_period("2024-H1")
    figures = seed_figures()
    gov, province = tasks_block(40, 3, 5, 2), tasks_block(100, 10, 20, 4)
    total = {k: (gov[k] or 0) + (province[k] or 0) for k in KEYS if k != "on_time_rate"}
    total["on_time_rate"] = round(total["done_on_time"] * 100 / total["done_total"], 2)
    figures["tasks"] = {**total, "by_source": {"chinh_phu": gov, "ubnd_tinh": province}}
    report = build_report(db, units.office, period, report_date=date(2024, 6, 20), figures_provider=lambda *a: figures, trend_periods=0)
    b1 = {t.form.number: t for t in report.tables}[1]
    assert [b1.display(b1.form.row(s)) for s in ("5.1", "5.2", "5.3", "5.4")] == ["50", "40", "3", "2"]
    said = " ".join(b.text for s in report.sections if s.key == "I" or s.key.startswith("I.") for b in s.blocks)  # section I and its sub-sections
    assert "tổng số nhiệm vụ đã giao trên phần mềm là 184 nhiệm vụ" in said
    assert "Chính phủ, Thủ tướng Chính phủ đã giao tổng cộng 50 nhiệm vụ" in said
    assert "| 5.1 | Tổng số nhiệm vụ được giao | Nhiệm vụ | 50 |" in render(report)


def test_a_computed_row_of_bieu_mau_1_is_refused_as_manual_input(db, units):
    import pytest

    from cchc.errors import ValidationError
    from cchc.reform import service

    for stt in ("1", "2.1", "2.2", "3.1", "3.2", "3.3.1", "3.3.2", "5.1", "5.4"):
        with pytest.raises(ValidationError, match=f"Biểu mẫu 1, STT {stt}: chỉ tiêu do hệ thống tự tính"):
            service.set_figure(db, None, units.office, date(2023, 1, 1), date(2023, 6, 14), 1, stt, 3)
