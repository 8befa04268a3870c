"""Masking personal data on public pages (status lookup without logging in)."""

from __future__ import annotations


def mask_digits(value: str | None, keep_start: int = 3, keep_end: int = 2) -> str:
    """'079123456789' → '079*******89'; short values are masked whole."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_name(name: str | None) -> str:
    """'Nguyễn Văn An' → 'Nguyễn V. A.': the family name and initials only."""
    parts = (name or "").split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][0] + "."
    return " ".join([parts[0]] + [p[0] + "." for p in parts[1:]])


def mask_email(email: str | None) -> str:
    email = (email or "").strip()
    if "@" not in email:
        return mask_digits(email)
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if local else "***@" + domain
