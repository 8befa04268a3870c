"""Pages: the public catalogue of procedures and a page per procedure."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from cchc.errors import CchcError
from cchc.procedures.enums import OnlineLevel
from cchc.procedures.schemas import ProcedureOut
from cchc.procedures.service import get_procedure, list_fields, search_procedures
from cchc.units.enums import Level
from cchc.web.deps import DB_SESSION, optional_user
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


@router.get("/thu-tuc")
def catalogue(
    request: Request,
    q: str = "",
    linh_vuc: str = "",
    cap: str = "",
    muc_do: str = "",
    trang: int = 1,
    db: Session = DB_SESSION,
    user=Depends(optional_user),
):
    trang = max(1, trang)
    error = None
    try:
        items, total = search_procedures(db, q or None, field_code=linh_vuc or None, level=cap or None,
                                         online_level=muc_do or None, limit=PAGE_SIZE, offset=(trang - 1) * PAGE_SIZE)
    except CchcError as exc:
        items, total, error = [], 0, exc.message
    return render(request, "procedures/catalogue.html", {
        "items": [ProcedureOut.from_procedure(p, detail=False) for p in items],
        "total": total, "page": trang, "pages": max(1, -(-total // PAGE_SIZE)),
        "q": q, "linh_vuc": linh_vuc, "cap": cap, "muc_do": muc_do, "error": error,
        "fields": list_fields(db), "levels": [(lv.value, lv.label) for lv in Level],
        "online_levels": [(o.value, o.label) for o in OnlineLevel],
    })


@router.get("/thu-tuc/{code}")
def procedure_page(request: Request, code: str, db: Session = DB_SESSION, user=Depends(optional_user)):
    procedure = ProcedureOut.from_procedure(get_procedure(db, code))
    return render(request, "procedures/detail.html", {"p": procedure, "levels": {lv.value: lv.label for lv in Level}})
