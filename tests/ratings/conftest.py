"""People, a unit and dossiers for the rating tests."""

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


@pytest.fixture
def make_dossier(db, org):
    """A dossier of `org.unit` owned by `org.citizen`, in the given state."""
    from datetime import datetime
    from decimal import Decimal

    from cchc.dossiers.enums import State
    from cchc.dossiers.models import Dossier
    from cchc.procedures.models import Procedure

    procedure = Procedure(code="1.001193", name="Đăng ký khai sinh", time_amount=Decimal("1"), time_unit="ngay_lam_viec")
    db.add(procedure)
    db.flush()
    counter = iter(range(1, 10_000))

    def make(state: State = State.RETURNED, ended_at: datetime | None = datetime(2024, 6, 14, 10, 0)) -> Dossier:
        n = next(counter)
        dossier = Dossier(
            code=f"H15.50.05-240613-{n:04d}",
            procedure_id=procedure.id,
            unit_id=org.unit.id,
            level="xa",
            channel=2,
            state=state,
            status_code=state.dvcqg_code,
            applicant_name="Nguyễn Văn Dân",
            owner_user_id=org.citizen.id,
            received_at=datetime(2024, 6, 13, 9, 0),
            due_at=datetime(2024, 6, 14, 9, 0),
            ended_at=ended_at if state in (State.FINISHED, State.RETURNED) else None,
        )
        db.add(dossier)
        db.flush()
        return dossier

    return make
