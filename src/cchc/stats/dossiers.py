"""Dossier figures of a unit and window (seed 000 "Tổng số hồ sơ …", seed 004 Biểu mẫu 3 mục 3).

Every figure is computed by the database; no dossier is loaded into Python. `dossier_figures`
sums the per-unit, per-day counts that triggers keep (cchc.stats.daily: a few hundred rows per unit
and year, whatever the number of dossiers). The buckets are also written as conditions on a dossier
(`bucket_conditions`), used to list the dossiers behind a figure (`explain`) and to count the
dossiers themselves (`direct_counts`): the reference the day counts are tested and checked against
(`cchc stats --check`).

The buckets of a window [start 00:00, end 23:59:59] — a dossier is *received* unless it is still
only submitted (moi_dang_ky) or was not accepted at the counter (khong_tiep_nhan); it has *ended*
when its state is terminal (finished, returned, refused, withdrawn, stopped) and it has ended_at:

    received_total  = carried_over (received before start, not ended before start)
                    + new_total (received in the window) = new_online + new_direct + new_postal
    received_total  = resolved_total + refused + withdrawn + stopped + in_progress_total
    resolved_total  = resolved_early + resolved_on_time + resolved_late (Dossier.timeliness)
    in_progress_total = in_progress_within + in_progress_overdue

A dossier still open at the window's end is overdue when its due date is before the window's
last instant — a dossier waiting for a supplement at that instant is judged at its request date,
and time already supplemented (supplemented − requested) is added to its due date.
Resolved dossiers that carry no classification count as đúng hạn (as rules.classify does for a
dossier without due date); ended dossiers in a channel other than 2 (trực tuyến) or 3 (bưu chính)
count as trực tiếp (766: "KenhThucHien = 1 or null").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, case, func, literal_column, not_, or_, select
from sqlalchemy.orm import Session

from cchc.dossiers.models import Dossier
from cchc.errors import CchcError, ValidationError
from cchc.periods import Window, window
from cchc.rates import rate
from cchc.stats import rules
from cchc.stats.models import DossierDayCount
from cchc.units.models import Unit
from cchc.units.scope import LEVELS, resolve_unit, subtree_condition, subtree_unit_ids

COUNT_KEYS = (
    "received_total",
    "carried_over",
    "new_total",
    "new_online",
    "new_direct",
    "new_postal",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "resolved_in_time",
    "refused",
    "withdrawn",
    "stopped",
    "in_progress_total",
    "in_progress_within",
    "in_progress_overdue",
)
KEYS = COUNT_KEYS[:11] + ("on_time_rate",) + COUNT_KEYS[11:]

BUCKET_LABELS = {
    "received_total": "Tổng số hồ sơ tiếp nhận",
    "carried_over": "Số từ kỳ trước chuyển qua",
    "new_total": "Số mới tiếp nhận trong kỳ",
    "new_online": "Tiếp nhận trực tuyến",
    "new_direct": "Tiếp nhận trực tiếp",
    "new_postal": "Tiếp nhận qua dịch vụ bưu chính công ích",
    "resolved_total": "Số hồ sơ đã giải quyết",
    "resolved_early": "Giải quyết trước hạn",
    "resolved_on_time": "Giải quyết đúng hạn",
    "resolved_late": "Giải quyết quá hạn (trễ hạn)",
    "resolved_in_time": "Giải quyết trước hạn và đúng hạn",
    "refused": "Từ chối giải quyết",
    "withdrawn": "Công dân rút hồ sơ",
    "stopped": "Dừng xử lý",
    "in_progress_total": "Số hồ sơ đang giải quyết",
    "in_progress_within": "Đang giải quyết trong hạn",
    "in_progress_overdue": "Đang giải quyết quá hạn",
}


class FiguresInconsistent(CchcError):
    """The buckets do not add up: a defect in the conditions or impossible data (ended before received)."""

    http_status = 500


# --------------------------------------------------------------------------------------------
# Conditions: the rules of cchc.stats.rules on the mapped Dossier, over a window
# --------------------------------------------------------------------------------------------

def received_condition():
    """A dossier that was received (not only submitted, not refused at the counter).

    A dossier without received_at is excluded as well, by the received_at ranges of
    `relevance_parts` (a comparison with NULL is never true); repeating `received_at IS NOT NULL`
    here would lead SQLite to range the index on that instead of on the window.
    """
    return rules.received(Dossier)


def relevance_parts(w: Window) -> list:
    """Three disjoint slices whose union is every dossier that can fall in a bucket of the window;
    each is one index range: received in the window (unit_id, received_at), received before it and
    ended from its start on (unit_id, ended_at), received before it and not ended (ended_at NULL)."""
    return [
        and_(Dossier.received_at >= w.begin, Dossier.received_at < w.stop),
        and_(Dossier.received_at < w.begin, Dossier.ended_at >= w.begin),
        and_(Dossier.received_at < w.begin, Dossier.ended_at.is_(None)),
    ]


def relevance_condition(w: Window):
    """Dossiers that can fall in a bucket of the window: the union of `relevance_parts`."""
    return or_(*relevance_parts(w))


def scope_conditions(unit: Unit, w: Window, family: str = "all") -> list:
    """The WHERE of every dossier query: in the unit's subtree, received, relevant to the window.

    `family` narrows the relevance to one index range when the bucket counted lies inside it (the
    result is the same, the query cheaper): "new" for buckets of dossiers received in the window,
    "ended" for buckets of dossiers ended in the window, "all" otherwise.
    """
    if family == "new":
        rng = relevance_parts(w)[0]
    elif family == "ended":
        rng = and_(Dossier.ended_at >= w.begin, Dossier.ended_at < w.stop, Dossier.received_at < w.stop)
    elif family == "all":
        rng = relevance_condition(w)
    else:
        raise ValueError(family)
    return [unit_condition(unit), received_condition(), rng]


def unit_condition(unit: Unit):
    """Dossiers received by the unit or a unit under it (Unit.path LIKE unit.path || '%')."""
    return Dossier.unit_id.in_(subtree_unit_ids(unit))


def _overdue_at_end(w: Window, dialect: str):
    """Due date passed at the window's last instant (or now, for a window not over yet), with the supplement rule."""
    return rules.overdue_at(Dossier, w.judged_at, w.stop, dialect)


def bucket_conditions(w: Window, dialect: str) -> dict[str, object]:
    """Every bucket's condition (on top of `scope_conditions`), keyed as in the figures."""
    d = Dossier
    new = and_(d.received_at >= w.begin, d.received_at < w.stop)
    ended_in = and_(rules.ended(d), d.ended_at >= w.begin, d.ended_at < w.stop)
    in_progress = and_(d.received_at < w.stop, rules.not_ended_before(d, w.stop))
    overdue = _overdue_at_end(w, dialect)
    conds = {
        "received_total": and_(d.received_at < w.stop, or_(new, rules.not_ended_before(d, w.begin))),
        "carried_over": and_(d.received_at < w.begin, rules.not_ended_before(d, w.begin)),
        "new_total": new,
        **{f"new_{k}": and_(new, rule(d)) for k, rule in rules.CHANNELS.items()},
        "resolved_total": and_(ended_in, rules.resolved(d)),
        "resolved_in_time": and_(ended_in, rules.resolved_in_time(d)),
        **{k: and_(ended_in, rule(d)) for k, rule in rules.OUTCOMES.items()},
        "in_progress_total": in_progress,
        "in_progress_within": and_(in_progress, not_(overdue)),
        "in_progress_overdue": and_(in_progress, overdue),
    }
    return {k: conds[k] for k in COUNT_KEYS}


def _count(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def _finish(counts: dict) -> dict:
    counts["on_time_rate"] = rate(counts["resolved_in_time"], counts["resolved_total"])
    return {k: counts[k] for k in KEYS}


def check_identity(counts: dict, where: str = "") -> None:
    """Raise FiguresInconsistent when the buckets do not add up (a defect, or impossible data)."""
    c = counts
    rules = [
        ("received_total = carried_over + new_total", c["received_total"], c["carried_over"] + c["new_total"]),
        ("new_total = new_online + new_direct + new_postal", c["new_total"], c["new_online"] + c["new_direct"] + c["new_postal"]),
        ("resolved_total = resolved_early + resolved_on_time + resolved_late", c["resolved_total"],
         c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]),
        ("resolved_in_time = resolved_early + resolved_on_time", c["resolved_in_time"], c["resolved_early"] + c["resolved_on_time"]),
        ("received_total = resolved_total + refused + withdrawn + stopped + in_progress_total", c["received_total"],
         c["resolved_total"] + c["refused"] + c["withdrawn"] + c["stopped"] + c["in_progress_total"]),
        ("in_progress_total = in_progress_within + in_progress_overdue", c["in_progress_total"],
         c["in_progress_within"] + c["in_progress_overdue"]),
    ]
    for text, left, right in rules:
        if left != right:
            raise FiguresInconsistent(
                f"Số liệu hồ sơ{(' của ' + where) if where else ''} không cân: {text} ({left} ≠ {right}). "
                "Kiểm tra các hồ sơ có thời điểm kết thúc trước thời điểm tiếp nhận hoặc trạng thái không khớp thời điểm."
            )


RECEIPT_LEAVES = ("carried_over", "new_online", "new_direct", "new_postal")
OUTCOME_LEAVES = (
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "refused",
    "withdrawn",
    "stopped",
    "in_progress_within",
    "in_progress_overdue",
)


def _day_counts(session: Session, u: Unit, w: Window) -> list[tuple[int, str, dict]]:
    """[(unit_id, level, counts)] for the window, summed from dossier_day_counts (cchc.stats.daily).

    One query over the unit's rows up to the window's end: a few hundred rows per unit and year,
    whatever the number of dossiers. For a window that is not over yet, open dossiers are judged
    now (a dossier due later today is not overdue yet), which days cannot tell: the overdue ones
    are then counted from the open dossiers themselves (`_overdue_now`).
    """
    c = DossierDayCount
    received = c.received_online + c.received_direct + c.received_postal
    ended = c.resolved_early + c.resolved_on_time + c.resolved_late + c.refused + c.withdrawn + c.stopped
    before, inside = c.day < w.start, c.day >= w.start

    def total(expr, cond=None):
        return func.coalesce(func.sum(expr if cond is None else case((cond, expr), else_=0)), 0)

    cells = {
        "carried_over": total(received - ended, before),
        "new_online": total(c.received_online, inside),
        "new_direct": total(c.received_direct, inside),
        "new_postal": total(c.received_postal, inside),
        **{k: total(getattr(c, k), inside) for k in ("resolved_early", "resolved_on_time", "resolved_late",
                                                      "refused", "withdrawn", "stopped")},
        "in_progress_total": total(received - ended),
        "in_progress_overdue": total(c.deadline_passed - c.deadline_passed_ended),
        "ended_before_received": total(c.ended_before_received),
    }
    stmt = (
        select(c.unit_id, c.level, *[expr.label(k) for k, expr in cells.items()])
        .where(c.unit_id.in_(subtree_unit_ids(u)), c.day <= w.end)
        .group_by(c.unit_id, c.level)
    )
    judged_now = w.judged_at < w.last_instant
    overdue_now = _overdue_now(session, u, w) if judged_now else {}
    out: list[tuple[int, str, dict]] = []
    rows = session.execute(stmt).all()
    impossible = sum(int(row._mapping["ended_before_received"]) for row in rows)
    if impossible:
        raise FiguresInconsistent(
            f"Số liệu hồ sơ của {u.code} không cân: {impossible} hồ sơ có thời điểm kết thúc xử lý trước thời điểm "
            "tiếp nhận. Sửa các hồ sơ đó (NgayKetThucXuLy, NgayTiepNhan) rồi tính lại."
        )
    for row in rows:
        m = row._mapping
        counts = {k: 0 for k in COUNT_KEYS}
        for k in cells:
            if k in counts:
                counts[k] = int(m[k])
        if judged_now:
            counts["in_progress_overdue"] = overdue_now.get((m["unit_id"], m["level"]), 0)
        counts["in_progress_within"] = counts["in_progress_total"] - counts["in_progress_overdue"]
        counts["received_total"] = counts["carried_over"] + counts["new_online"] + counts["new_direct"] + counts["new_postal"]
        out.append((m["unit_id"], m["level"] or None, _compose(counts)))
    return out


def _overdue_now(session: Session, u: Unit, w: Window) -> dict[tuple[int, str], int]:
    """{(unit_id, level): overdue} among the dossiers open at the end of a window not over yet.

    Open means not ended before the window's stop: ended_at empty (open states never carry one:
    the service and the import refuse it) or later than the stop — one index range per unit."""
    level = func.coalesce(Dossier.level, literal_column("''"))  # no bind parameter: GROUP BY must match it
    stmt = (
        select(Dossier.unit_id, level, func.count())
        .where(
            Dossier.unit_id.in_(subtree_unit_ids(u)),
            received_condition(),
            Dossier.received_at < w.stop,
            or_(Dossier.ended_at.is_(None), Dossier.ended_at >= w.stop),
            rules.not_ended_before(Dossier, w.stop),
            _overdue_at_end(w, session.get_bind().dialect.name),
        )
        .group_by(Dossier.unit_id, level)
    )
    return {(unit_id, level): n for unit_id, level, n in session.execute(stmt)}


def ended_late_without_result(session: Session, unit: Unit | str | int, start: date, end: date) -> int:
    """Refused, withdrawn or stopped dossiers ended in the window and classified late (766 2.1, 5.4):
    from the day counts."""
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    c = DossierDayCount
    return int(session.scalar(
        select(func.coalesce(func.sum(c.ended_late_without_result), 0))
        .where(c.unit_id.in_(subtree_unit_ids(u)), c.day >= w.start, c.day <= w.end)
    ))


def direct_counts(session: Session, u: Unit, w: Window) -> list[tuple[int, str, dict]]:
    """[(unit_id, level, counts)] counted from the dossiers themselves (the reference for the day counts).

    The database counts, per receiving unit and level, the dossiers of each leaf bucket — how a
    dossier came in (carried over / new online / direct / postal) and where it stands (resolved
    early / on time / late, refused, withdrawn, stopped, in progress within / overdue) — and
    received_total with its own condition. The composite figures are sums of leaves, so the
    identity check catches a dossier in no leaf or in two. One query per relevance slice (each an
    index range). Reads every dossier of the window: `cchc stats --check` compares it with the day
    counts, which `dossier_figures` reads.
    """
    conds = bucket_conditions(w, session.get_bind().dialect.name)
    keys = ("received_total", *RECEIPT_LEAVES, *OUTCOME_LEAVES)
    out: list[tuple[int, str, dict]] = []
    for part in relevance_parts(w):
        stmt = (
            select(Dossier.unit_id, Dossier.level, *[_count(conds[k]).label(k) for k in keys])
            .join(Unit, Unit.id == Dossier.unit_id)
            .where(subtree_condition(u), received_condition(), part)  # same set as unit_condition(u);
            # the join lets SQLite range (unit_id, ended_at, received_at) for the carried-over slice
            .group_by(Dossier.unit_id, Dossier.level)
        )
        for row in session.execute(stmt):
            m = row._mapping
            counts = {k: 0 for k in COUNT_KEYS}
            for k in keys:
                counts[k] = int(m[k] or 0)
            out.append((m["unit_id"], m["level"], _compose(counts)))
    return out


def _compose(c: dict) -> dict:
    c["new_total"] = c["new_online"] + c["new_direct"] + c["new_postal"]
    c["resolved_total"] = c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]
    c["resolved_in_time"] = c["resolved_early"] + c["resolved_on_time"]
    c["in_progress_total"] = c["in_progress_within"] + c["in_progress_overdue"]
    return c



def dossier_figures(session: Session, unit: Unit | str | int, start: date, end: date, *, direct: bool = False) -> dict:
    """The dossier figures of `unit` and every unit under it, for the window [start, end].

    From the day counts; `direct=True` counts the dossiers themselves instead (same figures, slower).

    Returns the totals (keys of KEYS), `by_level` {"tinh","huyen","xa" → same keys} by the level the
    dossier was received at, and `by_unit` [{unit_code, unit_name, level, …}] by receiving unit, only
    units with data, ordered by level then code.
    """
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    rows = (direct_counts if direct else _day_counts)(session, u, w)
    totals = {k: 0 for k in COUNT_KEYS}
    by_level: dict[str, dict] = {lv: {k: 0 for k in COUNT_KEYS} for lv in LEVELS}
    by_unit_counts: dict[int, dict] = {}
    for unit_id, level, counts in rows:
        lv = by_level.setdefault(level or "", {k: 0 for k in COUNT_KEYS})
        per_unit = by_unit_counts.setdefault(unit_id, {k: 0 for k in COUNT_KEYS})
        for k, v in counts.items():
            totals[k] += v
            lv[k] += v
            per_unit[k] += v

    units = {}
    if by_unit_counts:
        units = {x.id: x for x in session.scalars(select(Unit).where(Unit.id.in_(list(by_unit_counts))))}
    level_order = {lv: i for i, lv in enumerate(LEVELS)}
    by_unit = []
    for unit_id, counts in by_unit_counts.items():
        if not any(counts.values()):
            continue
        x = units[unit_id]
        check_identity(counts, f"đơn vị {x.code}")
        by_unit.append({"unit_code": x.code, "unit_name": x.name, "level": x.level, **_finish(dict(counts))})
    by_unit.sort(key=lambda r: (level_order.get(r["level"], len(LEVELS)), r["unit_code"]))

    check_identity(totals, u.code)
    result = _finish(totals)
    result["by_level"] = {lv: _finish(c) for lv, c in by_level.items()}
    result["by_unit"] = by_unit
    return result


def explain(
    session: Session,
    unit: Unit | str | int,
    start: date,
    end: date,
    bucket: str,
    limit: int = 200,
) -> list[str]:
    """The codes (MaHoSo) of the dossiers behind `bucket`, ordered by code, at most `limit`."""
    w = window(start, end)
    conds = bucket_conditions(w, session.get_bind().dialect.name)
    if bucket not in conds:
        names = ", ".join(conds)
        raise ValidationError(f"Không có nhóm số liệu «{bucket}» (các nhóm: {names}).")
    u = resolve_unit(session, unit, on=w.end)
    return list(explain_query(u, w, conds[bucket], limit, session))


def explain_query(u: Unit, w: Window, cond, limit: int, session: Session) -> Iterable[str]:
    stmt = (
        select(Dossier.code)
        .where(*scope_conditions(u, w), cond)
        .order_by(Dossier.code)
        .limit(max(0, int(limit)))
    )
    return session.scalars(stmt)
