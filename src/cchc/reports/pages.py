"""Pages: the CCHC report of a unit and period — preview, narrative sections, figures entered by hand,
downloads (DOCX, PDF, XLSX, Markdown). Everything is assembled by cchc.reports and stored by cchc.reform."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import CchcError, ValidationError
from cchc.periods import period_choices
from cchc.reform import service as reform
from cchc.signatures.keys import sign_as_unit, unit_can_sign, unit_signer
from cchc.reform import forms as formdefs
from cchc.reports.assembly import build_report, default_figures, default_trend
from cchc.stats.figure_cache import cached
from cchc.reports.output import write_report
from cchc.stats.pages import Selection, scope_query, select_typed
from cchc.auth.deps import require_roles
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(include_in_schema=False)
reporter = require_roles(Role.REPORTING, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}


def _selection(db: Session, user: User, params) -> Selection:
    return select_typed(db, user, params.get("don_vi"), params.get("ky"), params.get("tu_ngay"), params.get("den_ngay"))


def _context(db: Session, sel: Selection, **extra) -> dict:
    layout = formdefs.report_layout()
    narrative_sections = [s for s in layout["sections"] if s.get("narrative", True)]
    texts = reform.get_narratives(db, sel.unit.id, sel.period.start, sel.period.end)
    manual = reform.manual_values(db, sel.unit.id, sel.period.start, sel.period.end)
    manual_forms = [(form, [r for r in form.rows if r.manual]) for form in formdefs.load_forms()]
    return {"unit": sel.unit, "period": sel.period, "query": scope_query(sel), "sections": narrative_sections, "texts": texts,
            "manual": manual, "manual_forms": [(f, rows) for f, rows in manual_forms if rows], "choices": period_choices(sel.period.end),
            "fmt_plain": formdefs.fmt_plain, "unit_signs": unit_can_sign(sel.unit.code), **extra}


@router.get("/bao-cao")
def report_page(request: Request, tab: str = "xem", db: Session = DB_SESSION, user: User = Depends(reporter)):
    try:
        sel = _selection(db, user, request.query_params)
    except CchcError as exc:
        return render(request, "reports/page.html", {"error": exc.message, "unit": None, "choices": [], "tab": tab,
                                                      "params": dict(request.query_params)}, status_code=exc.http_status)
    # The preview (the whole report: every figure, the trend, the Biểu mẫu) comes as a fragment loaded by htmx
    # (/bao-cao/xem-truoc): the page itself answers at once.
    return render(request, "reports/page.html", _context(db, sel, tab=tab, params=dict(request.query_params)))


def cached_figures(db: Session, unit, start, end) -> dict:
    """The report's figures (default_figures) of a closed period from the figure cache."""
    return cached(db, unit, start, end, "report", lambda: default_figures(db, unit, start, end))


def cached_trend(db: Session, unit, start, end) -> dict:
    return cached(db, unit, start, end, "report_trend", lambda: default_trend(db, unit, start, end))


def built(db: Session, sel: Selection):
    return build_report(db, sel.unit, sel.period, figures_provider=cached_figures, trend_provider=cached_trend)


@router.get("/bao-cao/xem-truoc")
def preview(request: Request, db: Session = DB_SESSION, user: User = Depends(reporter)):
    """The report as it will be printed (an HTML fragment of /bao-cao, loaded by htmx)."""
    sel = _selection(db, user, request.query_params)
    ctx = {"unit": sel.unit, "period": sel.period}
    try:
        ctx["report"] = built(db, sel)
    except CchcError as exc:
        ctx["report_error"] = exc.message
    return render(request, "reports/preview.html", ctx)


@router.post("/bao-cao/noi-dung", dependencies=[Depends(check_csrf)])
async def save_narratives(request: Request, db: Session = DB_SESSION, user: User = Depends(reporter)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    sel = _selection(db, user, form)
    changed = 0
    stored = reform.get_narratives(db, sel.unit.id, sel.period.start, sel.period.end)
    for key in reform.narrative_keys():
        field = f"muc_{key}"
        if field in form and form[field].strip() != stored.get(key, "").strip():
            reform.set_narrative(db, user, sel.unit, sel.period.start, sel.period.end, key, form[field])
            changed += 1
    flash(request, f"Đã lưu {changed} mục nội dung." if changed else "Không có mục nào thay đổi.")
    return RedirectResponse(f"/bao-cao?tab=noi-dung&{scope_query(sel)}", status_code=303)


@router.post("/bao-cao/so-lieu", dependencies=[Depends(check_csrf)])
async def save_figures(request: Request, db: Session = DB_SESSION, user: User = Depends(reporter)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    sel = _selection(db, user, form)
    entries, field_errors = [], {}
    for f in formdefs.load_forms():
        for row in f.rows:
            name = f"bm{f.number}_{row.stt}"
            if not row.manual or name not in form:
                continue
            try:
                value = formdefs.parse_entry(row, form[name])
            except ValueError as exc:
                field_errors[name] = f"{f.name}, STT {row.stt}: {exc}."
                continue
            entries.append(reform.Entry(f.number, row.stt, value))
    try:
        if field_errors:
            raise ValidationError("Có số liệu không hợp lệ; chưa lưu gì. Sửa các ô được đánh dấu rồi lưu lại.")
        figures = default_figures(db, sel.unit, sel.period.start, sel.period.end)  # what the report's tables show
        written = reform.set_figures(db, user, sel.unit, sel.period.start, sel.period.end, entries, figures)
    except CchcError as exc:
        db.rollback()
        ctx = _context(db, sel, tab="so-lieu", params=form, error=exc.message, field_errors=field_errors, typed=form)
        return render(request, "reports/page.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã lưu số liệu ({written} chỉ tiêu thay đổi).")
    return RedirectResponse(f"/bao-cao?tab=so-lieu&{scope_query(sel)}", status_code=303)


@router.get("/bao-cao/tai")
def download(request: Request, dinh_dang: str = "docx", ky_so: str = "", db: Session = DB_SESSION,
             user: User = Depends(reporter)):
    """The report of the chosen unit and period; `ky_so=1` (PDF): signed by the unit with its key."""
    if dinh_dang not in MEDIA:
        raise ValidationError(f"Định dạng «{dinh_dang}» không hỗ trợ (docx, pdf, xlsx, md).")
    if ky_so and dinh_dang != "pdf":
        raise ValidationError("Chỉ báo cáo PDF mới được ký số; hãy chọn định dạng PDF.")
    sel = _selection(db, user, request.query_params)
    if ky_so:
        unit_signer(sel.unit.code)  # refused before the report is built when the unit has no key
    report = built(db, sel)
    with tempfile.TemporaryDirectory(prefix="cchc-report-") as tmp:
        name = f"bao-cao-cchc-{sel.unit.code}-{sel.period.start:%Y%m%d}-{sel.period.end:%Y%m%d}.{dinh_dang}"
        files = write_report(report, Path(tmp) / name, dinh_dang)
        body = files[0].read_bytes()
    if ky_so:
        body = sign_as_unit(body, sel.unit.code, sel.unit.name, f"báo cáo cải cách hành chính {sel.period.label}")
        name = name.replace(".pdf", "-ky-so.pdf")
    return Response(body, media_type=MEDIA[dinh_dang], headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
