"""People, a unit and dossiers for the rating tests."""

from __future__ import annotations

import pytest

from tests.feedback.conftest import org  # noqa: F401 — the same people and units as the PAKN tests


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
