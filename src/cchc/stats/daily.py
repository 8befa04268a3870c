"""Per-unit, per-day dossier counts, kept by database triggers: the window figures in milliseconds.

Counting the buckets of a window straight from `dossiers` reads every dossier received in the
window, ended after its start or still open — millions of rows at 10 million dossiers. Instead each
received dossier adds 1 to a few cells of `dossier_day_counts` (one row per receiving unit, level
and day):

    received_{online,direct,postal}   on the day it was received
    resolved_{early,on_time,late}, refused, withdrawn, stopped, ended_late_without_result
                                      on the day it ended (never before the day received)
    deadline_passed                   on the first day at whose end it is overdue if still open
    deadline_passed_ended             on the later of that day and the day it ended
    ended_before_received             impossible data, counted so that the figures refuse it

and the figures of a window [s, e] are sums over days (cchc.stats.dossiers):

    carried_over  = Σ_{day < s} received − Σ_{day < s} ended
    new_*         = Σ_{s ≤ day ≤ e} received_*
    resolved_*, refused, withdrawn, stopped = Σ_{s ≤ day ≤ e} of the column
    in_progress   = Σ_{day ≤ e} received − Σ_{day ≤ e} ended
    overdue       = Σ_{day ≤ e} deadline_passed − Σ_{day ≤ e} deadline_passed_ended

The last line holds because a dossier is overdue at the window's last instant J exactly when it
is open then and its "overdue from" instant O is before J — O being the due date, or, when a
supplement was requested before the due date, the due date moved by the time the dossier waited
(never, while it still waits): `rules.overdue_from`, the instant form of `rules.overdue_at`, which is
monotone in J.
The day of O is the day of O + 1 second, so that "O before 23:59:59" and "day ≤ e" agree.

The conditions are those of cchc.stats.rules, the ones the window queries of cchc.stats.dossiers
read too, compiled to SQL text for the triggers (row images NEW / OLD) and for `rebuild` (alias d):
the counts cannot drift from the rebuild nor from the direct counts. Migration 0006 holds the
triggers' SQL as it was generated then; tests/test_migrations.py compares an upgraded database's
triggers with `install_ddl`, so a change of a rule comes with a migration. The triggers fire
on every insert, delete and relevant update of `dossiers`, whoever writes (service, import, demo,
raw SQL), in the writer's transaction. A future migration that rebuilds `dossiers` on SQLite
(batch mode) must call `install` again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import and_, event, text
from sqlalchemy.engine import Connection

from cchc.db import Base
from cchc.stats import rules
from cchc.stats.models import DossierDayCount

TABLE = DossierDayCount.__tablename__
_DEFER_SETTING = "cchc.day_counts_deferred"  # PostgreSQL: transaction-local, read by the trigger function
NAME = "dossier_day_counts_sync"  # triggers (…_ins/_upd/_del on SQLite) and the PostgreSQL function
COUNT_COLUMNS = tuple(c.name for c in DossierDayCount.__table__.columns if not c.primary_key)


@dataclass(frozen=True)
class _SQL:
    """Where a count lands: the few day expressions that differ between SQLite (dates as ISO text) and PostgreSQL."""

    dialect: str

    def rule(self, expr) -> str:
        return rules.sql(expr, self.dialect)

    def day(self, ts: str) -> str:
        # SQLite keeps timestamps as ISO text 'YYYY-MM-DD HH:MM:SS.ffffff': the day is its first ten
        # characters (several times cheaper than date(), which parses the whole value).
        return f"substr({ts}, 1, 10)" if self.dialect == "sqlite" else f"CAST({ts} AS date)"

    def overdue_day(self, ts: str) -> str:
        """The day of ts + 1 second."""
        if self.dialect == "sqlite":  # text arithmetic, exact to the microsecond (julianday is not)
            return f"(CASE WHEN substr({ts}, 12) >= '23:59:59' THEN date({ts}, '+1 day') ELSE substr({ts}, 1, 10) END)"
        return f"CAST({ts} + INTERVAL '1 second' AS date)"

    def later(self, a: str, b: str) -> str:
        return f"max({a}, {b})" if self.dialect == "sqlite" else f"GREATEST({a}, {b})"

    def changed(self, columns: tuple[str, ...]) -> str:
        op = "IS NOT" if self.dialect == "sqlite" else "IS DISTINCT FROM"
        return "(" + " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns) + ")"


@dataclass(frozen=True)
class _Part:
    """One day a dossier is counted on: the day's expression, the cells it adds to, when it applies."""

    day: str
    cells: dict[str, str]
    where: str
    columns: tuple[str, ...]  # the dossier columns it reads (an UPDATE of others leaves it alone)


def _parts(sql: _SQL, name: str) -> list[_Part]:
    """The contributions of the dossier row `name` (NEW, OLD or a table alias), from cchc.stats.rules."""
    r = rules.row(name)
    received = and_(r.unit_id.is_not(None), r.received_at.is_not(None), rules.received(r))
    ended = and_(received, rules.ended(r))
    overdue_from = rules.overdue_from(r, sql.dialect)
    received_day = sql.day(f"{name}.received_at")
    ended_day = sql.later(sql.day(f"{name}.ended_at"), received_day)
    deadline_day = sql.later(sql.overdue_day(sql.rule(overdue_from)), received_day)
    received_cells = {f"received_{k}": rule(r) for k, rule in rules.CHANNELS.items()}
    ended_cells = {
        **{k: rule(r) for k, rule in rules.OUTCOMES.items()},
        "ended_late_without_result": rules.ended_late_without_result(r),
        "ended_before_received": rules.ended_before_received(r),
    }

    def part(day: str, cells: dict[str, object], where) -> _Part:
        """A cell's condition, or None for a cell that counts every dossier of the part. The columns
        read: the key, then those of the cells and the condition (which holds those of the day)."""
        reads = rules.columns_of(r.unit_id, r.level, *[c for c in cells.values() if c is not None], where)
        texts = {k: "1" if c is None else f"CASE WHEN {sql.rule(c)} THEN 1 ELSE 0 END" for k, c in cells.items()}
        return _Part(day, texts, sql.rule(where), reads)

    deadline = and_(received, overdue_from.is_not(None))
    return [
        part(received_day, received_cells, received),
        part(ended_day, ended_cells, ended),
        part(deadline_day, {"deadline_passed": None}, deadline),
        part(sql.later(deadline_day, ended_day), {"deadline_passed_ended": None}, and_(ended, overdue_from.is_not(None))),
    ]


def _upsert(sql: _SQL, part: _Part, r: str, sign: int, extra_where: str = "") -> str:
    cols = list(part.cells)
    values = [v if sign > 0 else f"-({v})" for v in part.cells.values()]
    where = part.where + (f" AND {extra_where}" if extra_where else "")
    sets = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in cols)
    return (
        f"INSERT INTO {TABLE} (unit_id, level, day, {', '.join(cols)}) "
        f"SELECT {r}.unit_id, COALESCE({r}.level, ''), {part.day}, {', '.join(values)} WHERE {where} "
        f"ON CONFLICT (unit_id, level, day) DO UPDATE SET {sets}"
    )


def _watched_columns(sql: _SQL) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for p in _parts(sql, "NEW") for c in p.columns))


def install_ddl(dialect: str) -> list[str]:
    """CREATE statements of the triggers (and, on PostgreSQL, their function)."""
    sql = _SQL(dialect)
    inserts = [_upsert(sql, p, "NEW", +1) for p in _parts(sql, "NEW")]
    deletes = [_upsert(sql, p, "OLD", -1) for p in _parts(sql, "OLD")]
    updates = []
    for old, new in zip(_parts(sql, "OLD"), _parts(sql, "NEW"), strict=True):
        changed = sql.changed(new.columns)
        updates += [_upsert(sql, old, "OLD", -1, changed), _upsert(sql, new, "NEW", +1, changed)]
    watched = _watched_columns(sql)
    if dialect == "sqlite":
        def trigger(suffix: str, when: str, body: list[str], cond: str = "") -> str:
            return (
                f"CREATE TRIGGER {NAME}_{suffix} AFTER {when} ON dossiers {cond}BEGIN "
                + "; ".join(body) + "; END"
            )

        return [
            trigger("ins", "INSERT", inserts),
            trigger("upd", f"UPDATE OF {', '.join(watched)}", updates, f"WHEN {sql.changed(watched)} "),
            trigger("del", "DELETE", deletes),
        ]
    body = (
        f"BEGIN\n  IF current_setting('{_DEFER_SETTING}', true) = 'on' THEN\n    RETURN NULL;\n  END IF;\n"
        "  IF TG_OP = 'INSERT' THEN\n    " + ";\n    ".join(inserts)
        + ";\n  ELSIF TG_OP = 'DELETE' THEN\n    " + ";\n    ".join(deletes)
        + ";\n  ELSE\n    " + ";\n    ".join(updates)
        + ";\n  END IF;\n  RETURN NULL;\nEND"
    )
    return [
        f"CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n{body}\n$fn$",
        f"CREATE TRIGGER {NAME}_ins_del AFTER INSERT OR DELETE ON dossiers FOR EACH ROW EXECUTE FUNCTION {NAME}()",
        f"CREATE TRIGGER {NAME}_upd AFTER UPDATE OF {', '.join(watched)} ON dossiers FOR EACH ROW "
        f"WHEN {sql.changed(watched)} EXECUTE FUNCTION {NAME}()",
    ]


def uninstall_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {NAME}_{s}" for s in ("ins", "upd", "del")]
    return [
        f"DROP TRIGGER IF EXISTS {NAME}_ins_del ON dossiers",
        f"DROP TRIGGER IF EXISTS {NAME}_upd ON dossiers",
        f"DROP FUNCTION IF EXISTS {NAME}()",
    ]


def install(conn: Connection) -> None:
    """(Re)create the triggers that keep dossier_day_counts in step with dossiers."""
    for stmt in uninstall_ddl(conn.dialect.name) + install_ddl(conn.dialect.name):
        conn.exec_driver_sql(stmt)


def uninstall(conn: Connection) -> None:
    """Drop the triggers (before a bulk load; `rebuild` and `install` afterwards)."""
    for stmt in uninstall_ddl(conn.dialect.name):
        conn.exec_driver_sql(stmt)


def installed(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        q = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE :n"
    else:
        q = "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE tgname LIKE :n " \
            "AND c.relname = 'dossiers' AND pg_table_is_visible(c.oid)"
    return conn.execute(text(q), {"n": NAME + "%"}).scalar_one() > 0


def _counts_select(dialect: str, only: str = "") -> str:
    """SELECT unit_id, level, day, SUM(cell)… of the dossiers `d` (all, or those matching `only`)."""
    sql = _SQL(dialect)
    selects = []
    for p in _parts(sql, "d"):
        cells = [p.cells.get(c, "0") + f" AS {c}" for c in COUNT_COLUMNS]
        where = p.where + (f" AND ({only})" if only else "")
        selects.append(
            f"SELECT d.unit_id AS unit_id, COALESCE(d.level, '') AS level, {p.day} AS day, {', '.join(cells)} "
            f"FROM dossiers d WHERE {where}"
        )
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_COLUMNS)
    return f"SELECT unit_id, level, day, {sums} FROM ({' UNION ALL '.join(selects)}) AS parts GROUP BY unit_id, level, day"


def rebuild_sql(dialect: str) -> list[str]:
    """Empty the table and recompute it from dossiers in one INSERT … SELECT … GROUP BY."""
    return [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} (unit_id, level, day, {', '.join(COUNT_COLUMNS)}) {_counts_select(dialect)}",
    ]


def rebuild(conn: Connection) -> int:
    """Recompute every count from the dossiers (after a bulk load without triggers, or to repair).
    Returns the number of rows written."""
    for stmt in rebuild_sql(conn.dialect.name):
        conn.exec_driver_sql(stmt)
    return conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one()


def differences(conn: Connection) -> int:
    """How many (unit, level, day) rows of the table differ from a rebuild, without writing anything
    (`cchc doctor`): rows missing on either side or with another count. One pass over `dossiers`."""
    columns = f"unit_id, level, day, {', '.join(COUNT_COLUMNS)}"
    nonzero = " OR ".join(f"{c} <> 0" for c in COUNT_COLUMNS)
    stored = f"SELECT {columns} FROM {TABLE} WHERE {nonzero}"
    counted = f"SELECT {columns} FROM ({_counts_select(conn.dialect.name)}) AS counted WHERE {nonzero}"
    return sum(
        conn.execute(text(f"SELECT count(*) FROM ({a} EXCEPT {b}) AS differing")).scalar_one()
        for a, b in ((stored, counted), (counted, stored))
    )


def add(conn: Connection, dossier_ids: list[int]) -> None:
    """Count dossiers written while the triggers were deferred (`deferred`), set-based."""
    if not dossier_ids:
        return
    add_matching(conn, "d.id IN (" + ", ".join(str(int(i)) for i in dossier_ids) + ")")


def add_matching(conn: Connection, only: str) -> None:
    """Count the dossiers `d` matching the SQL condition `only` written while the triggers were deferred
    (a bulk import names its rows by the staging table it loaded them from), in one statement."""
    sets = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COUNT_COLUMNS)
    conn.exec_driver_sql(
        f"INSERT INTO {TABLE} (unit_id, level, day, {', '.join(COUNT_COLUMNS)}) "
        f"SELECT * FROM ({_counts_select(conn.dialect.name, only)}) AS counted WHERE true "  # WHERE: SQLite's upsert parse
        f"ON CONFLICT (unit_id, level, day) DO UPDATE SET {sets}"
    )


@contextmanager
def deferred(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: new dossiers are not counted row by row; the caller counts
    them with `add` (a bulk import: a few set-based statements instead of four upserts per row).

    Only for inserts of new dossiers: an update or delete inside would go uncounted. SQLite drops
    the triggers inside the transaction (its DDL is transactional; WAL readers are not blocked);
    PostgreSQL sets a transaction-local flag the trigger function reads, without any lock."""
    if conn.dialect.name == "sqlite":
        if not conn.connection.driver_connection.in_transaction:
            # sqlite3 would autocommit the DROP TRIGGER at once and the rollback of a refused import
            # could not bring the triggers back.
            raise RuntimeError("daily.deferred cần một giao dịch SQLite đang mở (SAVEPOINT hoặc BEGIN) trước khi bỏ trigger.")
        uninstall(conn)
        try:
            yield
        finally:
            install(conn)
        return
    conn.exec_driver_sql(f"SELECT set_config('{_DEFER_SETTING}', 'on', true)")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"SELECT set_config('{_DEFER_SETTING}', '', true)")


@event.listens_for(Base.metadata, "after_create")
def _install_after_create_all(target, connection: Connection, **kw) -> None:
    """`Base.metadata.create_all` (tests, benchmarks) gets the triggers the migrations install."""
    names = {t.name for t in kw.get("tables") or target.sorted_tables}
    if {"dossiers", TABLE} <= names:
        install(connection)


@event.listens_for(Base.metadata, "after_drop")
def _uninstall_after_drop_all(target, connection: Connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {NAME}()")
