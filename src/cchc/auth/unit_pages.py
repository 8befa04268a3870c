"""Administration pages of the units (/quan-tri/don-vi): browse the tree from the provinces, search, add a unit.

They live with the accounts, not in cchc.units: units sit below auth (a user's scope is a subtree of units),
and the pages need auth's role guard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.deps import administrator
from cchc.auth.models import User
from cchc.errors import CchcError
from cchc.units import service as unit_service
from cchc.units.enums import UNIT_KINDS, Level
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(prefix="/quan-tri/don-vi", include_in_schema=False)


@router.get("")
def units(request: Request, ma: str = "", q: str = "", db: Session = DB_SESSION, user: User = Depends(administrator)):
    return _units_page(request, db, ma, q, {})


def _units_page(request: Request, db: Session, ma: str, q: str, extra: dict, status_code: int = 200):
    parent = unit_service.resolve_unit(db, ma) if ma else None
    if q:
        rows = unit_service.search_units(db, q, limit=100)
    elif parent is not None:
        rows = unit_service.list_units(db, parent=parent)
    else:
        rows = unit_service.list_units(db, level="tinh", on=clock.today())
        rows = [u for u in rows if u.parent_id is None]
    return render(request, "admin/units.html", {
        "parent": parent, "chain": unit_service.ancestors(parent) if parent else [], "rows": rows, "q": q,
        "kinds": UNIT_KINDS, "levels": [(lv.value, lv.label) for lv in Level], "form": {}, **extra,
    }, status_code=status_code)


@router.post("", dependencies=[Depends(check_csrf)])
async def unit_create(request: Request, db: Session = DB_SESSION, user: User = Depends(administrator)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        parent = unit_service.resolve_unit(db, form["parent"]) if form.get("parent") else None
        unit = unit_service.create_unit(
            db, code=form.get("code", ""), name=form.get("name", ""), level=form.get("level", ""), kind=form.get("kind", ""),
            parent=parent, valid_from=vn.parse_date(form["valid_from"], what="ngày hiệu lực") if form.get("valid_from") else None,
            actor=user,
        )
    except CchcError as exc:
        db.rollback()
        return _units_page(request, db, form.get("parent", ""), "", {"form": form, "error": exc.message, "error_field": exc.field},
                           status_code=exc.http_status)
    flash(request, f"Đã thêm đơn vị {unit.code} — {unit.name}.")
    return RedirectResponse(f"/quan-tri/don-vi?ma={form.get('parent', '')}", status_code=303)
