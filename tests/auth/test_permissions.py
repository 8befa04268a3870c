"""The permission matrix as data: loaded and checked, the same as the table of docs/security.md, and its scopes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc.auth import permissions
from cchc.auth.enums import Role
from cchc.errors import ValidationError
from tests.dossiers.factories import make_unit, make_user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLES = "roles: [cong_dan, mot_cua, chuyen_vien, lanh_dao, quan_tri_don_vi, bao_cao, quan_tri_he_thong]\n"
SCOPES = "scopes: {" + ", ".join(f"{s}: {{label: x, text: y}}" for s in permissions.SCOPES) + "}\n"
GROUPS = "groups: {g: {label: Nhóm, prefixes: [a]}}\nconditions: {dk: điều kiện}\n"
ALL_NONE = "{cong_dan: none, mot_cua: none, chuyen_vien: none, lanh_dao: none, quan_tri_don_vi: none, bao_cao: none, quan_tri_he_thong: none}"


def _text(cells: str, head: str = ROLES + SCOPES + GROUPS) -> str:
    return head + f"actions:\n  a.b:\n    label: Thao tác\n    cells: {cells}\n"


def test_the_shipped_matrix_names_every_role_in_every_action():
    m = permissions.matrix()
    assert m.roles == tuple(Role) and len(m.actions) >= 25
    for action in m.actions.values():
        assert set(action.cells) == set(Role) and action.label and action.enforced
    assert permissions.scope_of("quan_tri_don_vi", "nguoi_dung.cap.bao_cao") == "none"
    assert permissions.scope_of("quan_tri_don_vi", "nguoi_dung.cap.chuyen_vien") == "subtree"
    assert m.roles_for("thu_tuc.sua") == (Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)
    assert permissions.scope_of(None, "ho_so.xem") == "none" and permissions.scope_of("vua", "ho_so.xem") == "none"


def test_docs_show_the_table_generated_from_the_data():
    text = DOCS.read_text(encoding="utf-8")
    assert permissions.docs_block() in text, (
        "docs/security.md không khớp src/cchc/auth/permissions.yaml: chạy `python -m cchc.auth.permissions docs/security.md`"
    )
    assert "## Phân quyền theo vai trò" in text


@pytest.mark.parametrize("cells, message", [
    (ALL_NONE.replace(", quan_tri_he_thong: none", ""), "thiếu: quan_tri_he_thong"),
    (ALL_NONE.replace("}", ", vua: system}"), "thừa: vua"),
    (ALL_NONE.replace("bao_cao: none", "bao_cao: tinh"), "phạm vi «tinh» không hợp lệ"),
    (ALL_NONE.replace("bao_cao: none", "bao_cao: {scope: province, condition: khac}"), "điều kiện «khac» chưa khai báo"),
    (ALL_NONE.replace("bao_cao: none", "bao_cao: {scope: none, condition: dk}"), "không kèm điều kiện"),
    (ALL_NONE.replace("mot_cua: none", "mot_cua: own"), "own chỉ dành cho công dân"),
])
def test_a_wrong_cell_is_refused_in_vietnamese(cells, message):
    with pytest.raises(ValidationError, match=message) as err:
        permissions.parse_matrix(_text(cells))
    assert "permissions.yaml" in err.value.message


def test_a_wrong_file_is_refused_in_vietnamese():
    with pytest.raises(ValidationError, match="cú pháp YAML"):
        permissions.parse_matrix("roles: [a\n")
    with pytest.raises(ValidationError, match="đúng một lần mỗi vai trò"):
        permissions.parse_matrix(_text(ALL_NONE, head="roles: [cong_dan]\n" + SCOPES + GROUPS))
    with pytest.raises(ValidationError, match="không thuộc nhóm nào"):
        permissions.parse_matrix(_text(ALL_NONE).replace("  a.b:", "  z.b:"))
    assert permissions.parse_matrix(_text(ALL_NONE)).actions["a.b"].cell("bao_cao").scope == "none"


def test_scopes_reach_as_documented(db):
    province = make_unit(db, "PR87", "Tỉnh Đồng Tháp", "tinh", kind="tinh")
    ward = make_unit(db, "PR87.01", "Phường Mỹ Phú", "xa", province, kind="phuong")
    desk = make_unit(db, "PR87.01.MC", "Bộ phận Một cửa", "xa", ward, is_area=False, kind="bo_phan_mot_cua")
    other = make_unit(db, "PR87.02", "Phường Hòa Thuận", "xa", province, kind="phuong")
    home_affairs = make_unit(db, "PR87.SNV", "Sở Nội vụ", "tinh", province, is_area=False, kind="so")
    far = make_unit(db, "PR83", "Tỉnh Bến Tre", "tinh", kind="tinh")
    officer = make_user(db, "cb.myphu", Role.SPECIALIST, ward)
    reporter = make_user(db, "bc.snv", Role.REPORTING, home_affairs)
    reach = permissions.reaches
    assert [reach(db, officer, "unit", u.id) for u in (ward, desk, other)] == [True, True, False]
    assert [reach(db, officer, "subtree", u.id) for u in (ward, desk, other, province)] == [True, True, False, False]
    assert [reach(db, reporter, "province", u.id) for u in (ward, other, home_affairs, far)] == [True, True, True, False]
    assert [reach(db, reporter, "subtree", u.id) for u in (home_affairs, ward)] == [True, False]
    assert reach(db, officer, "system", None) and not reach(db, officer, "own", ward.id) and not reach(db, officer, "none", ward.id)
    assert not reach(db, officer, "subtree", None)
    officer.active = False
    assert not permissions.allows(db, officer, "ho_so.xem", ward.id)
    assert permissions.scope_phrase(db, reporter, "ho_so.xem") == "toàn Tỉnh Đồng Tháp"
    assert permissions.scope_phrase(db, officer, "ho_so.xem") == "Phường Mỹ Phú và các đơn vị trực thuộc"
