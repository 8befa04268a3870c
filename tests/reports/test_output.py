"""Writing a report: the format from --format or the file's suffix, files moved into place only when complete."""

from __future__ import annotations

from datetime import date

import pytest

from cchc.errors import ValidationError
from cchc.reports.assembly import build_report
from cchc.reports.output import guess_format, write_report

from .conftest import seed_figures, trend_provider


@pytest.mark.parametrize(("name", "given", "expected"), [("a.docx", None, "docx"), ("a.PDF", None, "pdf"), ("a.bin", "md", "md"),
                                                         ("a.txt", "markdown", "md"), ("bao_cao.xlsx", None, "xlsx")])
def test_format(tmp_path, name, given, expected):
    assert guess_format(tmp_path / name, given) == expected


def test_unknown_format(tmp_path):
    with pytest.raises(ValidationError, match="Định dạng «odt» không hỗ trợ: dùng docx, pdf, xlsx hoặc md"):
        guess_format(tmp_path / "a.odt", None)


def test_markdown_with_its_charts_and_docx(db, units, period, tmp_path):
    report = build_report(db, units["office"], period, report_date=date(2023, 9, 20), figures_provider=lambda *a: seed_figures(),
                          trend_provider=trend_provider)
    files = write_report(report, tmp_path / "out" / "bc.md")
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "out/bc.md", "out/bc_bieu_do/ty_le_dung_han.png", "out/bc_bieu_do/ty_le_truc_tuyen.png", "out/bc_bieu_do/xu_huong.png",
    ]
    docx = write_report(report, tmp_path / "out" / "bc.docx")[0]
    assert docx.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bc.docx", "bc.md", "bc_bieu_do"]
