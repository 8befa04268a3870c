"""The hook that writes the outbox row of a dossier's change, registered on cchc.dossiers.journal when imported.

A receipt, a submission and every change of state — or of a field the portal counts (payment, apology,
digitisation) — adds a row to the action's own session, so the row commits or rolls back with the change. The
dossier's record in DVCQG's field names is cchc.interop.dossier_export's (one place for the names), imported when
a change is written: a command that changes no dossier does not load the spreadsheet writer behind it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cchc import clock
from cchc.dossiers import journal
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.dossiers.transitions import ACTION_LABELS, Change
from cchc.interop.dossier_columns import DVCQG_TIMESTAMP
from cchc.sync.models import PENDING, OutboxRow

# Actions that change nothing the portal holds (the internal process): no row unless the state changes.
INTERNAL_ACTIONS = frozenset({"assign", "attach_file", "forward", "send_back"})


def payload_of(dossier: Dossier, event: DossierEvent, record: dict[str, Any]) -> dict[str, Any]:
    """The row's payload: the dossier (DongBoHoSoMC fields) and the step that changed it (CapNhatTienDoHoSoMC)."""
    return {
        "HoSo": record,
        "TienDo": {
            "MaHoSo": dossier.code,
            "NguoiXuLy": event.actor_name or "Hệ thống",
            "ThoiDiemXuLy": event.at.strftime(DVCQG_TIMESTAMP),
            "NoiDungXuLy": ACTION_LABELS.get(event.action, event.action),
            "TrangThai": record["TrangThaiHoSo"],
        },
    }


def write_change(session: Session, dossier: Dossier, event: DossierEvent, change: Change) -> OutboxRow | None:
    """The outbox row of one logged change, added to the change's own session (its transaction)."""
    if change.to_state == change.from_state and change.action in INTERNAL_ACTIONS:
        return None
    from cchc.interop.dossier_export import dossier_record

    record = dossier_record(session, dossier)
    row = OutboxRow(dossier=dossier, event=event, dossier_code=dossier.code, action=change.action,
                    payload=payload_of(dossier, event, record), created_at=clock.now(), state=PENDING, attempts=0,
                    last_error="", ack_status="", portal_reference="")
    session.add(row)
    return row


journal.on_log(write_change)


