"""The checks: totals and their parts, rates, one quantity stated twice, appendix against text.

Precision over recall: a check fires only where the wording leaves one reading. Every Problem carries the sentence,
the stated figure, the computed one and a Vietnamese explanation.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

from cchc.verify.extract import Document, read_document, split_text
from cchc.verify import document, labels
from cchc.verify.figures import (
    COUNT_UNITS_TABLE,
    Item,
    Num,
    depth_map,
    has_phrase,
    label_key,
    numbers,
    own_key,
    parse_items,
    parse_scalar,
    sentences,
    vocabulary,
)
from cchc.vn import fmt_decimal, fmt_int, fmt_percent, search_key

KINDS = {
    "tong_thanh_phan": "Tổng và thành phần",
    "ty_le": "Tỷ lệ",
    "mau_thuan": "Một số liệu, hai giá trị",
    "phu_luc": "Phụ lục và phần lời",
    "khong_doc_duoc": "Số không đọc được",
    "ngay_thang": "Ngày tháng",
    "danh_so": "Đánh số mục",
    "ky_bao_cao": "Kỳ báo cáo",
    "he_thong": "Phần lời và số liệu hệ thống",
}
# Findings about words rather than figures (cchc.verify.document): what is written and what it should be.
WORDED = ("ngay_thang", "danh_so", "ky_bao_cao")


@dataclass
class Problem:
    kind: str
    sentence: str
    stated: Decimal | None
    computed: Decimal | None
    explanation: str
    stated_text: str
    computed_text: str
    where: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["stated"] = None if self.stated is None else str(self.stated)
        d["computed"] = None if self.computed is None else str(self.computed)
        d["kind_name"] = KINDS[self.kind]
        return d


def excerpt(text: str, limit: int = 220) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fmt_number(value: Decimal, places: int = 0) -> str:
    if places == 0 and value == value.to_integral_value():
        return fmt_int(int(value))
    return fmt_decimal(value, places or 2)


def rate_matches(stated: Decimal, places: int, numerator: Decimal, denominator: Decimal) -> bool:
    """Stated rate equals numerator/denominator × 100 rounded half up or truncated to the written decimals."""
    exact = numerator * 100 / denominator
    q = Decimal(1).scaleb(-places)
    return stated in (exact.quantize(q, rounding=ROUND_HALF_UP), exact.quantize(q, rounding=ROUND_DOWN))


def _rate_value(numerator: Decimal, denominator: Decimal, places: int) -> Decimal:
    return (numerator * 100 / denominator).quantize(Decimal(1).scaleb(-max(places, 2)), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- totals and parts

def _is_bucket(item: Item) -> bool:
    key = own_key(item)
    return any(has_phrase(key, b) for b in vocabulary()["buckets"])


def _resolved_total(item: Item) -> bool:
    """'Kết quả giải quyết … : 1.034 hồ sơ' / 'đã giải quyết 140.394': a total of resolved dossiers."""
    key = search_key(item.label + " " + item.own)
    return ("giai quyet" in key or "ket qua" in key) and "tiep nhan" not in key and "dang giai quyet" not in key


def _parts_of(item: Item) -> list[Item]:
    parts = [c for c in item.children if c.num.kind in ("count", "decimal") and c.num.value is not None]
    if _resolved_total(item):
        parts = [c for c in parts if "dang giai quyet" not in search_key(c.label + " " + c.own)]
    return parts


def _received_explanation(item: Item, parts: list[Item], gap: Decimal) -> str | None:
    keys = [search_key(p.label + " " + p.own) for p in parts]
    if "tiep nhan" in search_key(item.label + " " + item.own) and any("da giai quyet" in k for k in keys) and any(
        "dang giai quyet" in k for k in keys
    ):
        done = next(p for p, k in zip(parts, keys) if "da giai quyet" in k)
        going = next(p for p, k in zip(parts, keys) if "dang giai quyet" in k)
        return (f"Đã tiếp nhận {item.num.text} nhưng đã giải quyết {done.num.text} + đang giải quyết {going.num.text} = "
                f"{fmt_int(int(sum(p.value for p in parts)))}: {fmt_int(int(abs(gap)))} hồ sơ không thuộc nhóm "
                "đã giải quyết hoặc đang giải quyết.")
    return None


def _part_unit(part: Item) -> str:
    """A part's unit word, '' when what follows its figure names its bucket instead ('156 một phần')."""
    after = re.sub(r"[^\w\s,]", " ", search_key(part.fragment[part.num.end:])).strip()
    names_bucket = any(after == b or after.startswith((b + " ", b + ",")) for b in vocabulary()["buckets"])
    return "" if names_bucket else part.unit()


def _unit_fits(item: Item, parts: list[Item]) -> bool:
    """The whole is named with the parts' unit, or stands bare before its breakdown ('1.815, trong đó: …'), or the
    parts name their buckets right after their figures ('235 thủ tục (156 một phần, 53 toàn trình, 26 mức độ 2)')."""
    unit = item.unit()
    if not unit:
        return True
    return any(p.unit() == unit for p in parts) or not any(_part_unit(p) for p in parts)


def _ended_group(key: str) -> bool:
    return any(w in key for w in vocabulary()["ended_without_result"])


def check_totals(item: Item, sentence: str, where: str, *, other_groups_named: bool = False) -> list[Problem]:
    """Parts against their whole (recursively), and the rate written next to a part.

    `other_groups_named`: the report names dossiers ended without a result somewhere, so a received total broken
    into resolved + in progress only is a partial list, not a complete one.
    """
    out: list[Problem] = []
    parts = _parts_of(item)
    if len(parts) >= 2 and _unit_fits(item, parts) and not item.approx and item.num.kind in ("count", "decimal") and not any(p.approx for p in parts):
        total = item.value
        s = sum(p.value for p in parts)
        terms = " + ".join(p.num.text for p in parts)
        received_split = _received_explanation(item, parts, Decimal(0)) is not None
        complete = not item.subset and not (received_split and other_groups_named) and (
            all(_is_bucket(p) for p in parts)
            or any(has_phrase(" " + search_key(item.label) + " ", w) for w in vocabulary()["total_words"])
        )
        bigger = [p for p in parts if p.value > total]
        if bigger:
            p = bigger[0]
            out.append(Problem("tong_thanh_phan", excerpt(sentence), total, p.value,
                               f"Thành phần «{excerpt(p.text, 80)}» ({p.num.text}) lớn hơn tổng {item.num.text}.",
                               item.num.text, p.num.text, where))
        elif complete and s != total:
            expl = _received_explanation(item, parts, total - s) or (
                f"Tổng ghi {item.num.text} nhưng các thành phần cộng lại {terms} = {fmt_number(s)} "
                f"(chênh {fmt_number(abs(total - s))})."
            )
            out.append(Problem("tong_thanh_phan", excerpt(sentence), total, s, expl, item.num.text, fmt_number(s), where))
    if parts and not item.approx and item.num.kind in ("count", "decimal") and item.value > 0:
        total = item.value
        for p in parts:
            if p.rate_basis and not labels.covers(p.rate_basis, item.label + " " + item.own):
                continue  # «đạt … % trên tổng số <another whole>»
            if p.rate is not None and p.rate.value is not None:
                if not rate_matches(p.rate.value, p.rate.places, p.value, total):
                    comp = _rate_value(p.value, total, p.rate.places)
                    out.append(Problem("ty_le", excerpt(sentence), p.rate.value, comp,
                                       f"Tỷ lệ ghi {p.rate.text}% nhưng {p.num.text}/{item.num.text} = "
                                       f"{fmt_percent(comp, max(p.rate.places, 2))}.",
                                       p.rate.text + "%", fmt_percent(comp, max(p.rate.places, 2)), where))
    for c in item.children:
        out += check_totals(c, sentence, where, other_groups_named=other_groups_named)
    return out


# ---------------------------------------------------------------- rates written in one clause

_PCT = r"(\d+(?:,\d+)*)\s*%"
_RATE_AFTER_FRACTION = re.compile(r"^[^;%/()]{0,160}?,?\s*(?:đạt|chiếm)\s+(?:tỷ lệ\s+|tỉ lệ\s+)?" + _PCT, re.IGNORECASE)
_RATE_SO_VOI = re.compile(
    r"(?<![\w/,.])(\d+(?:[.,]\d+)*)\s*(tỷ đồng|triệu đồng|đồng|hồ sơ|thủ tục|nhiệm vụ|văn bản)?\s*,?\s*đạt\s+"
    r"(\d+(?:,\d+)*)\s*(%|tỷ đồng)?\s+so(?:\s+với)?\b([^;()]*?)(?<![\w/,.])(\d+(?:[.,]\d+)*)(?![\w/])",
    re.IGNORECASE,
)
_RATE_RESOLVED = re.compile(
    r"(?<![\w/,.])(\d+(?:\.\d{3})*)\s+([^\d,;]{1,25}?)\s*,\s*(?:đã\s+)?(?:giải quyết|xử lý|hoàn thành)[^\d,;]*?"
    r"(?<![\w/,.])(\d+(?:\.\d{3})*)\s+\2\s*,\s*đạt\s+(?:tỷ lệ\s+|tỉ lệ\s+)?(\d+(?:,\d+)?)\s*%",
    re.IGNORECASE,
)


def check_rates(sentence: str, where: str, fractions: list[tuple[Num, Decimal | None, str]]) -> list[Problem]:
    out: list[Problem] = []
    for n in numbers(sentence):
        if n.kind != "fraction" or not n.denominator:
            continue
        m = _RATE_AFTER_FRACTION.match(sentence[n.end:])
        stated = None
        if m:
            stated, places, _ = parse_scalar(m.group(1))
            if stated is None:
                continue
            if not rate_matches(stated, places, n.value, n.denominator):
                comp = _rate_value(n.value, n.denominator, places)
                out.append(Problem("ty_le", excerpt(sentence), stated, comp,
                                   f"Tỷ lệ ghi {m.group(1)}% nhưng {n.text} = {fmt_percent(comp, max(places, 2))}.",
                                   m.group(1) + "%", fmt_percent(comp, max(places, 2)), where))
        fractions.append((n, stated, sentence))
    for m in _RATE_SO_VOI.finditer(sentence):
        a, _, _ = parse_scalar(m.group(1))
        b, _, _ = parse_scalar(m.group(6))
        if a is None or b is None or not b or re.search(r"\d", m.group(5)):
            continue
        written = m.group(3)
        value, places, _ = parse_scalar(written)
        comp = _rate_value(a, b, places)
        if value is None or m.group(4) != "%":
            out.append(Problem("khong_doc_duoc", excerpt(sentence), None, comp,
                               f"Không đọc được «đạt {written}{' ' + m.group(4) if m.group(4) else ''}»: một tỷ lệ "
                               f"phải là phần trăm; {m.group(1)}/{m.group(6)} = {fmt_percent(comp, 2)}.",
                               written, fmt_percent(comp, 2), where))
        elif not rate_matches(value, places, a, b):
            out.append(Problem("ty_le", excerpt(sentence), value, comp,
                               f"Tỷ lệ ghi {written}% nhưng {m.group(1)}/{m.group(6)} = {fmt_percent(comp, max(places, 2))}.",
                               written + "%", fmt_percent(comp, max(places, 2)), where))
    for m in _RATE_RESOLVED.finditer(sentence):
        den, _, _ = parse_scalar(m.group(1))
        num, _, _ = parse_scalar(m.group(3))
        value, places, _ = parse_scalar(m.group(4))
        if den and num is not None and value is not None and not rate_matches(value, places, num, den):
            comp = _rate_value(num, den, places)
            out.append(Problem("ty_le", excerpt(sentence), value, comp,
                               f"Tỷ lệ ghi {m.group(4)}% nhưng {m.group(3)}/{m.group(1)} = {fmt_percent(comp, max(places, 2))}.",
                               m.group(4) + "%", fmt_percent(comp, max(places, 2)), where))
    return out


# ---------------------------------------------------------------- received vs resolved + in progress

def _level_of(key: str) -> str | None:
    found = [lv for lv, words in vocabulary()["levels"].items() if any(has_phrase(key, w) for w in words)]
    return found[0] if len(found) == 1 else None


def check_received(entries: list[tuple[int, str, list[Item]]], *, other_groups_named: bool = False) -> list[Problem]:
    """A received total followed (within the next paragraphs) by resolved and in-progress totals of the same scope.

    Groups of dossiers ended without a result listed in between ('kết thúc không có kết quả …: 21.646') count too.
    By level, when the report names such groups but not per level, nothing is said.
    """
    out: list[Problem] = []
    for i, (para, sentence, items) in enumerate(entries):
        for item in items:
            key = " " + search_key(item.label + " " + item.own) + " "
            if "tiep nhan" not in key or not item.children or item.approx:
                continue
            kid_keys = [search_key(c.label + " " + c.own) for c in item.children]
            if any("giai quyet" in k for k in kid_keys):
                continue  # resolved / in progress are its own parts: check_totals sees them
            levels = {_level_of(" " + k + " "): c for k, c in zip(kid_keys, item.children)}
            by_level = None not in levels and len(levels) == len(item.children) >= 2
            if by_level and other_groups_named:
                continue
            ended = Decimal(0)
            resolved: dict[str | None, Decimal] = {}
            progress: dict[str | None, Decimal] = {}
            for para2, _, items2 in entries[i + 1:]:
                if para2 > para + 4:
                    break
                stop = False
                for it in items2:
                    k2 = " " + search_key(it.label + " " + it.own) + " "
                    if "tiep nhan" in k2 and it.children:
                        stop = True
                        break
                    level = _level_of(k2) if by_level else None
                    if (by_level and level is None) or it.unit() not in ("ho", "") or it.approx:
                        continue
                    if not by_level and _ended_group(k2):
                        ended += it.value
                    elif "dang giai quyet" in k2 and level not in progress:
                        progress[level] = it.value
                    elif ("da giai quyet" in k2 or (by_level and "giai quyet" in k2)) and level not in resolved:
                        resolved[level] = it.value
                        for c in it.children:
                            if "dang giai quyet" in search_key(c.label + " " + c.own) and level not in progress:
                                progress[level] = c.value
                if stop:
                    break
            scopes = [(lv, levels[lv]) for lv in levels] if by_level else [(None, item)]
            for lv, total_item in scopes:
                if lv not in resolved or lv not in progress:
                    continue
                s = resolved[lv] + progress[lv] + (ended if lv is None else 0)
                if s != total_item.value:
                    gap = total_item.value - s
                    scope = f" ({total_item.label.strip(' :,')})" if lv else ""
                    rest = f" + kết thúc không có kết quả {fmt_int(int(ended))}" if ended and lv is None else ""
                    groups = "đã giải quyết, đang giải quyết hoặc kết thúc không có kết quả" if rest else \
                        "đã giải quyết hoặc đang giải quyết"
                    out.append(Problem(
                        "tong_thanh_phan", excerpt(sentence), total_item.value, s,
                        f"Đã tiếp nhận{scope} {total_item.num.text} nhưng đã giải quyết {fmt_int(int(resolved[lv]))} + "
                        f"đang giải quyết {fmt_int(int(progress[lv]))}{rest} = {fmt_int(int(s))}: "
                        f"{fmt_int(int(abs(gap)))} hồ sơ {'không thuộc nhóm ' + groups if gap > 0 else 'bị tính thừa'}.",
                        total_item.num.text, fmt_int(int(s)), where_para(para)))
    return out


def where_para(index: int) -> str:
    return f"đoạn {index + 1}"


# ---------------------------------------------------------------- one quantity, two values

def _label_tail(label: str) -> str:
    text = label.strip(" :")
    tail = text.rsplit(":", 1)[-1].strip() if ":" in text else text
    tail = tail.rsplit(";", 1)[-1].strip()
    return tail if len(tail.split()) >= 3 else text


def check_repeated(entries: list[tuple[int, str, list[Item]]]) -> list[Problem]:
    seen: dict[str, tuple[Item, str]] = {}
    out: list[Problem] = []
    for para, sentence, items in entries:
        for top in items:
            for it in top.walk():
                key = label_key(it.label)
                anchored = any(a in key for a in vocabulary()["stock_anchors"])
                if len(key.split()) < 8 or not anchored or it.num.kind != "count" or it.approx:
                    continue
                if key in seen and seen[key][0].value != it.value:
                    first, first_sentence = seen[key]
                    out.append(Problem(
                        "mau_thuan", excerpt(sentence), it.value, first.value,
                        f"«{excerpt(_label_tail(it.label), 120)}» được ghi {it.num.text} ở đây nhưng {first.num.text} ở "
                        f"câu «{excerpt(first_sentence, 100)}».",
                        it.num.text, first.num.text, where_para(para)))
                seen.setdefault(key, (it, sentence))
    return out


# ---------------------------------------------------------------- appendix tables

_CODE = re.compile(r"^(\d+(?:[.,]\d+)*)[.,]?$")


@dataclass
class Row:
    code: str
    label: str
    unit: str
    raw: str
    value: Decimal | None
    places: int
    index: int
    form: str = ""  # the Biểu mẫu of a row the system computed (cchc.verify.system)


def table_rows(rows: list[list[str]]) -> list[Row]:
    out: list[Row] = []
    for i, cells in enumerate(rows):
        cells = [c.strip() for c in cells] + ["", ""]
        m = _CODE.match(cells[0])
        if not m or not cells[1]:
            continue  # a heading row keeps its label (the rows under it are about it) and has no value
        code = re.sub(r"[.,]", ".", m.group(1))
        unit = cells[2]
        raw = cells[3].rstrip("%").strip()
        ukey = search_key(unit)
        is_count = any(u in ukey for u in COUNT_UNITS_TABLE)
        value, places, _ = parse_scalar(raw, table_count=is_count) if raw else (None, 0, False)
        out.append(Row(code, cells[1], unit, raw, value, places, i))
    return out


def _row_where(row: Row) -> str:
    return f"phụ lục, mục {row.code}"


def check_tables(rows: list[Row]) -> list[Problem]:
    out: list[Problem] = []
    for i, row in enumerate(rows):
        following = rows[i + 1:i + 8]
        kids = []
        for r in following:
            if r.code.startswith(row.code + ".") and r.code.count(".") == row.code.count(".") + 1:
                kids.append(r)
            elif not r.code.startswith(row.code + "."):
                break
        if not kids or row.value is None:
            continue
        if row.unit.strip() == "%" and len(kids) == 2 and all(k.value is not None and k.unit.strip() != "%" for k in kids):
            den, num = kids[0], kids[1]
            if den.value and rate_matches(row.value, row.places, num.value, den.value) is False:
                comp = _rate_value(num.value, den.value, row.places)
                out.append(Problem(
                    "ty_le", excerpt(f"{row.code} {row.label}: {row.raw}%"), row.value, comp,
                    f"Mục {row.code} ghi {row.raw}% nhưng mục {num.code} / mục {den.code} = {num.raw}/{den.raw} = "
                    f"{fmt_percent(comp, max(row.places, 2))}.",
                    row.raw + "%", fmt_percent(comp, max(row.places, 2)), _row_where(row)))
        elif row.unit.strip() != "%" and len(kids) >= 2 and all(k.value is not None and k.unit == row.unit for k in kids):
            if all(_level_of(" " + search_key(k.label) + " ") for k in kids):
                s = sum(k.value for k in kids)
                if s != row.value:
                    out.append(Problem(
                        "tong_thanh_phan", excerpt(f"{row.code} {row.label}: {row.raw}"), row.value, s,
                        f"Mục {row.code} ghi {row.raw} nhưng các mục {', '.join(k.code for k in kids)} cộng lại "
                        f"{fmt_number(s)}.", row.raw, fmt_number(s), _row_where(row)))
    return out


def _rate_pairs(rows: list[Row]) -> list[tuple[Row, Row, Row]]:
    """(rate row, denominator row, numerator row) of every 'Tỷ lệ' row with two sub-rows."""
    out = []
    for i, row in enumerate(rows):
        if row.unit.strip() != "%":
            continue
        kids = [r for r in rows[i + 1:i + 3] if r.code.startswith(row.code + ".")]
        if len(kids) == 2 and all(k.value is not None and k.unit.strip() != "%" for k in kids):
            out.append((row, kids[0], kids[1]))
    return out


def _parent(rows: list[Row], row: Row) -> Row | None:
    """The row a sub-row belongs to ('3.1' for '3.1.2'): the nearest one before it with that number (each Biểu mẫu
    numbers its rows from 1 again)."""
    code = row.code.rsplit(".", 1)[0] if "." in row.code else ""
    if not code:
        return None
    before = rows[:next((i for i, r in enumerate(rows) if r is row), len(rows))]
    return next((r for r in reversed(before) if r.code == code), None)


def _row_levels(rows: list[Row], row: Row) -> set[str]:
    """The levels a row is about, from its label or its parent's ('… do UBND cấp huyện tiếp nhận')."""
    parent = _parent(rows, row)
    return labels.levels_named(row.label + " " + (parent.label if parent is not None else ""))


def _clause_bounds(sentence: str, pos: int) -> tuple[int, int]:
    depth = depth_map(sentence)
    left = max((i for i in range(min(pos, len(sentence))) if sentence[i] == ";" and depth[i] == 0), default=-1) + 1
    right = next((i for i in range(pos, len(sentence)) if sentence[i] == ";" and depth[i] == 0), len(sentence))
    return left, right


def clause_at(sentence: str, pos: int) -> str:
    """The part of the sentence between the semicolons (outside brackets) around position `pos`."""
    left, right = _clause_bounds(sentence, pos)
    return sentence[left:right]


def _outside_brackets(sentence: str, start: int, end: int) -> str:
    """sentence[start:end] with what stands in brackets blanked out."""
    depth = depth_map(sentence)
    return "".join(ch if depth[i] == 0 and ch not in "()" else " " for i, ch in enumerate(sentence[start:end], start))


def _about(rows: list[Row], row: Row, context: str, unit_text: str, *, label: str | None = None,
           with_parent: bool = False) -> bool:
    """The figure whose words are `context` and whose counted unit starts `unit_text` is what `row` states:
    same counted unit, every word of the row's label (`with_parent`: and of the row it belongs to) in the
    context, the same levels, no agency named."""
    unit = labels.unit_class(unit_text)
    if unit is None or unit != labels.unit_class(row.unit):
        return False
    if labels.names_a_unit(context) or not labels.covers(label or row.label, context):
        return False
    parent = _parent(rows, row) if with_parent else None
    if parent is not None and not labels.covers(parent.label, context):
        return False
    return labels.levels_named(context) == _row_levels(rows, row)


def _position(sentence: str, item: Item) -> int | None:
    """Where the item's figure stands in the sentence, when it stands outside brackets."""
    at = sentence.find(item.fragment)
    if at < 0:
        return None
    at += item.num.start
    return at if depth_map(sentence)[at] == 0 else None


def _after(sentence: str, end: int) -> str:
    """The words after a figure up to the next figure, «trong đó», a colon or the end of its clause, brackets left
    out ('03 văn bản chỉ đạo, điều hành về CCHC')."""
    rest = _outside_brackets(sentence, end, _clause_bounds(sentence, end)[1])
    cut = re.search(r"\d|:|\btrong đó\b|\bbao gồm\b", rest, re.IGNORECASE)
    return rest[:cut.start()] if cut else rest


def _stated_by(row: Row, system: bool) -> str:
    return f"hệ thống tính được ({row.form}, mục {row.code})" if system else f"phụ lục mục {row.code}"


def check_appendix_vs_text(rows: list[Row], entries, fractions, *, system: bool = False) -> list[Problem]:
    """The text against the rows of its appendix, or (`system`) against the rows the system computed for the unit
    and period: the same label and unit, the same figure."""
    kind = "he_thong" if system else "phu_luc"
    out: list[Problem] = []
    pairs = _rate_pairs(rows)
    # "a/b …" in the text and a rate row of the appendix saying the same thing (label and unit): a/b must be its rows
    for n, _, sentence in fractions:
        left, right = _clause_bounds(sentence, n.start)
        depth = depth_map(sentence)
        colon = max((i for i in range(n.start) if sentence[i] == ":" and depth[i] == 0), default=-1)
        # «Theo kênh nộp hồ sơ: trực tiếp 7/9 phiếu …; trực tuyến 7/7 phiếu …»: after a colon, figures of the same
        # unit are the parts of a breakdown, none of them the row's whole
        scope = (colon + 1, len(sentence)) if colon >= 0 else (left, right)
        unit = labels.unit_class(sentence[n.end:])
        listed = [m for m in numbers(sentence[scope[0]:scope[1]]) if m.kind == "fraction"
                  and labels.unit_class(sentence[scope[0] + m.end:]) == unit]
        if len(listed) > 1:
            continue
        clause = sentence[max(colon + 1, left):right]
        found = [(rate, den, num) for rate, den, num in pairs
                 if _about(rows, den, clause, sentence[n.end:], label=rate.label)]
        if not found or any(num.value == n.value and den.value == n.denominator for _, den, num in found):
            continue
        rate, den, num = found[0]
        wrong = num if num.value != n.value else den
        stated = (f"hệ thống tính được ({num.form}, mục {num.code}/{den.code} «{excerpt(rate.label, 80)}»)" if system
                  else f"phụ lục mục {num.code}/{den.code} ({excerpt(rate.label, 80)}) ghi")
        out.append(Problem(
            kind, excerpt(sentence), n.value if wrong is num else n.denominator, wrong.value,
            f"Phần lời ghi {n.text}; {stated} {num.raw}/{den.raw}.",
            n.text, f"{num.raw}/{den.raw}", where_para(next(p for p, s, _ in entries if s == sentence))
            if system else f"phụ lục, mục {wrong.code}"))
    # a count of the text and a count row of the appendix saying the same thing: the same number (a figure typed
    # in the text against the one the system computed, «03 văn bản» against 5). Only a figure standing on its own
    # (not a part in brackets or after «trong đó»), whose words are all its own.
    counts = [r for r in rows if r.value is not None and r.unit.strip() != "%" and labels.unit_class(r.unit)]
    for para, sentence, items in entries:
        for it in items:
            at = _position(sentence, it)
            if at is None or it.num.kind != "count" or it.approx:
                continue
            unit = labels.unit_class(sentence[at + len(it.num.text):])
            if sum(1 for m in numbers(sentence) if m.kind in ("count", "fraction")
                   and labels.unit_class(sentence[m.end:]) == unit) > 1:
                continue  # two figures of the same unit in one sentence: which one the row states is not certain
            context = it.label + " " + _after(sentence, at + len(it.num.text))
            found = [r for r in counts if _about(rows, r, context, sentence[at + len(it.num.text):], with_parent=True)]
            if not found or any(r.value == it.value for r in found):
                continue
            r = found[0]
            label = excerpt(" ".join(labels.core_label(r.label).split()), 90)
            said = f"{r.form}, mục {r.code} «{label}»: hệ thống tính được {r.raw}" if system else \
                f"phụ lục mục {r.code} «{label}» ghi {r.raw}"
            out.append(Problem(
                kind, excerpt(sentence), it.value, r.value,
                f"Phần lời ghi {it.num.text} {r.unit.strip().lower()} nhưng {said}.",
                it.num.text, r.raw, where_para(para)))
    if system:
        return out
    # resolved dossiers by level (Biểu mẫu 3, items 3.1–3.3) against the text's resolved total and on-time part
    levels: dict[str, tuple[Row, Row]] = {}
    for rate, den, num in pairs:
        key = " " + search_key(rate.label) + " "
        if "giai quyet dung han" in key and "ho so" in key:
            lv = _level_of(key.replace("ho so tthc", " "))
            if lv and lv not in levels:
                levels[lv] = (den, num)
    if len(levels) == 3:
        total = sum(d.value for d, _ in levels.values())
        ontime = sum(n.value for _, n in levels.values())
        for para, sentence, items in entries:
            for top in items:
                for it in top.walk():
                    k = search_key(it.label)
                    if "da giai quyet" not in k or it.value != total:
                        continue
                    for c in it.children:
                        ck = " " + search_key(c.label + " " + c.own) + " "
                        if has_phrase(ck, "dung va truoc han") and c.value != ontime:
                            codes = " + ".join(n.code for _, n in levels.values())
                            out.append(Problem(
                                "phu_luc", excerpt(sentence), c.value, ontime,
                                f"Phần lời ghi {c.num.text} hồ sơ giải quyết đúng và trước hạn trong {it.num.text} hồ sơ đã "
                                f"giải quyết; phụ lục có cùng tổng {it.num.text} (các mục giải quyết xong theo cấp) nhưng "
                                f"số đúng hạn {codes} cộng lại {fmt_int(int(ontime))} "
                                f"(chênh {fmt_int(int(abs(c.value - ontime)))}).",
                                c.num.text, fmt_int(int(ontime)), where_para(para)))
    return out


# ---------------------------------------------------------------- entry points

def check_document(doc: Document, system: list[Row] | None = None) -> list[Problem]:
    """Every check on a document; `system`: the rows the system computed for the report's unit and period
    (cchc.verify.system), against which the text is read too."""
    problems: list[Problem] = []
    entries: list[tuple[int, str, list[Item]]] = []
    fractions: list[tuple[Num, Decimal | None, str]] = []
    other = any(_ended_group(search_key(p)) for p in doc.paragraphs)
    for p_index, para in enumerate(doc.paragraphs):
        for sentence in sentences(para):
            items = parse_items(sentence)
            entries.append((p_index, sentence, items))
            for item in items:
                problems += check_totals(item, sentence, where_para(p_index), other_groups_named=other)
            problems += check_rates(sentence, where_para(p_index), fractions)
    problems += check_received(entries, other_groups_named=other)
    problems += check_repeated(entries)
    rows = table_rows(doc.tables)
    problems += check_tables(rows)
    problems += check_appendix_vs_text(rows, entries, fractions)
    problems += document.check_paragraphs(doc.paragraphs)
    if system:
        problems += check_appendix_vs_text(system, entries, fractions, system=True)
    return problems


def check_report_text(text: str, tables: list[list[str]] | None = None, system: list[Row] | None = None) -> list[Problem]:
    """Check a report given as Markdown-ish text (and optionally its table rows, each a list of cell texts)."""
    doc = split_text(text)
    if tables:
        doc.tables.extend(tables)
    return check_document(doc, system)


def check_report_file(path: str | Path, system: list[Row] | None = None) -> list[Problem]:
    """Check a report file (.txt, .md, .docx, .pdf). Unreadable file → cchc.errors.ValidationError."""
    return check_document(read_document(path), system)
