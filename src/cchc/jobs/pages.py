"""/quan-tri/hang-doi, the page of a province's IT: the queue's health, the figures other packages registered
(the outbox's lag, the messages sent), the periodic jobs with their next run, and the dead letters, each replayed
or discarded by a system administrator (the change of the letter is audited)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.deps import require_roles
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.jobs import dead_letters, health, registry
from cchc.jobs.models import STATE_LABELS
from cchc.jobs.schedule_time import next_runs
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(prefix="/quan-tri/hang-doi", include_in_schema=False)
IT = require_roles(Role.SYSTEM_ADMIN)


def _periodic_jobs() -> list[dict]:
    now = clock.now()
    return [{"name": s.name, "title": s.title, "cron": s.cron.text(), "next": (next_runs(s.cron, now, 1) or [None])[0]}
            for s in sorted(registry.JOBS.values(), key=lambda s: s.name) if s.cron is not None]


@router.get("")
def queue_page(request: Request, db: Session = DB_SESSION, user: User = Depends(IT)):
    registry.load_background_modules(strict=False)
    return render(request, "jobs/queue.html", {
        "health": health.snapshot(db), "duration": health.duration, "periodic": _periodic_jobs(),
        "letters": dead_letters.listing(db), "as_json": lambda v: json.dumps(v, ensure_ascii=False), "handled": dead_letters.handled(db, limit=20), "states": STATE_LABELS,
        "load_errors": registry.LOAD_ERRORS,
    })


@router.post("/{letter_id}/chay-lai", dependencies=[Depends(check_csrf)])
def replay(request: Request, letter_id: int, db: Session = DB_SESSION, user: User = Depends(IT)):
    registry.load_background_modules(strict=False)
    letter = dead_letters.replay(db, letter_id, user.username)
    flash(request, f"Đã đưa việc «{letter.job}» (số {letter.id}) vào hàng đợi để chạy lại.")
    return RedirectResponse("/quan-tri/hang-doi", status_code=303)


@router.post("/{letter_id}/bo", dependencies=[Depends(check_csrf)])
def discard(request: Request, letter_id: int, db: Session = DB_SESSION, user: User = Depends(IT)):
    letter = dead_letters.discard(db, letter_id, user.username)
    flash(request, f"Đã bỏ việc lỗi «{letter.job}» (số {letter.id}).")
    return RedirectResponse("/quan-tri/hang-doi", status_code=303)
