"""Sessions that end: the server decides, on every request, whether a login still holds."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cchc import clock
from cchc.auth.models import AuthSession, User
from cchc.db import session_factory
from tests.webclient import PASSWORD, login_api

ADMIN_PASSWORD = "quantri-123"


def me(client) -> int:
    return client.get("/api/v1/auth/me").status_code


def browser(app) -> TestClient:
    return TestClient(app)


def stored(username: str) -> list[AuthSession]:
    with session_factory()() as s:
        return list(s.scalars(select(AuthSession).join(User).where(User.username == username).order_by(AuthSession.id)))


def test_a_logged_out_cookie_opens_nothing(app, make_user):
    make_user("an")
    client = browser(app)
    token = login_api(client, "an")
    stolen = dict(client.cookies)  # what a thief copied while the citizen was logged in
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    thief = browser(app)
    thief.cookies.update(stolen)
    assert me(thief) == 401
    [row] = stored("an")
    assert row.revoked_reason == "dang_xuat" and row.revoked_at is not None
    assert len(row.token_hash) == 64 and row.token_hash not in str(stolen)  # the table holds only a hash


def test_a_password_change_ends_every_other_session(app, make_user):
    make_user("binh")
    laptop, phone = browser(app), browser(app)
    token = login_api(laptop, "binh")
    login_api(phone, "binh")
    wrong = laptop.post("/api/v1/auth/password", json={"old_password": "khong-dung-1", "new_password": "MoiHon-2026"},
                        headers={"X-CSRF-Token": token})
    assert wrong.status_code == 422 and wrong.json()["detail"] == "Mật khẩu hiện tại không đúng."
    same = laptop.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": PASSWORD},
                       headers={"X-CSRF-Token": token})
    assert same.status_code == 422 and "phải khác" in same.json()["detail"]
    r = laptop.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "MoiHon-2026"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json() == {"ended_sessions": 1}
    assert me(laptop) == 200 and me(phone) == 401
    assert browser(app).post("/api/v1/auth/login", json={"username": "binh", "password": PASSWORD}).status_code == 422
    login_api(browser(app), "binh", "MoiHon-2026")


def test_deactivation_and_the_administrators_end_all_sessions(app, make_user):
    make_user("quantri", role="quan_tri_he_thong")
    make_user("chi")
    make_user("dung")
    admin = browser(app)
    admin.headers["X-CSRF-Token"] = login_api(admin, "quantri")
    chi, dung = browser(app), browser(app)
    login_api(chi, "chi")
    login_api(dung, "dung")
    with session_factory()() as s:
        chi_id, dung_id = (s.scalar(select(User.id).where(User.username == n)) for n in ("chi", "dung"))
    r = admin.post(f"/api/v1/users/{chi_id}/end-sessions")
    assert r.status_code == 200 and r.json() == {"ended_sessions": 1} and me(chi) == 401
    assert [x.revoked_reason for x in stored("chi")] == ["quan_tri_ket_thuc"]
    page = admin.get("/quan-tri/nguoi-dung")
    admin.post(f"/quan-tri/nguoi-dung/{dung_id}/trang-thai", data={"csrf_token": admin.headers["X-CSRF-Token"]})
    assert "Đã khóa" in admin.get("/quan-tri/nguoi-dung").text and page.status_code == 200
    assert me(dung) == 401 and [x.revoked_reason for x in stored("dung")] == ["khoa_tai_khoan"]
    citizen = browser(app)
    citizen.headers["X-CSRF-Token"] = login_api(citizen, "chi")
    refused = citizen.post(f"/api/v1/users/{dung_id}/end-sessions")
    assert refused.status_code == 403 and "Không được thay đổi tài khoản «dung»" in refused.json()["detail"]


def test_idle_and_absolute_time_outs(app, make_user):
    make_user("em")
    client = browser(app)
    start = clock.now()
    with clock.frozen(start):
        login_api(client, "em")
    with clock.frozen(start + timedelta(minutes=29)):
        assert me(client) == 200  # and the session was seen now
    with clock.frozen(start + timedelta(minutes=58)):
        assert me(client) == 200  # 29 minutes after the last request: still within the idle time-out
    with clock.frozen(start + timedelta(minutes=89)):
        assert me(client) == 401  # 31 idle minutes
    with clock.frozen(start + timedelta(minutes=59)):
        assert me(client) == 401  # a timed-out session does not come back
    with clock.frozen(start):
        login_api(client, "em")
    for minutes in range(20, 12 * 60, 20):  # busy all day: the idle time-out never comes
        with clock.frozen(start + timedelta(minutes=minutes)):
            assert me(client) == 200, minutes
    with clock.frozen(start + timedelta(hours=12)):
        assert me(client) == 401  # the absolute time-out


def test_a_generated_password_must_be_changed_at_first_login(app, make_user):
    make_user("quantri", role="quan_tri_he_thong")
    make_user("giang")
    admin = browser(app)
    admin.headers["X-CSRF-Token"] = login_api(admin, "quantri")
    with session_factory()() as s:
        giang = s.scalar(select(User.id).where(User.username == "giang"))
    r = admin.post(f"/api/v1/users/{giang}/reset-password")
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    temporary = r.json()["password"]
    assert len(temporary) == 12 and browser(app).post("/api/v1/auth/login", json={"username": "giang", "password": PASSWORD}).status_code == 422
    person = browser(app)
    token = person.get("/dang-nhap").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = person.post("/dang-nhap", data={"username": "giang", "password": temporary, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/doi-mat-khau"
    assert person.get("/ca-nhan", follow_redirects=False).headers["location"] == "/doi-mat-khau"
    api = person.get("/api/v1/me/dossiers")
    assert api.status_code == 403 and "đổi mật khẩu" in api.json()["detail"]
    page = person.get("/doi-mat-khau")
    assert "Mật khẩu hiện tại do quản trị đặt cho bạn" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    mismatch = person.post("/doi-mat-khau", data={"csrf_token": csrf, "old_password": temporary, "new_password": "CuaRieng-2026",
                                                  "confirm": "CuaRieng-2027"})
    assert mismatch.status_code == 422 and "không giống nhau" in mismatch.text
    done = person.post("/doi-mat-khau", data={"csrf_token": csrf, "old_password": temporary, "new_password": "CuaRieng-2026",
                                              "confirm": "CuaRieng-2026"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ca-nhan"
    assert person.get("/ca-nhan").status_code == 200
    assert person.get("/api/v1/me/dossiers").status_code == 200


def test_cookies_are_secure_behind_tls(committed, monkeypatch):
    import dataclasses

    from cchc import config
    from cchc.app.main import create_app

    plain = TestClient(create_app()).get("/dang-nhap").headers["set-cookie"].lower()
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, https=True))
    tls = TestClient(create_app(), base_url="https://testserver").get("/dang-nhap").headers["set-cookie"].lower()
    assert "secure" in tls and "httponly" in tls and "samesite=lax" in tls
