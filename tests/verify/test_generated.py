"""A report cchc wrote itself adds up: check-report finds nothing in it."""

from __future__ import annotations

from datetime import date

from cchc.reports.assembly import build_report
from cchc.reports import docx
from cchc.reports.markdown import render
from cchc.verify import check_report_file, check_report_text
from tests.reports.conftest import add_unit, seed_figures, trend_provider
from cchc.periods import resolve_period


def test_generated_markdown_has_no_problem(db, tmp_path):
    province = add_unit(db, "87", "Tỉnh Đồng Tháp", "tinh", "tinh", is_area=True)
    office = add_unit(db, "000.00.01.H87", "Văn phòng UBND tỉnh", "tinh", "van_phong", parent=province)
    report = build_report(db, office, resolve_period("2023-Q3"), report_date=date(2023, 9, 20),
                          figures_provider=lambda *a: seed_figures(), trend_provider=trend_provider)
    text = render(report)
    assert "184.027" in text and "| 1.4 |" in text  # the figures and the appendix are really there
    assert check_report_text(text) == []
    path = tmp_path / "bao_cao.md"
    path.write_text(text, encoding="utf-8")
    assert check_report_file(path) == []
    assert check_report_file(docx.write(report, tmp_path / "bao_cao.docx")) == []
    # the appendix tables and the text are really read: one changed cell, one changed part → one problem each
    row = "| 3.2 | Tỷ lệ hồ sơ TTHC do UBND cấp huyện tiếp nhận được giải quyết đúng hạn | % | 96,55% |"
    assert row in text
    wrong = check_report_text(text.replace(row, row.replace("96,55%", "98,57%")))
    assert [(p.kind, p.stated_text, p.computed_text) for p in wrong] == [("ty_le", "98,57%", "96,55%")]
    wrong = check_report_text(text.replace("trễ hạn: 1.500.", "trễ hạn: 1.600."))
    assert [(p.kind, p.stated_text, p.computed_text) for p in wrong] == [("tong_thanh_phan", "152.104", "152.204")]
