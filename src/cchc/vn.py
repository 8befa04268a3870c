"""Vietnamese text, number and date conventions used everywhere a person reads.

Numbers: thousands "." and decimals "," (184.027; 99,76%). Dates: 14/6/2024 and
"ngày 14 tháng 6 năm 2024". Accent stripping uses only the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal


def strip_accents(text: str) -> str:
    """'Đăng ký khai sinh' → 'Dang ky khai sinh' (đ/Đ are letters, not accents, in Unicode)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


# A syllable ending in y after its consonants (kỳ, lý, mỹ, quy, tỷ, sỹ, hy) is written with i as well (kì, lí,
# mĩ, qui, tỉ, sĩ, hi): both spellings are correct, so search keys write i for that y. A y after a vowel (thủy,
# tây), opening a syllable (yêu, ý) or inside one (huyện, quyết) is a different sound and stays.
FINAL_Y = re.compile(r"\b(qu|[bcdfghjklmnpqrstvwxz]+)y\b")
# The same rule for PostgreSQL's regexp_replace (\m, \M: start and end of a word), used by migration 0011.
FINAL_Y_POSTGRES = (r"\m(qu|[bcdfghjklmnpqrstvwxz]+)y\M", r"\1i")


def fold_spelling(plain: str) -> str:
    """The i/y fold of an accent-free lower-case text: 'dang ky' → 'dang ki', 'quy dinh' → 'qui dinh'."""
    return FINAL_Y.sub(r"\1i", plain) if "y" in plain else plain


def search_key(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced words: for comparing a word or a label whatever its accents and
    case ('Có' → 'co'). What is stored for search and compared with what people type is search_fold."""
    if not text:
        return ""
    return re.sub(r"\s+", " ", strip_accents(text).lower()).strip()


def search_fold(text: str | None) -> str:
    """The search key: search_key with i/y spellings alike (fold_spelling). Every key stored for search
    (units.name_key, procedures.name_key, dossiers.applicant_key, feedback.search_text) and every text searched
    for goes through it, so «dang ki» finds «Đăng ký» and «ky» finds «kì»."""
    return fold_spelling(search_key(text))


def fmt_int(n: int | None) -> str:
    """184027 → '184.027'."""
    if n is None:
        return "–"
    return f"{int(n):,}".replace(",", ".")


def fmt_decimal(x: float | Decimal | None, places: int = 2) -> str:
    """1234.5 → '1.234,50' (rounded half up, as officers round)."""
    if x is None:
        return "–"
    q = Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    whole = f"{int(whole):,}".replace(",", ".")
    return sign + whole + ("," + frac if frac else "")


def fmt_percent(x: float | Decimal | None, places: int = 2) -> str:
    """99.76 → '99,76%'; None (denominator 0) → 'không phát sinh'."""
    if x is None:
        return "không phát sinh"
    return fmt_decimal(x, places) + "%"


def fmt_date(d: date | datetime | None) -> str:
    """date(2024, 6, 14) → '14/6/2024'."""
    if d is None:
        return ""
    return f"{d.day}/{d.month}/{d.year}"


def fmt_datetime(d: datetime | None) -> str:
    """'14/6/2024 09:05'."""
    if d is None:
        return ""
    return f"{fmt_date(d)} {d.hour:02d}:{d.minute:02d}"


def fmt_long_date(d: date) -> str:
    """'ngày 14 tháng 6 năm 2024' (ND 30/2020 writes days and months below 10 with a leading 0 only for 1–2)."""
    day = f"{d.day:02d}" if d.day < 3 else str(d.day)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {day} tháng {month} năm {d.year}"


def fmt_label(enum_cls, value) -> str:
    """The Vietnamese label of an enum value (its `label`), or the value itself when it is not one."""
    try:
        return enum_cls(value).label
    except ValueError:
        return str(value or "")


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DVCQG = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?$")


def parse_date(value, *, what: str = "ngày") -> date:
    """ISO (2025-04-25), dd/mm/yyyy or DVCQG yyyyMMdd[HHmmss] → date; Vietnamese error otherwise."""
    dt = parse_datetime(value, what=what)
    return dt.date()


def parse_datetime(value, *, what: str = "thời điểm") -> datetime:
    """Accept datetime/date objects, ISO 8601, dd/mm/yyyy [HH:MM[:SS]] and DVCQG yyyyMMddHHmmss."""
    from cchc.errors import ValidationError

    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else _to_local_naive(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value or "").strip()
    if not text:
        raise ValidationError(f"Thiếu {what}.")
    try:
        m = _DVCQG.match(text)
        if m and len(text) in (8, 12, 14):
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            return datetime(y, mo, d, h, mi, s)
        date_part, _, time_part = text.partition(" ")
        m = _DMY.match(date_part)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            hh = mm = ss = 0
            if time_part:
                bits = [int(b) for b in time_part.split(":")]
                hh, mm = bits[0], bits[1] if len(bits) > 1 else 0
                ss = bits[2] if len(bits) > 2 else 0
            return datetime(y, mo, d, hh, mm, ss)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return _to_local_naive(parsed) if parsed.tzinfo else parsed
    except (ValueError, IndexError):
        pass
    raise ValidationError(
        f"{what[:1].upper() + what[1:]} không hợp lệ: «{text}» (dùng dạng 2025-04-25, 25/04/2025 hoặc 20250425093000)."
    )


def _to_local_naive(dt: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    from cchc import config

    return dt.astimezone(ZoneInfo(config.settings.timezone)).replace(tzinfo=None)
