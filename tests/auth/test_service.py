from __future__ import annotations

import pytest

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.service import MAX_FAILURES, authenticate, change_password, create_user
from cchc.errors import PermissionDenied, ValidationError
from cchc.units.models import Unit


def _unit(db, code="T01"):
    unit = Unit(code=code, name="Sở Tư pháp", level="tinh", kind="so", path="")
    db.add(unit)
    db.flush()
    unit.path = f"/{unit.id}/"
    return unit


def test_create_and_authenticate(db):
    user = create_user(db, None, username="An.Nguyen", full_name="Nguyễn Văn An", password="matkhau123", role="cong_dan")
    assert user.username == "an.nguyen"
    assert user.password_hash != "matkhau123" and user.password_hash.startswith("$argon2")
    assert authenticate(db, "an.nguyen", "matkhau123").id == user.id


def test_wrong_password_is_refused_in_vietnamese(db):
    create_user(db, None, username="binh", full_name="Trần Bình", password="matkhau123", role="cong_dan")
    with pytest.raises(ValidationError, match="không đúng"):
        authenticate(db, "binh", "sai-mat-khau1")


def test_throttling_after_repeated_failures(db):
    create_user(db, None, username="chi", full_name="Lê Chi", password="matkhau123", role="cong_dan")
    for _ in range(MAX_FAILURES):
        with pytest.raises(ValidationError):
            authenticate(db, "chi", "sai-mat-khau1")
    with pytest.raises(PermissionDenied, match="quá nhiều lần"):
        authenticate(db, "chi", "matkhau123")  # even the right password waits


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"username": "a b", "role": "cong_dan"}, "Tên đăng nhập"),
        ({"username": "dung", "role": "vua"}, "Vai trò không hợp lệ"),
        ({"username": "dung", "role": "chuyen_vien"}, "Cán bộ phải thuộc một đơn vị"),
        ({"username": "dung", "role": "cong_dan", "password": "12345678"}, "cả chữ và số"),
        ({"username": "dung", "role": "cong_dan", "password": "ab1"}, "ít nhất 8"),
    ],
)
def test_bad_accounts_are_refused(db, kwargs, message):
    params = {"full_name": "Phạm Dũng", "password": "matkhau123"} | kwargs
    with pytest.raises(ValidationError, match=message):
        create_user(db, None, **params)
    assert db.query(User).count() == 0


def test_duplicate_username(db):
    create_user(db, None, username="em", full_name="Em", password="matkhau123", role="cong_dan")
    with pytest.raises(ValidationError, match="đã có người dùng"):
        create_user(db, None, username="EM", full_name="Em 2", password="matkhau123", role="cong_dan")


def test_only_administrators_create_officers(db):
    unit = _unit(db)
    citizen = create_user(db, None, username="giang", full_name="Giang", password="matkhau123", role="cong_dan")
    with pytest.raises(PermissionDenied):
        create_user(db, citizen, username="officer1", full_name="Cán bộ", password="matkhau123",
                    role=Role.SPECIALIST.value, unit_id=unit.id)
    admin = create_user(db, None, username="admin", full_name="Quản trị", password="matkhau123", role="quan_tri_he_thong")
    officer = create_user(db, admin, username="officer1", full_name="Cán bộ", password="matkhau123",
                          role=Role.SPECIALIST.value, unit_id=unit.id)
    assert officer.unit_id == unit.id


def test_change_password(db):
    user = create_user(db, None, username="hoa", full_name="Hoa", password="matkhau123", role="cong_dan")
    with pytest.raises(ValidationError, match="hiện tại không đúng"):
        change_password(db, user, "nham123abc", "moi12345x")
    change_password(db, user, "matkhau123", "moi12345x")
    assert authenticate(db, "hoa", "moi12345x").id == user.id
