"""PDF from a DOCX (the CCHC report, the printed forms of a dossier), converted by LibreOffice. Below every domain,
next to cchc.docxkit.

Two ways, chosen by CCHC_PDF_CONVERTER:
- warm (default): a LibreOffice kept running by `cchc serve` (cchc.pdf.warm, the unoserver package); a form of a
  page or two converts in a fraction of a second. When no warm LibreOffice answers (a one-off command, the server
  restarting past its wait, python3-uno missing) the conversion falls back to the cold way and says so in the log.
- cold: `soffice --convert-to pdf` with a throw-away profile, several seconds each (LibreOffice starts every time).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cchc.errors import CchcError

TIMEOUT_SECONDS = 180
CONVERTERS = ("warm", "cold")

log = logging.getLogger("cchc.pdf")


class PdfUnavailable(CchcError):
    pass


def converter() -> str:
    """warm or cold, from CCHC_PDF_CONVERTER (read each time: tests and `cchc serve` may set it)."""
    mode = os.environ.get("CCHC_PDF_CONVERTER", "warm").strip().lower() or "warm"
    if mode not in CONVERTERS:
        raise PdfUnavailable(f"CCHC_PDF_CONVERTER=«{mode}» không hợp lệ: dùng warm hoặc cold.")
    return mode


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise PdfUnavailable(
        "Không xuất được PDF: máy chưa cài LibreOffice. Hãy cài gói Debian libreoffice-writer-nogui "
        "(apt-get install libreoffice-writer-nogui), hoặc xuất báo cáo dạng DOCX (--format docx)."
    )


def docx_to_pdf(docx_path: Path, pdf_path: Path) -> Path:
    """Convert through the warm LibreOffice when one answers, else cold."""
    docx_path, pdf_path = Path(docx_path), Path(pdf_path)
    if converter() == "warm":
        from cchc.pdf import warm

        try:
            return warm.convert(docx_path, pdf_path)
        except warm.WarmUnavailable as exc:
            log.warning("PDF: LibreOffice chạy sẵn không dùng được (%s); chuyển bằng soffice --convert-to.", exc)
    return cold_docx_to_pdf(docx_path, pdf_path)


def cold_docx_to_pdf(docx_path: Path, pdf_path: Path) -> Path:
    """Convert with a throw-away LibreOffice profile (so parallel runs never share one)."""
    exe = soffice()
    docx_path, pdf_path = Path(docx_path), Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="cchc-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        outdir = Path(tmp) / "out"
        outdir.mkdir()
        cmd = [
            exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(outdir), str(docx_path),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"LibreOffice không chuyển xong tệp sang PDF sau {TIMEOUT_SECONDS} giây.") from None
        produced = outdir / (docx_path.stem + ".pdf")
        if proc.returncode != 0 or not produced.exists():
            detail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or [""]
            raise PdfUnavailable(f"LibreOffice không chuyển được tệp sang PDF (mã lỗi {proc.returncode}). {detail[0]}".strip())
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), str(pdf_path))
    return pdf_path
