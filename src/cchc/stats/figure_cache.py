"""Figures of a closed period kept once computed (figure_cache), and the versions that say they still hold.
The dashboard, the report page (cchc.reports: reports.figures.figures_of) and the drill-down read through it.

A figure of a period that is over changes only when the data of that period changes afterwards: a late
correction of a dossier, a PAKN answered late, a unit reorganised. Triggers count every such change, in the
writer's transaction, whoever writes (service, import, demo, SQL), so a cached figure is never stale:

    figure_dossier_months   per unit and month, how many times a dossier of that unit received that month
                            (or a step handled by that unit, started that month) was written. Triggers on
                            dossiers and on the tables of a dossier's details (steps, components, files,
                            events), so a receipt today moves only this month's row: a closed quarter's
                            figures stay valid while the counter works.
    figure_table_versions   per table, how many statements wrote it: every other table a figure reads
                            (procedures, PAKN, ratings, tasks, registers, units…), rarely written.

A cached entry stores the version it was computed at (`source_version`): the sum of the unit subtree's
month counters up to the period's last month and of the table counters. Counters only grow, so any change
that could move a figure moves the version and the entry is computed again on its next read. A change in
another unit's subtree, or in a later month, leaves it alone.

On PostgreSQL the triggers are statement-level with transition tables (one grouped upsert per statement,
so a bulk import pays once per statement, not per row); SQLite has only row triggers (one upsert per row).
A migration that rebuilds `dossiers` (SQLite batch mode) calls `install` again with the tables of its revision; one
that adds a table figures read installs that table's triggers (`table_version_ddl`).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy import JSON, BigInteger, Date, DateTime, Integer, String, UniqueConstraint, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from cchc import clock
from cchc.db import Base

CACHE, MONTHS, TABLES = "figure_cache", "figure_dossier_months", "figure_table_versions"
TRIGGER = "figure_versions"
# A dossier's details: a change there is a change of the dossier (its unit and month).
DOSSIER_DETAILS = ("dossier_steps", "dossier_components", "dossier_files", "dossier_events")
# Every other table a figure reads: a write to it moves its version. The list is explicit, and every table of the
# schema is either here or in UNVERSIONED (tests/stats/test_figure_cache_tables.py): a new table is classified by
# whoever adds it, and a new versioned table gets its triggers from its own migration
# (`op.execute` of `table_version_ddl(dialect, [name])`), never from a migration that came before it.
VERSIONED = (
    "calendar_overrides", "feedback", "feedback_events", "feedback_votes", "manual_figures", "office_hours",
    "procedure_components", "procedure_fees", "procedure_fields", "procedure_publications", "procedure_steps",
    "procedures", "ratings", "reform_communications", "reform_directives", "reform_inspections", "reform_plan_items",
    "report_narratives", "submission_events", "submission_reminders", "submissions", "task_documents", "task_events",
    "task_reminders", "task_units", "tasks", "unit_reporting", "unit_successions", "units",
)
# Tables no figure reads, or that are bookkeeping written on every request: no version.
UNVERSIONED = {
    CACHE, MONTHS, TABLES, "dossiers", *DOSSIER_DETAILS, "dossier_day_counts", "dossier_counters",
    "audit_log", "audit_head", "auth_sessions", "login_attempts", "users", "alembic_version", "cache_generations",
    "payments",  # no figure reads it: the 766 payment figure counts the dossiers' paid_online
    "job_dead_letters",  # the job queue's failures (cchc.jobs): no figure reads them
    # Messages sent and the national portal's outbox: 766's sync indicators read the dossiers' synced_dvcqg, which
    # an acknowledgement sets (a dossier write, counted by the month counters), never these tables.
    "notifications", "notification_preferences", "sync_outbox", "sync_inbound",
}
NO_MONTH = "0000-00"  # a dossier not received yet: before every month


class FigureCache(Base):
    """One cached figure set of a unit and a closed window, with the version of the data it was computed at."""

    __tablename__ = CACHE
    __table_args__ = (UniqueConstraint("unit_id", "period_start", "period_end", "kind", name="uq_figure_cache_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    source_version: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime)


class FigureDossierMonth(Base):
    __tablename__ = MONTHS

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM of received_at (steps: started_at)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class FigureTableVersion(Base):
    __tablename__ = TABLES

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


# ---- the triggers --------------------------------------------------------------------------------------

def versioned_tables() -> list[str]:
    """Every table of the schema that a figure may read, apart from the dossiers and their details."""
    return sorted(VERSIONED)


def _month(dialect: str, col: str) -> str:
    if dialect == "sqlite":
        return f"coalesce(strftime('%Y-%m', {col}), '{NO_MONTH}')"
    return f"coalesce(to_char({col}, 'YYYY-MM'), '{NO_MONTH}')"


def _bump_months(select_sql: str) -> str:
    """Upsert of (unit_id, month, n) rows into the month counters."""
    return (f"INSERT INTO {MONTHS} (unit_id, month, version) {select_sql} "
            f"ON CONFLICT (unit_id, month) DO UPDATE SET version = {MONTHS}.version + excluded.version")


def _dossier_rows(dialect: str, alias: str, table: str) -> list[str]:
    """SELECTs of the (unit, month, 1) rows a change of `table`'s row `alias` moves (row: NEW/OLD, or a
    transition table on PostgreSQL, then grouped)."""
    m = _month(dialect, "d.received_at")
    pg = dialect == "postgresql"
    if table == "dossiers":
        if pg:
            return [f"SELECT d.unit_id, {m}, count(*) FROM {alias} d WHERE d.unit_id IS NOT NULL GROUP BY 1, 2"]
        return [f"SELECT {alias}.unit_id, {_month(dialect, f'{alias}.received_at')}, 1 WHERE {alias}.unit_id IS NOT NULL"]
    src = f"{alias} r JOIN dossiers d ON d.id = r.dossier_id" if pg else f"dossiers d WHERE d.id = {alias}.dossier_id"
    group = " GROUP BY 1, 2" if pg else ""
    where = " WHERE" if pg else " AND"
    rows = [f"SELECT d.unit_id, {m}, count(*) FROM {src}{where} d.unit_id IS NOT NULL{group}" if pg
            else f"SELECT d.unit_id, {m}, 1 FROM {src}{where} d.unit_id IS NOT NULL"]
    if table == "dossier_steps":  # the unit that handled the step (liên thông figures count by it)
        sm = _month(dialect, "s.started_at")
        if pg:
            rows.append(f"SELECT s.unit_id, {sm}, count(*) FROM {alias} s WHERE s.unit_id IS NOT NULL GROUP BY 1, 2")
        else:
            rows.append(f"SELECT {alias}.unit_id, {_month(dialect, f'{alias}.started_at')}, 1 WHERE {alias}.unit_id IS NOT NULL")
    return rows


def table_version_ddl(dialect: str, tables) -> list[str]:
    """The triggers that count the statements writing each of `tables` (PostgreSQL: the shared function the
    dossier triggers' install creates, `{TRIGGER}_table()`)."""
    out = []
    for table in tables:
        if dialect == "sqlite":
            body = (f"INSERT INTO {TABLES} (name, version) VALUES ('{table}', 1) "
                    f"ON CONFLICT (name) DO UPDATE SET version = {TABLES}.version + 1")
            for when in ("INSERT", "UPDATE", "DELETE"):
                out.append(f"CREATE TRIGGER {TRIGGER}_{table}_{when.lower()[:3]} AFTER {when} ON {table} BEGIN {body}; END")
        else:
            out.append(f"CREATE TRIGGER {TRIGGER}_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}_table()")
    return out


def install_ddl(dialect: str, tables=VERSIONED) -> list[str]:
    """Every trigger: the dossiers' and their details' month counters, and the counters of `tables` (a migration
    passes the tables that exist at its revision)."""
    out = []
    if dialect == "sqlite":
        for table in ("dossiers", *DOSSIER_DETAILS):
            for op, rows in (("ins", ["NEW"]), ("upd", ["OLD", "NEW"]), ("del", ["OLD"])):
                when = {"ins": "INSERT", "upd": "UPDATE", "del": "DELETE"}[op]
                # "WHERE true" inside: SQLite's upsert after a SELECT needs it to parse ON CONFLICT.
                body = "; ".join(_bump_months(f"SELECT * FROM ({s}) WHERE true") for r in rows
                                 for s in _dossier_rows(dialect, r, table))
                out.append(f"CREATE TRIGGER {TRIGGER}_{table}_{op} AFTER {when} ON {table} BEGIN {body}; END")
        return out + table_version_ddl(dialect, sorted(tables))
    for table in ("dossiers", *DOSSIER_DETAILS):
        fn = f"{TRIGGER}_{table}"
        parts = []
        for op, rel in (("INSERT", ["new_rows"]), ("UPDATE", ["old_rows", "new_rows"]), ("DELETE", ["old_rows"])):
            stmts = ";\n    ".join(_bump_months(s) for r in rel for s in _dossier_rows(dialect, r, table))
            parts.append(f"  {'IF' if op == 'INSERT' else 'ELSIF'} TG_OP = '{op}' THEN\n    {stmts};")
        out.append(f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"
                   + "\n".join(parts) + "\n  END IF;\n  RETURN NULL;\nEND\n$fn$")
        out += [
            f"CREATE TRIGGER {fn}_ins AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
            f"CREATE TRIGGER {fn}_upd AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
            f"CREATE TRIGGER {fn}_del AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        ]
    out.append(f"CREATE OR REPLACE FUNCTION {TRIGGER}_table() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"
               f"  INSERT INTO {TABLES} (name, version) VALUES (TG_TABLE_NAME, 1) "
               f"ON CONFLICT (name) DO UPDATE SET version = {TABLES}.version + 1;\n  RETURN NULL;\nEND\n$fn$")
    return out + table_version_ddl(dialect, sorted(tables))


def uninstall_ddl(conn: Connection) -> list[str]:
    """DROP of every trigger of ours present (found by name: the tables may have changed since install)."""
    if conn.dialect.name == "sqlite":
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :n"),
                             {"n": TRIGGER + "%"}).scalars()
        return [f'DROP TRIGGER IF EXISTS "{n}"' for n in names]
    rows = conn.execute(text(
        "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE :n AND pg_table_is_visible(c.oid)"), {"n": TRIGGER + "%"}).all()
    return [f'DROP TRIGGER IF EXISTS "{n}" ON "{rel}"' for n, rel in rows]


def install(conn: Connection, tables=VERSIONED) -> None:
    """(Re)create the triggers that count the changes figures depend on."""
    for stmt in uninstall_ddl(conn) + install_ddl(conn.dialect.name, tables):
        conn.exec_driver_sql(stmt)


def installed(conn: Connection) -> bool:
    return bool(uninstall_ddl(conn))


@event.listens_for(Base.metadata, "after_create")
def _install_after_create_all(target, connection: Connection, **kw) -> None:
    """`Base.metadata.create_all` (tests, benchmarks) gets the triggers migration 0008 installs."""
    names = {t.name for t in kw.get("tables") or target.sorted_tables}
    if {"dossiers", MONTHS, TABLES} <= names:
        install(connection)


@event.listens_for(Base.metadata, "after_drop")
def _drop_functions(target, connection: Connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        for table in ("dossiers", *DOSSIER_DETAILS, "table"):
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TRIGGER}_{table}()")


# ---- reading and writing the cache ---------------------------------------------------------------------

def source_version(session: Session, unit_path: str, end: date) -> str:
    """The version of the data a figure of the unit's subtree up to `end` reads: month counters of the
    subtree up to end's month, and every versioned table's counter."""
    months = session.execute(text(
        f"SELECT coalesce(sum(m.version), 0) FROM {MONTHS} m JOIN units u ON u.id = m.unit_id "
        "WHERE u.path LIKE :p AND m.month <= :m"), {"p": unit_path + "%", "m": f"{end:%Y-%m}"}).scalar_one()
    tables = session.execute(text(f"SELECT coalesce(sum(version), 0) FROM {TABLES}")).scalar_one()
    return f"{int(months)}.{int(tables)}"


def closed(end: date) -> bool:
    """A window that ended before today: its figures no longer move with the clock."""
    return end < clock.today()


# JSON keeps str, int, float, bool, None, lists and dicts with str keys; every other value a figure holds is
# written tagged and read back as itself, so that a cached figure set equals the one computed.
_TAGS = {"date": date.fromisoformat, "datetime": datetime.fromisoformat, "decimal": Decimal}


def encode(value):
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"__items__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted((encode(v) for v in value), key=repr)}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"figure_cache: cannot keep a {type(value).__name__}")


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, inner), = value.items()
        if key == "__items__":
            return {decode(k): decode(v) for k, v in inner}
        if key == "__tuple__":
            return tuple(decode(v) for v in inner)
        if key == "__set__":
            return {decode(v) for v in inner}
        if key.startswith("__") and key.endswith("__") and key[2:-2] in _TAGS:
            return _TAGS[key[2:-2]](inner)
    return {k: decode(v) for k, v in value.items()}


def cached(session: Session, unit, start: date, end: date, kind: str, compute: Callable[[], dict]) -> dict:
    """`compute()` of a unit and closed window, read from the cache while the data it read is unchanged.

    An open window (one that includes today) is always computed: its figures judge open dossiers at now.
    Written on the request's connection, outside the ORM: a cache row is not anyone's change to audit."""
    if not closed(end):
        return compute()
    version = source_version(session, unit.path, end)
    key = {"u": unit.id, "s": start, "e": end, "k": kind}
    row = session.execute(text(f"SELECT payload, source_version FROM {CACHE} "
                               "WHERE unit_id = :u AND period_start = :s AND period_end = :e AND kind = :k"), key).first()
    if row is not None and row.source_version == version:
        return decode(row.payload if isinstance(row.payload, dict) else json.loads(row.payload))
    figures = compute()
    conn = session.connection()
    value = ":p" if conn.dialect.name == "sqlite" else "CAST(:p AS JSON)"
    params = {**key, "p": json.dumps(encode(figures), ensure_ascii=False), "v": version, "at": clock.now()}
    conn.execute(text(
        f"INSERT INTO {CACHE} (unit_id, period_start, period_end, kind, payload, source_version, computed_at) "
        f"VALUES (:u, :s, :e, :k, {value}, :v, :at) ON CONFLICT (unit_id, period_start, period_end, kind) DO UPDATE SET "
        "payload = excluded.payload, source_version = excluded.source_version, computed_at = excluded.computed_at"),
        params)
    return figures
