"""The annual CCHC plan: items, status changes, permissions, completion figures."""

from __future__ import annotations

from datetime import date

import pytest

from cchc import clock
from cchc.auth.enums import Role
from cchc.errors import NotFound, PermissionDenied, ValidationError
from cchc.reform import plan
from cchc.reform.models import PlanItem

from .conftest import H1_2023, add_user


def test_create_and_complete_an_item(db, units):
    item = plan.create_item(db, None, units.office, year=2023, code="1", content="Ban hành Kế hoạch CCHC năm 2023",
                            owner="Phòng Hành chính - Tổ chức", deadline="31/01/2023")
    assert (item.status, item.deadline, item.updated_by) == ("chua_thuc_hien", date(2023, 1, 31), "cli")
    done = plan.set_status(db, None, item.id, "Hoàn thành", completed_at="2023-01-06", evidence="Kế hoạch số 01/KH-UBND")
    assert (done.status, done.completed_at, done.evidence) == ("hoan_thanh", date(2023, 1, 6), "Kế hoạch số 01/KH-UBND")
    again = plan.set_status(db, None, item.id, "dang_thuc_hien")
    assert (again.status, again.completed_at) == ("dang_thuc_hien", None)
    today = plan.set_status(db, None, item.id, "hoan_thanh")
    assert today.completed_at == clock.today()


def test_refusals_change_nothing(db, units):
    plan.create_item(db, None, units.office, year=2023, code="1", content="Nhiệm vụ 1")
    with pytest.raises(ValidationError, match="Kế hoạch năm 2023 đã có nhiệm vụ STT 1") as info:
        plan.create_item(db, None, units.office, year=2023, code="1", content="Trùng")
    assert info.value.field == "code"
    with pytest.raises(ValidationError, match="Thiếu nội dung nhiệm vụ"):
        plan.create_item(db, None, units.office, year=2023, code="2", content="  ")
    with pytest.raises(ValidationError, match="Trạng thái: giá trị «xong» không hợp lệ"):
        plan.create_item(db, None, units.office, year=2023, code="2", content="X", status="xong")
    with pytest.raises(ValidationError, match="Thời hạn: ngày không hợp lệ: «31/02/2023»"):
        plan.create_item(db, None, units.office, year=2023, code="2", content="X", deadline="31/02/2023")
    with pytest.raises(ValidationError, match="Ngày hoàn thành chỉ ghi khi trạng thái là «Hoàn thành»"):
        plan.create_item(db, None, units.office, year=2023, code="2", content="X", completed_at="01/02/2023")
    with pytest.raises(NotFound, match="Không tìm thấy nhiệm vụ kế hoạch số 999"):
        plan.set_status(db, None, 999, "hoan_thanh")
    assert db.query(PlanItem).count() == 1


def test_who_may_act(db, units):
    reporting = add_user(db, "bc", Role.REPORTING, units.province)
    admin = add_user(db, "sysadmin", Role.SYSTEM_ADMIN, None)
    specialist = add_user(db, "cv", Role.SPECIALIST, units.office)
    foreign = add_user(db, "qt_stp", Role.UNIT_ADMIN, units.justice)
    item = plan.create_item(db, reporting, units.office, year=2023, code="1", content="Nhiệm vụ")
    assert item.updated_by == "bc"
    assert plan.set_status(db, admin, item.id, "hoan_thanh").updated_by == "sysadmin"
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ báo cáo hoặc quản trị đơn vị"):
        plan.set_status(db, specialist, item.id, "dang_thuc_hien")
    with pytest.raises(PermissionDenied, match="không thuộc phạm vi đơn vị của bạn"):
        plan.create_item(db, foreign, units.office, year=2023, code="2", content="Nhiệm vụ")
    assert db.get(PlanItem, item.id).status == "hoan_thanh"


def test_figures_count_the_units_own_plan_of_the_year_up_to_the_window_end(db, units):
    for i in range(1, 33):
        status = "hoan_thanh" if i <= 26 else "dang_thuc_hien"
        plan.create_item(db, None, units.district, year=2023, code=str(i), content=f"Nhiệm vụ {i}", status=status,
                         completed_at="2023-05-01" if status == "hoan_thanh" else None)
    late = plan.create_item(db, None, units.district, year=2023, code="33", content="Xong sau kỳ", status="hoan_thanh",
                            completed_at="2023-08-01")
    plan.create_item(db, None, units.district, year=2022, code="1", content="Năm trước", status="hoan_thanh", completed_at="2022-11-01")
    plan.create_item(db, None, units.commune, year=2023, code="1", content="Của xã", status="hoan_thanh", completed_at="2023-01-10")
    figures = plan.plan_figures(db, units.district, *H1_2023)
    assert figures == {"year": 2023, "total": 33, "done": 26, "not_done": 7, "rate": 78.79}
    plan.delete_item(db, None, late.id)
    assert plan.plan_figures(db, units.district, *H1_2023)["rate"] == 81.25
    assert [i.code for i in plan.list_items(db, units.district.id, 2023)][:3] == ["1", "10", "11"]


def test_the_reports_self_check_covers_the_registers():
    from cchc.reports.checks import check_figures

    good = {"plan": {"year": 2023, "total": 32, "done": 26, "not_done": 6, "rate": 81.25},
            "inspections": {"inspections": 3, "departments": 1, "districts": 1, "issues_found": 8, "issues_resolved": 7, "rate": 87.5},
            "directives": {"count": 2, "by_kind": {"ke_hoach": 2, "cong_van": 0}, "by_area": {"chung": 1, "tthc": 1}}}
    assert check_figures(good) == []
    bad = {"plan": {"total": 32, "done": 26, "not_done": 5, "rate": 80.0},
           "inspections": {"inspections": 1, "departments": 2, "districts": 0, "issues_found": 3, "issues_resolved": 4, "rate": 133.33},
           "directives": {"count": 3, "by_kind": {"ke_hoach": 2}, "by_area": {"chung": 3}}}
    problems = check_figures(bad)
    assert "plan.total = 32 nhưng plan.done + plan.not_done = 31." in problems
    assert any(p.startswith("plan.rate = 80") for p in problems)
    assert "inspections.issues_resolved = 4 lớn hơn inspections.issues_found = 3." in problems
    assert "inspections.departments = 2 lớn hơn inspections.inspections = 1." in problems
    assert any(p.startswith("directives.count = 3 nhưng directives.by_kind.*") for p in problems)
