"""API /api/v1/tasks: list, detail, assign, every action, statistics and XLSX import.

Each route calls the same service function as the pages and the CLI; a refusal comes back as 4xx with
its Vietnamese message ({"detail": …, "field": …}).
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.errors import NotFound, ValidationError
from cchc.sheets import uploaded
from cchc.tasks import service
from cchc.tasks.enums import TaskState
from cchc.tasks.importer import import_upload
from cchc.tasks.models import Task
from cchc.tasks.stats import task_figures, task_sentences, window_label
from cchc.units.service import resolve_unit
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION, check_csrf

router = APIRouter(prefix="/api/v1/tasks", tags=["Nhiệm vụ được giao"], dependencies=[Depends(check_csrf)])


class TaskRow(BaseModel):
    code: str
    title: str
    state: str
    state_label: str
    source: str
    lead_unit_id: int
    lead_unit_name: str
    assigned_at: datetime
    deadline: date
    extended_deadline: date | None
    overdue: bool
    on_time: bool | None


class EventOut(BaseModel):
    at: datetime
    actor_name: str
    action: str
    from_state: str | None
    to_state: str
    note: str


class TaskDetail(TaskRow):
    content: str
    document_number: str
    document_date: date
    document_issuer: str
    document_subject: str
    coordinating_units: list[str]
    deadline_working_days: int | None
    extension_count: int
    return_count: int
    accepted_at: datetime | None
    reported_at: datetime | None
    completed_on: date | None
    done_at: datetime | None
    result_note: str
    events: list[EventOut]
    allowed_actions: list[str]


class TaskList(BaseModel):
    total: int
    overdue: int
    by_state: dict[str, int]
    items: list[TaskRow]


class AssignIn(BaseModel):
    document_number: str
    document_date: date
    issuer_level: str
    issuer: str = ""
    subject: str = ""
    title: str
    content: str = ""
    lead_unit_code: str
    coordinating_unit_codes: list[str] = []
    deadline: date | None = None
    working_days: int | None = None


class NoteIn(BaseModel):
    note: str = ""


class ReportIn(BaseModel):
    note: str
    completed_on: date | None = None


class ReasonIn(BaseModel):
    reason: str


class ExtendIn(BaseModel):
    new_deadline: date
    reason: str


class ImportOut(BaseModel):
    tasks: int
    documents: int
    by_state: dict[str, int]
    codes: list[str]
    message: str


def _row(t: Task, names: dict[int, str], today: date) -> dict:
    return dict(
        code=t.code, title=t.title, state=t.state, state_label=TaskState(t.state).label, source=t.source,
        lead_unit_id=t.lead_unit_id, lead_unit_name=names.get(t.lead_unit_id, ""), assigned_at=t.assigned_at,
        deadline=t.deadline, extended_deadline=t.extended_deadline, overdue=t.is_overdue_on(today), on_time=t.on_time,
    )


def detail(db: Session, user: User, t: Task) -> TaskDetail:
    today = service.moment(None).date()
    names = service.unit_names(db, [t.lead_unit_id, *(c.unit_id for c in t.coordinators)])
    return TaskDetail(
        **_row(t, names, today), content=t.content, document_number=t.document.number, document_date=t.document.issued_on,
        document_issuer=t.document.issuer, document_subject=t.document.subject,
        coordinating_units=[names.get(c.unit_id, "") for c in t.coordinators], deadline_working_days=t.deadline_working_days,
        extension_count=t.extension_count, return_count=t.return_count, accepted_at=t.accepted_at, reported_at=t.reported_at,
        completed_on=t.completed_on, done_at=t.done_at, result_note=t.result_note,
        events=[EventOut(at=e.at, actor_name=e.actor_name, action=e.action, from_state=e.from_state, to_state=e.to_state, note=e.note) for e in t.events],
        allowed_actions=[a.value for a in service.allowed_actions(db, user, t)],
    )


@router.get("", response_model=TaskList)
def list_tasks(
    state: str | None = None, source: str | None = None, overdue: bool | None = None, q: str | None = None,
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
    db: Session = DB_SESSION, user: User = Depends(officer),
):
    """Nhiệm vụ trong phạm vi đơn vị của người dùng, lọc theo trạng thái, nguồn giao, quá hạn."""
    today = service.moment(None).date()
    box = service.list_tasks(db, user, state=state or None, source=source or None, overdue=overdue, q=q, today=today, limit=limit, offset=offset)
    names = service.unit_names(db, [t.lead_unit_id for t in box.items])
    return TaskList(total=box.total, overdue=box.overdue, by_state=box.by_state, items=[TaskRow(**_row(t, names, today)) for t in box.items])


@router.get("/stats")
def stats(
    start: date, end: date, unit_code: str | None = None,
    db: Session = DB_SESSION, user: User = Depends(officer),
):
    """Số liệu nhiệm vụ của đơn vị (mặc định: phạm vi của người dùng) trong khoảng [start, end]."""
    unit = resolve_unit(db, unit_code, on=end) if unit_code else None
    unit = service.stats_unit(db, user, unit)
    figures = task_figures(db, unit, start, end)
    label = window_label(start, end)
    return {"unit": {"code": unit.code, "name": unit.name} if unit else None, "start": start, "end": end,
            **figures, "sentences": task_sentences(figures, label)}


@router.post("", response_model=TaskDetail, status_code=201)
def assign(body: AssignIn, db: Session = DB_SESSION, user: User = Depends(officer)):
    """Giao nhiệm vụ (Văn phòng UBND tỉnh, Quản trị hệ thống)."""
    at = service.moment(None)
    try:
        lead = resolve_unit(db, body.lead_unit_code, on=at.date())
    except NotFound as exc:
        raise ValidationError(exc.message, field="lead_unit_code") from None
    coordinators = []
    for code in body.coordinating_unit_codes:
        try:
            coordinators.append(resolve_unit(db, code, on=at.date()))
        except NotFound as exc:
            raise ValidationError(exc.message, field="coordinating_unit_codes") from None
    task = service.assign(
        db, user, document_number=body.document_number, document_date=body.document_date, issuer_level=body.issuer_level,
        issuer=body.issuer, subject=body.subject, title=body.title, content=body.content, lead_unit=lead,
        coordinating_units=coordinators, deadline=body.deadline, working_days=body.working_days, at=at,
    )
    return detail(db, user, task)


@router.post("/import", response_model=ImportOut)
async def import_file(file: UploadFile = File(...), db: Session = DB_SESSION, user: User = Depends(officer)):
    """Nhập nhiệm vụ từ tệp XLSX: tất cả hoặc không dòng nào."""
    result = import_upload(db, user, file.filename, await uploaded.read(file))
    return ImportOut(tasks=result.tasks, documents=result.documents, by_state=result.by_state, codes=result.codes, message=result.summary())


@router.get("/{code}", response_model=TaskDetail)
def get(code: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    return detail(db, user, service.get_task(db, code, user))


@router.post("/{code}/accept", response_model=TaskDetail)
def accept(code: str, body: NoteIn | None = None, db: Session = DB_SESSION, user: User = Depends(officer)):
    task = service.get_task(db, code, user)
    service.accept(db, user, task, (body or NoteIn()).note)
    return detail(db, user, task)


@router.post("/{code}/report-done", response_model=TaskDetail)
def report_done(code: str, body: ReportIn, db: Session = DB_SESSION, user: User = Depends(officer)):
    task = service.get_task(db, code, user)
    service.report_done(db, user, task, body.note, completed_on=body.completed_on)
    return detail(db, user, task)


@router.post("/{code}/confirm", response_model=TaskDetail)
def confirm(code: str, body: NoteIn | None = None, db: Session = DB_SESSION, user: User = Depends(officer)):
    task = service.get_task(db, code, user)
    service.confirm(db, user, task, (body or NoteIn()).note)
    return detail(db, user, task)


@router.post("/{code}/return", response_model=TaskDetail)
def return_task(code: str, body: ReasonIn, db: Session = DB_SESSION, user: User = Depends(officer)):
    task = service.get_task(db, code, user)
    service.return_task(db, user, task, body.reason)
    return detail(db, user, task)


@router.post("/{code}/extend", response_model=TaskDetail)
def extend(code: str, body: ExtendIn, db: Session = DB_SESSION, user: User = Depends(officer)):
    task = service.get_task(db, code, user)
    service.extend(db, user, task, body.new_deadline, body.reason)
    return detail(db, user, task)
