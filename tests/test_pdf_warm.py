"""The LibreOffice kept warm (cchc.pdf): a PDF through it has its Vietnamese text, a killed server is started again
and the next conversion still succeeds, and without a warm server the cold conversion takes over."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document

from cchc import docxkit, pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) chưa cài"),
]

TEXT = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả — Ủy ban nhân dân xã Ba Lòng, tỉnh Quảng Trị"
HAS_UNO = subprocess.run([pdf.PYTHON_WITH_UNO, "-c", "import uno"], capture_output=True).returncode == 0
needs_uno = pytest.mark.skipif(not HAS_UNO, reason="python3-uno chưa cài (LibreOffice chạy sẵn cần nó)")


def _free_port_pair() -> int:
    """A port whose next one is free too (unoserver's XML-RPC, then LibreOffice's UNO socket)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65534:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of ports")


def _docx(path: Path) -> Path:
    doc = Document()
    doc.styles["Normal"].font.name = docxkit.FONT  # Times New Roman, as every printed form
    doc.add_paragraph(TEXT)
    doc.save(str(path))
    return path


def _text(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return " ".join(extract_text(str(path)).split())


@pytest.fixture(scope="module")
def warm():
    """One warm server on ports of its own for the module (it takes seconds to start)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CCHC_PDF_CONVERTER", "warm")
        mp.setenv("CCHC_PDF_PORT", str(_free_port_pair()))
        assert pdf.start_warm() is True
        office = pdf.warm_office()
        assert pdf.start_warm() is False  # kept already: a second start does nothing
        try:
            assert office.wait_ready(120), "LibreOffice chạy sẵn không sẵn sàng sau 120 giây"
            yield office
        finally:
            office.stop()  # its own: a test below points CCHC_PDF_PORT elsewhere


def _group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    pids.append(int(entry.name))
            except ProcessLookupError:
                pass
    return pids


@needs_uno
def test_a_pdf_through_the_warm_libreoffice_has_its_vietnamese_text(warm, tmp_path):
    before = warm.conversions
    out = pdf.docx_to_pdf(_docx(tmp_path / "mau01.docx"), tmp_path / "mau01.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    assert warm.conversions == before + 1  # through the warm server, not the cold one
    assert TEXT in _text(out)


@needs_uno
def test_a_killed_server_is_started_again_and_the_next_conversion_succeeds(warm, tmp_path):
    docx = _docx(tmp_path / "mau01.docx")
    old = warm.pid
    libreoffice = [p for p in _group(old) if p != old]
    assert libreoffice, "LibreOffice chạy trong nhóm tiến trình của máy chủ"
    for pid in libreoffice:
        os.kill(pid, signal.SIGKILL)
    # at once, while the server is down or starting again: still a PDF (cold, or warm once it is back)
    first = pdf.docx_to_pdf(docx, tmp_path / "ngay_sau.pdf")
    assert TEXT in _text(first)
    deadline = time.monotonic() + 120
    while (warm.restarts == 0 or not warm.wait_ready(1)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert warm.restarts >= 1 and warm.pid != old
    before = warm.conversions
    again = pdf.docx_to_pdf(docx, tmp_path / "sau_khi_khoi_dong_lai.pdf")
    assert warm.conversions == before + 1
    assert TEXT in _text(again)


def test_without_a_warm_server_the_cold_conversion_takes_over(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("CCHC_PDF_CONVERTER", "warm")
    monkeypatch.setenv("CCHC_PDF_PORT", str(_free_port_pair()))  # nothing listens there, nothing kept here
    with caplog.at_level(logging.INFO, logger="cchc.pdf"):
        out = pdf.docx_to_pdf(_docx(tmp_path / "mau01.docx"), tmp_path / "mau01.pdf")
    assert TEXT in _text(out)
    assert pdf.warm_office().conversions == 0
    assert any("soffice --convert-to" in r.getMessage() for r in caplog.records)


def test_a_kept_server_that_cannot_run_falls_back_at_once(monkeypatch, tmp_path, caplog):
    """python3-uno missing: the conversion does not wait for a server that will never answer."""
    monkeypatch.setenv("CCHC_PDF_CONVERTER", "warm")
    monkeypatch.setenv("CCHC_PDF_PORT", str(_free_port_pair()))
    monkeypatch.setattr(pdf, "PYTHON_WITH_UNO", str(tmp_path / "khong-co-python3"))
    assert pdf.start_warm() is True
    try:
        with caplog.at_level(logging.WARNING, logger="cchc.pdf"):
            out = pdf.docx_to_pdf(_docx(tmp_path / "mau01.docx"), tmp_path / "mau01.pdf")
        assert TEXT in _text(out)
        messages = " ".join(r.getMessage() for r in caplog.records)
        assert "python3-uno" in messages and "soffice --convert-to" in messages
    finally:
        pdf.stop_warm()


def test_cold_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("CCHC_PDF_CONVERTER", "cold")
    monkeypatch.setenv("CCHC_PDF_PORT", str(_free_port_pair()))
    assert pdf.start_warm() is False
    out = pdf.docx_to_pdf(_docx(tmp_path / "mau01.docx"), tmp_path / "mau01.pdf")
    assert TEXT in _text(out) and pdf.warm_office().conversions == 0


def test_settings_in_error_are_named_in_vietnamese(monkeypatch):
    monkeypatch.setenv("CCHC_PDF_CONVERTER", "nong")
    with pytest.raises(pdf.PdfUnavailable, match="CCHC_PDF_CONVERTER=«nong» không hợp lệ: dùng warm hoặc cold"):
        pdf.converter()
    monkeypatch.setenv("CCHC_PDF_PORT", "80")
    with pytest.raises(pdf.PdfUnavailable, match="CCHC_PDF_PORT=«80» không hợp lệ"):
        pdf.warm_port()


@needs_uno
def test_a_server_left_by_a_killed_keeper_is_ended_by_the_next(tmp_path):
    """`cchc serve` killed with SIGKILL leaves its server holding the port: the next keeper ends that group
    (named in the lock file) before starting its own, and converts through its own."""
    port = str(_free_port_pair())
    env = {**os.environ, "CCHC_PDF_CONVERTER": "warm", "CCHC_PDF_PORT": port}
    keeper = subprocess.Popen([sys.executable, "-c", (
        "import time; from cchc import pdf; pdf.start_warm(); pdf.warm_office().wait_ready(120); "
        "print(pdf.warm_office().pid, flush=True); time.sleep(600)")],
        env=env, stdout=subprocess.PIPE, text=True)
    left = int(keeper.stdout.readline())
    keeper.kill()
    keeper.wait()
    assert _group(left), "the killed keeper's server is still running"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CCHC_PDF_CONVERTER", "warm")
        mp.setenv("CCHC_PDF_PORT", port)
        office = pdf.WarmOffice(int(port))
        try:
            assert office.start() is True
            assert office.wait_ready(120)
            assert not _group(left)
            office.convert(_docx(tmp_path / "mau01.docx"), tmp_path / "mau01.pdf")
            assert TEXT in _text(tmp_path / "mau01.pdf") and office.conversions == 1
        finally:
            office.stop()
