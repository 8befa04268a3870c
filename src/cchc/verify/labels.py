"""What a figure is about: the words of its label and the unit it counts, so that a figure of the text is paired
with an appendix row only when both say the same thing.

A row is paired with a figure of the text when every content word of the row's label (abbreviations spelt out,
the words in brackets and the function words left out) stands in the figure's clause, the figure counts the
row's unit («hồ sơ», «thủ tục», «DVC» …), and the clause names no level or agency the row is not about. Two rows
that merely share a number are never paired.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cchc.verify.figures import vocabulary
from cchc.vn import search_key

_PAREN = re.compile(r"\([^()]*\)")
# A named agency or area ("Sở Tư pháp", "xã Ba Lòng", "UBND huyện Cam Lộ"): a figure of that one, not of the report's unit.
_NAMED_UNIT = re.compile(
    r"\b(?:Sở|Ban|Văn phòng|Công an|Trung tâm|Thanh tra|Bộ phận|UBND|Ủy ban nhân dân|[Xx]ã|[Pp]hường|[Tt]hị trấn|"
    r"[Hh]uyện|[Tt]hành phố|[Tt]hị xã|[Đđ]ặc khu)\s+"
    r"(?:(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn|đặc khu)\s+)?[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈÍÌÓÒÚÙÝ]"
)


@lru_cache(maxsize=1)
def _data() -> tuple[dict[str, str], frozenset[str], dict[str, str]]:
    v = vocabulary()
    return v["abbreviations"], frozenset(v["label_stop_words"]), v["count_units"]


def words(text: str) -> list[str]:
    """Accent-free content words, abbreviations spelt out ('TTHC' → thu tuc hanh chinh), function words dropped."""
    abbreviations, stop, _ = _data()
    out: list[str] = []
    for token in re.sub(r"[^\w\s]", " ", search_key(text)).split():
        expanded = abbreviations.get(token)
        out.extend(expanded.split() if expanded else [token])
    return [t for t in out if t not in stop and not t.isdigit()]


def core_label(label: str) -> str:
    """A row's label without what it adds in brackets ('… (Bao gồm cả TTHC của cơ quan ngành dọc)')."""
    previous = None
    while previous != label:
        previous, label = label, _PAREN.sub(" ", label)
    return label


def unit_class(text: str) -> str | None:
    """The counted unit named at the start of `text` ('hồ sơ mới tiếp nhận' → 'ho_so'), None when none is."""
    _, _, units = _data()
    key = " " + re.sub(r"[^\w\s]", " ", search_key(text)).strip() + " "
    best = None
    for phrase, cls in units.items():
        if key.startswith(" " + phrase + " ") and (best is None or len(phrase) > len(best[0])):
            best = (phrase, cls)
    return best[1] if best else None


def levels_named(text: str) -> set[str]:
    """The levels of government a text names ('cấp xã', 'sở, ngành' …)."""
    key = " " + re.sub(r"[^\w\s,]", " ", search_key(text)) + " "
    found = set()
    for level, phrases in vocabulary()["row_levels"].items():
        if any(re.search(r"(?<!\w)" + re.escape(p) + r"(?!\w)", key) for p in phrases):
            found.add(level)
    return found


def names_a_unit(text: str) -> bool:
    return _NAMED_UNIT.search(text) is not None


NEGATIONS = frozenset({"chua", "khong"})


def covers(row_label: str, clause: str) -> bool:
    """Every content word of the row's label stands in the clause, and both deny alike («chưa giải quyết xong» is
    not «đã giải quyết xong»)."""
    need, have = set(words(core_label(row_label))), set(words(clause))
    return bool(need) and need <= have and need & NEGATIONS == have & NEGATIONS
