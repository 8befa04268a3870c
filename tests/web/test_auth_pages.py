from __future__ import annotations

from tests.webclient import csrf_from, login_api, login_page


def test_home_page_is_vietnamese_and_serves_htmx(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "Cổng dịch vụ công" in r.text and "Tra cứu hồ sơ" in r.text
    assert client.get("/vendor/htmx/htmx.min.js").status_code == 200
    assert client.get("/static/cchc.css").status_code == 200


def test_login_logout_with_csrf(client, make_user):
    make_user("an", full_name="Nguyễn Văn An")
    r = login_page(client, "an")
    assert r.status_code == 303 and r.headers["location"] == "/ca-nhan"
    home = client.get("/").text
    assert "Nguyễn Văn An" in home
    r = client.post("/dang-xuat", data={"csrf_token": csrf_from(home)}, follow_redirects=False)
    assert r.status_code == 303
    assert "Nguyễn Văn An" not in client.get("/").text


def test_login_error_is_shown_next_to_the_field(client, make_user):
    make_user("binh")
    r = login_page(client, "binh", "sai-mat-khau9")
    assert r.status_code == 422
    assert 'class="field-error"' in r.text and "Tên đăng nhập hoặc mật khẩu không đúng." in r.text


def test_form_without_csrf_token_is_refused(client, make_user):
    make_user("chi")
    client.get("/dang-nhap")
    r = client.post("/dang-nhap", data={"username": "chi", "password": "matkhau123"})
    assert r.status_code == 403
    assert "CSRF" in r.text


def test_register_citizen_with_field_errors(client):
    token = csrf_from(client.get("/dang-ky").text)
    bad = client.post("/dang-ky", data={"csrf_token": token, "full_name": "Lê Dung", "id_number": "123",
                                         "username": "dung", "password": "matkhau123"})
    assert bad.status_code == 422 and "đúng 12 chữ số" in bad.text
    ok = client.post("/dang-ky", data={"csrf_token": token, "full_name": "Lê Dung", "id_number": "079123456789",
                                        "username": "dung", "password": "matkhau123"}, follow_redirects=False)
    assert ok.status_code == 303


def test_api_login_me_logout(client, make_user):
    make_user("em", full_name="Trần Em")
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me").json()["detail"] == "Vui lòng đăng nhập để tiếp tục."
    token = login_api(client, "em")
    me = client.get("/api/v1/auth/me").json()
    assert me["full_name"] == "Trần Em" and me["role_label"] == "Công dân"
    assert client.post("/api/v1/auth/logout").status_code == 403  # no CSRF header
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_api_bad_input_gets_vietnamese_422(client):
    r = client.post("/api/v1/auth/login", json={"username": "x"})
    assert r.status_code == 422
    assert "Thiếu mật khẩu." in r.json()["detail"]


def test_unknown_page_is_a_vietnamese_404(client):
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and "Không tìm thấy" in r.text
