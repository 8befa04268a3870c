"""Pages /nhiem-vu: list with filters and counts, the assign form (errors next to fields), the task page's actions."""

from __future__ import annotations

import re
from datetime import timedelta

from cchc import clock, vn
from cchc.db import session_factory
from cchc.tasks.models import Task
from tests.webclient import csrf_from, login_page

from .test_importer import good_rows, write


def sign_in(client, username):
    client.cookies.clear()
    r = login_page(client, username)
    assert r.status_code in (302, 303), r.text


def assign_form(client, **extra):
    page = client.get("/nhiem-vu/giao")
    assert page.status_code == 200
    lead = re.search(r'<option value="(\d+)"[^>]*>Sở Tư pháp \(STP1\)', page.text).group(1)
    data = {"csrf_token": csrf_from(page.text), "document_number": "5/UBND-KSTT", "document_date": vn.fmt_date(clock.today()),
            "issuer_level": "ubnd_tinh", "title": "Tổng hợp báo cáo CCHC", "lead_unit": lead,
            "deadline": vn.fmt_date(clock.today() + timedelta(days=20)), "working_days": ""} | extra
    return client.post("/nhiem-vu/giao", data=data, follow_redirects=False)


def test_assign_act_and_list(client, web_world):
    sign_in(client, "vp_baocao")
    r = assign_form(client, deadline="", working_days="")
    assert r.status_code == 422 and "một trong hai" in r.text and 'class="field has-error"' in r.text
    r = assign_form(client, title="")
    assert r.status_code == 422
    assert re.search(r'has-error">\s*<label for="f-title">.*?Chưa nhập tên nhiệm vụ', r.text, re.S)
    r = assign_form(client, document_date="32/13/2025")
    assert r.status_code == 422 and "Ngày văn bản không hợp lệ" in r.text
    r = assign_form(client)
    assert r.status_code == 303
    code = r.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/nhiem-vu/{code}")
    assert "Đã giao nhiệm vụ" in page.text and "Tổng hợp báo cáo CCHC" in page.text and "Chờ tiếp nhận" in page.text
    assert "Gia hạn" in page.text and "Tiếp nhận nhiệm vụ</summary>" not in page.text

    sign_in(client, "stp_lanhdao")
    page = client.get(f"/nhiem-vu/{code}")
    assert "Tiếp nhận nhiệm vụ</summary>" in page.text
    token = csrf_from(page.text)
    r = client.post(f"/nhiem-vu/{code}/thao-tac/tiep-nhan", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/nhiem-vu/{code}/thao-tac/bao-cao-hoan-thanh", data={"csrf_token": token, "note": ""})
    assert r.status_code == 422 and "Cần nêu kết quả thực hiện" in r.text and "<details class=\"action\" open>" in r.text
    r = client.post(f"/nhiem-vu/{code}/thao-tac/bao-cao-hoan-thanh", data={"csrf_token": token, "note": "x", "completed_on": "hôm qua"})
    assert r.status_code == 422 and "Ngày hoàn thành không hợp lệ" in r.text
    r = client.post(f"/nhiem-vu/{code}/thao-tac/xac-nhan", data={"csrf_token": token})
    assert r.status_code == 403 and "Lãnh đạo không được xác nhận hoàn thành" in r.text
    r = client.post(f"/nhiem-vu/{code}/thao-tac/bao-cao-hoan-thanh", data={"csrf_token": token, "note": "Báo cáo 9/BC"}, follow_redirects=True)
    assert "Chờ xác nhận hoàn thành" in r.text
    assert client.post(f"/nhiem-vu/{code}/thao-tac/xoa", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/nhiem-vu/{code}/thao-tac/tiep-nhan", data={}).status_code == 403  # no CSRF token

    sign_in(client, "vp_baocao")
    token = csrf_from(client.get(f"/nhiem-vu/{code}").text)
    r = client.post(f"/nhiem-vu/{code}/thao-tac/tra-lai", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422 and "Cần nêu lý do trả lại" in r.text
    r = client.post(f"/nhiem-vu/{code}/thao-tac/xac-nhan", data={"csrf_token": token}, follow_redirects=True)
    assert "Đã thực hiện «Xác nhận hoàn thành»" in r.text and "Đúng hạn" in r.text

    page = client.get("/nhiem-vu")
    assert page.status_code == 200 and code in page.text and "+ Giao nhiệm vụ" in page.text
    assert "tổng số nhiệm vụ đã giao trên phần mềm là 1 nhiệm vụ" in page.text
    assert "Tỷ lệ hoàn thành đúng hạn là 100,00%" in page.text
    assert code in client.get("/nhiem-vu?trang_thai=hoan_thanh").text
    assert code not in client.get("/nhiem-vu?trang_thai=dang_thuc_hien").text
    assert code not in client.get("/nhiem-vu?qua_han=1").text
    assert code not in client.get("/nhiem-vu?nguon=chinh_phu").text
    r = client.get("/nhiem-vu?trang_thai=sai")
    assert r.status_code == 422 and "Trạng thái «sai» không hợp lệ" in r.text

    sign_in(client, "vp2_baocao")
    r = client.get(f"/nhiem-vu/{code}")
    assert r.status_code == 403 and "không thuộc phạm vi" in r.text
    assert code not in client.get("/nhiem-vu").text
    sign_in(client, "stp_lanhdao")
    r = client.get("/nhiem-vu/giao")
    assert r.status_code == 403 and "Chỉ cơ quan giao nhiệm vụ" in r.text
    assert "+ Giao nhiệm vụ" not in client.get("/nhiem-vu").text


def test_import_page_all_or_nothing(client, web_world, tmp_path):
    sign_in(client, "vp_baocao")
    token = csrf_from(client.get("/nhiem-vu").text)
    rows = good_rows(web_world)
    rows[1][1] = "không phải ngày"
    bad = write(tmp_path, rows, name="loi.xlsx")
    r = client.post("/nhiem-vu/nhap", data={"csrf_token": token}, files={"file": ("loi.xlsx", bad.read_bytes())})
    assert r.status_code == 422 and "Dòng 3, cột NgayVanBan" in r.text
    r = client.post("/nhiem-vu/nhap", data={"csrf_token": token}, files={"file": ("", b"")})
    assert r.status_code == 422 and "Chưa chọn tệp" in r.text
    with session_factory()() as s:
        assert s.query(Task).count() == 0
    good = write(tmp_path, good_rows(web_world), name="dung.xlsx")
    r = client.post("/nhiem-vu/nhap", data={"csrf_token": token}, files={"file": ("dung.xlsx", good.read_bytes())}, follow_redirects=True)
    assert "Đã nhập 4 nhiệm vụ từ 3 văn bản giao" in r.text
    assert "4 nhiệm vụ." in r.text


def test_citizen_and_anonymous_are_kept_out(client, web_world, make_user):
    assert client.get("/nhiem-vu", follow_redirects=False).status_code == 303
    make_user("congdan1", "cong_dan")
    sign_in(client, "congdan1")
    r = client.get("/nhiem-vu")
    assert r.status_code == 403 and "chỉ dành cho cán bộ" in r.text


def test_officer_without_unit_sees_no_figures(client, web_world):
    from cchc.auth.models import User
    from cchc.auth.passwords import hash_password
    from tests.webclient import PASSWORD

    with session_factory()() as s:  # accounts are created with a unit; one whose unit was detached
        s.add(User(username="khongdonvi", full_name="Không Đơn Vị", role="chuyen_vien", unit_id=None, password_hash=hash_password(PASSWORD)))
        s.commit()
    sign_in(client, "khongdonvi")
    r = client.get("/nhiem-vu")
    assert r.status_code == 200 and "Tài khoản chưa gắn với đơn vị nên không có số liệu nhiệm vụ." in r.text
    r = client.get("/api/v1/tasks/stats", params={"start": "2025-01-01", "end": "2025-06-30"})
    assert r.status_code == 403 and "chưa gắn với đơn vị" in r.json()["detail"]
