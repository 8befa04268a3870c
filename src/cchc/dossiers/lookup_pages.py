"""The public lookup of a dossier's progress (portal page /tra-cuu and API /api/v1/lookup): by dossier code and the
last 4 digits of the applicant's ID number.

Dossier codes are sequential (<unit>-YYMMDD-NNNN), so the code alone opens nothing: the public lookup also asks
the last 4 digits of the applicant's số định danh (CCCD) — or of the phone number when the dossier has no ID
number — and a wrong pair answers exactly as an unknown code does. The dossier's own citizen and officers whose
scope holds it see it without the digits. The QR on the receipt (Mẫu 01) carries the code only: it opens the page
with the code filled in, which then asks for the digits. The digits travel in a POST body, never in an address
(browser history, access logs).

Lookups are rate limited per client address (LOOKUP_LIMIT per LOOKUP_WINDOW seconds) by a sliding window kept in
each serving process (cchc.web.security.SlidingWindow): with `cchc serve --workers N` an address gets up to N times
the limit; docs/deployment.md shows the nginx limit for a shared one.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from cchc.auth.deps import optional_user
from cchc.auth.scope import can_see
from cchc.dossiers.enums import State, Timeliness
from cchc.dossiers.files import signature_text
from cchc.dossiers.models import Dossier, DossierFile, DossierStep
from cchc.errors import NotFound, ValidationError
from cchc.privacy import mask_digits, mask_name
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.web.deps import DB_SESSION
from cchc.web.security import SlidingWindow
from cchc.web.templating import render

router = APIRouter()

LOOKUP_LIMIT = 20  # lookups per client address …
LOOKUP_WINDOW = 60  # … in this many seconds (sliding)
DIGITS_NEEDED = ("Vui lòng nhập 4 chữ số cuối của số định danh (CCCD) người nộp hồ sơ — hoặc của số điện thoại, "
                 "nếu hồ sơ không ghi số định danh.")
NOT_FOUND = ("Không tìm thấy hồ sơ có mã «{code}» khớp với 4 chữ số cuối đã nhập. Vui lòng kiểm tra lại mã in trên giấy "
             "tiếp nhận và 4 chữ số cuối của số định danh (CCCD) người nộp — hoặc của số điện thoại, nếu hồ sơ không ghi "
             "số định danh.")
NOT_VISIBLE = ("Không tìm thấy hồ sơ có mã «{code}» trong các hồ sơ tài khoản này được xem. Tra cứu công khai: "
               "POST /api/v1/lookup với mã hồ sơ và 4 chữ số cuối của số định danh (CCCD) người nộp — hoặc của số điện "
               "thoại, nếu hồ sơ không ghi số định danh.")
TOO_MANY = "Tra cứu quá nhiều lần từ địa chỉ này. Vui lòng thử lại sau {seconds} giây."
_DIGITS = re.compile(r"[0-9]{4}")


class LookupStep(BaseModel):
    name: str
    unit: str | None
    started_at: datetime
    ended_at: datetime | None
    timeliness: str | None


class LookupOut(BaseModel):
    code: str
    procedure: str
    unit: str
    state: str
    state_label: str
    status_code: int
    applicant: str
    applicant_id_number: str
    applicant_phone: str
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    extended_due_at: datetime | None
    ended_at: datetime | None
    returned_at: datetime | None
    steps: list[LookupStep]
    owner_view: bool
    result_signature: str = Field("", description="Ai đã ký số kết quả và khi nào; rỗng khi kết quả chưa được ký số")


class LookupIn(BaseModel):
    code: str = Field("", description="Mã hồ sơ in trên giấy tiếp nhận, ví dụ 000.00.12.H20-250425-0001")
    digits: str = Field("", description="4 chữ số cuối của số định danh (CCCD) người nộp; hồ sơ không ghi số định danh: "
                                        "4 chữ số cuối của số điện thoại. Không cần khi đăng nhập bằng tài khoản được xem hồ sơ.")


def _clean_code(code: str | None) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationError("Vui lòng nhập mã hồ sơ.", field="ma")
    if len(code) > 64 or not code.isprintable():
        raise ValidationError("Mã hồ sơ không hợp lệ: mã in trên giấy tiếp nhận có dạng 000.00.12.H20-250425-0001 "
                              "(tối đa 64 ký tự).", field="ma")
    return code


def _last4(value: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", value or "")
    return digits[-4:] if len(digits) >= 4 else None


def secret_digits(dossier) -> str | None:
    """What the public lookup asks: the last 4 digits of the ID number, or of the phone when there is no ID number."""
    return _last4(dossier.applicant_id_number) or _last4(dossier.applicant_phone)


def _may_see(session: Session, viewer, dossier) -> bool:
    return viewer is not None and viewer.active and can_see(session, viewer, dossier)


@dataclass(frozen=True)
class _Step:
    id: int
    name: str
    unit_id: int | None
    unit: str | None
    started_at: datetime
    ended_at: datetime | None
    timeliness: str | None


@dataclass(frozen=True)
class _Found:
    """The columns the lookup shows (and what decides who sees them), as the one query returns them."""

    code: str
    procedure: str | None
    unit: str | None
    unit_id: int
    current_unit_id: int | None
    owner_user_id: int | None
    state: str
    status_code: int
    applicant_name: str
    applicant_id_number: str | None
    applicant_phone: str | None
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    extended_due_at: datetime | None
    ended_at: datetime | None
    returned_at: datetime | None
    signer: str | None  # the signature of the latest result PDF of a dossier signed digitally
    signer_organisation: str | None
    signed_at: datetime | None
    steps: tuple[_Step, ...]


_STEP_UNIT = aliased(Unit)
_RESULT = aliased(DossierFile)
_LATEST_RESULT = (select(DossierFile.id)
                  .where(DossierFile.dossier_id == Dossier.id, DossierFile.kind == "ket_qua",
                         DossierFile.content_type == "application/pdf")
                  .order_by(DossierFile.uploaded_at.desc(), DossierFile.id.desc()).limit(1)
                  .correlate(Dossier).scalar_subquery())
_COLUMNS = (Dossier.code, Procedure.name, Unit.name, Dossier.unit_id, Dossier.current_unit_id, Dossier.owner_user_id,
            Dossier.state, Dossier.status_code, Dossier.applicant_name, Dossier.applicant_id_number, Dossier.applicant_phone,
            Dossier.submitted_at, Dossier.received_at, Dossier.due_at, Dossier.extended_due_at, Dossier.ended_at,
            Dossier.returned_at, _RESULT.signer, _RESULT.signer_organisation, _RESULT.signed_at)
_STEP_COLUMNS = (DossierStep.id, DossierStep.name, DossierStep.unit_id, _STEP_UNIT.name, DossierStep.started_at,
                 DossierStep.ended_at, DossierStep.timeliness)


def find(session: Session, code: str) -> _Found | None:
    """The dossier with this code as the lookup shows it — its procedure's and units' names and its steps in order —
    in one query (a row per step), or None."""
    rows = session.execute(
        select(*_COLUMNS, *_STEP_COLUMNS)
        .outerjoin(Procedure, Procedure.id == Dossier.procedure_id)
        .outerjoin(Unit, Unit.id == Dossier.unit_id)
        .outerjoin(_RESULT, and_(Dossier.result_esigned.is_(True), _RESULT.id == _LATEST_RESULT))
        .outerjoin(DossierStep, DossierStep.dossier_id == Dossier.id)
        .outerjoin(_STEP_UNIT, _STEP_UNIT.id == DossierStep.unit_id)
        .where(Dossier.code == code)
        .order_by(DossierStep.started_at, DossierStep.id)
    ).all()
    if not rows:
        return None
    n = len(_COLUMNS)
    steps = tuple(_Step(*r[n:]) for r in rows if r[n] is not None)
    return _Found(*rows[0][:n], steps=steps)


def lookup(session: Session, code: str, digits: str | None = None, viewer=None) -> LookupOut:
    """Progress and dates of a dossier; personal data masked unless the viewer owns it.

    `digits` None: only a viewer who may see the dossier (its citizen, an officer in scope) gets it. Otherwise the
    4 digits must match (or the viewer may see it); every miss raises the same NotFound, found or not."""
    code = _clean_code(code)
    given = (digits or "").strip()
    if given and not _DIGITS.fullmatch(given):
        raise ValidationError(DIGITS_NEEDED, field="so")
    if digits is not None and not given and viewer is None:
        raise ValidationError(DIGITS_NEEDED, field="so")
    found = find(session, code)
    if found is not None and _may_see(session, viewer, found):
        return _out(found, viewer)
    if given and found is not None:
        expected = secret_digits(found)
        if expected is not None and secrets.compare_digest(expected, given):
            return _out(found, viewer)
    if digits is not None and not given:  # signed in, not theirs: ask the digits like anyone
        raise ValidationError(DIGITS_NEEDED, field="so")
    raise NotFound((NOT_FOUND if digits is not None else NOT_VISIBLE).format(code=code))


def _out(found: _Found, viewer) -> LookupOut:
    owner = viewer is not None and found.owner_user_id == viewer.id
    return LookupOut(
        code=found.code,
        procedure=found.procedure or "",
        unit=found.unit or "",
        state=found.state,
        state_label=State(found.state).label,
        status_code=found.status_code,
        applicant=found.applicant_name if owner else mask_name(found.applicant_name),
        applicant_id_number=found.applicant_id_number if owner else mask_digits(found.applicant_id_number),
        applicant_phone=found.applicant_phone if owner else mask_digits(found.applicant_phone),
        submitted_at=found.submitted_at,
        received_at=found.received_at,
        due_at=found.due_at,
        extended_due_at=found.extended_due_at,
        ended_at=found.ended_at,
        returned_at=found.returned_at,
        steps=[
            LookupStep(name=s.name, unit=s.unit, started_at=s.started_at, ended_at=s.ended_at,
                       timeliness=Timeliness(s.timeliness).label if s.timeliness else None)
            for s in found.steps
        ],
        owner_view=owner,
        result_signature=signature_text(found.signer, found.signer_organisation or "", found.signed_at) if found.signer else "",
    )


_limiter_lock = threading.Lock()


def _wait(request: Request) -> int:
    """Count one lookup for the client's address: 0, or the seconds to wait when over the limit."""
    state = request.app.state
    limiter = getattr(state, "lookup_limiter", None)
    if limiter is None:
        with _limiter_lock:
            limiter = getattr(state, "lookup_limiter", None)
            if limiter is None:
                limiter = state.lookup_limiter = SlidingWindow(LOOKUP_LIMIT, LOOKUP_WINDOW)
    return limiter.hit(request.client.host if request.client else "")


def _too_many_json(seconds: int) -> JSONResponse:
    return JSONResponse({"detail": TOO_MANY.format(seconds=seconds)}, status_code=429, headers={"Retry-After": str(seconds)})


NO_STORE = {"Cache-Control": "no-store"}  # a shared computer's back button must not show someone's dossier


def _json(out: LookupOut) -> Response:
    """The answer as the model writes it (FastAPI would validate the model it was given once more)."""
    return Response(out.model_dump_json(), media_type="application/json", headers=NO_STORE)
LOOKUP_RESPONSES = {
    404: {"description": "Không có hồ sơ nào khớp (mã sai, 4 chữ số sai hay hồ sơ không tồn tại đều trả lời như nhau)"},
    422: {"description": "Thiếu mã hồ sơ hoặc 4 chữ số cuối"},
    429: {"description": "Quá nhiều lần tra cứu từ một địa chỉ; tiêu đề Retry-After cho biết số giây phải chờ"},
}


@router.post("/api/v1/lookup", response_model=LookupOut, tags=["Cổng dịch vụ công"], responses=LOOKUP_RESPONSES,
             summary="Tra cứu tiến độ hồ sơ theo mã và 4 chữ số cuối của số định danh người nộp")
def api_lookup(body: LookupIn, request: Request, db: Session = DB_SESSION, user=Depends(optional_user)):
    seconds = _wait(request)
    if seconds:
        return _too_many_json(seconds)
    return _json(lookup(db, body.code, body.digits, user))


@router.get("/api/v1/lookup/{code}", response_model=LookupOut, tags=["Cổng dịch vụ công"], responses=LOOKUP_RESPONSES,
            summary="Tra cứu hồ sơ theo mã, khi đã đăng nhập bằng tài khoản được xem hồ sơ (công dân nộp, cán bộ trong phạm vi)")
def api_lookup_signed_in(code: str, request: Request, db: Session = DB_SESSION,
                         user=Depends(optional_user)):
    seconds = _wait(request)
    if seconds:
        return _too_many_json(seconds)
    return _json(lookup(db, code, None, user))


def _page(request: Request, ma: str, *, result=None, error=None, error_field=None, status_code=200, seconds=0):
    response = render(request, "portal/lookup.html", {"result": result, "ma": ma, "error": error, "error_field": error_field},
                      status_code=status_code)
    if result is not None:
        response.headers.update(NO_STORE)
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


@router.get("/tra-cuu", include_in_schema=False)
def lookup_page(request: Request, ma: str | None = None, db: Session = DB_SESSION, user=Depends(optional_user)):
    """The form; with ?ma= (the QR of the receipt) the code is filled in. A signed-in viewer who may see the
    dossier gets it at once; anyone else gets the same form, whether the code exists or not."""
    ma = (ma or "").strip()
    if not ma:
        return _page(request, "")
    try:
        _clean_code(ma)
    except ValidationError as exc:
        return _page(request, "", error=exc.message, error_field="ma", status_code=exc.http_status)
    if user is None:
        return _page(request, ma)
    seconds = _wait(request)
    if seconds:
        return _page(request, ma, error=TOO_MANY.format(seconds=seconds), status_code=429, seconds=seconds)
    try:
        return _page(request, ma, result=lookup(db, ma, None, user))
    except NotFound:
        return _page(request, ma)


@router.post("/tra-cuu", include_in_schema=False)
def lookup_submit(request: Request, ma: str = Form(""), so: str = Form(""), db: Session = DB_SESSION,
                  user=Depends(optional_user)):
    # No CSRF token: a lookup changes nothing, and the QR visitor may arrive without a session.
    seconds = _wait(request)
    if seconds:
        return _page(request, ma, error=TOO_MANY.format(seconds=seconds), status_code=429, seconds=seconds)
    try:
        result = lookup(db, ma, so, user)
    except (NotFound, ValidationError) as exc:
        return _page(request, ma if exc.field != "ma" else "", error=exc.message, error_field=exc.field or "ma",
                     status_code=exc.http_status)
    return _page(request, ma, result=result)
