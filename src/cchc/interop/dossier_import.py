"""Import of dossiers (hồ sơ) from a file with the field names of the national portal (DVCQG), ALL OR NOTHING.

The file is read a chunk at a time, each chunk validated (cchc.interop.dossier_validation; the first bad row
is refused with its row number as in the file — header = row 1 — and its column) then written with bulk
inserts (cchc.interop.bulk), all inside one savepoint that the first bad row rolls back, with one DossierEvent
"nhap_du_lieu" per dossier recording who imported it and from which file. Memory holds one chunk, not the
file. An imported dossier keeps its own NgayHenTra. The columns: cchc.interop.dossier_columns.

A row whose state implies a date it lacks (a supplement request without NgayYeuCauBoSung, a returned
dossier without NgayTra …) is imported with that date unknown: its import event names the date, and the
result's "unknown_dates" ({column: rows}) and "notes" (Vietnamese sentences) say how many rows lacked
what and how they are counted. Impossible data (ended before received …) still refuses the whole file.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cchc.audit import service as audit
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import ImportRejected
from cchc.interop.bulk import BulkWriter, RawJSON
from cchc.interop.dossier_columns import CHUNK, KNOWN_COLUMNS, REQUIRED_COLUMNS
from cchc.interop.dossier_validation import Validator
from cchc.sheets.progress import tracker
from cchc.sheets.tabular import open_rows
from cchc.stats import daily
from cchc.values import cell_text

EVENT_ACTION = "nhap_du_lieu"


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

    The rows are taken CHUNK at a time: each chunk is validated, then written, inside one savepoint of the
    caller's transaction — the first bad row rolls back every chunk already written, so the import stays all
    or nothing while no more than one chunk is held in memory. `total` (how many rows, if known) is only for
    the progress bars."""
    if isinstance(rows, Sequence):
        total = len(rows)
    rows = iter(rows)
    chunk = list(islice(rows, CHUNK))
    if chunk:
        missing = [c for c in REQUIRED_COLUMNS if c not in chunk[0][1]]
        if missing:
            raise ImportRejected(
                f"Dữ liệu «{source}» thiếu cột bắt buộc: {', '.join(missing)}. Các cột cần có: {', '.join(REQUIRED_COLUMNS)}."
            )
    validator = Validator(session, actor, source)
    check = tracker(progress, "Kiểm tra dữ liệu", total)
    write = tracker(progress, "Ghi vào cơ sở dữ liệu", total)
    by_state: Counter = Counter()
    if chunk:
        with _Writer(session, source, actor, validator.now, total or len(chunk)) as writer:
            while chunk:
                records = _validate(session, validator, chunk, source, writer.first_id)
                check.advance(len(chunk))
                writer.write(records)
                write.advance(len(records))
                by_state.update(r["state"] for _, r, _ in records)
                chunk = list(islice(rows, CHUNK))
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


def _code_in(session: Session, codes: Iterable[str]):
    """Dossier.code IN (…) for thousands of codes: one array parameter on PostgreSQL (= ANY), else IN."""
    column = Dossier.__table__.c.code
    codes = list(codes)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("codes", codes, type_=ARRAY(String)))
    return column.in_(codes)


def _validate(session: Session, validator: Validator, chunk: list[tuple[int, dict]], source: str,
              first_id: int | None) -> list[tuple[int, dict, tuple[str, ...]]]:
    """One chunk of rows checked in file order: (row number, dossiers row, the dates it lacks); the first
    error stops the import.

    A code repeated in the file is found in the database once its first row's chunk is written (dossier ids from
    `first_id` on are this import's): the import event written with it gives that row's number, so no list of
    the file's codes is kept in memory."""
    table = Dossier.__table__
    codes = {cell_text(r.get("MaHoSo")) for _, r in chunk}
    codes.discard("")
    in_db = set(session.execute(select(table.c.code).where(_code_in(session, codes))).scalars()) if codes else set()
    seen: dict[str, int] = {}
    records: list[tuple[int, dict, tuple[str, ...]]] = []
    for number, row in chunk:
        record, unknown = validator.dossier(number, row)
        code = record["code"]
        if code in seen:
            raise ImportRejected(f"mã hồ sơ «{code}» trùng với dòng {seen[code]} của tệp.", row=number, column="MaHoSo")
        if code in in_db:
            earlier = _imported_row(session, code, first_id, source) if first_id is not None else None
            if earlier is not None:
                raise ImportRejected(f"mã hồ sơ «{code}» trùng với dòng {earlier} của tệp.", row=number, column="MaHoSo")
            raise ImportRejected(f"mã hồ sơ «{code}» đã có trong cơ sở dữ liệu.", row=number, column="MaHoSo")
        seen[code] = number
        records.append((number, record, unknown))
    return records


def _imported_row(session: Session, code: str, first_id: int, source: str) -> int | None:
    """The row of this import (dossier ids from `first_id` on) that wrote dossier `code`, if it was this import."""
    events, dossiers = DossierEvent.__table__, Dossier.__table__
    found = session.execute(
        select(events.c.data)
        .join(dossiers, dossiers.c.id == events.c.dossier_id)
        .where(dossiers.c.code == code, dossiers.c.id >= first_id, events.c.action == EVENT_ACTION)
    ).scalars().all()
    for data in found:
        data = json.loads(data) if isinstance(data, str) else data
        if isinstance(data, dict) and data.get("source") == source:
            return data.get("row")
    return None


class _Writer:
    """The writing side of an import: one savepoint inside the caller's transaction, bulk inserts of the
    dossiers of each chunk then of their events, the day counts of each chunk in one statement, and one audit
    entry for the whole import when it ends well."""

    def __init__(self, session: Session, source: str, actor, now: datetime, expected_rows: int):
        self.session, self.source, self.actor, self.now = session, source, actor, now
        self.expected_rows = expected_rows
        self.actor_id = actor.id if actor is not None else None
        self.actor_name = _actor_name(actor)
        self.note = f"Nhập dữ liệu từ «{source}»"
        self.source_json = json.dumps(source, ensure_ascii=False)
        self.connection = session.connection()
        self.dossier_writer: BulkWriter | None = None
        self.event_writer = BulkWriter(
            self.connection,
            DossierEvent.__table__,
            ("dossier_id", "at", "actor_id", "actor_name", "action", "from_state", "to_state", "note", "data"),
        )
        self.codes: list[str] = []  # the first audit.BULK_KEYS codes, for the audit entry
        self.first_id: int | None = None  # the smallest dossier id this import wrote
        self.count = 0
        self._stack = ExitStack()

    def __enter__(self) -> "_Writer":
        # The day counts (cchc.stats.daily) of each chunk in one statement, not by a trigger per row.
        self._stack.enter_context(self.session.begin_nested())
        # The SAVEPOINT goes out now, before daily.deferred's DDL: SQLAlchemy emits it lazily, and SQLite's
        # driver runs DDL outside any transaction (autocommitted, so a refused file would leave the triggers
        # dropped for good) unless one is already open.
        self.session.connection()
        self._stack.enter_context(_sqlite_cache(self.connection, self.expected_rows))
        self._stack.enter_context(daily.deferred(self.connection))
        return self

    def write(self, records: list[tuple[int, dict, tuple[str, ...]]]) -> None:
        if not records:
            return
        dossiers = Dossier.__table__
        session = self.session
        if self.dossier_writer is None:
            self.dossier_writer = BulkWriter(self.connection, dossiers, records[0][1].keys())
        self.dossier_writer.insert([r for _, r, _ in records])
        codes = [r["code"] for _, r, _ in records]
        ids = dict(session.execute(select(dossiers.c.code, dossiers.c.id).where(_code_in(session, codes))).all())
        daily.add(self.connection, list(ids.values()))
        if self.first_id is None:
            self.first_id = min(ids.values())
        self.event_writer.insert(
            [
                {
                    "dossier_id": ids[r["code"]],
                    "at": self.now,
                    "actor_id": self.actor_id,
                    "actor_name": self.actor_name,
                    "action": EVENT_ACTION,
                    "from_state": None,
                    "to_state": r["state"],
                    "note": f"{self.note}, dòng {number}" + (f"; tệp không có {', '.join(unknown)}." if unknown else "."),
                    "data": self._event_data(number, r["code"], unknown),
                }
                for number, r, unknown in records
            ]
        )
        self.codes.extend(codes[: max(0, audit.BULK_KEYS - len(self.codes))])
        self.count += len(codes)

    def _event_data(self, number: int, code: str, unknown: tuple[str, ...]) -> RawJSON:
        """The import event's data, serialised here (one string per row, not json.dumps of a dict)."""
        quote = json.encoder.encode_basestring
        lacked = f', "NgayChuaBiet": [{", ".join(quote(c) for c in unknown)}]' if unknown else ""
        return RawJSON(f'{{"source": {self.source_json}, "row": {number}, "MaHoSo": {quote(code)}{lacked}}}')

    def __exit__(self, kind, exc, tb) -> bool:
        if kind is None and self.count:
            try:
                # Written on the connection, not through the ORM: the audit log gets the import as one entry.
                more = self.count - len(self.codes)
                audit.record(self.session, "nhap_tep", Dossier.__table__.name, after={
                    "nguon": self.source, "so_ho_so": self.count,
                    "ma_ho_so": self.codes + ([f"… và {more} hồ sơ khác"] if more > 0 else []),
                }, actor=self.actor)
            except BaseException:
                self._stack.__exit__(*sys.exc_info())
                raise
        try:
            self._stack.__exit__(kind, exc, tb)  # the savepoint: released, or rolled back on any error
        except IntegrityError as error:
            raise self._refused(error) from None
        if isinstance(exc, IntegrityError):
            raise self._refused(exc) from None
        return False

    def _refused(self, error: IntegrityError) -> ImportRejected:
        return ImportRejected(
            f"Không ghi được dữ liệu «{self.source}» (vi phạm ràng buộc của cơ sở dữ liệu, có thể một mã hồ sơ vừa "
            f"được tạo đồng thời): {str(error.orig).splitlines()[0]}. Không có hồ sơ nào được ghi."
        )


@contextmanager
def _sqlite_cache(connection, rows: int):
    """SQLite: a page cache big enough for one large import (about 2 KiB per dossier with its indexes
    and event, at most 1 GiB) so that the transaction is not spilled to disk page by page; the
    connection's own setting is restored afterwards."""
    if connection.dialect.name != "sqlite" or rows < CHUNK:
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{min(1 << 20, 64 * 1024 + 2 * rows)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def _actor_name(actor) -> str:
    if actor is not None:
        return actor.full_name or actor.username
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return f"Người vận hành ({user})" if user else "Người vận hành"
