"""Values as people and files give them, read the same way everywhere.

One definition each of what several domains used to write for themselves: the moment of an action,
a required piece of text, a spreadsheet cell as text, the yes/no words of a form or a file, and the
refusal of an action in the wrong state. Errors are Vietnamese and name what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

from cchc import clock, vn
from cchc.errors import InvalidTransition, ValidationError

# Yes/no words of forms and import files, compared after vn.search_key ("Có" → "co").
YES_WORDS = frozenset({"1", "true", "t", "co", "x", "yes", "y", "dung"})
NO_WORDS = frozenset({"0", "false", "f", "khong", "no", "n", "sai"})


def moment(at: datetime | None) -> datetime:
    """The moment of an action: `at` (naive local time; an aware one is converted) or now, to the second."""
    if at is None:
        return clock.now()
    if not isinstance(at, datetime):
        raise ValidationError("Thời điểm thao tác phải là ngày giờ.", field="at")
    if at.tzinfo is not None:
        at = vn.parse_datetime(at)
    return at.replace(microsecond=0)


def required_text(value: str | None, what: str, *, field: str | None = None, limit: int | None = None) -> str:
    """`value` stripped; «Thiếu …» when empty, «… dài quá N ký tự» when longer than `limit`."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"Thiếu {what}.", field=field)
    if limit and len(text) > limit:
        raise ValidationError(f"{what[:1].upper() + what[1:]} dài quá {limit} ký tự.", field=field)
    return text


def cell_text(value: Any) -> str:
    """A spreadsheet or CSV cell as text: None → "", 12.0 → "12", surrounding spaces dropped."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def yes_no(value: Any) -> bool | None:
    """True/False for a yes/no word, 1/0 or a bool; None for anything else (the caller says what was expected).

    An empty cell is None too: whether it means "không" is the caller's rule.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else None
    key = vn.search_key(cell_text(value))
    if key in YES_WORDS:
        return True
    if key in NO_WORDS:
        return False
    return None


def _labels(states: Iterable[Enum]) -> str:
    return ", ".join(f"«{getattr(s, 'label', s.value)}»" for s in states)


def require_state(current: Enum, allowed: Iterable[Enum], refusal: str, why: str = "") -> None:
    """Refuse (InvalidTransition) unless `current` is one of `allowed`.

    `refusal` opens the message, e.g. "Không thể «Tiếp nhận» hồ sơ 000.00.01.H20-250101-0001"; the state
    and the rule follow: "…: đang ở trạng thái «Đã hủy» (chỉ thực hiện được khi ở trạng thái «Mới nộp»)."
    """
    allowed = tuple(allowed)
    if current in allowed:
        return
    reason = why or f"chỉ thực hiện được khi ở trạng thái {_labels(allowed)}"
    raise InvalidTransition(f"{refusal}: đang ở trạng thái «{getattr(current, 'label', current.value)}» ({reason}).")
