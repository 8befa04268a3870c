"""Least privilege (issue 10, item 4): a unit administrator grants only roles that stay inside the unit, and
manages only the accounts of the unit (the cells nguoi_dung.cap.* of cchc/auth/permissions.yaml)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.service import create_user, set_active, update_user
from cchc.errors import PermissionDenied, ValidationError
from tests.dossiers.factories import make_user, make_ward_and_province

PASSWORD = "matkhau123"


@pytest.fixture
def units(db):
    return make_ward_and_province(db)


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(User))


def _officer(db, actor, username, role, unit):
    return create_user(db, actor, username=username, full_name="Cán Bộ Thử", password=PASSWORD, role=role, unit_id=unit.id)


# ------------------------------------------------------------------ defect 1: a ward administrator made a provincial reader
def test_ward_admin_cannot_create_a_reporting_account(db, units):
    _, ward, *_ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    before = _count(db)
    with pytest.raises(PermissionDenied) as err:
        _officer(db, admin, "baocao.myphu", Role.REPORTING.value, ward)
    assert "Cán bộ báo cáo" in err.value.message and "Quản trị hệ thống" in err.value.message
    assert _count(db) == before
    assert db.scalar(select(User).where(User.username == "baocao.myphu")) is None


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.CITIZEN])
def test_ward_admin_cannot_create_accounts_without_a_unit(db, units, role):
    _, ward, *_ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    with pytest.raises(PermissionDenied, match=role.label):
        create_user(db, admin, username="ai.do", full_name="Ai Đó", password=PASSWORD, role=role.value)
    assert db.scalar(select(User).where(User.username == "ai.do")) is None


@pytest.mark.parametrize("role", [Role.RECEIVING, Role.SPECIALIST, Role.LEADER, Role.UNIT_ADMIN])
def test_ward_admin_creates_officers_of_the_ward_and_its_desk(db, units, role):
    _, ward, desk, *_ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    assert _officer(db, admin, "a.ward", role.value, ward).unit_id == ward.id
    assert _officer(db, admin, "a.desk", role.value, desk).unit_id == desk.id


@pytest.mark.parametrize("target", ["other_ward", "province", "justice"])
def test_ward_admin_cannot_create_officers_elsewhere(db, units, target):
    province, ward, _, other_ward, justice = units
    unit = {"other_ward": other_ward, "province": province, "justice": justice}[target]
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    with pytest.raises(PermissionDenied) as err:
        _officer(db, admin, "chuyenvien.x", Role.SPECIALIST.value, unit)
    assert f"«{unit.name}»" in err.value.message and "Phường Mỹ Phú" in err.value.message
    assert db.scalar(select(User).where(User.username == "chuyenvien.x")) is None


@pytest.mark.parametrize("role", [Role.RECEIVING, Role.SPECIALIST, Role.LEADER, Role.REPORTING, Role.CITIZEN])
def test_other_roles_create_no_accounts(db, units, role):
    _, ward, *_ = units
    actor = make_user(db, "nguoi.thu", role, None if role is Role.CITIZEN else ward)
    with pytest.raises(PermissionDenied):
        _officer(db, actor, "moi.tao", Role.SPECIALIST.value, ward)
    assert db.scalar(select(User).where(User.username == "moi.tao")) is None


def test_province_admin_reaches_the_whole_province_but_grants_no_reporting_role(db, units):
    province, ward, desk, other_ward, justice = units
    admin = make_user(db, "qt.tinh", Role.UNIT_ADMIN, province)
    for unit in (ward, desk, other_ward, justice, province):
        _officer(db, admin, f"lanhdao.{unit.id}", Role.LEADER.value, unit)
    with pytest.raises(PermissionDenied, match="Cán bộ báo cáo"):
        _officer(db, admin, "baocao.tinh", Role.REPORTING.value, province)


def test_system_admin_grants_every_role(db, units):
    province, *_ = units
    admin = make_user(db, "qt.hethong", Role.SYSTEM_ADMIN, None)
    assert _officer(db, admin, "baocao.tinh", Role.REPORTING.value, province).role == Role.REPORTING
    assert create_user(db, admin, username="qt2", full_name="Quản Trị Hai", password=PASSWORD, role=Role.SYSTEM_ADMIN.value).id


def test_locked_admin_creates_nothing(db, units):
    _, ward, *_ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    admin.active = False
    with pytest.raises(PermissionDenied, match="đã bị khóa"):
        _officer(db, admin, "chuyenvien.x", Role.SPECIALIST.value, ward)


# ------------------------------------------------------------------ changing role or unit, locking
def test_ward_admin_cannot_promote_an_officer_to_reporting(db, units):
    _, ward, *_ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    clerk = make_user(db, "cv.myphu", Role.SPECIALIST, ward)
    with pytest.raises(PermissionDenied, match="Cán bộ báo cáo"):
        update_user(db, admin, clerk, role=Role.REPORTING.value)
    db.refresh(clerk)
    assert clerk.role == Role.SPECIALIST


def test_ward_admin_cannot_move_an_officer_out_of_the_ward(db, units):
    _, ward, _, other_ward, _ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    clerk = make_user(db, "cv.myphu", Role.SPECIALIST, ward)
    with pytest.raises(PermissionDenied, match="Phường Hòa Thuận"):
        update_user(db, admin, clerk, unit_id=other_ward.id)
    db.refresh(clerk)
    assert clerk.unit_id == ward.id


def test_ward_admin_changes_role_and_unit_inside_the_ward(db, units):
    _, ward, desk, *_ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    clerk = make_user(db, "cv.myphu", Role.SPECIALIST, ward)
    update_user(db, admin, clerk, role=Role.RECEIVING.value, unit_id=desk.id, full_name="Nguyễn Thị Một Cửa")
    assert (clerk.role, clerk.unit_id, clerk.full_name) == (Role.RECEIVING, desk.id, "Nguyễn Thị Một Cửa")


@pytest.mark.parametrize("who", ["other_ward_officer", "reporting_in_ward", "system_admin", "citizen"])
def test_ward_admin_cannot_touch_accounts_outside_its_reach(db, units, who):
    _, ward, _, other_ward, _ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    target = {
        "other_ward_officer": lambda: make_user(db, "cv.hoathuan", Role.SPECIALIST, other_ward),
        "reporting_in_ward": lambda: make_user(db, "bc.myphu", Role.REPORTING, ward),
        "system_admin": lambda: make_user(db, "qt.ht", Role.SYSTEM_ADMIN, None),
        "citizen": lambda: make_user(db, "cong.dan", Role.CITIZEN, None),
    }[who]()
    snapshot = (target.role, target.unit_id, target.full_name, target.active)
    with pytest.raises(PermissionDenied):
        set_active(db, admin, target, False)
    with pytest.raises(PermissionDenied):
        update_user(db, admin, target, full_name="Đổi Tên")
    db.refresh(target)
    assert (target.role, target.unit_id, target.full_name, target.active) == snapshot


def test_ward_admin_locks_and_unlocks_an_officer_of_the_ward(db, units):
    _, ward, *_ = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    clerk = make_user(db, "cv.myphu", Role.SPECIALIST, ward)
    set_active(db, admin, clerk, False)
    assert clerk.active is False
    set_active(db, admin, clerk, True)
    assert clerk.active is True
    with pytest.raises(ValidationError, match="chính mình"):
        set_active(db, admin, admin, False)


def test_update_refuses_bad_values_in_vietnamese(db, units):
    _, ward, *_ = units
    admin = make_user(db, "qt.hethong", Role.SYSTEM_ADMIN, None)
    clerk = make_user(db, "cv.myphu", Role.SPECIALIST, ward)
    with pytest.raises(ValidationError, match="Vai trò không hợp lệ"):
        update_user(db, admin, clerk, role="vua")
    with pytest.raises(ValidationError, match="Cán bộ phải thuộc một đơn vị"):
        update_user(db, admin, clerk, unit_id=None)
    with pytest.raises(ValidationError, match="họ và tên"):
        update_user(db, admin, clerk, full_name="  ")
    db.refresh(clerk)
    assert (clerk.role, clerk.unit_id) == (Role.SPECIALIST, ward.id)


def test_a_department_admin_cannot_make_itself_an_assigning_body(db, units):
    """A Sở's administrator may add units under the Sở and grant roles there, but a «Văn phòng» created under the Sở
    is not the Văn phòng UBND tỉnh: its officers do not gain the province-wide right to assign tasks."""
    from datetime import date

    from cchc.tasks import service as tasks
    from cchc.units import service as unit_service

    _, ward, _, _, justice = units
    admin = make_user(db, "qt.stp", Role.UNIT_ADMIN, justice)
    office = unit_service.create_unit(db, code="LP87.STP.VP", name="Văn phòng Sở Tư pháp", level="tinh", kind="van_phong",
                                      parent=justice, actor=admin)
    deputy = _officer(db, admin, "qt.vp.stp", Role.UNIT_ADMIN.value, office)
    assert not tasks.may_assign(db, deputy)
    with pytest.raises(PermissionDenied, match="không được giao nhiệm vụ"):
        tasks.assign(db, deputy, document_number="1/STP", document_date=date(2025, 3, 3), issuer_level="ubnd_tinh",
                     title="Rà soát", lead_unit=ward, deadline=date(2025, 3, 31))
