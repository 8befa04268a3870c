"""Least privilege (issue 10, item 4): a procedure — its fields, time limit, fees, components, internal process
and publications — is edited only by the agency that owns it (the unit of its cơ quan thực hiện, and the
administrators above it) or a system administrator (the cells thu_tuc.* of cchc/auth/permissions.yaml)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from cchc.auth.enums import Role
from cchc.errors import PermissionDenied
from cchc.procedures import service as procedures
from cchc.procedures.models import Field, Procedure
from tests.dossiers.factories import make_user, make_ward_and_province
from tests.procedures.factories import procedure_data


@pytest.fixture
def units(db):
    return make_ward_and_province(db)


def _provincial(db, justice) -> Procedure:
    return procedures.create_procedure(db, None, procedure_data(
        code="2.000488", name="Cấp Phiếu lý lịch tư pháp", field_code="LLTP", field_name="Lý lịch tư pháp", levels="tinh",
        time_amount=10, agency=justice.code))


def _ward_procedure(db, ward) -> Procedure:
    return procedures.create_procedure(db, None, procedure_data(code="1.001193", agency=ward.code))


def test_ward_admin_cannot_cut_a_provincial_time_limit(db, units):
    _, ward, _, _, justice = units
    proc = _provincial(db, justice)
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    with pytest.raises(PermissionDenied) as err:
        procedures.update_procedure(db, admin, proc, {"time_amount": 1})
    assert "Sở Tư pháp" in err.value.message and "2.000488" in err.value.message
    db.refresh(proc)
    assert proc.time_amount == Decimal(10)


def test_ward_admin_cannot_touch_a_provincial_procedure_by_any_path(db, units):
    _, ward, _, _, justice = units
    proc = _provincial(db, justice)
    steps_before = [(s.role, s.duration_amount) for s in proc.steps]
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    with pytest.raises(PermissionDenied):
        procedures.set_steps(db, admin, proc, "mot_cua:1:0; chuyen_vien:1:1; lanh_dao:1:1; mot_cua:1:0")
    with pytest.raises(PermissionDenied):
        procedures.add_publication(db, admin, proc, "9/QĐ-UBND", date(2025, 1, 2), "bai_bo")
    with pytest.raises(PermissionDenied):
        procedures.save_procedure(db, admin, {"code": "2.000488", "name": "Đổi tên"})
    db.refresh(proc)
    assert [(s.role, s.duration_amount) for s in proc.steps] == steps_before
    assert proc.publications == [] and proc.active and proc.name == "Cấp Phiếu lý lịch tư pháp"


def test_shared_commune_procedure_without_an_owner_is_for_the_system_admin(db, units):
    _, ward, *_ = units
    proc = procedures.create_procedure(db, None, procedure_data(agency="Ủy ban nhân dân cấp xã"))
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    with pytest.raises(PermissionDenied, match="Quản trị hệ thống"):
        procedures.update_procedure(db, admin, proc, {"time_amount": 1})
    system = make_user(db, "qt.hethong", Role.SYSTEM_ADMIN, None)
    assert procedures.update_procedure(db, system, proc, {"time_amount": 4}).time_amount == Decimal(4)


def test_owning_ward_admin_edits_its_procedure(db, units):
    _, ward, *_ = units
    proc = _ward_procedure(db, ward)
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    procedures.update_procedure(db, admin, proc, {"time_amount": 4})
    procedures.set_steps(db, admin, proc, "mot_cua:2:0; chuyen_vien:16:1; lanh_dao:8:1; mot_cua:2:0")
    procedures.add_publication(db, admin, proc, "12/QĐ-UBND", date(2025, 1, 2), "sua_doi")
    assert proc.time_amount == Decimal(4) and len(proc.steps) == 4 and len(proc.publications) == 1


def test_province_admin_edits_the_procedures_of_its_departments(db, units):
    province, _, _, _, justice = units
    proc = _provincial(db, justice)
    admin = make_user(db, "qt.tinh", Role.UNIT_ADMIN, province)
    assert procedures.update_procedure(db, admin, proc, {"time_amount": 8}).time_amount == Decimal(8)


def test_ward_admin_cannot_take_or_give_away_ownership(db, units):
    _, ward, _, other_ward, justice = units
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    provincial = _provincial(db, justice)
    with pytest.raises(PermissionDenied):
        procedures.update_procedure(db, admin, provincial, {"agency": ward.code})
    db.refresh(provincial)
    assert provincial.agency_unit_id == justice.id
    own = _ward_procedure(db, ward)
    with pytest.raises(PermissionDenied, match="Phường Hòa Thuận"):
        procedures.update_procedure(db, admin, own, {"agency": other_ward.code})
    with pytest.raises(PermissionDenied):
        procedures.update_procedure(db, admin, own, {"agency": ""})
    db.refresh(own)
    assert own.agency_unit_id == ward.id


def test_ward_admin_creates_procedures_owned_by_the_ward(db, units):
    _, ward, _, other_ward, _ = units
    _ward_procedure(db, ward)  # lĩnh vực HT — Hộ tịch exists
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    created = procedures.create_procedure(db, admin, procedure_data(code="1.000001"))
    assert created.agency_unit_id == ward.id and created.agency_name == "Phường Mỹ Phú"
    with pytest.raises(PermissionDenied, match="Phường Hòa Thuận"):
        procedures.create_procedure(db, admin, procedure_data(code="1.000002", agency=other_ward.code))
    assert db.scalar(select(Procedure).where(Procedure.code == "1.000002")) is None


def test_only_the_system_admin_adds_or_renames_a_field(db, units):
    _, ward, *_ = units
    _ward_procedure(db, ward)  # lĩnh vực HT — Hộ tịch exists
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    with pytest.raises(PermissionDenied, match="lĩnh vực"):
        procedures.create_procedure(db, admin, procedure_data(code="1.000003", field_code="MOI", field_name="Lĩnh vực mới"))
    with pytest.raises(PermissionDenied, match="lĩnh vực"):
        procedures.update_procedure(db, admin, "1.001193", {"field_code": "HT", "field_name": "Hộ tịch (đổi tên)"})
    with pytest.raises(PermissionDenied, match="lĩnh vực"):
        procedures.ensure_field(db, admin, "HT", "Tên khác")
    assert db.scalar(select(Field.name).where(Field.code == "HT")) == "Hộ tịch"
    assert db.scalar(select(Field).where(Field.code == "MOI")) is None
    # naming the existing field as it is, or by code only, is not a change
    assert procedures.create_procedure(db, admin, procedure_data(code="1.000004", field_code="HT", field_name="Hộ tịch")).id
    assert procedures.create_procedure(db, admin, procedure_data(code="1.000005", field_code="HT", field_name="")).id
    system = make_user(db, "qt.hethong", Role.SYSTEM_ADMIN, None)
    assert procedures.ensure_field(db, system, "HT", "Hộ tịch, chứng thực").name == "Hộ tịch, chứng thực"


def test_import_by_a_ward_admin_touches_only_the_ward_procedures(db, units, tmp_path):
    from cchc.procedures.importer import import_procedures
    from tests.procedures.factories import import_row
    from tests.procedures.test_importer import write

    _, ward, _, _, justice = units
    provincial = _provincial(db, justice)
    _ward_procedure(db, ward)
    admin = make_user(db, "qt.myphu", Role.UNIT_ADMIN, ward)
    own_row = import_row(1, MaTTHC="1.001193", MaLinhVuc="HT", TenLinhVuc="Hộ tịch", ThoiHanGiaiQuyet=4, QuyTrinh="")
    theirs = import_row(2, MaTTHC="2.000488", MaLinhVuc="LLTP", TenLinhVuc="Lý lịch tư pháp", ThoiHanGiaiQuyet=1, QuyTrinh="")
    with pytest.raises(PermissionDenied) as err:
        import_procedures(db, write(tmp_path / "tthc", [own_row, theirs], "csv"), actor=admin)
    assert err.value.message.startswith("Dòng 3:") and "Sở Tư pháp" in err.value.message
    db.expire_all()
    assert provincial.time_amount == Decimal(10)
    assert procedures.get_procedure(db, "1.001193").time_amount == Decimal(5)  # all or nothing
    result = import_procedures(db, write(tmp_path / "tthc2", [own_row], "csv"), actor=admin)
    assert result["updated"] == 1
    db.expire_all()
    assert procedures.get_procedure(db, "1.001193").time_amount == Decimal(4)
