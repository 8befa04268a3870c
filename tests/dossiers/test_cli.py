"""`cchc dossiers show / search`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cchc.cli import app
from cchc.dossiers import service as svc

from .factories import APPLICANT, MONDAY, make_world


def test_show_and_search(committed, monkeypatch):
    # Rich reads COLUMNS at each print; setting console.width instead would leave it pinned to the
    # width found before the test (80 columns) for every later CLI test of the run.
    monkeypatch.setenv("COLUMNS", "220")
    with Session(committed) as s:
        w = make_world(s)
        d = svc.receive(s, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY)
        svc.forward(s, w.specialist, d, at=MONDAY + timedelta(hours=6))
        s.commit()
        code = d.code
    runner = CliRunner()
    out = runner.invoke(app, ["dossiers", "show", code], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert f"Hồ sơ {code} — Đang xử lý (TrangThaiHoSo 4)" in out.output
    assert "Mẫu 06" in out.output and "Thẩm định hồ sơ" in out.output and "Trước hạn" in out.output
    assert "Tiếp nhận: 3/3/2025 09:00; hẹn trả: 6/3/2025 09:00" in out.output
    assert "Chuyển bước tiếp theo" in out.output and "Trần Văn Chuyên" in out.output
    out = runner.invoke(app, ["dossiers", "search", "nguyen van an", "--from", "3/3/2025"], terminal_width=200)
    assert out.exit_code == 0 and "1 hồ sơ" in out.output and code in out.output
    out = runner.invoke(app, ["dossiers", "show", "KHONG-CO"], terminal_width=200)
    assert out.exit_code != 0 and "Không tìm thấy hồ sơ mã «KHONG-CO»" in str(out.exception)
