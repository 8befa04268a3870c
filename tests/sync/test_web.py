"""The portal's inbound dossiers (POST /api/v1/sync/inbound, bearer token) and the officers' page of what is
stuck (/can-bo/dong-bo), on the committed database through the application."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from cchc import clock
from cchc.db import session_factory
from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel, State
from cchc.dossiers.models import Dossier
from cchc.sync import service as sync
from cchc.sync.models import InboundDossier, OutboxRow
from tests.dossiers.factories import APPLICANT, make_world
from tests.webclient import login_api, with_passwords

from .receiver import FAIL, Receiver

TOKEN = "bi-mat-thu"
NOW = datetime(2026, 3, 4, 10, 0)


@pytest.fixture
def world(committed, monkeypatch):
    monkeypatch.setenv("CCHC_DVCQG_SYNC_URL", "http://127.0.0.1:9/khong-dung")
    monkeypatch.setenv("CCHC_DVCQG_SYNC_TOKEN", TOKEN)
    with session_factory()() as s:
        w = with_passwords(make_world(s))
        s.commit()
        return {"procedure": w.procedure.code, "commune": w.commune.code, "receiver": w.receiver.username,
                "other_receiver": w.other_receiver.username, "world": w}


def _record(portal_code="G22.99-260304-0001", **extra):
    return {"MaHoSo": portal_code, "MaTTHC": "1.001193", "MaDonViTiepNhan": "H15.50.05.13", "ChuHoSo": "Trần Thị Cổng",
            "LoaiDoiTuong": 1, "SoDinhDanh": "087090001234", "NgayNopHoSo": "20260304083000",
            "TrichYeuHoSo": "Đăng ký khai sinh cho con", **extra}


def _counts():
    with session_factory()() as s:
        return (s.scalar(select(func.count()).select_from(Dossier)), s.scalar(select(func.count()).select_from(InboundDossier)),
                s.scalar(select(func.count()).select_from(OutboxRow)))


def test_inbound_needs_the_token(client, world):
    for headers in ({}, {"Authorization": "Bearer sai"}):
        r = client.post("/api/v1/sync/inbound", json=[_record()], headers=headers)
        assert r.status_code == 403 and "Mã xác thực của Cổng DVCQG (Authorization: Bearer …) không đúng." in r.text
    assert _counts() == (0, 0, 0)


def test_inbound_creates_dossiers_once_and_refuses_bad_input_changing_nothing(client, world):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with clock.frozen(NOW):
        bad = client.post("/api/v1/sync/inbound", json=[_record(), _record("G22.99-260304-0002", MaTTHC="9.999999")],
                          headers=auth)
        assert bad.status_code == 422 and "Hồ sơ thứ 2 (MaHoSo G22.99-260304-0002): không có thủ tục mã «9.999999»" in bad.text
        assert _counts() == (0, 0, 0)  # all or nothing
        missing = client.post("/api/v1/sync/inbound", json={"data": [{"MaHoSo": "X"}]}, headers=auth)
        assert missing.status_code == 422 and "Hồ sơ thứ 1 (MaHoSo X): thiếu MaTTHC" in missing.text
        not_json = client.post("/api/v1/sync/inbound", content=b"{khong", headers=auth)
        assert not_json.status_code == 422 and "không phải JSON hợp lệ" in not_json.text
        ok = client.post("/api/v1/sync/inbound", json={"data": [_record()]}, headers=auth)
        assert ok.status_code == 200, ok.text
        code = ok.json()["created"]["G22.99-260304-0001"]
        again = client.post("/api/v1/sync/inbound", json=[_record()], headers=auth)
    assert again.json() == {"created": {}, "already_received": {"G22.99-260304-0001": code}}
    assert _counts() == (1, 1, 1)  # one dossier, and its submission in the outbox
    with session_factory()() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        assert (d.state, d.channel, d.applicant_name, d.submitted_at) == (State.SUBMITTED.value, 2, "Trần Thị Cổng",
                                                                           datetime(2026, 3, 4, 8, 30))


def test_the_page_shows_an_officer_the_stuck_rows_of_their_units(client, world, monkeypatch):
    w = world["world"]
    with session_factory()() as s, clock.frozen(NOW):
        d = svc.receive(s, s.get(type(w.receiver), w.receiver.id), procedure=s.get(type(w.procedure), w.procedure.id),
                        unit=s.get(type(w.commune), w.commune.id), channel=Channel.DIRECT, applicant=APPLICANT,
                        at=NOW - timedelta(hours=1))
        s.commit()
        code = d.code
    with Receiver(TOKEN, [FAIL] * 10) as r, session_factory()() as s:
        monkeypatch.setenv("CCHC_DVCQG_SYNC_URL", r.url)
        at = NOW
        for _ in range(sync.STUCK_ATTEMPTS):
            sync.send_pending(s, at=at)
            at += sync.BACKOFF_MAX
    login_api(client, world["receiver"])
    with clock.frozen(at):
        html = client.get("/can-bo/dong-bo").text
    assert 'id="dem-bi-ket">1<' in html and code in html and "Cổng DVCQG trả lời HTTP 500, mã lỗi 99: Lỗi máy chủ" in html
    client.cookies.clear()
    login_api(client, world["other_receiver"])  # another commune's officer: not their dossier
    with clock.frozen(at):
        other = client.get("/can-bo/dong-bo").text
    assert 'id="dem-bi-ket">0<' in other and code not in other and "Không có bản ghi nào bị kẹt." in other
