"""The dossier engine (hồ sơ một cửa): every change of a dossier's state goes through here.

Each action takes (session, actor, …, at=None): `actor` is the User acting (None = the system,
for imports and jobs: no permission check, but the same state rules), `at` is the moment of the
action (default cchc.db.clock.now(); the demo generator passes past moments). An action checks the
state and the actor first — InvalidTransition / PermissionDenied / ValidationError with a
Vietnamese message — then changes the row, appends one DossierEvent and flushes. Nothing is
written before every check has passed.

The internal process (quy trình nội bộ) is the procedure's ProcessStep list. The first step, when
its role is the one-stop desk (mot_cua), is the receiving step; otherwise an implicit receiving
step is recorded. Every hand-over closes a DossierStep (a row of Mẫu 06) with its timeliness and
opens the next one. After the result, a last step "Trả kết quả" waits at the one-stop desk.

Rules (DOMAIN.md §6, ND 118/2025 Điều 11): a supplement may be requested only once and its time
is not counted; an apology with a new date only once, at least 1 working day before the due
date, and it never moves due_at; withdrawal and stop only before a result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cchc import clock
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import acts_in, require_scope
from cchc.dossiers.scope import dossier_clause
from cchc.calendar.core import WorkCalendar
from cchc.calendar.service import load_calendar
from cchc.dossiers.enums import OPEN_STATES, WAITING_FOR_CITIZEN, Channel, OnlinePayment, State
from cchc.dossiers.models import Dossier, DossierComponent, DossierCounter, DossierEvent, DossierStep
from cchc.dossiers.rules import classify, classify_step, dossier_code, supplement_pause
from cchc.dossiers.schemas import ApplicantIn, ComponentIn, parse_applicant, parse_component
from cchc.errors import CchcError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from cchc.procedures.enums import OnlineLevel, StepRole
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.vn import fmt_date, fmt_datetime, fmt_int, parse_datetime, search_key

# Which user roles may act at a step of each role. Văn thư (clerk) work is done by specialists
# or the one-stop desk: cchc has no separate clerk account.
STEP_ROLES: dict[str, frozenset[str]] = {
    StepRole.RECEIVING: frozenset({Role.RECEIVING}),
    StepRole.SPECIALIST: frozenset({Role.SPECIALIST}),
    StepRole.LEADER: frozenset({Role.LEADER}),
    StepRole.CLERK: frozenset({Role.SPECIALIST, Role.RECEIVING}),
}

ACTION_LABELS = {
    "receive": "Tiếp nhận hồ sơ",
    "submit_online": "Nộp hồ sơ trực tuyến",
    "accept": "Tiếp nhận hồ sơ trực tuyến",
    "reject_submission": "Từ chối tiếp nhận",
    "forward": "Chuyển bước tiếp theo",
    "send_back": "Trả lại bước trước",
    "assign": "Phân công xử lý",
    "request_supplement": "Yêu cầu bổ sung hồ sơ",
    "supplement": "Bổ sung hồ sơ",
    "apologize": "Xin lỗi và hẹn lại ngày trả",
    "refuse": "Từ chối giải quyết",
    "withdraw": "Rút hồ sơ",
    "stop": "Dừng xử lý",
    "request_financial": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "record_payment": "Ghi nhận nộp phí, lệ phí",
    "finish": "Hoàn thành xử lý",
    "return_result": "Trả kết quả",
    "mark_digitized": "Đánh dấu số hóa",
    "attach_file": "Đính kèm tệp",
}

SUPPLEMENT_RULE = (
    "theo Điều 11 Nghị định 118/2025/NĐ-CP, việc yêu cầu bổ sung, hoàn thiện hồ sơ chỉ được thực hiện một lần"
)
APOLOGY_RULE = (
    "theo Điều 11 Nghị định 118/2025/NĐ-CP, văn bản xin lỗi và hẹn lại ngày trả kết quả chỉ được gửi một lần"
)
RETURN_STEP_NAME = "Trả kết quả cho tổ chức, cá nhân"
_CAL_KEY = "cchc.dossiers.calendar"
_LAST_AT = "_cchc_last_event_at"


# ---- moments, calendar, event log -----------------------------------------------------------
def moment(at: datetime | None) -> datetime:
    """The moment of an action: `at` (naive local) or now."""
    if at is None:
        return clock.now()
    if not isinstance(at, datetime):
        raise ValidationError("Thời điểm thao tác phải là ngày giờ.", field="at")
    if at.tzinfo is not None:  # an aware moment is converted to local wall-clock time
        at = parse_datetime(at)
    return at.replace(microsecond=0)


def calendar(session: Session) -> WorkCalendar:
    """The working calendar, loaded once per session (the demo creates 100.000 dossiers)."""
    cal = session.info.get(_CAL_KEY)
    if cal is None:
        cal = session.info[_CAL_KEY] = load_calendar(session)
    return cal


def forget_calendar(session: Session) -> None:
    """Drop the cached calendar (after the administrator edited days off or office hours)."""
    session.info.pop(_CAL_KEY, None)


def log(
    session: Session,
    actor: User | None,
    dossier: Dossier,
    action: str,
    from_state: str | None,
    to_state: str | None,
    at: datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> DossierEvent:
    """Append one event (never updated, never deleted)."""
    event = DossierEvent(
        dossier=dossier,
        at=at,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.full_name if actor is not None else "Hệ thống",
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note or "",
        data=data or {},
    )
    session.add(event)
    dossier.__dict__[_LAST_AT] = at  # remembered on the instance: check_moment needs no query next time
    return event


def check_moment(session: Session, dossier: Dossier, at: datetime) -> None:
    """An action may not be dated before the dossier's previous action."""
    if dossier.id is None:
        return
    last = dossier.__dict__.get(_LAST_AT)
    if last is None:
        last = session.scalar(select(func.max(DossierEvent.at)).where(DossierEvent.dossier_id == dossier.id))
    if last is not None and at < last:
        raise ValidationError(
            f"Thời điểm thao tác {fmt_datetime(at)} trước thao tác gần nhất trên hồ sơ {dossier.code} "
            f"({fmt_datetime(last)}).",
            field="at",
        )


def _flush(session: Session, dossier: Dossier) -> None:
    """Write the action; a dossier changed meanwhile by someone else (version check) is refused."""
    code = dossier.code  # read before the flush: a failed flush leaves the session unusable
    try:
        session.flush()
    except StaleDataError:
        raise InvalidTransition(
            f"Hồ sơ {code} vừa được người khác cập nhật trong lúc bạn thao tác; hãy tải lại hồ sơ và thực hiện lại."
        ) from None


# ---- the internal process -------------------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    seq: int
    name: str
    role: str
    unit_id: int | None  # None: the dossier's receiving unit
    duration_amount: Decimal
    duration_unit: str
    can_return: bool


@dataclass(frozen=True)
class Process:
    receiving: StepSpec
    steps: tuple[StepSpec, ...]  # processing steps after receipt, in order

    def by_seq(self, seq: int | None) -> StepSpec | None:
        if seq == self.receiving.seq:
            return self.receiving
        return next((s for s in self.steps if s.seq == seq), None)

    def index(self, seq: int | None) -> int:
        return next((i for i, s in enumerate(self.steps) if s.seq == seq), -1)


def process(procedure: Procedure) -> Process:
    """The procedure's internal process, split into the receiving step and the processing steps."""
    specs = [
        StepSpec(s.seq, s.name, s.role, s.unit_id, Decimal(s.duration_amount), s.duration_unit, bool(s.can_return))
        for s in sorted(procedure.steps, key=lambda s: s.seq)
    ]
    if specs and specs[0].role == StepRole.RECEIVING:
        receiving, rest = specs[0], specs[1:]
    else:
        first = specs[0].seq if specs else 1
        receiving = StepSpec(first - 1, "Tiếp nhận hồ sơ", StepRole.RECEIVING.value, None, Decimal(0), "gio_lam_viec", False)
        rest = specs
    if not rest:
        raise ValidationError(
            f"Thủ tục {procedure.code} chưa có quy trình nội bộ (cần ít nhất một bước xử lý sau bước tiếp nhận).",
            field="procedure",
        )
    return Process(receiving, tuple(rest))


def _procedure(session: Session, dossier: Dossier) -> Procedure:
    proc = session.get(Procedure, dossier.procedure_id)
    if proc is None:
        raise NotFound(f"Không tìm thấy thủ tục của hồ sơ {dossier.code}.")
    return proc


def _open_row(dossier: Dossier) -> DossierStep | None:
    return next((s for s in reversed(dossier.steps) if s.ended_at is None), None)


def step_unit_ids(session: Session, dossier: Dossier) -> set[int]:
    """Units that handled or hold the dossier (for file and digitisation rights)."""
    ids = {s.unit_id for s in dossier.steps if s.unit_id is not None}
    ids.update(x for x in (dossier.unit_id, dossier.current_unit_id) if x is not None)
    return ids


def step_due(cal: WorkCalendar, spec: StepSpec, start: datetime) -> datetime:
    """The time given to a step of the internal process that starts at `start`."""
    return cal.due(start, spec.duration_amount, spec.duration_unit)


def _step_due(session: Session, spec: StepSpec, start: datetime) -> datetime:
    return step_due(calendar(session), spec, start)


def _new_step(dossier: Dossier, **values: Any) -> DossierStep:
    """A new row of Mẫu 06: an ORM row, or the plain row of a backfill draft (cchc.dossiers.backfill)."""
    make = getattr(dossier, "new_step_row", None)
    return make(**values) if make is not None else DossierStep(**values)


def _open_step(session: Session, dossier: Dossier, spec: StepSpec, at: datetime, assignee_id: int | None = None) -> DossierStep:
    unit_id = spec.unit_id or dossier.unit_id
    due = _step_due(session, spec, at)
    row = _new_step(
        dossier, step_seq=spec.seq, name=spec.name, role=spec.role, unit_id=unit_id, assignee_id=assignee_id, started_at=at, due_at=due
    )
    dossier.steps.append(row)
    dossier.current_step_seq = spec.seq
    dossier.current_role = spec.role
    dossier.current_unit_id = unit_id
    dossier.current_assignee_id = assignee_id
    dossier.current_step_due_at = due
    return row


def _open_return_step(session: Session, dossier: Dossier, proc: Process, at: datetime) -> None:
    last = max([proc.receiving.seq, *(s.seq for s in proc.steps)])
    due = dossier.extended_due_at or dossier.due_at
    row = _new_step(
        dossier, step_seq=last + 1, name=RETURN_STEP_NAME, role=StepRole.RECEIVING.value, unit_id=dossier.unit_id, started_at=at, due_at=due
    )
    dossier.steps.append(row)
    dossier.current_step_seq = None
    dossier.current_role = StepRole.RECEIVING.value
    dossier.current_unit_id = dossier.unit_id
    dossier.current_assignee_id = None
    dossier.current_step_due_at = due


def _close_step(dossier: Dossier, at: datetime, outcome: str, actor: User | None, note: str = "") -> DossierStep | None:
    row = _open_row(dossier)
    if row is None:
        return None
    row.ended_at = at
    row.outcome = outcome
    row.timeliness = classify_step(row.due_at, at).value
    if row.assignee_id is None and actor is not None:
        row.assignee_id = actor.id
    if note:
        row.note = note
    return row


def _pause_step_clock(dossier: Dossier, pause: timedelta) -> None:
    """While the citizen supplements, the open step's clock stops too: its due time moves by the pause."""
    row = _open_row(dossier)
    if row is not None and row.due_at is not None:
        row.due_at = row.due_at + pause
    if dossier.current_step_due_at is not None:
        dossier.current_step_due_at = dossier.current_step_due_at + pause


def _clear_position(dossier: Dossier) -> None:
    dossier.current_step_seq = None
    dossier.current_role = None
    dossier.current_unit_id = None
    dossier.current_assignee_id = None
    dossier.current_step_due_at = None


def _end(dossier: Dossier, state: State, at: datetime, actor: User | None, note: str = "") -> None:
    """Ended (finished, refused, withdrawn, stopped): NgayKetThucXuLy and the on-time class."""
    _close_step(dossier, at, "ket_thuc", actor, note)
    dossier.state = state
    dossier.ended_at = at
    dossier.timeliness = classify(
        dossier.due_at,
        at,
        supplement_requested_at=dossier.supplement_requested_at,
        supplemented_at=dossier.supplemented_at,
        supplement_count=dossier.supplement_count,
    ).value
    _clear_position(dossier)


# ---- checks ---------------------------------------------------------------------------------
def _labels(states: Iterable[State]) -> str:
    return ", ".join(f"«{s.label}»" for s in states)


def _require_state(dossier: Dossier, allowed: Sequence[State], action: str, why: str = "") -> None:
    state = State(dossier.state)
    if state not in allowed:
        reason = why or f"chỉ thực hiện được khi hồ sơ ở trạng thái {_labels(allowed)}"
        raise InvalidTransition(
            f"Không thể «{ACTION_LABELS[action]}» hồ sơ {dossier.code}: hồ sơ đang ở trạng thái «{state.label}» ({reason})."
        )


def _require_active(actor: User | None) -> None:
    if actor is not None and not actor.active:
        raise PermissionDenied(f"Tài khoản {actor.username} đã bị khóa nên không thực hiện được thao tác.")


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit is not None else "đơn vị xử lý"


def _role_label(step_role: str | None) -> str:
    try:
        return StepRole(step_role).label
    except ValueError:
        return str(step_role)


def may_act_at_step(session: Session, actor: User | None, dossier: Dossier) -> bool:
    """The actor holds the current step's role in the current unit, or is its assignee."""
    if actor is None:
        return True
    if not actor.active or dossier.current_role is None:
        return False
    if dossier.current_assignee_id is not None and dossier.current_assignee_id == actor.id:
        return True
    roles = STEP_ROLES.get(dossier.current_role, frozenset())
    return actor.role in roles and acts_in(session, actor, dossier.current_unit_id)


def _require_step_actor(session: Session, actor: User | None, dossier: Dossier, action: str) -> None:
    _require_active(actor)
    if may_act_at_step(session, actor, dossier):
        return
    row = _open_row(dossier)
    step_name = row.name if row is not None else "hiện tại"
    raise PermissionDenied(
        f"Bạn không được «{ACTION_LABELS[action]}» hồ sơ {dossier.code}: hồ sơ đang ở bước «{step_name}», do "
        f"{_role_label(dossier.current_role)} của {_unit_name(session, dossier.current_unit_id)} xử lý"
        + (" (đã phân công cho người khác)" if dossier.current_assignee_id else "")
        + "."
    )


def _is_receiving_officer(session: Session, actor: User | None, dossier: Dossier) -> bool:
    return actor is None or (actor.active and actor.role == Role.RECEIVING and acts_in(session, actor, dossier.unit_id))


def _is_owner(actor: User | None, dossier: Dossier) -> bool:
    return actor is not None and actor.role == Role.CITIZEN and dossier.owner_user_id == actor.id


def _is_leader(session: Session, actor: User | None, dossier: Dossier) -> bool:
    if actor is None:
        return True
    return actor.active and actor.role == Role.LEADER and (
        acts_in(session, actor, dossier.current_unit_id) or acts_in(session, actor, dossier.unit_id)
    )


def _require_receiving_officer(session: Session, actor: User | None, dossier: Dossier, action: str, or_owner: bool = False) -> None:
    _require_active(actor)
    if _is_receiving_officer(session, actor, dossier) or (or_owner and _is_owner(actor, dossier)):
        return
    who = "chủ hồ sơ hoặc " if or_owner else ""
    raise PermissionDenied(
        f"Bạn không được «{ACTION_LABELS[action]}» hồ sơ {dossier.code}: việc này do {who}cán bộ Bộ phận Một cửa của "
        f"{_unit_name(session, dossier.unit_id)} thực hiện."
    )


def _text(value: str | None, what: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"Phải ghi {what}.", field=field)
    return text


def _amount(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what} «{value}» không phải là số tiền hợp lệ.", field="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"{what} phải lớn hơn 0 đồng.", field="amount")
    if amount != amount.to_integral_value():
        raise ValidationError(f"{what} phải là số đồng nguyên (không có phần lẻ).", field="amount")
    return amount


# ---- codes ----------------------------------------------------------------------------------
def next_sequence(session: Session, unit_code: str, day: date) -> int:
    """The next daily number of a unit: one atomic INSERT … ON CONFLICT DO UPDATE … RETURNING."""
    table = DossierCounter.__table__
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(table).values(unit_code=unit_code, day=day, last_seq=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.unit_code, table.c.day], set_={"last_seq": table.c.last_seq + 1}
        ).returning(table.c.last_seq)
        return int(session.execute(stmt).scalar_one())
    row = session.execute(select(DossierCounter).where(DossierCounter.unit_code == unit_code, DossierCounter.day == day).with_for_update()).scalar_one_or_none()
    if row is None:
        row = DossierCounter(unit_code=unit_code, day=day, last_seq=0)
        session.add(row)
    row.last_seq += 1
    session.flush()
    return row.last_seq


def next_code(session: Session, unit: Unit, day: date) -> str:
    """`<unit code>-YYMMDD-XXXX` with the unit's next number of that day."""
    return dossier_code(unit.code, day, next_sequence(session, unit.code, day))


# ---- receipt --------------------------------------------------------------------------------
def receipt_due(cal: WorkCalendar, procedure: Procedure, start: datetime) -> datetime:
    """NgayHenTra of a dossier received at `start`: the procedure's time limit and cut-off hour."""
    return cal.due(start, Decimal(procedure.time_amount), procedure.time_unit, procedure.cutoff_time)


def _due(session: Session, procedure: Procedure, start: datetime) -> datetime:
    return receipt_due(calendar(session), procedure, start)


def procedure_fee(procedure: Procedure) -> Decimal:
    """What a new dossier of the procedure owes: the sum of its fees and charges."""
    return sum((Decimal(f.amount or 0) for f in procedure.fees), Decimal(0))


def _check_procedure_unit(procedure: Procedure, unit: Unit, at: datetime) -> None:
    if not procedure.active:
        raise ValidationError(f"Thủ tục {procedure.code} đã ngừng áp dụng nên không tiếp nhận hồ sơ mới.", field="procedure")
    levels = procedure.level_list
    if levels and unit.level not in levels:
        names = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã"}
        raise ValidationError(
            f"Thủ tục {procedure.code} không thực hiện ở {names.get(unit.level, unit.level)} "
            f"(chỉ ở {', '.join(names.get(x, x) for x in levels)}), nên {unit.name} không tiếp nhận được.",
            field="unit",
        )
    if not unit.valid_on(at.date()):
        raise ValidationError(f"Đơn vị {unit.name} ({unit.code}) không còn hoạt động ngày {fmt_date(at)}.", field="unit")


def _components(procedure: Procedure, components: Iterable[Any]) -> list[DossierComponent]:
    by_id = {c.id: c for c in procedure.components}
    items = list(components)
    if not items:
        return [DossierComponent(component_id=c.id, seq=i, name=c.name, copies=c.copies) for i, c in enumerate(procedure.components, 1)]
    rows = []
    for i, raw in enumerate(items, 1):
        if isinstance(raw, str):
            raw = ComponentIn(name=raw)
        elif isinstance(raw, int):
            raw = ComponentIn(component_id=raw)
        elif hasattr(raw, "procedure_id") and hasattr(raw, "required"):
            raw = ComponentIn(component_id=raw.id)
        item: ComponentIn = parse_component(raw)
        name = item.name.strip()
        if item.component_id is not None:
            cat = by_id.get(item.component_id)
            if cat is None:
                raise ValidationError(
                    f"Thành phần hồ sơ thứ {i} (mã {item.component_id}) không thuộc thủ tục {procedure.code}.", field="components"
                )
            name = name or cat.name
        if not name:
            raise ValidationError(f"Thành phần hồ sơ thứ {i} phải có tên.", field="components")
        rows.append(DossierComponent(component_id=item.component_id, seq=i, name=name, copies=item.copies, reused=item.reused))
    return rows


def _new_dossier(
    session: Session,
    *,
    procedure: Procedure,
    unit: Unit,
    channel: Channel,
    applicant: ApplicantIn,
    owner: User | None,
    request_summary: str,
    copies: int,
    vneid_verified: bool,
    result_delivery: str,
    code: str,
    state: State,
    submitted_at: datetime,
) -> Dossier:
    fee = procedure_fee(procedure)
    dossier = Dossier(
        code=code,
        procedure_id=procedure.id,
        unit_id=unit.id,
        level=unit.level,
        channel=int(channel),
        state=state,
        applicant_name=applicant.name,
        applicant_key=search_key(applicant.name),
        applicant_type=applicant.applicant_type,
        applicant_id_number=applicant.id_number,
        applicant_address=applicant.address,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        authorized_person=applicant.authorized_person,
        request_summary=request_summary or "",
        copies=copies,
        result_delivery=result_delivery,
        owner_user_id=owner.id if owner is not None else None,
        submitted_at=submitted_at,
        fee_amount=fee,
        fee_paid=False,
        paid_online=0,
        vneid_verified=bool(vneid_verified),
        supplement_count=0,
        supplement_seconds=0,
        apology_count=0,
        components_digitized=False,
        result_digitized=False,
    )
    session.add(dossier)
    return dossier


def _common_receipt_checks(applicant: Any, copies: int, owner: User | None, channel: Any) -> tuple[ApplicantIn, Channel]:
    try:
        ch = Channel(int(channel))
    except (ValueError, TypeError):
        raise ValidationError(f"Kênh tiếp nhận «{channel}» không hợp lệ (1 trực tiếp, 2 trực tuyến, 3 bưu chính).", field="channel") from None
    app = parse_applicant(applicant)
    if not isinstance(copies, int) or copies < 1:
        raise ValidationError("Số bộ hồ sơ phải từ 1 trở lên.", field="copies")
    if owner is not None and owner.role != Role.CITIZEN:
        raise ValidationError(f"Chủ tài khoản của hồ sơ phải là công dân; {owner.username} là cán bộ.", field="owner")
    return app, ch


def _check_receive(session: Session, actor: User | None, unit: Unit) -> None:
    _require_active(actor)
    if actor is None:
        return
    if actor.role != Role.RECEIVING or not acts_in(session, actor, unit.id):
        raise PermissionDenied(
            f"Bạn không được tiếp nhận hồ sơ tại {unit.name}: chỉ cán bộ Bộ phận Một cửa của đơn vị này tiếp nhận hồ sơ."
        )


def require_online_channel(procedure: Procedure, channel: Channel) -> None:
    """A dossier entered as online (kênh 2) is of a procedure offered online."""
    if channel == Channel.ONLINE and procedure.online_level not in (OnlineLevel.FULL, OnlineLevel.PARTIAL):
        raise ValidationError(f"Thủ tục {procedure.code} không cung cấp dịch vụ công trực tuyến.", field="channel")


def check_online_submission(citizen: User | None, procedure: Procedure, unit: Unit, applicant: Any, copies: int,
                            at: datetime) -> tuple[ApplicantIn, Channel]:
    """What an online submission requires: a citizen's account (or none), a valid applicant, and a
    procedure in force at this unit and offered online (toàn trình or một phần)."""
    _require_active(citizen)
    if citizen is not None and citizen.role != Role.CITIZEN:
        raise PermissionDenied("Chỉ công dân (tài khoản công dân) mới nộp hồ sơ trực tuyến; cán bộ dùng chức năng tiếp nhận.")
    app, ch = _common_receipt_checks(applicant, copies, citizen, Channel.ONLINE)
    _check_procedure_unit(procedure, unit, at)
    if procedure.online_level not in (OnlineLevel.FULL, OnlineLevel.PARTIAL):
        raise ValidationError(
            f"Thủ tục {procedure.code} không cung cấp dịch vụ công trực tuyến (chỉ nộp trực tuyến được thủ tục toàn trình hoặc một phần).",
            field="procedure",
        )
    return app, ch


def receive(
    session: Session,
    actor: User | None,
    *,
    procedure: Procedure,
    unit: Unit,
    channel: int | Channel,
    applicant: ApplicantIn | dict[str, Any],
    components: Iterable[Any] = (),
    at: datetime | None = None,
    owner: User | None = None,
    request_summary: str = "",
    copies: int = 1,
    vneid_verified: bool = False,
    result_delivery: str = "truc_tiep",
) -> Dossier:
    """Receipt at the counter (1), by post (3) — or an online dossier entered at once (2).

    Assigns the code from the unit's daily counter, the due date (NgayHenTra) from the
    procedure's time limit, records the receiving step of Mẫu 06 and starts the first processing
    step. State: Đang xử lý.
    """
    at = moment(at)
    app, ch = _common_receipt_checks(applicant, copies, owner, channel)
    _check_receive(session, actor, unit)
    _check_procedure_unit(procedure, unit, at)
    require_online_channel(procedure, ch)
    proc = process(procedure)
    comps = _components(procedure, components)
    due = _due(session, procedure, at)
    code = next_code(session, unit, at.date())
    dossier = _new_dossier(
        session, procedure=procedure, unit=unit, channel=ch, applicant=app, owner=owner, request_summary=request_summary,
        copies=copies, vneid_verified=vneid_verified, result_delivery=result_delivery, code=code,
        state=State.PROCESSING, submitted_at=at,
    )
    dossier.received_at = at
    dossier.due_at = due
    dossier.components = comps
    recv = _open_step(session, dossier, proc.receiving, at, actor.id if actor is not None else None)
    recv.unit_id = unit.id
    _close_step(dossier, at, "chuyen_tiep", actor)
    _open_step(session, dossier, proc.steps[0], at)
    log(session, actor, dossier, "receive", None, State.PROCESSING.value, at,
        data={"code": code, "channel": int(ch), "due_at": due.isoformat()})
    _flush(session, dossier)
    return dossier


def submit_online(
    session: Session,
    citizen: User | None,
    *,
    procedure: Procedure,
    unit: Unit,
    applicant: ApplicantIn | dict[str, Any],
    components: Iterable[Any] = (),
    at: datetime | None = None,
    request_summary: str = "",
    copies: int = 1,
    vneid_verified: bool = False,
    result_delivery: str = "truc_tiep",
) -> Dossier:
    """Online submission (kênh 2) of a toàn trình / một phần service: state Mới đăng ký.

    The code is assigned at once; the due date shown is provisional (from now) until a receiving
    officer accepts the dossier.
    """
    at = moment(at)
    app, ch = check_online_submission(citizen, procedure, unit, applicant, copies, at)
    proc = process(procedure)
    comps = _components(procedure, components)
    due = _due(session, procedure, at)
    code = next_code(session, unit, at.date())
    dossier = _new_dossier(
        session, procedure=procedure, unit=unit, channel=ch, applicant=app, owner=citizen, request_summary=request_summary,
        copies=copies, vneid_verified=vneid_verified, result_delivery=result_delivery, code=code,
        state=State.SUBMITTED, submitted_at=at,
    )
    dossier.due_at = due
    dossier.components = comps
    row = _open_step(session, dossier, proc.receiving, at)
    row.unit_id = unit.id
    dossier.current_unit_id = unit.id
    log(session, citizen, dossier, "submit_online", None, State.SUBMITTED.value, at,
        data={"code": code, "channel": int(ch), "provisional_due_at": due.isoformat()})
    _flush(session, dossier)
    return dossier


def _check_accept(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.SUBMITTED,), "accept")
    _require_receiving_officer(session, actor, dossier, "accept")


def accept(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> Dossier:
    """Accept an online submission: received now, due date recomputed from now, processing starts."""
    at = moment(at)
    _check_accept(session, actor, dossier)
    check_moment(session, dossier, at)
    procedure = _procedure(session, dossier)
    proc = process(procedure)
    due = _due(session, procedure, at)
    before = dossier.state
    dossier.received_at = at
    dossier.due_at = due
    dossier.state = State.PROCESSING
    _close_step(dossier, at, "chuyen_tiep", actor)
    _open_step(session, dossier, proc.steps[0], at)
    log(session, actor, dossier, "accept", before, dossier.state, at, data={"due_at": due.isoformat()})
    _flush(session, dossier)
    return dossier


def _check_reject_submission(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.SUBMITTED,), "reject_submission")
    _require_receiving_officer(session, actor, dossier, "reject_submission")


def reject_submission(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """Not accepted (Mẫu 03 at receipt): never counted as received."""
    at = moment(at)
    _check_reject_submission(session, actor, dossier)
    reason = _text(reason, "lý do không tiếp nhận hồ sơ", "reason")
    check_moment(session, dossier, at)
    before = dossier.state
    _close_step(dossier, at, "ket_thuc", actor, reason)
    dossier.state = State.NOT_ACCEPTED
    dossier.not_accepted_at = at
    dossier.end_reason = reason
    _clear_position(dossier)
    log(session, actor, dossier, "reject_submission", before, dossier.state, at, note=reason)
    _flush(session, dossier)
    return dossier


# ---- workflow -------------------------------------------------------------------------------
def _current_spec(session: Session, dossier: Dossier) -> tuple[Process, StepSpec]:
    proc = process(_procedure(session, dossier))
    spec = proc.by_seq(dossier.current_step_seq)
    if spec is None:
        raise InvalidTransition(
            f"Bước xử lý hiện tại của hồ sơ {dossier.code} (bước {dossier.current_step_seq}) không còn trong quy trình của thủ tục."
        )
    return proc, spec


def _next_spec(session: Session, dossier: Dossier) -> StepSpec:
    proc, spec = _current_spec(session, dossier)
    return following_step(proc, spec, dossier)


def following_step(proc: Process, spec: StepSpec, dossier: Dossier) -> StepSpec:
    """The step after `spec` in the process (the first processing step after receipt)."""
    if spec is proc.receiving:
        return proc.steps[0]
    i = proc.index(spec.seq)
    if i + 1 >= len(proc.steps):
        raise InvalidTransition(
            f"Hồ sơ {dossier.code} đang ở bước cuối «{spec.name}» của quy trình: không còn bước để chuyển; hãy hoàn thành xử lý."
        )
    return proc.steps[i + 1]


def _check_assignee(session: Session, dossier: Dossier, assignee: User, role: str, unit_id: int | None) -> None:
    if not assignee.active:
        raise ValidationError(f"Tài khoản {assignee.full_name} đã bị khóa, không phân công được.", field="assignee")
    if assignee.role not in STEP_ROLES.get(role, frozenset()) or not acts_in(session, assignee, unit_id):
        raise ValidationError(
            f"Không phân công được cho {assignee.full_name}: bước này do {_role_label(role)} của "
            f"{_unit_name(session, unit_id)} xử lý.",
            field="assignee",
        )


def _check_forward(session: Session, actor: User | None, dossier: Dossier) -> StepSpec:
    _require_state(dossier, (State.PROCESSING,), "forward")
    _require_step_actor(session, actor, dossier, "forward")
    return _next_spec(session, dossier)


def forward(
    session: Session, actor: User | None, dossier: Dossier, note: str = "", assignee: User | None = None, at: datetime | None = None
) -> Dossier:
    """Hand the dossier to the next step of the process (Mẫu 06: one row closed, one opened)."""
    at = moment(at)
    nxt = _check_forward(session, actor, dossier)
    unit_id = nxt.unit_id or dossier.unit_id
    if assignee is not None:
        _check_assignee(session, dossier, assignee, nxt.role, unit_id)
    check_moment(session, dossier, at)
    closed = _close_step(dossier, at, "chuyen_tiep", actor, note)
    _open_step(session, dossier, nxt, at, assignee.id if assignee is not None else None)
    log(session, actor, dossier, "forward", dossier.state, dossier.state, at, note=note,
        data={"from_step": closed.step_seq if closed else None, "to_step": nxt.seq, "timeliness": closed.timeliness if closed else None,
              "assignee_id": assignee.id if assignee is not None else None})
    _flush(session, dossier)
    return dossier


def _check_send_back(session: Session, actor: User | None, dossier: Dossier) -> StepSpec:
    _require_state(dossier, (State.PROCESSING,), "send_back")
    _require_step_actor(session, actor, dossier, "send_back")
    proc, spec = _current_spec(session, dossier)
    return previous_step(_procedure(session, dossier), proc, spec)


def previous_step(procedure: Procedure, proc: Process, spec: StepSpec) -> StepSpec:
    """The step a dossier at `spec` is sent back to, where the process lets that step send back."""
    if not spec.can_return:
        raise InvalidTransition(f"Bước «{spec.name}» của quy trình không được phép trả lại hồ sơ về bước trước.")
    i = proc.index(spec.seq)
    if i > 0:
        return proc.steps[i - 1]
    if i == 0 and proc.receiving.seq in {s.seq for s in procedure.steps}:
        return proc.receiving
    raise InvalidTransition(f"Bước «{spec.name}» là bước đầu của quy trình: không có bước trước để trả lại.")


def send_back(session: Session, actor: User | None, dossier: Dossier, note: str, at: datetime | None = None) -> Dossier:
    """Return the dossier to the previous step (only where the current step may send back)."""
    at = moment(at)
    prev = _check_send_back(session, actor, dossier)
    note = _text(note, "lý do trả lại hồ sơ", "note")
    check_moment(session, dossier, at)
    handler = next((s.assignee_id for s in reversed(dossier.steps) if s.step_seq == prev.seq and s.ended_at is not None), None)
    closed = _close_step(dossier, at, "tra_lai", actor, note)
    _open_step(session, dossier, prev, at, handler)
    log(session, actor, dossier, "send_back", dossier.state, dossier.state, at, note=note,
        data={"from_step": closed.step_seq if closed else None, "to_step": prev.seq})
    _flush(session, dossier)
    return dossier


def _check_assign(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL), "assign")
    _require_active(actor)
    if dossier.current_role is None:
        raise InvalidTransition(f"Hồ sơ {dossier.code} không ở bước xử lý nào để phân công.")
    if actor is not None and not (actor.role in (Role.LEADER, Role.UNIT_ADMIN) and acts_in(session, actor, dossier.current_unit_id)):
        raise PermissionDenied(
            f"Bạn không được phân công xử lý hồ sơ {dossier.code}: chỉ lãnh đạo hoặc quản trị của "
            f"{_unit_name(session, dossier.current_unit_id)} phân công trong đơn vị."
        )


def assign(session: Session, actor: User | None, dossier: Dossier, assignee: User, at: datetime | None = None) -> Dossier:
    """A leader or unit administrator assigns the current step to someone of the unit."""
    at = moment(at)
    _check_assign(session, actor, dossier)
    _check_assignee(session, dossier, assignee, dossier.current_role or "", dossier.current_unit_id)
    check_moment(session, dossier, at)
    row = _open_row(dossier)
    if row is not None:
        row.assignee_id = assignee.id
    dossier.current_assignee_id = assignee.id
    log(session, actor, dossier, "assign", dossier.state, dossier.state, at, note=assignee.full_name,
        data={"assignee_id": assignee.id, "step": dossier.current_step_seq})
    _flush(session, dossier)
    return dossier


# ---- supplement, apology --------------------------------------------------------------------
def _check_request_supplement(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.PROCESSING,), "request_supplement")
    if dossier.supplement_count >= 1:
        raise InvalidTransition(
            f"Không thể yêu cầu bổ sung hồ sơ {dossier.code} lần thứ hai: {SUPPLEMENT_RULE} "
            f"(đã yêu cầu ngày {fmt_date(dossier.supplement_requested_at)})."
        )
    _require_step_actor(session, actor, dossier, "request_supplement")


def request_supplement(
    session: Session, actor: User | None, dossier: Dossier, reason: str, items: Iterable[str] = (), at: datetime | None = None
) -> Dossier:
    """Phiếu yêu cầu bổ sung (Mẫu 02) — only once; the clock stops until the citizen supplements."""
    at = moment(at)
    _check_request_supplement(session, actor, dossier)
    reason = _text(reason, "lý do yêu cầu bổ sung", "reason")
    items = [str(x).strip() for x in items if str(x).strip()]
    check_moment(session, dossier, at)
    before = dossier.state
    dossier.state = State.SUPPLEMENT
    dossier.supplement_count = (dossier.supplement_count or 0) + 1
    dossier.supplement_requested_at = at
    log(session, actor, dossier, "request_supplement", before, dossier.state, at, note=reason, data={"items": items})
    _flush(session, dossier)
    return dossier


def _check_supplement(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.SUPPLEMENT,), "supplement")
    _require_receiving_officer(session, actor, dossier, "supplement", or_owner=True)


def supplement(session: Session, actor: User | None, dossier: Dossier, note: str = "", at: datetime | None = None) -> Dossier:
    """The citizen supplemented (online, or at the counter): processing resumes at the same step."""
    at = moment(at)
    _check_supplement(session, actor, dossier)
    check_moment(session, dossier, at)
    pause = supplement_pause(dossier.supplement_requested_at, at)
    before = dossier.state
    dossier.state = State.PROCESSING
    dossier.supplemented_at = at
    dossier.supplement_seconds = int(pause.total_seconds())
    _pause_step_clock(dossier, pause)
    log(session, actor, dossier, "supplement", before, dossier.state, at, note=note,
        data={"supplement_seconds": dossier.supplement_seconds})
    _flush(session, dossier)
    return dossier


def _check_apologize(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> None:
    _require_state(dossier, tuple(sorted(OPEN_STATES)), "apologize", "chỉ xin lỗi, hẹn lại khi hồ sơ đang giải quyết")
    if dossier.apology_count >= 1:
        raise InvalidTransition(
            f"Không thể hẹn lại ngày trả hồ sơ {dossier.code} lần thứ hai: {APOLOGY_RULE} "
            f"(đã hẹn lại đến {fmt_datetime(dossier.extended_due_at)})."
        )
    _require_active(actor)
    if not (may_act_at_step(session, actor, dossier) or _is_leader(session, actor, dossier)):
        raise PermissionDenied(
            f"Bạn không được gửi văn bản xin lỗi cho hồ sơ {dossier.code}: việc này do người đang xử lý hồ sơ hoặc lãnh đạo đơn vị thực hiện."
        )
    if at is not None:
        require_apology_in_time(calendar(session), dossier, at)


def require_apology_in_time(cal: WorkCalendar, dossier: Dossier, at: datetime) -> None:
    """The apology letter (Mẫu 04) is sent at least 1 working day before the due date."""
    if dossier.due_at is not None:
        if cal.working_days_between(at.date(), dossier.due_at.date()) < 1:
            raise InvalidTransition(
                f"Đã quá thời điểm xin lỗi, hẹn lại cho hồ sơ {dossier.code}: văn bản xin lỗi phải gửi chậm nhất 01 ngày làm việc "
                f"trước hạn trả kết quả ({fmt_datetime(dossier.due_at)}); hôm nay là {fmt_date(at)}."
            )


def apologize(
    session: Session, actor: User | None, dossier: Dossier, reason: str, new_due_at: datetime, at: datetime | None = None
) -> Dossier:
    """Văn bản xin lỗi và hẹn lại ngày trả (Mẫu 04): once, ≥ 1 working day before due; due_at never moves."""
    at = moment(at)
    _check_apologize(session, actor, dossier, at)
    reason = _text(reason, "lý do chậm giải quyết", "reason")
    if isinstance(new_due_at, date) and not isinstance(new_due_at, datetime):  # a day: at the original hour
        new_due_at = datetime.combine(new_due_at, dossier.due_at.time() if dossier.due_at else calendar(session).sessions[-1][1])
    if not isinstance(new_due_at, datetime):
        raise ValidationError("Ngày hẹn trả mới phải là ngày hoặc ngày giờ.", field="new_due_at")
    new_due_at = moment(new_due_at)
    if dossier.due_at is not None and new_due_at <= dossier.due_at:
        raise ValidationError(
            f"Ngày hẹn trả mới ({fmt_datetime(new_due_at)}) phải sau hạn trả hiện tại ({fmt_datetime(dossier.due_at)}).",
            field="new_due_at",
        )
    check_moment(session, dossier, at)
    dossier.extended_due_at = new_due_at
    dossier.apology_count = (dossier.apology_count or 0) + 1
    log(session, actor, dossier, "apologize", dossier.state, dossier.state, at, note=reason,
        data={"due_at": dossier.due_at.isoformat() if dossier.due_at else None, "new_due_at": new_due_at.isoformat()})
    _flush(session, dossier)
    return dossier


# ---- ending without a result ----------------------------------------------------------------
_ENDABLE = (State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL)


def _check_refuse(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, _ENDABLE, "refuse", "chỉ từ chối khi hồ sơ đang giải quyết, trước khi có kết quả")
    _require_active(actor)
    if _is_leader(session, actor, dossier):
        return
    proc = process(_procedure(session, dossier))
    if dossier.current_step_seq == proc.steps[0].seq and may_act_at_step(session, actor, dossier):
        return
    raise PermissionDenied(
        f"Bạn không được từ chối giải quyết hồ sơ {dossier.code}: chỉ lãnh đạo đơn vị, hoặc chuyên viên ở bước xử lý đầu tiên, được từ chối."
    )


def _end_with_reason(session: Session, actor: User | None, dossier: Dossier, action: str, check, what: str,
                     state: State, reason: str, at: datetime | None) -> Dossier:
    """Refuse, withdraw or stop: checked, with a reason, ended and classified, one event."""
    at = moment(at)
    check(session, actor, dossier)
    reason = _text(reason, what, "reason")
    check_moment(session, dossier, at)
    before = dossier.state
    dossier.end_reason = reason
    _end(dossier, state, at, actor, reason)
    log(session, actor, dossier, action, before, dossier.state, at, note=reason, data={"timeliness": dossier.timeliness})
    _flush(session, dossier)
    return dossier


def refuse(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """Từ chối giải quyết (with reasons): ended, classified on time or late."""
    return _end_with_reason(session, actor, dossier, "refuse", _check_refuse, "lý do từ chối giải quyết", State.REFUSED, reason, at)


def _check_withdraw(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, _ENDABLE, "withdraw", "chỉ rút được hồ sơ đang giải quyết, trước khi có kết quả")
    _require_receiving_officer(session, actor, dossier, "withdraw", or_owner=True)


def withdraw(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """The citizen withdraws (rút hồ sơ) before a result; recorded by the owner or the one-stop desk."""
    return _end_with_reason(session, actor, dossier, "withdraw", _check_withdraw, "lý do rút hồ sơ", State.WITHDRAWN, reason, at)


def _check_stop(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, _ENDABLE, "stop", "chỉ dừng được hồ sơ đang giải quyết, trước khi có kết quả")
    _require_active(actor)
    if _is_leader(session, actor, dossier) or _is_owner(actor, dossier) or _is_receiving_officer(session, actor, dossier):
        return
    raise PermissionDenied(
        f"Bạn không được dừng xử lý hồ sơ {dossier.code}: việc này do lãnh đạo đơn vị, hoặc theo đề nghị của chủ hồ sơ "
        "(chủ hồ sơ hoặc Bộ phận Một cửa ghi nhận)."
    )


def stop(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """Thông báo dừng giải quyết (Mẫu 05)."""
    return _end_with_reason(session, actor, dossier, "stop", _check_stop, "lý do dừng giải quyết", State.STOPPED, reason, at)


# ---- fees -----------------------------------------------------------------------------------
def _check_request_financial(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.PROCESSING,), "request_financial")
    if dossier.fee_paid:
        raise InvalidTransition(f"Hồ sơ {dossier.code} đã nộp phí, lệ phí; không yêu cầu nghĩa vụ tài chính lần nữa.")
    _require_step_actor(session, actor, dossier, "request_financial")


def request_financial(session: Session, actor: User | None, dossier: Dossier, amount: Any, at: datetime | None = None) -> Dossier:
    """Ask the citizen to fulfil a financial obligation: waits in state 6 until paid."""
    at = moment(at)
    _check_request_financial(session, actor, dossier)
    value = _amount(amount, "Số tiền phải nộp")
    check_moment(session, dossier, at)
    before = dossier.state
    dossier.state = State.FINANCIAL
    dossier.fee_amount = value
    dossier.financial_requested_at = at
    log(session, actor, dossier, "request_financial", before, dossier.state, at,
        note=f"{fmt_int(int(value))} đồng", data={"amount": str(value)})
    _flush(session, dossier)
    return dossier


def _check_record_payment(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.SUBMITTED, *_ENDABLE), "record_payment", "chỉ nộp phí khi hồ sơ đang giải quyết")
    if dossier.fee_paid:
        raise InvalidTransition(f"Hồ sơ {dossier.code} đã được ghi nhận nộp phí, lệ phí.")
    if dossier.state != State.FINANCIAL and not Decimal(dossier.fee_amount or 0):
        raise InvalidTransition(
            f"Hồ sơ {dossier.code} không có khoản phí, lệ phí nào phải nộp (thủ tục không thu phí và chưa có yêu cầu nghĩa vụ tài chính)."
        )
    _require_active(actor)
    if _is_owner(actor, dossier) or _is_receiving_officer(session, actor, dossier) or may_act_at_step(session, actor, dossier):
        return
    raise PermissionDenied(
        f"Bạn không được ghi nhận nộp phí cho hồ sơ {dossier.code}: việc này do chủ hồ sơ (nộp trực tuyến), "
        "Bộ phận Một cửa hoặc người đang xử lý hồ sơ thực hiện."
    )


def record_payment(
    session: Session, actor: User | None, dossier: Dossier, amount: Any, online: OnlinePayment | int = OnlinePayment.NONE,
    at: datetime | None = None,
) -> Dossier:
    """Fee paid (online via DVCQG = 1, local gateway = 2, otherwise 0); resumes a dossier waiting in state 6."""
    at = moment(at)
    _check_record_payment(session, actor, dossier)
    value = _amount(amount, "Số tiền đã nộp")
    try:
        how = OnlinePayment(int(online))
    except (ValueError, TypeError):
        raise ValidationError(f"Hình thức thanh toán «{online}» không hợp lệ (0, 1 hoặc 2).", field="online") from None
    if _is_owner(actor, dossier) and how == OnlinePayment.NONE:
        raise ValidationError("Công dân chỉ nộp phí trực tuyến (qua Cổng DVCQG hoặc cổng thanh toán của tỉnh).", field="online")
    due = Decimal(dossier.fee_amount or 0)
    if value < due:
        raise ValidationError(f"Số tiền nộp {fmt_int(int(value))} đồng ít hơn số phải nộp {fmt_int(int(due))} đồng.", field="amount")
    check_moment(session, dossier, at)
    before = dossier.state
    dossier.fee_paid = True
    dossier.paid_online = int(how)
    if dossier.state == State.FINANCIAL:
        dossier.state = State.PROCESSING
    log(session, actor, dossier, "record_payment", before, dossier.state, at,
        note=f"{fmt_int(int(value))} đồng", data={"amount": str(value), "online": int(how)})
    _flush(session, dossier)
    return dossier


# ---- result ---------------------------------------------------------------------------------
def _check_finish(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.PROCESSING,), "finish")
    _require_step_actor(session, actor, dossier, "finish")
    proc, spec = _current_spec(session, dossier)
    require_finishing_step(proc, spec, dossier)


def require_finishing_step(proc: Process, spec: StepSpec, dossier: Dossier) -> None:
    """A result is given at the leader's approval or at the last step of the process."""
    if spec.role != StepRole.LEADER and spec is not proc.steps[-1]:
        raise InvalidTransition(
            f"Hồ sơ {dossier.code} đang ở bước «{spec.name}»: chỉ hoàn thành xử lý ở bước lãnh đạo duyệt hoặc bước cuối của quy trình."
        )


def finish(
    session: Session,
    actor: User | None,
    dossier: Dossier,
    *,
    result_number: str,
    result_summary: str,
    esigned: bool = False,
    result_files: Iterable[Any] = (),
    at: datetime | None = None,
) -> Dossier:
    """Đã xử lý xong: NgayKetThucXuLy, timeliness; the result then waits at the one-stop desk."""
    from cchc.dossiers import files as files_mod

    at = moment(at)
    _check_finish(session, actor, dossier)
    number, summary = (result_number or "").strip(), (result_summary or "").strip()
    if not number and not summary:
        raise ValidationError("Phải ghi số, ký hiệu hoặc trích yếu của kết quả giải quyết.", field="result_number")
    uploads = []
    for f in result_files:
        up = f if isinstance(f, files_mod.Upload) else files_mod.Upload(*f)
        files_mod.validate_upload(up.filename, up.content, up.content_type)
        uploads.append(up)
    check_moment(session, dossier, at)
    proc = process(_procedure(session, dossier))
    before = dossier.state
    dossier.result_number = number
    dossier.result_summary = summary
    dossier.result_esigned = bool(esigned)
    _end(dossier, State.FINISHED, at, actor)
    _open_return_step(session, dossier, proc, at)
    log(session, actor, dossier, "finish", before, dossier.state, at, note=number,
        data={"timeliness": dossier.timeliness, "esigned": bool(esigned)})
    _flush(session, dossier)
    for up in uploads:
        files_mod.attach_file(session, actor, dossier, "ket_qua", up.filename, up.content, up.content_type, at=at)
    return dossier


def _check_return_result(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, (State.FINISHED,), "return_result")
    _require_receiving_officer(session, actor, dossier, "return_result")


def return_result(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> Dossier:
    """Đã trả kết quả (NgayTra)."""
    at = moment(at)
    _check_return_result(session, actor, dossier)
    check_moment(session, dossier, at)
    before = dossier.state
    _close_step(dossier, at, "ket_thuc", actor)
    dossier.state = State.RETURNED
    dossier.returned_at = at
    _clear_position(dossier)
    log(session, actor, dossier, "return_result", before, dossier.state, at)
    _flush(session, dossier)
    return dossier


def _check_mark_digitized(session: Session, actor: User | None, dossier: Dossier) -> None:
    _require_state(dossier, tuple(s for s in State if s not in (State.NOT_ACCEPTED,)), "mark_digitized")
    _require_active(actor)
    if actor is None:
        return
    if actor.role == Role.CITIZEN or not (
        actor.role == Role.SYSTEM_ADMIN or any(acts_in(session, actor, u) for u in step_unit_ids(session, dossier))
    ):
        raise PermissionDenied(f"Bạn không xử lý hồ sơ {dossier.code} nên không được đánh dấu số hóa.")


def mark_digitized(
    session: Session,
    actor: User | None,
    dossier: Dossier,
    components: bool | None = None,
    result: bool | None = None,
    at: datetime | None = None,
) -> Dossier:
    """Record digitisation (TT 01/2023) of the components received and/or of the result."""
    at = moment(at)
    _check_mark_digitized(session, actor, dossier)
    if components is None and result is None:
        raise ValidationError("Phải chọn số hóa thành phần hồ sơ hoặc kết quả giải quyết.", field="components")
    if result and State(dossier.state) not in (State.FINISHED, State.RETURNED):
        raise InvalidTransition(f"Hồ sơ {dossier.code} chưa có kết quả giải quyết để số hóa.")
    check_moment(session, dossier, at)
    data: dict[str, Any] = {}
    if components is not None:
        dossier.components_digitized = bool(components)
        for c in dossier.components:
            c.digitized = bool(components)
        data["components"] = bool(components)
    if result is not None:
        dossier.result_digitized = bool(result)
        data["result"] = bool(result)
    log(session, actor, dossier, "mark_digitized", dossier.state, dossier.state, at, data=data)
    _flush(session, dossier)
    return dossier


# ---- what may be done, reading --------------------------------------------------------------
_CHECKS = {
    "accept": _check_accept,
    "reject_submission": _check_reject_submission,
    "forward": _check_forward,
    "send_back": _check_send_back,
    "assign": _check_assign,
    "request_supplement": _check_request_supplement,
    "supplement": _check_supplement,
    "apologize": _check_apologize,
    "refuse": _check_refuse,
    "withdraw": _check_withdraw,
    "stop": _check_stop,
    "request_financial": _check_request_financial,
    "record_payment": _check_record_payment,
    "finish": _check_finish,
    "return_result": _check_return_result,
    "mark_digitized": _check_mark_digitized,
}


def allowed_actions(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> list[str]:
    """Names of the actions this actor may take on this dossier now (same checks as the actions)."""
    from cchc.dossiers.files import _check_attach

    names = []
    for name, check in _CHECKS.items():
        try:
            if name == "apologize":
                check(session, actor, dossier, moment(at))
            else:
                check(session, actor, dossier)
        except CchcError:
            continue
        names.append(name)
    try:
        _check_attach(session, actor, dossier, "bo_sung" if actor is not None and actor.role == Role.CITIZEN else "thanh_phan")
        names.append("attach_file")
    except CchcError:
        pass
    return names


def get_dossier(session: Session, actor: User | None, code: str) -> Dossier:
    """The dossier with this code (MaHoSo), if the actor may see it."""
    code = (code or "").strip()
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ mã «{code}».")
    require_scope(session, actor, dossier)
    return dossier


@dataclass
class Page:
    items: list[Dossier]
    total: int


def _states(state: Any) -> list[str]:
    values = [state] if isinstance(state, (str, State)) else list(state)
    out = []
    for v in values:
        try:
            out.append(State(v).value)
        except ValueError:
            raise ValidationError(f"Trạng thái hồ sơ «{v}» không hợp lệ.", field="state") from None
    return out


def _scoped(session: Session, actor: User | None, query: Select) -> Select:
    return query if actor is None else query.where(dossier_clause(session, actor))


def search_dossiers(
    session: Session,
    actor: User | None,
    q: str | None = None,
    state: Any = None,
    procedure_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Search within the actor's scope: code, applicant (accent-insensitive) or procedure; newest first."""
    if actor is not None:
        _require_active(actor)
    if limit < 1 or limit > 1000:
        raise ValidationError("Số dòng mỗi trang phải từ 1 đến 1.000.", field="limit")
    if offset < 0:
        raise ValidationError("Vị trí bắt đầu không được âm.", field="offset")
    if date_from and date_to and date_to < date_from:
        raise ValidationError(f"Khoảng ngày không hợp lệ: đến ngày {fmt_date(date_to)} trước từ ngày {fmt_date(date_from)}.")
    conds = []
    joined = False
    text = (q or "").strip()
    if text:
        key = search_key(text)
        joined = True
        conds.append(
            or_(
                func.lower(Dossier.code).contains(text.lower(), autoescape=True),
                Dossier.applicant_key.contains(key, autoescape=True),
                Dossier.applicant_id_number == text,
                Procedure.name_key.contains(key, autoescape=True),
                Procedure.code == text,
            )
        )
    if state is not None:
        conds.append(Dossier.state.in_(_states(state)))
    if procedure_code:
        joined = True
        conds.append(Procedure.code == procedure_code.strip())
    day = func.coalesce(Dossier.received_at, Dossier.submitted_at)
    if date_from:
        conds.append(day >= datetime.combine(date_from, time.min))
    if date_to:
        conds.append(day < datetime.combine(date_to + timedelta(days=1), time.min))
    base = select(Dossier.id)
    if joined:
        base = base.join(Procedure, Procedure.id == Dossier.procedure_id)
    base = _scoped(session, actor, base.where(*conds))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    ids_q = base.order_by(Dossier.id.desc()).limit(limit).offset(offset)
    items = list(session.scalars(select(Dossier).where(Dossier.id.in_(ids_q)).order_by(Dossier.id.desc())))
    return Page(items, int(total))


@dataclass
class Inbox:
    items: list[Dossier]
    total: int
    overdue: int
    due_soon: int  # due within one working day


def _acting_units(session: Session, actor: User) -> Select:
    own = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    if own is not None and own.is_area:
        return select(Unit.id).where(or_(Unit.id == own.id, Unit.parent_id == own.id))
    return select(Unit.id).where(Unit.id == actor.unit_id)


def inbox(session: Session, actor: User, limit: int = 50, at: datetime | None = None) -> Inbox:
    """Dossiers waiting for this actor: at their step in their unit (officers) or waiting for the
    citizen (supplement, payment); overdue first, then by due date."""
    now = moment(at)
    _require_active(actor)
    if actor.role == Role.CITIZEN:
        cond = and_(Dossier.owner_user_id == actor.id, Dossier.state.in_([s.value for s in WAITING_FOR_CITIZEN]))
    else:
        roles = [str(step_role) for step_role, users in STEP_ROLES.items() if actor.role in users]
        if not roles or actor.unit_id is None:
            return Inbox([], 0, 0, 0)
        cond = and_(
            Dossier.state.in_((State.SUBMITTED.value, State.PROCESSING.value, State.FINISHED.value)),
            Dossier.current_role.in_(roles),
            Dossier.current_unit_id.in_(_acting_units(session, actor)),
            or_(Dossier.current_assignee_id.is_(None), Dossier.current_assignee_id == actor.id),
        )
    due = func.coalesce(Dossier.due_at, Dossier.current_step_due_at)
    soon = calendar(session).add_working_days(now, 1)
    counts = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((due < now, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(due >= now, due <= soon), 1), else_=0)), 0),
        ).where(cond)
    ).one()
    items = list(
        session.scalars(select(Dossier).where(cond).order_by(case((due.is_(None), 1), else_=0), due, Dossier.id).limit(limit))
    )
    return Inbox(items, int(counts[0]), int(counts[1]), int(counts[2]))
