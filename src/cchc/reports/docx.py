"""The report as a Word document in the layout of Nghị định số 30/2020/NĐ-CP (python-docx).

A4, margins top/bottom 2 cm, left 3 cm, right 1,5 cm; Times New Roman 13–14 pt; a two-column
header (issuing body | Quốc hiệu, tiêu ngữ), number and place/date, title, subject, data window,
"Kính gửi", legal basis, sections I–V, closing, "Nơi nhận" and the signature block; page numbers
centred at the top from page 2; then the appendix with Biểu mẫu 1–7.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from cchc.reports.assembly import Report

FONT = "Times New Roman"
BODY_PT = 14
_INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*)")


def _font(run, size: float = BODY_PT, bold: bool | None = None, italic: bool | None = None, underline: bool | None = None):
    run.font.name = FONT
    run.font.size = Pt(size)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if underline is not None:
        run.underline = underline
    return run


def _para(container, text: str = "", *, size: float = BODY_PT, bold=False, italic=False, underline=False,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: float | None = 1.0, before: float = 0, after: float = 6, inline: bool = False):
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.1
    if indent:
        fmt.first_line_indent = Cm(indent)
    if inline:
        for piece in _INLINE.split(text):
            if not piece:
                continue
            if piece.startswith("**") and piece.endswith("**"):
                _font(p.add_run(piece[2:-2]), size, bold=True, italic=italic)
            elif piece.startswith("*") and piece.endswith("*") and len(piece) > 2:
                _font(p.add_run(piece[1:-1]), size, bold=bold, italic=True)
            else:
                _font(p.add_run(piece), size, bold=bold, italic=italic, underline=underline)
    elif text:
        _font(p.add_run(text), size, bold=bold, italic=italic, underline=underline)
    return p


def _cell_para(cell, text: str, first: bool, **kw):
    if first and cell.paragraphs and not cell.paragraphs[0].text:
        p = cell.paragraphs[0]
        p.alignment = kw.pop("align", WD_ALIGN_PARAGRAPH.CENTER)
        fmt = p.paragraph_format
        fmt.space_before, fmt.space_after = Pt(0), Pt(kw.pop("after", 0))
        kw.pop("indent", None)
        if text:
            _font(p.add_run(text), kw.pop("size", 13), bold=kw.pop("bold", False), italic=kw.pop("italic", False), underline=kw.pop("underline", False))
        return p
    kw.setdefault("align", WD_ALIGN_PARAGRAPH.CENTER)
    kw.setdefault("indent", None)
    kw.setdefault("after", 0)
    kw.setdefault("size", 13)
    return _para(cell, text, **kw)


def _short_rule(cell, width_cm: float, cell_width_cm: float):
    """The short horizontal line ND 30 draws under the issuing body and the tiêu ngữ."""
    p = cell.add_paragraph()
    side = max((cell_width_cm - width_cm) / 2, 0)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    p.paragraph_format.space_after = Pt(4)
    p.paragraph_format.space_before = Pt(0)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)
    run = p.add_run()
    _font(run, 4)


def _no_borders(table):
    tbl = table._tbl
    pr = tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    pr.append(borders)


def _widths(table, widths_cm: list[float]):
    """Fixed column widths that both Word and LibreOffice honour (grid, cell and table width)."""
    table.autofit = False
    pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    pr.append(layout)
    width = pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    for col, w in zip(table.columns, widths_cm):
        col.width = Cm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)


def _page_number_header(section):
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    _font(run, 13)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _setup(doc):
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.header_distance = Cm(1.0)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    _page_number_header(section)
    doc.core_properties.language = "vi-VN"


def _header(doc, report: Report):
    h = report.header
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, [6.2, 10.3])
    left, right = table.cell(0, 0), table.cell(0, 1)
    first = True
    if h.superior:
        _cell_para(left, h.superior, first, size=13)
        first = False
    for line in h.body:
        _cell_para(left, line, first, size=13, bold=True)
        first = False
    _short_rule(left, 2.5, 6.2)
    _cell_para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, size=12.5, bold=True)
    _cell_para(right, "Độc lập - Tự do - Hạnh phúc", False, size=14, bold=True, underline=True)
    _cell_para(table.cell(1, 0), h.number, True, size=13, after=6)
    _cell_para(table.cell(1, 1), h.place_date, True, size=14, italic=True, after=6)
    _para(doc, "BÁO CÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, before=12, after=0)
    _para(doc, h.subject, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _para(doc, h.window, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=12)
    _para(doc, f"Kính gửi: {h.recipient}", align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=12)
    _para(doc, h.legal_basis, inline=True)


def _body(doc, report: Report, charts: list[tuple[str, Path]]):
    figure_no = 0
    for sec in report.sections:
        _para(doc, sec.title, bold=True, indent=1.0, before=6, after=6, align=WD_ALIGN_PARAGRAPH.LEFT if sec.level == 1 else WD_ALIGN_PARAGRAPH.JUSTIFY)
        for b in sec.blocks:
            if b.kind == "bullet":
                _para(doc, f"- {b.text}", inline=True)
            elif b.kind == "sub":
                _para(doc, f"+ {b.text}", inline=True)
            elif b.kind == "subheading":
                _para(doc, b.text, italic=True, bold=True, inline=True)
            elif b.kind == "missing":
                _para(doc, b.text, italic=True)
            else:
                _para(doc, b.text, inline=True)
        if sec.key == "II.6":
            for caption, path in charts:
                figure_no += 1
                p = doc.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.add_run().add_picture(str(path), width=Cm(14.5))
                _para(doc, f"Biểu đồ {figure_no}: {caption}", italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None)
    _para(doc, report.closing, indent=1.0, before=6)


def _signature(doc, report: Report):
    h = report.header
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [8.0, 8.5])
    left, right = table.cell(0, 0), table.cell(0, 1)
    _cell_para(left, "Nơi nhận:", True, size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for r in h.recipients:
        _cell_para(left, f"- {r}", False, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    first = True
    for line in h.signature:
        _cell_para(right, line, first, size=14, bold=True)
        first = False
    for _ in range(4):
        _cell_para(right, "", False, size=14)
    if h.signer:
        _cell_para(right, h.signer, False, size=14, bold=True)


def _appendix(doc, report: Report):
    p = doc.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    _para(doc, "Phụ lục", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _para(doc, report.appendix_title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _para(doc, report.appendix_ref, italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=12)
    widths = [1.4, 8.0, 2.4, 2.3, 2.4]
    for t in report.tables:
        _para(doc, t.form.name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, before=12, after=0)
        _para(doc, t.form.title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=6)
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, ("STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Số liệu", "Ghi chú")):
            _cell_para(cell, text, True, size=12, bold=True)
        _repeat_header(table.rows[0])
        for row in t.form.rows:
            cells = table.add_row().cells
            bold = row.is_heading
            _cell_para(cells[0], row.stt, True, size=12, bold=bold)
            _cell_para(cells[1], row.label, True, size=12, bold=bold, align=WD_ALIGN_PARAGRAPH.LEFT)
            _cell_para(cells[2], row.unit, True, size=11)
            _cell_para(cells[3], t.display(row), True, size=12, align=WD_ALIGN_PARAGRAPH.RIGHT if row.kind in ("count", "money", "percent") else WD_ALIGN_PARAGRAPH.CENTER)
            _cell_para(cells[4], t.notes.get(row.stt, ""), True, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
        _widths(table, widths)


def _repeat_header(row):
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def build(report: Report, charts: list[tuple[str, Path]] | None = None) -> Document:
    doc = Document()
    _setup(doc)
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
