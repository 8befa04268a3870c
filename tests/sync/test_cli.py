"""`cchc sync send|status|inbound` and `cchc index766 --explain 1.4` on the committed test database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from cchc import clock
from cchc.db import session_factory
from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel
from tests.clirunner import run_cli
from tests.dossiers.factories import APPLICANT, make_world

from .receiver import FAIL, Receiver

TOKEN = "bi-mat-thu"
NOW = datetime(2025, 3, 4, 10, 0)


@pytest.fixture
def received(committed):
    """Two dossiers received on 3/3/2025 in a commune."""
    with session_factory()() as s, clock.frozen(NOW):
        w = make_world(s)
        codes = [svc.receive(s, w.receiver, procedure=w.procedure, unit=w.commune, channel=Channel.DIRECT,
                             applicant=APPLICANT, at=datetime(2025, 3, 3, 9, i), owner=w.citizen).code for i in range(2)]
        s.commit()
        return {"codes": codes, "province": w.province.code, "procedure": w.procedure.code, "commune": w.commune.code}


def test_send_then_status_then_explain(received, monkeypatch, capsys):
    monkeypatch.setenv("CCHC_DVCQG_SYNC_TOKEN", TOKEN)
    with Receiver(TOKEN, ["ok", FAIL, FAIL, FAIL, FAIL, FAIL]) as r:
        monkeypatch.setenv("CCHC_DVCQG_SYNC_URL", r.url)
        with clock.frozen(NOW):
            code, out, err = run_cli(monkeypatch, capsys, "sync", "send")
    assert code == 1 and "Đã được Cổng xác nhận: 1; lỗi: 1; chờ lượt sau: 0." in out
    assert f"{received['codes'][1]} (bản ghi" in out and "HTTP 500" in out
    with clock.frozen(NOW + timedelta(hours=3)):  # the failed row has waited past the limit: stuck
        code, out, err = run_cli(monkeypatch, capsys, "sync", "status")
    flat = " ".join(out.split())
    assert code == 1 and "Chờ gửi: 1 (lâu nhất từ 4/3/2025 10:00); đã được Cổng xác nhận: 1; bị kẹt: 1." in flat
    assert f"hồ sơ {received['codes'][1]} (Tiếp nhận hồ sơ, 4/3/2025 10:00, 1 lần gửi): Cổng DVCQG trả lời HTTP 500" in flat
    with clock.frozen(NOW + timedelta(hours=3)):
        code, out, err = run_cli(monkeypatch, capsys, "sync", "status", "--json")
    data = json.loads(out)
    assert (data["pending"], data["stuck"], data["stuck_rows"][0]["dossier_code"]) == (1, 1, received["codes"][1])
    code, out, err = run_cli(monkeypatch, capsys, "index766", "--unit", received["province"], "--period", "2025-Q1",
                             "--explain", "1.4")
    assert code == 0, err
    lines = out.splitlines()
    at = lines.index("Chưa đồng bộ (Cổng Dịch vụ công quốc gia chưa xác nhận): 1 hồ sơ")
    assert lines[at + 1].strip() == received["codes"][1]
    assert "Tử số: 1 hồ sơ" in out


def test_send_without_configuration_is_refused_in_vietnamese(received, monkeypatch, capsys):
    monkeypatch.delenv("CCHC_DVCQG_SYNC_URL", raising=False)
    monkeypatch.delenv("CCHC_DVCQG_SYNC_TOKEN", raising=False)
    code, out, err = run_cli(monkeypatch, capsys, "sync", "send")
    assert code == 2 and "thiếu CCHC_DVCQG_SYNC_URL, CCHC_DVCQG_SYNC_TOKEN" in " ".join((out + err).split())


def test_inbound_from_a_file(received, tmp_path, monkeypatch, capsys):
    path = tmp_path / "hoso.json"
    record = {"MaHoSo": "G22-1", "MaTTHC": received["procedure"], "MaDonViTiepNhan": received["commune"],
              "ChuHoSo": "Lê Văn Cổng", "NgayNopHoSo": "20250304083000"}
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    with clock.frozen(NOW):
        code, out, err = run_cli(monkeypatch, capsys, "sync", "inbound", str(path))
        assert code == 0, err
        assert "Đã tạo 1 hồ sơ; 0 hồ sơ đã nhận từ trước." in out and "G22-1 → " in out
        code, out, err = run_cli(monkeypatch, capsys, "sync", "inbound", str(path))
    assert code == 0 and "Đã tạo 0 hồ sơ; 1 hồ sơ đã nhận từ trước." in out
    path.write_text('[{"MaHoSo": "G22-2", "MaTTHC": "1.001193"}]', encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "sync", "inbound", str(path))
    assert code == 2 and "Hồ sơ thứ 1 (MaHoSo G22-2): thiếu MaDonViTiepNhan." in " ".join((out + err).split())
    code, out, err = run_cli(monkeypatch, capsys, "sync", "inbound", str(tmp_path / "khong-co.json"))
    assert code == 2 and "Không có tệp" in out + err
