"""The dossier engine (hồ sơ một cửa): every change of a dossier's state goes through here.

Each action takes (session, actor, …, at=None): `actor` is the User acting (None = the system,
for imports and jobs: no permission check, but the same state rules), `at` is the moment of the
action (default cchc.clock.now(); the demo generator passes past moments). An action is its
permission check (`_check_<action>`: the state rules first, then who may act — also what
allowed_actions asks), then its effect in cchc.dossiers.transitions (the state machine, shared
with the bulk path of cchc.dossiers.backfill), then one DossierEvent and a flush
(cchc.dossiers.journal). Refusals are InvalidTransition / PermissionDenied / ValidationError with
a Vietnamese message; nothing is written before every check has passed.

The internal process (quy trình nội bộ) is the procedure's ProcessStep list. The first step, when
its role is the one-stop desk (mot_cua), is the receiving step; otherwise an implicit receiving
step is recorded. Every hand-over closes a DossierStep (a row of Mẫu 06) with its timeliness and
opens the next one. After the result, a last step "Trả kết quả" waits at the one-stop desk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import acts_in, require_scope
from cchc.dossiers.scope import dossier_clause
from cchc.calendar.service import session_calendar
from cchc.dossiers import files as files_mod
from cchc.dossiers import transitions as tr
from cchc.dossiers.enums import WAITING_FOR_CITIZEN, Channel, OnlinePayment, State
from cchc.dossiers.journal import check_moment, flush, log
from cchc.dossiers.models import Dossier, DossierComponent, DossierCounter, DossierFile
from cchc.dossiers.rules import dossier_code
from cchc.dossiers.schemas import ApplicantIn
from cchc.dossiers.transitions import ACTION_LABELS, RETURN_STEP_NAME  # noqa: F401 — read as service.<name> too
from cchc.errors import CchcError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from cchc.procedures.enums import StepRole
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.values import moment
from cchc.vn import fmt_date, search_fold

# Which user roles may act at a step of each role. Văn thư (clerk) work is done by specialists
# or the one-stop desk: cchc has no separate clerk account.
STEP_ROLES: dict[str, frozenset[str]] = {
    StepRole.RECEIVING: frozenset({Role.RECEIVING}),
    StepRole.SPECIALIST: frozenset({Role.SPECIALIST}),
    StepRole.LEADER: frozenset({Role.LEADER}),
    StepRole.CLERK: frozenset({Role.SPECIALIST, Role.RECEIVING}),
}

# The printed forms of one dossier (Mẫu 01–06) and when each applies (applicable_forms).
FORM_TITLES = {
    "01": "Giấy tiếp nhận và hẹn trả",
    "02": "Phiếu yêu cầu bổ sung",
    "03": "Phiếu từ chối",
    "04": "Văn bản xin lỗi",
    "05": "Thông báo dừng",
    "06": "Phiếu kiểm soát",
}

def _procedure(session: Session, dossier: Dossier) -> Procedure:
    proc = session.get(Procedure, dossier.procedure_id)
    if proc is None:
        raise NotFound(f"Không tìm thấy thủ tục của hồ sơ {dossier.code}.")
    return proc


def _process(session: Session, dossier: Dossier) -> tr.Process:
    return tr.process(_procedure(session, dossier))


# ---- who may act --------------------------------------------------------------------------------
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
    tr.require_active(actor)
    if may_act_at_step(session, actor, dossier):
        return
    row = tr.open_row(dossier)
    step_name = row.name if row is not None else "hiện tại"
    raise PermissionDenied(
        f"Bạn không được «{ACTION_LABELS[action]}» hồ sơ {dossier.code}: hồ sơ đang ở bước «{step_name}», do "
        f"{_role_label(dossier.current_role)} của {_unit_name(session, dossier.current_unit_id)} xử lý"
        + (" (đã phân công cho người khác)" if dossier.current_assignee_id else "")
        + "."
    )


def _is_receiving_officer(session: Session, actor: User | None, dossier: Dossier) -> bool:
    return actor is None or (actor.active and actor.role == Role.RECEIVING and acts_in(session, actor, dossier.unit_id))


def _is_leader(session: Session, actor: User | None, dossier: Dossier) -> bool:
    if actor is None:
        return True
    return actor.active and actor.role == Role.LEADER and (
        acts_in(session, actor, dossier.current_unit_id) or acts_in(session, actor, dossier.unit_id)
    )


def _require_receiving_officer(session: Session, actor: User | None, dossier: Dossier, action: str, or_owner: bool = False) -> None:
    tr.require_active(actor)
    if _is_receiving_officer(session, actor, dossier) or (or_owner and tr.is_owner(actor, dossier)):
        return
    who = "chủ hồ sơ hoặc " if or_owner else ""
    raise PermissionDenied(
        f"Bạn không được «{ACTION_LABELS[action]}» hồ sơ {dossier.code}: việc này do {who}cán bộ Bộ phận Một cửa của "
        f"{_unit_name(session, dossier.unit_id)} thực hiện."
    )


def may_receive(session: Session, actor: User | None, unit: Unit | None = None) -> bool:
    """Whether the actor may receive dossiers at the counter — at `unit`, or at their own unit when none is given."""
    try:
        _check_receive(session, actor, unit if unit is not None else _own_unit(session, actor))
    except CchcError:
        return False
    return True


def _own_unit(session: Session, actor: User | None) -> Unit | None:
    return session.get(Unit, actor.unit_id) if actor is not None and actor.unit_id is not None else None


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
def _new_dossier(session: Session, procedure: Procedure, unit: Unit, channel: Channel, applicant: ApplicantIn,
                 owner: User | None, components: Iterable[Any], at: datetime, state: State, **values: Any) -> Dossier:
    """A new dossier with its code and components, in `state` (its receipt or submission is applied next)."""
    comps = [DossierComponent(**c) for c in tr.component_values(procedure, components)]
    code = next_code(session, unit, at.date())
    dossier = Dossier(state=state, **tr.dossier_values(code=code, procedure_id=procedure.id, unit=unit, channel=channel,
                                                       applicant=applicant, owner=owner, fee=tr.procedure_fee(procedure),
                                                       at=at, **values))
    dossier.components = comps
    session.add(dossier)
    return dossier


def receives_at_counter(actor: Any) -> bool:
    """The role rule of receiving: only officers of the Bộ phận Một cửa receive dossiers (menus ask this too)."""
    return actor is not None and actor.role == Role.RECEIVING


def _check_receive(session: Session, actor: User | None, unit: Unit | None) -> None:
    tr.require_active(actor)
    if actor is None:
        return
    if unit is None or not receives_at_counter(actor) or not acts_in(session, actor, unit.id):
        where = f" tại {unit.name}" if unit is not None else ""
        raise PermissionDenied(
            f"Bạn không được tiếp nhận hồ sơ{where}: chỉ cán bộ Bộ phận Một cửa của đơn vị này tiếp nhận hồ sơ."
        )


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
    app, ch = tr.check_receipt(applicant, copies, owner, channel, result_delivery)
    _check_receive(session, actor, unit)
    tr.check_procedure_unit(procedure, unit, at)
    tr.require_online_channel(procedure, ch)
    proc = tr.process(procedure)
    cal = session_calendar(session)  # loaded before the new row joins the session: its query would flush the row early
    dossier = _new_dossier(session, procedure, unit, ch, app, owner, components, at, State.PROCESSING,
                           request_summary=request_summary, copies=copies, vneid_verified=vneid_verified,
                           result_delivery=result_delivery)
    change = tr.apply_receive(dossier, actor, cal=cal, proc=proc, at=at)
    log(session, actor, dossier, change, at)
    flush(session, dossier)
    return dossier


def _component_files(procedure: Procedure, files: Mapping[int, Any]) -> dict[int, files_mod.Upload]:
    """The files of an online submission, one per catalogue component: every required component has
    one and each is an accepted file — refused otherwise, naming the component's field (file_<id>)."""
    missing = tr.missing_components(procedure, files)
    if missing:
        component_id, message = next(iter(missing.items()))
        raise ValidationError(message, field=f"file_{component_id}")
    known = {c.id for c in procedure.components}
    uploads = {}
    for component_id, given in files.items():
        if component_id not in known:
            raise ValidationError(f"Thành phần mã {component_id} không thuộc thủ tục {procedure.code}.", field="components")
        up = given if isinstance(given, files_mod.Upload) else files_mod.Upload(*given)
        try:
            files_mod.validate_upload(up.filename, up.content, up.content_type)
        except ValidationError as exc:
            raise ValidationError(exc.message, field=f"file_{component_id}") from None
        uploads[component_id] = up
    return uploads


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
    files: Mapping[int, Any] | None = None,
) -> Dossier:
    """Online submission (kênh 2) of a toàn trình / một phần service: state Mới đăng ký.

    The code is assigned at once; the due date shown is provisional (from now) until a receiving
    officer accepts the dossier. `files` ({catalogue component id: Upload or (name, content, type)}):
    the component files sent with the submission — then every required component has one, each is
    checked before anything is written, and they are attached before the dossier reaches an
    officer. Without `files` the files follow one by one (the API's /files, the bulk demo).
    """
    at = moment(at)
    app, ch = tr.check_online_submission(citizen, procedure, unit, applicant, copies, at, result_delivery)
    proc = tr.process(procedure)
    uploads = _component_files(procedure, files) if files is not None else {}
    cal = session_calendar(session)
    dossier = _new_dossier(session, procedure, unit, ch, app, citizen, components, at, State.SUBMITTED,
                           request_summary=request_summary, copies=copies, vneid_verified=vneid_verified,
                           result_delivery=result_delivery)
    change = tr.apply_submit_online(dossier, citizen, cal=cal, proc=proc, at=at)
    log(session, citizen, dossier, change, at)
    flush(session, dossier)
    by_catalogue = {c.component_id: c for c in dossier.components}
    for component_id, up in uploads.items():
        files_mod.attach_file(session, citizen, dossier, "thanh_phan", up.filename, up.content, up.content_type,
                              component=by_catalogue.get(component_id), at=at)
    return dossier


def _check_accept(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "accept")
    _require_receiving_officer(session, actor, dossier, "accept")


def accept(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> Dossier:
    """Accept an online submission: received now, due date recomputed from now, processing starts."""
    at = moment(at)
    _check_accept(session, actor, dossier)
    check_moment(session, dossier, at)
    change = tr.apply_accept(dossier, actor, cal=session_calendar(session), proc=_process(session, dossier), at=at)
    return _done(session, actor, dossier, change, at)


def _done(session: Session, actor: User | None, dossier: Dossier, change: tr.Change, at: datetime) -> Dossier:
    log(session, actor, dossier, change, at)
    flush(session, dossier)
    return dossier


def _check_reject_submission(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "reject_submission")
    _require_receiving_officer(session, actor, dossier, "reject_submission")


def reject_submission(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """Not accepted (Mẫu 03 at receipt): never counted as received."""
    at = moment(at)
    _check_reject_submission(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_reject_submission(dossier, actor, reason, at=at), at)


# ---- workflow -------------------------------------------------------------------------------
def _check_assignee(session: Session, assignee: User, role: str, unit_id: int | None) -> None:
    if not assignee.active:
        raise ValidationError(f"Tài khoản {assignee.full_name} đã bị khóa, không phân công được.", field="assignee")
    if assignee.role not in STEP_ROLES.get(role, frozenset()) or not acts_in(session, assignee, unit_id):
        raise ValidationError(
            f"Không phân công được cho {assignee.full_name}: bước này do {_role_label(role)} của "
            f"{_unit_name(session, unit_id)} xử lý.",
            field="assignee",
        )


def _check_forward(session: Session, actor: User | None, dossier: Dossier) -> tr.StepSpec:
    tr.require(dossier, "forward")
    _require_step_actor(session, actor, dossier, "forward")
    return tr.next_step(dossier, _process(session, dossier))


def forward(
    session: Session, actor: User | None, dossier: Dossier, note: str = "", assignee: User | None = None, at: datetime | None = None
) -> Dossier:
    """Hand the dossier to the next step of the process (Mẫu 06: one row closed, one opened)."""
    at = moment(at)
    nxt = _check_forward(session, actor, dossier)
    if assignee is not None:
        _check_assignee(session, assignee, nxt.role, nxt.unit_id or dossier.unit_id)
    check_moment(session, dossier, at)
    change = tr.apply_forward(dossier, actor, note, assignee, cal=session_calendar(session), proc=_process(session, dossier), at=at)
    return _done(session, actor, dossier, change, at)


def _check_send_back(session: Session, actor: User | None, dossier: Dossier) -> tr.StepSpec:
    tr.require(dossier, "send_back")
    _require_step_actor(session, actor, dossier, "send_back")
    proc = _process(session, dossier)
    return tr.previous_step(proc, tr.current_spec(dossier, proc))


def send_back(session: Session, actor: User | None, dossier: Dossier, note: str, at: datetime | None = None) -> Dossier:
    """Return the dossier to the previous step (only where the current step may send back)."""
    at = moment(at)
    _check_send_back(session, actor, dossier)
    check_moment(session, dossier, at)
    change = tr.apply_send_back(dossier, actor, note, cal=session_calendar(session), proc=_process(session, dossier), at=at)
    return _done(session, actor, dossier, change, at)


def _check_assign(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "assign")
    tr.require_active(actor)
    if actor is not None and not (actor.role in (Role.LEADER, Role.UNIT_ADMIN) and acts_in(session, actor, dossier.current_unit_id)):
        raise PermissionDenied(
            f"Bạn không được phân công xử lý hồ sơ {dossier.code}: chỉ lãnh đạo hoặc quản trị của "
            f"{_unit_name(session, dossier.current_unit_id)} phân công trong đơn vị."
        )


def assign(session: Session, actor: User | None, dossier: Dossier, assignee: User, at: datetime | None = None) -> Dossier:
    """A leader or unit administrator assigns the current step to someone of the unit."""
    at = moment(at)
    _check_assign(session, actor, dossier)
    _check_assignee(session, assignee, dossier.current_role or "", dossier.current_unit_id)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_assign(dossier, actor, assignee, at=at), at)


# ---- supplement, apology --------------------------------------------------------------------
def _check_request_supplement(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "request_supplement")
    _require_step_actor(session, actor, dossier, "request_supplement")


def request_supplement(
    session: Session, actor: User | None, dossier: Dossier, reason: str, items: Iterable[str] = (), at: datetime | None = None
) -> Dossier:
    """Phiếu yêu cầu bổ sung (Mẫu 02) — only once; the clock stops until the citizen supplements."""
    at = moment(at)
    _check_request_supplement(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_request_supplement(dossier, actor, reason, items, at=at), at)


def _check_supplement(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "supplement")
    _require_receiving_officer(session, actor, dossier, "supplement", or_owner=True)


def supplement(session: Session, actor: User | None, dossier: Dossier, note: str = "", at: datetime | None = None) -> Dossier:
    """The citizen supplemented (online, or at the counter): processing resumes at the same step."""
    at = moment(at)
    _check_supplement(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_supplement(dossier, actor, note, at=at), at)


def _check_apologize(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> None:
    tr.require(dossier, "apologize")
    tr.require_active(actor)
    if not (may_act_at_step(session, actor, dossier) or _is_leader(session, actor, dossier)):
        raise PermissionDenied(
            f"Bạn không được gửi văn bản xin lỗi cho hồ sơ {dossier.code}: việc này do người đang xử lý hồ sơ hoặc lãnh đạo đơn vị thực hiện."
        )
    if at is not None:
        tr.require_apology_in_time(session_calendar(session), dossier, at)


def apologize(
    session: Session, actor: User | None, dossier: Dossier, reason: str, new_due_at: datetime | date, at: datetime | None = None
) -> Dossier:
    """Văn bản xin lỗi và hẹn lại ngày trả (Mẫu 04): once, ≥ 1 working day before due; due_at never moves."""
    at = moment(at)
    _check_apologize(session, actor, dossier, at)
    check_moment(session, dossier, at)
    change = tr.apply_apologize(dossier, actor, reason, new_due_at, cal=session_calendar(session), at=at)
    return _done(session, actor, dossier, change, at)


# ---- ending without a result ----------------------------------------------------------------
def _check_refuse(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "refuse")
    tr.require_active(actor)
    if _is_leader(session, actor, dossier):
        return
    if dossier.current_step_seq == _process(session, dossier).steps[0].seq and may_act_at_step(session, actor, dossier):
        return
    raise PermissionDenied(
        f"Bạn không được từ chối giải quyết hồ sơ {dossier.code}: chỉ lãnh đạo đơn vị, hoặc chuyên viên ở bước xử lý đầu tiên, được từ chối."
    )


def refuse(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """Từ chối giải quyết (with reasons): ended, classified on time or late."""
    at = moment(at)
    _check_refuse(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_refuse(dossier, actor, reason, at=at), at)


def _check_withdraw(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "withdraw")
    _require_receiving_officer(session, actor, dossier, "withdraw", or_owner=True)


def withdraw(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """The citizen withdraws (rút hồ sơ) before a result; recorded by the owner or the one-stop desk."""
    at = moment(at)
    _check_withdraw(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_withdraw(dossier, actor, reason, at=at), at)


def _check_stop(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "stop")
    tr.require_active(actor)
    if _is_leader(session, actor, dossier) or tr.is_owner(actor, dossier) or _is_receiving_officer(session, actor, dossier):
        return
    raise PermissionDenied(
        f"Bạn không được dừng xử lý hồ sơ {dossier.code}: việc này do lãnh đạo đơn vị, hoặc theo đề nghị của chủ hồ sơ "
        "(chủ hồ sơ hoặc Bộ phận Một cửa ghi nhận)."
    )


def stop(session: Session, actor: User | None, dossier: Dossier, reason: str, at: datetime | None = None) -> Dossier:
    """Thông báo dừng giải quyết (Mẫu 05)."""
    at = moment(at)
    _check_stop(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_stop(dossier, actor, reason, at=at), at)


# ---- fees -----------------------------------------------------------------------------------
def _check_request_financial(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "request_financial")
    _require_step_actor(session, actor, dossier, "request_financial")


def request_financial(session: Session, actor: User | None, dossier: Dossier, amount: Any, at: datetime | None = None) -> Dossier:
    """Ask the citizen to fulfil a financial obligation: waits in state 6 until paid."""
    at = moment(at)
    _check_request_financial(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_request_financial(dossier, actor, amount, at=at), at)


def _check_record_payment(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "record_payment")
    tr.require_active(actor)
    if actor is not None and actor.role == Role.CITIZEN:
        # A citizen's word is not a payment: online fees are recorded by the system when the gateway confirms them.
        raise PermissionDenied(
            f"Công dân không tự ghi nhận nộp phí cho hồ sơ {dossier.code}: hãy thanh toán trực tuyến (hồ sơ được ghi "
            "nhận đã nộp khi cổng thanh toán xác nhận giao dịch) hoặc nộp tại Bộ phận Một cửa."
        )
    if _is_receiving_officer(session, actor, dossier) or may_act_at_step(session, actor, dossier):
        return
    raise PermissionDenied(
        f"Bạn không được ghi nhận nộp phí cho hồ sơ {dossier.code}: việc này do Bộ phận Một cửa hoặc người đang xử lý "
        "hồ sơ thực hiện; thanh toán trực tuyến được ghi nhận khi cổng thanh toán xác nhận."
    )


def record_payment(
    session: Session, actor: User | None, dossier: Dossier, amount: Any, online: OnlinePayment | int = OnlinePayment.NONE,
    at: datetime | None = None, note: str = "", details: Mapping[str, Any] | None = None,
) -> Dossier:
    """Fee paid (online via DVCQG = 1, local gateway = 2, otherwise 0); resumes a dossier waiting in state 6.

    Online (1, 2) only as the system (actor None), confirming what a gateway verified (cchc.payments); an officer
    records a payment at the counter. `note` and `details` (receipt number, gateway transaction) go into the event."""
    at = moment(at)
    _check_record_payment(session, actor, dossier)
    if actor is not None and online not in (OnlinePayment.NONE, "0", ""):
        raise ValidationError("Thanh toán trực tuyến chỉ được ghi nhận khi cổng thanh toán xác nhận giao dịch; cán bộ ghi "
                              "nhận khoản nộp tại quầy (tiền mặt, POS, chuyển khoản) kèm số biên lai.", field="online")
    check_moment(session, dossier, at)
    change = tr.apply_record_payment(dossier, actor, amount, online, at=at)
    change = replace(change, note="; ".join(filter(None, (change.note, note))), data={**change.data, **(details or {})})
    return _done(session, actor, dossier, change, at)


# ---- result ---------------------------------------------------------------------------------
def _check_finish(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "finish")
    _require_step_actor(session, actor, dossier, "finish")
    proc = _process(session, dossier)
    tr.require_finishing_step(proc, tr.current_spec(dossier, proc), dossier)


def finish(
    session: Session,
    actor: User | None,
    dossier: Dossier,
    *,
    result_number: str,
    result_summary: str,
    result_files: Iterable[Any] = (),
    at: datetime | None = None,
) -> Dossier:
    """Đã xử lý xong: NgayKetThucXuLy, timeliness; the result then waits at the one-stop desk."""
    at = moment(at)
    _check_finish(session, actor, dossier)
    tr.result_values(result_number, result_summary)
    uploads = []
    for f in result_files:
        up = f if isinstance(f, files_mod.Upload) else files_mod.Upload(*f)
        files_mod.validate_upload(up.filename, up.content, up.content_type)
        uploads.append(up)
    check_moment(session, dossier, at)
    change = tr.apply_finish(dossier, actor, result_number=result_number, result_summary=result_summary,
                             proc=_process(session, dossier), at=at)
    _done(session, actor, dossier, change, at)
    for up in uploads:
        files_mod.attach_file(session, actor, dossier, "ket_qua", up.filename, up.content, up.content_type, at=at)
    return dossier


def _check_sign_result(session: Session, actor: User | None, dossier: Dossier) -> None:
    """A leader of a unit that handled the dossier signs its result PDF with their own key (never the system)."""
    tr.require(dossier, "sign_result")
    tr.require_active(actor)
    handling = tr.step_unit_ids(dossier) | {dossier.unit_id}
    if actor is None or actor.role != Role.LEADER or not any(acts_in(session, actor, u) for u in handling if u):
        raise PermissionDenied(f"Chỉ lãnh đạo đơn vị giải quyết hồ sơ {dossier.code} mới được ký số kết quả.")
    if files_mod.latest_result_pdf(dossier) is None:
        raise InvalidTransition(f"Hồ sơ {dossier.code} chưa có tệp kết quả PDF để ký số: hãy đính kèm tệp kết quả trước.")


def sign_result(session: Session, actor: User | None, dossier: Dossier, *, password: str | None = None,
                at: datetime | None = None) -> Dossier:
    """The leader signs the latest result PDF (PAdES) with their key (cchc.signatures.keys); the signed PDF is
    verified at once and stored as the result file; the dossier is signed only by that verification."""
    from cchc.signatures.keys import leader_signer
    from cchc.signatures.signers import SignRequest, SigningFailed
    from cchc.signatures.verification import verify_pdf

    at = moment(at)
    _check_sign_result(session, actor, dossier)
    check_moment(session, dossier, at)
    source = files_mod.latest_result_pdf(dossier)
    try:
        signer = leader_signer(actor.username, actor.signing_credential, password)
    except SigningFailed as exc:
        exc.field = exc.field or "password"  # shown by the sign form's password field
        raise
    unit_name = _unit_name(session, actor.unit_id or dossier.unit_id)
    signed = signer.sign(files_mod.read_file(source), SignRequest(
        reason=f"Ký duyệt kết quả giải quyết hồ sơ {dossier.code}", location=unit_name, signer_name=actor.full_name))
    verified = verify_pdf(signed)  # refused (4xx, nothing stored) when the key's certificate does not stand
    name = source.filename[:-4] if source.filename.lower().endswith(".pdf") else source.filename
    stored = files_mod.store_upload(f"{name}-da-ky-so.pdf"[-255:], signed, "application/pdf")
    row = DossierFile(dossier=dossier, **files_mod.file_values(stored, "ket_qua", None, actor, at),
                      **files_mod.signature_values(verified))
    session.add(row)
    change = tr.apply_sign_result(dossier, actor, signer=verified.signer, organisation=verified.organisation,
                                  signed_at=verified.signed_at, issuer=verified.issuer, serial=verified.serial,
                                  sha256=stored.sha256, at=at)
    return _done(session, actor, dossier, change, at)


def _check_return_result(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "return_result")
    _require_receiving_officer(session, actor, dossier, "return_result")


def return_result(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> Dossier:
    """Đã trả kết quả (NgayTra)."""
    at = moment(at)
    _check_return_result(session, actor, dossier)
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_return_result(dossier, actor, at=at), at)


def _check_mark_digitized(session: Session, actor: User | None, dossier: Dossier) -> None:
    tr.require(dossier, "mark_digitized")
    tr.require_active(actor)
    if actor is None:
        return
    if actor.role == Role.CITIZEN or not (
        actor.role == Role.SYSTEM_ADMIN or any(acts_in(session, actor, u) for u in tr.step_unit_ids(dossier))
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
    check_moment(session, dossier, at)
    return _done(session, actor, dossier, tr.apply_mark_digitized(dossier, actor, components, result, at=at), at)


# ---- what may be done, reading --------------------------------------------------------------
def _check_attach_file(session: Session, actor: User | None, dossier: Dossier) -> None:
    files_mod.check_attach(session, actor, dossier, "bo_sung" if actor is not None and actor.role == Role.CITIZEN else "thanh_phan")


# Each action's check (state rules, then who may act) — the same the action runs first.
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
    "sign_result": _check_sign_result,
    "return_result": _check_return_result,
    "mark_digitized": _check_mark_digitized,
    "attach_file": _check_attach_file,
}


def allowed_actions(session: Session, actor: User | None, dossier: Dossier, at: datetime | None = None) -> list[str]:
    """Names of the actions this actor may take on this dossier now (same checks as the actions)."""
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
    return names


def applicable_forms(dossier: Dossier) -> list[tuple[str, str]]:
    """The printed forms (number, title) that apply to the dossier now: the receipt (01) and the control
    sheet (06) always; the supplement request (02) and the apology (04) once made; the refusal (03)
    of a refused dossier and the stop notice (05) of a stopped one."""
    state = State(dossier.state)
    applies = {
        "01": True,
        "02": bool(dossier.supplement_count),
        "03": state == State.REFUSED,
        "04": bool(dossier.apology_count),
        "05": state == State.STOPPED,
        "06": True,
    }
    return [(number, FORM_TITLES[number]) for number, yes in applies.items() if yes]


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
        tr.require_active(actor)
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
        key = search_fold(text)
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
    tr.require_active(actor)
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
    soon = session_calendar(session).add_working_days(now, 1)
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
