"""Figures entered by hand and report narratives: permissions, validation, all or nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import NotFound, PermissionDenied, ValidationError
from cchc.reform import service as reform
from cchc.reform.models import ManualFigure
from cchc.units.models import Unit

START, END = date(2023, 6, 15), date(2023, 9, 14)


def add_unit(session, code, name, level, kind, parent=None, is_area=False) -> Unit:
    unit = Unit(code=code, name=name, level=level, kind=kind, is_area=is_area, parent_id=parent.id if parent else None)
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    return unit


def add_user(session, name, role, unit) -> User:
    user = User(username=name, full_name=name, role=role.value, unit_id=unit.id if unit else None)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def tree(db):
    province = add_unit(db, "87", "Tỉnh Đồng Tháp", "tinh", "tinh", is_area=True)
    office = add_unit(db, "000.00.01.H87", "Văn phòng UBND tỉnh", "tinh", "van_phong", parent=province)
    other = add_unit(db, "000.00.02.H87", "Sở Tư pháp", "tinh", "so", parent=province)
    return province, office, other


def test_set_and_get_figures(db, tree):
    _, office, _ = tree
    fig = reform.set_figure(db, None, office, START, END, 4, "2.1", "59", note="Theo Quyết định giao biên chế")
    assert fig.value == Decimal(59) and fig.entered_by == "cli" and fig.note == "Theo Quyết định giao biên chế"
    reform.set_figure(db, None, office, START, END, 4, "2.2", 57)
    assert reform.manual_values(db, office.id, START, END) == {4: {"2.1": Decimal(59), "2.2": Decimal(57)}}
    reform.set_figure(db, None, office, START, END, 4, "2.2", 56)  # updates, never duplicates
    assert db.query(ManualFigure).filter_by(unit_id=office.id, stt="2.2").count() == 1
    reform.set_figure(db, None, office, START, END, 4, "2.2", "")  # blank clears
    assert reform.manual_values(db, office.id, START, END) == {4: {"2.1": Decimal(59)}}


def test_a_part_larger_than_the_stored_whole_is_refused(db, tree):
    _, office, _ = tree
    reform.set_figure(db, None, office, START, END, 4, "2.1", 50)
    with pytest.raises(ValidationError) as info:
        reform.set_figure(db, None, office, START, END, 4, "2.2", 57)
    assert "Biểu mẫu 4: STT 2.2 (57) lớn hơn tổng của nó ở STT 2.1 (50)." in info.value.message
    assert reform.manual_values(db, office.id, START, END) == {4: {"2.1": Decimal(50)}}


def test_set_figures_is_all_or_nothing(db, tree):
    _, office, _ = tree
    with pytest.raises(ValidationError) as info:
        reform.set_figures(db, None, office, START, END, [
            reform.Entry(1, "1", Decimal(17)),
            reform.Entry(1, "4.2", Decimal(140)),
            reform.Entry(3, "1.2", Decimal(5)),
            reform.Entry(9, "1", Decimal(1)),
        ])
    message = info.value.message
    assert "Biểu mẫu 1, STT 4.2: tỷ lệ phải từ 0 đến 100 (nhập 140)." in message
    assert "Biểu mẫu 3, STT 1.2: chỉ tiêu do hệ thống tự tính, không nhập bằng tay." in message
    assert "Không có Biểu mẫu 9." in message
    assert db.query(ManualFigure).count() == 0


def test_a_rate_typed_by_hand_must_agree_with_its_rows(db, tree):
    _, office, _ = tree
    with pytest.raises(ValidationError, match=r"Tỷ lệ ở STT 3 \(80,00%\) phải bằng STT 3.2 / STT 3.1 × 100 \(81,25%\)"):
        reform.set_figures(db, None, office, START, END, [
            reform.Entry(2, "3.1", Decimal(32)), reform.Entry(2, "3.2", Decimal(26)), reform.Entry(2, "3", Decimal(80)),
        ])
    # without its rows, a rate the officer knows is kept
    reform.set_figure(db, None, office, START, END, 2, "3", "55,17")
    assert reform.manual_values(db, office.id, START, END)[2]["3"] == Decimal("55.17")


def test_unknown_row_is_not_found(db, tree):
    with pytest.raises(NotFound, match="STT 9.9"):
        reform.set_figure(db, None, tree[1], START, END, 1, "9.9", 1)


def test_who_may_enter_figures(db, tree):
    province, office, other = tree
    reporting = add_user(db, "bao_cao", Role.REPORTING, province)
    admin = add_user(db, "qtdv", Role.UNIT_ADMIN, office)
    specialist = add_user(db, "cv", Role.SPECIALIST, office)
    foreign_admin = add_user(db, "qt_so", Role.UNIT_ADMIN, other)
    assert reform.set_figure(db, reporting, office, START, END, 1, "6.1", 3).entered_by == "bao_cao"
    assert reform.set_figure(db, admin, office, START, END, 1, "6.1", 4).value == Decimal(4)
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ báo cáo hoặc quản trị đơn vị"):
        reform.set_figure(db, specialist, office, START, END, 1, "6.1", 5)
    with pytest.raises(PermissionDenied, match="không thuộc phạm vi đơn vị của bạn"):
        reform.set_narrative(db, foreign_admin, office, START, END, "I", "Nội dung.")
    admin.active = False
    with pytest.raises(PermissionDenied, match="bị khóa"):
        reform.set_figure(db, admin, office, START, END, 1, "6.1", 6)


def test_narratives_by_key_or_title(db, tree):
    _, office, _ = tree
    reform.set_narrative(db, None, office, START, END, "ii.1", "Ban hành 04 văn bản.")
    reform.set_narrative(db, None, office, START, END, "Mặt tích cực", "Chuyển biến tích cực.")
    reform.set_narrative(db, None, office, START, END, "IV. Phương hướng, nhiệm vụ 6 tháng cuối năm 2023", "Tiếp tục.")
    reform.set_narrative(db, None, office, START, END, "Kính gửi", "Sở Nội vụ")
    assert reform.get_narratives(db, office.id, START, END) == {
        "II.1": "Ban hành 04 văn bản.", "III.1": "Chuyển biến tích cực.", "IV": "Tiếp tục.", "kinh_gui": "Sở Nội vụ",
    }
    reform.set_narrative(db, None, office, START, END, "IV", "  ")
    assert "IV" not in reform.get_narratives(db, office.id, START, END)
    with pytest.raises(ValidationError, match="Không nhận ra mục báo cáo «VI»"):
        reform.set_narrative(db, None, office, START, END, "VI", "…")


def test_narrative_markdown_file(db, tree):
    _, office, _ = tree
    text = "# I\nMột.\n\n## II.6\n- Hai.\n\n# Hạn chế\nBa.\n"
    assert reform.parse_narrative_markdown(text) == {"I": "Một.", "II.6": "- Hai.", "III.2": "Ba."}
    assert reform.import_narratives(db, None, office, START, END, text) == 3
    with pytest.raises(ValidationError, match="dòng 1: có nội dung trước tiêu đề"):
        reform.parse_narrative_markdown("Lời mở đầu\n# I\nMột.")
    with pytest.raises(ValidationError, match="dòng 3: mục «I» xuất hiện hai lần"):
        reform.parse_narrative_markdown("# I\nMột.\n# I\nHai.")


def test_window_must_be_ordered(db, tree):
    with pytest.raises(ValidationError, match="ngày kết thúc 14/6/2023 trước ngày bắt đầu 14/9/2023"):
        reform.set_narrative(db, None, tree[1], END, date(2023, 6, 14), "I", "x")


def test_find_unit(db, tree):
    assert reform.find_unit(db, "000.00.01.H87").name == "Văn phòng UBND tỉnh"
    with pytest.raises(NotFound, match="Không tìm thấy đơn vị có mã «X»"):
        reform.find_unit(db, "X")
