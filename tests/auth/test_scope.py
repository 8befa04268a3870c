"""Unit scope: who sees which units and dossiers, who acts for which unit."""

from __future__ import annotations

import pytest

from cchc.auth import scope
from cchc.dossiers import service as svc
from cchc.errors import PermissionDenied
from tests.dossiers.factories import APPLICANT, MONDAY, make_unit, make_user, make_world


@pytest.fixture
def world(db):
    return make_world(db)


def test_unit_scope_ids(db, world):
    w = world
    everything = {w.province.id, w.commune.id, w.other_commune.id}
    assert scope.unit_scope_ids(db, w.specialist) == {w.commune.id}
    assert scope.unit_scope_ids(db, w.reporter) == everything
    assert scope.unit_scope_ids(db, w.admin) >= everything
    assert scope.unit_scope_ids(db, w.citizen) == set()
    provincial = make_user(db, "chuyenvien_tinh", "chuyen_vien", w.province)
    assert scope.unit_scope_ids(db, provincial) == everything
    # a reporting officer of a commune sees the whole province
    commune_reporter = make_user(db, "baocao_xa", "bao_cao", w.commune)
    assert scope.unit_scope_ids(db, commune_reporter) == everything


def test_scope_uses_the_path_not_the_id_prefix(db, world):
    """Unit /1/ must not contain /10/…: the path ends with a slash."""
    w = world
    units = [make_unit(db, f"X{i}", f"Tỉnh {i}", "tinh") for i in range(12)]
    officer = make_user(db, "cv_x0", "chuyen_vien", units[0])
    assert scope.unit_scope_ids(db, officer) == {units[0].id}
    assert w.commune.id not in scope.unit_scope_ids(db, officer)


def test_can_see_and_require_scope(db, world):
    w = world
    d = svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY, owner=w.citizen)
    assert scope.can_see(db, w.citizen, d) and not scope.can_see(db, w.other_citizen, d)
    assert scope.can_see(db, w.leader, d) and scope.can_see(db, w.reporter, d) and scope.can_see(db, w.admin, d)
    assert not scope.can_see(db, w.other_leader, d)
    assert scope.can_see(db, None, d)
    with pytest.raises(PermissionDenied, match="phạm vi"):
        scope.require_scope(db, w.other_receiver, d)
    with pytest.raises(PermissionDenied, match="không phải của bạn"):
        scope.require_scope(db, w.other_citizen, d)
    w.leader.active = False
    assert not scope.can_see(db, w.leader, d)


def test_acts_in_own_unit_or_from_the_area_directly_above(db, world):
    w = world
    desk = make_unit(db, "H15.50.05.13.01", "Bộ phận Một cửa", "xa", w.commune, is_area=False, kind="bo_phan")
    assert scope.acts_in(db, w.receiver, w.commune.id)
    assert scope.acts_in(db, w.receiver, desk.id)  # the commune is the area directly above the desk
    assert not scope.acts_in(db, w.receiver, w.other_commune.id)
    assert not scope.acts_in(db, w.reporter, desk.id)  # the province is not the direct parent
    assert not scope.acts_in(db, w.citizen, w.commune.id)
    assert scope.acts_in(db, None, w.commune.id)
