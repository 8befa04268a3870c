"""/can-bo/dong-bo: what waits to reach Cổng DVCQG and why, for officers (their units' dossiers) — the counts and
every stuck row with its reason (the portal's answer, or the earlier row of the same dossier it waits behind)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.deps import officer
from cchc.auth.models import User
from cchc.dossiers.scope import dossier_clause
from cchc.sync import service
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(prefix="/can-bo/dong-bo", include_in_schema=False)


@router.get("")
def sync_page(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    at = clock.now()
    scope = dossier_clause(db, user)
    return render(request, "sync/status.html", {
        "status": service.status(db, at=at, scope=scope), "stuck": service.stuck_rows(db, at=at, scope=scope),
        "stuck_attempts": service.STUCK_ATTEMPTS, "stuck_hours": int(service.STUCK_AFTER.total_seconds() // 3600),
        "configured": service.is_configured(),
    })
