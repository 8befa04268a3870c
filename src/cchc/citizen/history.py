"""What the citizen sees of a dossier's history: its states and the messages meant for them.

Officers write notes for each other on the way («đồng ý», «hồ sơ hợp lệ», whom a step was assigned to, a file
attached, digitisation): the citizen's history leaves them out. It keeps an event that changes the dossier's
state, with its label, and shows an event's note only for the actions whose note is written to the citizen or by
them (CITIZEN_MESSAGES): a supplement request and the papers asked for, an apology and the new date, a refusal or
a stop and why, a withdrawal, the amount of a fee to pay, and «kết quả đã sẵn sàng» when the result waits at the
desk. This module is the one place that decides it; the citizen's dossier page (cchc.dossiers.citizen_pages,
through DOSSIER_PARTS) shows what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cchc import vn
from cchc.dossiers.transitions import ACTION_LABELS

# The actions whose note is a message between the office and the citizen (the rest are internal notes).
CITIZEN_MESSAGES = frozenset({
    "reject_submission", "request_supplement", "supplement", "apologize", "refuse", "withdraw", "stop", "request_financial",
})
# Actions the citizen sees even though the state stays the same: an apology moves the date the result is due.
SHOWN_WITHOUT_CHANGE = frozenset({"apologize"})
# What the citizen is told when the result is ready (the officer's note on «finish» is the result's number).
RESULT_READY = "Kết quả giải quyết đã sẵn sàng; vui lòng nhận theo hình thức đã đăng ký."


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    label: str
    message: str = ""  # what the office says to the citizen, or the citizen's own words
    items: tuple[str, ...] = ()  # the papers a supplement request asks for


def for_citizen(events: Iterable[Any]) -> list[HistoryItem]:
    """The citizen's history of a dossier from its events (cchc.dossiers.models.DossierEvent), oldest first."""
    out = []
    for e in events:
        changed = e.from_state != e.to_state
        if not (changed or e.action in SHOWN_WITHOUT_CHANGE):
            continue
        label = ACTION_LABELS.get(e.action, e.action)
        data = e.data or {}
        message = (e.note or "").strip() if e.action in CITIZEN_MESSAGES else ""
        if e.action == "apologize" and data.get("new_due_at"):
            new_due = vn.fmt_datetime(datetime.fromisoformat(data["new_due_at"]))
            message = f"{message} Ngày hẹn trả mới: {new_due}." if message else f"Ngày hẹn trả mới: {new_due}."
        if e.action == "request_financial" and message:
            message = f"Số tiền phí, lệ phí phải nộp: {message}."
        if e.action == "finish":
            message = RESULT_READY
        items = tuple(str(i) for i in data.get("items") or ()) if e.action == "request_supplement" else ()
        out.append(HistoryItem(at=e.at, label=label, message=message, items=items))
    return out
