"""API /api/v1/dossiers: every action through the same service, refusals as 4xx with Vietnamese messages."""

from __future__ import annotations

import dataclasses
import re

import pytest

from cchc import config
from cchc.db import session_factory
from cchc.dossiers.models import Dossier, DossierEvent
from tests.webclient import login_api, with_passwords

from .factories import APPLICANT, make_world


@pytest.fixture
def web_world(committed, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    with session_factory()() as s:
        world = with_passwords(make_world(s))
        s.commit()
        return world


def as_user(client, username):
    client.cookies.clear()
    token = login_api(client, username)
    client.headers["X-CSRF-Token"] = token
    return client


def receive(client, world, **extra):
    body = {"procedure_code": world.procedure.code, "applicant": APPLICANT,
            "components": [{"component_id": c.id} for c in world.procedure.components]} | extra
    return client.post("/api/v1/dossiers", json=body)


def test_full_workflow_through_the_api(client, web_world):
    w = web_world
    as_user(client, w.receiver.username)
    r = receive(client, w)
    assert r.status_code == 201, r.text
    d = r.json()
    assert re.fullmatch(r"H15\.50\.05\.13-\d{6}-\d{4}", d["code"]) and d["status_code"] == 4 and d["due_at"]
    code = d["code"]

    as_user(client, w.specialist.username)
    assert "forward" in client.get(f"/api/v1/dossiers/{code}").json()["allowed_actions"]
    assert client.get("/api/v1/dossiers/inbox").json()["total"] == 1
    r = client.post(f"/api/v1/dossiers/{code}/forward", json={"note": "Hồ sơ hợp lệ, trình ký"})
    assert r.status_code == 200 and r.json()["current_role"] == "lanh_dao"

    as_user(client, w.leader.username)
    r = client.post(f"/api/v1/dossiers/{code}/finish", json={"result_number": "123/TP-HT", "result_summary": "Giấy khai sinh", "esigned": True})
    assert r.json()["result_esigned"] is False  # never typed: only a verified signature signs a result
    assert r.status_code == 200 and r.json()["state"] == "da_xu_ly_xong" and r.json()["timeliness"] in ("truoc_han", "dung_han")

    as_user(client, w.receiver.username)
    r = client.post(f"/api/v1/dossiers/{code}/return-result", json={})
    assert r.status_code == 200 and r.json()["status_code"] == 10
    events = r.json()["events"]
    assert [e["to_state"] for e in events][-1] == "da_tra_ket_qua" and all(e["actor_name"] for e in events)


def test_refusals_are_vietnamese_and_change_nothing(client, web_world):
    w = web_world
    as_user(client, w.receiver.username)
    code = receive(client, w).json()["code"]
    with session_factory()() as s:
        before = s.query(DossierEvent).count()

    r = client.post(f"/api/v1/dossiers/{code}/return-result", json={})  # wrong state
    assert r.status_code in (403, 409) and r.json()["detail"]

    as_user(client, w.other_specialist.username)  # another commune's officer
    assert client.get(f"/api/v1/dossiers/{code}").status_code in (403, 404)
    r = client.post(f"/api/v1/dossiers/{code}/forward", json={"note": "x"})
    assert r.status_code in (403, 404) and "hồ sơ" in r.json()["detail"].lower()

    as_user(client, w.citizen.username)  # a citizen cannot act as an officer
    assert client.post(f"/api/v1/dossiers/{code}/forward", json={}).status_code in (403, 404)

    with session_factory()() as s:
        assert s.query(DossierEvent).count() == before
        assert s.query(Dossier).one().state == "dang_xu_ly"


def test_bad_input_is_422_in_vietnamese(client, web_world):
    w = web_world
    as_user(client, w.receiver.username)
    r = receive(client, w, applicant={"name": "", "id_number": "12ab"})
    assert r.status_code == 422 and r.json()["detail"]
    r = client.post("/api/v1/dossiers", json={"procedure_code": "9.999999", "applicant": APPLICANT})
    assert r.status_code == 404 and "9.999999" in r.json()["detail"]
    code = receive(client, w).json()["code"]
    as_user(client, w.specialist.username)
    r = client.post(f"/api/v1/dossiers/{code}/request-supplement", json={"reason": "Thiếu giấy chứng sinh"})
    assert r.status_code == 200
    r = client.post(f"/api/v1/dossiers/{code}/request-supplement", json={"reason": "Lần hai"})
    assert r.status_code == 409 and "trạng thái" in r.json()["detail"]  # waiting for the citizen
    as_user(client, w.receiver.username)
    assert client.post(f"/api/v1/dossiers/{code}/supplement", json={"note": "Đã nộp giấy chứng sinh"}).status_code == 200
    as_user(client, w.specialist.username)
    r = client.post(f"/api/v1/dossiers/{code}/request-supplement", json={"reason": "Lần hai"})
    assert r.status_code == 409 and "một lần" in r.json()["detail"]


def test_citizen_submits_online_and_sees_only_their_own(client, web_world):
    w = web_world
    as_user(client, w.citizen.username)
    r = client.post("/api/v1/dossiers/online", json={"procedure_code": w.procedure.code, "unit_code": w.commune.code,
                                                      "applicant": APPLICANT})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert r.json()["state"] == "moi_dang_ky" and r.json()["due_at"]
    assert client.get(f"/api/v1/dossiers/{code}").status_code == 200
    as_user(client, w.other_citizen.username)
    assert client.get(f"/api/v1/dossiers/{code}").status_code in (403, 404)
    as_user(client, w.receiver.username)
    r = client.post(f"/api/v1/dossiers/{code}/accept", json={})
    assert r.status_code == 200 and r.json()["state"] == "dang_xu_ly"


def test_upload_and_download_with_limits(client, web_world):
    w = web_world
    as_user(client, w.receiver.username)
    code = receive(client, w).json()["code"]
    pdf = b"%PDF-1.4\n%fake scan\n"
    r = client.post(f"/api/v1/dossiers/{code}/files", data={"kind": "thanh_phan"},
                    files={"file": ("giay-chung-sinh.pdf", pdf, "application/pdf")})
    assert r.status_code == 201, r.text
    with session_factory()() as s:
        stored = s.query(Dossier).one().files[0]
        assert len(stored.sha256) == 64
        file_id = stored.id
    assert client.get(f"/api/v1/dossiers/{code}/files/{file_id}").content == pdf
    bad = client.post(f"/api/v1/dossiers/{code}/files", data={"kind": "thanh_phan"},
                      files={"file": ("virus.exe", b"MZ", "application/x-msdownload")})
    assert bad.status_code == 422 and bad.json()["detail"]


def test_due_preview_and_search(client, web_world):
    w = web_world
    as_user(client, w.receiver.username)
    preview = client.get("/api/v1/dossiers/due-preview", params={"procedure_code": w.procedure.code}).json()
    assert preview["due_at"] > preview["received_at"]
    receive(client, w)
    found = client.get("/api/v1/dossiers", params={"q": "nguyen van an"}).json()
    assert found["total"] == 1 and found["items"][0]["state_label"] == "Đang xử lý"


@pytest.mark.parametrize("delivery", ["bat_ky_gia_tri", ""])
def test_online_submission_refuses_an_unknown_result_delivery(client, web_world, delivery):
    """The service checks what the citizen's form checks: the API refuses a way of receiving the result it does not know."""
    w = web_world
    as_user(client, w.citizen.username)
    r = client.post("/api/v1/dossiers/online", json={"procedure_code": w.procedure.code, "unit_code": w.commune.code,
                                                      "applicant": APPLICANT, "result_delivery": delivery})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "result_delivery" and "hình thức nhận kết quả" in r.json()["detail"].lower()
    assert "truc_tiep" in r.json()["detail"] and "buu_chinh" in r.json()["detail"]
    with session_factory()() as s:
        assert s.query(Dossier).count() == 0 and s.query(DossierEvent).count() == 0
    r = client.post("/api/v1/dossiers/online", json={"procedure_code": w.procedure.code, "unit_code": w.commune.code,
                                                      "applicant": APPLICANT, "result_delivery": "buu_chinh"})
    assert r.status_code == 201
    with session_factory()() as s:
        assert s.query(Dossier).one().result_delivery == "buu_chinh"
