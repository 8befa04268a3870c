"""The report as a Word document in the layout of Nghị định số 30/2020/NĐ-CP (python-docx).

A4, margins top/bottom 2 cm, left 3 cm, right 1,5 cm; Times New Roman 13–14 pt; a two-column
header (issuing body | Quốc hiệu, tiêu ngữ), number and place/date, title, subject, data window,
"Kính gửi", legal basis, sections I–V, closing, "Nơi nhận" and the signature block; page numbers
centred at the top from page 2; then the appendix with Biểu mẫu 1–7.

Section titles, the appendix and each Biểu mẫu are Word headings (Heading 1, 2: the navigation pane lists them);
no table row breaks across pages and each table's header row repeats; a drafted section (III, IV) is shaded and
opens with its notice, so that nobody takes the system's draft for the unit's words.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from cchc.docxkit import (
    cell_paragraph, column_widths, heading, heading_styles, keep_rows_whole, no_borders, paragraph, setup_a4, shade, short_rule,
)
from cchc.reports.assembly import Report

DRAFT_FILL = "FFF2CC"  # light yellow behind a drafted paragraph

def _header(doc, report: Report):
    h = report.header
    table = doc.add_table(rows=2, cols=2)
    no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, [6.2, 10.3])
    left, right = table.cell(0, 0), table.cell(0, 1)
    first = True
    if h.superior:
        cell_paragraph(left, h.superior, first, size=13)
        first = False
    for line in h.body:
        cell_paragraph(left, line, first, size=13, bold=True)
        first = False
    short_rule(left, 2.5, 6.2)
    cell_paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, size=12.5, bold=True)
    cell_paragraph(right, "Độc lập - Tự do - Hạnh phúc", False, size=14, bold=True, underline=True)
    cell_paragraph(table.cell(1, 0), h.number, True, size=13, after=6)
    cell_paragraph(table.cell(1, 1), h.place_date, True, size=14, italic=True, after=6)
    paragraph(doc, "BÁO CÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, before=12, after=0)
    paragraph(doc, h.subject, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    paragraph(doc, h.window, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=12)
    paragraph(doc, f"Kính gửi: {h.recipient}", align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=12)
    paragraph(doc, h.legal_basis, inline=True)


def _body(doc, report: Report, charts: list[tuple[str, Path]]):
    figure_no = 0
    for sec in report.sections:
        heading(doc, sec.title, 1 if sec.level == 1 else 2, align=WD_ALIGN_PARAGRAPH.LEFT if sec.level == 1 else WD_ALIGN_PARAGRAPH.JUSTIFY)
        for b in sec.blocks:
            if b.kind == "draft_note":
                p = paragraph(doc, b.text, bold=True, italic=True, size=13)
            elif b.kind == "bullet":
                p = paragraph(doc, f"- {b.text}", inline=True)
            elif b.kind == "sub":
                p = paragraph(doc, f"+ {b.text}", inline=True)
            elif b.kind == "subheading":
                p = paragraph(doc, b.text, italic=True, bold=True, inline=True)
                p.paragraph_format.keep_with_next = True
            elif b.kind == "missing":
                p = paragraph(doc, b.text, italic=True)
            else:
                p = paragraph(doc, b.text, inline=True)
            if b.draft:
                shade(p, DRAFT_FILL)
        if sec.key == "II.6":
            for caption, path in charts:
                figure_no += 1
                p = doc.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.paragraph_format.keep_with_next = True  # a chart never leaves its caption on the next page
                p.add_run().add_picture(str(path), width=Cm(14.5))
                paragraph(doc, f"Biểu đồ {figure_no}: {caption}", italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None)
    closing = paragraph(doc, report.closing, indent=1.0, before=6)
    closing.paragraph_format.keep_with_next = True


def _signature(doc, report: Report):
    h = report.header
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    keep_rows_whole(table)
    column_widths(table, [8.0, 8.5])
    left, right = table.cell(0, 0), table.cell(0, 1)
    cell_paragraph(left, "Nơi nhận:", True, size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for r in h.recipients:
        cell_paragraph(left, f"- {r}", False, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    first = True
    for line in h.signature:
        cell_paragraph(right, line, first, size=14, bold=True)
        first = False
    for _ in range(4):
        cell_paragraph(right, "", False, size=14)
    if h.signer:
        cell_paragraph(right, h.signer, False, size=14, bold=True)


def _appendix(doc, report: Report):
    p = doc.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    heading(doc, "Phụ lục", 1, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None).paragraph_format.space_after = 0
    paragraph(doc, report.appendix_title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    paragraph(doc, report.appendix_ref, italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=12)
    widths = [1.4, 8.0, 2.4, 2.3, 2.4]
    for t in report.tables:
        name = heading(doc, t.form.name, 2, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None)
        name.paragraph_format.space_before, name.paragraph_format.space_after = Pt(12), Pt(0)
        title = paragraph(doc, t.form.title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=6)
        title.paragraph_format.keep_with_next = True
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, ("STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Số liệu", "Ghi chú")):
            cell_paragraph(cell, text, True, size=12, bold=True)
        for row in t.form.rows:
            cells = table.add_row().cells
            bold = row.is_heading
            cell_paragraph(cells[0], row.stt, True, size=12, bold=bold)
            cell_paragraph(cells[1], row.label, True, size=12, bold=bold, align=WD_ALIGN_PARAGRAPH.LEFT)
            cell_paragraph(cells[2], row.unit, True, size=11)
            cell_paragraph(cells[3], t.display(row), True, size=12, align=WD_ALIGN_PARAGRAPH.RIGHT if row.kind in ("count", "money", "percent") else WD_ALIGN_PARAGRAPH.CENTER)
            cell_paragraph(cells[4], t.notes.get(row.stt, ""), True, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
        keep_rows_whole(table, header_rows=1)
        column_widths(table, widths)


def build(report: Report, charts: list[tuple[str, Path]] | None = None) -> Document:
    doc = Document()
    setup_a4(doc)
    heading_styles(doc, {1: 14, 2: 14})
    _header(doc, report)
    _body(doc, report, charts or [])
    _signature(doc, report)
    _appendix(doc, report)
    doc.core_properties.title = f"Báo cáo {report.header.subject}"
    doc.core_properties.author = report.unit_name
    return doc


def write(report: Report, path: Path, charts: list[tuple[str, Path]] | None = None) -> Path:
    path = Path(path)
    build(report, charts).save(str(path))
    return path
