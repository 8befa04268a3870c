"""The citizen's space assembled: "Hồ sơ của tôi" (their dossiers, what waits for them, their feedback),
the citizen's own API (/api/v1/me), and one router with the citizen's pages of each domain — the online
submission and a dossier's page (cchc.dossiers.citizen_pages), the rating on it (cchc.ratings.pages).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.citizen import history
from cchc.dossiers import citizen_pages
from cchc.dossiers import service
from cchc.dossiers.enums import WAITING_FOR_CITIZEN, State
from cchc.dossiers.models import DossierEvent
from cchc.errors import CchcError
from cchc.feedback import views as feedback_views
from cchc.feedback.enums import FeedbackState
from cchc.procedures.catalogue import procedure_names
from cchc.procedures.models import Procedure
from cchc.ratings import pages as rating_pages
from cchc.ratings.models import Rating
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import page_count, render

citizen = citizen_pages.citizen
PAGE_SIZE = 20

def history_part(db: Session, user: User, dossier) -> dict:
    """The history the citizen sees: states and the messages meant for them (cchc.citizen.history)."""
    events = db.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.id))
    return {"history": history.for_citizen(events)}


# The rating and the citizen's history are parts of the citizen's dossier page.
for _part in (rating_pages.dossier_part, history_part):
    if _part not in citizen_pages.DOSSIER_PARTS:
        citizen_pages.DOSSIER_PARTS.append(_part)

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/me", tags=["Công dân"], dependencies=[Depends(check_csrf)])


# ---- Hồ sơ của tôi ------------------------------------------------------------------------------------------
@router.get("/ca-nhan")
def my_page(request: Request, q: str = "", trang_thai: str = "", trang: int = 1, db: Session = DB_SESSION,
            user: User = Depends(citizen)):
    trang = max(1, trang)
    error = None
    try:
        page = service.search_dossiers(db, user, q=q or None, state=trang_thai or None, limit=PAGE_SIZE, offset=(trang - 1) * PAGE_SIZE)
        items, total = page.items, page.total
    except CchcError as exc:
        items, total, error = [], 0, exc.message
    waiting = service.inbox(db, user, limit=20)
    feedback = feedback_views.of_sender(db, user)
    return render(request, "citizen/mine.html", {
        "items": items, "total": total, "q": q, "trang_thai": trang_thai, "trang": trang, "pages": page_count(total, PAGE_SIZE),
        "names": procedure_names(db, (d.procedure_id for d in items + waiting.items)), "waiting": waiting, "feedback": feedback, "error": error,
        "states": [(s.value, s.label) for s in State], "FeedbackState": FeedbackState,
    })


# The citizen's pages of every domain, in one router for the application: the same routes (neither router
# adds a prefix or a dependency), listed as the application lists every other route.
router.routes.extend([*citizen_pages.router.routes, *rating_pages.router.routes])


# ---- API: the citizen's own -----------------------------------------------------------------------------------
class MyDossier(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str
    state: str
    state_label: str
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    ended_at: datetime | None
    waiting_for_me: bool
    rated: bool


class MyDossiers(BaseModel):
    total: int
    items: list[MyDossier]


class MyFeedback(BaseModel):
    code: str
    title: str
    state: str
    state_label: str
    received_at: datetime
    resolve_due_at: datetime | None


@api.get("/dossiers", response_model=MyDossiers, summary="Hồ sơ của tôi")
def api_my_dossiers(
    q: str | None = Query(None, description="Mã hồ sơ hoặc tên thủ tục"),
    state: str | None = Query(None, description="Trạng thái (mã), ví dụ yeu_cau_bo_sung"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    db: Session = DB_SESSION,
    user: User = Depends(citizen),
) -> MyDossiers:
    page = service.search_dossiers(db, user, q=q, state=state, limit=limit, offset=offset)
    procs = dict((pid, (pc, pn)) for pid, pc, pn in db.execute(
        select(Procedure.id, Procedure.code, Procedure.name).where(Procedure.id.in_({d.procedure_id for d in page.items} or {0}))))
    rated = set(db.scalars(select(Rating.dossier_id).where(Rating.dossier_id.in_([d.id for d in page.items] or [0]))))
    return MyDossiers(total=page.total, items=[
        MyDossier(code=d.code, procedure_code=procs[d.procedure_id][0], procedure_name=procs[d.procedure_id][1], state=d.state,
                  state_label=State(d.state).label, submitted_at=d.submitted_at, received_at=d.received_at, due_at=d.due_at,
                  ended_at=d.ended_at, waiting_for_me=d.state in WAITING_FOR_CITIZEN, rated=d.id in rated)
        for d in page.items
    ])


@api.get("/feedback", response_model=list[MyFeedback], summary="Phản ánh, kiến nghị tôi đã gửi")
def api_my_feedback(db: Session = DB_SESSION, user: User = Depends(citizen)) -> list[MyFeedback]:
    return [MyFeedback(code=f.code, title=f.title, state=f.state, state_label=FeedbackState(f.state).label,
                       received_at=f.received_at, resolve_due_at=f.resolve_due_at) for f in feedback_views.of_sender(db, user)]
