"""The rating on the citizen's dossier page: what it shows (the rating given, or the form while the
dossier may be rated) and the form's submission (9 criteria of TT 01/2018/TT-VPCP, satisfaction)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.dossiers.citizen_pages import citizen, citizen_action
from cchc.dossiers.models import Dossier
from cchc.ratings.enums import Satisfaction
from cchc.ratings.service import criteria, may_rate, rate_dossier, rating_of
from cchc.web.deps import DB_SESSION, check_csrf

router = APIRouter(include_in_schema=False)


def dossier_part(db: Session, user: User, dossier: Dossier) -> dict:
    """The rating's part of the citizen's dossier page (cchc.dossiers.citizen_pages.DOSSIER_PARTS)."""
    return {"rating": rating_of(db, dossier.id), "may_rate": may_rate(db, user, dossier), "criteria": criteria(),
            "satisfactions": [(s.value, s.label) for s in Satisfaction]}


@router.post("/ca-nhan/ho-so/{code}/danh-gia", dependencies=[Depends(check_csrf)])
async def rating_submit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    async def act(dossier: Dossier, form: dict, raw) -> None:
        scores = {c.number: form.get(f"c{c.number}") or None for c in criteria()}
        rate_dossier(db, user, dossier, scores, form.get("satisfaction", ""), form.get("comment", ""))

    return await citizen_action(request, db, user, code, act, "Cảm ơn bạn đã đánh giá việc giải quyết hồ sơ {code}.")
