"""Writing a checked report to a file: DOCX, PDF (via LibreOffice), XLSX (Biểu mẫu) or Markdown.

The report has already passed its self-check when it reaches here (build_report raises first);
every file is produced in a temporary directory and moved into place only when complete, so a
failure leaves nothing half-written.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from cchc import pdf
from cchc.errors import ValidationError
from cchc.reports.assembly import Report

FORMATS = ("docx", "pdf", "xlsx", "md")


def guess_format(out: Path, given: str | None) -> str:
    fmt = (given or Path(out).suffix.lstrip(".")).lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise ValidationError(f"Định dạng «{fmt or '(trống)'}» không hỗ trợ: dùng docx, pdf, xlsx hoặc md (--format).")
    return fmt


def write_report(report: Report, out: Path, fmt: str | None = None) -> list[Path]:
    """Write the report; returns the files written (the report, and for Markdown its chart images). Each format
    imports only its own writers: no python-docx for Markdown, no matplotlib nor python-docx for XLSX."""
    out = Path(out)
    fmt = guess_format(out, fmt)
    if fmt == "pdf":
        pdf.soffice()  # a clear message before any work when LibreOffice is missing
    out.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="cchc-report-") as tmp:
        tmp = Path(tmp)
        if fmt == "xlsx":
            from cchc.reports import xlsx as xlsx_mod

            xlsx_mod.write_forms(report, tmp / "report.xlsx", template=False)
            shutil.move(str(tmp / "report.xlsx"), out)
            return [out]
        from cchc.reports import charts as charts_mod

        charts_dir = tmp / "charts"
        charts = charts_mod.render_charts(report, charts_dir)
        if fmt == "md":
            from cchc.reports import markdown as md_mod

            images = out.parent / f"{out.stem}_bieu_do"
            final = [(title, images / p.name) for title, p in charts]
            md_tmp = tmp / "report.md"
            md_tmp.write_text(md_mod.render(report, final, base=out.parent), encoding="utf-8")
            if charts:
                images.mkdir(exist_ok=True)
                for (_, src), (_, dst) in zip(charts, final):
                    shutil.copyfile(src, dst)
                    written.append(dst)
            shutil.move(str(md_tmp), out)
            return [out, *written]
        from cchc.reports import docx as docx_mod

        docx_tmp = tmp / f"{out.stem}.docx"
        docx_mod.write(report, docx_tmp, charts)
        if fmt == "docx":
            shutil.move(str(docx_tmp), out)
            return [out]
        pdf_tmp = tmp / f"{out.stem}.pdf"
        pdf.docx_to_pdf(docx_tmp, pdf_tmp)
        shutil.move(str(pdf_tmp), out)
        return [out]
