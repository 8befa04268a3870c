"""The administrator's audit page: who changed what, when and from where, filtered by user, object and date.

It lives with the accounts, not in cchc.audit: the audit log sits below auth (logins and every session's
changes are recorded there), and the page needs auth's role guard."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from cchc import vn
from cchc.audit import service as audit
from cchc.auth.deps import require_roles
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import ValidationError
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(prefix="/quan-tri/nhat-ky", include_in_schema=False)
PAGE = 100


def _day(raw: str, what: str, field: str) -> date | None:
    try:
        return vn.parse_date(raw, what=what) if raw.strip() else None
    except ValidationError as exc:
        raise ValidationError(exc.message, field=field) from None


@router.get("")
def audit_page(request: Request, nguoi: str = "", bang: str = "", ma: str = "", tu: str = "", den: str = "",
               truoc: int | None = None, db: Session = DB_SESSION, user: User = Depends(require_roles(Role.SYSTEM_ADMIN))):
    filters = {"nguoi": nguoi, "bang": bang, "ma": ma, "tu": tu, "den": den}
    error = None
    rows = []
    try:
        if bang and bang not in audit.object_types():
            raise ValidationError(f"Bảng «{bang}» không có trong nhật ký.", field="bang")
        start, end = _day(tu, "từ ngày", "tu"), _day(den, "đến ngày", "den")
        if start and end and start > end:
            raise ValidationError("«Từ ngày» phải trước «đến ngày».", field="tu")
        rows = audit.search(db, actor=nguoi, object_type=bang, object_id=ma, start=start, end=end, before_id=truoc, limit=PAGE)
    except ValidationError as exc:
        error = exc
    more = len(rows) == PAGE
    return render(request, "admin/audit.html", {
        "rows": rows, "filters": filters, "tables": audit.object_types(), "actions": audit.ACTIONS,
        "error": error.message if error else None, "error_field": error.field if error else None,
        "next_before": rows[-1].id if more else None,
    }, status_code=error.http_status if error else 200)
