"""Fast bulk INSERT of many rows of one table inside the caller's transaction (COPY on PostgreSQL)."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON as JSONType
from sqlalchemy import DateTime, Numeric, insert


class RawJSON(str):
    """A value already serialised as JSON, for a JSON column written by BulkWriter."""


class BulkWriter:
    """Fast bulk INSERT of many rows of one table inside the caller's transaction.

    PostgreSQL (psycopg 3): COPY … FROM STDIN. SQLite: one executemany of a prepared INSERT with the
    values already in SQLAlchemy's storage format (timestamps 'YYYY-MM-DD HH:MM:SS.ffffff'). Other
    databases: Core executemany. Columns the rows do not give get their column default (evaluated once
    per batch) or NULL; columns with a server default are left to the database.
    """

    def __init__(self, connection, table, keys: Iterable[str]):
        self.connection = connection
        self.table = table
        given = set(keys)
        dialect = connection.dialect
        self.mode = (
            "copy"
            if dialect.name == "postgresql" and dialect.driver == "psycopg"
            else "sqlite" if dialect.name == "sqlite" else "core"
        )
        self.columns = [c for c in table.columns if c.name in given] + [
            c
            for c in table.columns
            if c.name not in given
            and not (c.primary_key and c.autoincrement in (True, "auto"))
            and c.server_default is None
        ]
        self.given = given
        self.getters = []
        for c in self.columns:
            convert = self._converter(c) if self.mode != "core" else None
            self.getters.append((c.name, c.name in given, convert))
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(c.name) for c in self.columns)
        self.table_sql = preparer.format_table(table)
        self.names_sql = names
        self.insert_sql = f"INSERT INTO {self.table_sql} ({names}) VALUES ({', '.join('?' for _ in self.columns)})"

    def _converter(self, column):
        kind = column.type
        if isinstance(kind, JSONType):
            return lambda v: v if v.__class__ is RawJSON else json.dumps(v, ensure_ascii=False)
        if self.mode == "sqlite":
            if isinstance(kind, DateTime):
                return lambda v: v.isoformat(" ", "microseconds")
            if isinstance(kind, Numeric):
                return float
        return None

    def _defaults(self) -> dict[str, Any]:
        values = {}
        for c in self.columns:
            if c.name in self.given:
                continue
            default = c.default
            if default is None:
                values[c.name] = None
            elif default.is_callable:
                values[c.name] = default.arg(None)
            else:
                values[c.name] = default.arg
        return values

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        defaults = self._defaults()
        if self.mode == "core":
            rows = [{k: json.loads(v) if v.__class__ is RawJSON else v for k, v in r.items()} for r in rows]
            self.connection.execute(insert(self.table), [{**defaults, **r} for r in rows])
            return
        given = [(name, convert) for name, is_given, convert in self.getters if is_given]
        constants = tuple(
            convert(defaults[name]) if convert is not None and defaults[name] is not None else defaults[name]
            for name, is_given, convert in self.getters
            if not is_given
        )
        getter = operator.itemgetter(*[name for name, _ in given])
        conversions = [(i, convert) for i, (_, convert) in enumerate(given) if convert is not None]
        if len(given) == 1:
            tuples = [(getter(r),) + constants for r in rows]
        elif conversions:
            tuples = []
            for r in rows:
                values = list(getter(r))
                for i, convert in conversions:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                tuples.append(tuple(values) + constants)
        else:
            tuples = [getter(r) + constants for r in rows]
        if self.mode == "sqlite":
            self.connection.exec_driver_sql(self.insert_sql, tuples)
            return
        raw = self.connection.connection.dbapi_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {self.table_sql} ({self.names_sql}) FROM STDIN") as copy:
                for t in tuples:
                    copy.write_row(t)
