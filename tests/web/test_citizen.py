"""The citizens' pages: online submission with uploads, "Hồ sơ của tôi" (supplement, withdraw, rating), /api/v1/me."""

from __future__ import annotations

import dataclasses
import functools
import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from cchc import config
from cchc.db import session_factory
from cchc.dossiers import service
from cchc.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierFile
from cchc.ratings.models import Rating
from tests.dossiers.factories import make_procedure, make_world
from tests.webclient import PASSWORD, csrf_from, login_api, login_page, with_passwords


@functools.lru_cache(maxsize=1)
def password_hash() -> str:
    """Argon2id of the test password with the smallest cost: verification reads the cost from the hash,
    so every log-in of these tests is fast (the real cost stays in cchc.auth.passwords)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(committed, tmp_path, monkeypatch):
    """make_world with passwords, the citizen's profile filled in, and a procedure that is not online."""
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    with session_factory()() as s:
        w = with_passwords(make_world(s), password_hash())
        w.citizen.id_number, w.citizen.phone, w.citizen.email = "087090001234", "0912345678", "an@example.vn"
        make_procedure(s, "2.000001", name="Cấp giấy phép xây dựng", online_level="khong")
        s.commit()
        return w


def as_page_user(client, username):
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    r = login_page(client, username)
    assert r.status_code == 303, r.text
    return client


def as_api_user(client, username):
    client.cookies.clear()
    client.headers["X-CSRF-Token"] = login_api(client, username)
    return client


def count(model) -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(model))


def submit_form(client, w, files=None, **fields):
    page = client.get(f"/nop-ho-so/{w.procedure.code}")
    assert page.status_code == 200, page.text
    comps = w.procedure.components
    data = {"csrf_token": csrf_from(page.text), "unit_id": str(w.commune.id), "name": "Nguyễn Văn An", "id_number": "087090001234",
            "phone": "0912345678", "email": "an@example.vn", "request_summary": "Đăng ký khai sinh cho con", "result_delivery": "buu_chinh"}
    data.update(fields)
    if files is None:
        files = {f"file_{comps[0].id}": ("to-khai.pdf", PDF, "application/pdf"), f"file_{comps[1].id}": ("chung-sinh.png", b"\x89PNG1", "image/png")}
    return client.post(f"/nop-ho-so/{w.procedure.code}", data=data, files=files, follow_redirects=False)


def submitted(client, w) -> str:
    r = submit_form(client, w)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[-1]


def load(code):
    with session_factory()() as s:
        return s.scalar(select(Dossier).where(Dossier.code == code))


def accept(w, code):
    with session_factory()() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        service.accept(s, s.merge(w.receiver), d)
        s.commit()


def finish(w, code):
    with session_factory()() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        service.accept(s, s.merge(w.receiver), d)
        service.forward(s, s.merge(w.specialist), d, "Hồ sơ hợp lệ")
        service.finish(s, s.merge(w.leader), d, result_number="12/GKS", result_summary="Giấy khai sinh")
        s.commit()


# ---- online submission ------------------------------------------------------------------------------------
def test_submission_form_is_prefilled_and_lists_the_units(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    html = client.get(f"/nop-ho-so/{w.procedure.code}").text
    assert 'value="087090001234"' in html and 'value="0912345678"' in html and "Nguyễn Văn An" in html
    assert f'<option value="{w.commune.id}"' in html and f'<option value="{w.other_commune.id}"' in html
    assert 'optgroup label="Tỉnh Đồng Tháp"' in html
    assert f'<option value="{w.province.id}"' not in html  # a xã procedure: communes only
    assert "PDF, JPG, PNG, DOCX" in html and "10 MB" in html and "Tờ khai đăng ký khai sinh" in html
    filtered = client.get(f"/nop-ho-so/{w.procedure.code}/don-vi", params={"don_vi": "tan khanh"}).text
    assert w.other_commune.name in filtered and w.commune.name not in filtered


def test_online_submission_happy_path(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    r = submit_form(client, w)
    assert r.status_code == 303 and r.headers["location"].startswith("/nop-ho-so/da-nop/")
    code = r.headers["location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"H15\.50\.05\.13-\d{6}-\d{4}", code)
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and code in page.text and f"/tra-cuu?ma={code}" in page.text and "Ngày hẹn trả" in page.text
    with session_factory()() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        assert d.state == "moi_dang_ky" and d.channel == 2 and d.result_delivery == "buu_chinh" and d.owner_user_id == w.citizen.id
        assert d.due_at is not None and d.components_digitized
        assert sorted((f.filename, f.kind) for f in d.files) == [("chung-sinh.png", "thanh_phan"), ("to-khai.pdf", "thanh_phan")]
        assert all(c.digitized for c in d.components)
    mine = client.get("/ca-nhan").text
    assert code in mine and "Mới đăng ký" in mine


@pytest.mark.parametrize("case", ["wrong_type", "missing_component", "too_big", "no_unit", "bad_phone"])
def test_refused_submission_saves_nothing(client, world, monkeypatch, case):
    w = world
    as_page_user(client, w.citizen.username)
    comps = w.procedure.components
    good = {f"file_{comps[0].id}": ("to-khai.pdf", PDF, "application/pdf"), f"file_{comps[1].id}": ("cs.pdf", PDF, "application/pdf")}
    fields: dict = {}
    files = dict(good)
    if case == "wrong_type":
        files[f"file_{comps[1].id}"] = ("virus.exe", b"MZ...", "application/x-msdownload")
        expect = ("file_%d" % comps[1].id, "không được phép")
    elif case == "missing_component":
        files.pop(f"file_{comps[1].id}")
        expect = ("file_%d" % comps[1].id, "Chưa tải lên «Giấy chứng sinh»")
    elif case == "too_big":
        monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, upload_max_bytes=10))
        expect = ("file_%d" % comps[0].id, "vượt giới hạn")
    elif case == "no_unit":
        fields["unit_id"] = ""
        expect = ("unit_id", "Chọn cơ quan, đơn vị tiếp nhận")
    else:
        fields["phone"] = "12345"
        expect = ("phone", "Số điện thoại")
    r = submit_form(client, w, files=files, **fields)
    assert r.status_code == 422, r.text
    field, message = expect
    # the message sits in the field's own block, right after its input
    block = r.text.split(f'id="f-{field}"', 1)[1].split("</div>", 1)[0]
    assert message in block and 'class="field-error"' in block
    assert count(Dossier) == 0 and count(DossierFile) == 0 and count(DossierEvent) == 0
    assert count(DossierCounter) == 0


def test_procedure_not_online_and_officers_are_refused(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    r = client.get("/nop-ho-so/2.000001")
    assert r.status_code == 422 and "không cung cấp dịch vụ công trực tuyến" in r.text
    token = csrf_from(client.get(f"/nop-ho-so/{w.procedure.code}").text)
    r = client.post("/nop-ho-so/2.000001", data={"csrf_token": token, "unit_id": str(w.commune.id), "name": "A"})
    assert r.status_code == 422 and count(Dossier) == 0
    assert client.get("/nop-ho-so/9.999999").status_code == 404
    as_page_user(client, w.receiver.username)
    r = client.get(f"/nop-ho-so/{w.procedure.code}")
    assert r.status_code == 403 and "Công dân" in r.text
    client.cookies.clear()
    r = client.get(f"/nop-ho-so/{w.procedure.code}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap?next=")


# ---- Hồ sơ của tôi -------------------------------------------------------------------------------------------
def test_another_citizen_cannot_see_or_act(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    accept(w, code)
    as_page_user(client, w.other_citizen.username)
    r = client.get(f"/ca-nhan/ho-so/{code}")
    assert r.status_code == 403 and "không phải của bạn" in r.text
    token = csrf_from(client.get("/ca-nhan").text)
    assert code not in client.get("/ca-nhan").text
    r = client.post(f"/ca-nhan/ho-so/{code}/rut", data={"csrf_token": token, "reason": "Không cần nữa"})
    assert r.status_code == 403
    r = client.post(f"/ca-nhan/ho-so/{code}/bo-sung", data={"csrf_token": token}, files={"file": ("a.pdf", PDF, "application/pdf")})
    assert r.status_code == 403
    assert client.get(f"/nop-ho-so/da-nop/{code}").status_code == 403
    assert load(code).state == "dang_xu_ly"
    as_api_user(client, w.other_citizen.username)
    assert client.get("/api/v1/me/dossiers").json() == {"total": 0, "items": []}
    r = client.post(f"/api/v1/dossiers/{code}/rating", json={"scores": [2] * 9, "satisfaction": "hai_long"})
    assert r.status_code == 403 and "không phải của bạn" in r.json()["detail"]


def test_supplement_online(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    accept(w, code)
    with session_factory()() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        service.request_supplement(s, s.merge(w.specialist), d, "Giấy chứng sinh mờ", ["Giấy chứng sinh (bản rõ)"])
        s.commit()
    mine = client.get("/ca-nhan").text
    assert "Cần bạn thực hiện" in mine and code in mine
    as_api_user(client, w.citizen.username)
    assert [d["waiting_for_me"] for d in client.get("/api/v1/me/dossiers").json()["items"]] == [True]
    as_page_user(client, w.citizen.username)
    page = client.get(f"/ca-nhan/ho-so/{code}").text
    assert "Giấy chứng sinh mờ" in page and "Giấy chứng sinh (bản rõ)" in page and "Gửi bổ sung và xác nhận" in page
    token = csrf_from(page)
    r = client.post(f"/ca-nhan/ho-so/{code}/bo-sung", data={"csrf_token": token, "note": "Gửi lại"})
    assert r.status_code == 422 and "Chọn ít nhất một tệp" in r.text
    r = client.post(f"/ca-nhan/ho-so/{code}/bo-sung", data={"csrf_token": token},
                    files=[("file", ("a.pdf", PDF, "application/pdf")), ("file", ("b.txt", b"x", "text/plain"))])
    assert r.status_code == 422 and "không được phép" in r.text
    assert load(code).state == "yeu_cau_bo_sung" and count(DossierFile) == 2
    r = client.post(f"/ca-nhan/ho-so/{code}/bo-sung", data={"csrf_token": token, "note": "Bản rõ"},
                    files=[("file", ("chung-sinh-ro.pdf", PDF, "application/pdf"))], follow_redirects=False)
    assert r.status_code == 303
    with session_factory()() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        assert d.state == "dang_xu_ly" and d.supplemented_at is not None
        assert [f.filename for f in d.files if f.kind == "bo_sung"] == ["chung-sinh-ro.pdf"]
    assert "Gửi bổ sung và xác nhận" not in client.get(f"/ca-nhan/ho-so/{code}").text
    r = client.post(f"/ca-nhan/ho-so/{code}/bo-sung", data={"csrf_token": token}, files=[("file", ("c.pdf", PDF, "application/pdf"))])
    assert r.status_code == 409 and "bổ sung" in r.text


def test_withdraw(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    accept(w, code)
    page = client.get(f"/ca-nhan/ho-so/{code}").text
    assert "Rút hồ sơ" in page
    token = csrf_from(page)
    r = client.post(f"/ca-nhan/ho-so/{code}/rut", data={"csrf_token": token, "reason": "  "})
    assert r.status_code == 422 and "lý do rút hồ sơ" in r.text
    assert 'id="f-reason"' in r.text.split('class="field-error"', 1)[0]
    r = client.post(f"/ca-nhan/ho-so/{code}/rut", data={"csrf_token": token, "reason": "Đã làm ở nơi khác"}, follow_redirects=False)
    assert r.status_code == 303
    d = load(code)
    assert d.state == "rut_ho_so" and d.end_reason == "Đã làm ở nơi khác"
    page = client.get(f"/ca-nhan/ho-so/{code}").text
    assert "Công dân yêu cầu rút hồ sơ" in page and 'action="/ca-nhan/ho-so/' + code + '/rut"' not in page
    r = client.post(f"/ca-nhan/ho-so/{code}/rut", data={"csrf_token": token, "reason": "Lần nữa"})
    assert r.status_code == 409 and "trạng thái" in r.text


def test_rating_only_when_finished_and_only_once(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    token = csrf_from(client.get(f"/ca-nhan/ho-so/{code}").text)
    scores = {f"c{n}": "2" for n in range(1, 10)} | {"c5": "", "satisfaction": "rat_hai_long", "csrf_token": token}
    r = client.post(f"/ca-nhan/ho-so/{code}/danh-gia", data=scores)
    assert r.status_code == 409 and "chỉ đánh giá được khi hồ sơ" in r.text
    finish(w, code)
    page = client.get(f"/ca-nhan/ho-so/{code}").text
    assert "Gửi đánh giá" in page and "Công khai thủ tục hành chính" in page
    assert page.count('value=""') >= 3  # "Không áp dụng" for the per-office criteria 5, 8, 9
    r = client.post(f"/ca-nhan/ho-so/{code}/danh-gia", data=scores | {"c1": ""})
    assert r.status_code == 422 and "Chưa chấm điểm tiêu chí 1" in r.text
    r = client.post(f"/ca-nhan/ho-so/{code}/danh-gia", data=scores | {"c2": "3"})
    assert r.status_code == 422 and "Tiêu chí 2" in r.text
    assert count(Rating) == 0
    r = client.post(f"/ca-nhan/ho-so/{code}/danh-gia", data=scores | {"c3": "1", "comment": "Nhanh"}, follow_redirects=False)
    assert r.status_code == 303
    with session_factory()() as s:
        rating = s.scalar(select(Rating))
        assert (rating.c3, rating.c5, rating.total, rating.max_total, rating.via) == (1, None, 15, 16, "chu_ho_so")
    page = client.get(f"/ca-nhan/ho-so/{code}").text
    assert "Đánh giá của bạn" in page and "Rất hài lòng" in page and "15/16" in page and "Gửi đánh giá" not in page
    r = client.post(f"/ca-nhan/ho-so/{code}/danh-gia", data=scores)
    assert r.status_code == 409 and "chỉ đánh giá một lần" in r.text
    as_api_user(client, w.citizen.username)
    r = client.post(f"/api/v1/dossiers/{code}/rating", json={"scores": [2] * 9, "satisfaction": "hai_long"})
    assert r.status_code == 409 and "một lần" in r.json()["detail"]
    got = client.get(f"/api/v1/dossiers/{code}/rating").json()
    assert got["total"] == 15 and got["satisfaction_label"] == "Rất hài lòng" and got["criteria"][4]["points"] is None
    assert count(Rating) == 1


def test_rating_api(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    as_api_user(client, w.citizen.username)
    body = {"scores": {"1": 2, "2": 2, "3": 1, "4": 2, "6": 2, "7": 2}, "satisfaction": "hai_long"}
    r = client.post(f"/api/v1/dossiers/{code}/rating", json=body)
    assert r.status_code == 409 and "Đã xử lý xong" in r.json()["detail"]
    assert client.get(f"/api/v1/dossiers/{code}/rating").status_code == 404
    finish(w, code)
    r = client.post(f"/api/v1/dossiers/{code}/rating", json=body | {"satisfaction": "vui"})
    assert r.status_code == 422 and r.json()["detail"]
    r = client.post(f"/api/v1/dossiers/{code}/rating", json=body | {"scores": {"12": 1}})
    assert r.status_code == 422 and "Tiêu chí «12» không có" in r.json()["detail"]
    r = client.post(f"/api/v1/dossiers/{code}/rating", json=body)
    assert r.status_code == 201 and r.json()["total"] == 11 and r.json()["max_total"] == 12
    r = client.post("/api/v1/dossiers/KHONG-CO/rating", json=body)
    assert r.status_code == 404 and "KHONG-CO" in r.json()["detail"]
    client.headers.pop("X-CSRF-Token")
    r = client.post(f"/api/v1/dossiers/{code}/rating", json=body)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_my_api(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    as_api_user(client, w.citizen.username)
    data = client.get("/api/v1/me/dossiers").json()
    assert data["total"] == 1 and data["items"][0]["code"] == code and data["items"][0]["state_label"] == "Mới đăng ký"
    assert data["items"][0]["procedure_code"] == w.procedure.code and data["items"][0]["rated"] is False
    assert data["items"][0]["waiting_for_me"] is False  # Mới đăng ký: the desk's turn
    assert client.get("/api/v1/me/dossiers", params={"state": "da_tra_ket_qua"}).json()["total"] == 0
    r = client.get("/api/v1/me/dossiers", params={"state": "bay"})
    assert r.status_code == 422 and "Trạng thái hồ sơ «bay» không hợp lệ" in r.json()["detail"]
    assert client.get("/api/v1/me/feedback").json() == []
    as_api_user(client, w.receiver.username)
    r = client.get("/api/v1/me/dossiers")
    assert r.status_code == 403 and "Công dân" in r.json()["detail"]
    client.cookies.clear()
    r = client.get("/api/v1/me/dossiers")
    assert r.status_code == 401 and "đăng nhập" in r.json()["detail"]


def test_pages_require_a_citizen(client, world):
    w = world
    assert client.get("/ca-nhan", follow_redirects=False).status_code == 303
    as_page_user(client, w.specialist.username)
    assert client.get("/ca-nhan").status_code == 403
