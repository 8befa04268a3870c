"""cchc.units.service: official lists, look-ups across 1/7/2025, successions, paths and search."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, cast, func, select, update
from sqlalchemy.orm import aliased

from cchc.errors import NotFound, PermissionDenied, ValidationError
from cchc.units.models import Unit, UnitSuccession
from cchc.units.service import (
    add_succession,
    ancestors,
    children,
    create_unit,
    kind_from_text,
    load_official,
    predecessors,
    rebuild_paths,
    resolve_unit,
    search_units,
    subtree_filter,
    successors,
    unit_ids_under,
    update_unit,
    valid_on,
)

BEFORE = date(2025, 6, 30)
AFTER = date(2025, 7, 1)


def _count(session, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(Unit).where(*conditions))


# ------------------------------------------------------------------------------------ the tree


def test_create_unit_sets_path_and_name_key(db, province):
    so = create_unit(db, code="000.00.01.T99", name="Sở  Tư pháp", level="tinh", kind="so", parent=province)
    phong = create_unit(db, code="000.01.01.T99", name="Phòng Hành chính tư pháp", level="tinh", kind="phong", parent=so)
    assert province.path == f"/{province.id}/"
    assert so.path == f"/{province.id}/{so.id}/" and phong.path == f"{so.path}{phong.id}/"
    assert so.name == "Sở Tư pháp" and so.name_key == "so tu phap" and so.is_area is False
    assert [u.id for u in ancestors(phong)] == [province.id, so.id]
    assert [u.id for u in children(db, province)] == [so.id]


def test_orm_inserts_in_one_flush_get_paths(db, province):
    a = Unit(code="A1", name="Ban A", level="tinh", kind="ban", parent_id=province.id)
    b = Unit(code="B1", name="Phòng B", level="tinh", kind="phong", parent=a)
    db.add_all([a, b])
    db.flush()
    assert a.path == f"{province.path}{a.id}/" and b.path == f"{a.path}{b.id}/"
    assert db.scalar(select(Unit.path).where(Unit.id == b.id)) == b.path
    assert b.name_key == "phong b"


def test_move_rewrites_the_whole_subtree(db, province):
    other = create_unit(db, code="T98", name="Tỉnh Khác", level="tinh", kind="tinh")
    so = create_unit(db, code="S1", name="Sở Nội vụ", level="tinh", kind="so", parent=province)
    phong = create_unit(db, code="P1", name="Phòng Cải cách hành chính", level="tinh", kind="phong", parent=so)
    to = create_unit(db, code="X1", name="Tổ một cửa", level="tinh", kind="bo_phan_mot_cua", parent=phong)
    update_unit(db, so, parent=other, name="Sở Nội vụ tỉnh Khác")
    assert so.path == f"{other.path}{so.id}/"
    db.expire_all()
    assert db.get(Unit, to.id).path == f"/{other.id}/{so.id}/{phong.id}/{to.id}/"
    assert db.get(Unit, so.id).name_key == "so noi vu tinh khac"
    assert set(db.scalars(unit_ids_under(db.get(Unit, other.id)))) == {other.id, so.id, phong.id, to.id}
    assert set(db.scalars(unit_ids_under(db.get(Unit, province.id)))) == {province.id}


def test_update_refuses_loops_levels_dates_and_duplicates(db, province):
    so = create_unit(db, code="S2", name="Sở Y tế", level="tinh", kind="so", parent=province)
    xa = create_unit(db, code="XA1", name="Xã Thử", level="xa", kind="xa", parent=province)
    with pytest.raises(ValidationError, match="chính nó"):
        update_unit(db, province, parent=so)
    with pytest.raises(ValidationError, match="không thể trực thuộc"):
        create_unit(db, code="S3", name="Sở Xây dựng", level="tinh", kind="so", parent=xa)
    with pytest.raises(ValidationError, match="không thể trực thuộc"):
        update_unit(db, so, parent=xa)
    with pytest.raises(ValidationError, match="đơn vị trực thuộc"):
        update_unit(db, province, level="xa", kind="so")
    with pytest.raises(ValidationError, match="trước ngày có hiệu lực"):
        create_unit(db, code="S4", name="Sở", level="tinh", kind="so", valid_from=date(2025, 7, 1), valid_to=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="Đã có đơn vị mã «S2»"):
        create_unit(db, code="S2", name="Sở khác", level="tinh", kind="so", parent=province)
    with pytest.raises(ValidationError, match="thuộc cấp xã, không thể ở cấp «tinh»"):
        create_unit(db, code="Q1", name="Phường Q", level="tinh", kind="phuong")
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.code.in_(["S3", "S4", "Q1"]))) == 0


def test_permission_to_create_units(db, province):
    from types import SimpleNamespace

    other = create_unit(db, code="T97", name="Tỉnh Bên", level="tinh", kind="tinh")
    unit_admin = SimpleNamespace(role="quan_tri_don_vi", unit=province)
    officer = SimpleNamespace(role="chuyen_vien", unit=province)
    admin = SimpleNamespace(role="quan_tri_he_thong", unit=None)
    create_unit(db, code="OK1", name="Sở A", level="tinh", kind="so", parent=province, actor=unit_admin)
    create_unit(db, code="OK2", name="Sở B", level="tinh", kind="so", parent=other, actor=admin)
    with pytest.raises(PermissionDenied):
        create_unit(db, code="NO1", name="Sở C", level="tinh", kind="so", parent=other, actor=unit_admin)
    with pytest.raises(PermissionDenied):
        create_unit(db, code="NO2", name="Sở D", level="tinh", kind="so", parent=province, actor=officer)


def test_rebuild_paths_repairs_damage(db, province):
    so = create_unit(db, code="S5", name="Sở Tài chính", level="tinh", kind="so", parent=province)
    phong = create_unit(db, code="P5", name="Phòng Ngân sách", level="tinh", kind="phong", parent=so)
    db.execute(update(Unit).where(Unit.id == phong.id).values(path="/bad/"))
    assert rebuild_paths(db) >= 3
    assert db.get(Unit, phong.id).path == f"/{province.id}/{so.id}/{phong.id}/"


def test_kind_from_label_or_key():
    assert kind_from_text("Sở") == "so" and kind_from_text("so") == "so"
    assert kind_from_text("Trung tâm Phục vụ hành chính công") == "trung_tam_hcc"
    assert kind_from_text("phường") == "phuong" and kind_from_text("Cục") is None


def test_add_succession_links_both_ways(db, province):
    old = create_unit(db, code="H1", name="Huyện Cũ", level="huyen", kind="huyen", parent=province, valid_to=BEFORE)
    new = create_unit(db, code="X9", name="Xã Mới", level="xa", kind="xa", parent=province, valid_from=AFTER)
    add_succession(db, old, new, partial=True)
    add_succession(db, old, new, partial=False)  # the same pair again: updated, not doubled
    assert [(link.unit.id, link.partial) for link in successors(db, old)] == [(new.id, False)]
    assert [link.unit.id for link in predecessors(db, new)] == [old.id]
    with pytest.raises(ValidationError):
        add_succession(db, new, new)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 8)), min_size=1, max_size=12))
def test_paths_stay_right_under_any_moves(db, moves):
    """Whatever sequence of moves is accepted, every path equals the one rebuilt from parent_id."""
    nested = db.begin_nested()
    try:
        root = create_unit(db, code="R", name="Tỉnh Gốc", level="tinh", kind="tinh")
        units = [root] + [
            create_unit(db, code=f"U{i}", name=f"Ban {i}", level="tinh", kind="ban", parent=root) for i in range(7)
        ]
        for child, parent in moves:
            unit, target = units[child + 1], units[parent] if parent < len(units) else None
            try:
                update_unit(db, unit, parent=target)
            except ValidationError:
                pass
        db.expire_all()
        rows = db.execute(select(Unit.id, Unit.parent_id, Unit.path).where(Unit.id.in_([u.id for u in units]))).all()
        parents = {uid: pid for uid, pid, _ in rows}

        def expected(uid):  # the path rebuilt from parent_id alone
            return (expected(parents[uid]) if parents[uid] is not None else "/") + f"{uid}/"

        assert {uid: path for uid, _, path in rows} == {uid: expected(uid) for uid in parents}
    finally:
        nested.rollback()


# ------------------------------------------------------------------------------------ official lists
# (last in the file: on SQLite the module fixture holds the write lock from its first use to the module end)


def test_load_counts_match_the_official_lists(official):
    session, counts = official
    assert counts["provinces"] == 34 and counts["communes"] == 3321
    assert (counts["legacy_provinces"], counts["legacy_districts"], counts["legacy_communes"]) == (63, 696, 10035)
    assert counts["inserted"] == 14122 and counts["updated"] == 0
    assert counts["successions"] == counts["successions_added"] > 10000
    # The database agrees, level by level and kind by kind, on each side of 1/7/2025.
    assert _count(session, valid_on(AFTER), Unit.level == "tinh") == 34
    assert _count(session, valid_on(AFTER), Unit.level == "huyen") == 0
    assert _count(session, valid_on(AFTER), Unit.level == "xa") == 3321
    assert _count(session, valid_on(BEFORE), Unit.level == "tinh") == 63
    assert _count(session, valid_on(BEFORE), Unit.level == "huyen") == 696
    assert _count(session, valid_on(BEFORE), Unit.level == "xa") == 10035
    kinds = dict(
        session.execute(select(Unit.kind, func.count()).where(valid_on(AFTER)).group_by(Unit.kind)).all()
    )
    assert kinds == {"tinh": 28, "thanh_pho_tw": 6, "xa": 2621, "phuong": 687, "dac_khu": 13}
    assert _count(session, Unit.name_key == "") == 0


def test_load_twice_changes_nothing(official):
    session, _ = official
    before = session.execute(select(Unit.id, Unit.path, Unit.name_key).order_by(Unit.id)).all()
    links = session.scalar(select(func.count()).select_from(UnitSuccession))
    again = load_official(session)
    assert (again["inserted"], again["updated"], again["successions_added"], again["successions_updated"]) == (0, 0, 0, 0)
    assert session.execute(select(Unit.id, Unit.path, Unit.name_key).order_by(Unit.id)).all() == before
    assert session.scalar(select(func.count()).select_from(UnitSuccession)) == links


def test_load_repairs_an_edited_official_unit(official):
    session, _ = official
    hanoi = resolve_unit(session, "01")
    session.execute(update(Unit).where(Unit.id == hanoi.id).values(name="Hà Nội cũ"))
    result = load_official(session)  # rolled back by the fixture afterwards
    assert result["updated"] == 1 and result["inserted"] == 0
    session.expire(hanoi)
    assert hanoi.name == "Thành phố Hà Nội" and hanoi.name_key == "thanh pho ha noi"


def test_resolve_by_date_across_the_reorganisation(official):
    session, _ = official
    # Commune code 00004: Phường Trúc Bạch (Quận Ba Đình) until 30/6/2025, Phường Ba Đình from 1/7/2025.
    old, new = resolve_unit(session, "00004", BEFORE), resolve_unit(session, "00004", AFTER)
    assert old.name == "Phường Trúc Bạch" and old.valid_to == BEFORE
    assert new.name == "Phường Ba Đình" and new.valid_from == AFTER and old.id != new.id
    # Province code 15: Yên Bái until 30/6/2025, Lào Cai (merged) from 1/7/2025.
    assert resolve_unit(session, "15", date(2020, 1, 1)).name == "Tỉnh Yên Bái"
    assert resolve_unit(session, "15", AFTER).name == "Tỉnh Lào Cai"
    # Hà Nội continues: one unit on both sides; without a date, today's unit.
    assert resolve_unit(session, "01", BEFORE).id == resolve_unit(session, "01", AFTER).id == resolve_unit(session, "01").id
    assert resolve_unit(session, "15").valid_from == AFTER
    # A code that no longer exists: without a date, its last unit; with a later date, a Vietnamese NotFound.
    assert resolve_unit(session, "02").name == "Tỉnh Hà Giang"
    with pytest.raises(NotFound, match="«02».*1/7/2025"):
        resolve_unit(session, "02", AFTER)
    with pytest.raises(NotFound, match="Không tìm thấy đơn vị mã «XYZ»"):
        resolve_unit(session, "XYZ")


def test_legacy_units_hang_under_the_continuing_province(official):
    session, _ = official
    hanoi = resolve_unit(session, "01")
    assert hanoi.valid_to is None and hanoi.parent_id is None
    truc_bach = resolve_unit(session, "00004", BEFORE)
    assert [a.code for a in ancestors(truc_bach)] == ["01", "001"]
    assert [a.name for a in ancestors(resolve_unit(session, "00004", AFTER))] == ["Thành phố Hà Nội"]
    now = children(session, hanoi, on=AFTER)
    then = children(session, hanoi, on=BEFORE)
    assert len(now) == 126 and {u.level for u in now} == {"xa"}
    assert len(then) == 30 and {u.level for u in then} == {"huyen"}


def test_successions_of_merged_provinces_and_communes(official):
    session, _ = official
    ha_giang, tuyen_quang = resolve_unit(session, "02", BEFORE), resolve_unit(session, "08", AFTER)
    assert [(link.unit.code, link.partial, link.effective) for link in successors(session, ha_giang)] == [("08", False, AFTER)]
    assert {link.unit.code for link in predecessors(session, tuyen_quang)} == {"02"}  # not itself
    lao_cai = resolve_unit(session, "15", AFTER)
    assert {link.unit.name for link in predecessors(session, lao_cai)} == {"Tỉnh Lào Cai", "Tỉnh Yên Bái"}
    # Phường Ba Đình (new) took the whole of Trúc Bạch and parts of others.
    new_ba_dinh = resolve_unit(session, "00004", AFTER)
    links = {link.unit.name: link.partial for link in predecessors(session, new_ba_dinh)}
    assert links["Phường Trúc Bạch"] is False and links["Phường Quán Thánh"] is False
    assert any(links.values())
    # A commune divided between several new ones: every link partial.
    split_id = session.scalar(select(UnitSuccession.old_unit_id).where(UnitSuccession.partial.is_(True)).limit(1))
    split = session.get(Unit, split_id)
    assert len(successors(session, split)) >= 2 and all(link.partial for link in successors(session, split))
    # The island district without communes became a đặc khu.
    bach_long_vi = resolve_unit(session, "318", BEFORE)
    (link,) = successors(session, bach_long_vi)
    assert link.unit.kind == "dac_khu" and "Bạch Long Vĩ" in link.unit.name


def test_paths_are_right_for_every_official_unit(official):
    session, _ = official
    parent = aliased(Unit)
    wrong_child = session.scalar(
        select(func.count())
        .select_from(Unit)
        .join(parent, parent.id == Unit.parent_id)
        .where(Unit.path != parent.path + cast(Unit.id, String) + "/")
    )
    wrong_root = _count(session, Unit.parent_id.is_(None), Unit.path != "/" + cast(Unit.id, String) + "/")
    assert wrong_child == 0 and wrong_root == 0


def test_subtree_filter_and_ids_under(official):
    session, _ = official
    hanoi, hcm = resolve_unit(session, "01"), resolve_unit(session, "79")
    under = set(session.scalars(unit_ids_under(hanoi)))
    assert hanoi.id in under
    assert resolve_unit(session, "00004", BEFORE).id in under and resolve_unit(session, "00004", AFTER).id in under
    assert resolve_unit(session, "001", BEFORE).id in under
    assert hcm.id not in under and not under & set(session.scalars(unit_ids_under(hcm)))
    # 1 province + 30 districts + 526 old + 126 new communes, counted in SQL.
    assert _count(session, subtree_filter(hanoi)) == len(under) == 1 + 30 + 526 + 126
    ba_dinh = resolve_unit(session, "001", BEFORE)
    assert _count(session, subtree_filter(ba_dinh)) == 1 + 13
    assert _count(session, Unit.id.in_(unit_ids_under(ba_dinh)), Unit.level == "xa") == 13


def test_search_is_accent_insensitive(official):
    session, _ = official
    assert search_units(session, "ha noi", level="tinh")[0].name == "Thành phố Hà Nội"
    assert search_units(session, "Hà Nội", level="tinh")[0].code == "01"
    truc_bach = search_units(session, "TRUC BACH")
    assert [u.name for u in truc_bach] == ["Phường Trúc Bạch"]
    lao_cai_now = search_units(session, "lao cai", level="tinh", on=AFTER)
    assert [(u.code, u.valid_from) for u in lao_cai_now] == [("15", AFTER)]
    assert {u.code for u in search_units(session, "lao cai", level="tinh", on=BEFORE)} == {"10"}
    assert search_units(session, "00004")[0].code == "00004"  # code prefix
    assert search_units(session, "100%_") == []  # LIKE wildcards are taken literally
