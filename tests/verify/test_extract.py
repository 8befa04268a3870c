"""Reading a report: Markdown-ish text, DOCX (paragraphs and tables), PDF; unreadable input is refused clearly."""

from __future__ import annotations

import shutil
import subprocess

import docx
import pytest

from cchc.errors import ValidationError
from cchc.verify import check_report_file
from cchc.verify.extract import read_document, split_text

SENTENCE = ("Tổng số hồ sơ TTHC đã tiếp nhận là: 184.027; trong đó: Số mới tiếp nhận trong kỳ: 162.637; "
            "số từ kỳ trước chuyển qua: 21.390.")
WRONG = "Tiếp nhận giải quyết 22.318 hồ sơ (cấp huyện 1.043 hồ sơ, cấp xã 21.285 hồ sơ)."
ROWS = [
    ("STT", "Chỉ tiêu", "Đơn vị tính", "Số liệu"),
    ("3.2.", "Tỷ lệ hồ sơ TTHC do UBND cấp huyện tiếp nhận được giải quyết đúng hạn", "%", "98,57%"),
    ("3.2.1.", "Tổng số hồ sơ TTHC đã giải quyết xong", "Hồ sơ", "10,099"),
    ("3.2.2.", "Số hồ sơ TTHC giải quyết đúng hạn", "Hồ sơ", "9,751"),
]


def test_markup_tables_and_broken_lines():
    doc = split_text("**Đến nay**, tổng số là **410 TTHC**\n(trong đó, cấp huyện:\n\n\n**262 TTHC**; cấp xã: 148 TTHC).\n\n"
                     "3.1.\tTỷ lệ\t%\t99,69%\t\n| 1.4 | Tổng số TTHC | Thủ tục | 1.815 |  |\n|---|---|---|---|---|\n")
    assert doc.paragraphs == ["Đến nay, tổng số là 410 TTHC (trong đó, cấp huyện: 262 TTHC; cấp xã: 148 TTHC)."]
    assert doc.tables == [["3.1.", "Tỷ lệ", "%", "99,69%"], ["1.4", "Tổng số TTHC", "Thủ tục", "1.815", ""]]


def _write_docx(path):
    d = docx.Document()
    d.add_heading("BÁO CÁO", 1)
    d.add_paragraph(SENTENCE)
    d.add_paragraph(WRONG)
    table = d.add_table(rows=len(ROWS), cols=4)
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.save(path)


def test_docx_paragraphs_and_tables(tmp_path):
    path = tmp_path / "bao_cao.docx"
    _write_docx(path)
    doc = read_document(path)
    assert SENTENCE in doc.paragraphs and WRONG in doc.paragraphs
    assert doc.tables[1] == list(ROWS[1])
    problems = check_report_file(path)
    assert sorted((p.kind, str(p.stated), str(p.computed)) for p in problems) == [
        ("tong_thanh_phan", "22318", "22328"), ("ty_le", "98.57", "96.55")]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) không có trên máy này")
def test_pdf_made_by_libreoffice(tmp_path):
    source = tmp_path / "bao_cao.docx"
    _write_docx(source)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    problems = check_report_file(tmp_path / "bao_cao.pdf")
    assert ("tong_thanh_phan", "22318", "22328") in [(p.kind, str(p.stated), str(p.computed)) for p in problems]


def test_refused_inputs(tmp_path):
    with pytest.raises(ValidationError, match="Không tìm thấy tệp"):
        read_document(tmp_path / "khong_co.txt")
    odt = tmp_path / "bao_cao.odt"
    odt.write_bytes(b"x")
    with pytest.raises(ValidationError, match="chỉ nhận .txt, .md, .docx hoặc .pdf"):
        read_document(odt)
    latin = tmp_path / "bao_cao.txt"
    latin.write_bytes("Báo cáo".encode("cp1258"))
    with pytest.raises(ValidationError, match="không phải văn bản UTF-8"):
        read_document(latin)
    broken = tmp_path / "hong.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ValidationError, match="Không đọc được tệp DOCX"):
        read_document(broken)
    bad_pdf = tmp_path / "hong.pdf"
    bad_pdf.write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(ValidationError, match="Không đọc được tệp PDF"):
        read_document(bad_pdf)
