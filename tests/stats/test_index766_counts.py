"""The 766 index counted the fast way gives the numbers of counting its conditions over the dossiers.

- 2.1 and 5.4 come from the per-day counts (and, for 5.4, a query over the disliked dossiers' ids):
  on random dossiers in every state — refused / withdrawn / stopped ones classified late, supplements,
  dissatisfied ratings, PAKN about a dossier — they equal the direct count of their conditions
  (`explain_indicator`, which lists the dossiers with those conditions), for any window.
- The index and the online figures read the window's dossiers once when `all_figures` shares the
  reads (`DossierPasses`): the same figures as each called alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, select

from cchc import clock
from cchc.feedback.models import Feedback
from cchc.periods import window
from cchc.ratings.models import Rating
from cchc.reports.figures import all_figures
from cchc.stats.index766 import (
    METRICS,
    Context,
    _dossier_base,
    _indicator_defs,
    _numerator,
    _sum,
    compute_index,
    definition,
    explain_indicator,
)
from cchc.stats.online import DossierPasses, ask_online, online_figures
from cchc.units.scope import resolve_unit
from tests.stats.test_day_counts import BASE, _insert, dossier_specs, moved_to_today

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_codes = count(1)

# What happens to a dossier after the fact: a rating (one per dossier at most), PAKN about it.
DISLIKES = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["khong_hai_long", "hai_long", "pakn"])), max_size=12)
# Per dossier: procedure, fee, paid online, synced, digitised components / result, data reused.
FLAGS = st.lists(st.tuples(st.integers(0, 2), st.sampled_from([0, 50000]), st.sampled_from([0, 1, 2]),
                           st.booleans(), st.booleans(), st.booleans(), st.booleans()), min_size=25, max_size=25)


def _reference(db, unit, start, end, indicator_id: str) -> tuple[int, int] | None:
    """(numerator, denominator) of a dossier or procedure indicator by one query of its spec's conditions
    (a procedure's «has such a new dossier» as the EXISTS used to list them), or None for other kinds."""
    w = window(start, end)
    u = resolve_unit(db, unit, on=w.end)
    ind = next(ind for _, ind in _indicator_defs(definition()) if str(ind["id"]) == indicator_id)
    if not ind.get("metric"):
        return None
    ctx = Context(db, u, w, ind.get("params") or {})
    spec = METRICS[ind["metric"]](ctx)
    if spec.kind == "dossier":
        stmt = _dossier_base(ctx, spec, _sum(and_(spec.denominator, spec.numerator)), _sum(spec.denominator))
    elif spec.kind == "procedure":
        stmt = select(_sum(and_(spec.denominator, _numerator(ctx, spec))), _sum(spec.denominator)).where(ctx.competent)
    else:
        return None
    n, d = db.execute(stmt).one()
    return int(n), int(d)


def _disliked(db, dossiers, dislikes) -> None:
    rated = set()
    for index, kind in dislikes:
        if not dossiers:
            return
        d = dossiers[index % len(dossiers)]
        if kind == "pakn":  # several PAKN about one dossier count it once
            db.add(Feedback(code=f"PAKN-T{next(_codes)}", dossier_id=d.id, unit_id=d.unit_id, category="quy_dinh_tthc",
                            channel="cong_dvc", sender_name="Lê Văn Cường", content="Nội dung",
                            received_at=datetime(2023, 3, 1, 8), state="moi"))
        elif d.id not in rated:
            rated.add(d.id)
            db.add(Rating(dossier_id=d.id, unit_id=d.unit_id, procedure_id=d.procedure_id, via="chu_ho_so", total=0,
                          max_total=18, satisfaction=kind))
    db.flush()


def _flagged(db, P, dossiers, flags) -> None:
    procedures = [P.proc_tinh, P.proc_huyen, P.proc_xa]
    for d, (proc, fee, paid, synced, components, result, reused) in zip(dossiers, flags, strict=False):
        d.procedure_id = procedures[proc].id
        d.fee_amount, d.paid_online, d.synced_dvcqg = fee, paid, synced
        d.components_digitized, d.result_digitized, d.reused_digitized = components, result, reused
    db.flush()


@SETTINGS
@given(specs=st.lists(dossier_specs(), max_size=25), dislikes=DISLIKES, a=st.integers(0, 130), length=st.integers(0, 95))
def test_on_time_and_satisfaction_from_the_day_counts_equal_the_direct_count(db, province, specs, dislikes, a, length):
    start = BASE.date() + timedelta(days=a)
    end = start + timedelta(days=length)
    nested = db.begin_nested()
    try:
        dossiers = _insert(db, province, specs)
        _disliked(db, dossiers, dislikes)
        for unit in (province.province, province.district):
            fast = {i.id: i for i in compute_index(db, unit, start, end).indicators}
            for iid in ("2.1", "5.4"):
                direct = explain_indicator(db, unit, start, end, iid, limit=0)
                assert (fast[iid].numerator, fast[iid].denominator) == (direct["numerator"], direct["denominator"]), iid
    finally:
        nested.rollback()


@SETTINGS
@given(specs=st.lists(dossier_specs(), max_size=15), dislikes=DISLIKES, back=st.integers(0, 40), ahead=st.integers(0, 40))
def test_a_window_not_over_yet_gives_the_direct_count_too(db, province, specs, dislikes, back, ahead):
    """Open dossiers are judged now (due earlier today: overdue; later today: not yet), as the direct count does."""
    now = clock.now()
    moved = moved_to_today(specs, now)
    start, end = now.date() - timedelta(days=back), now.date() + timedelta(days=ahead)
    nested = db.begin_nested()
    try:
        with clock.frozen(now):  # both counts judge the open dossiers at the moment they were moved to
            _disliked(db, _insert(db, province, moved), dislikes)
            fast = {i.id: i for i in compute_index(db, province.province, start, end).indicators}
            for iid in ("2.1", "5.4"):
                direct = explain_indicator(db, province.province, start, end, iid, limit=0)
                assert (fast[iid].numerator, fast[iid].denominator) == (direct["numerator"], direct["denominator"]), iid
    finally:
        nested.rollback()


@SETTINGS
@given(specs=st.lists(dossier_specs(), max_size=25), flags=FLAGS, dislikes=DISLIKES, a=st.integers(0, 130),
       length=st.integers(0, 95))
def test_shared_reads_give_the_figures_of_each_called_alone(db, province, specs, flags, dislikes, a, length):
    start = BASE.date() + timedelta(days=a)
    end = start + timedelta(days=length)
    nested = db.begin_nested()
    try:
        dossiers = _insert(db, province, specs)
        _flagged(db, province, dossiers, flags)
        _disliked(db, dossiers, dislikes)
        for unit in (province.province, province.district, province.agency):
            together = all_figures(db, unit, start, end)
            alone = online_figures(db, unit, start, end)
            assert together["index766"] == compute_index(db, unit, start, end).as_dict()
            assert together["digitisation"] == alone.pop("digitisation")
            assert together["feedback"] == alone.pop("feedback")
            assert together["online"] == alone
            # Every dossier or procedure indicator equals one plain query of its conditions.
            for i in compute_index(db, unit, start, end).indicators:
                ref = _reference(db, unit, start, end, i.id)
                if ref is not None:
                    assert (i.numerator, i.denominator) == ref, i.id
    finally:
        nested.rollback()


def test_a_sum_asked_after_the_read_is_refused(db, province):
    passes = DossierPasses(db, province.province, window(BASE.date(), BASE.date() + timedelta(days=30)))
    ask_online(passes)
    assert passes.rows("new") == []
    ask_online(passes)  # the same sums again: nothing to do
    with pytest.raises(RuntimeError):
        compute_index(db, province.province, BASE.date(), BASE.date() + timedelta(days=30), passes=passes)


def test_the_window_comparisons_are_dropped_from_the_sums_only_outside_sub_queries(db, province):
    """Inside the sums of the new dossiers' read, «received in the window» is TRUE for every row read;
    the same comparison inside a sub-query is about other rows and stays."""
    from sqlalchemy import exists
    from sqlalchemy.dialects import sqlite

    from cchc.dossiers.models import Dossier

    w = window(BASE.date(), BASE.date() + timedelta(days=30))
    passes = DossierPasses(db, province.province, w)
    inner = exists(select(Dossier.id).where(Dossier.received_at >= w.begin))
    cond = and_(Dossier.received_at >= w.begin, Dossier.received_at < w.stop, Dossier.synced_dvcqg.is_(True), inner)
    sql = str(passes._within("new", cond).compile(dialect=sqlite.dialect()))
    assert sql.count("received_at >=") == 1 and "received_at <" not in sql and "EXISTS" in sql
    other = Dossier.received_at >= w.begin + timedelta(days=1)  # another instant: not implied, kept
    assert "received_at >=" in str(passes._within("new", other).compile(dialect=sqlite.dialect()))


def test_impossible_data_is_counted_with_the_conditions_as_before(db, province):
    """A dossier ended before it was received makes the day counts refuse (dossier_figures raises); the
    index alone still counts 2.1 and 5.4 from their conditions, as it did before the day counts."""
    from datetime import date

    from cchc.dossiers.enums import State
    from cchc.stats.dossiers import FiguresInconsistent, dossier_figures
    from tests.stats.conftest import add_dossier

    add_dossier(db, province.commune_new, province.proc_xa, State.FINISHED, datetime(2025, 7, 1, 8),
                ended_at=datetime(2025, 6, 1, 8))
    add_dossier(db, province.commune_new, province.proc_xa, State.REFUSED, datetime(2025, 7, 2, 8),
                ended_at=datetime(2025, 7, 3, 8), timeliness="qua_han")
    db.flush()
    start, end = date(2025, 7, 1), date(2025, 9, 30)
    with pytest.raises(FiguresInconsistent):
        dossier_figures(db, province.province, start, end)
    fast = {i.id: i for i in compute_index(db, province.province, start, end).indicators}
    for iid, expected in (("2.1", (0, 2)), ("5.4", (1, 2))):  # 5.4: the impossible one is not late
        direct = explain_indicator(db, province.province, start, end, iid, limit=0)
        assert (fast[iid].numerator, fast[iid].denominator) == (direct["numerator"], direct["denominator"]) == expected, iid
