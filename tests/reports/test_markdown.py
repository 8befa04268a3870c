"""The Markdown report: same text as the DOCX, tables of the Biểu mẫu, chart links relative to the file."""

from __future__ import annotations

from datetime import date

from cchc.reports.assembly import build_report
from cchc.reports.markdown import render

from .conftest import seed_figures, trend_provider


def make(db, units, period, **kw):
    return build_report(db, units["office"], period, report_date=date(2023, 9, 20), figures_provider=lambda *a: seed_figures(),
                        trend_provider=trend_provider, **kw)


def test_layout_order(db, units, period):
    text = render(make(db, units, period))
    order = ["UBND TỈNH ĐỒNG THÁP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "# BÁO CÁO", "Kính gửi: Sở Nội vụ tỉnh Đồng Tháp",
             "## I. CÔNG TÁC CHỈ ĐẠO", "## II. KẾT QUẢ", "### 6. Xây dựng", "## III. ĐÁNH GIÁ CHUNG", "## IV. PHƯƠNG HƯỚNG",
             "## V. KIẾN NGHỊ", "Trên đây là báo cáo", "**Nơi nhận:**", "**KT. CHÁNH VĂN PHÒNG**", "## Phụ lục", "### Biểu mẫu 1",
             "### Biểu mẫu 7"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    assert "\n\n\n" not in text


def test_tables_escape_and_show_notes(db, units, period):
    text = render(make(db, units, period, narrative="# Nơi nhận\n- Sở Nội vụ;\n- Lưu: VT, HCQT.\n"))
    assert "| 1.4 | Tổng số TTHC thuộc thẩm quyền giải quyết tại địa phương | Thủ tục | 1.815 | Bao gồm cả ngành dọc |" in text
    assert "| 3 | **Kết quả giải quyết TTHC** |  |  |  |" in text
    assert "- Lưu: VT, HCQT." in text
    assert "| quý III năm 2023 | 99,01% | 51,20% |" in text


def test_chart_links_are_relative(db, units, period, tmp_path):
    charts = [("Tỷ lệ hồ sơ giải quyết đúng hạn theo cấp", tmp_path / "bc_bieu_do" / "a.png")]
    text = render(make(db, units, period), charts, base=tmp_path)
    assert "![Tỷ lệ hồ sơ giải quyết đúng hạn theo cấp](bc_bieu_do/a.png)" in text
    assert text.index("![") < text.index("## III. ĐÁNH GIÁ CHUNG")
