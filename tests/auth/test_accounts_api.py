"""The account management API (/api/v1/users) and the catalogue editing API (/api/v1/procedures, /api/v1/fields):
what an administrator may do is the permission matrix's, and a refusal is a 403 in Vietnamese that changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cchc.auth.models import User
from cchc.db import session_factory
from cchc.procedures import service as procedures
from cchc.procedures.models import Procedure
from tests.dossiers.factories import make_unit
from tests.procedures.factories import procedure_data
from tests.webclient import login_api


@pytest.fixture
def units(committed):
    with session_factory()() as s:
        province = make_unit(s, "AP87", "Tỉnh Đồng Tháp", "tinh", kind="tinh")
        ward = make_unit(s, "AP87.01", "Phường Mỹ Phú", "xa", province, kind="phuong")
        other = make_unit(s, "AP87.02", "Phường Hòa Thuận", "xa", province, kind="phuong")
        justice = make_unit(s, "AP87.STP", "Sở Tư pháp", "tinh", province, is_area=False, kind="so")
        procedures.create_procedure(s, None, procedure_data(code="1.001193", agency=ward.code))
        procedures.create_procedure(s, None, procedure_data(code="2.000488", name="Cấp Phiếu lý lịch tư pháp", levels="tinh",
                                                            time_amount=10, agency=justice.code))
        s.commit()
        return {"province": province.id, "ward": ward.id, "other": other.id, "justice": justice.id}


def _user(username: str):
    with session_factory()() as s:
        return s.scalar(select(User).where(User.username == username))


def _as(client, make_user, username, role, unit_id):
    make_user(username, role=role, unit_id=unit_id)
    return {"X-CSRF-Token": login_api(client, username)}


def test_ward_admin_creates_a_ward_officer_with_a_generated_password(client, make_user, units):
    h = _as(client, make_user, "qt.myphu", "quan_tri_don_vi", units["ward"])
    r = client.post("/api/v1/users", json={"username": "cv.moi", "full_name": "Chuyên Viên Mới", "role": "chuyen_vien",
                                           "unit_code": "AP87.01"}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["role_label"] == "Chuyên viên" and body["unit_code"] == "AP87.01" and body["must_change_password"] is True
    assert len(body["password"]) == 12 and _user("cv.moi").must_change_password


def test_ward_admin_is_refused_a_reporting_account_through_the_api(client, make_user, units):
    h = _as(client, make_user, "qt.myphu", "quan_tri_don_vi", units["ward"])
    r = client.post("/api/v1/users", json={"username": "bc.myphu", "full_name": "Báo Cáo", "role": "bao_cao",
                                           "unit_code": "AP87.01"}, headers=h)
    assert r.status_code == 403 and "Cán bộ báo cáo" in r.json()["detail"]
    assert _user("bc.myphu") is None


def test_ward_admin_lists_only_the_accounts_it_manages(client, make_user, units):
    make_user("cv.myphu", role="chuyen_vien", unit_id=units["ward"])
    make_user("cv.hoathuan", role="chuyen_vien", unit_id=units["other"])
    make_user("bc.myphu", role="bao_cao", unit_id=units["ward"])
    h = _as(client, make_user, "qt.myphu", "quan_tri_don_vi", units["ward"])
    names = {u["username"] for u in client.get("/api/v1/users", headers=h).json()}
    assert names == {"cv.myphu", "qt.myphu"}
    make_user("lanhdao", role="lanh_dao", unit_id=units["ward"])
    h = {"X-CSRF-Token": login_api(client, "lanhdao")}
    r = client.get("/api/v1/users", headers=h)
    assert r.status_code == 403 and "không được quản lý tài khoản" in r.json()["detail"]


def test_patch_changes_role_unit_and_state_within_reach(client, make_user, units):
    target = make_user("cv.myphu", role="chuyen_vien", unit_id=units["ward"])
    h = _as(client, make_user, "qt.myphu", "quan_tri_don_vi", units["ward"])
    ok = client.patch(f"/api/v1/users/{target}", json={"role": "lanh_dao", "full_name": "Lê Văn Lãnh"}, headers=h)
    assert ok.status_code == 200 and ok.json()["role"] == "lanh_dao" and ok.json()["full_name"] == "Lê Văn Lãnh"
    locked = client.patch(f"/api/v1/users/{target}", json={"active": False}, headers=h)
    assert locked.status_code == 200 and locked.json()["active"] is False
    for change, message in (({"role": "bao_cao"}, "Cán bộ báo cáo"), ({"unit_code": "AP87.02"}, "Phường Hòa Thuận"),
                            ({"unit_code": None}, "Cán bộ phải thuộc một đơn vị"), ({"role": "quan_tri_he_thong"}, "Quản trị hệ thống")):
        r = client.patch(f"/api/v1/users/{target}", json=change, headers=h)
        assert r.status_code in (403, 422) and message in r.json()["detail"], (change, r.text)
    after = _user("cv.myphu")
    assert (after.role, after.unit_id, after.active) == ("lanh_dao", units["ward"], False)


def test_unknown_unit_or_account_is_named(client, make_user, units):
    h = _as(client, make_user, "qt.hethong", "quan_tri_he_thong", None)
    r = client.post("/api/v1/users", json={"username": "x.y", "full_name": "X Y", "role": "mot_cua", "unit_code": "KHONGCO"}, headers=h)
    assert r.status_code == 422 and "KHONGCO" in r.json()["detail"]
    assert client.patch("/api/v1/users/987654", json={"active": False}, headers=h).status_code == 404


# ---------------------------------------------------------------------------------------------- the catalogue
def test_ward_admin_cannot_cut_a_provincial_time_limit_through_the_api(client, make_user, units):
    h = _as(client, make_user, "qt.myphu", "quan_tri_don_vi", units["ward"])
    r = client.patch("/api/v1/procedures/2.000488", json={"time_amount": 1}, headers=h)
    assert r.status_code == 403 and "Sở Tư pháp" in r.json()["detail"]
    assert client.get("/api/v1/procedures/2.000488").json()["time_amount"] == "10.00"
    for method, url, body in (("put", "/api/v1/procedures/2.000488/steps", [{"role": "mot_cua", "hours": 1}, {"role": "mot_cua", "hours": 1}]),
                              ("post", "/api/v1/procedures/2.000488/publications",
                               {"decision_no": "1/QĐ", "decision_date": "2025-01-02", "kind": "bai_bo"})):
        refused = client.request(method, url, json=body, headers=h)
        assert refused.status_code == 403 and "Sở Tư pháp" in refused.json()["detail"]
    with session_factory()() as s:
        proc = s.scalar(select(Procedure).where(Procedure.code == "2.000488"))
        assert proc.active and not proc.publications and len(proc.steps) == 4


def test_owner_and_system_admin_edit_through_the_api(client, make_user, units):
    h = _as(client, make_user, "qt.myphu", "quan_tri_don_vi", units["ward"])
    r = client.patch("/api/v1/procedures/1.001193", json={"time_amount": 4}, headers=h)
    assert r.status_code == 200 and r.json()["time_amount"] == "4.00"
    steps = [{"role": "mot_cua", "hours": 2}, {"role": "chuyen_vien", "hours": 20, "can_return": True},
             {"role": "lanh_dao", "hours": 8, "can_return": True}, {"role": "mot_cua", "hours": 2}]
    assert client.put("/api/v1/procedures/1.001193/steps", json=steps, headers=h).status_code == 200
    pub = client.post("/api/v1/procedures/1.001193/publications",
                      json={"decision_no": "12/QĐ-UBND", "decision_date": "2025-01-02", "kind": "sua_doi"}, headers=h)
    assert pub.status_code == 201 and pub.json()["publications"][0]["decision_no"] == "12/QĐ-UBND"
    created = client.post("/api/v1/procedures", json={"code": "1.000009", "name": "Chứng thực chữ ký", "field_code": "HT",
                                                       "levels": "xa", "time_amount": 1, "time_unit": "ngay_lam_viec"}, headers=h)
    assert created.status_code == 201, created.text
    refused = client.put("/api/v1/fields/HT", json={"name": "Đổi tên"}, headers=h)
    assert refused.status_code == 403 and "lĩnh vực" in refused.json()["detail"]
    h = _as(client, make_user, "qt.hethong", "quan_tri_he_thong", None)
    assert client.patch("/api/v1/procedures/2.000488", json={"time_amount": 8}, headers=h).status_code == 200
    field = client.put("/api/v1/fields/HT", json={"name": "Hộ tịch, chứng thực"}, headers=h)
    assert field.status_code == 200 and field.json()["name"] == "Hộ tịch, chứng thực" and field.json()["procedures"] == 3


def test_ward_admin_cannot_take_over_a_reporting_account_by_resetting_it(client, make_user, units):
    """A Cán bộ báo cáo attached to the ward reads the whole province: resetting its password (or ending its sessions)
    would hand that reach to the ward administrator."""
    reader = make_user("bc.myphu", role="bao_cao", unit_id=units["ward"])
    clerk = make_user("cv.myphu", role="chuyen_vien", unit_id=units["ward"])
    before = _user("bc.myphu").password_hash
    h = _as(client, make_user, "qt.myphu", "quan_tri_don_vi", units["ward"])
    for action in ("reset-password", "end-sessions"):
        r = client.post(f"/api/v1/users/{reader}/{action}", headers=h)
        assert r.status_code == 403 and "Cán bộ báo cáo" in r.json()["detail"], action
    assert _user("bc.myphu").password_hash == before and not _user("bc.myphu").must_change_password
    ok = client.post(f"/api/v1/users/{clerk}/reset-password", headers=h)
    assert ok.status_code == 200 and _user("cv.myphu").must_change_password
