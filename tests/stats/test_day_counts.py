"""The per-day counts kept by triggers give exactly the figures of counting the dossiers themselves.

Three properties, on random dossiers in every state (hypothesis):
- after inserts, updates (state, dates, supplement, unit) and deletes, the trigger-kept table equals
  the table `rebuild` computes from scratch;
- for any window, `dossier_figures` (day counts) equals `dossier_figures(direct=True)` (every
  dossier classified by the bucket conditions) — totals, by level and by unit;
- a window that is not over yet judges open dossiers now, as the direct count does.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update

from cchc import clock
from cchc.dossiers.enums import State, Timeliness
from cchc.dossiers.models import Dossier
from cchc.stats import daily
from cchc.stats.dossiers import FiguresInconsistent, dossier_figures, ended_late_without_result
from cchc.stats.models import DossierDayCount
from cchc.units.scope import subtree_unit_ids
from tests.stats.conftest import add_dossier

BASE = datetime(2023, 1, 1)
TERMINAL = {State.FINISHED, State.RETURNED, State.REFUSED, State.WITHDRAWN, State.STOPPED}
# Times at whole hours, and some at the last second of a day or a microsecond after midnight:
# the day a deadline passes is where the counts and the direct rule could disagree.
EDGES = [timedelta(0), timedelta(hours=23, minutes=59, seconds=59), timedelta(microseconds=1),
         timedelta(hours=23, minutes=59, seconds=58, microseconds=999_999)]


@st.composite
def moments(draw, low_days=0, high_days=120):
    day = draw(st.integers(low_days, high_days))
    extra = draw(st.one_of(st.integers(0, 23).map(lambda h: timedelta(hours=h)), st.sampled_from(EDGES)))
    return BASE + timedelta(days=day) + extra


@st.composite
def dossier_specs(draw):
    state = draw(st.sampled_from(list(State)))
    received = None if state in (State.SUBMITTED, State.NOT_ACCEPTED) else draw(moments())
    spec = {
        "state": state,
        "channel": draw(st.sampled_from([1, 2, 3, 4])),
        "unit": draw(st.integers(0, 3)),
        "level": draw(st.sampled_from(["unit", "xa"])),  # the dossier's own level, not always its unit's
        "timeliness": draw(st.sampled_from([None, *[t.value for t in Timeliness]])),
        "received": received,
        "due": None,
        "ended": None,
        "requested": None,
        "supplemented": None,
    }
    if received is not None:
        if draw(st.integers(0, 9)) > 0:  # a few received dossiers without a due date
            spec["due"] = received + draw(st.integers(0, 40 * 24).map(lambda h: timedelta(hours=h)))
            if draw(st.integers(0, 9)) == 0:
                spec["due"] = spec["due"].replace(hour=23, minute=59, second=59)
        if state in TERMINAL:
            spec["ended"] = received + draw(st.integers(0, 50 * 24).map(lambda h: timedelta(hours=h, minutes=7)))
        if draw(st.integers(0, 3)) == 0:
            spec["requested"] = received + timedelta(hours=draw(st.integers(0, 30 * 24)))
            if draw(st.booleans()):
                spec["supplemented"] = spec["requested"] + timedelta(hours=draw(st.integers(0, 20 * 24)), seconds=13)
    return spec


def _insert(db, P, specs) -> list[Dossier]:
    units = [P.agency, P.district, P.commune_old, P.commune_new]
    out = []
    for s in specs:
        unit = units[s["unit"]]
        level = unit.level if s["level"] == "unit" else s["level"]
        out.append(add_dossier(
            db, unit, P.proc_tinh, s["state"], s["received"], ended_at=s["ended"], due_at=s["due"],
            channel=s["channel"], timeliness=s["timeliness"], level=level,
            supplement_requested_at=s["requested"], supplemented_at=s["supplemented"],
            supplement_count=1 if s["requested"] else 0,
        ))
    db.flush()
    return out


def moved_to_today(specs: list[dict], now: datetime, keep_future_receipts: bool = False) -> list[dict]:
    """The specs shifted so that their 60th day is today (some due earlier today, some later, some
    tomorrow), nothing ended after now; dossiers received after now dropped unless kept."""
    shift = datetime(now.year, now.month, now.day) - (BASE + timedelta(days=60))
    moved = []
    for spec in specs:
        spec = dict(spec)
        for k in ("received", "due", "ended", "requested", "supplemented"):
            if spec[k] is not None:
                spec[k] = spec[k] + shift
        if not keep_future_receipts and spec["received"] is not None and spec["received"] > now:
            continue
        if spec["ended"] is not None and spec["ended"] > now:
            spec["ended"] = now
        moved.append(spec)
    return moved


def _table(db) -> dict:
    """The counts as {(unit, level, day): (non-zero cells)}, rows of zeros left out."""
    c = DossierDayCount
    out = {}
    for row in db.execute(select(c)).scalars():
        cells = tuple(getattr(row, k) for k in daily.COUNT_COLUMNS)
        if any(cells):
            out[(row.unit_id, row.level, str(row.day))] = cells
    return out


def _rebuilt(db) -> dict:
    nested = db.begin_nested()
    try:
        daily.rebuild(db.connection())
        db.expire_all()
        return _table(db)
    finally:
        nested.rollback()
        db.expire_all()


CHANGES = st.lists(
    st.tuples(
        st.integers(0, 24),
        st.sampled_from(["finish", "reopen", "supplement", "move", "due", "delete", "unreceive", "level"]),
        st.integers(0, 60),
    ),
    max_size=12,
)


def _change(db, dossiers, P, index, what, n) -> None:
    """One write as the service or an import would make it, through SQL so the triggers see it."""
    if not dossiers:
        return
    d = dossiers[index % len(dossiers)]
    if what == "delete":
        db.execute(delete(Dossier).where(Dossier.id == d.id))
        dossiers.remove(d)
        return
    base = d.received_at or BASE
    values = {
        "finish": {"state": State.RETURNED.value, "ended_at": base + timedelta(hours=n * 5),
                   "timeliness": [t.value for t in Timeliness][n % 3]},
        "reopen": {"state": State.PROCESSING.value, "ended_at": None, "timeliness": None},
        "supplement": {"supplement_requested_at": base + timedelta(hours=n),
                       "supplemented_at": None if n % 2 else base + timedelta(hours=n * 3)},
        "move": {"unit_id": [P.agency, P.district, P.commune_old, P.commune_new][n % 4].id},
        "due": {"due_at": base + timedelta(hours=n * 7) if n % 5 else None},
        "unreceive": {"state": State.SUBMITTED.value, "received_at": None, "ended_at": None},
        "level": {"level": ["tinh", "huyen", "xa"][n % 3]},
    }[what]
    db.execute(update(Dossier).where(Dossier.id == d.id).values(**values))


def _assert_same_figures(db, unit, start, end) -> None:
    """Day counts == direct count; a dossier ended before it was received makes the day counts refuse
    (the direct count refuses only when that dossier falls in the window)."""
    impossible = db.scalar(select(func.count()).where(
        Dossier.ended_at < Dossier.received_at, Dossier.state.in_([t.value for t in TERMINAL]),
        Dossier.received_at < datetime(end.year, end.month, end.day) + timedelta(days=1),
        Dossier.unit_id.in_(subtree_unit_ids(unit)),
    ))
    if impossible:
        with pytest.raises(FiguresInconsistent):
            dossier_figures(db, unit, start, end)
        return
    assert dossier_figures(db, unit, start, end) == dossier_figures(db, unit, start, end, direct=True)
    late_without_result = db.scalar(select(func.count()).where(
        Dossier.state.in_([State.REFUSED.value, State.WITHDRAWN.value, State.STOPPED.value]),
        Dossier.timeliness == Timeliness.LATE.value, Dossier.received_at.is_not(None),
        Dossier.ended_at >= datetime(start.year, start.month, start.day),
        Dossier.ended_at < datetime(end.year, end.month, end.day) + timedelta(days=1),
        Dossier.unit_id.in_(subtree_unit_ids(unit)),
    ))
    if not db.scalar(select(func.count()).where(Dossier.ended_at < Dossier.received_at)):
        assert ended_late_without_result(db, unit, start, end) == late_without_result


@contextmanager
def _written(db, P, specs, changes):
    """The dossiers inserted, then changed, inside a savepoint rolled back afterwards."""
    nested = db.begin_nested()
    try:
        dossiers = _insert(db, P, specs)
        for index, what, n in changes:
            _change(db, dossiers, P, index, what, n)
        db.flush()
        yield
    finally:
        nested.rollback()


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(specs=st.lists(dossier_specs(), max_size=20), changes=CHANGES)
def test_the_triggers_keep_the_table_the_rebuild_computes(db, province, specs, changes):
    with _written(db, province, specs, changes):
        assert _table(db) == _rebuilt(db)


@SETTINGS
@given(specs=st.lists(dossier_specs(), max_size=20), changes=CHANGES, a=st.integers(0, 130), length=st.integers(0, 95))
def test_day_counts_give_the_figures_of_counting_the_dossiers(db, province, specs, changes, a, length):
    start = BASE.date() + timedelta(days=a)
    end = start + timedelta(days=length)
    with _written(db, province, specs, changes):
        _assert_same_figures(db, province.province, start, end)
        _assert_same_figures(db, province.district, start, end)


@SETTINGS
@given(specs=st.lists(dossier_specs(), max_size=15), back=st.integers(0, 40), ahead=st.integers(0, 40))
def test_a_window_not_over_yet_is_judged_now(db, province, specs, back, ahead):
    """Dossiers moved around today: some due earlier today, some later today, some tomorrow."""
    now = clock.now()
    moved = moved_to_today(specs, now, keep_future_receipts=True)
    start, end = now.date() - timedelta(days=back), now.date() + timedelta(days=ahead)
    nested = db.begin_nested()
    try:
        with clock.frozen(now):  # the figures judge the open dossiers at the moment they were moved to
            _insert(db, province, moved)
            _assert_same_figures(db, province.province, start, end)
    finally:
        nested.rollback()


def test_ended_before_received_is_refused_by_both_counts(db, province):
    add_dossier(db, province.commune_new, province.proc_xa, State.FINISHED, datetime(2025, 7, 1, 8),
                ended_at=datetime(2025, 6, 1, 8))
    db.flush()
    for direct in (False, True):
        with pytest.raises(FiguresInconsistent) as exc:
            dossier_figures(db, province.province, date(2025, 7, 1), date(2025, 9, 30), direct=direct)
        assert "không cân" in exc.value.message


def test_uninstalled_triggers_leave_the_table_alone_until_rebuilt(db, province):
    """The bulk-load path: triggers off, load, rebuild, triggers on."""
    conn = db.connection()
    assert daily.installed(conn)
    daily.uninstall(conn)
    try:
        assert not daily.installed(conn)
        add_dossier(db, province.agency, province.proc_tinh, State.PROCESSING, datetime(2023, 7, 1, 8),
                    due_at=datetime(2023, 7, 10, 17))
        db.flush()
        assert _table(db) == {}
        assert daily.rebuild(conn) == 2  # the day received and the day its deadline passes
        f = dossier_figures(db, province.province, date(2023, 7, 1), date(2023, 7, 31))
        assert (f["new_direct"], f["in_progress_overdue"]) == (1, 1)
    finally:
        daily.install(conn)
    assert daily.installed(conn)
    assert conn.execute(text("SELECT count(*) FROM dossier_day_counts")).scalar_one() == 2


def test_an_import_counts_its_dossiers_in_bulk_as_the_triggers_would(db, province):
    """The import defers the triggers and counts each chunk in one statement: same table as a rebuild,
    and the triggers are back afterwards."""
    from cchc.interop.dossier_import import import_dossier_rows

    base = {"MaTTHC": "1.000001", "MaDonViTiepNhan": province.agency.code, "ChuHoSo": "Phạm Thị Dung"}
    rows = []
    for i in range(40):
        day = date(2023, 6, 1) + timedelta(days=i)
        received = f"{day:%Y%m%d}0{8 + i % 2}0000"
        due = f"{day + timedelta(days=10 + i % 7):%Y%m%d}170000"
        row = {**base, "MaHoSo": f"{province.agency.code}-{day:%y%m%d}-{i:04d}", "KenhThucHien": str(1 + i % 3),
               "NgayTiepNhan": received, "NgayHenTra": due, "NgayKetThucXuLy": "", "NgayTra": "", "TrangThaiHoSo": "4"}
        if i % 3:
            row.update(NgayKetThucXuLy=f"{day + timedelta(days=i % 15):%Y%m%d}100000", TrangThaiHoSo="9")
        rows.append((i + 2, row))
    import_dossier_rows(db, rows, source="kiểm thử")
    db.flush()
    assert daily.installed(db.connection())
    table = _table(db)
    assert table and table == _rebuilt(db)
    _assert_same_figures(db, province.province, date(2023, 6, 15), date(2023, 7, 14))


@SETTINGS
@given(specs=st.lists(dossier_specs(), max_size=20), changes=CHANGES)
def test_differences_finds_nothing_when_the_triggers_kept_the_table(db, province, specs, changes):
    with _written(db, province, specs, changes):
        assert daily.differences(db.connection()) == 0


def test_differences_counts_rows_that_drifted(db, province):
    add_dossier(db, province.agency, province.proc_tinh, State.PROCESSING, datetime(2023, 7, 1, 8),
                due_at=datetime(2023, 7, 10, 17))
    db.flush()
    conn = db.connection()
    assert daily.differences(conn) == 0
    conn.execute(text("UPDATE dossier_day_counts SET received_direct = received_direct + 1 WHERE received_direct > 0"))
    assert daily.differences(conn) == 2  # the stored row and the counted one, each missing on the other side
    conn.execute(text("DELETE FROM dossier_day_counts"))
    assert daily.differences(conn) == 2  # the day received and the day its deadline passes
