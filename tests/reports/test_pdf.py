"""PDF through LibreOffice: page 1 rendered to PNG in test-artifacts for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from cchc import pdf
from cchc.reports.assembly import build_report
from cchc.reports.output import write_report

from .conftest import seed_figures, trend_provider


def test_missing_libreoffice_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pdf.PdfUnavailable, match="libreoffice-writer-nogui"):
        pdf.soffice()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) chưa cài")
def test_pdf_of_the_report(db, units, period, tmp_path, artifacts):
    report = build_report(db, units["office"], period, report_date=date(2023, 9, 20), figures_provider=lambda *a: seed_figures(),
                          trend_provider=trend_provider, narrative="# I\nBan hành Kế hoạch số 36/KH-VPUBND ngày 29/12/2022.\n")
    out = tmp_path / "bao_cao.pdf"
    assert write_report(report, out) == [out]
    assert out.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
        flat = " ".join(text.split())
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
        assert "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 184.027" in flat
        assert "THỐNG KÊ SỐ LIỆU BÁO CÁO CẢI CÁCH HÀNH CHÍNH" in flat
    if shutil.which("pdftoppm"):
        for page in (1, 3, 5):
            subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(out),
                            str(artifacts / f"bao_cao_cchc_trang_{page}")], check=True)
            assert (artifacts / f"bao_cao_cchc_trang_{page}.png").stat().st_size > 10_000
