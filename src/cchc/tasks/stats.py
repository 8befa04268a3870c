"""Figures of assigned tasks per unit and window, in the seeds' phrasing — all counted in SQL.

Which tasks: those whose lead unit is the unit or under it (units.path LIKE), assigned up to the window's
end, except those already done before the window starts (tasks carried over from earlier periods and
still open at its start are counted, as "từ kỳ trước chuyển qua").

The state of each task is taken *as of the window's end* from its timestamps, so a past window reads the
same later: done = confirmed (done_at) by the end; waiting for confirmation = reported by the end and not
returned since; in progress = accepted by the end; otherwise waiting for acceptance. Overdue = the deadline
in force (extended or original) is before the reference day, min(window end, today); a done task is on time
or late by its `on_time` flag (completion day vs the deadline in force).

Every task falls in exactly one leaf bucket:
    assigned_total = waiting_acceptance + in_progress + waiting_confirmation + done_total
    done_total = done_on_time + done_late
    not_done_total = assigned_total − done_total = not_done_within + not_done_overdue
`returned` (in progress after a return) and `extended` (at least one extension) are counts across buckets.

Tỷ lệ hoàn thành đúng hạn (data/tasks.yaml, on_time_rate): done_on_time / (done_total + not_done_overdue),
i.e. among the tasks that are done or whose deadline has passed — seed 004: 4.078 / (4.182 + 63) = 96,07%.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.errors import ValidationError
from cchc.tasks.enums import Source, TaskState
from cchc.tasks.models import Task
from cchc.tasks.rules import rules
from cchc.units.models import Unit

LEAVES = (
    "waiting_acceptance_within",
    "waiting_acceptance_overdue",
    "in_progress_within",
    "in_progress_overdue",
    "waiting_confirmation_within",
    "waiting_confirmation_overdue",
    "done_on_time",
    "done_late",
)
EXTRA = ("returned", "extended", "carried_over")

KEYS = (
    "assigned_total", "waiting_acceptance", "waiting_acceptance_within", "waiting_acceptance_overdue",
    "in_progress", "in_progress_within", "in_progress_overdue", "waiting_confirmation",
    "waiting_confirmation_within", "waiting_confirmation_overdue", "done_total", "done_on_time", "done_late",
    "returned", "not_done_total", "not_done_within", "not_done_overdue", "on_time_rate", "extended", "carried_over",
)


def _as_unit(session: Session, unit) -> Unit | None:
    if unit is None or isinstance(unit, Unit):
        return unit
    found = session.get(Unit, int(unit))
    if found is None:
        raise ValidationError(f"Không tìm thấy đơn vị có mã số {unit}.")
    return found


def _leaf_columns(start: date, end: date, reference: date) -> list:
    after_end = datetime.combine(end + timedelta(days=1), time.min)
    deadline = func.coalesce(Task.extended_deadline, Task.deadline)
    done = and_(Task.state == TaskState.DONE.value, Task.done_at < after_end)
    reported = and_(
        Task.reported_at.is_not(None), Task.reported_at < after_end,
        or_(Task.returned_at.is_(None), Task.returned_at < Task.reported_at, Task.returned_at >= after_end),
    )
    accepted = and_(Task.accepted_at.is_not(None), Task.accepted_at < after_end)
    overdue = deadline < reference
    on_time = Task.on_time.is_(True)
    waiting_conf = and_(not_(done), reported)
    in_progress = and_(not_(done), not_(reported), accepted)
    waiting_acc = and_(not_(done), not_(reported), not_(accepted))
    conditions = {
        "waiting_acceptance_within": and_(waiting_acc, not_(overdue)),
        "waiting_acceptance_overdue": and_(waiting_acc, overdue),
        "in_progress_within": and_(in_progress, not_(overdue)),
        "in_progress_overdue": and_(in_progress, overdue),
        "waiting_confirmation_within": and_(waiting_conf, not_(overdue)),
        "waiting_confirmation_overdue": and_(waiting_conf, overdue),
        "done_on_time": and_(done, on_time),
        "done_late": and_(done, not_(on_time)),
        "returned": and_(in_progress, Task.returned_at.is_not(None), Task.returned_at < after_end),
        "extended": Task.extension_count > 0,
        "carried_over": Task.assigned_at < datetime.combine(start, time.min),
    }
    one, zero = literal(1), literal(0)
    return [func.coalesce(func.sum(case((cond, one), else_=zero)), 0).label(name) for name, cond in conditions.items()]


def _compose(leaf: dict[str, int]) -> dict:
    f = {k: int(leaf.get(k) or 0) for k in (*LEAVES, *EXTRA)}
    f["waiting_acceptance"] = f["waiting_acceptance_within"] + f["waiting_acceptance_overdue"]
    f["in_progress"] = f["in_progress_within"] + f["in_progress_overdue"]
    f["waiting_confirmation"] = f["waiting_confirmation_within"] + f["waiting_confirmation_overdue"]
    f["done_total"] = f["done_on_time"] + f["done_late"]
    f["not_done_within"] = f["waiting_acceptance_within"] + f["in_progress_within"] + f["waiting_confirmation_within"]
    f["not_done_overdue"] = f["waiting_acceptance_overdue"] + f["in_progress_overdue"] + f["waiting_confirmation_overdue"]
    f["not_done_total"] = f["not_done_within"] + f["not_done_overdue"]
    f["assigned_total"] = f["done_total"] + f["not_done_total"]
    f["on_time_rate"] = on_time_rate(f)
    assert f["assigned_total"] == f["waiting_acceptance"] + f["in_progress"] + f["waiting_confirmation"] + f["done_total"]
    return {k: f[k] for k in KEYS}


def on_time_rate(figures: dict) -> Decimal | None:
    """The rate of data/tasks.yaml (percent, 2 decimals, half up); None when the denominator is 0."""
    r = rules()
    numerator = sum(int(figures[k]) for k in r["rate_numerator"])
    denominator = sum(int(figures[k]) for k in r["rate_denominator"])
    if denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def task_figures(session: Session, unit, start: date, end: date, *, today: date | None = None) -> dict:
    """Figures of the tasks led by `unit` (a Unit, its id, or None for every unit) in the window [start, end].

    Returns the keys of KEYS for all tasks, and "by_source": {"chinh_phu": {…}, "ubnd_tinh": {…}}.
    One SQL statement, grouped by source; nothing is loaded row by row.
    """
    if start > end:
        raise ValidationError(f"Ngày bắt đầu ({vn.fmt_date(start)}) phải trước hoặc bằng ngày kết thúc ({vn.fmt_date(end)}).")
    reference = min(end, today or clock.now().date())
    unit = _as_unit(session, unit)
    after_end = datetime.combine(end + timedelta(days=1), time.min)
    before_start = datetime.combine(start, time.min)
    stmt = select(Task.source, *_leaf_columns(start, end, reference)).where(
        Task.assigned_at < after_end,
        or_(Task.state != TaskState.DONE.value, Task.done_at.is_(None), Task.done_at >= before_start),
    )
    if unit is not None:
        stmt = stmt.join(Unit, Unit.id == Task.lead_unit_id).where(Unit.path.like(unit.path + "%"))
    stmt = stmt.group_by(Task.source)
    per_source: dict[str, dict[str, int]] = {s.value: {} for s in Source}
    for row in session.execute(stmt).mappings():
        per_source[row["source"]] = {k: int(v or 0) for k, v in row.items() if k != "source"}
    total = {k: sum(per_source[s].get(k, 0) for s in per_source) for k in (*LEAVES, *EXTRA)}
    result = _compose(total)
    result["by_source"] = {s.value: _compose(per_source[s.value]) for s in Source}
    return result


def window_label(start: date, end: date) -> str:
    """'Từ ngày 1/1/2024 đến ngày 14/6/2024' — how the pages, API and CLI open task_sentences."""
    return f"Từ ngày {vn.fmt_date(start)} đến ngày {vn.fmt_date(end)}"


def _n(x: int) -> str:
    return vn.fmt_int(x)


OPENINGS = ("trong ", "từ ", "thống kê", "tính đến", "tính từ", "đến ", "lũy kế", "luỹ kế")


def _opening(period_label: str) -> str:
    """'quý III năm 2023' → 'Trong quý III năm 2023, '; 'Thống kê từ ngày …' and 'từ ngày …' are kept as written."""
    label = (period_label or "").strip()
    if not label:
        return ""
    return (label if label.lower().startswith(OPENINGS) else f"Trong {label}") + ", "


def task_sentences(figures: dict, period_label: str = "") -> list[str]:
    """The seeds' sentences for a report (seed 004, seed 002, seed 000), from task_figures' result.

    The first sentence is the whole-unit summary ("tổng số nhiệm vụ đã giao … Tỷ lệ hoàn thành đúng hạn là
    …%"); then one sentence per source that has tasks, as seed 002 and seed 000 write them.
    """
    f = figures
    when = _opening(period_label)
    rate = vn.fmt_percent(f["on_time_rate"]) if f["on_time_rate"] is not None else None
    first = (
        f"{when}tổng số nhiệm vụ đã giao trên phần mềm là {_n(f['assigned_total'])} nhiệm vụ, "
        f"trong đó đã hoàn thành {_n(f['done_total'])} nhiệm vụ (bao gồm đúng hạn {_n(f['done_on_time'])}, "
        f"hoàn thành chậm {_n(f['done_late'])}), số nhiệm vụ chưa hoàn thành là {_n(f['not_done_total'])} nhiệm vụ "
        f"(bao gồm trong hạn {_n(f['not_done_within'])}, quá hạn {_n(f['not_done_overdue'])})."
    )
    first = first[0].upper() + first[1:]
    first += f" Tỷ lệ hoàn thành đúng hạn là {rate}." if rate else " Chưa có nhiệm vụ đến hạn để tính tỷ lệ hoàn thành đúng hạn."
    sentences = [first]
    by_source = f.get("by_source") or {}
    givers = {Source.CHINH_PHU.value: "Chính phủ, Thủ tướng Chính phủ", Source.UBND_TINH.value: "UBND tỉnh, Chủ tịch UBND tỉnh"}
    for key, giver in givers.items():
        s = by_source.get(key)
        if not s or not s["assigned_total"]:
            continue
        sentences.append(
            f"{giver} đã giao tổng cộng {_n(s['assigned_total'])} nhiệm vụ, trong đó: "
            f"chờ tiếp nhận {_n(s['waiting_acceptance'])} nhiệm vụ (trong hạn: {_n(s['waiting_acceptance_within'])} nhiệm vụ, "
            f"quá hạn: {_n(s['waiting_acceptance_overdue'])} nhiệm vụ); "
            f"chưa hoàn thành {_n(s['in_progress'])} nhiệm vụ (trong hạn: {_n(s['in_progress_within'])} nhiệm vụ, "
            f"quá hạn: {_n(s['in_progress_overdue'])} nhiệm vụ); "
            f"đã hoàn thành {_n(s['done_total'])} nhiệm vụ (trong hạn: {_n(s['done_on_time'])} nhiệm vụ, "
            f"quá hạn: {_n(s['done_late'])} nhiệm vụ); "
            f"chờ kết thúc {_n(s['waiting_confirmation'])} nhiệm vụ (trong hạn: {_n(s['waiting_confirmation_within'])} nhiệm vụ, "
            f"quá hạn: {_n(s['waiting_confirmation_overdue'])} nhiệm vụ)."
        )
    return sentences


def government_sentence(figures: dict, subject: str = "Tỉnh", period_label: str = "") -> str:
    """Seed 000's sentence on the Government's / Prime Minister's tasks (figures["by_source"]["chinh_phu"]).

    "Trong quý III, năm 2023, Tỉnh có 47 nhiệm vụ được Chính phủ, Thủ tướng Chính phủ giao. Trong đó có 04 nhiệm vụ
    giải quyết đúng hạn và trước hạn; 27 nhiệm vụ đã báo cáo hoàn thành và chờ xác nhận; 16 nhiệm vụ đang thực hiện
    và chưa tới hạn giải quyết." — parts that are zero are left out.
    """
    g = figures["by_source"][Source.CHINH_PHU.value]
    when = f"Trong {period_label.strip()}, " if period_label and period_label.strip() else ""
    head = f"{when}{subject} có {_n(g['assigned_total'])} nhiệm vụ được Chính phủ, Thủ tướng Chính phủ giao."
    head = head[0].upper() + head[1:]
    parts = [
        (g["done_on_time"], "nhiệm vụ giải quyết đúng hạn và trước hạn"),
        (g["done_late"], "nhiệm vụ hoàn thành nhưng quá hạn"),
        (g["waiting_confirmation"], "nhiệm vụ đã báo cáo hoàn thành và chờ xác nhận"),
        (g["waiting_acceptance_within"] + g["in_progress_within"], "nhiệm vụ đang thực hiện và chưa tới hạn giải quyết"),
        (g["waiting_acceptance_overdue"] + g["in_progress_overdue"], "nhiệm vụ quá hạn chưa hoàn thành"),
    ]
    text = "; ".join(f"{_n(n)} {what}" for n, what in parts if n)
    return head + (f" Trong đó có {text}." if text else "")
