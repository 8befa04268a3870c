"""PDF from a DOCX (the CCHC report, the printed forms of a dossier): converted by LibreOffice (soffice --headless)
with a private profile. Below every domain, next to cchc.docxkit."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from cchc.errors import CchcError

TIMEOUT_SECONDS = 180


class PdfUnavailable(CchcError):
    pass


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
