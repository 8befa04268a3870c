"""Pages: the public catalogue of procedures and a page per procedure; the administration of the catalogue
(/quan-tri/thu-tuc: add a procedure, edit it and its internal process)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.deps import administrator, optional_user
from cchc.auth.models import User
from cchc.errors import CchcError
from cchc.procedures import service
from cchc.procedures.cache import catalogue_answer, catalogue_etag, matches
from cchc.procedures.catalogue import get_procedure, list_fields, search_procedures
from cchc.procedures.enums import OnlineLevel, TimeUnit
from cchc.procedures.process import hours_of
from cchc.procedures.schemas import ProcedureOut
from cchc.units.enums import Level
from cchc.web.deps import DB_SESSION, check_csrf, csrf_token
from cchc.web.templating import flash, page_count, render

router = APIRouter(include_in_schema=False)
admin = APIRouter(prefix="/quan-tri/thu-tuc", include_in_schema=False)
PAGE_SIZE = 20
ADMIN_PAGE_SIZE = 30


# The public pages are validated, not kept: a browser asks again each time (no-cache) and gets 304 Not Modified
# while the catalogue, the day («in force today»), the viewer and the release are the same. The viewer's session
# token is in the page (the CSRF field of its forms), so only the browser keeps it (private).
PAGE_CACHE_CONTROL = "private, no-cache"
try:
    RELEASE = metadata.version("cchc")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    RELEASE = "source"


def _page_etag(request: Request, db: Session) -> str | None:
    """The validator of a public catalogue page for this viewer; None when the page shows a one-time message."""
    if "flash" in request.session:
        return None
    user = getattr(request.state, "user", None)
    viewer = (user.id, user.role, user.full_name, user.unit_id) if user is not None else None
    return catalogue_etag(db, RELEASE, clock.now().date(), viewer, csrf_token(request))


def _not_modified(request: Request, etag: str | None) -> Response | None:
    if etag is not None and matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": PAGE_CACHE_CONTROL})
    return None


def _validated(response: Response, etag: str | None) -> Response:
    response.headers["Cache-Control"] = PAGE_CACHE_CONTROL
    if etag is not None:
        response.headers["ETag"] = etag
    return response


@dataclass(frozen=True)
class FieldRow:
    code: str
    name: str


def _fields(session: Session) -> tuple[tuple[FieldRow, int], ...]:
    """The lĩnh vực with their counts, as values (kept by the process beyond the session)."""
    return tuple((FieldRow(f.code, f.name), n) for f, n in list_fields(session))


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
    etag = _page_etag(request, db)
    if (unchanged := _not_modified(request, etag)) is not None:
        return unchanged
    trang = max(1, trang)
    day = clock.now().date()

    def found(session: Session) -> tuple[tuple[ProcedureOut, ...], int, str | None]:
        try:
            items, total = search_procedures(session, q or None, field_code=linh_vuc or None, level=cap or None,
                                             online_level=muc_do or None, limit=PAGE_SIZE, offset=(trang - 1) * PAGE_SIZE,
                                             today=day)
        except CchcError as exc:
            return (), 0, exc.message
        return tuple(ProcedureOut.from_procedure(p, detail=False) for p in items), total, None

    items, total, error = catalogue_answer(db, ("/thu-tuc", q, linh_vuc, cap, muc_do, trang, day), found)
    fields = catalogue_answer(db, ("lĩnh vực",), _fields)
    return _validated(render(request, "procedures/catalogue.html", {
        "items": items,
        "total": total, "page": trang, "pages": page_count(total, PAGE_SIZE),
        "q": q, "linh_vuc": linh_vuc, "cap": cap, "muc_do": muc_do, "error": error,
        "fields": fields, "levels": [(lv.value, lv.label) for lv in Level],
        "online_levels": [(o.value, o.label) for o in OnlineLevel],
    }), etag)


@router.get("/thu-tuc/{code}")
def procedure_page(request: Request, code: str, db: Session = DB_SESSION, user=Depends(optional_user)):
    etag = _page_etag(request, db)
    if (unchanged := _not_modified(request, etag)) is not None:
        return unchanged
    procedure = ProcedureOut.from_procedure(get_procedure(db, code))
    return _validated(render(request, "procedures/detail.html", {"p": procedure, "levels": {lv.value: lv.label for lv in Level}}),
                      etag)


# ---- administration -------------------------------------------------------------------------------------
def _choices() -> dict:
    return {"time_units": [(t.value, t.label) for t in TimeUnit], "online_levels": [(o.value, o.label) for o in OnlineLevel]}


@admin.get("")
def procedures(request: Request, q: str = "", trang: int = 1, db: Session = DB_SESSION, user: User = Depends(administrator)):
    items, total = search_procedures(db, q or None, active=None, limit=ADMIN_PAGE_SIZE,
                                     offset=(max(trang, 1) - 1) * ADMIN_PAGE_SIZE)
    return render(request, "admin/procedures.html", {
        "items": [ProcedureOut.from_procedure(p, detail=False) for p in items], "total": total, "q": q,
        "page": max(trang, 1), "pages": page_count(total, ADMIN_PAGE_SIZE), **_choices(), "form": {},
    })


@admin.post("", dependencies=[Depends(check_csrf)])
async def create_procedure(request: Request, db: Session = DB_SESSION, user: User = Depends(administrator)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = {k: form.get(k, "") for k in ("code", "name", "field_code", "field_name", "levels", "time_amount", "time_unit", "online_level")}
    try:
        procedure = service.create_procedure(db, user, data)
    except CchcError as exc:
        db.rollback()
        return render(request, "admin/procedures.html", {
            "items": [], "total": 0, "q": "", "page": 1, "pages": 1, "form": form, "error": exc.message, "error_field": exc.field,
            **_choices(),
        }, status_code=exc.http_status)
    flash(request, f"Đã thêm thủ tục {procedure.code} — {procedure.name} với quy trình nội bộ mặc định.")
    return RedirectResponse(f"/quan-tri/thu-tuc/{procedure.code}", status_code=303)


@admin.get("/{code}")
def procedure_edit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(administrator)):
    procedure = get_procedure(db, code)
    try:
        service.check_may_edit(db, user, procedure)
    except CchcError as exc:  # shown read-only, with the reason; the save would be refused the same way
        return _procedure_page(request, procedure, {"read_only": exc.message})
    return _procedure_page(request, procedure, {})


def _procedure_page(request: Request, procedure, extra: dict, status_code: int = 200):
    out = ProcedureOut.from_procedure(procedure)
    steps_text = "; ".join(f"{s.role}:{hours_of(s.duration_amount, s.duration_unit).normalize():f}:{int(s.can_return)}"
                           for s in procedure.steps)
    return render(request, "admin/procedure_edit.html", {
        "p": out, "steps_text": extra.pop("steps_text", steps_text), **_choices(), **extra,
    }, status_code=status_code)


@admin.post("/{code}", dependencies=[Depends(check_csrf)])
async def procedure_save(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(administrator)):
    procedure = get_procedure(db, code)
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = {k: form.get(k, "") for k in ("name", "time_amount", "time_unit", "online_level", "cutoff_time", "where_to_submit")}
    for flag in ("eligible_full_online", "paper_result", "has_fee", "fee_online_integrated"):
        data[flag] = flag in form
    if not data["cutoff_time"]:
        data["cutoff_time"] = None
    try:
        service.update_procedure(db, user, procedure, data)
        service.set_steps(db, user, procedure, form.get("steps", ""))
    except CchcError as exc:
        db.rollback()
        procedure = get_procedure(db, code)
        return _procedure_page(request, procedure, {"error": exc.message, "error_field": exc.field, "steps_text": form.get("steps", "")},
                               status_code=exc.http_status)
    flash(request, "Đã lưu thủ tục và quy trình nội bộ.")
    return RedirectResponse(f"/quan-tri/thu-tuc/{code}", status_code=303)
