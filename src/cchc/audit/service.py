"""Every change of anything, appended to one hash-chained log that the database will not let anyone rewrite.

How changes reach the log, whoever writes them:
- ORM writes (the service functions, pages, API, CLI): after each flush, one entry per inserted, updated or
  deleted row, with the values before and after (`_record_flush`). A deleted row keeps its whole former
  content in the log: a hard delete becomes a recorded removal.
- Set-based writes through `Session.execute` (imports, the demo's bulk path, bulk updates): one entry per
  statement with its table, row count and the codes or keys it wrote (`_record_bulk`).
- Events that are not row changes (a login, a failed login, an import of a file): `record(...)`.

Who and from where come from `session.info` (`set_context`: the web layer puts the signed-in user, the client
address and the request id there); a session without them is the command line, named by the OS user.

The chain: entry n stores SHA-256(its fields + hash of entry n−1). Appending first moves `audit_head`
(UPDATE … RETURNING), which serialises concurrent writers until they commit, so the chain never forks.
`verify` recomputes it and names the first entry that was changed, removed or inserted out of order; the
database refuses UPDATE and DELETE on `audit_log` (triggers installed by `install`).
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Integer, String, bindparam, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from cchc import clock
from cchc.audit.models import GENESIS, AuditEntry, AuditHead
from cchc.db import Base, add_recorder

LOG, HEAD = AuditEntry.__table__, AuditHead.__table__

# Technical tables whose rows are not anyone's change: the log itself, login bookkeeping (logins are recorded
# as events), counts kept by triggers, code counters.
EXCLUDED = {LOG.name, HEAD.name, "auth_sessions", "login_attempts", "dossier_day_counts", "dossier_counters"}
# Never copied into the log, only noted as changed.
SECRET_COLUMNS = {"password_hash", "token_hash"}
# Columns whose change alone is bookkeeping, not a change of the thing (the login itself is recorded).
QUIET_COLUMNS = {"users": {"last_login_at"}}
# A bulk statement's entry lists at most this many of the codes or keys it wrote.
BULK_KEYS = 1000

# Actions, as stored and as shown to people.
ACTIONS = {
    "them": "Thêm",
    "sua": "Sửa",
    "xoa": "Xóa",
    "them_hang_loat": "Thêm hàng loạt",
    "sua_hang_loat": "Sửa hàng loạt",
    "xoa_hang_loat": "Xóa hàng loạt",
    "dang_nhap": "Đăng nhập",
    "dang_nhap_that_bai": "Đăng nhập thất bại",
    "nhap_tep": "Nhập tệp",
}


# ---- who and from where ---------------------------------------------------------------------------------
def set_context(session: Session, *, actor=None, client: str | None = None, request_id: str | None = None) -> None:
    """Name who acts through `session` (a User, or None for an anonymous visitor) and from where."""
    if actor is not None:
        session.info["audit_actor"] = (actor.id, f"{actor.username} ({actor.full_name})")
    if client is not None:
        session.info["audit_client"] = client
    if request_id is not None:
        session.info["audit_request_id"] = request_id


def _who(session: Session) -> tuple[int | None, str, str, str]:
    client = session.info.get("audit_client")
    actor = session.info.get("audit_actor")
    if actor is not None:
        actor_id, name = actor
    elif client is not None:
        actor_id, name = None, "Khách (chưa đăng nhập)"
    else:
        actor_id, name = None, f"Dòng lệnh ({_os_user()})"
    return actor_id, name, client or "", session.info.get("audit_request_id", "")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return "không rõ"


# ---- values as canonical JSON ---------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} byte>"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def canonical(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, letters as they are."""
    if value is None:
        return ""
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _shown(column: str, value: Any) -> Any:
    return "(đã đổi, không ghi)" if column in SECRET_COLUMNS else value


# ---- the chain ------------------------------------------------------------------------------------------
def entry_hash(e: dict | Any) -> str:
    get = e.get if isinstance(e, dict) else (lambda k: getattr(e, k))
    at = get("at")
    fields = [get("id"), at.isoformat(sep=" ") if isinstance(at, datetime) else str(at), get("actor_id"), get("actor_name"),
              get("client"), get("request_id"), get("action"), get("object_type"), get("object_id"), get("before"),
              get("after"), get("prev_hash")]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Change:
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None


# The three statements of an append, built once (every flush of every request runs them): move the head by
# n entries and read where it was, write the entries, then store the new last hash.
_MOVE_HEAD = (update(HEAD).where(HEAD.c.id == 1).values(seq=HEAD.c.seq + bindparam("entries", type_=Integer))
              .returning(HEAD.c.seq, HEAD.c.last_hash))
_WRITE_ENTRIES = insert(LOG)
_SET_LAST_HASH = update(HEAD).where(HEAD.c.id == 1).values(last_hash=bindparam("new_hash", type_=String))


def _append(connection: Connection, who: tuple[int | None, str, str, str], changes: list[Change]) -> None:
    if not changes:
        return
    actor_id, actor_name, client, request_id = who
    seq, prev = connection.execute(_MOVE_HEAD, {"entries": len(changes)}).one()
    at = clock.now()
    rows = []
    for number, change in enumerate(changes, start=seq - len(changes) + 1):
        row = {"id": number, "at": at, "actor_id": actor_id, "actor_name": actor_name[:255], "client": client[:64],
               "request_id": request_id[:64], "action": change.action, "object_type": change.object_type[:64],
               "object_id": change.object_id[:255], "before": canonical(change.before), "after": canonical(change.after),
               "prev_hash": prev}
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    connection.execute(_WRITE_ENTRIES, rows)
    connection.execute(_SET_LAST_HASH, {"new_hash": prev})


def record(session: Session, action: str, object_type: str, object_id: str = "", *, before: Any = None, after: Any = None,
           actor=None) -> None:
    """Append an event that is not a row change (a login, a failed login, an imported file); `actor` names
    the user when the session does not know them yet (the one logging in)."""
    who = _who(session)
    if actor is not None:
        who = (actor.id, f"{actor.username} ({actor.full_name})", who[2], who[3])
    _append(session.connection(), who, [Change(action, object_type, object_id, before, after)])


# ---- changes seen by the ORM ----------------------------------------------------------------------------
def _key(obj) -> str:
    # The primary key from the instance: a new row's identity key is only set after the flush.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key if part is not None)


def _values(obj) -> dict:
    mapper = inspect(obj).mapper
    return {attr.key: _shown(attr.key, getattr(obj, attr.key)) for attr in mapper.column_attrs}


def _difference(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    quiet = QUIET_COLUMNS.get(state.mapper.local_table.name, set())
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes() or attr.key in quiet:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[attr.key], after[attr.key] = _shown(attr.key, old), _shown(attr.key, new)
    return before, after


def _table(obj) -> str:
    return inspect(obj).mapper.local_table.name


@event.listens_for(Session, "after_flush")
def _record_flush(session: Session, _flush_context) -> None:
    changes: list[Change] = []
    for obj in session.new:
        if _table(obj) not in EXCLUDED:
            changes.append(Change("them", _table(obj), _key(obj), None, _values(obj)))
    for obj in session.dirty:
        if _table(obj) in EXCLUDED or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _difference(obj)
        if after:
            changes.append(Change("sua", _table(obj), _key(obj), before, after))
    for obj in session.deleted:
        if _table(obj) not in EXCLUDED:
            changes.append(Change("xoa", _table(obj), _key(obj), _values(obj), None))
    _append(session.connection(), _who(session), changes)


@event.listens_for(Session, "do_orm_execute")
def _record_bulk(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None or name in EXCLUDED:
        return
    params = state.parameters
    rows = params if isinstance(params, list) else ([params] if params else [])
    kind = "them_hang_loat" if state.is_insert else "sua_hang_loat" if state.is_update else "xoa_hang_loat"
    keys = [str(r.get("code") or r.get("id")) for r in rows[:BULK_KEYS] if isinstance(r, dict) and (r.get("code") or r.get("id"))]
    detail: dict[str, Any] = {"so_dong": len(rows) or None}
    if keys:
        detail["khoa"] = keys + ([f"… và {len(rows) - BULK_KEYS} dòng khác"] if len(rows) > BULK_KEYS else [])
    where = getattr(state.statement, "whereclause", None)
    if where is not None:
        detail["dieu_kien"] = str(where)
    values = getattr(state.statement, "_values", None)
    if values and not rows:
        detail["gia_tri"] = {getattr(k, "key", str(k)): getattr(v, "value", str(v)) for k, v in values.items()}
    _append(state.session.connection(), _who(state.session), [Change(kind, name, "", None, detail)])


add_recorder(__name__)  # cchc.db opens sessions only once these listeners are in place


# ---- reading and verifying ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    entries: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, progress: Callable[[int, int], None] | None = None, batch: int = 5000) -> Verdict:
    """Walk the chain in order; the first entry that was changed, removed or put out of order, if any."""
    head = session.execute(select(HEAD.c.seq, HEAD.c.last_hash).where(HEAD.c.id == 1)).one_or_none()
    if head is None:
        return Verdict(0, 0, "Thiếu dòng đầu chuỗi (audit_head): bảng đã bị xóa hoặc chưa được tạo bằng `cchc db upgrade`.")
    total, prev, expected = head.seq, GENESIS, 1
    rows = session.execute(select(LOG).order_by(LOG.c.id).execution_options(yield_per=batch))
    for row in rows:
        if row.id != expected:
            return Verdict(expected - 1, expected, f"Mục {expected} không còn trong nhật ký (đã bị xóa)."
                           if row.id > expected else f"Mục {row.id} xuất hiện sai thứ tự.")
        if row.prev_hash != prev:
            return Verdict(expected - 1, row.id, f"Mục {row.id} không nối với mục trước (mã băm trước không khớp).")
        if entry_hash(row) != row.hash:
            return Verdict(expected - 1, row.id, f"Nội dung mục {row.id} đã bị sửa sau khi ghi (mã băm không khớp).")
        prev, expected = row.hash, expected + 1
        if progress and (row.id % batch == 0):
            progress(row.id, total)
    checked = expected - 1
    if progress:
        progress(checked, total)
    if checked != total or prev != head.last_hash:
        return Verdict(checked, checked + 1, f"Nhật ký dừng ở mục {checked} nhưng đầu chuỗi ghi {total} mục: các mục cuối đã bị xóa.")
    return Verdict(checked)


def search(session: Session, *, actor: str = "", object_type: str = "", object_id: str = "", start: date | None = None,
           end: date | None = None, before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """Entries newest first, filtered; `before_id` pages back (keyset: fast at millions of entries)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        stmt = stmt.where(AuditEntry.actor_name.ilike(f"%{actor.strip()}%"))
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id.strip())
    if start:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(start, datetime.min.time()))
    if end:
        stmt = stmt.where(AuditEntry.at <= datetime.combine(end, datetime.max.time()))
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt))


def object_types() -> list[str]:
    """The tables whose changes are logged (for the filter of the audit page)."""
    return sorted(t.name for t in Base.metadata.sorted_tables if t.name not in EXCLUDED)


# ---- the database's refusal to rewrite ------------------------------------------------------------------
TRIGGER = "audit_log_append_only"


def install_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {TRIGGER}_upd BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log chỉ được thêm: không được sửa'); END",
            f"CREATE TRIGGER IF NOT EXISTS {TRIGGER}_del BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log chỉ được thêm: không được xóa'); END",
        ]
    return [
        f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS "
        "$fn$ BEGIN RAISE EXCEPTION 'audit_log chỉ được thêm: không được sửa, xóa'; END $fn$",
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_log",
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
        f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON audit_log",
        f"CREATE TRIGGER {TRIGGER}_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()",
    ]


def install(conn: Connection) -> None:
    """The append-only triggers, and the head row of the chain if it is missing."""
    for stmt in install_ddl(conn.dialect.name):
        conn.exec_driver_sql(stmt)
    if conn.execute(select(HEAD.c.id).where(HEAD.c.id == 1)).first() is None:
        conn.execute(insert(HEAD).values(id=1, seq=0, last_hash=GENESIS))


@event.listens_for(Base.metadata, "after_create")
def _install_after_create_all(target, connection: Connection, **kw) -> None:
    """`Base.metadata.create_all` (tests, benchmarks) gets what the migration installs."""
    names = {t.name for t in kw.get("tables") or target.sorted_tables}
    if {LOG.name, HEAD.name} <= names:
        install(connection)


def entries_of(session: Session, object_type: str, object_id: str) -> Iterator[AuditEntry]:
    """The history of one object, oldest first."""
    yield from session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                        AuditEntry.object_id == object_id).order_by(AuditEntry.id))
