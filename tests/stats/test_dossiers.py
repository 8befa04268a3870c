"""Dossier figures on data whose figures are known in advance, and the bucket identity under hypothesis."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc.dossiers.enums import State
from cchc.errors import NotFound, ValidationError
from cchc.stats.dossiers import (
    COUNT_KEYS,
    KEYS,
    OUTCOME_LEAVES,
    RECEIPT_LEAVES,
    FiguresInconsistent,
    dossier_figures,
    explain,
)
from tests.stats.conftest import add_dossier

Q3_START, Q3_END = date(2023, 6, 15), date(2023, 9, 14)


def dt(*a):
    return datetime(*a)


def build_q3(db, P):
    """Dossiers cutting through 2023-Q3 (15/6–14/9/2023) in every state; comments give the buckets."""
    S, H, X = P.agency, P.district, P.commune_old
    t, hx, xa = P.proc_tinh, P.proc_huyen, P.proc_xa
    c = {}
    # Sở (cấp tỉnh)
    c["d1"] = add_dossier(db, S, t, State.RETURNED, dt(2023, 6, 1, 8), ended_at=dt(2023, 6, 10, 9), timeliness="truoc_han",
                          due_at=dt(2023, 6, 12, 17))  # ended before the window: nowhere
    c["d2"] = add_dossier(db, S, t, State.FINISHED, dt(2023, 6, 1, 8), ended_at=dt(2023, 6, 20, 9), timeliness="truoc_han",
                          due_at=dt(2023, 6, 25, 17))  # carried over, resolved early
    c["d3"] = add_dossier(db, S, t, State.RETURNED, dt(2023, 6, 20, 8), ended_at=dt(2023, 7, 10, 16), timeliness="dung_han",
                          due_at=dt(2023, 7, 10, 17), channel=2)  # new online, resolved on time
    c["d4"] = add_dossier(db, S, t, State.FINISHED, dt(2023, 7, 1, 8), ended_at=dt(2023, 9, 20, 9), timeliness="qua_han",
                          due_at=dt(2023, 9, 1, 17), channel=3)  # new postal; ended after the window: in progress, overdue
    c["d5"] = add_dossier(db, S, t, State.PROCESSING, dt(2023, 9, 14, 23, 30), due_at=dt(2023, 9, 30, 17))  # new direct, within
    c["d6"] = add_dossier(db, S, t, State.RECEIVED, dt(2023, 9, 15, 0, 0), due_at=dt(2023, 9, 30, 17))  # after the window
    c["d7"] = add_dossier(db, S, t, State.SUBMITTED, None, submitted_at=dt(2023, 7, 1, 8))  # never received
    c["d8"] = add_dossier(db, S, t, State.NOT_ACCEPTED, None, submitted_at=dt(2023, 7, 1, 8),
                          not_accepted_at=dt(2023, 7, 2, 8))  # never received
    # Huyện
    c["d9"] = add_dossier(db, H, hx, State.REFUSED, dt(2023, 5, 1, 8), ended_at=dt(2023, 7, 1, 8), due_at=dt(2023, 7, 5, 17))
    c["d10"] = add_dossier(db, H, hx, State.WITHDRAWN, dt(2023, 7, 2, 8), ended_at=dt(2023, 7, 5, 8), channel=2,
                           due_at=dt(2023, 7, 20, 17))
    c["d11"] = add_dossier(db, H, hx, State.STOPPED, dt(2023, 8, 1, 8), ended_at=dt(2023, 8, 3, 8), due_at=dt(2023, 8, 20, 17))
    c["d12"] = add_dossier(db, H, hx, State.RETURNED, dt(2023, 8, 1, 8), ended_at=dt(2023, 8, 30, 8), timeliness="qua_han",
                           due_at=dt(2023, 8, 20, 17))
    # Xã (of the old structure, under the huyện)
    c["d13"] = add_dossier(db, X, xa, State.SUPPLEMENT, dt(2023, 6, 14, 23, 59, 59), due_at=dt(2023, 8, 10, 17),
                           supplement_requested_at=dt(2023, 8, 1, 9), supplement_count=1)  # waiting: judged at 1/8 → within
    c["d14"] = add_dossier(db, X, xa, State.PROCESSING, dt(2023, 8, 1, 8), due_at=dt(2023, 9, 5, 17), supplement_count=1,
                           supplement_requested_at=dt(2023, 8, 5, 8), supplemented_at=dt(2023, 8, 25, 8))  # due + 20 d → within
    c["d15"] = add_dossier(db, X, xa, State.PROCESSING, dt(2023, 8, 1, 8), due_at=dt(2023, 9, 10, 17), supplement_count=1,
                           supplement_requested_at=dt(2023, 8, 5, 8), supplemented_at=dt(2023, 8, 7, 8))  # due + 2 d → overdue
    c["d16"] = add_dossier(db, X, xa, State.SUPPLEMENT, dt(2023, 8, 1, 8), due_at=dt(2023, 8, 20, 17), supplement_count=1,
                           supplement_requested_at=dt(2023, 9, 1, 8))  # waiting, asked after the due date → overdue
    c["d17"] = add_dossier(db, X, xa, State.RETURNED, dt(2023, 8, 2, 8), ended_at=dt(2023, 9, 14, 23, 59, 59),
                           timeliness="truoc_han", due_at=dt(2023, 9, 20, 17))  # resolved early, last second
    c["d18"] = add_dossier(db, X, xa, State.FINISHED, dt(2023, 6, 15, 0, 0), ended_at=dt(2023, 6, 15, 10))  # unclassified → on time
    c["d19"] = add_dossier(db, X, xa, State.PROCESSING, dt(2023, 8, 1, 8), due_at=dt(2023, 9, 5, 17), supplement_count=1,
                           supplement_requested_at=dt(2023, 9, 10, 8), supplemented_at=dt(2023, 9, 20, 8))  # waiting at the end → overdue
    db.flush()
    return c


EXPECTED_Q3 = {
    "received_total": 15, "carried_over": 3, "new_total": 12, "new_online": 2, "new_direct": 9, "new_postal": 1,
    "resolved_total": 5, "resolved_early": 2, "resolved_on_time": 2, "resolved_late": 1, "resolved_in_time": 4,
    "on_time_rate": 80.0, "refused": 1, "withdrawn": 1, "stopped": 1,
    "in_progress_total": 7, "in_progress_within": 3, "in_progress_overdue": 4,
}


def test_known_figures_of_a_quarter(db, province):
    build_q3(db, province)
    f = dossier_figures(db, province.province, Q3_START, Q3_END)
    assert {k: f[k] for k in KEYS} == EXPECTED_Q3
    assert f["by_level"]["tinh"]["received_total"] == 4 and f["by_level"]["tinh"]["carried_over"] == 1
    assert f["by_level"]["huyen"]["received_total"] == 4 and f["by_level"]["huyen"]["on_time_rate"] == 0.0
    assert f["by_level"]["xa"]["received_total"] == 7 and f["by_level"]["xa"]["in_progress_overdue"] == 3
    assert [u["unit_code"] for u in f["by_unit"]] == ["000.00.10.H20", "000.00.20.H20", "000.21.20.H20"]
    assert [u["level"] for u in f["by_unit"]] == ["tinh", "huyen", "xa"]
    for key in COUNT_KEYS:
        assert sum(lv[key] for lv in f["by_level"].values()) == f[key]
        assert sum(u[key] for u in f["by_unit"]) == f[key]


def test_a_district_counts_its_communes(db, province):
    build_q3(db, province)
    f = dossier_figures(db, province.district.code, Q3_START, Q3_END)
    assert f["received_total"] == 11
    assert [u["unit_code"] for u in f["by_unit"]] == ["000.00.20.H20", "000.21.20.H20"]
    assert f["by_level"]["tinh"]["received_total"] == 0
    commune = dossier_figures(db, province.commune_old, Q3_START, Q3_END)
    assert (commune["received_total"], commune["carried_over"], commune["in_progress_overdue"]) == (7, 1, 3)


def test_explain_lists_exactly_the_dossiers_of_each_bucket(db, province):
    c = build_q3(db, province)
    code = {k: d.code for k, d in c.items()}
    f = dossier_figures(db, province.province, Q3_START, Q3_END)
    assert explain(db, province.province, Q3_START, Q3_END, "in_progress_overdue") == sorted(
        code[k] for k in ("d4", "d15", "d16", "d19"))
    assert explain(db, province.province, Q3_START, Q3_END, "carried_over") == sorted(code[k] for k in ("d2", "d9", "d13"))
    assert explain(db, province.province, Q3_START, Q3_END, "resolved_on_time") == sorted(code[k] for k in ("d3", "d18"))
    seen: set[str] = set()
    for leaves in (RECEIPT_LEAVES, OUTCOME_LEAVES):
        listed = [explain(db, province.province, Q3_START, Q3_END, k) for k in leaves]
        assert [len(x) for x in listed] == [f[k] for k in leaves]
        flat = [x for xs in listed for x in xs]
        assert len(flat) == len(set(flat)) == f["received_total"]  # every dossier in exactly one leaf
        seen |= set(flat)
    assert seen == set(explain(db, province.province, Q3_START, Q3_END, "received_total"))
    assert explain(db, province.province, Q3_START, Q3_END, "received_total", limit=2) == sorted(seen)[:2]


def test_explain_and_units_refuse_bad_input(db, province):
    with pytest.raises(ValidationError) as exc:
        explain(db, province.province, Q3_START, Q3_END, "khong_co")
    assert "Không có nhóm số liệu «khong_co»" in exc.value.message
    with pytest.raises(NotFound):
        dossier_figures(db, "999.99.99.X99", Q3_START, Q3_END)
    with pytest.raises(ValidationError):
        dossier_figures(db, province.province, Q3_END, Q3_START)


def test_an_empty_window_gives_zeros_and_no_rate(db, province):
    f = dossier_figures(db, province.province, date(2020, 1, 1), date(2020, 3, 31))
    assert all(f[k] == 0 for k in COUNT_KEYS) and f["on_time_rate"] is None and f["by_unit"] == []


def test_impossible_data_is_reported_not_hidden(db, province):
    add_dossier(db, province.agency, province.proc_tinh, State.FINISHED, dt(2023, 7, 1, 8), ended_at=dt(2023, 6, 1, 8))
    db.flush()
    with pytest.raises(FiguresInconsistent) as exc:
        dossier_figures(db, province.province, Q3_START, Q3_END)
    assert "không cân" in exc.value.message


# ---- hypothesis: every received dossier in exactly one bucket -------------------------------------

BASE = datetime(2023, 1, 1)
STATES = list(State)


@st.composite
def dossier_specs(draw):
    state = draw(st.sampled_from(STATES))
    recv = draw(st.integers(0, 90 * 24))  # hours after BASE
    spec = {"state": state, "channel": draw(st.sampled_from([1, 2, 3])),
            "due": draw(st.one_of(st.none(), st.integers(0, 60 * 24))),
            "timeliness": draw(st.sampled_from([None, "truoc_han", "dung_han", "qua_han"])),
            "level_unit": draw(st.integers(0, 3))}
    if state in (State.SUBMITTED, State.NOT_ACCEPTED):
        spec["received"] = None
    else:
        spec["received"] = recv
    terminal = state in (State.FINISHED, State.RETURNED, State.REFUSED, State.WITHDRAWN, State.STOPPED)
    spec["ended"] = recv + draw(st.integers(0, 40 * 24)) if terminal and spec["received"] is not None else None
    sup = draw(st.one_of(st.none(), st.tuples(st.integers(0, 20 * 24), st.one_of(st.none(), st.integers(0, 20 * 24)))))
    spec["supplement"] = sup if spec["received"] is not None else None
    return spec


def _insert(db, P, specs):
    units = [P.agency, P.district, P.commune_old, P.commune_new]
    for s in specs:
        h = lambda x: None if x is None else BASE + timedelta(hours=x)  # noqa: E731
        kw = {}
        if s["supplement"] is not None:
            req = s["received"] + s["supplement"][0]
            kw["supplement_requested_at"] = h(req)
            kw["supplement_count"] = 1
            if s["supplement"][1] is not None:
                kw["supplemented_at"] = h(req + s["supplement"][1])
        add_dossier(db, units[s["level_unit"]], P.proc_tinh, s["state"], h(s["received"]), ended_at=h(s["ended"]),
                    due_at=h(None if s["received"] is None or s["due"] is None else s["received"] + s["due"]),
                    channel=s["channel"], timeliness=s["timeliness"], **kw)
    db.flush()


def _oracle(specs, start: date, end: date) -> dict:
    """The top-level buckets computed in Python, one dossier at a time."""
    begin = datetime(start.year, start.month, start.day)
    stop = datetime(end.year, end.month, end.day) + timedelta(days=1)
    out = dict.fromkeys(("received_total", "carried_over", "new_total", "resolved_total", "refused", "withdrawn",
                         "stopped", "in_progress_total"), 0)
    for s in specs:
        if s["received"] is None:
            continue
        recv = BASE + timedelta(hours=s["received"])
        ended = None if s["ended"] is None else BASE + timedelta(hours=s["ended"])
        if recv >= stop or (ended is not None and ended < begin):
            continue
        out["received_total"] += 1
        out["new_total" if recv >= begin else "carried_over"] += 1
        if ended is not None and ended < stop:
            key = {State.FINISHED: "resolved_total", State.RETURNED: "resolved_total", State.REFUSED: "refused",
                   State.WITHDRAWN: "withdrawn", State.STOPPED: "stopped"}[s["state"]]
            out[key] += 1
        else:
            out["in_progress_total"] += 1
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(dossier_specs(), max_size=25), a=st.integers(0, 120), length=st.integers(0, 60))
def test_every_dossier_in_exactly_one_bucket(db, province, specs, a, length):
    start = BASE.date() + timedelta(days=a)
    end = start + timedelta(days=length)
    nested = db.begin_nested()
    try:
        _insert(db, province, specs)
        f = dossier_figures(db, province.province, start, end)
        c = f
        assert c["received_total"] == c["carried_over"] + c["new_total"]
        assert c["new_total"] == c["new_online"] + c["new_direct"] + c["new_postal"]
        assert c["resolved_total"] == c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]
        assert c["received_total"] == c["resolved_total"] + c["refused"] + c["withdrawn"] + c["stopped"] + c["in_progress_total"]
        assert c["in_progress_total"] == c["in_progress_within"] + c["in_progress_overdue"]
        assert {k: f[k] for k in _oracle(specs, start, end)} == _oracle(specs, start, end)
        # What is still open at the end of a window is what the next window carries over.
        nxt = dossier_figures(db, province.province, end + timedelta(days=1), end + timedelta(days=1 + length))
        assert nxt["carried_over"] == f["in_progress_total"]
    finally:
        nested.rollback()


def test_figures_of_dossiers_brought_in_by_the_import(db, province):
    from cchc.interop.dossier_import import import_dossier_rows

    base = {"MaTTHC": "1.000001", "MaDonViTiepNhan": province.agency.code, "ChuHoSo": "Phạm Thị Dung"}
    rows = [
        (2, {**base, "MaHoSo": "000.00.10.H20-230620-0001", "KenhThucHien": "2", "NgayTiepNhan": "20230620080000",
             "NgayHenTra": "20230710170000", "NgayKetThucXuLy": "20230705100000", "NgayTra": "20230706090000",
             "TrangThaiHoSo": "10"}),
        (3, {**base, "MaHoSo": "000.00.10.H20-230701-0001", "KenhThucHien": "1", "NgayTiepNhan": "20230701080000",
             "NgayHenTra": "20230710170000", "NgayKetThucXuLy": "20230712090000", "NgayTra": "",
             "TrangThaiHoSo": "9"}),
        (4, {**base, "MaHoSo": "000.00.10.H20-230801-0001", "KenhThucHien": "1", "NgayTiepNhan": "20230801080000",
             "NgayHenTra": "20230901170000", "NgayKetThucXuLy": "", "NgayTra": "", "TrangThaiHoSo": "4"}),
    ]
    import_dossier_rows(db, rows, source="kiểm thử")
    f = dossier_figures(db, province.province, Q3_START, Q3_END)
    got = {k: f[k] for k in ("received_total", "new_online", "new_direct", "resolved_early", "resolved_late",
                             "in_progress_overdue")}
    assert got == {"received_total": 3, "new_online": 1, "new_direct": 2, "resolved_early": 1, "resolved_late": 1,
                   "in_progress_overdue": 1}
