"""People and a unit for the PAKN tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.units.models import Unit


@pytest.fixture
def org(db):
    """Two units; an officer of each role in the first; a citizen; an officer of the second."""
    unit = Unit(code="H15.50.05", name="UBND xã Thử Nghiệm", level="xa", kind="ubnd")
    other = Unit(code="H15.50.06", name="UBND xã Bên Cạnh", level="xa", kind="ubnd")
    db.add_all([unit, other])
    db.flush()

    def user(username: str, name: str, role: Role, unit_id: int | None) -> User:
        u = User(username=username, full_name=name, role=role, unit_id=unit_id)
        db.add(u)
        return u

    people = SimpleNamespace(
        unit=unit,
        other=other,
        receiving=user("motcua", "Lê Một Cửa", Role.RECEIVING, unit.id),
        specialist=user("chuyenvien", "Phạm Chuyên Viên", Role.SPECIALIST, unit.id),
        leader=user("lanhdao", "Võ Lãnh Đạo", Role.LEADER, unit.id),
        unit_admin=user("qtdv", "Đỗ Quản Trị", Role.UNIT_ADMIN, unit.id),
        reporting=user("baocao", "Hồ Báo Cáo", Role.REPORTING, unit.id),
        system_admin=user("qtht", "Ngô Hệ Thống", Role.SYSTEM_ADMIN, None),
        citizen=user("congdan", "Nguyễn Văn Dân", Role.CITIZEN, None),
        citizen2=user("congdan2", "Trần Thị Hai", Role.CITIZEN, None),
        outsider=user("xakhac", "Bùi Xã Khác", Role.SPECIALIST, other.id),
    )
    db.flush()
    return people
