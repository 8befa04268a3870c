"""The DOCX: ND 30/2020 layout, Times New Roman, the sentences with exact figures, the Biểu mẫu appendix."""

from __future__ import annotations

from datetime import date

import pytest
from docx import Document
from docx.shared import Cm

from cchc.reports.assembly import build_report
from cchc.reports.charts import render_charts
from cchc.reports.docx import write

from .conftest import seed_figures, trend_provider


@pytest.fixture
def report(db, units, period):
    return build_report(db, units["office"], period, report_date=date(2023, 9, 20), figures_provider=lambda *a: seed_figures(),
                        trend_provider=trend_provider, narrative="# V\nĐề nghị **Sở Nội vụ** hỗ trợ.\n# Người ký\nHuỳnh Thanh Sơn\n")


def test_docx_layout_text_and_tables(report, tmp_path):
    charts = render_charts(report, tmp_path / "charts")
    path = write(report, tmp_path / "bao_cao.docx", charts)
    doc = Document(str(path))
    sec = doc.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(sec.left_margin.cm, 1), round(sec.right_margin.cm, 1), round(sec.top_margin.cm, 1)) == (3.0, 1.5, 2.0)
    header = doc.tables[0]
    left = [p.text for p in header.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in header.cell(0, 1).paragraphs if p.text]
    assert left == ["UBND TỈNH ĐỒNG THÁP", "VĂN PHÒNG UBND TỈNH"]
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    motto = header.cell(0, 1).paragraphs[1].runs[0]
    assert motto.underline and motto.bold
    assert header.cell(0, 0).paragraphs[1].runs[0].bold
    assert header.cell(1, 1).paragraphs[0].text == "Đồng Tháp, ngày 20 tháng 9 năm 2023"
    assert header.cell(1, 1).paragraphs[0].runs[0].italic
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts and "Công tác cải cách hành chính quý III năm 2023" in texts
    assert "(số liệu tính từ 15/6/2023 đến 14/9/2023)" in texts
    assert "Kính gửi: Sở Nội vụ tỉnh Đồng Tháp" in texts
    assert (
        "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 184.027; trong đó: Số mới tiếp nhận trong kỳ: "
        "162.637 (trực tuyến: 83.273, trực tiếp và qua dịch vụ bưu chính: 79.364); số từ kỳ trước chuyển qua: 21.390."
    ) in texts
    assert "- Số lượng hồ sơ đang giải quyết: 10.277; trong đó, trong hạn: 9.547, quá hạn: 730." in texts
    for title in ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH", "II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
                  "6. Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", "III. ĐÁNH GIÁ CHUNG", "1. Mặt tích cực", "2. Hạn chế",
                  "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ IV NĂM 2023", "V. KIẾN NGHỊ, ĐỀ XUẤT"):
        assert title in texts
    bold = next(p for p in doc.paragraphs if p.text == "Đề nghị Sở Nội vụ hỗ trợ.")
    assert [(r.text, bool(r.bold)) for r in bold.runs] == [("Đề nghị ", False), ("Sở Nội vụ", True), (" hỗ trợ.", False)]
    # 16 sections without sub-sections: V written; II.2, II.6 have figures; III.1–III.3 and IV are drafts (issue 12 item 4)
    assert texts.count("(Chưa có nội dung do đơn vị nhập cho mục này.)") == 16 - 1 - 2 - 4
    assert "Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính quý III năm 2023 của Văn phòng UBND tỉnh./." in texts
    assert "Biểu đồ 1: Tỷ lệ hồ sơ giải quyết đúng hạn theo cấp" in texts
    assert len(doc.inline_shapes) == 3
    assert all(abs(s.width - Cm(14.5)) < Cm(0.05) for s in doc.inline_shapes)
    sign = doc.tables[1]
    assert [p.text for p in sign.cell(0, 1).paragraphs if p.text] == ["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Huỳnh Thanh Sơn"]
    assert sign.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    # appendix: seven tables STT | Chỉ tiêu thống kê | Đơn vị tính | Số liệu | Ghi chú
    forms = doc.tables[2:]
    assert len(forms) == 7
    assert [c.text for c in forms[0].rows[0].cells] == ["STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Số liệu", "Ghi chú"]
    f3 = {row.cells[0].text: [c.text for c in row.cells] for row in forms[2].rows}
    assert f3["3.1"][3] == "99,69%" and f3["3.1.1"][3] == "52.414" and f3["1.4"][4] == "Bao gồm cả ngành dọc"
    assert "Phụ lục" in texts and "THỐNG KÊ SỐ LIỆU BÁO CÁO CẢI CÁCH HÀNH CHÍNH" in texts
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs if r.text.strip()}
    assert fonts == {"Times New Roman"}
    sizes = {r.font.size.pt for p in doc.paragraphs for r in p.runs if r.text.strip() and p.text in texts[:12]}
    assert sizes <= {12.0, 13.0, 14.0}


def test_headings_rows_and_drafts_as_a_clerk_lays_them_out(report, tmp_path):
    """Issue 12 item 5: Word headings (the navigation pane lists the sections and the Biểu mẫu), no table row split
    across pages, header rows repeated; a drafted section shaded behind its notice."""
    from docx.oxml.ns import qn

    doc = Document(str(write(report, tmp_path / "bao_cao.docx")))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    titles = [(("Heading 1" if s.level == 1 else "Heading 2"), s.title) for s in report.sections]
    assert headings[: len(titles)] == titles
    assert headings[len(titles):] == [("Heading 1", "Phụ lục")] + [("Heading 2", t.form.name) for t in report.tables]
    for level in (1, 2):
        style = doc.styles[f"Heading {level}"]
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert {fonts.get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")} == {"Times New Roman"}
        assert fonts.get(qn("w:asciiTheme")) is None
        color = style.element.rPr.find(qn("w:color"))
        assert color.get(qn("w:val")) == "000000" and color.get(qn("w:themeColor")) is None
    for k, table in enumerate(doc.tables[1:]):  # the signature block, then every Biểu mẫu
        for i, row in enumerate(table.rows):
            trpr = row._tr.trPr
            assert trpr is not None and trpr.find(qn("w:cantSplit")) is not None
            assert (trpr.find(qn("w:tblHeader")) is not None) == (i == 0 and k > 0)
            # schema order: cantSplit comes before tblHeader
            tags = [el.tag for el in trpr]
            if qn("w:tblHeader") in tags:
                assert tags.index(qn("w:cantSplit")) < tags.index(qn("w:tblHeader"))
    shaded = [p.text for p in doc.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:shd")) is not None]
    drafted = [b for s in report.sections for b in s.blocks if b.draft]
    assert len(shaded) == len(drafted) and shaded[0].startswith("Dự thảo do hệ thống lập từ số liệu")
    assert sum(1 for text in shaded if text.startswith("Dự thảo do hệ thống")) == 4  # III.1, III.2, III.3, IV
