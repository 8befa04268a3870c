"""Assembling a CCHC report: header (ND 30/2020), sections with the seeds' sentences, narrative,
the Biểu mẫu tables and the data of the charts — one `Report` that every writer renders.

Figures come from `cchc.reports.figures.all_figures` (SQL), figures entered by hand and the
narrative from `cchc.reform`. Section I speaks from the CCHC registers and the assigned tasks (blank where a
register was never kept); sections III and IV are drafted from the figures (cchc.reports.drafting) and marked as
drafts. What the unit typed for a section replaces the sentences the system would write there; a section with
nothing in it says so plainly, and only a section without sub-sections does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

import dataclasses
from functools import lru_cache

import yaml

from cchc import clock, vn
from cchc.periods import previous_periods
from cchc.reform import forms as formdefs
from cchc.reform import service as reform
from cchc.reform.directives import document_line
from cchc.reform.figures import reform_figures
from cchc.reports import letterhead
from cchc.reports.breakdown import field_figures
from cchc.reports.checks import check_report
from cchc.reports.drafting import draft
from cchc.reports.figures import all_figures
from cchc.reports.registers import registers_in_use, without_unkept
from cchc.reports.wording import lower_first, n, percent, points
from cchc.stats.dossiers import dossier_figures
from cchc.tasks.stats import task_figures, task_sentences
from cchc.units.enums import TWO_TIER_FROM
from cchc.units.models import Unit

LEVEL_NAMES = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã"}
LEVEL_LONG = {"tinh": "Cấp tỉnh (sở, ban, ngành)", "huyen": "Cấp huyện", "xa": "Cấp xã"}
PUBLICATION_KINDS = (("moi", "ban hành mới"), ("sua_doi", "sửa đổi, bổ sung"), ("thay_the", "thay thế"), ("bai_bo", "bãi bỏ"))
AREA_PREFIXES = ("Thành phố", "Thị xã", "Thị trấn", "Đặc khu", "Tỉnh", "Huyện", "Quận", "Xã", "Phường")

FiguresProvider = Callable[[Session, Unit, date, date], dict]


@dataclass
class Block:
    """A piece of the body: 'para', 'bullet' (“- ”), 'sub' (“+ ”), 'subheading', 'missing' (italic notice),
    'draft_note' (the notice heading a drafted section). `draft`: written by the system for the officer to edit,
    shown as a draft, never as the unit's own words."""

    kind: str
    text: str
    draft: bool = False


@dataclass
class Section:
    key: str
    title: str
    level: int
    blocks: list[Block] = field(default_factory=list)


@dataclass
class FormTable:
    form: formdefs.FormDef
    values: dict[str, Decimal | None]
    notes: dict[str, str]

    def display(self, row: formdefs.RowDef) -> str:
        value = self.values.get(row.stt)
        if value is None:
            return ""
        if row.kind == "percent":
            return percent(value)
        return formdefs.fmt(row, value)


@dataclass
class TrendPoint:
    label: str
    on_time_rate: float | None
    online_rate: float | None


@dataclass
class Header:
    superior: str  # "UBND TỈNH QUẢNG TRỊ" (may be empty)
    body: list[str]  # ["VĂN PHÒNG"] in bold
    number: str  # "Số:      /BC-VP"
    place_date: str  # "Quảng Trị, ngày 14 tháng 6 năm 2024"
    subject: str
    window: str
    recipient: str
    legal_basis: str
    recipients: list[str]
    signature: list[str]
    signer: str


@dataclass
class Report:
    unit_code: str
    unit_name: str
    period: object  # cchc.periods.Period
    report_date: date
    header: Header
    sections: list[Section]
    closing: str
    tables: list[FormTable]
    figures: dict
    trend: list[TrendPoint]
    trend_figures: list[tuple[str, dict]]
    appendix_title: str
    appendix_ref: str

    @property
    def title(self) -> str:
        return self.header.subject


# --- helpers --------------------------------------------------------------------------------

def _ratio(num, den) -> float | None:
    num, den = formdefs.to_decimal(num), formdefs.to_decimal(den)
    r = formdefs.rate(num, den)
    return float(r) if r is not None else None


def _get(figures: dict, path: str, default=None):
    v = formdefs.lookup(figures, path)
    return default if v is None else v


_lower_first = lower_first


def _area_name(unit: Unit) -> str:
    """'Tỉnh Quảng Trị' → 'Quảng Trị'."""
    for prefix in AREA_PREFIXES:
        if unit.name.startswith(prefix + " "):
            return unit.name[len(prefix) + 1:]
    return unit.name


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """The units above `unit`, top first (from its materialised path)."""
    ids = [int(x) for x in (unit.path or "").strip("/").split("/") if x and int(x) != unit.id]
    if not ids and unit.parent_id is not None:
        out, cur = [], session.get(Unit, unit.parent_id)
        while cur is not None:
            out.append(cur)
            cur = session.get(Unit, cur.parent_id) if cur.parent_id is not None else None
        return list(reversed(out))
    found = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def issuing_body(session: Session, unit: Unit) -> tuple[str, list[str], str, Unit | None]:
    """(superior line, body lines, the unit as sentences name it, the nearest area above or at it)."""
    above = ancestors(session, unit)
    areas = [u for u in above if u.is_area]
    if unit.is_area:
        return "", ["ỦY BAN NHÂN DÂN", unit.name.upper()], "Ủy ban nhân dân " + _lower_first(unit.name), unit
    area = areas[-1] if areas else None
    if unit.kind == "ubnd" and area is not None and unit.name.lower() == ("Ủy ban nhân dân " + area.name).lower():
        return "", ["ỦY BAN NHÂN DÂN", area.name.upper()], unit.name, area  # two lines, as the area's own
    superior = f"UBND {area.name.upper()}" if area is not None else ""
    if unit.kind == "ubnd":
        superior = ""
    return superior, [unit.name.upper()], unit.name, area


# --- narrative ------------------------------------------------------------------------------

def narrative_blocks(text: str) -> list[Block]:
    """Markdown written by an officer → blocks: paragraphs, '- ' bullets, '+ ' sub-bullets, '###' sub-headings."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush():
        if para:
            blocks.append(Block("para", " ".join(s.strip() for s in para)))
            para.clear()

    for line in text.splitlines():
        s = line.strip()
        if not s:
            flush()
        elif s.startswith("#"):
            flush()
            blocks.append(Block("subheading", s.lstrip("#").strip()))
        elif s.startswith(("- ", "* ")):
            flush()
            blocks.append(Block("bullet", s[2:].strip()))
        elif s.startswith("+ "):
            flush()
            blocks.append(Block("sub", s[2:].strip()))
        elif s[:1].isdigit() and ". " in s[:5]:
            flush()
            blocks.append(Block("para", s))
        else:
            para.append(s)
    flush()
    return blocks


# --- sentences from the figures -------------------------------------------------------------

def dossier_blocks(figures: dict, period) -> list[Block]:
    """Seed 000 / 001 / 004 sentences on dossiers received, resolved, ended and in progress, by level."""
    d = figures.get("dossiers") or {}
    out: list[Block] = []
    start, end = vn.fmt_date(period.start), vn.fmt_date(period.end)
    out.append(Block("subheading", "Tổng hợp, cập nhật kết quả giải quyết hồ sơ TTHC tại các cấp chính quyền:"))
    scope = figures.get("dossier_scope")
    if isinstance(scope, dict) and scope.get("receivers"):
        out.append(Block("para", (
            f"Hồ sơ TTHC của {scope['area']} do {', '.join(scope['receivers'])} tiếp nhận, giải quyết; "
            "số liệu dưới đây gồm toàn bộ các hồ sơ đó."
        )))
    if d.get("received_total") is None:
        # A consolidation from units' Biểu mẫu knows the resolved counts but not what was received.
        if d.get("resolved_total"):
            out.append(Block("bullet", (
                f"Số lượng hồ sơ đã giải quyết từ ngày {start} – {end}: {n(d['resolved_total'])}; trong đó, giải quyết đúng và "
                f"trước hạn: {n(d.get('resolved_in_time') or 0)}, trễ hạn: {n(d.get('resolved_late') or 0)}. Tỷ lệ hồ sơ giải quyết "
                f"đúng và trước hạn đạt {percent(d.get('on_time_rate'))}."
            )))
        return out
    if not d["received_total"]:
        out.append(Block("para", f"Từ ngày {start} – {end}, không phát sinh hồ sơ TTHC tiếp nhận trên Hệ thống thông tin giải quyết TTHC."))
        return out
    out.append(Block("para", (
        f"Tổng số hồ sơ TTHC đã tiếp nhận từ ngày {start} – {end} là: {n(d['received_total'])}; trong đó: "
        f"Số mới tiếp nhận trong kỳ: {n(d['new_total'])} (trực tuyến: {n(d['new_online'])}, trực tiếp và qua dịch vụ bưu chính: "
        f"{n(d['new_direct'] + d['new_postal'])}); số từ kỳ trước chuyển qua: {n(d['carried_over'])}."
    )))
    if d["resolved_total"]:
        out.append(Block("bullet", (
            f"Số lượng hồ sơ đã giải quyết: {n(d['resolved_total'])}; trong đó, giải quyết trước hạn: {n(d['resolved_early'])}, "
            f"đúng hạn: {n(d['resolved_on_time'])}, trễ hạn: {n(d['resolved_late'])}. Tỷ lệ hồ sơ giải quyết đúng và trước hạn đạt "
            f"{percent(d.get('on_time_rate'))} trên tổng số hồ sơ đã giải quyết."
        )))
    else:
        out.append(Block("bullet", "Trong kỳ, không phát sinh hồ sơ đã giải quyết xong."))
    ended = d["refused"] + d["withdrawn"] + d["stopped"]
    if ended:
        out.append(Block("bullet", (
            f"Số lượng hồ sơ kết thúc không có kết quả giải quyết: {n(ended)}; trong đó, từ chối giải quyết: {n(d['refused'])}, "
            f"công dân rút hồ sơ: {n(d['withdrawn'])}, dừng xử lý: {n(d['stopped'])}."
        )))
    else:
        out.append(Block("bullet", "Không phát sinh hồ sơ bị từ chối giải quyết, rút hồ sơ hoặc dừng xử lý."))
    if d["in_progress_total"]:
        out.append(Block("bullet", (
            f"Số lượng hồ sơ đang giải quyết: {n(d['in_progress_total'])}; trong đó, trong hạn: {n(d['in_progress_within'])}, "
            f"quá hạn: {n(d['in_progress_overdue'])}."
        )))
    else:
        out.append(Block("bullet", "Không còn hồ sơ đang giải quyết vào cuối kỳ."))
    levels = [(lv, v) for lv, v in (d.get("by_level") or {}).items() if v and v.get("received_total")]
    if levels:
        parts = ", ".join(f"{LEVEL_NAMES.get(lv, lv)} {n(v['received_total'])} hồ sơ" for lv, v in levels)
        out.append(Block("bullet", f"Phân theo cấp chính quyền: tiếp nhận giải quyết {n(d['received_total'])} hồ sơ ({parts})."))
        for lv, v in levels:
            late = f"quá hạn {n(v['resolved_late'])} hồ sơ" if v["resolved_late"] else "không có hồ sơ quá hạn"
            resolved = (
                f"đã giải quyết {n(v['resolved_total'])} hồ sơ (giải quyết đúng và trước hạn {n(v['resolved_in_time'])} hồ sơ, "
                f"đạt tỷ lệ {percent(v.get('on_time_rate'))}; {late})"
                if v["resolved_total"] else "chưa có hồ sơ giải quyết xong"
            )
            overdue = f"quá hạn {n(v['in_progress_overdue'])} hồ sơ" if v["in_progress_overdue"] else "không có hồ sơ quá hạn"
            progress = (
                f"đang giải quyết {n(v['in_progress_total'])} hồ sơ (trong hạn {n(v['in_progress_within'])} hồ sơ, {overdue})"
                if v["in_progress_total"] else "không còn hồ sơ đang giải quyết"
            )
            out.append(Block("sub", f"{LEVEL_LONG.get(lv, lv)}: tiếp nhận {n(v['received_total'])} hồ sơ, trong đó {resolved}; {progress}."))
    return out


def catalogue_blocks(figures: dict, period) -> list[Block]:
    c = figures.get("catalogue") or {}
    out: list[Block] = []
    if not c:
        return out
    pubs = c.get("publications") or {}
    total_pub = sum(int(v or 0) for v in pubs.values())
    kinds = [(pubs.get(k), word) for k, word in PUBLICATION_KINDS if pubs.get(k)]
    if len(kinds) > 1:
        out.append(Block("bullet", (
            f"Công bố, công khai TTHC: trong {period_phrase(period)} đã công bố {n(total_pub)} TTHC ("
            + ", ".join(f"{n(v)} TTHC {word}" for v, word in kinds) + ")."
        )))
    elif kinds:
        out.append(Block("bullet", f"Công bố, công khai TTHC: trong {period_phrase(period)} đã công bố {n(total_pub)} TTHC {kinds[0][1]}."))
    else:
        out.append(Block("bullet", f"Trong {period_phrase(period)}, không có TTHC được công bố mới, sửa đổi, bổ sung, thay thế hoặc bãi bỏ."))
    total = int(c.get("procedures_total") or 0)
    by_level = c.get("by_level") or {}
    levels = [lv for lv in ("tinh", "huyen", "xa") if by_level.get(lv)]
    detail = ", ".join(f"{LEVEL_NAMES[lv]}: {n(by_level[lv])} thủ tục" for lv in levels)
    if total:
        out.append(Block("bullet", (
            f"Tổng số TTHC thuộc thẩm quyền giải quyết tính đến thời điểm báo cáo: {n(total)} thủ tục"
            + (f", trong đó: {detail}." if detail else ".")
        )))
    else:
        out.append(Block("bullet", "Tính đến thời điểm báo cáo, không có TTHC thuộc thẩm quyền giải quyết."))
    inter = c.get("interconnection") or {}
    linked = int(inter.get("cung_cap") or 0) + int(inter.get("giua_cac_cap") or 0)
    if linked and total:
        parts = "; ".join(
            f"{word} {n(inter.get(key))} thủ tục" for key, word in (("cung_cap", "liên thông cùng cấp"),
                                                                   ("giua_cac_cap", "liên thông giữa các cấp chính quyền"))
            if inter.get(key)
        )
        out.append(Block("bullet", (
            f"Số TTHC thực hiện theo cơ chế một cửa liên thông là {n(linked)}/{n(total)} thủ tục, chiếm tỷ lệ {percent(_ratio(linked, total))} "
            f"(trong đó: {parts})."
        )))
    elif total:
        out.append(Block("bullet", "Chưa có TTHC thực hiện theo cơ chế một cửa liên thông."))
    return out


def feedback_blocks(figures: dict, period) -> list[Block]:
    f = figures.get("feedback") or _get(figures, "online.feedback") or {}
    if not f:
        return []
    lead = "Kết quả tiếp nhận, xử lý phản ánh, kiến nghị của người dân, tổ chức liên quan đến quy định TTHC: "
    if f.get("available") is False:
        return [Block("bullet", lead + (f.get("note") or "hệ thống chưa có dữ liệu phản ánh, kiến nghị (PAKN)."))]
    if not f.get("received"):
        return [Block("bullet", lead + f"trong {period_phrase(period)}, không phát sinh PAKN.")]
    return [Block("bullet", (
        lead + f"Trong {period_phrase(period)}, tổng số tiếp nhận là {n(f['received'])} PAKN, đã giải quyết xong "
        f"{n(f.get('resolved'))} PAKN, đạt {percent(f.get('rate'))}."
    ))]


def index766_blocks(figures: dict) -> list[Block]:
    """The QĐ 766 index as cchc computed it from its own data: the total on the 100-point scale and the
    rank (or why there is none), each group's points over the points scored, the indicators left out
    (không phát sinh, not computable) and, when none was recorded, the absence of any DVCQG sync."""
    idx = figures.get("index766")
    if not isinstance(idx, dict) or "groups" not in idx:
        return []
    groups = [g for g in idx.get("groups") or [] if isinstance(g, dict) and g.get("scored_maximum")]
    detail = "; ".join(
        f"{_lower_first(str(g.get('name')))} {_points(g.get('score'))}/{_points(g.get('scored_maximum'))} điểm" for g in groups
    )
    scale = _points(idx.get("total_maximum") or 100)
    raw = f"{_points(idx.get('raw_total'))}/{_points(idx.get('scored_maximum'))} điểm của các chỉ số được chấm điểm"
    text = (
        "Theo Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp (Quyết định số 766/QĐ-TTg), "
        "tính từ số liệu của hệ thống cchc (Hệ thống thông tin giải quyết TTHC của tỉnh), "
    )
    if idx.get("total") is not None:
        rescaled = idx.get("scored_maximum") != idx.get("total_maximum")
        text += (
            f"kết quả đạt {_points(idx['total'])}/{scale} điểm, xếp loại {idx.get('band')}"
            + (f" ({raw}, quy đổi về thang {scale} điểm)" if rescaled else "")
        )
    elif idx.get("scored_maximum"):
        text += (
            f"các chỉ số được chấm điểm đạt {raw}; {_lower_first(str(idx.get('band')))} vì các chỉ số tính từ hồ sơ, "
            f"thủ tục phát sinh trong kỳ chỉ chiếm {_points(idx.get('measured_maximum'))}/{scale} điểm "
            f"(cần tối thiểu {_points(idx.get('rank_minimum'))} điểm)"
        )
    else:
        text += f"trong kỳ chưa có chỉ số nào được chấm điểm; {_lower_first(str(idx.get('band')))}"
    text += (f"; trong đó: {detail}." if detail else ".")
    out = [Block("bullet", text)]
    indicators = [i for g in idx.get("groups") or [] for i in g.get("indicators") or [] if isinstance(i, dict)]
    no_data = [i["id"] for i in indicators if i.get("maximum") and i.get("rate") is None and i.get("status") in ("no_data", "scored")]
    not_computable = [i["id"] for i in indicators if i.get("status") == "not_computable"]
    left_out = []
    if no_data:
        rule = "tính đủ điểm" if idx.get("zero_denominator") == "full" else "không tính điểm"
        left_out.append(f"không phát sinh trong kỳ ({rule}): chỉ số {', '.join(no_data)}")
    if not_computable:
        left_out.append(f"không tính được từ dữ liệu của hệ thống: chỉ số {', '.join(not_computable)}")
    if left_out:
        out.append(Block("sub", "Các chỉ số " + "; ".join(left_out) + "."))
    sync = next((i for i in indicators if i.get("metric") == "dossier_sync"), None)
    if sync is not None and sync.get("denominator") and not sync.get("numerator"):
        others = [i for i in idx.get("sync_indicators") or [] if i != sync["id"]]
        out.append(Block("sub", (
            f"Hệ thống chưa ghi nhận hồ sơ nào được đồng bộ lên Cổng Dịch vụ công quốc gia trong kỳ: chỉ số {sync['id']} "
            f"đạt {percent(sync.get('rate'))} (0/{n(sync['denominator'])} hồ sơ)"
            + (f"; chỉ số {', '.join(others)} chỉ tính hồ sơ đã đồng bộ." if others else ".")
        )))
    return out


_points = points


def online_blocks(figures: dict, period) -> list[Block]:
    """Seed 004 sentences: online services, online rates, digitisation by level, online payment."""
    o = figures.get("online") or {}
    d = figures.get("dossiers") or {}
    out: list[Block] = []
    if not o and not d:
        return out
    out.append(Block("subheading", "Cung cấp dịch vụ công trực tuyến, số hóa và thanh toán trực tuyến:"))
    full = o.get("full_online") or {}
    if full.get("eligible"):
        out.append(Block("bullet", (
            f"Đã cung cấp {n(full.get('provided'))}/{n(full.get('eligible'))} dịch vụ công trực tuyến toàn trình trên tổng số TTHC đủ điều kiện, "
            f"đạt {percent(full.get('rate'))}."
        )))
    if d.get("new_total"):
        out.append(Block("bullet", (
            f"Tỷ lệ hồ sơ nộp trực tuyến đạt {percent(_ratio(d.get('new_online'), d.get('new_total')))} "
            f"({n(d.get('new_online'))}/{n(d.get('new_total'))} hồ sơ mới tiếp nhận trong kỳ, không tính tồn đầu kỳ)."
        )))
    svc = o.get("services_with_dossiers") or {}
    if svc.get("with_any"):
        out.append(Block("bullet", (
            f"Tỷ lệ DVC có phát sinh hồ sơ nộp trực tuyến đạt {percent(svc.get('rate'))} ({n(svc.get('with_online'))}/{n(svc.get('with_any'))} dịch vụ)."
        )))
    fo, po = o.get("full_online_dossiers") or {}, o.get("partial_online_dossiers") or {}
    rates = []
    if fo.get("total"):
        rates.append(f"tỷ lệ hồ sơ trực tuyến toàn trình đạt {percent(fo.get('rate'))} ({n(fo.get('online'))}/{n(fo.get('total'))} hồ sơ)")
    if po.get("total"):
        rates.append(f"tỷ lệ hồ sơ trực tuyến một phần đạt {percent(po.get('rate'))} ({n(po.get('online'))}/{n(po.get('total'))} hồ sơ)")
    if rates:
        text = "; ".join(rates)
        out.append(Block("bullet", text[:1].upper() + text[1:] + "."))
    dig = figures.get("digitisation") or o.get("digitisation") or {}
    if dig:
        receipt, result = dig.get("receipt") or {}, dig.get("result") or {}
        per = dig.get("by_level") or {}
        def by_level(kind: str) -> str:
            items = [
                f"{LEVEL_NAMES.get(lv, lv)} đạt {percent((v.get(kind) or {}).get('rate'))}"
                for lv, v in per.items() if (v.get(kind) or {}).get("total")
            ]
            return (", trong đó: " + ", ".join(items)) if len(items) > 1 else ""
        parts = []
        if receipt.get("total"):
            parts.append(f"Tỷ lệ số hóa hồ sơ khi tiếp nhận đạt {percent(receipt.get('rate'))} (không tính tồn đầu kỳ){by_level('receipt')}.")
        if result.get("total"):
            parts.append(f"Tỷ lệ số hóa kết quả đạt {percent(result.get('rate'))} trên tổng số hồ sơ đã giải quyết{by_level('result')}.")
        if parts:
            out.append(Block("bullet", " ".join(parts)))
        else:
            out.append(Block("bullet", "Trong kỳ, không phát sinh hồ sơ để tính tỷ lệ số hóa."))
    fees, fee_dossiers = o.get("fee_procedures") or {}, o.get("fee_dossiers") or {}
    if fees.get("with_fee"):
        text = (
            f"Về triển khai thu phí, lệ phí không dùng tiền mặt: đã tích hợp {n(fees.get('integrated'))}/{n(fees.get('with_fee'))} "
            f"thủ tục hành chính có yêu cầu nghĩa vụ tài chính để thanh toán trực tuyến, đạt tỷ lệ {percent(fees.get('rate'))}"
        )
        if fee_dossiers.get("with_fee"):
            text += (
                f"; có {n(fee_dossiers.get('paid_online'))}/{n(fee_dossiers.get('with_fee'))} hồ sơ có phí, lệ phí được thanh toán trực tuyến, "
                f"đạt {percent(fee_dossiers.get('rate'))}"
            )
        out.append(Block("bullet", text + "."))
    elif fees:
        out.append(Block("bullet", "Không có thủ tục hành chính có yêu cầu nghĩa vụ tài chính thuộc phạm vi báo cáo."))
    return out


def register_blocks(figures: dict, period, unit_name: str) -> dict[str, list[Block]]:
    """Section I from the CCHC registers and the assigned tasks, in the seeds' phrasing (seeds 000, 001, 004), by
    register: plan completion, directive documents issued (listed), inspections, communication, tasks. A register
    the unit never kept (figures["registers"]) says nothing — its sub-section then asks for the unit's text —
    and one it keeps speaks even when nothing happened in it."""
    kept = figures.get("registers") if isinstance(figures.get("registers"), dict) else {}
    when = period_phrase(period)
    out: dict[str, list[Block]] = {}
    plan = figures.get("plan") or {}
    if plan.get("total") and kept.get("plan", True):
        out["plan"] = [Block("bullet", (
            f"Kết quả, {when} {unit_name} đã hoàn thành {n(plan.get('done'))}/{n(plan.get('total'))} chỉ tiêu nhiệm vụ "
            f"của kế hoạch cải cách hành chính năm {plan.get('year') or period.end.year}, đạt {percent(plan.get('rate'))}."
        ))]
    docs = figures.get("directives") or {}
    if docs.get("count"):
        items = docs.get("items") or []  # a consolidation adds up the counts of its units, without their lists
        more = "" if len(items) >= docs["count"] else f" (kể ra {n(len(items))} văn bản đầu tiên)"
        said = f"Trong {when}, {unit_name} đã ban hành {n(docs['count'])} văn bản chỉ đạo, điều hành về cải cách hành chính"
        out["directives"] = (
            [Block("bullet", f"{said}{more}, gồm:")] + [Block("sub", document_line(item)) for item in items] if items
            else [Block("bullet", f"{said}.")]
        )
    elif docs and kept.get("directives"):
        out["directives"] = [Block("bullet", f"Trong {when}, {unit_name} không ban hành văn bản chỉ đạo, điều hành mới về cải cách hành chính.")]
    ins = figures.get("inspections") or {}
    if ins.get("inspections"):
        targets = [
            f"{n(ins[key])} {label}" for key, label in
            (("departments", "sở, ban, ngành"), ("districts", "UBND cấp huyện"), ("communes", "UBND cấp xã"), ("internal", "lượt tự kiểm tra nội bộ"))
            if ins.get(key)
        ]
        text = f"Về công tác kiểm tra cải cách hành chính: trong {when} đã tổ chức {n(ins['inspections'])} cuộc kiểm tra"
        text += f" tại {', '.join(targets)}" if targets else ""
        if ins.get("issues_found"):
            text += (
                f"; qua kiểm tra đã phát hiện {n(ins['issues_found'])} vấn đề, đã xử lý xong {n(ins.get('issues_resolved'))} vấn đề, "
                f"đạt {percent(ins.get('rate'))}"
            )
        else:
            text += "; qua kiểm tra không phát hiện vấn đề phải xử lý"
        out["inspections"] = [Block("bullet", text + ".")]
    elif ins and kept.get("inspections"):
        out["inspections"] = [Block("bullet", f"Trong {when}, {unit_name} không tổ chức kiểm tra cải cách hành chính.")]
    com = figures.get("communication") or {}
    said = []
    if com.get("articles"):
        said.append(f"viết được {n(com['articles'])} tin, bài phản ánh kết quả thực hiện công tác cải cách hành chính")
    if com.get("programmes"):
        said.append(f"xây dựng {n(com['programmes'])} lượt chuyên mục về cải cách hành chính")
    if com.get("meetings"):
        said.append(
            f"tuyên truyền được {n(com['meetings'])} cuộc, có {n(com.get('meeting_participants'))} lượt cán bộ, công chức, viên chức "
            "và người dân tham dự"
        )
    if com.get("other"):
        extra = f", có {n(com['other_participants'])} lượt tham dự" if com.get("other_participants") else ""
        said.append(f"thực hiện {n(com['other'])} hoạt động tuyên truyền bằng hình thức khác{extra}")
    if said:
        out["communication"] = [Block("bullet", f"Về công tác tuyên truyền cải cách hành chính: trong {when} đã {'; '.join(said)}.")]
    elif com and kept.get("communication"):
        out["communication"] = [Block("bullet", f"Trong {when}, {unit_name} không tổ chức hoạt động tuyên truyền cải cách hành chính.")]
    tasks = figures.get("tasks") or {}
    if tasks.get("assigned_total"):
        out["tasks"] = [Block("bullet", sentence.strip()) for sentence in task_sentences(tasks, when) if sentence.strip()]
    elif tasks and kept.get("tasks"):
        out["tasks"] = [Block("bullet", (
            f"Trong {when}, {unit_name} không có nhiệm vụ được Chính phủ, Thủ tướng Chính phủ, Ủy ban nhân dân, "
            "Chủ tịch Ủy ban nhân dân cấp trên giao."
        ))]
    return out


def period_phrase(period) -> str:
    """'quý III năm 2023' for presets; 'kỳ báo cáo (từ 01/7/2023 đến 13/9/2023)' for a custom window."""
    if getattr(period, "kind", "") == "tuy_chon":
        return f"kỳ báo cáo ({period.label})"
    return period.label


def form_sentences(table: FormTable, unit_name: str, period) -> list[Block]:
    """Sentences of the rows with a value: a row's own `sentence`/`zero` template, or (for
    rows entered by hand) 'Chỉ tiêu: giá trị đơn vị'. Rows a used template already names are not repeated;
    computed rows without a template are spoken by the section's own sentences."""
    form, values = table.form, table.values

    def v(stt) -> str:
        stt = str(stt)  # str.format turns "{v[2]}" into the integer 2
        val = values.get(stt)
        if val is None:
            return "…"
        row = form.row(stt)
        return percent(val) if row.kind == "percent" else formdefs.fmt(row, val)

    class _V(dict):
        def __missing__(self, key):
            return v(key)

    def template_of(row) -> str:
        value = values.get(row.stt)
        if row.is_heading or value is None:
            return ""
        template = row.zero if (value == 0 and row.zero) else row.sentence
        refs = _REF.findall(template)
        if any(values.get(r) is None for r in refs):
            return ""
        return template

    used = {row.stt: template_of(row) for row in form.rows}
    spoken = {r for t in used.values() for r in _REF.findall(t)}
    context = {"period": period_phrase(period), "unit": unit_name, "year": period.year}
    out: list[Block] = []
    for row in form.rows:
        value = values.get(row.stt)
        if row.is_heading or value is None:
            continue
        template = used[row.stt]
        if template:
            text = template.format(value=v(row.stt), v=_V(), choice=formdefs.choice_label(row, value), **context)
        elif row.stt in spoken or row.computed:
            continue
        elif row.rate_of and all(form.row(r).computed for r in row.rate_of):
            continue
        else:
            if row.kind in ("flag", "choice"):
                shown = formdefs.choice_label(row, value)
            elif row.kind == "percent":
                shown = percent(value)
            else:
                shown = f"{formdefs.fmt(row, value)} {_lower_first(row.unit)}".strip()
            text = f"{row.label.rstrip('.')}: {shown}."
        out.append(Block("bullet", text))
    return out


_REF = re.compile(r"\{v\[([^\]]+)\]\}")


# --- the report -----------------------------------------------------------------------------

def dossier_scope(session: Session, unit: Unit) -> Unit:
    """The unit whose subtree holds the dossiers a report counts: for a People's Committee agency (`ubnd`)
    under an area, the area — its dossiers are received by the area's service centre, a sibling of the
    committee, not under it; otherwise the unit itself."""
    if unit.kind == "ubnd" and not unit.is_area and unit.parent_id is not None:
        parent = session.get(Unit, unit.parent_id)
        if parent is not None and parent.is_area:
            return parent
    return unit


def default_figures(session: Session, unit: Unit, start: date, end: date) -> dict:
    """all_figures of the unit, with: whose dossiers they are when a People's Committee's service centre receives
    them (the area's figures, the committee's own registers and tasks), which registers the unit keeps, and the
    dossiers by procedure field."""
    scope = dossier_scope(session, unit)
    figures = all_figures(session, scope, start, end)
    if scope is not unit:
        figures.update(reform_figures(session, unit, start, end))
        figures["tasks"] = task_figures(session, unit, start, end)
        figures["unit"] = {"code": unit.code, "name": unit.name, "level": unit.level, "kind": unit.kind}
        receivers = [u["unit_name"] for u in (figures.get("dossiers") or {}).get("by_unit") or []]
        figures["dossier_scope"] = {"code": scope.code, "area": lower_first(scope.name), "receivers": receivers}
    figures["registers"] = registers_in_use(session, unit, end)
    # Charted by level, a unit needs of its fields only where the late and overdue dossiers are (the drafts).
    levels = [lv for lv, v in ((figures.get("dossiers") or {}).get("by_level") or {}).items() if (v or {}).get("received_total")]
    figures["by_field"] = field_figures(session, scope, start, end, late_only=len(levels) > 1)
    return figures


def default_trend(session: Session, unit: Unit, start: date, end: date) -> dict:
    return dossier_figures(session, dossier_scope(session, unit), start, end)


@lru_cache(maxsize=1)
def _two_tier_changes() -> dict:
    return yaml.safe_load((formdefs.FORMS_DIR / "two_tier.yaml").read_text(encoding="utf-8")).get("forms") or {}


def _two_tier_form(form: formdefs.FormDef, change: dict) -> formdefs.FormDef:
    omit = {str(s) for s in change.get("omit") or ()}
    labels = {str(k): str(v) for k, v in (change.get("labels") or {}).items()}
    units = {str(k): str(v) for k, v in (change.get("units") or {}).items()}
    rows = tuple(
        dataclasses.replace(
            r, label=labels.get(r.stt, r.label), unit=units.get(r.stt, r.unit),
            parts=tuple(x for x in r.parts if x not in omit), also_sum_of=tuple(x for x in r.also_sum_of if x not in omit),
        )
        for r in form.rows if r.stt not in omit
    )
    return dataclasses.replace(form, rows=rows)


def district_figures(figures: dict) -> bool:
    """The figures hold something of a district (cấp huyện): dossiers received at that level, its procedures,
    districts inspected — a window reaching back before 1/7/2025."""
    paths = ("dossiers.by_level.huyen.received_total", "catalogue.by_level.huyen", "inspections.districts")
    return any(formdefs.to_decimal(formdefs.lookup(figures, path)) for path in paths)


def report_forms(period=None, figures: dict | None = None) -> tuple[formdefs.FormDef, ...]:
    """Biểu mẫu 1–7 as a period's report shows them: for a window ending on or after 1/7/2025 (two-tier local
    government) whose figures hold nothing of a district, without the district rows and with the rows that named
    districts reworded (cchc/data/forms/two_tier.yaml)."""
    forms = formdefs.load_forms()
    if period is None or period.end < TWO_TIER_FROM or district_figures(figures or {}):
        return forms
    changes = _two_tier_changes()
    return tuple(_two_tier_form(f, changes[f.number]) if changes.get(f.number) else f for f in forms)


def build_tables(figures: dict, manual: dict[int, dict], notes: dict[int, dict], *, period=None) -> list[FormTable]:
    """Biểu mẫu 1–7 with every value: computed from `figures`, entered by hand, or derived (rates). The rows of
    a register the unit never kept are blank, not 0; `period` chooses the forms' wording (report_forms)."""
    tables = []
    known = without_unkept(figures)
    for form in report_forms(period, figures):
        values = formdefs.compute_values(form, known, manual.get(form.number, {}))
        row_notes = {r.stt: r.note for r in form.rows if r.note}
        row_notes.update(notes.get(form.number, {}))
        tables.append(FormTable(form=form, values=values, notes=row_notes))
    return tables


@dataclass
class FormsContext:
    """What the Biểu mẫu workbook needs: the unit, the period and the seven tables."""

    unit_id: int
    unit_code: str
    unit_name: str
    period: object
    tables: list[FormTable]
    figures: dict


def forms_context(session: Session, unit: Unit | str, period, *, figures_provider: FiguresProvider | None = None) -> FormsContext:
    if isinstance(unit, str):
        unit = reform.find_unit(session, unit, period.end)
    figures = (figures_provider or default_figures)(session, unit, period.start, period.end)
    manual = reform.manual_values(session, unit.id, period.start, period.end)
    notes = reform.manual_notes(session, unit.id, period.start, period.end)
    _, _, unit_phrase, _ = issuing_body(session, unit)
    return FormsContext(unit.id, unit.code, unit_phrase, period, build_tables(figures, manual, notes, period=period), figures)


def build_sections(layout: dict, figures: dict, texts: dict[str, str], by_number: dict, period, unit_phrase: str,
                   trend: list[TrendPoint], next_title: str, next_year: int) -> list[Section]:
    """The body, section by section (report.yaml `sections`):

    - the system's figures (`figures: dossiers|online`) always speak, after what the unit typed there;
    - the register sentences (`registers`) and the sentences of figures entered by hand (`forms`) are replaced by
      what the unit typed for the section, never repeated beside it;
    - a drafted section (`draft`) without the unit's text gets the draft, marked as one;
    - only a section without sub-sections, with nothing in it, says that nothing was entered.
    """
    keys = [s["key"] for s in layout["sections"]]
    registers = register_blocks(figures, period, unit_phrase)
    rules = layout.get("drafting") or {}
    sections: list[Section] = []
    for spec in layout["sections"]:
        key = spec["key"]
        title = spec["title"] + (f" {next_title}" if spec.get("append_next_period") else "")
        sec = Section(key, title, int(spec.get("level", 1)))
        typed = texts.get(key, "").strip() if spec.get("narrative", True) else ""
        figures_kind = spec.get("figures")
        computed: list[Block] = []
        if figures_kind == "dossiers":
            computed += catalogue_blocks(figures, period) + dossier_blocks(figures, period)
            computed += feedback_blocks(figures, period) + index766_blocks(figures)
        elif figures_kind == "online":
            computed += online_blocks(figures, period)
        covered: list[Block] = [b for reg in spec.get("registers", []) for b in registers.get(reg, [])]
        for number_ in spec.get("forms", []):
            if number_ in by_number:
                covered += form_sentences(by_number[number_], unit_phrase, period)
        if typed:
            sec.blocks += narrative_blocks(typed)
            if figures_kind:
                sec.blocks += covered  # a note beside the system's figures covers none of them
        else:
            sec.blocks += covered
            if spec.get("draft"):
                pieces = draft(spec["draft"], figures, trend, rules, year=next_year)
                if pieces:
                    sec.blocks.append(Block("draft_note", layout["draft_note"], draft=True))
                    sec.blocks += [Block(kind, text, draft=True) for kind, text in pieces]
        sec.blocks += computed
        has_children = any(k.startswith(key + ".") for k in keys)
        if not sec.blocks and not has_children:
            sec.blocks.append(Block("missing", layout["missing_text"]))
        sections.append(sec)
    return sections


def build_report(
    session: Session,
    unit: Unit | str,
    period,
    *,
    narrative: str | None = None,
    report_date: date | None = None,
    figures_provider: FiguresProvider | None = None,
    trend_provider: FiguresProvider | None = None,
    trend_periods: int = 3,
    manual: dict[int, dict] | None = None,
    manual_notes: dict[int, dict] | None = None,
) -> Report:
    """Everything a writer needs, checked (ReportCheckFailed) before it is returned.

    `narrative`: Markdown text of a --narrative file; it overrides the stored narrative section by section.
    `manual`, `manual_notes`: the values and notes of the rows entered by hand, instead of the unit's own (the
    consolidated report adds up its units').
    """
    if isinstance(unit, str):
        unit = reform.find_unit(session, unit, period.end)
    layout = formdefs.report_layout()
    figures = (figures_provider or default_figures)(session, unit, period.start, period.end)
    texts = reform.get_narratives(session, unit.id, period.start, period.end)
    if narrative:
        texts.update(reform.parse_narrative_markdown(narrative))
    if manual is None:
        manual = reform.manual_values(session, unit.id, period.start, period.end)
    notes = manual_notes if manual_notes is not None else reform.manual_notes(session, unit.id, period.start, period.end)

    tables = build_tables(figures, manual, notes, period=period)
    by_number = {t.form.number: t for t in tables}

    superior, body, unit_phrase, area = issuing_body(session, unit)
    where = letterhead.place_of(session, unit)
    today = report_date or clock.today()
    place = texts.get("dia_danh") or (_area_name(area) if area is not None else "")
    abbr = texts.get("ky_hieu") or letterhead.abbreviation(unit, where, layout)
    number = texts.get("so", "").strip()
    ctx = {"period": period.label, "unit": unit_phrase}
    recipients = (
        [line.strip().lstrip("-").strip() for line in texts["noi_nhan"].splitlines() if line.strip()]
        if texts.get("noi_nhan") else letterhead.recipients(where, layout)
    )
    committee = unit.is_area or where.committee_of is not None
    signature_default = layout["signature"].get("ubnd" if committee else unit.kind, layout["signature"]["default"])
    signature = [s.strip() for s in texts["chuc_vu_ky"].splitlines() if s.strip()] if texts.get("chuc_vu_ky") else list(signature_default)
    header = Header(
        superior=superior,
        body=body,
        number=f"Số: {number or ' ' * 6}/BC-{abbr}",
        place_date=f"{place}, {vn.fmt_long_date(today)}" if place else vn.fmt_long_date(today)[:1].upper() + vn.fmt_long_date(today)[1:],
        subject=layout["subject"].format(**ctx),
        window=layout["window"].format(start=vn.fmt_date(period.start), end=vn.fmt_date(period.end)),
        recipient=texts.get("kinh_gui") or letterhead.recipient(where, layout),
        legal_basis=texts.get("can_cu") or letterhead.legal_basis(session, unit, where, layout, unit_phrase=unit_phrase, period=period),
        recipients=recipients,
        signature=signature,
        signer=texts.get("nguoi_ky", "").strip() or letterhead.signer_name(session, unit, where),
    )

    trend, trend_figures = [], []
    if trend_periods:
        provider = trend_provider or default_trend
        for p in previous_periods(period, trend_periods):
            fig = provider(session, unit, p.start, p.end)
            trend_figures.append((p.label, fig))
            if fig.get("received_total"):  # a period with no dossier (before the unit existed) is no point of a trend
                trend.append(TrendPoint(p.label, fig.get("on_time_rate"), _ratio(fig.get("new_online"), fig.get("new_total"))))
        d = figures.get("dossiers") or {}
        trend.append(TrendPoint(period.label, d.get("on_time_rate"), _ratio(d.get("new_online"), d.get("new_total"))))

    next_title = str((layout.get("next_period") or {}).get(getattr(period, "preset", None) or "", layout.get("next_period_default", "KỲ TỚI")))
    next_title = next_title.format(year=period.year, next_year=period.year + 1)
    next_year = period.year + 1 if getattr(period, "preset", None) in ("Q4", "Y") else period.year
    sections = build_sections(layout, figures, texts, by_number, period, unit_phrase, trend, next_title, next_year)

    report = Report(
        unit_code=unit.code,
        unit_name=unit_phrase,
        period=period,
        report_date=today,
        header=header,
        sections=sections,
        closing=layout["closing"].format(**ctx),
        tables=tables,
        figures=figures,
        trend=trend,
        trend_figures=trend_figures,
        appendix_title=layout["appendix_title"],
        appendix_ref=f"(Kèm theo Báo cáo số {number or '      '}/BC-{abbr} {vn.fmt_long_date(today)} của {unit_phrase})",
    )
    add_service_quality(report)
    check_report(report)
    return report


CHART_MOST = 8  # bars of a chart by unit or by procedure field, the largest first


def rate_groups(dossiers: dict, by_field: list[dict], *, one_bar: bool = False) -> dict[str, tuple[str, list[tuple[str, float]]]]:
    """The on-time and online rates grouped as fits the unit: by level when its dossiers were received at more
    than one level; otherwise by receiving unit when several received them, else by procedure field, a chart of
    which is drawn only with two bars or more (the first grouping that gives them, for each rate):
    {"on_time": (by, items), "online": (by, items)}, `by` being 'cấp', 'đơn vị', 'lĩnh vực' or '' (no chart).
    `one_bar`: failing those, the one level (a page that always shows its chart)."""
    by_level = dossiers.get("by_level") or {}
    levels = [(LEVEL_NAMES[lv].capitalize(), by_level[lv]) for lv in ("tinh", "huyen", "xa") if (by_level.get(lv) or {}).get("received_total")]
    units = sorted((u for u in dossiers.get("by_unit") or [] if u.get("received_total")), key=lambda u: (-u["received_total"], u["unit_name"]))
    fields = [f for f in by_field or [] if f.get("new_total") or f.get("resolved_total")]
    groupings = [("cấp", levels)] if len(levels) > 1 else [("đơn vị", [(u["unit_name"], u) for u in units]),
                                                          ("lĩnh vực", [(f["field_name"], f) for f in fields])]
    if one_bar and len(levels) == 1:
        groupings.append(("cấp", levels))

    def first(rate_of) -> tuple[str, list]:
        for by, rows in groupings:
            items = [(label, r) for label, r in ((label, rate_of(v)) for label, v in rows) if r is not None]
            if len(items) > 1 or (items and by == "cấp"):  # by level, a level without the rate is still a level
                return by, items[:CHART_MOST]
        return "", []

    return {
        "on_time": first(lambda v: float(v["on_time_rate"]) if v.get("resolved_total") and v.get("on_time_rate") is not None else None),
        "online": first(lambda v: _ratio(v.get("new_online"), v.get("new_total")) if v.get("new_total") else None),
    }


def chart_data(report: Report) -> dict:
    """Numbers behind the report's charts: the rates grouped as fits the unit (rate_groups) and the trend, which
    keeps the periods that have a rate."""
    groups = rate_groups(report.figures.get("dossiers") or {}, report.figures.get("by_field") or [])
    trend = [p for p in report.trend if p.on_time_rate is not None or p.online_rate is not None]
    return {**groups, "trend": trend}


# --- satisfaction and liên thông (issue #12, item 6) -----------------------------------------------

def add_service_quality(report: Report) -> None:
    """The citizens' satisfaction (figures["satisfaction"], cchc.stats.satisfaction) and the unit's part in
    liên thông dossiers received by other units (figures["interagency"], cchc.stats.interagency): their
    sentences in the section of the dossier figures, before the 766 index, and the satisfaction Biểu mẫu
    after the others. Figures without these keys (a consolidated or hand-made set) get nothing."""
    layout = formdefs.report_layout()
    key = next((s["key"] for s in layout["sections"] if s.get("figures") == "dossiers"), None)
    section = next((s for s in report.sections if s.key == key), None)
    if section is None:
        return
    blocks = satisfaction_blocks(report.figures, report.period) + interagency_blocks(report.figures, report.period,
                                                                                      report.unit_name)
    first_766 = index766_blocks(report.figures)[:1]
    at = section.blocks.index(first_766[0]) if first_766 and first_766[0] in section.blocks else len(section.blocks)
    section.blocks[at:at] = blocks
    number = max((t.form.number for t in report.tables), default=0) + 1
    form = formdefs.satisfaction_form(report.figures, number, section.key)
    if form is not None:
        values = formdefs.compute_values(form, report.figures, {})
        report.tables.append(FormTable(form=form, values=values, notes={r.stt: r.note for r in form.rows if r.note}))


def _satisfied(group: dict) -> str:
    """«5/6 phiếu hài lòng, đạt 83,33%»: the fraction first, as the seeds write a rate."""
    return f"{n(group.get('satisfied_total'))}/{n(group.get('ratings'))} phiếu hài lòng, đạt {percent(group.get('rate'))}"


def satisfaction_blocks(figures: dict, period) -> list[Block]:
    """Seed 000's «Kết quả thực hiện việc đánh giá chất lượng giải quyết TTHC» from the ratings: the sample
    and its levels, the satisfied rate, the points and the weakest criterion, then by level, channel and
    way of rating when there is more than one, and the units with dissatisfied ratings."""
    sat = figures.get("satisfaction")
    if not isinstance(sat, dict):
        return []
    out = [Block("subheading", "Kết quả đánh giá mức độ hài lòng của người dân, tổ chức đối với việc giải quyết TTHC:")]
    when = period_phrase(period)
    if not sat.get("ratings"):
        out.append(Block("bullet", f"Trong {when}, hệ thống chưa ghi nhận phiếu đánh giá nào của người dân, tổ chức đối với việc giải quyết TTHC."))
        return out
    out.append(Block("bullet", (
        f"Trong {when}, hệ thống ghi nhận {n(sat['ratings'])} phiếu đánh giá việc giải quyết TTHC (theo Thông tư số "
        f"01/2018/TT-VPCP), trong đó: rất hài lòng {n(sat.get('very_satisfied'))} phiếu, hài lòng {n(sat.get('satisfied'))} phiếu, "
        f"không hài lòng {n(sat.get('not_satisfied'))} phiếu. Tỷ lệ hài lòng (hài lòng và rất hài lòng) là "
        f"{n(sat.get('satisfied_total'))}/{n(sat['ratings'])} phiếu, đạt {percent(sat.get('rate'))}."
    )))
    rated = [c for c in (sat.get("criteria") or {}).values() if c.get("rated")]
    text = f"Điểm đánh giá là {n(sat.get('points'))}/{n(sat.get('max_points'))} điểm, đạt {percent(sat.get('score_rate'))} số điểm tối đa"
    weakest = min(rated, key=lambda c: (c["rate"], c["number"]), default=None)
    if weakest is not None and weakest["rate"] < 100:
        text += (
            f"; tiêu chí có tỷ lệ điểm thấp nhất là tiêu chí {weakest['number']} «{weakest['name']}» với "
            f"{n(weakest['points'])}/{n(weakest['max_points'])} điểm, đạt {percent(weakest['rate'])}"
        )
    out.append(Block("bullet", text + "."))
    for key, title, labels in (
        ("by_level", "Theo cấp tiếp nhận hồ sơ", LEVEL_NAMES),
        ("by_channel", "Theo kênh nộp hồ sơ", {"truc_tiep": "trực tiếp", "truc_tuyen": "trực tuyến", "buu_chinh": "bưu chính công ích"}),
        ("by_via", "Theo hình thức đánh giá", {"chu_ho_so": "chủ hồ sơ đánh giá trực tuyến", "tai_quay": "tại Bộ phận Một cửa"}),
    ):
        groups = [(k, g) for k, g in (sat.get(key) or {}).items() if g.get("ratings")]
        if len(groups) > 1:  # one group only repeats the total
            out.append(Block("sub", f"{title}: " + "; ".join(f"{labels.get(k, k)} {_satisfied(g)}" for k, g in groups) + "."))
    units = [u for u in (sat.get("by_unit") or {}).values() if u.get("not_satisfied")]
    if len(sat.get("by_unit") or {}) > 1 and units:
        units.sort(key=lambda u: (u["rate"], u["unit_code"]))
        shown = "; ".join(f"{u['unit_name']} {_satisfied(u)}" for u in units[:5])
        more = f"; và {n(len(units) - 5)} đơn vị khác (xem Phụ lục)" if len(units) > 5 else ""
        out.append(Block("sub", f"Đơn vị có phiếu không hài lòng (tỷ lệ hài lòng thấp nhất trước): {shown}{more}."))
    return out


def _interagency_text(f: dict) -> str:
    """The unit's part, not the dossier's end: «hoàn thành phần việc», judged by the unit's own step deadlines;
    «không còn …» rather than «0 hồ sơ (… 0 hồ sơ)» for a part that has none."""
    done = (
        f"đã hoàn thành phần việc của đơn vị đối với {n(f['resolved_total'])} hồ sơ (đúng thời hạn các bước "
        f"{n(f['resolved_in_time'])} hồ sơ, quá hạn {n(f['resolved_late'])} hồ sơ)"
        if f.get("resolved_total") else "chưa hoàn thành phần việc của đơn vị đối với hồ sơ nào"
    )
    doing = (
        f"đang xử lý {n(f['in_progress_total'])} hồ sơ (trong hạn {n(f['in_progress_within'])} hồ sơ, "
        f"quá hạn {n(f['in_progress_overdue'])} hồ sơ)"
        if f.get("in_progress_total") else "không còn hồ sơ đang xử lý"
    )
    return f"{done}; {doing}"


def interagency_blocks(figures: dict, period, unit_name: str) -> list[Block]:
    """Seed 004's liên thông sentence for the unit's part in dossiers received by other units (by its own
    step deadlines), and the units under it that took part; nothing when no unit took part."""
    f = figures.get("interagency")
    if not isinstance(f, dict):
        return []
    children = [u for u in f.get("by_unit") or [] if u.get("received_total")]
    if not f.get("received_total") and not children:
        return []
    out = [Block("subheading", "Kết quả tham gia giải quyết hồ sơ liên thông (hồ sơ do đơn vị khác tiếp nhận):")]
    when = period_phrase(period)
    if f.get("received_total"):
        out.append(Block("bullet", (
            f"Trong {when}, {unit_name} đã tham gia giải quyết {n(f['received_total'])} hồ sơ liên thông trên Hệ thống thông tin "
            f"giải quyết TTHC"
            + (f" (từ kỳ trước chuyển qua {n(f['carried_over'])} hồ sơ, mới {n(f['new_total'])} hồ sơ)"
               if f.get("carried_over") and f.get("new_total") else "")
            + f". Trong đó, {_interagency_text(f)}"
            + (f"; tỷ lệ hoàn thành đúng hạn là {n(f['resolved_in_time'])}/{n(f['resolved_total'])} hồ sơ, "
               f"đạt {percent(f.get('on_time_rate'))}." if f.get("resolved_total") else ".")
        )))
    if children:
        out.append(Block("bullet", "Các cơ quan, đơn vị trực thuộc tham gia giải quyết hồ sơ liên thông do đơn vị khác tiếp nhận:"))
    for u in children:
        out.append(Block("sub", f"{u['unit_name']}: tham gia giải quyết {n(u['received_total'])} hồ sơ; {_interagency_text(u)}."))
    return out
