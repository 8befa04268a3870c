"""Units and users for the CCHC register tests, and the seed 001 data (26/32 nhiệm vụ, 115 tin bài, 78 cuộc)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.units.models import Unit


def add_unit(session, code, name, level, kind, parent=None, is_area=False) -> Unit:
    unit = Unit(code=code, name=name, level=level, kind=kind, is_area=is_area, parent_id=parent.id if parent else None)
    session.add(unit)
    session.flush()
    return unit


def add_user(session, name, role, unit) -> User:
    user = User(username=name, full_name=name, role=role.value, unit_id=unit.id if unit else None)
    session.add(user)
    session.flush()
    return user


@dataclass
class Units:
    province: Unit
    office: Unit
    justice: Unit
    finance: Unit
    district: Unit
    commune: Unit


@pytest.fixture
def units(db) -> Units:
    province = add_unit(db, "84", "Tỉnh Trà Vinh", "tinh", "tinh", is_area=True)
    office = add_unit(db, "000.00.01.H84", "Văn phòng UBND tỉnh", "tinh", "van_phong", parent=province)
    justice = add_unit(db, "000.00.02.H84", "Sở Tư pháp", "tinh", "so", parent=province)
    finance = add_unit(db, "000.00.03.H84", "Sở Tài chính", "tinh", "so", parent=province)
    district = add_unit(db, "845", "Huyện Cầu Kè", "huyen", "huyen", parent=province, is_area=True)
    commune = add_unit(db, "29287", "Xã Hòa Ân", "xa", "xa", parent=district, is_area=True)
    for u in (province, office, justice, finance, district, commune):
        db.refresh(u)
    return Units(province, office, justice, finance, district, commune)


H1_2023 = (date(2022, 12, 15), date(2023, 6, 14))
