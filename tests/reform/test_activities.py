"""Inspections and communication activities: kinds derived from the inspected unit, distinct units counted, sums."""

from __future__ import annotations

import pytest

from cchc.errors import ValidationError
from cchc.reform import activities
from cchc.reform.models import CommunicationActivity, Inspection

from .conftest import H1_2023


def test_inspection_figures(db, units):
    add = lambda **kw: activities.create_inspection(db, None, units.office, **kw)  # noqa: E731
    first = add(inspected_on="10/3/2023", inspected_unit_id=units.justice.code, issues_found=4, issues_resolved=4)
    assert (first.target_kind, first.inspected_name) == ("so_nganh", "Sở Tư pháp")
    add(inspected_on="20/4/2023", inspected_unit_id=units.justice.code, issues_found=1, issues_resolved=0)  # same unit again
    add(inspected_on="21/4/2023", inspected_unit_id=units.finance.id, issues_found=3, issues_resolved=2)
    add(inspected_on="2/5/2023", inspected_unit_id=units.district.code, issues_found=2, issues_resolved=2)
    add(inspected_on="3/5/2023", inspected_name="UBND xã Tịnh Thọ", target_kind="xa")
    add(inspected_on="1/7/2023", inspected_unit_id=units.finance.code, issues_found=9, issues_resolved=9)  # after the window
    f = activities.inspection_figures(db, units.office, *H1_2023)
    assert f == {"inspections": 5, "departments": 2, "districts": 1, "communes": 1, "internal": 0,
                 "issues_found": 10, "issues_resolved": 8, "rate": 80.0}


def test_inspection_refusals(db, units):
    with pytest.raises(ValidationError, match=r"Số vấn đề đã xử lý \(5\) lớn hơn số vấn đề phát hiện \(3\)") as info:
        activities.create_inspection(db, None, units.office, inspected_on="1/3/2023", inspected_unit_id=units.justice.code,
                                     issues_found=3, issues_resolved=5)
    assert info.value.field == "issues_resolved"
    with pytest.raises(ValidationError, match="Thiếu đơn vị được kiểm tra"):
        activities.create_inspection(db, None, units.office, inspected_on="1/3/2023")
    with pytest.raises(ValidationError, match="Thiếu loại đơn vị được kiểm tra"):
        activities.create_inspection(db, None, units.office, inspected_on="1/3/2023", inspected_name="Ban Quản lý dự án")
    with pytest.raises(ValidationError, match="Mã đơn vị được kiểm tra: không tìm thấy đơn vị có mã «XYZ»"):
        activities.create_inspection(db, None, units.office, inspected_on="1/3/2023", inspected_unit_id="XYZ")
    with pytest.raises(ValidationError, match="Số vấn đề phát hiện: phải là số nguyên không âm"):
        activities.create_inspection(db, None, units.office, inspected_on="1/3/2023", inspected_name="A", target_kind="xa", issues_found=-1)
    assert db.query(Inspection).count() == 0


def test_communication_figures_read_like_seed_001(db, units):
    add = lambda **kw: activities.create_activity(db, None, units.district, **kw)  # noqa: E731
    add(held_on="15/1/2023", kind="bai_viet", title="Tin bài trên Đài Truyền thanh", count=100)
    add(held_on="15/5/2023", kind="Tin, bài", count=15)
    add(held_on="20/3/2023", kind="chuyen_muc", title="Chuyên mục pháp luật", count=12)
    add(held_on="10/4/2023", kind="hoi_nghi", title="Sinh hoạt chi, tổ hội", count=70, participants=2000)
    add(held_on="11/4/2023", kind="hoi_nghi", title="Hội nghị phổ biến pháp luật", count=8, participants=312)
    add(held_on="20/6/2023", kind="hoi_nghi", count=5, participants=100)  # after the window
    f = activities.communication_figures(db, units.district, *H1_2023)
    assert f == {"articles": 115, "meetings": 78, "participants": 2312, "meeting_participants": 2312, "other_participants": 0,
                 "programmes": 12, "other": 0}
    with pytest.raises(ValidationError, match="Số lượt người tham dự chỉ ghi cho hội nghị"):
        add(held_on="1/2/2023", kind="bai_viet", count=1, participants=10)
    with pytest.raises(ValidationError, match="Số lượng phải từ 1 trở lên"):
        add(held_on="1/2/2023", kind="hoi_nghi", count=0)
    assert db.query(CommunicationActivity).count() == 6
