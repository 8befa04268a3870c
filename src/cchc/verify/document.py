"""What a careful reader finds in a report besides its arithmetic: a date that does not exist, a range that runs
backwards, section numbering that skips, a period named wrong (the data window of another period, the directions
«for» the period being reported on, a closing sentence about another period).

Each finding is a Problem of cchc.verify.rules; `stated_text` is what is written, `computed_text` what it should be."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from cchc.periods import resolve_period
from cchc.vn import fmt_date, search_key

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
ROMAN_OF = {v: k for k, v in ROMAN.items()}

_DATE = re.compile(r"(?<![\d/.,])(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?![\d/])")
_LONG_DATE = re.compile(r"\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_RANGE = re.compile(
    r"\btừ\s+(?:ngày\s+)?(\d{1,2}/\d{1,2}/\d{4})\s*(?:đến|–|-|—)\s*(?:ngày\s+)?(\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)
_WINDOW = re.compile(
    r"số liệu (?:tính )?từ\s+(?:ngày\s+)?(\d{1,2}/\d{1,2}/\d{4})\s*(?:đến|–|-|—)\s*(?:ngày\s+)?(\d{1,2}/\d{1,2}/\d{4})",
    re.IGNORECASE)
_ROMAN_HEADING = re.compile(r"^(X|IX|VIII|VII|VI|V|IV|III|II|I)\.\s+(\S)")
_NUMBER_HEADING = re.compile(r"^(\d{1,2})\.\s+(\S)")


@dataclass(frozen=True)
class Span:
    """A period named in the text, in calendar months: year, first and last month."""

    year: int | None
    first: int
    last: int
    words: str
    preset: str | None

    def start(self, year: int) -> int:
        return (self.year or year) * 12 + self.first

    def label(self, year: int | None = None) -> str:
        y = self.year or year
        return self.words + (f" năm {y}" if y and str(y) not in self.words else "")


_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PERIOD = re.compile(
    r"\bquy\s+(iv|iii|ii|i|[1-4])\b(?:\s*(?:,\s*)?(?:nam\s+|/)(\d{4}))?"
    r"|\b0?([369])\s+thang\s+(dau|cuoi)(?:\s+nam)?(?:\s+(\d{4}))?"
    r"|\b0?9\s+thang\b(?:\s+nam)?(?:\s+(\d{4}))?"
    r"|(?<!thang )(?<!thang \d )(?<!thang \d\d )\bnam\s+(\d{4})\b"
)


def period_spans(text: str) -> list[Span]:
    """The periods a text names, in order ('quý III năm 2023', '6 tháng cuối năm', 'năm 2024' …)."""
    key = search_key(text)
    out: list[Span] = []
    for m in _PERIOD.finditer(key):
        if m.group(1):
            q = _QUARTERS[m.group(1)]
            year = int(m.group(2)) if m.group(2) else None
            out.append(Span(year, 3 * q - 2, 3 * q, f"quý {ROMAN_OF[q]}", f"Q{q}"))
        elif m.group(3):
            months, part = int(m.group(3)), m.group(4)
            year = int(m.group(5)) if m.group(5) else None
            first, last = (1, months) if part == "dau" else (13 - months, 12)
            preset = {(6, "dau"): "H1", (9, "dau"): "9M"}.get((months, part))
            out.append(Span(year, first, last, f"{months} tháng {'đầu' if part == 'dau' else 'cuối'} năm", preset))
        elif m.group(0).startswith(("9", "09")):
            out.append(Span(int(m.group(6)) if m.group(6) else None, 1, 9, "9 tháng", "9M"))
        elif m.group(7):
            out.append(Span(int(m.group(7)), 1, 12, "năm", "Y"))
    # a year written once for several periods ('6 tháng đầu năm và … 6 tháng cuối năm 2024') belongs to all of them
    year = next((s.year for s in out if s.year), None)
    return [s if s.year or year is None else Span(year, s.first, s.last, s.words, s.preset) for s in out]


def _problem(kind: str, sentence: str, stated: str, should: str, explanation: str, where: str):
    from cchc.verify.rules import Problem, excerpt

    return Problem(kind, excerpt(sentence), None, None, explanation, stated, should, where)


def _where(index: int) -> str:
    return f"đoạn {index + 1}"


# ---------------------------------------------------------------- dates

def _valid(day: int, month: int, year: int) -> str | None:
    """None when the date exists, else why not."""
    if not 1 <= month <= 12:
        return f"không có tháng {month}"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return f"tháng {month} năm {year} chỉ có {last} ngày"
    return None


def _parse(text: str) -> date | None:
    d, m, y = (int(x) for x in re.split(r"\s*/\s*", text))
    return None if _valid(d, m, y) else date(y, m, d)


def check_dates(paragraphs: list[str]) -> list:
    out = []
    for i, para in enumerate(paragraphs):
        for pattern in (_DATE, _LONG_DATE):
            for m in pattern.finditer(para):
                d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
                why = _valid(d, mo, y)
                if why:
                    written = m.group(0) if pattern is _DATE else f"{d}/{mo}/{y}"
                    out.append(_problem("ngay_thang", para, written.strip(), why,
                                        f"Ngày «{m.group(0).strip()}» không có thật: {why}.", _where(i)))
        for m in _RANGE.finditer(para):
            a, b = _parse(m.group(1)), _parse(m.group(2))
            if a and b and a > b:
                out.append(_problem("ngay_thang", para, f"{m.group(1)} – {m.group(2)}", f"{m.group(2)} – {m.group(1)}",
                                    f"Khoảng thời gian «{m.group(0).strip()}» kết thúc ({fmt_date(b)}) trước khi bắt đầu "
                                    f"({fmt_date(a)}).", _where(i)))
    return out


# ---------------------------------------------------------------- section numbering

def _heading(para: str) -> tuple[str, int] | None:
    """('roman', n) or ('number', n) for a paragraph that opens a numbered section or item."""
    text = para.strip().lstrip("#").strip()
    m = _ROMAN_HEADING.match(text)
    if m and m.group(2)[:1].isupper():
        return "roman", ROMAN[m.group(1)]
    m = _NUMBER_HEADING.match(text)
    if m and (m.group(2)[:1].isupper()) and 1 <= int(m.group(1)) <= 30:
        return "number", int(m.group(1))
    return None


def check_numbering(paragraphs: list[str]) -> list:
    """I, II, III, then VI: IV and V are missing. Within a section, 1, 2, then 4 likewise; a list may start again at 1."""
    out = []
    last_roman = 0
    last_number = 0
    for i, para in enumerate(paragraphs):
        found = _heading(para)
        if found is None:
            continue
        kind, n = found
        if kind == "roman":
            if last_roman and n > last_roman + 1:
                missing = ", ".join(ROMAN_OF[k] for k in range(last_roman + 1, n))
                out.append(_problem("danh_so", para, ROMAN_OF[n], ROMAN_OF[last_roman + 1],
                                    f"Sau mục {ROMAN_OF[last_roman]} là mục {ROMAN_OF[n]}: thiếu mục {missing}.", _where(i)))
            last_roman = n if n > last_roman or n == 1 else last_roman
            last_number = 0
        else:
            if last_number and n > last_number + 1:
                missing = ", ".join(str(k) for k in range(last_number + 1, n))
                out.append(_problem("danh_so", para, str(n), str(last_number + 1),
                                    f"Sau mục {last_number} là mục {n}: thiếu mục {missing}.", _where(i)))
            last_number = n
    return out


# ---------------------------------------------------------------- the period

def report_period(paragraphs: list[str]) -> tuple[int, Span] | None:
    """(paragraph, the period the report is about), from its title: the first period named after «BÁO CÁO»."""
    for i, para in enumerate(paragraphs[:25]):
        at = para.find("BÁO CÁO")
        if at < 0:
            continue
        for j, text in enumerate([para[at + len("BÁO CÁO"):], *paragraphs[i + 1:i + 3]]):
            spans = period_spans(text)
            if spans:
                return i + j, spans[0]
    return None


def _months(d: date) -> float:
    return d.year * 12 + d.month + (d.day - 1) / 31


def check_period(paragraphs: list[str]) -> list:
    found = report_period(paragraphs)
    if found is None or found[1].year is None:
        return []
    title_at, span = found
    year = span.year
    named = span.label(year)
    out = []
    # the data window stated under the title lies in the period the title names
    for i, para in enumerate(paragraphs[title_at:title_at + 6], start=title_at):
        m = _WINDOW.search(para)
        if not m:
            continue
        a, b = _parse(m.group(1)), _parse(m.group(2))
        if not a or not b or a > b:
            break
        low, high = year * 12 + span.first, year * 12 + span.last + 1
        if span.preset:
            preset = resolve_period(f"{year}-{span.preset}")
            low, high = min(low, _months(preset.start)), max(high, _months(preset.end) + 1 / 31)
        middle = (_months(a) + _months(b)) / 2
        if not low <= middle < high:
            out.append(_problem("ky_bao_cao", para, f"{m.group(1)} – {m.group(2)}", named,
                                f"Báo cáo {named} nhưng số liệu tính từ {fmt_date(a)} đến {fmt_date(b)}, không thuộc {named}.",
                                _where(i)))
        break
    for i, para in enumerate(paragraphs):
        if i <= title_at:
            continue
        key = search_key(para)
        heading = _heading(para)
        if heading and heading[0] == "roman" and "phuong huong" in key:
            spans = period_spans(para)
            if spans and spans[0].start(year) <= span.start(year):
                said = spans[0].label(year)
                out.append(_problem("ky_bao_cao", para, said, f"kỳ sau {named}",
                                    f"Mục phương hướng, nhiệm vụ của báo cáo {named} ghi «{said}»: phải là kỳ tới, sau {named}.",
                                    _where(i)))
        elif key.startswith("tren day la"):
            spans = period_spans(para)
            if spans and (spans[0].first, spans[0].last, spans[0].year or year) != (span.first, span.last, year):
                said = spans[0].label(year)
                out.append(_problem("ky_bao_cao", para, said, named,
                                    f"Báo cáo {named} nhưng câu kết ghi «{said}».", _where(i)))
    return out


def check_paragraphs(paragraphs: list[str]) -> list:
    return check_dates(paragraphs) + check_numbering(paragraphs) + check_period(paragraphs)
