"""A unit's part in inter-agency (liên thông) dossiers: dossiers received by another unit in which it handled a
step, on time or late by its own step deadlines, counted in SQL (issue #12, item 6)."""

from __future__ import annotations

from datetime import datetime as dt

from sqlalchemy import event

from cchc.dossiers.models import DossierStep
from cchc.stats.dossiers import dossier_figures
from cchc.stats.interagency import KEYS, interagency_figures
from tests.stats.conftest import add_dossier
from tests.stats.test_dossiers import Q3_END, Q3_START


def _step(db, d, unit, seq, started, due, ended=None, timeliness=None, role="chuyen_vien"):
    d.steps.append(DossierStep(step_seq=seq, name=f"Bước {seq}", role=role, unit_id=unit.id, started_at=started,
                               due_at=due, ended_at=ended, timeliness=timeliness))


def build_interagency(db, P):
    """Dossiers received by a commune (and one by the Sở itself) whose process hands steps to the Sở."""
    S, X, t = P.agency, P.commune_old, P.proc_xa

    def commune_dossier(state, received, ended=None):
        d = add_dossier(db, X, t, state, received, ended_at=ended, due_at=dt(2023, 10, 30, 17))
        db.flush()
        _step(db, d, X, 1, received, received, received, "dung_han", role="mot_cua")  # the commune's receipt
        return d

    c = {}
    c["a"] = commune_dossier("da_tra_ket_qua", dt(2023, 7, 3, 8), dt(2023, 7, 20, 8))
    _step(db, c["a"], P.agency, 2, dt(2023, 7, 3, 9), dt(2023, 7, 6, 17), dt(2023, 7, 5, 10), "truoc_han")  # new, in time
    c["b"] = commune_dossier("da_tra_ket_qua", dt(2023, 6, 9, 8), dt(2023, 6, 25, 8))
    _step(db, c["b"], S, 2, dt(2023, 6, 10, 8), dt(2023, 6, 18, 17), dt(2023, 6, 20, 9), "qua_han")  # carried over, late
    c["c"] = commune_dossier("dang_xu_ly", dt(2023, 8, 1, 8))
    _step(db, c["c"], S, 2, dt(2023, 8, 1, 9), dt(2023, 8, 10, 17))  # open, past its deadline at the end: overdue
    c["d"] = commune_dossier("dang_xu_ly", dt(2023, 9, 10, 8))
    _step(db, c["d"], S, 2, dt(2023, 9, 10, 9), dt(2023, 9, 30, 17))  # open, within
    c["e"] = commune_dossier("da_tra_ket_qua", dt(2023, 6, 1, 8), dt(2023, 6, 10, 8))
    _step(db, c["e"], S, 2, dt(2023, 6, 1, 9), dt(2023, 6, 6, 17), dt(2023, 6, 5, 9), "dung_han")  # ended before: not counted
    own = add_dossier(db, S, P.proc_tinh, "dang_xu_ly", dt(2023, 7, 3, 8), due_at=dt(2023, 7, 20, 17))
    db.flush()
    _step(db, own, S, 1, dt(2023, 7, 3, 8), dt(2023, 7, 10, 17))  # the Sở's own dossier: its dossier figures count it
    c["g"] = commune_dossier("da_tra_ket_qua", dt(2023, 7, 1, 8), dt(2023, 8, 1, 8))
    _step(db, c["g"], S, 2, dt(2023, 7, 1, 9), dt(2023, 7, 5, 17), dt(2023, 7, 10, 9), "qua_han")  # sent back to it:
    _step(db, c["g"], S, 4, dt(2023, 7, 15, 9), dt(2023, 7, 25, 17), dt(2023, 7, 20, 9), "truoc_han")  # once, late
    c["h"] = commune_dossier("dang_xu_ly", dt(2023, 9, 18, 8))
    _step(db, c["h"], S, 2, dt(2023, 9, 20, 9), dt(2023, 9, 30, 17))  # after the window
    c["i"] = commune_dossier("tu_choi", dt(2023, 8, 1, 8), dt(2023, 8, 5, 8))
    _step(db, c["i"], S, 2, dt(2023, 8, 1, 9), dt(2023, 8, 10, 17))  # never handed over: ends with the dossier, in time
    c["j"] = commune_dossier("dang_xu_ly", dt(2023, 8, 1, 8))
    _step(db, c["j"], S, 2, dt(2023, 8, 2, 9), None, dt(2023, 8, 9, 9))  # no deadline given, unclassified: in time
    db.flush()
    return c


EXPECTED_AGENCY = {
    "received_total": 7, "carried_over": 1, "new_total": 6,  # a b c d g i j (b carried over)
    "resolved_total": 5, "resolved_in_time": 3, "resolved_late": 2,  # a i j in time; b g late
    "in_progress_total": 2, "in_progress_within": 1, "in_progress_overdue": 1,  # d within; c overdue
}


def test_the_agency_that_handled_steps_of_other_units_dossiers(db, province):
    build_interagency(db, province)
    f = interagency_figures(db, province.agency, Q3_START, Q3_END)
    assert {k: f[k] for k in KEYS} == EXPECTED_AGENCY
    assert f["on_time_rate"] == 60.0
    assert f["received_total"] == f["resolved_total"] + f["in_progress_total"] == f["carried_over"] + f["new_total"]
    # the receiving unit's figures do not have them; the Sở's own dossier is not liên thông
    assert dossier_figures(db, province.agency, Q3_START, Q3_END)["received_total"] == 1
    assert f["by_unit"] == []


def test_the_province_lists_the_units_under_it_that_took_part(db, province):
    build_interagency(db, province)
    f = interagency_figures(db, province.province, Q3_START, Q3_END)
    assert {k: f[k] for k in KEYS} == dict.fromkeys(KEYS, 0)  # every dossier was received inside the province
    assert f["on_time_rate"] is None
    assert [r["unit_code"] for r in f["by_unit"]] == [province.agency.code]  # the commune's own steps are not liên thông
    assert {k: f["by_unit"][0][k] for k in KEYS} == EXPECTED_AGENCY
    district = interagency_figures(db, province.district, Q3_START, Q3_END)
    assert district["received_total"] == 0 and district["by_unit"] == []


def test_a_window_before_everything_and_one_with_only_carried_over(db, province):
    build_interagency(db, province)
    assert interagency_figures(db, province.agency, dt(2023, 1, 1).date(), dt(2023, 3, 31).date())["received_total"] == 0
    f = interagency_figures(db, province.agency, dt(2023, 6, 1).date(), dt(2023, 6, 30).date())
    assert {k: f[k] for k in ("received_total", "new_total", "resolved_total", "resolved_in_time", "resolved_late")} == {
        "received_total": 2, "new_total": 2, "resolved_total": 2, "resolved_in_time": 1, "resolved_late": 1}  # e, b


def test_counted_by_sql_only(db, province):
    """The same few statements whatever the number of dossiers: the rows are summed by the database."""
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        interagency_figures(db, province.agency, Q3_START, Q3_END)
        empty = len(statements)
        build_interagency(db, province)
        statements.clear()
        interagency_figures(db, province.agency, Q3_START, Q3_END)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "dossier_steps" in s]) == 2 and len(statements) <= empty
