"""API /api/v1/submissions: a unit's report sent up (prepare, upload the Biểu mẫu, submit), the
reporting officer's overview, decisions, reminders and the consolidated report."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.models import User
from cchc.auth.scope import in_scope
from cchc.errors import NotFound, PermissionDenied, ValidationError
from cchc.periods import current_quarter, resolve_period
from cchc.reform.models import Submission
from cchc.reform.service import find_unit
from cchc.reports.output import write_report
from cchc.sheets import uploaded
from cchc.submissions import service
from cchc.submissions.consolidate import consolidated_figures, consolidated_report, to_json
from cchc.units.models import Unit
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION, check_csrf

router = APIRouter(prefix="/api/v1/submissions", tags=["Báo cáo gửi cấp trên"], dependencies=[Depends(check_csrf)])
MAX_UPLOAD = 10 * 1024 * 1024
MEDIA = {"docx": service.DOCX_MEDIA, "xlsx": service.XLSX_MEDIA, "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}


def resolve(spec: str | None):
    """The period `spec` (2025-Q3 …), or the current quarter."""
    return resolve_period(spec) if spec else current_quarter(clock.today())


def own_unit(db: Session, user: User) -> Unit:
    unit = db.get(Unit, user.unit_id) if user.unit_id is not None else None
    if unit is None:
        raise PermissionDenied("Tài khoản của bạn không gắn với đơn vị nào.")
    return unit


def visible(db: Session, user: User, sub_id: int) -> Submission:
    sub = service.get_by_id(db, sub_id)
    if not in_scope(db, user, sub.unit_id):
        raise NotFound(f"Không có báo cáo gửi số {sub_id}.")
    return sub


def as_dict(db: Session, sub: Submission | None, *, history: bool = False) -> dict | None:
    if sub is None:
        return None
    unit = db.get(Unit, sub.unit_id)
    out = {
        "id": sub.id, "unit_code": unit.code, "unit_name": unit.name, "period_key": sub.period_key,
        "period_start": sub.period_start.isoformat(), "period_end": sub.period_end.isoformat(),
        "state": sub.state, "state_label": service.STATE_LABELS[sub.state], "status": service.status_of(sub),
        "source": sub.source, "deadline": sub.deadline.isoformat(), "late": sub.late,
        "file_name": sub.file_name, "problems": sub.problems, "problems_acknowledged": sub.problems_acknowledged,
        "prepared_at": sub.prepared_at.isoformat() if sub.prepared_at else None, "prepared_by": sub.prepared_by,
        "submitted_at": sub.submitted_at.isoformat() if sub.submitted_at else None, "submitted_by": sub.submitted_by,
        "decided_at": sub.decided_at.isoformat() if sub.decided_at else None, "decided_by": sub.decided_by,
        "comment": sub.comment,
    }
    if history:
        out["figures"] = sub.figures
        out["events"] = [{"action": e.action, "from_state": e.from_state, "to_state": e.to_state, "actor": e.actor,
                          "comment": e.comment, "at": e.at.isoformat()} for e in service.events(db, sub)]
    return out


class PeriodBody(BaseModel):
    period: str | None = Field(None, description="Kỳ, ví dụ 2025-Q3 (mặc định quý hiện tại)")


class SubmitBody(PeriodBody):
    acknowledge: bool = Field(False, description="Vẫn gửi dù kiểm tra có cảnh báo")


class DecisionBody(BaseModel):
    comment: str = Field("", max_length=4000)


class RemindBody(PeriodBody):
    unit_codes: list[str] | None = None
    level: str | None = None


def overview_dict(db: Session, root: Unit, period, level: str | None) -> dict:
    rows = service.overview(db, root, period, level=level)
    return {
        "unit": {"code": root.code, "name": root.name}, "period": period.as_dict(),
        "deadline": service.deadline_for(period).isoformat(), "counts": service.counts(rows),
        "units": [{"unit_code": r.unit.code, "unit_name": r.unit.name, "on_cchc": r.on_cchc, "status": r.status,
                   "status_label": r.label, "reminders": r.reminders,
                   "last_reminder": r.last_reminder.isoformat() if r.last_reminder else None,
                   "submission": as_dict(db, r.submission)} for r in rows],
    }


@router.get("", summary="Tình hình gửi báo cáo của các đơn vị trực thuộc (cán bộ báo cáo)")
def api_overview(period: str | None = None, level: str | None = Query(None, pattern="^(tinh|huyen|xa)$"),
                 db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    root = own_unit(db, user)
    service.check_overview_access(db, user, root)
    return overview_dict(db, root, resolve(period), level)


@router.get("/mine", summary="Báo cáo gửi của đơn vị mình trong kỳ")
def api_mine(period: str | None = None, db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    unit, p = own_unit(db, user), resolve(period)
    return {"unit_code": unit.code, "on_cchc": service.is_on_cchc(db, unit), "period": p.as_dict(),
            "deadline": service.deadline_for(p).isoformat(), "submission": as_dict(db, service.get_submission(db, unit, p), history=True)}


@router.post("/prepare", summary="Lập dự thảo từ số liệu cchc", status_code=201)
def api_prepare(body: PeriodBody, db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    sub = service.prepare_from_cchc(db, user, own_unit(db, user), resolve(body.period))
    return as_dict(db, sub, history=True)


async def prepare_upload(db: Session, user: User, period_spec: str | None, file: UploadFile) -> Submission:
    """The draft of a unit not on cchc from its uploaded Biểu mẫu (at most 10 MB)."""
    data = await uploaded.read(file, max_bytes=MAX_UPLOAD, too_big="Tệp Biểu mẫu lớn hơn 10 MB.",
                               empty="Chưa chọn tệp Biểu mẫu (XLSX).")
    return uploaded.imported(file.filename, data, "bieu-mau.xlsx", lambda path: service.prepare_from_xlsx(
        db, user, own_unit(db, user), resolve(period_spec), path, filename=path.name))


@router.post("/upload", summary="Tải lên Biểu mẫu XLSX đã điền (đơn vị không báo cáo trên cchc)", status_code=201)
async def api_upload(period: str | None = Form(None), file: UploadFile = File(...), db: Session = DB_SESSION,
                     user: User = Depends(officer)) -> dict:
    return as_dict(db, await prepare_upload(db, user, period, file), history=True)


@router.post("/submit", summary="Gửi báo cáo lên cấp trên (lãnh đạo đơn vị)")
def api_submit(body: SubmitBody, db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    sub = service.submit(db, user, own_unit(db, user), resolve(body.period), acknowledge=body.acknowledge)
    return as_dict(db, sub, history=True)


@router.get("/consolidated", summary="Số liệu tổng hợp của tỉnh (cchc + Biểu mẫu đã duyệt)")
def api_consolidated(period: str | None = None, level: str | None = Query(None, pattern="^(tinh|huyen|xa)$"),
                     db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    root = own_unit(db, user)
    service.check_overview_access(db, user, root)
    p = resolve(period)
    return to_json(consolidated_figures(db, root, p.start, p.end, level=level))


def consolidated_file(db: Session, user: User, period_spec: str | None, fmt: str, level: str | None = None) -> Response:
    if fmt not in MEDIA:
        raise ValidationError(f"Định dạng «{fmt}» không hỗ trợ (docx, xlsx, md, pdf).", field="format")
    root = own_unit(db, user)
    service.check_overview_access(db, user, root)
    p = resolve(period_spec)
    built = consolidated_report(db, root, p, level=level)
    name = f"bao-cao-tong-hop-{root.code}-{p.key}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="cchc-consolidated-") as tmp:
        body = write_report(built, Path(tmp) / name, fmt)[0].read_bytes()
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/consolidated/file", summary="Tải báo cáo tổng hợp (DOCX, XLSX, Markdown, PDF)")
def api_consolidated_file(period: str | None = None, format: str = "docx", level: str | None = Query(None, pattern="^(tinh|huyen|xa)$"),
                          db: Session = DB_SESSION, user: User = Depends(officer)) -> Response:
    return consolidated_file(db, user, period, format, level)


@router.post("/remind", summary="Nhắc các đơn vị chưa gửi báo cáo (một lần mỗi ngày)")
def api_remind(body: RemindBody, db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    root, p = own_unit(db, user), resolve(body.period)
    ids = [find_unit(db, c, p.end).id for c in body.unit_codes] if body.unit_codes else None
    created = service.remind(db, user, root, p, unit_ids=ids, level=body.level)
    return {"created": len(created), "units": [db.get(Unit, r.unit_id).code for r in created]}


@router.get("/{submission_id}", summary="Một báo cáo gửi và lịch sử của nó")
def api_detail(submission_id: int, db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    return as_dict(db, visible(db, user, submission_id), history=True)


def file_response(sub: Submission) -> Response:
    return Response(service.read_file(sub), media_type=sub.file_media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(sub.file_name)}"})


@router.get("/{submission_id}/file", summary="Tệp báo cáo đã lập (DOCX) hoặc Biểu mẫu đã tải lên (XLSX)")
def api_file(submission_id: int, db: Session = DB_SESSION, user: User = Depends(officer)) -> Response:
    return file_response(visible(db, user, submission_id))


@router.post("/{submission_id}/accept", summary="Duyệt báo cáo (cán bộ báo cáo cấp trên)")
def api_accept(submission_id: int, body: DecisionBody, db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    return as_dict(db, service.accept(db, user, visible(db, user, submission_id), body.comment), history=True)


@router.post("/{submission_id}/return", summary="Trả lại báo cáo kèm ý kiến (cán bộ báo cáo cấp trên)")
def api_return(submission_id: int, body: DecisionBody, db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    return as_dict(db, service.return_(db, user, visible(db, user, submission_id), body.comment), history=True)
