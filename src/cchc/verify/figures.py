"""Finding the figures of a report and what they state.

A sentence is read as a list of *items*: a figure with the words around it (its label before, its unit after) and,
when the report breaks it down, its parts — either in a parenthesis right after it ("410 TTHC (trong đó, cấp huyện:
262 TTHC; cấp xã: 148 TTHC)") or after "trong đó" / "bao gồm" in the same sentence ("… là: 184.027; trong đó: …").
Parts may have parts of their own. A percentage standing alone after a part ("…: 1.033 hồ sơ, đạt tỷ lệ 99,90%")
is the rate of that part in its whole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from cchc.vn import search_key

NUMBER = re.compile(r"(?<![\w/])\d+(?:[.,/]\d+)*(?![\w/])")

COUNT_UNITS_TABLE = ("ho so", "thu tuc", "dvc", "pakn", "nhiem vu", "van ban", "co quan", "van de", "tthc", "luot",
                     "so luong", "don vi", "tai khoan")
_NOT_A_COUNT_BEFORE = re.compile(
    r"(?:\bnăm|\bngày|\btháng|\bquý|\bgiai đoạn|\bmức độ|\bthứ|\bmã dịch vụ|\bphiên bản|\biso|\blần|\b(?:mã|hiệu|quyết định|kế hoạch|công văn|nghị định|thông tư|chỉ thị|báo cáo|tờ trình) số|\bđiều"
    r"|\bkhoản|\bmục|\bđiểm|\bchương|\bphụ lục|\bbiểu mẫu|\btổng đài|\btừ|\bđến|\bcổng|\bkhóa|\bcấp độ)\s*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """The bucket phrases and marker words (data file next to this module)."""
    return json.loads((Path(__file__).with_name("buckets.json")).read_text(encoding="utf-8"))


@dataclass
class Num:
    """A figure as written: `value` None when it cannot be read (e.g. '49,14,52')."""

    text: str
    start: int
    end: int
    kind: str  # count | percent | decimal | fraction | date | year | other | unreadable
    value: Decimal | None = None
    denominator: Decimal | None = None  # for a fraction a/b: value = a
    places: int = 0  # decimals written (for a percent or decimal)


def parse_scalar(text: str, *, table_count: bool = False) -> tuple[Decimal | None, int, bool]:
    """'184.027' → (184027, 0, True); '99,90' → (99.90, 2, False); '52,414' in a count column → 52414.

    Returns (value, decimals written, is_integer_by_format). None when the writing is not a number a person would
    read one way only ('49,14,52', '3.4').
    """
    if re.fullmatch(r"\d+", text):
        return Decimal(text), 0, True
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return Decimal(text.replace(".", "")), 0, True
    if table_count and re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return Decimal(text.replace(",", "")), 0, True
    m = re.fullmatch(r"(\d{1,3}(?:\.\d{3})+|\d+),(\d+)", text)
    if m:
        return Decimal(m.group(1).replace(".", "") + "." + m.group(2)), len(m.group(2)), False
    return None, 0, False


def numbers(text: str) -> list[Num]:
    """Every figure in `text`, classified by how it is written and what stands right before/after it."""
    out: list[Num] = []
    for m in NUMBER.finditer(text):
        tok = m.group(0)
        after = text[m.end():m.end() + 12]
        before = text[max(0, m.start() - 16):m.start()]
        if "/" in tok:
            parts = tok.split("/")
            if len(parts) == 2:
                a = parse_scalar(parts[0])[0]
                b = parse_scalar(parts[1])[0]
                if a is not None and b is not None and not re.search(r"thứ\s*$", before, re.IGNORECASE):
                    if re.match(r"\s*\d{4}\b", parts[1]) and int(parts[1]) >= 1900 and len(parts[1]) == 4 and "." not in parts[1]:
                        out.append(Num(tok, m.start(), m.end(), "date"))
                    else:
                        out.append(Num(tok, m.start(), m.end(), "fraction", a, b))
                    continue
            out.append(Num(tok, m.start(), m.end(), "date"))
            continue
        value, places, _ = parse_scalar(tok)
        if re.match(r"\s*%", after):
            out.append(Num(tok, m.start(), m.end(), "percent" if value is not None else "unreadable", value, None, places))
            continue
        if value is None:
            kind = "unreadable" if re.fullmatch(r"\d+(?:,\d+){2,}", tok) else "other"
            out.append(Num(tok, m.start(), m.end(), kind))
            continue
        if re.match(r"[:h]\d", text[m.end():m.end() + 2]) or text[m.start() - 1:m.start()] in (":",):
            out.append(Num(tok, m.start(), m.end(), "other", value))
            continue
        if _NOT_A_COUNT_BEFORE.search(before) or _DURATION_AFTER.match(text[m.end():]):
            out.append(Num(tok, m.start(), m.end(), "other", value))
            continue
        if places == 0 and 1900 <= value <= 2100 and re.fullmatch(r"\d{4}", tok):
            out.append(Num(tok, m.start(), m.end(), "year", value))
            continue
        out.append(Num(tok, m.start(), m.end(), "count" if places == 0 else "decimal", value, None, places))
    return out


def depth_map(text: str) -> list[int]:
    depth, out = 0, []
    for ch in text:
        if ch == "(":
            depth += 1
            out.append(depth)
            continue
        if ch == ")":
            out.append(depth)
            depth = max(0, depth - 1)
            continue
        out.append(depth)
    return out


def sentences(paragraph: str) -> list[str]:
    """Split at a full stop (outside parentheses, not inside a number) followed by an upper-case start."""
    depth = depth_map(paragraph)
    out, start = [], 0
    for i, ch in enumerate(paragraph):
        if ch != "." or depth[i] != 0:
            continue
        if i > 0 and paragraph[i - 1].isdigit() and i + 1 < len(paragraph) and paragraph[i + 1].isdigit():
            continue
        rest = paragraph[i + 1:]
        if not rest.strip():
            continue
        nxt = rest.lstrip()
        if rest[:1].isspace() and (nxt[:1].isupper() or nxt[:1] in "-+*(“\""):
            out.append(paragraph[start:i + 1].strip())
            start = i + 1
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out


@dataclass
class Item:
    """A figure with its words and its parts."""

    text: str  # the whole item, parentheses included
    label: str  # words before the figure (carried over from a preceding fragment without figure)
    num: Num
    own: str  # the item's words outside its parentheses (for bucket recognition)
    children: list[Item] = field(default_factory=list)
    rate: Num | None = None
    subset: bool = False  # parts introduced by "trong đó có": only some of the whole
    approx: bool = False  # "hơn 716 đơn": not an exact figure
    last: Num | None = None  # the last figure outside parentheses in the item's fragment
    fragment: str = ""
    rate_basis: str = ""  # what a rate written in the item's own words is «trên tổng số» of, when it says

    def unit(self) -> str:
        """The word after the figure ('hồ sơ' → 'ho'), '' when punctuation follows."""
        m = re.match(r"\s*([^\W\d]+)", self.fragment[self.num.end:])
        return search_key(m.group(1)) if m else ""

    @property
    def value(self) -> Decimal:
        return self.num.value  # type: ignore[return-value]

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


_MARKER = re.compile(r"^\s*[(,;:]?\s*(trong đó có|trong đó|bao gồm)\s*[:,]?\s*", re.IGNORECASE)
_DURATION_AFTER = re.compile(r"\s*(?:tháng|năm|ngày|quý|giờ|phút)\b", re.IGNORECASE)


def _split_top(text: str) -> list[tuple[str, str]]:
    """Split at ';', ',' and ' và ' outside parentheses → [(separator before, fragment)]."""
    depth = depth_map(text)
    out, start, sep = [], 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if depth[i] == 0 and ch in ";,":
            # a comma between digits is a decimal mark
            if ch == "," and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                i += 1
                continue
            out.append((sep, text[start:i]))
            sep, start = ch, i + 1
        elif depth[i] == 0 and text.startswith(" và ", i):
            out.append((sep, text[start:i]))
            sep, start = "và", i + 4
            i += 4
            continue
        i += 1
    out.append((sep, text[start:]))
    return out


def _first_paren(text: str, after: int) -> tuple[int, int] | None:
    """The first top-level parenthesis starting at or after `after`: (open index, close index)."""
    depth = 0
    open_at = None
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0 and i >= after:
                open_at = i
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
            if depth == 0 and open_at is not None:
                return open_at, i
    return (open_at, len(text)) if open_at is not None else None


def _is_approx(label: str) -> bool:
    words = search_key(label).split()
    return bool(words) and words[-1] in vocabulary()["approx_words"]


def parse_items(text: str) -> list[Item]:
    """The items of a sentence (or of a parenthesis), with parts attached (see module doc)."""
    fragments = _split_top(text)
    items: list[Item] = []
    carry = ""
    total_for_rest: Item | None = None
    subset = False
    for idx, (sep, frag) in enumerate(fragments):
        marker = _MARKER.match(frag)
        if marker and items and total_for_rest is None:
            total_for_rest = _as_total(items[-1])
            items[-1] = total_for_rest
            subset = marker.group(1).lower() == "trong đó có"
            frag = frag[marker.end():]
        elif marker and not items and not carry.strip():
            frag = frag[marker.end():]
        depth = depth_map(frag)
        nums = [n for n in numbers(frag) if depth[n.start] == 0]
        first = next((n for n in nums if n.kind in ("count", "decimal")), None)
        if first is None:
            pct = next((n for n in nums if n.kind == "percent"), None)
            target = (total_for_rest.children if total_for_rest is not None and total_for_rest.children else items)
            if pct is not None and target and not re.search(r"\d", frag[:pct.start]):
                target[-1].rate = pct
                # «1.071 DVCTT …, đạt 61,98% (trong đó có 848 DVCTT toàn trình …)»: the breakdown after the rate
                paren = _first_paren(frag, pct.end)
                if paren is not None and not target[-1].children and not re.search(r"\d", frag[pct.end:paren[0]]):
                    _breakdown(target[-1], frag[paren[0] + 1:paren[1]])
                continue
            nxt = fragments[idx + 1][1].lstrip() if idx + 1 < len(fragments) else ""
            if target and sep in (",", "và") and nxt[:1].isdigit():
                target[-1].text += (", " if sep == "," else " và ") + frag.strip()
                continue
            carry += (sep + " " if carry and sep in ",;" else (" và " if carry and sep == "và" else "")) + frag
            continue
        joint = " và " if sep == "và" else sep + " "
        label = (carry + joint + frag[:first.start]).strip() if carry else frag[:first.start].strip()
        carry = ""
        paren = _first_paren(frag, first.end)
        own = frag if paren is None else frag[:paren[0]] + frag[paren[1] + 1:]
        counts = [n for n in nums if n.kind in ("count", "decimal")]
        item = Item(text=frag.strip(), label=label, num=first, own=own, approx=_is_approx(frag[:first.start]),
                    last=counts[-1], fragment=frag)
        if paren is not None and not re.search(r"\d", frag[first.end:paren[0]].replace("%", "")):
            _breakdown(item, frag[paren[0] + 1:paren[1]])
        rate = _INLINE_RATE.match(_outside(frag, first.end))
        if rate and item.rate is None:
            # «848 DVCTT toàn trình đạt 79,25% trên tổng số DVCTT đã tích hợp»: the part's rate in its whole
            at = first.end + rate.start(1)
            item.rate = next((n for n in numbers(frag) if n.start == at and n.kind == "percent"), None)
            item.rate_basis = (rate.group(2) or "").strip()
        if total_for_rest is not None:
            total_for_rest.children.append(item)
            total_for_rest.subset = subset
        else:
            items.append(item)
    return items


def _breakdown(item: Item, inner: str) -> None:
    """The parts of `item` written in the parenthesis after it, when the parenthesis is a breakdown."""
    m = _MARKER.match(inner)
    kids = parse_items(inner[m.end():] if m else inner)
    cumulative = any(w in search_key(k.label) for k in kids for w in vocabulary()["cumulative_words"])
    # without "trong đó"/"bao gồm", a parenthesis is a breakdown only when its parts are short names
    short = all(len(k.label.split()) <= 6 for k in kids)
    if not cumulative and (len(kids) >= 2 and (m or short) or (kids and m)):
        item.subset = bool(m and m.group(1).lower() == "trong đó có")
        item.children = kids


def _outside(frag: str, start: int) -> str:
    """frag[start:] with what stands in brackets blanked (positions kept)."""
    depth = depth_map(frag)
    return "".join(ch if depth[i] == 0 and ch not in "()" else " " for i, ch in enumerate(frag[start:], start))


# A rate written right after a part, before any other figure: «… đạt 79,25% trên tổng số DVCTT đã tích hợp».
_INLINE_RATE = re.compile(r"^[^\d;:]{0,80}?\b(?:đạt|chiếm)\s+(?:tỷ lệ\s+|tỉ lệ\s+)?(\d+(?:,\d+)?)\s*%"
                          r"(?:\s+(?:trên|so với)\s+(?:tổng\s+số\s+)?([^\d;,]*))?", re.IGNORECASE)


def _as_total(item: Item) -> Item:
    """The whole that "trong đó …" breaks down: the last figure of the fragment before the marker."""
    if item.last is None or item.last is item.num or item.children:
        return item
    frag = item.fragment
    prev_end = max((n.end for n in numbers(frag) if n.end <= item.last.start and n.kind in ("count", "decimal")),
                   default=0)
    return Item(text=frag[prev_end:].strip(" ,"), label=frag[prev_end:item.last.start].strip(" ,"), num=item.last,
                own=frag[prev_end:], approx=_is_approx(frag[:item.last.start]), last=item.last, fragment=frag)


def label_key(label: str) -> str:
    """Accent-free key words of a label: the part after its last colon, punctuation removed."""
    key = search_key(label).rstrip(" :")
    if ":" in key:
        tail = key.rsplit(":", 1)[1]
        if len(tail.split()) >= 3:
            key = tail
    key = re.sub(r"[^\w\s]", " ", key)
    return re.sub(r"\s+", " ", key).strip()


def own_key(item: Item) -> str:
    """Accent-free words of an item outside its parentheses (to recognise its bucket)."""
    return " " + re.sub(r"\s+", " ", re.sub(r"[^\w\s,]", " ", search_key(item.own))) + " "


def has_phrase(key: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", key) is not None
