"""The one action layer of assigned tasks: assign, accept, report done, confirm, return, extend.

Every function checks who may act (role, unit) and in which state, refuses in Vietnamese with nothing
changed, and records a TaskEvent for each change. Pages, API, CLI and the importer call these functions.

Who may act:
- assign / confirm / return / extend — the assigner: Quản trị hệ thống, or a Cán bộ báo cáo / Quản trị đơn vị
  of a provincial unit of an assigning kind (data/tasks.yaml: the province, UBND tỉnh, Văn phòng UBND tỉnh);
  confirm, return and extend only for the tasks their unit assigned (or, for tasks without an assigning unit,
  of their province).
- accept — Lãnh đạo or Quản trị đơn vị of the lead unit; report done — also its Chuyên viên.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import acts_in, in_scope, scope_root, scope_units_query
from cchc.calendar.core import WorkCalendar
from cchc.calendar.service import load_calendar
from cchc.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from cchc.tasks.enums import IssuerLevel, Source, TaskAction, TaskState
from cchc.tasks.models import AssigningDocument, Task, TaskEvent, TaskUnit
from cchc.tasks.rules import assigning_unit_kinds
from cchc.units.models import Unit

S = TaskState
ASSIGNER_ROLES = (Role.REPORTING, Role.UNIT_ADMIN)
ACCEPT_ROLES = (Role.LEADER, Role.UNIT_ADMIN)
REPORT_ROLES = (Role.LEADER, Role.UNIT_ADMIN, Role.SPECIALIST)

# action → states it may start from
FROM_STATES: dict[TaskAction, tuple[TaskState, ...]] = {
    TaskAction.ACCEPT: (S.WAITING_ACCEPTANCE,),
    TaskAction.REPORT_DONE: (S.IN_PROGRESS,),
    TaskAction.CONFIRM: (S.WAITING_CONFIRMATION,),
    TaskAction.RETURN: (S.WAITING_CONFIRMATION,),
    TaskAction.EXTEND: (S.WAITING_ACCEPTANCE, S.IN_PROGRESS),
}


def moment(at: datetime | None) -> datetime:
    return (at or clock.now()).replace(microsecond=0)


def working_days_after(cal: WorkCalendar, day: date, days: int) -> date:
    """The day `days` working days after `day` (holidays and swapped days from the calendar)."""
    for _ in range(days):
        day = cal.next_working_day(day)
    return day


def deadline_in_working_days(session: Session, assigned_at: datetime, days: int) -> date:
    """The deadline N working days after the assignment (holidays and swapped days from the calendar)."""
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ValidationError("Số ngày làm việc để thực hiện phải là số nguyên dương.", field="working_days")
    return working_days_after(load_calendar(session), assigned_at.date(), days)


# ---- who is who ------------------------------------------------------------------------------------------
def _role_label(user: User) -> str:
    try:
        return Role(user.role).label
    except ValueError:
        return "Người dùng này"


def _province_of(session: Session, unit: Unit | None) -> Unit | None:
    if unit is None:
        return None
    ids = [int(x) for x in (unit.path or "").strip("/").split("/") if x]
    for uid in ids:
        anc = session.get(Unit, uid)
        if anc is not None and anc.level == "tinh":
            return anc
    return unit if unit.level == "tinh" else None


def may_assign(session: Session, user: User | None) -> bool:
    """Is this user an assigner (of the assigning level)?"""
    if user is None or not user.active:
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    if user.role not in ASSIGNER_ROLES or user.unit_id is None:
        return False
    return is_assigning_body(session, session.get(Unit, user.unit_id))


def is_assigning_body(session: Session, unit: Unit | None) -> bool:
    """The province itself, or a provincial body of an assigning kind directly under it (UBND tỉnh, Văn phòng UBND
    tỉnh). A unit of that kind created lower down — a «Văn phòng» under a Sở, which the Sở's administrator may add — is
    not: otherwise a department administrator could grant itself the province-wide right to assign tasks."""
    if unit is None or unit.level != "tinh" or unit.kind not in assigning_unit_kinds():
        return False
    if unit.parent_id is None:
        return True
    parent = session.get(Unit, unit.parent_id)
    return bool(parent is not None and parent.is_area and parent.level == "tinh" and parent.parent_id is None)


def _under(unit: Unit | None, root: Unit | None) -> bool:
    return bool(unit is not None and root is not None and root.path and (unit.path or "").startswith(root.path))


def may_lead(session: Session, actor: User | None, unit: Unit) -> bool:
    """May this assigner give a task to `unit`: a unit of their province (anyone for the system administrator)."""
    if actor is None or actor.role == Role.SYSTEM_ADMIN:
        return True
    return _under(unit, _province_of(session, session.get(Unit, actor.unit_id)))


def _is_assigner_of(session: Session, user: User, task: Task) -> bool:
    if not may_assign(session, user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    if task.assigner_unit_id is not None:
        return user.unit_id == task.assigner_unit_id
    province = _province_of(session, session.get(Unit, user.unit_id))
    return _under(session.get(Unit, task.lead_unit_id), province)


def unit_names(session: Session, ids) -> dict[int, str]:
    """{unit id: name} of these units, in one query (pages and API)."""
    ids = {i for i in ids if i is not None}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else "—"


def _check(session: Session, user: User | None, task: Task, action: TaskAction) -> None:
    """Raise PermissionDenied (role, unit) or InvalidTransition (state) — in Vietnamese — or return."""
    if user is None:
        raise PermissionDenied("Cần đăng nhập để thao tác với nhiệm vụ.")
    what = action.label.lower()
    if action in (TaskAction.ACCEPT, TaskAction.REPORT_DONE):
        roles = ACCEPT_ROLES if action == TaskAction.ACCEPT else REPORT_ROLES
        if user.role not in roles:
            names = ", ".join(r.label for r in roles)
            raise PermissionDenied(f"{_role_label(user)} không được {what}: chỉ {names} của đơn vị chủ trì.")
        if not acts_in(session, user, task.lead_unit_id):
            raise PermissionDenied(
                f"Nhiệm vụ {task.code} do {_unit_name(session, task.lead_unit_id)} chủ trì; "
                f"tài khoản của đơn vị khác không được {what}."
            )
    else:
        if not may_assign(session, user):
            raise PermissionDenied(
                f"{_role_label(user)} không được {what}: chỉ cơ quan giao nhiệm vụ (Văn phòng UBND tỉnh) "
                "hoặc Quản trị hệ thống."
            )
        if not _is_assigner_of(session, user, task):
            raise PermissionDenied(
                f"Nhiệm vụ {task.code} do {_unit_name(session, task.assigner_unit_id)} giao; "
                f"đơn vị khác không được {what}."
            )
    allowed = FROM_STATES[action]
    if task.state not in allowed:
        now = TaskState(task.state).label.lower()
        need = " hoặc ".join(f"«{s.label.lower()}»" for s in allowed)
        raise InvalidTransition(f"Không thể {what} nhiệm vụ {task.code}: nhiệm vụ đang {now}, chỉ {what} khi {need}.")


def allowed_actions(session: Session, user: User | None, task: Task) -> list[TaskAction]:
    """The actions this user may take on this task now (what the pages show as forms)."""
    result = []
    for action in FROM_STATES:
        try:
            _check(session, user, task, action)
        except (PermissionDenied, InvalidTransition):
            continue
        result.append(action)
    return result


def _record(session: Session, task: Task, user: User | None, action: TaskAction, before: str | None, at: datetime, note: str = "") -> TaskEvent:
    event = TaskEvent(
        at=at, actor_id=user.id if user is not None else None,
        actor_name=(user.full_name or user.username) if user is not None else "", action=action.value,
        from_state=before, to_state=task.state, note=note,
    )
    task.events.append(event)  # the collection is loaded first, so the new event is listed once
    return event


# ---- visibility ----------------------------------------------------------------------------------------------
def visible_clause(session: Session, user: User) -> ColumnElement[bool]:
    """The tasks the user sees: led, co-ordinated or assigned by a unit of their scope."""
    if user.role == Role.SYSTEM_ADMIN:
        return true()
    if user.role == Role.CITIZEN:
        return false()
    scope = scope_units_query(session, user)
    coordinated = exists().where(TaskUnit.task_id == Task.id, TaskUnit.unit_id.in_(scope))
    return or_(Task.lead_unit_id.in_(scope), Task.assigner_unit_id.in_(scope), coordinated)


def get_task(session: Session, code: str, user: User | None = None) -> Task:
    code = str(code or "").strip()
    task = session.scalar(select(Task).where(Task.code == code))
    if task is None:
        raise NotFound(f"Không tìm thấy nhiệm vụ mã «{code}».")
    if user is not None and not session.scalar(select(func.count()).select_from(Task).where(Task.id == task.id, visible_clause(session, user))):
        raise PermissionDenied(f"Nhiệm vụ {code} không thuộc phạm vi đơn vị của tài khoản này.")
    return task


@dataclass
class TaskList:
    total: int
    items: list[Task]
    by_state: dict[str, int]
    overdue: int


def overdue_clause(today: date) -> ColumnElement[bool]:
    deadline = func.coalesce(Task.extended_deadline, Task.deadline)
    return or_(
        (Task.state != S.DONE.value) & (deadline < today),
        (Task.state == S.DONE.value) & (Task.on_time.is_(False)),
    )


def list_tasks(
    session: Session, user: User, *, state: str | None = None, source: str | None = None, overdue: bool | None = None,
    q: str | None = None, today: date | None = None, limit: int = 50, offset: int = 0,
) -> TaskList:
    """Tasks of the user's scope, newest first, with filters; counts per state of the same filters (SQL)."""
    today = today or clock.now().date()
    if state and state not in TaskState._value2member_map_:
        raise ValidationError(f"Trạng thái «{state}» không hợp lệ.", field="state")
    if source and source not in Source._value2member_map_:
        raise ValidationError(f"Nguồn giao «{source}» không hợp lệ (chinh_phu hoặc ubnd_tinh).", field="source")
    conds = [visible_clause(session, user)]
    if source:
        conds.append(Task.source == source)
    if overdue is not None:
        conds.append(overdue_clause(today) if overdue else ~overdue_clause(today))
    if q and q.strip():
        like = f"%{q.strip()}%"
        conds.append(or_(Task.code.ilike(like), Task.title.ilike(like)))
    by_state = {s.value: 0 for s in TaskState}
    for st, n in session.execute(select(Task.state, func.count()).where(*conds).group_by(Task.state)):
        by_state[st] = int(n)
    n_overdue = int(session.scalar(select(func.count()).select_from(Task).where(*conds, overdue_clause(today))) or 0)
    if state:
        conds.append(Task.state == state)
    total = by_state[state] if state else sum(by_state.values())  # the per-state counts already hold it
    items = list(session.scalars(select(Task).where(*conds).order_by(Task.assigned_at.desc(), Task.id.desc()).limit(limit).offset(offset)))
    return TaskList(total, items, by_state, n_overdue)


# ---- assign ------------------------------------------------------------------------------------------------
def _next_code(session: Session, year: int) -> str:
    prefix = f"NV{year}-"
    last = session.scalar(select(func.max(Task.code)).where(Task.code.like(prefix + "%")))
    n = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{n:06d}"


CODE_ATTEMPTS = 5


def _add_numbered(session: Session, task: Task, year: int) -> None:
    """Add the task under the year's next code NV<year>-NNNNNN (the largest so far + 1).

    Two assignments at the same moment can draw the same number: the later insert then fails on the
    unique code inside its savepoint and draws again, after the other one's code is visible."""
    for _ in range(CODE_ATTEMPTS):
        task.code = _next_code(session, year)
        try:
            with session.begin_nested():
                session.add(task)
                session.flush()
            return
        except IntegrityError:
            taken = session.scalar(select(Task.id).where(Task.code == task.code))
            if taken is None:  # another constraint: not a race for the code
                raise
    raise InvalidTransition(
        f"Không cấp được mã nhiệm vụ năm {year}: {CODE_ATTEMPTS} lần liền trùng mã với nhiệm vụ được giao cùng lúc. "
        "Hãy thực hiện lại."
    )


def _check_document(number: str, issued_on: date, issuer_level: str) -> None:
    if not (number or "").strip():
        raise ValidationError("Chưa nhập số văn bản giao nhiệm vụ.", field="document_number")
    if len(number.strip()) > 80:
        raise ValidationError("Số văn bản dài quá 80 ký tự.", field="document_number")
    if not isinstance(issued_on, date):
        raise ValidationError("Ngày văn bản giao nhiệm vụ không hợp lệ.", field="document_date")
    if issuer_level not in IssuerLevel._value2member_map_:
        raise ValidationError(
            f"Cơ quan giao «{issuer_level}» không hợp lệ: Chính phủ, Thủ tướng Chính phủ, UBND tỉnh hoặc Chủ tịch UBND tỉnh.",
            field="issuer_level",
        )


def find_or_create_document(session: Session, *, number: str, issued_on: date, issuer_level: str, issuer: str = "", subject: str = "") -> AssigningDocument:
    _check_document(number, issued_on, issuer_level)
    number = number.strip()
    doc = session.scalar(select(AssigningDocument).where(
        AssigningDocument.number == number, AssigningDocument.issued_on == issued_on, AssigningDocument.issuer_level == issuer_level))
    if doc is None:
        doc = AssigningDocument(number=number, issued_on=issued_on, issuer_level=issuer_level,
                                issuer=(issuer or "").strip() or IssuerLevel(issuer_level).label, subject=(subject or "").strip())
        session.add(doc)
        session.flush()
    return doc


def assign(
    session: Session, actor: User | None, *, document_number: str, document_date: date, issuer_level: str,
    title: str, lead_unit: Unit, issuer: str = "", subject: str = "", content: str = "",
    coordinating_units: Iterable[Unit] = (), deadline: date | None = None, working_days: int | None = None,
    at: datetime | None = None,
) -> Task:
    """Assign a task to `lead_unit` (state: chờ tiếp nhận). Exactly one of `deadline` / `working_days`."""
    if not may_assign(session, actor):
        who = _role_label(actor) if actor is not None else "Người dùng chưa đăng nhập"
        raise PermissionDenied(f"{who} không được giao nhiệm vụ: chỉ cơ quan giao nhiệm vụ (Văn phòng UBND tỉnh) hoặc Quản trị hệ thống.")
    at = moment(at)
    title = (title or "").strip()
    if not title:
        raise ValidationError("Chưa nhập tên nhiệm vụ.", field="title")
    if len(title) > 500:
        raise ValidationError("Tên nhiệm vụ dài quá 500 ký tự.", field="title")
    if lead_unit is None:
        raise ValidationError("Chưa chọn đơn vị chủ trì.", field="lead_unit")
    if not may_lead(session, actor, lead_unit):
        raise PermissionDenied(f"Đơn vị chủ trì {lead_unit.name} không thuộc tỉnh của cơ quan giao nhiệm vụ.", field="lead_unit")
    _check_document(document_number, document_date, issuer_level)
    if document_date > at.date():
        raise ValidationError(f"Ngày văn bản ({vn.fmt_date(document_date)}) sau ngày giao ({vn.fmt_date(at)}).", field="document_date")
    if (deadline is None) == (working_days is None):
        raise ValidationError("Nhập hạn xử lý (một ngày) hoặc số ngày làm việc, một trong hai.", field="deadline")
    if working_days is not None:
        deadline = deadline_in_working_days(session, at, working_days)
    elif not isinstance(deadline, date):
        raise ValidationError("Hạn xử lý không hợp lệ.", field="deadline")
    elif deadline < at.date():
        raise ValidationError(f"Hạn xử lý {vn.fmt_date(deadline)} trước ngày giao {vn.fmt_date(at)}.", field="deadline")
    coordinating_units = list(coordinating_units)
    doc = find_or_create_document(session, number=document_number, issued_on=document_date, issuer_level=issuer_level, issuer=issuer, subject=subject)
    task = Task(
        document_id=doc.id, title=title, content=(content or "").strip(),
        lead_unit_id=lead_unit.id, assigner_unit_id=actor.unit_id if actor.role != Role.SYSTEM_ADMIN else None,
        assigned_by_id=actor.id, source=IssuerLevel(issuer_level).source.value, deadline=deadline,
        deadline_working_days=working_days, state=S.WAITING_ACCEPTANCE.value, assigned_at=at,
        extension_count=0, return_count=0, overdue=False,
    )
    _add_numbered(session, task, at.year)
    seen = {lead_unit.id}
    for unit in coordinating_units:
        if unit.id in seen:
            continue
        seen.add(unit.id)
        task.coordinators.append(TaskUnit(unit_id=unit.id))
    _record(session, task, actor, TaskAction.ASSIGN, None, at, f"Hạn xử lý {vn.fmt_date(deadline)}")
    session.flush()
    return task


# ---- the life of a task ----------------------------------------------------------------------------------------
def accept(session: Session, actor: User | None, task: Task, note: str = "", at: datetime | None = None) -> Task:
    """The lead unit accepts the task: chờ tiếp nhận → đang thực hiện."""
    _check(session, actor, task, TaskAction.ACCEPT)
    at = moment(at)
    before = task.state
    task.state, task.accepted_at = S.IN_PROGRESS.value, at
    _record(session, task, actor, TaskAction.ACCEPT, before, at, (note or "").strip())
    session.flush()
    return task


def report_done(session: Session, actor: User | None, task: Task, note: str = "", completed_on: date | None = None, at: datetime | None = None) -> Task:
    """The lead unit reports the work done: đang thực hiện → chờ xác nhận (the completion day is kept)."""
    _check(session, actor, task, TaskAction.REPORT_DONE)
    at = moment(at)
    note = (note or "").strip()
    if not note:
        raise ValidationError("Cần nêu kết quả thực hiện nhiệm vụ (văn bản báo cáo, nội dung đã làm).", field="note")
    completed_on = completed_on or at.date()
    if completed_on > at.date():
        raise ValidationError(f"Ngày hoàn thành {vn.fmt_date(completed_on)} chưa tới.", field="completed_on")
    if completed_on < task.assigned_at.date():
        raise ValidationError(f"Ngày hoàn thành {vn.fmt_date(completed_on)} trước ngày giao {vn.fmt_date(task.assigned_at)}.", field="completed_on")
    before = task.state
    task.state, task.reported_at, task.completed_on, task.result_note = S.WAITING_CONFIRMATION.value, at, completed_on, note
    _record(session, task, actor, TaskAction.REPORT_DONE, before, at, note)
    session.flush()
    return task


def confirm(session: Session, actor: User | None, task: Task, note: str = "", at: datetime | None = None) -> Task:
    """The assigner confirms: chờ xác nhận → đã hoàn thành, on time when completed by the deadline in force."""
    _check(session, actor, task, TaskAction.CONFIRM)
    at = moment(at)
    before = task.state
    task.state, task.done_at = S.DONE.value, at
    task.on_time = task.completed_on is not None and task.completed_on <= task.effective_deadline
    task.overdue = not task.on_time
    verdict = "đúng hạn" if task.on_time else "chậm"
    _record(session, task, actor, TaskAction.CONFIRM, before, at, ((note or "").strip() + f" (hoàn thành {verdict})").strip())
    session.flush()
    return task


def return_task(session: Session, actor: User | None, task: Task, reason: str, at: datetime | None = None) -> Task:
    """The assigner returns the report: chờ xác nhận → đang thực hiện, with the reason."""
    _check(session, actor, task, TaskAction.RETURN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần nêu lý do trả lại.", field="reason")
    at = moment(at)
    before = task.state
    task.state, task.returned_at, task.completed_on = S.IN_PROGRESS.value, at, None
    task.return_count = (task.return_count or 0) + 1
    _record(session, task, actor, TaskAction.RETURN, before, at, reason)
    session.flush()
    return task


def extend(session: Session, actor: User | None, task: Task, new_deadline: date, reason: str, at: datetime | None = None) -> Task:
    """The assigner extends the deadline (state unchanged); the count of extensions is kept."""
    _check(session, actor, task, TaskAction.EXTEND)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần nêu lý do gia hạn.", field="reason")
    if not isinstance(new_deadline, date):
        raise ValidationError("Hạn mới không hợp lệ.", field="new_deadline")
    if new_deadline <= task.effective_deadline:
        raise ValidationError(
            f"Hạn mới {vn.fmt_date(new_deadline)} phải sau hạn hiện tại {vn.fmt_date(task.effective_deadline)}.", field="new_deadline"
        )
    at = moment(at)
    old = task.effective_deadline
    task.extended_deadline = new_deadline
    task.extension_count = (task.extension_count or 0) + 1
    task.overdue = new_deadline < at.date()
    _record(session, task, actor, TaskAction.EXTEND, task.state, at, f"Gia hạn từ {vn.fmt_date(old)} đến {vn.fmt_date(new_deadline)}: {reason}")
    session.flush()
    return task


def when(d: date) -> datetime:
    """A date as the start of its office day (for dates read from files)."""
    return datetime.combine(d, time(8, 0))


def record_imported(
    session: Session, actor: User | None, *, document: AssigningDocument, title: str, content: str, lead_unit: Unit,
    coordinating_units: Iterable[Unit], deadline: date, working_days: int | None, state: TaskState,
    assigned_at: datetime, completed_on: date | None, note: str,
) -> Task:
    """A task taken over from another system (XLSX import) in the state it had there, with one event.

    Only an assigner — or the server's operator on the command line (actor None) — may import; the importer
    has validated every row before the first one is written.
    """
    if actor is not None and not may_assign(session, actor):
        raise PermissionDenied(f"{_role_label(actor)} không được nhập nhiệm vụ: chỉ cơ quan giao nhiệm vụ (Văn phòng UBND tỉnh) hoặc Quản trị hệ thống.")
    if not may_lead(session, actor, lead_unit):
        raise PermissionDenied(f"Đơn vị chủ trì {lead_unit.name} không thuộc tỉnh của cơ quan giao nhiệm vụ.")
    task = Task(
        document_id=document.id, title=title, content=content,
        lead_unit_id=lead_unit.id, assigner_unit_id=actor.unit_id if actor is not None and actor.role != Role.SYSTEM_ADMIN else None,
        assigned_by_id=actor.id if actor is not None else None, source=IssuerLevel(document.issuer_level).source.value,
        deadline=deadline, deadline_working_days=working_days, state=state.value, assigned_at=assigned_at,
        extension_count=0, return_count=0, overdue=False,
    )
    if state != S.WAITING_ACCEPTANCE:
        task.accepted_at = assigned_at
    if state in (S.WAITING_CONFIRMATION, S.DONE):
        task.completed_on = completed_on
        task.reported_at = when(completed_on)
    if state == S.DONE:
        task.done_at = when(completed_on)
        task.on_time = completed_on <= deadline
        task.overdue = not task.on_time
    _add_numbered(session, task, assigned_at.year)
    for unit in coordinating_units:
        if unit.id != lead_unit.id and all(c.unit_id != unit.id for c in task.coordinators):
            task.coordinators.append(TaskUnit(unit_id=unit.id))
    _record(session, task, actor, TaskAction.IMPORT, None, moment(None), note)
    session.flush()
    return task


def assignable_units(session: Session, user: User, limit: int = 3000) -> list[Unit]:
    """The units this assigner may give tasks to (their province; every unit for the system administrator)."""
    stmt = select(Unit).order_by(Unit.path).limit(limit)
    if user.role != Role.SYSTEM_ADMIN:
        province = _province_of(session, session.get(Unit, user.unit_id)) if user.unit_id else None
        if province is None or not province.path:
            return []
        stmt = stmt.where(Unit.path.like(province.path + "%"))
    return list(session.scalars(stmt))


def stats_unit(session: Session, user: User, unit: Unit | None) -> Unit | None:
    """The unit whose figures a user reads: the one asked for if in their scope, else their scope's root."""
    if user.role == Role.CITIZEN:
        raise PermissionDenied("Số liệu nhiệm vụ chỉ dành cho cán bộ.")
    if unit is None:
        root = scope_root(session, user)
        if root is None and user.role != Role.SYSTEM_ADMIN:
            raise PermissionDenied("Tài khoản chưa gắn với đơn vị nên không có số liệu nhiệm vụ.")
        return root
    if user.role != Role.SYSTEM_ADMIN and not in_scope(session, user, unit.id):
        raise PermissionDenied(f"Đơn vị {unit.name} không thuộc phạm vi của tài khoản này.")
    return unit
