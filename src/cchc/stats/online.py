"""Online services, online payment, digitisation and PAKN figures (seed 004 Biểu mẫu 7 mục 6; Biểu mẫu 3 mục 3.4).

    6.1 DVCTT toàn trình: procedures eligible for toàn trình, and of them provided toàn trình
    6.2 online services (toàn trình or một phần) with any dossier received in the window / with online dossiers
    6.3 dossiers (received in the window) of toàn trình services, and of them submitted online
    6.4 the same for một phần services
    6.5 procedures with fees, and of them integrated for online payment; dossiers with a fee and of
        them paid online (DuocThanhToanTrucTuyen 1 or 2)
    digitisation on receipt (new dossiers with digitised components) and of results (resolved
    dossiers with an electronic result), total and by level; PAKN received / resolved in the window.
Every count is one SQL aggregate; the dossier conditions are those of `stats.dossiers`.
"""

from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session

from cchc.dossiers.enums import Channel, OnlinePayment
from cchc.dossiers.models import Dossier
from cchc.procedures.enums import OnlineLevel
from cchc.procedures.models import Procedure
from cchc.stats.catalogue import catalogue_figures
from cchc.stats.dossiers import bucket_conditions, scope_conditions
from cchc.stats.scope import LEVELS, Window, rate, resolve_unit, subtree_condition, window
from cchc.units.models import Unit

ONLINE_LEVELS = (OnlineLevel.FULL.value, OnlineLevel.PARTIAL.value)
PAID_ONLINE = (int(OnlinePayment.DVCQG), int(OnlinePayment.LOCAL_GATEWAY))
# PAKN states that mean "resolved" (answered, waiting for or already published).
FEEDBACK_RESOLVED_STATES = ("cho_cong_khai", "da_cong_khai")


def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _pair(total: int, part: int, total_key: str = "total", part_key: str = "online") -> dict:
    return {total_key: int(total), part_key: int(part), "rate": rate(part, total)}


def _dossier_scope(session: Session, u: Unit, w: Window, family: str):
    conds = bucket_conditions(w, session.get_bind().dialect.name)
    return conds, scope_conditions(u, w, family)


def services_and_dossiers(session: Session, u: Unit, w: Window) -> dict:
    """6.2–6.4 and the dossier side of 6.5."""
    conds, scope = _dossier_scope(session, u, w, "new")
    new = conds["new_total"]
    online = Dossier.channel == int(Channel.ONLINE)
    base = (
        select()
        .select_from(Dossier)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(*scope, new)
    )
    svc = session.execute(
        base.add_columns(
            func.count(distinct(Dossier.procedure_id)).label("with_any"),
            func.count(distinct(case((online, Dossier.procedure_id)))).label("with_online"),
        ).where(Procedure.online_level.in_(ONLINE_LEVELS))
    ).one()._mapping
    by_level = session.execute(
        base.add_columns(
            _sum(Procedure.online_level == OnlineLevel.FULL.value).label("full_total"),
            _sum(and_(Procedure.online_level == OnlineLevel.FULL.value, online)).label("full_online"),
            _sum(Procedure.online_level == OnlineLevel.PARTIAL.value).label("partial_total"),
            _sum(and_(Procedure.online_level == OnlineLevel.PARTIAL.value, online)).label("partial_online"),
            _sum(Dossier.fee_amount > 0).label("fee_total"),
            _sum(and_(Dossier.fee_amount > 0, Dossier.paid_online.in_(PAID_ONLINE))).label("fee_paid_online"),
        )
    ).one()._mapping
    return {
        "services_with_dossiers": _pair(svc["with_any"], svc["with_online"], "with_any", "with_online"),
        "full_online_dossiers": _pair(by_level["full_total"], by_level["full_online"]),
        "partial_online_dossiers": _pair(by_level["partial_total"], by_level["partial_online"]),
        "fee_dossiers": _pair(by_level["fee_total"], by_level["fee_paid_online"], "with_fee", "paid_online"),
    }


def digitisation_figures(session: Session, unit: Unit | str | int, start: date, end: date) -> dict:
    """Digitisation on receipt (new dossiers with components_digitized) and of results (resolved
    dossiers with result_digitized), total and by level."""
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    rows = []
    for family, cond, flag, prefix in (
        ("new", "new_total", Dossier.components_digitized, "receipt"),
        ("ended", "resolved_total", Dossier.result_digitized, "result"),
    ):
        conds, scope = _dossier_scope(session, u, w, family)
        stmt = (
            select(Dossier.level, _sum(conds[cond]).label("total"), _sum(and_(conds[cond], flag.is_(True))).label("digitized"))
            .where(*scope)
            .group_by(Dossier.level)
        )
        rows += [(prefix, level, total, digitized) for level, total, digitized in session.execute(stmt)]
    keys = ("receipt_total", "receipt_digitized", "result_total", "result_digitized")
    per = {lv: dict.fromkeys(keys, 0) for lv in LEVELS}
    for prefix, level, total, digitized in rows:
        target = per.setdefault(level or "", dict.fromkeys(keys, 0))
        target[f"{prefix}_total"] += int(total or 0)
        target[f"{prefix}_digitized"] += int(digitized or 0)
    tot = {k: sum(p[k] for p in per.values()) for k in keys}

    def shape(c: dict) -> dict:
        return {
            "receipt": _pair(c["receipt_total"], c["receipt_digitized"], "total", "digitized"),
            "result": _pair(c["result_total"], c["result_digitized"], "total", "digitized"),
        }

    return {**shape(tot), "by_level": {lv: shape(c) for lv, c in per.items()}}


def feedback_model():
    """cchc.feedback.models.Feedback when that package provides it with the columns statistics need."""
    try:
        module = importlib.import_module("cchc.feedback.models")
    except ImportError:
        return None
    model = getattr(module, "Feedback", None)
    if model is None or not hasattr(model, "received_at") or not hasattr(model, "state"):
        return None
    return model


def feedback_figures(session: Session, unit: Unit | str | int, start: date, end: date) -> dict:
    """PAKN received in the window and, of all PAKN, those answered (chờ công khai / đã công khai) in it."""
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    model = feedback_model()
    if model is None:
        return {"available": False, "received": None, "resolved": None, "rate": None,
                "note": "Hệ thống chưa có dữ liệu phản ánh, kiến nghị (PAKN)."}
    answered = getattr(model, "answered_at", None) or getattr(model, "resolved_at", None)
    received_in = and_(model.received_at >= w.begin, model.received_at < w.stop)
    if answered is not None:
        resolved_in = and_(model.state.in_(FEEDBACK_RESOLVED_STATES), answered >= w.begin, answered < w.stop)
    else:
        resolved_in = and_(received_in, model.state.in_(FEEDBACK_RESOLVED_STATES))
    stmt = select(_sum(received_in).label("received"), _sum(resolved_in).label("resolved")).select_from(model)
    unit_col = getattr(model, "unit_id", None)
    if unit_col is not None:
        stmt = stmt.join(Unit, Unit.id == unit_col).where(subtree_condition(u))
    row = session.execute(stmt).one()._mapping
    received, resolved = int(row["received"] or 0), int(row["resolved"] or 0)
    return {"available": True, "received": received, "resolved": resolved, "rate": rate(resolved, received)}


def online_figures(session: Session, unit: Unit | str | int, start: date, end: date, *, catalogue: dict | None = None) -> dict:
    """Seed 004 Biểu mẫu 7 mục 6 (6.1–6.5), online payment, digitisation and PAKN."""
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    cat = catalogue if catalogue is not None else catalogue_figures(session, u, w.start, w.end)
    out = {
        "full_online": _pair(cat["online"]["eligible_full_online"], cat["online"]["eligible_full_online_provided"],
                             "eligible", "provided"),
        **services_and_dossiers(session, u, w),
        "fee_procedures": _pair(cat["fees"]["with_fee"], cat["fees"]["online_integrated"], "with_fee", "integrated"),
    }
    out["digitisation"] = digitisation_figures(session, u, w.start, w.end)
    out["feedback"] = feedback_figures(session, u, w.start, w.end)
    return out
