"""Per-process caches of reference data that stay right across serving processes: the generation tokens, and
the working calendar kept by each process.

A serving process (`cchc serve --workers N` runs N of them) keeps what every receipt reads and administrators
rarely change — the working calendar here, the procedures in cchc.procedures.cache — instead of loading it for
each request. Each cached kind has a row in `cache_generations` whose token changes, in the same transaction,
whenever a row of its tables changes: a listener on every session sees the flushed rows (after_flush) and the
statements run through a session on those tables (do_orm_execute: the bulk import of procedures, the office
hours replaced) and writes a new random token. A process reads the tokens once per transaction (one query of a
few rows) and uses its copy only when the token it was built under is the one committed. So no process ever uses
a copy older than a committed change, whichever process made it, with no message between processes and no
time-out to wait for.

Why a random token, not a counter: a change rolled back, or tables emptied and filled again (tests, a restored
backup), could bring a counter back to a number a process has already cached different data under; a random
token never comes back. A kind without a row (nothing changed through a session since the table was created)
has the token "". A write that bypasses the session (raw SQL on a connection) must call `renew` itself.

The calendar is the lowest domain with such a cache, so the tokens live here; cchc.procedures.cache uses them.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Generic, TypeVar

from sqlalchemy import String, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from cchc.db import Base

CALENDAR = "calendar"


class CacheGeneration(Base):
    """The token of one cached kind of reference data, changed with every change of its tables."""

    __tablename__ = "cache_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


_WATCHED: dict[str, str] = {}  # table name → the cached kind whose token its changes renew
_TOKENS_KEY = "cchc.cache_tokens"


def watch(name: str, tables: Iterable[str]) -> None:
    """Renew the token `name` whenever a row of one of `tables` changes."""
    for table in tables:
        _WATCHED[table] = name


watch(CALENDAR, ("calendar_overrides", "office_hours"))


def renew(connection: Connection, names: Iterable[str]) -> None:
    """Give each kind a new token (an upsert: the row appears with the first change)."""
    table = CacheGeneration.__table__
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    for name in sorted(set(names)):
        stmt = insert(table).values(name=name, token=secrets.token_hex(16))
        connection.execute(stmt.on_conflict_do_update(index_elements=[table.c.name], set_={"token": stmt.excluded.token}))


def tokens(session: Session) -> dict[str, str]:
    """{kind: token} as this transaction sees it: read once per transaction (one query), again after a change
    made in it."""
    memo = session.info.get(_TOKENS_KEY)
    if memo is not None and memo[0] is session.get_transaction():
        return memo[1]
    found = dict(session.execute(select(CacheGeneration.name, CacheGeneration.token)).all())
    session.info[_TOKENS_KEY] = (session.get_transaction(), found)
    return found


def _renew_in(session: Session, names: set[str]) -> None:
    if names:
        session.info.pop(_TOKENS_KEY, None)
        renew(session.connection(), names)


def _table(obj) -> str:
    return inspect(obj).mapper.local_table.name


@event.listens_for(Session, "after_flush")
def _renew_on_flush(session: Session, _flush_context) -> None:
    if not _WATCHED:
        return
    names = {_WATCHED[t] for t in map(_table, chain(session.new, session.dirty, session.deleted)) if t in _WATCHED}
    _renew_in(session, names)


@event.listens_for(Session, "do_orm_execute")
def _renew_on_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = _WATCHED.get(getattr(getattr(state.statement, "table", None), "name", None))
    if name is not None:
        _renew_in(state.session, {name})


T = TypeVar("T")


class ProcessCache(Generic[T]):
    """Values of one kind kept by this process under the token they were read under; a value is used only while
    that token is the one the asking transaction sees. Threads of a process share it (FastAPI runs sync routes in
    a thread pool): the whole state is replaced at once, never changed in place."""

    def __init__(self, name: str, max_entries: int = 4096) -> None:
        self.name = name
        self.max_entries = max_entries  # the oldest values go first beyond this (keys may come from visitors' input)
        self._state: tuple[str | None, dict] = (None, {})
        self._lock = threading.Lock()
        self.loads = 0  # how many values were read from the database (tests and benchmarks look)

    def get(self, session: Session, key, load: Callable[[Session], T]) -> T:
        token = tokens(session).get(self.name, "")
        held_token, values = self._state
        if held_token == token and key in values:
            return values[key]
        value = load(session)  # read after the token: at least as new as the token says
        with self._lock:
            held_token, values = self._state
            fresh = dict(values) if held_token == token else {}
            fresh[key] = value
            while len(fresh) > self.max_entries:
                del fresh[next(iter(fresh))]
            self._state = (token, fresh)
            self.loads += 1
        return value

    def clear(self) -> None:
        with self._lock:
            self._state = (None, {})
