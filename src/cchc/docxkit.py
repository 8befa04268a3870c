"""Word documents in the layout of Nghị định số 30/2020/NĐ-CP: A4, margins, Times New Roman, the header
table (issuing body | Quốc hiệu, tiêu ngữ) and its short rules, fixed table widths that Word and LibreOffice
both honour. Shared by the CCHC report and the dossier forms (Mẫu 01–07)."""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

FONT = "Times New Roman"
BODY_PT = 14
INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*)")


def _all_scripts_in(rpr) -> None:
    """The same font for every script slot, so Word and LibreOffice never substitute one for Vietnamese letters
    (a theme font, as the built-in heading styles name, would win over the named one: it is dropped)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def heading_styles(doc, sizes: dict[int, float]) -> None:
    """Word's own Heading 1, 2 … styles (the navigation pane and a table of contents read them), dressed as the
    body of an administrative document: Times New Roman, black, bold, upright, the size given per level."""
    for level, size in sizes.items():
        style = doc.styles[f"Heading {level}"]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        _all_scripts_in(style.element.get_or_add_rPr())
        style.font.color.rgb = RGBColor(0, 0, 0)
        color = style.element.rPr.find(qn("w:color"))
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):  # a theme colour would win over black
            if color.get(qn(attr)) is not None:
                del color.attrib[qn(attr)]
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(6), Pt(6)
        fmt.keep_with_next = True


def heading(doc, text: str, level: int, *, align=WD_ALIGN_PARAGRAPH.LEFT, indent: float | None = 1.0, size: float = BODY_PT):
    """A paragraph in the Heading `level` style, its run in the body's font (see heading_styles)."""
    p = doc.add_paragraph(style=f"Heading {level}")
    p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing = 1.1
    if indent:
        fmt.first_line_indent = Cm(indent)
    set_font(p.add_run(text), size, bold=True, italic=False)
    return p


def shade(paragraph_, fill: str) -> None:
    """A background colour behind a whole paragraph (a draft the officer must edit stands out in print)."""
    ppr = paragraph_._p.get_or_add_pPr()
    shd = OxmlElement("w:shd")
    for k, v in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shd.set(qn(k), v)
    ppr.insert_element_before(shd, *_AFTER_SHD)


def keep_rows_whole(table, header_rows: int = 0) -> None:
    """No row of `table` breaks across pages; its first `header_rows` rows repeat at the top of each page."""
    for i, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        if trpr.find(qn("w:cantSplit")) is None:
            trpr.insert_element_before(OxmlElement("w:cantSplit"), "w:trHeight", "w:tblHeader", *_AFTER_TBL_HEADER)
        if i < header_rows and trpr.find(qn("w:tblHeader")) is None:
            el = OxmlElement("w:tblHeader")
            el.set(qn("w:val"), "true")
            trpr.insert_element_before(el, *_AFTER_TBL_HEADER)


# Elements that follow w:shd in a paragraph's properties, and w:tblHeader in a row's (schema order, ECMA-376).
_AFTER_SHD = (
    "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
_AFTER_TBL_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange")


def set_font(run, size: float = BODY_PT, bold: bool | None = None, italic: bool | None = None, underline: bool | None = None):
    """The run in the body's font at `size`, bold/italic/underlined or explicitly not (None: as its style says).
    A new run takes a copy of the properties made once for the same arguments: python-docx builds them
    element by element, which was most of the time of a report's appendix tables (hundreds of cells)."""
    element = run._element
    if element.rPr is None:
        element.insert(0, deepcopy(_run_properties(size, bold, italic, underline)))
        return run
    return _set_font(run, size, bold, italic, underline)


@lru_cache(maxsize=None)
def _run_properties(size: float, bold: bool | None, italic: bool | None, underline: bool | None):
    """The <w:rPr> set_font gives a run without properties (copied, never attached itself)."""
    from docx.text.run import Run

    run = Run(OxmlElement("w:r"), None)
    _set_font(run, size, bold, italic, underline)
    return run._element.rPr


def _set_font(run, size: float, bold: bool | None, italic: bool | None, underline: bool | None):
    run.font.name = FONT
    run.font.size = Pt(size)
    _all_scripts_in(run._element.get_or_add_rPr())
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if underline is not None:
        run.underline = underline
    return run


def paragraph(container, text: str = "", *, size: float = BODY_PT, bold=False, italic=False, underline=False,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: float | None = 1.0, before: float = 0, after: float = 6, inline: bool = False):
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.1
    if indent:
        fmt.first_line_indent = Cm(indent)
    if inline:
        for piece in INLINE.split(text):
            if not piece:
                continue
            if piece.startswith("**") and piece.endswith("**"):
                set_font(p.add_run(piece[2:-2]), size, bold=True, italic=italic)
            elif piece.startswith("*") and piece.endswith("*") and len(piece) > 2:
                set_font(p.add_run(piece[1:-1]), size, bold=bold, italic=True)
            else:
                set_font(p.add_run(piece), size, bold=bold, italic=italic, underline=underline)
    elif text:
        set_font(p.add_run(text), size, bold=bold, italic=italic, underline=underline)
    return p


def cell_paragraph(cell, text: str, first: bool, **kw):
    if first and cell.paragraphs and not cell.paragraphs[0].text:
        p = cell.paragraphs[0]
        p.alignment = kw.pop("align", WD_ALIGN_PARAGRAPH.CENTER)
        fmt = p.paragraph_format
        fmt.space_before, fmt.space_after = Pt(0), Pt(kw.pop("after", 0))
        kw.pop("indent", None)
        if text:
            set_font(p.add_run(text), kw.pop("size", 13), bold=kw.pop("bold", False), italic=kw.pop("italic", False), underline=kw.pop("underline", False))
        return p
    kw.setdefault("align", WD_ALIGN_PARAGRAPH.CENTER)
    kw.setdefault("indent", None)
    kw.setdefault("after", 0)
    kw.setdefault("size", 13)
    return paragraph(cell, text, **kw)


def short_rule(cell, width_cm: float, cell_width_cm: float):
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
    set_font(run, 4)


def no_borders(table):
    tbl = table._tbl
    pr = tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    pr.append(borders)


def column_widths(table, widths_cm: list[float]):
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


def page_number_header(section):
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    set_font(run, 13)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def setup_a4(doc):
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.header_distance = Cm(1.0)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    _all_scripts_in(style.element.get_or_add_rPr())
    page_number_header(section)
    doc.core_properties.language = "vi-VN"
