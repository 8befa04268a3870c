"""The citizens' portal: status lookup by dossier code (or the QR of the receipt) without logging in."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cchc.dossiers.enums import State, Timeliness
from cchc.dossiers.models import Dossier
from cchc.errors import NotFound, ValidationError
from cchc.privacy import mask_digits, mask_name
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.web.deps import DB_SESSION, optional_user
from cchc.web.templating import render

router = APIRouter()


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


def lookup(session: Session, code: str, viewer=None) -> LookupOut:
    """Progress and dates of a dossier; personal data masked unless the viewer owns it."""
    code = (code or "").strip()
    if not code:
        raise ValidationError("Vui lòng nhập mã hồ sơ.", field="ma")
    dossier = session.scalar(
        select(Dossier).where(Dossier.code == code).options(selectinload(Dossier.steps))
    )
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ có mã «{code}». Vui lòng kiểm tra lại mã in trên giấy tiếp nhận.")
    procedure = session.get(Procedure, dossier.procedure_id)
    unit = session.get(Unit, dossier.unit_id)
    owner = viewer is not None and dossier.owner_user_id == viewer.id
    unit_names = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.id.in_({s.unit_id for s in dossier.steps if s.unit_id})))}
    return LookupOut(
        code=dossier.code,
        procedure=procedure.name if procedure else "",
        unit=unit.name if unit else "",
        state=dossier.state,
        state_label=State(dossier.state).label,
        status_code=dossier.status_code,
        applicant=dossier.applicant_name if owner else mask_name(dossier.applicant_name),
        applicant_id_number=dossier.applicant_id_number if owner else mask_digits(dossier.applicant_id_number),
        applicant_phone=dossier.applicant_phone if owner else mask_digits(dossier.applicant_phone),
        submitted_at=(dossier.submitted_at),
        received_at=(dossier.received_at),
        due_at=(dossier.due_at),
        extended_due_at=(dossier.extended_due_at),
        ended_at=(dossier.ended_at),
        returned_at=(dossier.returned_at),
        steps=[
            LookupStep(
                name=s.name,
                unit=unit_names.get(s.unit_id),
                started_at=(s.started_at),
                ended_at=(s.ended_at),
                timeliness=Timeliness(s.timeliness).label if s.timeliness else None,
            )
            for s in sorted(dossier.steps, key=lambda s: (s.started_at, s.id))
        ],
        owner_view=owner,
    )


@router.get("/api/v1/lookup/{code}", response_model=LookupOut, tags=["Cổng dịch vụ công"], summary="Tra cứu tiến độ hồ sơ theo mã")
def api_lookup(code: str, db: Session = DB_SESSION, user=Depends(optional_user)) -> LookupOut:
    return lookup(db, code, user)


@router.get("/tra-cuu", include_in_schema=False)
def lookup_page(request: Request, ma: str | None = None, db: Session = DB_SESSION, user=Depends(optional_user)):
    if not ma:
        return render(request, "portal/lookup.html", {"result": None, "ma": ""})
    try:
        result = lookup(db, ma, user)
    except (NotFound, ValidationError) as exc:
        return render(request, "portal/lookup.html", {"result": None, "ma": ma, "error": exc.message}, status_code=exc.http_status)
    return render(request, "portal/lookup.html", {"result": result, "ma": ma})
