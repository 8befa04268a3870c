"""Import of dossiers (hồ sơ) from a file with the field names of the national portal (DVCQG), ALL OR NOTHING.

Two passes inside one savepoint of the caller's transaction, memory flat whatever the file's size:

1. Check. The file is read a row at a time (cchc.sheets.tabular), each row checked against the units and
   procedures read once per import (cchc.interop.dossier_validation), and the good rows written CHUNK at a
   time into a temporary staging table (COPY on PostgreSQL, executemany on SQLite: cchc.interop.bulk). Codes
   repeated in the file or already in the database are found by two queries on the staging table, not by a
   set of codes in memory. Every error is kept with its row number as in the file (header = row 1) and its
   column, up to MAX_ERRORS (then the check stops); any error refuses the whole file and nothing is written.
2. Load, set-based: one INSERT … SELECT of the dossiers in file order, one of their import events
   ("nhap_du_lieu": who, from which file, which row), the day counts of the new dossiers in one statement
   (cchc.stats.daily, its per-row triggers deferred meanwhile) and one audit entry for the file. A failure
   anywhere rolls the savepoint back: nothing is left, not even the staging table.

An imported dossier keeps its own NgayHenTra. The columns: cchc.interop.dossier_columns.

A row whose state implies a date it lacks (a supplement request without NgayYeuCauBoSung, a returned
dossier without NgayTra …) is imported with that date unknown: its import event names the date, and the
result's "unknown_dates" ({column: rows}) and "notes" (Vietnamese sentences) say how many rows lacked
what and how they are counted. Impossible data (ended before received …) still refuses the whole file.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterable, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cchc.audit import service as audit
from cchc.dossiers.models import Dossier
from cchc.errors import ImportRejected
from cchc.interop.bulk import BulkWriter
from cchc.interop.dossier_columns import CHUNK, KNOWN_COLUMNS, REQUIRED_COLUMNS
from cchc.interop.dossier_validation import Validator
from cchc.sheets.progress import tracker
from cchc.sheets.tabular import open_rows
from cchc.stats import daily

EVENT_ACTION = "nhap_du_lieu"
MAX_ERRORS = 20  # errors named in one refusal; the check stops at the 20th bad row
STAGING = "cchc_import_staging"
STAGING_ONLY = ("row_number", "seq", "unknown_dates")  # the staging table's columns that are not the dossier's
SQLITE_CACHE_KIB = 64 * 1024  # as every connection has it (cchc.db): SQLite sorts in as much again


def import_dossiers(session: Session, path: Path | str, progress=None, *, actor=None) -> dict[str, Any]:
    """Import a CSV/XLSX/JSON file of dossiers with DVCQG column names; all or nothing.

    Returns {"dossiers", "events", "by_state", "source", "ignored_columns", "unknown_dates", "notes"}; raises ImportRejected
    (row number as in the file, column) and writes nothing when any row is wrong. The file is read as
    it is imported (cchc.sheets.tabular.open_rows), so memory stays flat however long it is.
    """
    path = Path(path)
    with open_rows(path, required=REQUIRED_COLUMNS) as table:
        result = import_dossier_rows(session, table, source=path.name, progress=progress, actor=actor, total=table.estimate)
        if not result["dossiers"]:
            raise ImportRejected(f"Tệp «{path.name}» không có dòng dữ liệu nào (chỉ có dòng tiêu đề).")
        result["ignored_columns"] = [c for c in table.columns if c and c not in KNOWN_COLUMNS]
    return result


def import_dossier_rows(
    session: Session,
    rows: Iterable[tuple[int, dict]],
    source: str = "dữ liệu nhập",
    progress=None,
    *,
    actor=None,
    total: int | None = None,
) -> dict[str, Any]:
    """The same as import_dossiers, from (row number, {DVCQG column: value}) pairs, in file order.

    The rows are checked as they come and staged CHUNK at a time (see the module's docstring); `total` (how
    many rows, if known) is only for the progress bars."""
    if isinstance(rows, Sequence):
        total = len(rows)
    rows = iter(rows)
    first = next(rows, None)
    if first is not None:
        missing = [c for c in REQUIRED_COLUMNS if c not in first[1]]
        if missing:
            raise ImportRejected(
                f"Dữ liệu «{source}» thiếu cột bắt buộc: {', '.join(missing)}. Các cột cần có: {', '.join(REQUIRED_COLUMNS)}."
            )
    validator = Validator(session, actor, source)
    check = tracker(progress, "Kiểm tra dữ liệu", total)
    write = tracker(progress, "Ghi vào cơ sở dữ liệu", total)
    by_state: dict[str, int] = {}
    if first is not None:
        with _Import(session, source, actor, validator.now) as job:
            job.stage(chain([first], rows), validator, check)
            by_state = job.load()
            write.advance(job.count)
    check.finish()
    write.finish()
    count = sum(by_state.values())
    return {
        "dossiers": count,
        "events": count,
        "by_state": dict(sorted(by_state.items())),
        "source": source,
        "ignored_columns": [],
        "unknown_dates": dict(validator.unknown.counts),
        "notes": validator.unknown.lines(),
    }


@cache
def _staging_table(keys: tuple[str, ...]) -> Table:
    """The temporary table an import stages its checked rows in: the dossier columns the validator gives (`keys`;
    the others are the same for every row, given once by the INSERT … SELECT), the row number in the file, the
    row's rank among the staged rows and the dates the row lacked («NgayTra, NgayYeuCauBoSung»). The row number
    is the key: on SQLite the rowid itself, so file order is free."""
    dossiers = Dossier.__table__.columns
    columns = [
        Column("row_number", Integer, primary_key=True, autoincrement=False),
        Column("seq", Integer, nullable=False),  # 1, 2, 3 … in file order: the dossier id is the first id + seq - 1
        Column("unknown_dates", Text),
    ] + [Column(key, dossiers[key].type) for key in keys if key not in STAGING_ONLY]
    return Table(STAGING, MetaData(), *columns, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


def _constant_columns(given: set[str]) -> list[tuple[Column, Any]]:
    """The dossier columns an import does not take from the file and the database does not fill: (column, its
    default), the same for every imported dossier."""
    out = []
    for c in Dossier.__table__.columns:
        if c.name in given or c.primary_key or c.server_default is not None:
            continue
        default = c.default
        out.append((c, None if default is None else default.arg(None) if default.is_callable else default.arg))
    return out


class _Import:
    """One import inside a savepoint of the caller's transaction: the staging table, the check (`stage`) and the
    set-based load (`load`). Leaving with an error rolls everything back, the staging table included."""

    def __init__(self, session: Session, source: str, actor, now: datetime):
        self.session, self.source, self.actor, self.now = session, source, actor, now
        self.connection = session.connection()
        self.staging: Table | None = None  # created with the first rows staged: its columns are theirs
        self.count = 0  # rows staged
        self._stack = ExitStack()

    def __enter__(self) -> "_Import":
        self._stack.enter_context(self.session.begin_nested())
        # The SAVEPOINT goes out now, before any DDL (the staging table, daily.deferred's triggers): SQLAlchemy
        # emits it lazily, and SQLite's driver runs DDL outside any transaction (autocommitted, beyond the
        # reach of a rollback) unless one is already open.
        self.session.connection()
        self._stack.enter_context(_sqlite_settings(self.connection))
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        try:
            self._stack.__exit__(kind, exc, tb)  # the savepoint: released, or rolled back on any error
        except IntegrityError as error:
            raise self._refused(error) from None
        if isinstance(exc, IntegrityError):
            raise self._refused(exc) from None
        return False

    # ---- pass 1: check and stage
    def stage(self, rows: Iterable[tuple[int, dict]], validator: Validator, check) -> None:
        """Check every row and stage the good ones; raise ImportRejected naming every error (up to MAX_ERRORS)."""
        errors: list[ImportRejected] = []
        writer: BulkWriter | None = None
        batch: list[dict] = []
        read = 0
        stopped = False
        for number, row in rows:
            read += 1
            try:
                record, unknown = validator.dossier(number, row)
            except ImportRejected as error:
                errors.append(error)
                if len(errors) >= MAX_ERRORS:
                    stopped = True
                    break
                continue
            record["row_number"] = number
            record["seq"] = self.count + len(batch) + 1
            record["unknown_dates"] = ", ".join(unknown) if unknown else None
            batch.append(record)
            if len(batch) >= CHUNK:
                writer = self._write(writer, batch)
                check.advance(read)
                read, batch = 0, []
        if batch:
            writer = self._write(writer, batch)
        check.advance(read)
        if self.count:
            errors.extend(self._repeated_codes())
        if errors:
            raise _rejection(errors, stopped)

    def _write(self, writer: BulkWriter | None, batch: list[dict]) -> BulkWriter:
        if writer is None:
            self.staging = _staging_table(tuple(batch[0]))
            self.staging.create(self.connection)
            writer = BulkWriter(self.connection, self.staging, batch[0].keys())
        writer.insert(batch)
        self.count += len(batch)
        return writer

    def _repeated_codes(self) -> list[ImportRejected]:
        """Codes repeated in the file (from their second row on) or already in the database, by SQL on the staging
        table: no set of a million codes in memory."""
        c, staged = self.connection, STAGING
        if c.dialect.name == "postgresql":
            c.exec_driver_sql(f"ANALYZE {staged}")  # a temporary table has no statistics until asked
        limit = {"n": MAX_ERRORS}
        repeated = c.execute(text(
            f"SELECT s.row_number, s.code, f.first_row FROM {staged} s "
            f"JOIN (SELECT code, MIN(row_number) AS first_row FROM {staged} GROUP BY code HAVING COUNT(*) > 1) f "
            f"ON f.code = s.code WHERE s.row_number > f.first_row ORDER BY s.row_number LIMIT :n"
        ), limit).all()
        existing = c.execute(text(
            f"SELECT s.row_number, s.code FROM {staged} s JOIN dossiers d ON d.code = s.code "
            f"ORDER BY s.row_number LIMIT :n"
        ), limit).all()
        return [
            ImportRejected(f"mã hồ sơ «{code}» trùng với dòng {first} của tệp.", row=number, column="MaHoSo")
            for number, code, first in repeated
        ] + [
            ImportRejected(f"mã hồ sơ «{code}» đã có trong cơ sở dữ liệu.", row=number, column="MaHoSo")
            for number, code in existing
        ]

    # ---- pass 2: load, set-based
    def load(self) -> dict[str, int]:
        """The staged rows into dossiers and their events, the day counts and the audit entry; {state: dossiers}."""
        c, staged = self.connection, STAGING
        postgres = c.dialect.name == "postgresql"
        quote = c.dialect.identifier_preparer.quote
        staged_names = [col.name for col in self.staging.columns if col.name not in STAGING_ONLY]
        constants = _constant_columns(set(staged_names))
        names = ", ".join(quote(n) for n in staged_names + [col.name for col, _ in constants])
        values = ", ".join([quote(n) for n in staged_names] + [f":{col.name}" for col, _ in constants])
        insert = f"INSERT INTO dossiers ({names}) SELECT {values} FROM {staged} ORDER BY row_number"
        parameters = {col.name: value for col, value in constants}
        types = [bindparam(col.name, type_=col.type) for col, _ in constants]
        with daily.deferred(c):
            if postgres:
                low, high, count = c.execute(
                    text(f"WITH new AS ({insert} RETURNING id) SELECT min(id), max(id), count(*) FROM new").bindparams(*types),
                    parameters,
                ).one()
                ours = f"d.id BETWEEN {int(low)} AND {int(high)}"
                one_run = high - low + 1 == count
                if not one_run:
                    # Other sessions drew ids from the sequence meanwhile: the codes say which dossiers are ours
                    # (indexed, or the planner may scan the staging table once per dossier).
                    c.exec_driver_sql(f"CREATE INDEX ON {staged} (code)")
                    c.exec_driver_sql(f"ANALYZE {staged}")
                    ours += f" AND d.code IN (SELECT code FROM {staged})"
            else:
                c.execute(text(insert).bindparams(*types), parameters)
                # SQLite: the write lock is held from the INSERT to the end of the transaction and one INSERT gives
                # consecutive rowids, so this import's dossiers are the last `count` ids.
                high = c.exec_driver_sql("SELECT max(id) FROM dossiers").scalar_one()
                low = high - self.count + 1
                ours = f"d.id BETWEEN {int(low)} AND {int(high)}"
                one_run = True
            self._events(low, high, one_run)
            daily.add_matching(c, ours)
        by_state = dict(c.execute(text(f"SELECT state, COUNT(*) FROM {staged} GROUP BY state")).all())
        codes = list(c.execute(
            text(f"SELECT code FROM {staged} ORDER BY row_number LIMIT :n"), {"n": audit.BULK_KEYS}
        ).scalars())
        self.staging.drop(c)
        self.staging = None
        more = self.count - len(codes)
        audit.record(self.session, "nhap_tep", Dossier.__table__.name, after={
            "nguon": self.source, "so_ho_so": self.count,
            "ma_ho_so": codes + ([f"… và {more} hồ sơ khác"] if more > 0 else []),
        }, actor=self.actor)
        return by_state

    def _events(self, low: int, high: int, one_run: bool) -> None:
        """One "nhap_du_lieu" event per dossier, in file order: who, from which file and row, the dates it lacked.
        When the import's ids are one run (`one_run`: low … high, given in file order), a row's dossier id is
        low + seq - 1, with no look-up of a million codes; else the codes are joined."""
        c, staged = self.connection, STAGING
        postgres = c.dialect.name == "postgresql"
        row = "CAST(s.row_number AS TEXT)"
        code = "CAST(to_json(s.code) AS TEXT)" if postgres else "json_quote(s.code)"
        data = (
            f"""'{{"source": ' || CAST(:source AS TEXT) || ', "row": ' || {row} || ', "MaHoSo": ' || {code} """
            f"""|| COALESCE(', "NgayChuaBiet": ["' || replace(s.unknown_dates, ', ', '", "') || '"]', '') || '}}'"""
        )
        if postgres:
            data = f"CAST({data} AS JSON)"
        statement = text(
            "INSERT INTO dossier_events (dossier_id, at, actor_id, actor_name, action, from_state, to_state, note, data) "
            f"SELECT {':low - 1 + s.seq' if one_run else 'd.id'}, :at, :actor_id, :actor_name, :action, NULL, s.state, "
            f"CAST(:note AS TEXT) || {row} || COALESCE('; tệp không có ' || s.unknown_dates || '.', '.'), {data} "
            + (f"FROM {staged} s " if one_run else
               f"FROM {staged} s JOIN dossiers d ON d.code = s.code WHERE d.id BETWEEN :low AND :high ")
            + "ORDER BY s.row_number"
        ).bindparams(bindparam("at", type_=DateTime()), bindparam("actor_id", type_=Integer()))
        c.execute(statement, {
            "at": self.now,
            "actor_id": self.actor.id if self.actor is not None else None,
            "actor_name": _actor_name(self.actor),
            "action": EVENT_ACTION,
            "note": f"Nhập dữ liệu từ «{self.source}», dòng ",
            "source": json.dumps(self.source, ensure_ascii=False),
            "low": low,
            "high": high,
        })

    def _refused(self, error: IntegrityError) -> ImportRejected:
        return ImportRejected(
            f"Không ghi được dữ liệu «{self.source}» (vi phạm ràng buộc của cơ sở dữ liệu, có thể một mã hồ sơ vừa "
            f"được tạo đồng thời): {str(error.orig).splitlines()[0]}. Không có hồ sơ nào được ghi."
        )


def _rejection(errors: list[ImportRejected], stopped: bool) -> ImportRejected:
    """One refusal for the whole file: the first error in file order, then the others (at most MAX_ERRORS in all)."""
    errors.sort(key=lambda e: e.row or 0)
    first, others = errors[0], errors[1:MAX_ERRORS]
    if not others:
        return first
    more = (f" (dừng kiểm tra sau {MAX_ERRORS} lỗi đầu tiên)" if stopped or len(errors) > MAX_ERRORS else "")
    lines = [first.message, f"Còn {len(others)} lỗi khác{more}:"] + [f"– {e.message}" for e in others]
    lines.append("Không có hồ sơ nào được ghi: hãy sửa các dòng trên rồi nhập lại cả tệp.")
    refusal = ImportRejected("\n".join(lines))
    refusal.row, refusal.column, refusal.field = first.row, first.column, first.column
    return refusal


@contextmanager
def _sqlite_settings(connection):
    """SQLite, while an import writes its dossiers, events and their indexes: a page cache of SQLITE_CACHE_KIB and no
    memory-mapped reads. Both are the process's own memory (a mapped page read counts in its resident size, and
    SQLite's sorter for the GROUP BYs takes about as much as the cache): with a 128 MB cache and the connection's
    256 MB of mapped reads a million rows peaked at 385 MB, with a 1 GiB cache at 447 MB. The connection's own
    settings are restored afterwards."""
    if connection.dialect.name != "sqlite":
        yield
        return
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    mmap = connection.exec_driver_sql("PRAGMA mmap_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    connection.exec_driver_sql("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
        connection.exec_driver_sql(f"PRAGMA mmap_size={int(mmap)}")


def _actor_name(actor) -> str:
    if actor is not None:
        return actor.full_name or actor.username
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return f"Người vận hành ({user})" if user else "Người vận hành"
