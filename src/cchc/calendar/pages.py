"""Administration pages of the working calendar (/quan-tri/lich): a year's days off and make-up working days,
the administrator's overrides, office hours."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.deps import administrator
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.calendar import service as calendar_service
from cchc.errors import CchcError, ValidationError
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(prefix="/quan-tri/lich", include_in_schema=False)


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("")
def calendar_page(request: Request, nam: int | None = None, db: Session = DB_SESSION, user: User = Depends(administrator)):
    return _calendar_page(request, db, user, nam or clock.today().year, {})


def _calendar_page(request: Request, db: Session, user: User, year: int, extra: dict, status_code: int = 200):
    if not 2000 <= year <= 2100:
        raise ValidationError("Năm phải trong khoảng 2000–2100.", field="nam")
    return render(request, "admin/calendar.html", {
        "year": year, "days": calendar_service.year_calendar(db, year),
        "overrides": calendar_service.list_overrides(db),
        "hours": calendar_service.format_sessions(calendar_service.office_hours(db)),
        "is_system_admin": user.role == Role.SYSTEM_ADMIN, "form": {}, **extra,
    }, status_code=status_code)


@router.post("/ngay", dependencies=[Depends(check_csrf)])
async def calendar_add(request: Request, db: Session = DB_SESSION, user: User = Depends(administrator)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        day = vn.parse_date(form.get("day", ""), what="ngày")
        calendar_service.add_override(db, user, day, form.get("kind", ""), form.get("name", ""), form.get("legal_ref", ""))
    except CchcError as exc:
        db.rollback()
        return _calendar_page(request, db, user, clock.today().year,
                              {"form": form, "error": exc.message, "error_field": exc.field or "day"}, status_code=exc.http_status)
    flash(request, f"Đã khai báo ngày {vn.fmt_date(day)}.")
    return _back(f"/quan-tri/lich?nam={day.year}")


@router.post("/ngay/{day}/xoa", dependencies=[Depends(check_csrf)])
async def calendar_remove(request: Request, day: date, db: Session = DB_SESSION, user: User = Depends(administrator)):
    calendar_service.remove_override(db, user, day)
    flash(request, f"Đã xóa điều chỉnh ngày {vn.fmt_date(day)}.")
    return _back(f"/quan-tri/lich?nam={day.year}")


@router.post("/gio", dependencies=[Depends(check_csrf)])
async def calendar_hours(request: Request, db: Session = DB_SESSION, user: User = Depends(administrator)):
    form = await request.form()
    try:
        calendar_service.set_office_hours(db, user, calendar_service.parse_sessions(str(form.get("hours", ""))))
    except CchcError as exc:
        db.rollback()
        return _calendar_page(request, db, user, clock.today().year,
                              {"form": dict(form), "error": exc.message, "error_field": "hours"}, status_code=exc.http_status)
    flash(request, "Đã cập nhật giờ làm việc.")
    return _back("/quan-tri/lich")
