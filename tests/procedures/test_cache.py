"""The procedures and the calendar a serving process keeps (cchc.procedures.cache, cchc.calendar.cache): read once,
used while nothing changed, never after an administrator's change has committed — in this process or another."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event

from cchc.calendar import service as calendar_service
from cchc.calendar.cache import ProcessCache
from cchc.db import session_factory
from cchc.dossiers import service as dossiers
from cchc.procedures import cache
from cchc.procedures import service as procedures
from tests.dossiers.factories import APPLICANT, MONDAY, make_world

# Monday 3/3/2025 09:00 + 3 working days (the test procedure's time limit) = Thursday 6/3/2025 09:00.
DUE_IN_3_DAYS = datetime(2025, 3, 6, 9, 0)


class Process:
    """One serving process: its own copies of the procedures and of the calendar."""

    def __init__(self, monkeypatch) -> None:
        self.procedures = ProcessCache(cache.PROCEDURES_CACHE)
        self.calendar = ProcessCache(calendar_service.CALENDAR)
        self._monkeypatch = monkeypatch

    def receive(self, world, at: datetime = MONDAY):
        """A receipt in a transaction of its own, as a request of this process would make it."""
        self._monkeypatch.setattr(cache, "_PROCEDURES", self.procedures)
        self._monkeypatch.setattr(calendar_service, "_CALENDARS", self.calendar)
        with session_factory()() as s:
            procedure = cache.receivable(s, world.procedure.code)
            d = dossiers.receive(s, world.receiver, procedure=procedure, unit=world.commune, channel=1, applicant=APPLICANT, at=at)
            s.commit()
            return d.due_at, d.fee_amount


def _statements(session):
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", listen)
    return seen, lambda: event.remove(session.get_bind(), "before_cursor_execute", listen)


@pytest.fixture
def world_committed(committed):
    with session_factory()() as s:
        world = make_world(s)
        s.commit()
        return world


def test_a_cached_procedure_costs_one_query_of_the_tokens_per_transaction(db):
    w = make_world(db)
    db.commit()
    first = cache.receivable(db, w.procedure.code)
    assert first.code == w.procedure.code and [c.name for c in first.components] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert first.time_amount == Decimal(3) and len(first.steps) == len(w.procedure.steps)
    db.commit()  # a new transaction: the tokens are read again, the procedure is not
    seen, stop = _statements(db)
    try:
        again = cache.receivable(db, w.procedure.code)
        cache.receivable(db, w.procedure.code)
    finally:
        stop()
    assert again is first
    queries = [q for q in seen if not q.startswith("SAVEPOINT")]  # the test's transaction is a savepoint
    assert len(queries) == 1 and "cache_generations" in queries[0]


def test_a_change_of_the_time_limit_in_the_same_transaction_is_used_by_the_next_receipt(db):
    w = make_world(db)
    d = dossiers.receive(db, w.receiver, procedure=cache.receivable(db, w.procedure.code), unit=w.commune, channel=1,
                         applicant=APPLICANT, at=MONDAY)
    assert d.due_at == DUE_IN_3_DAYS
    procedures.update_procedure(db, None, w.procedure.code, {"time_amount": 5})
    d = dossiers.receive(db, w.receiver, procedure=cache.receivable(db, w.procedure.code), unit=w.commune, channel=1,
                         applicant=APPLICANT, at=MONDAY)
    assert d.due_at == datetime(2025, 3, 10, 9, 0)  # Monday + 5 working days


def test_an_unknown_code_is_refused_in_vietnamese(db):
    from cchc.errors import NotFound

    with pytest.raises(NotFound, match="Không tìm thấy TTHC có mã «9.999999»"):
        cache.receivable(db, "9.999999")


def test_a_change_committed_by_another_process_is_used_by_the_next_receipt(world_committed, monkeypatch):
    w = world_committed
    counter, admin = Process(monkeypatch), Process(monkeypatch)
    assert counter.receive(w) == (DUE_IN_3_DAYS, Decimal(0))
    assert counter.receive(w) == (DUE_IN_3_DAYS, Decimal(0))
    assert counter.procedures.loads == 1  # the second receipt used the copy

    with session_factory()() as s:  # the administrator, in another process
        procedures.update_procedure(s, w.admin, w.procedure.code, {"time_amount": 2, "has_fee": True,
                                                                   "fees": [{"kind": "le_phi", "amount": 8000, "description": "Lệ phí"}]})
        s.commit()

    assert counter.receive(w) == (datetime(2025, 3, 5, 9, 0), Decimal(8000))
    assert counter.procedures.loads == 2
    assert counter.receive(w) == (datetime(2025, 3, 5, 9, 0), Decimal(8000))
    assert counter.procedures.loads == 2


def test_a_change_rolled_back_is_never_used(world_committed, monkeypatch):
    w = world_committed
    counter = Process(monkeypatch)
    assert counter.receive(w)[0] == DUE_IN_3_DAYS
    monkeypatch.setattr(cache, "_PROCEDURES", counter.procedures)
    with session_factory()() as s:  # the change is seen inside its own transaction (and cached there) …
        procedures.update_procedure(s, w.admin, w.procedure.code, {"time_amount": 10})
        assert cache.receivable(s, w.procedure.code).time_amount == Decimal(10)
        s.rollback()  # … and never after it is rolled back
    assert counter.receive(w)[0] == DUE_IN_3_DAYS


def test_a_holiday_declared_by_another_process_moves_the_next_due_date(world_committed, monkeypatch):
    w = world_committed
    counter, admin = Process(monkeypatch), Process(monkeypatch)
    assert counter.receive(w)[0] == DUE_IN_3_DAYS
    assert counter.calendar.loads == 1
    with session_factory()() as s:
        calendar_service.add_override(s, w.admin, date(2025, 3, 5), "off", "Nghỉ bù", "Quyết định 01/QĐ-UBND")
        s.commit()
    assert counter.receive(w)[0] == datetime(2025, 3, 7, 9, 0)  # Wednesday off: one working day later
    assert counter.calendar.loads == 2
    with session_factory()() as s:
        calendar_service.set_office_hours(s, w.admin, [(datetime(2025, 1, 1, 8).time(), datetime(2025, 1, 1, 12).time()),
                                                      (datetime(2025, 1, 1, 13).time(), datetime(2025, 1, 1, 17).time())])
        s.commit()
    assert counter.calendar.loads == 2
    counter.receive(w)
    assert counter.calendar.loads == 3  # the office hours replaced (a bulk DELETE, then rows) renewed the token


def test_the_bulk_import_of_procedures_renews_the_token(db):
    from cchc.calendar.cache import tokens

    w = make_world(db)
    db.commit()
    before = tokens(db).get(cache.PROCEDURES_CACHE)
    procedures.refresh_active(db, today=date(2025, 3, 3))  # a set-based UPDATE, not a flush
    assert tokens(db).get(cache.PROCEDURES_CACHE) != before
    assert w.procedure.code
