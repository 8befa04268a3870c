"""Bulk backfill: dossier histories known in advance, written with set-based inserts.

`cchc demo` replays two years of a province (100.000 dossiers and more). Played through the
service functions, every action is an ORM flush; here the same actions change plain in-memory
drafts instead, and `Backfill.write` inserts dossiers, their components, Mẫu 06 steps, events,
files and attached rows (ratings) with one executemany per table and batch.

Nothing about the outcome is decided here: the rules are the service's own helpers —
`receipt_due` and `step_due` (working calendar), `check_online_submission`, `require_online_channel`,
`process`, `following_step`, `previous_step`, `require_finishing_step`, `require_apology_in_time`,
`_open_step` / `_close_step` / `_end` /
`_open_return_step` / `_pause_step_clock` (which work on a draft as on a Dossier: a draft quacks
like one and makes its own step rows), `classify` / `classify_step` and `supplement_pause` of
cchc.dossiers.rules, `State.dvcqg_code` for TrangThaiHoSo. The states each action requires are
checked as in the service; permissions are not (the caller replays what officers did). Events
carry the same action, states, note and data as the service writes; `version` counts the
updates the ORM would have made. Codes come from the per-unit-day counters, read once and
written back, so later receipts continue the numbering.

tests/synth/test_backfill.py plays the same plans both ways and compares every column.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.enums import Role
from cchc.dossiers import files as files_mod
from cchc.dossiers import service as sv
from cchc.dossiers.enums import OPEN_STATES, Channel, OnlinePayment, State
from cchc.dossiers.models import Dossier, DossierComponent, DossierCounter, DossierEvent, DossierFile, DossierStep
from cchc.dossiers.rules import dossier_code, supplement_pause
from cchc.errors import InvalidTransition, ValidationError
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.vn import fmt_int, search_key


_DIGITIZABLE = tuple(s for s in State if s not in (State.NOT_ACCEPTED,))


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


class StepRow:
    """A row of Mẫu 06 in memory, with the attributes of DossierStep."""

    defaults: dict[str, Any] = _defaults(DossierStep.__table__, None)  # no column of a step defaults to the clock

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(self.defaults)
        self.__dict__.update(values)


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
        return StepRow(**values)

    def attach(self, table: Table, values: dict[str, Any]) -> None:
        """A row of another table that points to this dossier (dossier_id filled in when written)."""
        self.attached.append((table, values))


class Backfill:
    """Replays dossier actions in memory; `write()` inserts what was replayed and commits nothing.

    The methods take the arguments of the service functions of the same name, without the session.
    `since`: no dossier is received or submitted before this day, so older day counters are not read.
    """

    def __init__(self, session: Session, since: date | None = None):
        self.session = session
        self.since = since
        self.cal = sv.calendar(session)
        now = clock.now()
        self._dossier_defaults = _defaults(Dossier.__table__, now)
        self._component_defaults = _defaults(DossierComponent.__table__, now)
        self._event_defaults = _defaults(DossierEvent.__table__, now)
        counters = select(DossierCounter.unit_code, DossierCounter.day, DossierCounter.last_seq)
        if since is not None:
            counters = counters.where(DossierCounter.day >= since)
        self._counters: dict[tuple[str, date], int] = {(u, d): n for u, d, n in session.execute(counters)}
        self._touched: set[tuple[str, date]] = set()
        self._process: dict[int, tuple[sv.Process, Decimal, list[dict[str, Any]]]] = {}
        self._procedures: dict[int, Procedure] = {}
        self._actors: dict[int, tuple[int | None, str]] = {}
        self.pending: list[Draft] = []
        self.written = 0

    # ---- what the actions share -----------------------------------------------------------
    def _procedure(self, procedure: Procedure) -> tuple[sv.Process, Decimal, list[dict[str, Any]]]:
        got = self._process.get(procedure.id)
        if got is None:
            comps = [dict(self._component_defaults, component_id=c.id, seq=i, name=c.name, copies=c.copies)
                     for i, c in enumerate(procedure.components, 1)]
            got = self._process[procedure.id] = (sv.process(procedure), sv.procedure_fee(procedure), comps)
            self._procedures[procedure.id] = procedure
        return got

    def _who(self, actor: Any) -> tuple[int | None, str]:
        if actor is None:
            return None, "Hệ thống"
        got = self._actors.get(actor.id)
        if got is None:
            got = self._actors[actor.id] = (actor.id, actor.full_name)
        return got

    def _log(self, actor: Any, d: Draft, action: str, from_state: str | None, to_state: str | None, at: datetime,
             note: str = "", data: dict[str, Any] | None = None) -> None:
        actor_id, actor_name = self._who(actor)
        d.events.append(dict(self._event_defaults, at=at, actor_id=actor_id, actor_name=actor_name, action=action,
                             from_state=from_state, to_state=to_state, note=note or "", data=data or {}))
        object.__setattr__(d, "last_at", at)

    @staticmethod
    def _moment(d: Draft, at: datetime | None) -> datetime:
        at = sv.moment(at)
        if d.last_at is not None and at < d.last_at:
            raise ValidationError(f"Thời điểm thao tác trên hồ sơ {d.code} trước thao tác gần nhất.", field="at")
        return at

    def _changed(self, d: Draft, before: dict[str, Any]) -> None:
        """The ORM writes an UPDATE, and raises the version, only when a column changed."""
        if d.row != before:
            d.row["version"] += 1

    def _code(self, unit: Unit, day: date) -> str:
        if self.since is not None and day < self.since:
            raise ValidationError(f"Hồ sơ ngày {day:%d/%m/%Y} trước ngày bắt đầu nạp hàng loạt ({self.since:%d/%m/%Y}).", field="at")
        key = (unit.code, day)
        seq = self._counters[key] = self._counters.get(key, 0) + 1
        self._touched.add(key)
        return dossier_code(unit.code, day, seq)

    def _new(self, *, procedure: Procedure, unit: Unit, channel: Channel, applicant: Any, owner: Any, request_summary: str,
             copies: int, vneid_verified: bool, result_delivery: str, state: State, at: datetime) -> tuple[Draft, sv.Process]:
        proc, fee, comps = self._procedure(procedure)
        due = sv.receipt_due(self.cal, procedure, at)
        code = self._code(unit, at.date())
        row = dict(self._dossier_defaults)
        row.update(
            code=code, procedure_id=procedure.id, unit_id=unit.id, level=unit.level, channel=int(channel),
            applicant_name=applicant.name, applicant_key=search_key(applicant.name), applicant_type=applicant.applicant_type,
            applicant_id_number=applicant.id_number, applicant_address=applicant.address, applicant_phone=applicant.phone,
            applicant_email=applicant.email, authorized_person=applicant.authorized_person, request_summary=request_summary or "",
            copies=copies, result_delivery=result_delivery, owner_user_id=owner.id if owner is not None else None,
            submitted_at=at, fee_amount=fee, fee_paid=False, paid_online=0, vneid_verified=bool(vneid_verified),
            supplement_count=0, supplement_seconds=0, apology_count=0, components_digitized=False, result_digitized=False,
            due_at=due,
        )
        d = Draft(row)
        d.state = state
        d.components.extend(dict(c) for c in comps)
        self.pending.append(d)
        return d, proc

    # ---- receipt ----------------------------------------------------------------------------
    def receive(self, actor: Any, *, procedure: Procedure, unit: Unit, channel: int | Channel, applicant: Any,
                components: Iterable[Any] = (), at: datetime | None = None, owner: Any = None, request_summary: str = "",
                copies: int = 1, vneid_verified: bool = False, result_delivery: str = "truc_tiep") -> Draft:
        at = sv.moment(at)
        if list(components):
            raise ValidationError("Nạp hàng loạt chỉ nhận hồ sơ có đủ thành phần của thủ tục.", field="components")
        app, ch = sv._common_receipt_checks(applicant, copies, owner, channel)
        sv._require_active(actor)
        sv._check_procedure_unit(procedure, unit, at)
        sv.require_online_channel(procedure, ch)
        d, proc = self._new(procedure=procedure, unit=unit, channel=ch, applicant=app, owner=owner,
                            request_summary=request_summary, copies=copies, vneid_verified=vneid_verified,
                            result_delivery=result_delivery, state=State.PROCESSING, at=at)
        d.received_at = at
        recv = sv._open_step(self.session, d, proc.receiving, at, self._who(actor)[0])
        recv.unit_id = unit.id
        sv._close_step(d, at, "chuyen_tiep", actor)
        sv._open_step(self.session, d, proc.steps[0], at)
        self._log(actor, d, "receive", None, State.PROCESSING.value, at,
                  data={"code": d.code, "channel": int(ch), "due_at": d.due_at.isoformat()})
        return d

    def submit_online(self, citizen: Any, *, procedure: Procedure, unit: Unit, applicant: Any,
                      components: Iterable[Any] = (), at: datetime | None = None, request_summary: str = "", copies: int = 1,
                      vneid_verified: bool = False, result_delivery: str = "truc_tiep") -> Draft:
        at = sv.moment(at)
        if list(components):
            raise ValidationError("Nạp hàng loạt chỉ nhận hồ sơ có đủ thành phần của thủ tục.", field="components")
        app, ch = sv.check_online_submission(citizen, procedure, unit, applicant, copies, at)
        d, proc = self._new(procedure=procedure, unit=unit, channel=ch, applicant=app, owner=citizen,
                            request_summary=request_summary, copies=copies, vneid_verified=vneid_verified,
                            result_delivery=result_delivery, state=State.SUBMITTED, at=at)
        row = sv._open_step(self.session, d, proc.receiving, at)
        row.unit_id = unit.id
        d.current_unit_id = unit.id
        self._log(citizen, d, "submit_online", None, State.SUBMITTED.value, at,
                  data={"code": d.code, "channel": int(ch), "provisional_due_at": d.due_at.isoformat()})
        return d

    def _proc(self, d: Draft) -> tuple[Procedure, sv.Process]:
        procedure = self._procedures.get(d.procedure_id) or self.session.get(Procedure, d.procedure_id)
        return procedure, self._procedure(procedure)[0]

    def _spec(self, d: Draft) -> tuple[Procedure, sv.Process, sv.StepSpec]:
        procedure, proc = self._proc(d)
        spec = proc.by_seq(d.current_step_seq)
        if spec is None:
            raise InvalidTransition(f"Bước xử lý hiện tại của hồ sơ {d.code} không còn trong quy trình của thủ tục.")
        return procedure, proc, spec

    def accept(self, actor: Any, d: Draft, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.SUBMITTED,), "accept")
        before_row = dict(d.row)
        procedure, proc = self._proc(d)
        due = sv.receipt_due(self.cal, procedure, at)
        before = d.state
        d.received_at = at
        d.due_at = due
        d.state = State.PROCESSING
        sv._close_step(d, at, "chuyen_tiep", actor)
        sv._open_step(self.session, d, proc.steps[0], at)
        self._log(actor, d, "accept", before, d.state, at, data={"due_at": due.isoformat()})
        self._changed(d, before_row)
        return d

    def reject_submission(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.SUBMITTED,), "reject_submission")
        reason = sv._text(reason, "lý do không tiếp nhận hồ sơ", "reason")
        before_row = dict(d.row)
        before = d.state
        sv._close_step(d, at, "ket_thuc", actor, reason)
        d.state = State.NOT_ACCEPTED
        d.not_accepted_at = at
        d.end_reason = reason
        sv._clear_position(d)
        self._log(actor, d, "reject_submission", before, d.state, at, note=reason)
        self._changed(d, before_row)
        return d

    # ---- workflow ---------------------------------------------------------------------------
    def forward(self, actor: Any, d: Draft, note: str = "", assignee: Any = None, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.PROCESSING,), "forward")
        _, proc, spec = self._spec(d)
        nxt = sv.following_step(proc, spec, d)
        before_row = dict(d.row)
        closed = sv._close_step(d, at, "chuyen_tiep", actor, note)
        assignee_id = self._who(assignee)[0] if assignee is not None else None
        sv._open_step(self.session, d, nxt, at, assignee_id)
        self._log(actor, d, "forward", d.state, d.state, at, note=note,
                  data={"from_step": closed.step_seq if closed else None, "to_step": nxt.seq,
                        "timeliness": closed.timeliness if closed else None, "assignee_id": assignee_id})
        self._changed(d, before_row)
        return d

    def send_back(self, actor: Any, d: Draft, note: str, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.PROCESSING,), "send_back")
        procedure, proc, spec = self._spec(d)
        prev = sv.previous_step(procedure, proc, spec)
        note = sv._text(note, "lý do trả lại hồ sơ", "note")
        before_row = dict(d.row)
        handler = next((s.assignee_id for s in reversed(d.steps) if s.step_seq == prev.seq and s.ended_at is not None), None)
        closed = sv._close_step(d, at, "tra_lai", actor, note)
        sv._open_step(self.session, d, prev, at, handler)
        self._log(actor, d, "send_back", d.state, d.state, at, note=note,
                  data={"from_step": closed.step_seq if closed else None, "to_step": prev.seq})
        self._changed(d, before_row)
        return d

    def assign(self, actor: Any, d: Draft, assignee: Any, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL), "assign")
        if d.current_role is None:
            raise InvalidTransition(f"Hồ sơ {d.code} không ở bước xử lý nào để phân công.")
        before_row = dict(d.row)
        assignee_id, assignee_name = self._who(assignee)
        row = sv._open_row(d)
        if row is not None:
            row.assignee_id = assignee_id
        d.current_assignee_id = assignee_id
        self._log(actor, d, "assign", d.state, d.state, at, note=assignee_name,
                  data={"assignee_id": assignee_id, "step": d.current_step_seq})
        self._changed(d, before_row)
        return d

    # ---- supplement, apology ----------------------------------------------------------------
    def request_supplement(self, actor: Any, d: Draft, reason: str, items: Iterable[str] = (), at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.PROCESSING,), "request_supplement")
        if d.supplement_count >= 1:
            raise InvalidTransition(f"Không thể yêu cầu bổ sung hồ sơ {d.code} lần thứ hai: {sv.SUPPLEMENT_RULE}.")
        reason = sv._text(reason, "lý do yêu cầu bổ sung", "reason")
        items = [str(x).strip() for x in items if str(x).strip()]
        before_row = dict(d.row)
        before = d.state
        d.state = State.SUPPLEMENT
        d.supplement_count = (d.supplement_count or 0) + 1
        d.supplement_requested_at = at
        self._log(actor, d, "request_supplement", before, d.state, at, note=reason, data={"items": items})
        self._changed(d, before_row)
        return d

    def supplement(self, actor: Any, d: Draft, note: str = "", at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.SUPPLEMENT,), "supplement")
        before_row = dict(d.row)
        pause = supplement_pause(d.supplement_requested_at, at)
        before = d.state
        d.state = State.PROCESSING
        d.supplemented_at = at
        d.supplement_seconds = int(pause.total_seconds())
        sv._pause_step_clock(d, pause)
        self._log(actor, d, "supplement", before, d.state, at, note=note, data={"supplement_seconds": d.supplement_seconds})
        self._changed(d, before_row)
        return d

    def apologize(self, actor: Any, d: Draft, reason: str, new_due_at: datetime, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, tuple(sorted(OPEN_STATES)), "apologize", "chỉ xin lỗi, hẹn lại khi hồ sơ đang giải quyết")
        if d.apology_count >= 1:
            raise InvalidTransition(f"Không thể hẹn lại ngày trả hồ sơ {d.code} lần thứ hai: {sv.APOLOGY_RULE}.")
        sv.require_apology_in_time(self.cal, d, at)
        reason = sv._text(reason, "lý do chậm giải quyết", "reason")
        if not isinstance(new_due_at, datetime):
            raise ValidationError("Ngày hẹn trả mới phải là ngày giờ.", field="new_due_at")
        new_due_at = sv.moment(new_due_at)
        if d.due_at is not None and new_due_at <= d.due_at:
            raise ValidationError(f"Ngày hẹn trả mới của hồ sơ {d.code} phải sau hạn trả hiện tại.", field="new_due_at")
        before_row = dict(d.row)
        d.extended_due_at = new_due_at
        d.apology_count = (d.apology_count or 0) + 1
        self._log(actor, d, "apologize", d.state, d.state, at, note=reason,
                  data={"due_at": d.due_at.isoformat() if d.due_at else None, "new_due_at": new_due_at.isoformat()})
        self._changed(d, before_row)
        return d

    # ---- ending without a result ------------------------------------------------------------
    def _end_with_reason(self, actor: Any, d: Draft, action: str, what: str, state: State, reason: str,
                         at: datetime | None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, sv._ENDABLE, action)
        reason = sv._text(reason, what, "reason")
        before_row = dict(d.row)
        before = d.state
        d.end_reason = reason
        sv._end(d, state, at, actor, reason)
        self._log(actor, d, action, before, d.state, at, note=reason, data={"timeliness": d.timeliness})
        self._changed(d, before_row)
        return d

    def refuse(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        return self._end_with_reason(actor, d, "refuse", "lý do từ chối giải quyết", State.REFUSED, reason, at)

    def withdraw(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        return self._end_with_reason(actor, d, "withdraw", "lý do rút hồ sơ", State.WITHDRAWN, reason, at)

    def stop(self, actor: Any, d: Draft, reason: str, at: datetime | None = None) -> Draft:
        return self._end_with_reason(actor, d, "stop", "lý do dừng giải quyết", State.STOPPED, reason, at)

    # ---- fees -------------------------------------------------------------------------------
    def request_financial(self, actor: Any, d: Draft, amount: Any, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.PROCESSING,), "request_financial")
        if d.fee_paid:
            raise InvalidTransition(f"Hồ sơ {d.code} đã nộp phí, lệ phí; không yêu cầu nghĩa vụ tài chính lần nữa.")
        value = sv._amount(amount, "Số tiền phải nộp")
        before_row = dict(d.row)
        before = d.state
        d.state = State.FINANCIAL
        d.fee_amount = value
        d.financial_requested_at = at
        self._log(actor, d, "request_financial", before, d.state, at, note=f"{fmt_int(int(value))} đồng",
                  data={"amount": str(value)})
        self._changed(d, before_row)
        return d

    def record_payment(self, actor: Any, d: Draft, amount: Any, online: OnlinePayment | int = OnlinePayment.NONE,
                       at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.SUBMITTED, *sv._ENDABLE), "record_payment", "chỉ nộp phí khi hồ sơ đang giải quyết")
        if d.fee_paid:
            raise InvalidTransition(f"Hồ sơ {d.code} đã được ghi nhận nộp phí, lệ phí.")
        if d.state != State.FINANCIAL and not Decimal(d.fee_amount or 0):
            raise InvalidTransition(f"Hồ sơ {d.code} không có khoản phí, lệ phí nào phải nộp.")
        value = sv._amount(amount, "Số tiền đã nộp")
        how = OnlinePayment(int(online))
        owner = actor is not None and actor.role == Role.CITIZEN and d.owner_user_id == actor.id
        if owner and how == OnlinePayment.NONE:
            raise ValidationError("Công dân chỉ nộp phí trực tuyến (qua Cổng DVCQG hoặc cổng thanh toán của tỉnh).", field="online")
        if value < Decimal(d.fee_amount or 0):
            raise ValidationError(f"Số tiền nộp cho hồ sơ {d.code} ít hơn số phải nộp.", field="amount")
        before_row = dict(d.row)
        before = d.state
        d.fee_paid = True
        d.paid_online = int(how)
        if d.state == State.FINANCIAL:
            d.state = State.PROCESSING
        self._log(actor, d, "record_payment", before, d.state, at, note=f"{fmt_int(int(value))} đồng",
                  data={"amount": str(value), "online": int(how)})
        self._changed(d, before_row)
        return d

    # ---- result -----------------------------------------------------------------------------
    def finish(self, actor: Any, d: Draft, *, result_number: str, result_summary: str, esigned: bool = False,
               at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.PROCESSING,), "finish")
        _, proc, spec = self._spec(d)
        sv.require_finishing_step(proc, spec, d)
        number, summary = (result_number or "").strip(), (result_summary or "").strip()
        if not number and not summary:
            raise ValidationError("Phải ghi số, ký hiệu hoặc trích yếu của kết quả giải quyết.", field="result_number")
        before_row = dict(d.row)
        before = d.state
        d.result_number = number
        d.result_summary = summary
        d.result_esigned = bool(esigned)
        sv._end(d, State.FINISHED, at, actor)
        sv._open_return_step(self.session, d, proc, at)
        self._log(actor, d, "finish", before, d.state, at, note=number, data={"timeliness": d.timeliness, "esigned": bool(esigned)})
        self._changed(d, before_row)
        return d

    def return_result(self, actor: Any, d: Draft, at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, (State.FINISHED,), "return_result")
        before_row = dict(d.row)
        before = d.state
        sv._close_step(d, at, "ket_thuc", actor)
        d.state = State.RETURNED
        d.returned_at = at
        sv._clear_position(d)
        self._log(actor, d, "return_result", before, d.state, at)
        self._changed(d, before_row)
        return d

    def mark_digitized(self, actor: Any, d: Draft, components: bool | None = None, result: bool | None = None,
                       at: datetime | None = None) -> Draft:
        at = self._moment(d, at)
        sv._require_state(d, _DIGITIZABLE, "mark_digitized")
        if components is None and result is None:
            raise ValidationError("Phải chọn số hóa thành phần hồ sơ hoặc kết quả giải quyết.", field="components")
        if result and State(d.state) not in (State.FINISHED, State.RETURNED):
            raise InvalidTransition(f"Hồ sơ {d.code} chưa có kết quả giải quyết để số hóa.")
        before_row = dict(d.row)
        data: dict[str, Any] = {}
        if components is not None:
            d.components_digitized = bool(components)
            for c in d.components:
                c["digitized"] = bool(components)
            data["components"] = bool(components)
        if result is not None:
            d.result_digitized = bool(result)
            data["result"] = bool(result)
        self._log(actor, d, "mark_digitized", d.state, d.state, at, data=data)
        self._changed(d, before_row)
        return d

    def attach_file(self, actor: Any, d: Draft, kind: str, filename: str, content: bytes, content_type: str,
                    at: datetime | None = None) -> Draft:
        """A file of the dossier (no particular component): stored by SHA-256 as cchc.dossiers.files does."""
        at = self._moment(d, at)
        if kind not in files_mod.KINDS:
            raise ValidationError(f"Loại tệp «{kind}» không hợp lệ.", field="kind")
        if d.state == State.NOT_ACCEPTED:
            raise InvalidTransition(f"Hồ sơ {d.code} không được tiếp nhận nên không đính kèm thêm tệp.")
        name = files_mod.validate_upload(filename, content, content_type)
        digest = files_mod._store(content)
        before_row = dict(d.row)
        d.files.append({"component_id": None, "kind": kind, "filename": name, "content_type": content_type,
                        "size": len(content), "sha256": digest, "uploaded_by_id": self._who(actor)[0], "uploaded_at": at})
        if kind in ("thanh_phan", "bo_sung"):
            d.components_digitized = True
        else:
            d.result_digitized = True
        self._log(actor, d, "attach_file", d.state, d.state, at, note=name,
                  data={"kind": kind, "sha256": digest, "size": len(content), "component_id": None})
        self._changed(d, before_row)
        return d

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
                c["dossier_id"] = dossier_id
                comps.append(c)
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
