"""The administration pages under least privilege: a ward administrator offers, creates, locks, resets and logs out only
the accounts of the ward (never a Cán bộ báo cáo), and edits only the procedures the ward owns."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cchc.auth.models import User
from cchc.db import session_factory
from cchc.procedures import service as procedures
from cchc.procedures.models import Procedure
from tests.dossiers.factories import make_unit
from tests.procedures.factories import procedure_data
from tests.webclient import csrf_from, login_page


@pytest.fixture
def ward_admin(client, make_user, committed):
    with session_factory()() as s:
        province = make_unit(s, "WA87", "Tỉnh Đồng Tháp", "tinh", kind="tinh")
        ward = make_unit(s, "WA87.01", "Phường Mỹ Phú", "xa", province, kind="phuong")
        justice = make_unit(s, "WA87.STP", "Sở Tư pháp", "tinh", province, is_area=False, kind="so")
        procedures.create_procedure(s, None, procedure_data(code="1.001193", agency=ward.code))
        procedures.create_procedure(s, None, procedure_data(code="2.000488", name="Cấp Phiếu lý lịch tư pháp", levels="tinh",
                                                            time_amount=10, agency=justice.code))
        s.commit()
        ids = {"ward": ward.id, "province": province.id}
    ids["clerk"] = make_user("cv.myphu", role="chuyen_vien", unit_id=ids["ward"])
    ids["reader"] = make_user("bc.myphu", role="bao_cao", unit_id=ids["ward"])
    make_user("qt.myphu", role="quan_tri_don_vi", unit_id=ids["ward"])
    login_page(client, "qt.myphu")
    return ids


def _post(client, url, data, page):
    token = csrf_from(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _user(username):
    with session_factory()() as s:
        return s.scalar(select(User).where(User.username == username))


def test_the_role_list_offers_only_what_the_ward_admin_may_grant(client, ward_admin):
    page = client.get("/quan-tri/nguoi-dung").text
    form = page[page.index("Tạo tài khoản cán bộ"):]
    offered = set(re.findall(r'<option value="([a-z_]+)"', form))
    assert offered == {"mot_cua", "chuyen_vien", "lanh_dao", "quan_tri_don_vi"}


def test_a_reporting_account_posted_anyway_is_refused(client, ward_admin):
    r = _post(client, "/quan-tri/nguoi-dung", {"username": "bc.moi", "full_name": "Báo Cáo Mới", "role": "bao_cao",
                                               "unit": "WA87.01"}, "/quan-tri/nguoi-dung")
    assert r.status_code == 403 and "Cán bộ báo cáo" in r.text and "Quản trị hệ thống" in r.text
    assert _user("bc.moi") is None


def test_ward_admin_locks_a_ward_officer_but_not_the_reporting_officer(client, ward_admin):
    page = client.get("/quan-tri/nguoi-dung").text
    assert f"/quan-tri/nguoi-dung/{ward_admin['clerk']}/trang-thai" in page
    assert f"/quan-tri/nguoi-dung/{ward_admin['reader']}/" not in page  # no button on an account out of reach
    ok = _post(client, f"/quan-tri/nguoi-dung/{ward_admin['clerk']}/trang-thai", {}, "/quan-tri/nguoi-dung")
    assert ok.status_code == 303 and _user("cv.myphu").active is False
    for action in ("trang-thai", "dat-lai-mat-khau", "ket-thuc-phien"):
        r = _post(client, f"/quan-tri/nguoi-dung/{ward_admin['reader']}/{action}", {}, "/quan-tri/nguoi-dung")
        assert r.status_code == 403 and "Cán bộ báo cáo" in r.text, action
    reader = _user("bc.myphu")
    assert reader.active and not reader.must_change_password


def test_a_provincial_procedure_is_read_only_for_the_ward_admin(client, ward_admin):
    page = client.get("/quan-tri/thu-tuc/2.000488").text
    assert "Chỉ xem:" in page and "Sở Tư pháp" in page and '<button class="btn">Lưu</button>' not in page
    r = _post(client, "/quan-tri/thu-tuc/2.000488", {"name": "Cấp Phiếu lý lịch tư pháp", "time_amount": "1",
                                                      "time_unit": "ngay_lam_viec", "online_level": "toan_trinh"},
              "/quan-tri/thu-tuc/2.000488")
    assert r.status_code == 403 and "Sở Tư pháp" in r.text
    with session_factory()() as s:
        assert s.scalar(select(Procedure.time_amount).where(Procedure.code == "2.000488")) == 10
    own = client.get("/quan-tri/thu-tuc/1.001193").text
    assert "Chỉ xem:" not in own
    saved = _post(client, "/quan-tri/thu-tuc/1.001193", {"name": "Đăng ký khai sinh", "time_amount": "4",
                                                          "time_unit": "ngay_lam_viec", "online_level": "toan_trinh",
                                                          "steps": "mot_cua:2:0; chuyen_vien:20:1; lanh_dao:8:1; mot_cua:2:0"},
                  "/quan-tri/thu-tuc/1.001193")
    assert saved.status_code == 303
