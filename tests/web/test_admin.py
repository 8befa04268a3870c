"""Administration pages: catalogue and steps, units, users, calendar — with errors next to fields."""

from __future__ import annotations

import re

import pytest

from cchc.db import session_factory
from cchc.units.models import Unit
from tests.webclient import csrf_from, login_page


@pytest.fixture
def province(committed):
    with session_factory()() as s:
        unit = Unit(code="87", name="Tỉnh Đồng Tháp", level="tinh", kind="tinh", is_area=True, path="")
        s.add(unit)
        s.flush()
        unit.path = f"/{unit.id}/"
        s.commit()
        return unit.id


@pytest.fixture
def admin(client, make_user):
    make_user("quantri", role="quan_tri_he_thong", full_name="Quản trị hệ thống")
    login_page(client, "quantri")
    return client


def _post(client, url, data, page=None):
    token = csrf_from(client.get(page or url).text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def test_admin_index_needs_an_administrator(client, make_user, province):
    assert client.get("/quan-tri", follow_redirects=False).headers["location"].startswith("/dang-nhap")
    make_user("chuyenvien", role="chuyen_vien", unit_id=province)
    login_page(client, "chuyenvien")
    r = client.get("/quan-tri")
    assert r.status_code == 403 and "Chức năng này chỉ dành cho" in r.text


def test_procedure_create_edit_steps(admin):
    r = _post(admin, "/quan-tri/thu-tuc", {"code": "1.001193", "name": "Đăng ký khai sinh", "field_code": "HT",
                                            "field_name": "Hộ tịch", "levels": "xa", "time_amount": "3",
                                            "time_unit": "ngay_lam_viec", "online_level": "toan_trinh"})
    assert r.status_code == 303 and r.headers["location"] == "/quan-tri/thu-tuc/1.001193"
    page = admin.get("/quan-tri/thu-tuc/1.001193").text
    assert "Bộ phận Một cửa" in page and "Đã thêm thủ tục" in page
    bad = _post(admin, "/quan-tri/thu-tuc/1.001193", {"name": "Đăng ký khai sinh", "time_amount": "3", "time_unit": "ngay_lam_viec",
                                                       "online_level": "toan_trinh", "steps": "mot_cua:4:0; chuyen_vien:90:1; mot_cua:4:0"})
    assert bad.status_code in (409, 422) and 'class="field-error"' in bad.text
    ok = _post(admin, "/quan-tri/thu-tuc/1.001193", {"name": "Đăng ký khai sinh", "time_amount": "3", "time_unit": "ngay_lam_viec",
                                                      "online_level": "toan_trinh", "has_fee": "1",
                                                      "steps": "mot_cua:2:0; chuyen_vien:12:1; lanh_dao:6:1; mot_cua:2:0"})
    assert ok.status_code == 303
    assert "Lãnh đạo" in admin.get("/quan-tri/thu-tuc/1.001193").text


def test_duplicate_procedure_error_next_to_code(admin):
    data = {"code": "1.000001", "name": "Chứng thực bản sao", "levels": "xa", "time_amount": "1",
            "time_unit": "ngay_lam_viec", "online_level": "khong"}
    assert _post(admin, "/quan-tri/thu-tuc", data).status_code == 303
    again = _post(admin, "/quan-tri/thu-tuc", data)
    assert again.status_code == 422 and "đã có trong danh mục" in again.text and 'id="f-code"' in again.text


def test_units_browse_and_create_agency(admin, province):
    assert "Tỉnh Đồng Tháp" in admin.get("/quan-tri/don-vi").text
    r = _post(admin, "/quan-tri/don-vi", {"parent": "87", "code": "000.00.04.H20", "name": "Sở Tư pháp", "level": "tinh",
                                           "kind": "so"}, page="/quan-tri/don-vi?ma=87")
    assert r.status_code == 303
    assert "Sở Tư pháp" in admin.get("/quan-tri/don-vi?ma=87").text
    bad = _post(admin, "/quan-tri/don-vi", {"parent": "87", "code": "", "name": "Sở Y tế", "level": "tinh", "kind": "so"},
                page="/quan-tri/don-vi?ma=87")
    assert bad.status_code == 422 and 'class="field-error"' in bad.text


def test_users_create_and_lock(admin, province):
    bad = _post(admin, "/quan-tri/nguoi-dung", {"username": "motcua1", "full_name": "Cán bộ Một cửa", "role": "mot_cua"})
    assert bad.status_code == 422 and "Cán bộ phải thuộc một đơn vị" in bad.text
    ok = _post(admin, "/quan-tri/nguoi-dung", {"username": "motcua1", "full_name": "Cán bộ Một cửa", "role": "mot_cua",
                                                 "unit": "87"})
    assert ok.status_code == 200 and "Đã tạo tài khoản «motcua1»" in ok.text
    assert re.search(r"Mật khẩu tạm thời: <code>[A-Za-z0-9]{12}</code>", ok.text)
    page = admin.get("/quan-tri/nguoi-dung").text
    assert "motcua1" in page and "Cán bộ Bộ phận Một cửa" in page and "Chờ đổi mật khẩu" in page
    assert "Mật khẩu tạm thời" not in page  # shown once


def test_calendar_override_with_legal_reference(admin):
    page = admin.get("/quan-tri/lich?nam=2025").text
    assert "26/4/2025" in page and "Làm bù" in page
    r = _post(admin, "/quan-tri/lich/ngay", {"day": "2026-12-31", "kind": "off", "name": "Nghỉ cuối năm",
                                              "legal_ref": "Thông báo số 01/TB-VPCP"}, page="/quan-tri/lich")
    assert r.status_code == 303
    assert "Nghỉ cuối năm" in admin.get("/quan-tri/lich?nam=2026").text
    bad = _post(admin, "/quan-tri/lich/ngay", {"day": "31/13/2026", "kind": "off", "name": "x", "legal_ref": "y"},
                page="/quan-tri/lich")
    assert bad.status_code == 422 and 'class="field-error"' in bad.text


def test_an_administrator_gives_a_leader_a_remote_signing_credential(admin, make_user, province):
    from sqlalchemy import select

    from cchc.audit.models import AuditEntry
    from cchc.auth.models import User

    leader = make_user("lanhdao", role="lanh_dao", unit_id=province)
    specialist = make_user("chuyenvien2", role="chuyen_vien", unit_id=province)
    page = admin.get("/quan-tri/nguoi-dung").text
    assert f'action="/quan-tri/nguoi-dung/{leader}/ky-so"' in page and f'/quan-tri/nguoi-dung/{specialist}/ky-so' not in page
    r = _post(admin, f"/quan-tri/nguoi-dung/{leader}/ky-so", {"signing_credential": " smartca-0123 "}, "/quan-tri/nguoi-dung")
    assert r.status_code == 303
    with session_factory()() as s:
        assert s.get(User, leader).signing_credential == "smartca-0123"
        changes = s.scalars(select(AuditEntry.after).where(AuditEntry.object_id == str(leader))).all()
        assert any("smartca-0123" in after for after in changes)  # audited with its new value
    refused = _post(admin, f"/quan-tri/nguoi-dung/{specialist}/ky-so", {"signing_credential": "x"}, "/quan-tri/nguoi-dung")
    assert refused.status_code == 422 and "chỉ gán cho tài khoản lãnh đạo" in refused.text
    cleared = _post(admin, f"/quan-tri/nguoi-dung/{leader}/ky-so", {"signing_credential": ""}, "/quan-tri/nguoi-dung")
    assert cleared.status_code == 303
    with session_factory()() as s:
        assert s.get(User, leader).signing_credential == "" and s.get(User, specialist).signing_credential in ("", None)
