"""Bulk backfill: dossier histories known in advance, written with set-based inserts.

`cchc demo` replays two years of a province (100.000 dossiers and more). Played through the
service functions, every action is an ORM flush; here the same actions change plain in-memory
drafts instead, and `Backfill.write` inserts dossiers, their components, Mẫu 06 steps, events,
files and attached rows (ratings) with one executemany per table and batch.

Nothing about the outcome is decided here: each action is cchc.dossiers.transitions' own
(`apply_<action>` on a draft, which quacks like a Dossier and makes its own step rows) followed by
the event appended to the draft — the service does the same with a permission check before and a
flush after. Permissions are not checked (the caller replays what officers did); the state rules
and the values are. `version` counts the updates the ORM would have made. Codes come from the
per-unit-day counters, read once and written back, so later receipts continue the numbering.

tests/synth/test_backfill.py plays the same plans both ways and compares every column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cchc import clock
from cchc.calendar.core import WorkCalendar
from cchc.calendar.service import load_calendar
from cchc.dossiers import transitions as tr
from cchc.dossiers.enums import Channel, OnlinePayment, State
from cchc.dossiers.files import file_values, signature_values, store_upload, verify_result_file
from cchc.dossiers.models import Dossier, DossierComponent, DossierCounter, DossierEvent, DossierFile, DossierStep
from cchc.dossiers.rules import dossier_code
from cchc.errors import ValidationError
from cchc.procedures.models import Procedure
from cchc.signatures.verification import Verified
from cchc.units.models import Unit
from cchc.values import moment


def _defaults(table: Table, now: datetime | None) -> dict[str, Any]:
    """Every column but the key and the parent's id, at its default (callables such as utcnow: `now`)."""
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.primary_key or col.name == "dossier_id":
            continue
        default = col.default
        if default is None:
            out[col.name] = None
        elif default.is_callable:
            out[col.name] = now if col.name.endswith("_at") else default.arg(None)
        else:
            out[col.name] = default.arg
    return out


class Row:
    """A child row in memory (a step of Mẫu 06, a component), with the attributes of its model."""

    defaults: dict[str, Any] = {}  # every column at its default

    @classmethod
    def of(cls, values: dict[str, Any]) -> Row:
        """A row holding a copy of `values`, which has every column already."""
        row = cls.__new__(cls)
        row.__dict__ = values.copy()
        return row


class StepRow(Row):
    defaults = _defaults(DossierStep.__table__, None)  # no column of a step defaults to the clock


class ComponentRow(Row):
    defaults = _defaults(DossierComponent.__table__, None)
    id = None  # given by the database when written; nothing in memory points to a component yet


class Draft:
    """A dossier being replayed: its row, components, steps, events and files, as plain values.

    Reads and writes of the dossier's columns go to `row`; setting `state` sets `status_code` as
    the Dossier model does.
    """

    __slots__ = ("row", "steps", "components", "events", "files", "attached", "last_at")

    def __init__(self, row: dict[str, Any]):
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "steps", [])
        object.__setattr__(self, "components", [])
        object.__setattr__(self, "events", [])
        object.__setattr__(self, "files", [])
        object.__setattr__(self, "attached", [])
        object.__setattr__(self, "last_at", None)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.row[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "state":
            state = State(value)
            self.row["status_code"] = state.dvcqg_code
            value = state.value
        elif name not in self.row:
            raise AttributeError(f"Hồ sơ không có trường «{name}».")
        self.row[name] = value

    @staticmethod
    def new_step_row(**values: Any) -> StepRow:
        return StepRow.of({**StepRow.defaults, **values})

    def attach(self, table: Table, values: dict[str, Any]) -> None:
        """A row of another table that points to this dossier (dossier_id filled in when written)."""
        self.attached.append((table, values))


class Backfill:
    """Replays dossier actions in memory; `write()` inserts what was replayed and commits nothing.

    The methods take the arguments of the service functions of the same name, without the session.
    `since`: no dossier is received or submitted before this day, so older day counters are not read.
    `cal`: the working calendar (read from the database when not given).
    """

    ACTIONS = tuple(tr.ACTION_LABELS)  # each is a method of the same name

    def __init__(self, session: Session, since: date | None = None, cal: WorkCalendar | None = None):
        self.session = session
        self.since = since
        self.cal = cal if cal is not None else load_calendar(session)
        now = clock.now()
        self._dossier_defaults = _defaults(Dossier.__table__, now)
        self._event_defaults = _defaults(DossierEvent.__table__, now)
        counters = select(DossierCounter.unit_code, DossierCounter.day, DossierCounter.last_seq)
        if since is not None:
            counters = counters.where(DossierCounter.day >= since)
        self._counters: dict[tuple[str, date], int] = {(u, d): n for u, d, n in session.execute(counters)}
        self._touched: set[tuple[str, date]] = set()
        self._process: dict[int, tuple[tr.Process, list[dict[str, Any]]]] = {}
        self._procedures: dict[int, Procedure] = {}
        self._actors: dict[Any, tuple[int | None, str]] = {}  # who acted, as the events name them (read once per account)
        self.pending: list[Draft] = []
        self.written = 0

    # ---- what the actions share -----------------------------------------------------------
    def _procedure(self, procedure: Procedure) -> tuple[tr.Process, list[dict[str, Any]]]:
        """The procedure's process and its components (all of them: a dossier received with every component)."""
        got = self._process.get(procedure.id)
        if got is None:
            got = self._process[procedure.id] = (tr.process(procedure), self._components(procedure, ()))
            self._procedures[procedure.id] = procedure
        return got

    @staticmethod
    def _components(procedure: Procedure, listed: list[Any]) -> list[dict[str, Any]]:
        return [{**ComponentRow.defaults, **c} for c in tr.component_values(procedure, listed)]

    def _proc(self, d: Draft) -> tr.Process:
        procedure = self._procedures.get(d.procedure_id) or self.session.get(Procedure, d.procedure_id)
        return self._procedure(procedure)[0]

    def _at(self, d: Draft, at: datetime | None) -> datetime:
        at = moment(at)
        tr.require_after(d, at, d.last_at)
        return at

    def _done(self, actor: Any, d: Draft, change: tr.Change, at: datetime, before: dict[str, Any] | None) -> Draft:
        """The event appended; the ORM writes an UPDATE, and raises the version, only when a column changed."""
        who = self._actors.get(actor)
        if who is None:
            who = self._actors[actor] = (actor.id, actor.full_name) if actor is not None else (None, "Hệ thống")
        d.events.append(dict(self._event_defaults, at=at, actor_id=who[0], actor_name=who[1], action=change.action,
                             from_state=change.from_state, to_state=change.to_state, note=change.note or "",
                             data=change.data or {}))
        object.__setattr__(d, "last_at", at)
        if before is not None and d.row != before:
            d.row["version"] += 1
        return d

    def _code(self, unit: Unit, day: date) -> str:
        if self.since is not None and day < self.since:
            raise ValidationError(f"Hồ sơ ngày {day:%d/%m/%Y} trước ngày bắt đầu nạp hàng loạt ({self.since:%d/%m/%Y}).", field="at")
        key = (unit.code, day)
        seq = self._counters[key] = self._counters.get(key, 0) + 1
        self._touched.add(key)
        return dossier_code(unit.code, day, seq)

    def _new(self, procedure: Procedure, unit: Unit, channel: Channel, applicant: Any, owner: Any, components: Iterable[Any],
             at: datetime, **values: Any) -> tuple[Draft, tr.Process]:
        proc, all_components = self._procedure(procedure)
        listed = list(components)
        comps = self._components(procedure, listed) if listed else all_components
        row = dict(self._dossier_defaults)
        row.update(tr.dossier_values(code=self._code(unit, at.date()), procedure_id=procedure.id, unit=unit, channel=channel,
                                     applicant=applicant, owner=owner, fee=proc.fee, at=at, **values))
        d = Draft(row)
        d.components.extend([ComponentRow.of(c) for c in comps])
        self.pending.append(d)
        return d, proc

    # ---- receipt ----------------------------------------------------------------------------
    def receive(self, actor: Any, *, procedure: Procedure, unit: Unit, channel: int | Channel, applicant: Any,
                components: Iterable[Any] = (), at: datetime | None = None, owner: Any = None, request_summary: str = "",
                copies: int = 1, vneid_verified: bool = False, result_delivery: str = "truc_tiep") -> Draft:
        at = moment(at)
        app, ch = tr.check_receipt(applicant, copies, owner, channel, result_delivery)
        tr.require_active(actor)
        tr.check_procedure_unit(procedure, unit, at)
        tr.require_online_channel(procedure, ch)
        d, proc = self._new(procedure, unit, ch, app, owner, components, at, request_summary=request_summary, copies=copies,
                            vneid_verified=vneid_verified, result_delivery=result_delivery)
        return self._done(actor, d, tr.apply_receive(d, actor, cal=self.cal, proc=proc, at=at), at, None)

    def submit_online(self, citizen: Any, *, procedure: Procedure, unit: Unit, applicant: Any,
                      components: Iterable[Any] = (), at: datetime | None = None, request_summary: str = "", copies: int = 1,
                      vneid_verified: bool = False, result_delivery: str = "truc_tiep") -> Draft:
        at = moment(at)
        app, ch = tr.check_online_submission(citizen, procedure, unit, applicant, copies, at, result_delivery)
        d, proc = self._new(procedure, unit, ch, app, citizen, components, at, request_summary=request_summary, copies=copies,
                            vneid_verified=vneid_verified, result_delivery=result_delivery)
        return self._done(citizen, d, tr.apply_submit_online(d, citizen, cal=self.cal, proc=proc, at=at), at, None)

    def accept(self, actor: Any, d: Draft, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_accept(d, actor, cal=self.cal, proc=self._proc(d), at=at), at, before)

    def reject_submission(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_reject_submission(d, actor, reason, at=at), at, before)

    # ---- workflow ---------------------------------------------------------------------------
    def forward(self, actor: Any, d: Draft, note: str = "", assignee: Any = None, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        change = tr.apply_forward(d, actor, note, assignee, cal=self.cal, proc=self._proc(d), at=at)
        return self._done(actor, d, change, at, before)

    def send_back(self, actor: Any, d: Draft, note: str, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_send_back(d, actor, note, cal=self.cal, proc=self._proc(d), at=at), at, before)

    def assign(self, actor: Any, d: Draft, assignee: Any, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_assign(d, actor, assignee, at=at), at, before)

    # ---- supplement, apology ----------------------------------------------------------------
    def request_supplement(self, actor: Any, d: Draft, reason: str, items: Iterable[str] = (), at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_request_supplement(d, actor, reason, items, at=at), at, before)

    def supplement(self, actor: Any, d: Draft, note: str = "", at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_supplement(d, actor, note, at=at), at, before)

    def apologize(self, actor: Any, d: Draft, reason: str, new_due_at: datetime | date, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_apologize(d, actor, reason, new_due_at, cal=self.cal, at=at), at, before)

    # ---- ending without a result ------------------------------------------------------------
    def refuse(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_refuse(d, actor, reason, at=at), at, before)

    def withdraw(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_withdraw(d, actor, reason, at=at), at, before)

    def stop(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_stop(d, actor, reason, at=at), at, before)

    # ---- fees -------------------------------------------------------------------------------
    def request_financial(self, actor: Any, d: Draft, amount: Any, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_request_financial(d, actor, amount, at=at), at, before)

    def record_payment(self, actor: Any, d: Draft, amount: Any, online: OnlinePayment | int = OnlinePayment.NONE,
                       at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_record_payment(d, actor, amount, online, at=at), at, before)

    # ---- result -----------------------------------------------------------------------------
    def finish(self, actor: Any, d: Draft, *, result_number: str, result_summary: str, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        change = tr.apply_finish(d, actor, result_number=result_number, result_summary=result_summary,
                                 proc=self._proc(d), at=at)
        return self._done(actor, d, change, at, before)

    def sign_result(self, actor: Any, d: Draft, filename: str, content: bytes, verified: Verified,
                    at: datetime | None = None) -> Draft:
        """A result signed elsewhere and verified (cchc.signatures.verification.verify_pdf gave `verified`),
        stored as the result file with its signature, as cchc.dossiers.service.sign_result stores its own."""
        at = self._at(d, at)
        tr.require(d, "sign_result")
        stored = store_upload(filename, content, "application/pdf")
        before = dict(d.row)
        change = tr.apply_sign_result(d, actor, signer=verified.signer, organisation=verified.organisation,
                                      signed_at=verified.signed_at, issuer=verified.issuer, serial=verified.serial,
                                      sha256=stored.sha256, at=at)
        d.files.append({**file_values(stored, "ket_qua", None, actor, at), **signature_values(verified)})
        return self._done(actor, d, change, at, before)

    def return_result(self, actor: Any, d: Draft, at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_return_result(d, actor, at=at), at, before)

    def mark_digitized(self, actor: Any, d: Draft, components: bool | None = None, result: bool | None = None,
                       at: datetime | None = None) -> Draft:
        at, before = self._at(d, at), dict(d.row)
        return self._done(actor, d, tr.apply_mark_digitized(d, actor, components, result, at=at), at, before)

    def attach_file(self, actor: Any, d: Draft, kind: str, filename: str, content: bytes, content_type: str,
                    at: datetime | None = None) -> Draft:
        """A file of the dossier (no particular component): stored by SHA-256 as cchc.dossiers.files does."""
        at = self._at(d, at)
        tr.require_kind(kind)
        tr.require(d, "attach_file")
        stored = store_upload(filename, content, content_type)
        before = dict(d.row)
        checked = verify_result_file(kind, stored)
        if checked is not None:
            d.result_esigned = checked[1]["esigned"]
        change = tr.apply_attach_file(d, actor, kind=kind, component=None, name=stored.name, sha256=stored.sha256,
                                      size=stored.size, at=at)
        if checked is not None:
            change = replace(change, data={**change.data, **checked[1]})
        d.files.append({**file_values(stored, kind, None, actor, at), **(checked[0] if checked else signature_values(None))})
        return self._done(actor, d, change, at, before)

    # ---- writing ----------------------------------------------------------------------------
    def write(self) -> int:
        """Insert the pending drafts (one statement per table) and the counters they used; no commit."""
        drafts, self.pending = self.pending, []
        if not drafts:
            return 0
        s = self.session
        ids = self._insert_dossiers(drafts)
        steps, comps, events, files = [], [], [], []
        attached: dict[Table, list[dict[str, Any]]] = {}
        for d, dossier_id in zip(drafts, ids, strict=True):
            for r in d.steps:
                steps.append(dict(r.__dict__, dossier_id=dossier_id))
            for c in d.components:
                comps.append(dict(c.__dict__, dossier_id=dossier_id))
            for e in d.events:
                e["dossier_id"] = dossier_id
                events.append(e)
            for f in d.files:
                f["dossier_id"] = dossier_id
                files.append(f)
            for t, values in d.attached:
                values["dossier_id"] = dossier_id
                attached.setdefault(t, []).append(values)
        for model, rows in ((DossierComponent, comps), (DossierStep, steps), (DossierEvent, events), (DossierFile, files)):
            if rows:
                s.execute(insert(model.__table__), rows)
        for t, rows in attached.items():
            s.execute(insert(t), rows)
        self._write_counters()
        self.written += len(drafts)
        return len(drafts)

    def _insert_dossiers(self, drafts: list[Draft]) -> list[int]:
        """Insert the dossier rows and return their ids, in the order of `drafts`.

        PostgreSQL: the ids are drawn from the table's sequence first (one query), then the rows go in
        by executemany — an INSERT … RETURNING of thousands of rows costs psycopg more to parse than
        to send. SQLite: INSERT … RETURNING in pages.
        """
        s = self.session
        table = Dossier.__table__
        if s.get_bind().dialect.name == "postgresql":
            ids = sorted(s.execute(
                text("SELECT nextval(pg_get_serial_sequence('dossiers', 'id')) FROM generate_series(1, :n)"), {"n": len(drafts)}
            ).scalars())
            s.execute(insert(table), [dict(d.row, id=i) for d, i in zip(drafts, ids, strict=True)])
            return ids
        return list(s.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), [d.row for d in drafts]).scalars())

    def _write_counters(self) -> None:
        if not self._touched:
            return
        table = DossierCounter.__table__
        dialect = self.session.get_bind().dialect.name
        rows = [{"unit_code": u, "day": d, "last_seq": self._counters[(u, d)]} for u, d in sorted(self._touched)]
        self._touched = set()
        if dialect not in ("postgresql", "sqlite"):
            raise ValidationError(f"Nạp hàng loạt hồ sơ chỉ hỗ trợ SQLite và PostgreSQL (đang dùng {dialect}).")
        stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        bigger = (func.greatest if dialect == "postgresql" else func.max)(table.c.last_seq, stmt.excluded.last_seq)
        self.session.execute(stmt.on_conflict_do_update(index_elements=[table.c.unit_code, table.c.day],
                                                        set_={"last_seq": bigger}), rows)
