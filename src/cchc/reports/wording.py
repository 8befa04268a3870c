"""How the report writes a number: rates as the seeds write them ('99,76%', '100%'), counts with thousands
dots, points of the 766 index, and a count that is zero as «không có» where a sentence names what it counts."""

from __future__ import annotations

from cchc import vn


def percent(value) -> str:
    """99.76 → '99,76%'; 100 → '100%'; 71.0 → '71%' (as the reports write rates)."""
    if value is None:
        return "không phát sinh"
    text = vn.fmt_percent(value)
    return text.replace(",00%", "%")


def n(value) -> str:
    return vn.fmt_int(int(value or 0))


def points(value) -> str:
    if value is None:
        return "0"
    text = vn.fmt_decimal(value, 2)
    return text[:-3] if text.endswith(",00") else text


def count_of(value, noun: str) -> str:
    """'15 TTHC', or «không có TTHC» for 0 (a clerk does not write '0 TTHC')."""
    return f"{n(value)} {noun}" if int(value or 0) else f"không có {noun}"


def change(now, before) -> float | None:
    """Percentage points from `before` to `now`, None when either is unknown."""
    if now is None or before is None:
        return None
    return round(float(now) - float(before), 2)


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
