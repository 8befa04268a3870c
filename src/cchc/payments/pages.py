"""The pages of payments: the fee on the citizen's dossier page with «Thanh toán trực tuyến» (a part of
cchc.dossiers.citizen_pages' page, registered in DOSSIER_PARTS), the way to the gateway and back (the return page
shows what the server verified, never what the address says), the receipt PDF, and the officer's pages: the
payments with their reconciliation, a dossier's payments and the counter payment form."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRouter
from sqlalchemy.orm import Session

from cchc import config, vn
from cchc.auth.deps import current_user, officer, optional_user
from cchc.auth.models import User
from cchc.dossiers import citizen_pages
from cchc.dossiers import service as dossiers
from cchc.dossiers import transitions as tr
from cchc.dossiers.models import Dossier
from cchc.errors import CchcError, FieldErrors
from cchc.payments import service
from cchc.payments.enums import COUNTER_METHODS, STATE_LABELS, Method, PaymentState
from cchc.payments.gateway import BAD_AMOUNT, BAD_SIGNATURE, NOT_FOUND, GatewayUnavailable
from cchc.payments.receipt import receipt_pdf
from cchc.web.deps import DB_SESSION, check_csrf, client_address
from cchc.web.inputs import typed_date
from cchc.web.templating import flash, render

router = APIRouter(include_in_schema=False)
RETURN_PATH = "/thanh-toan/vnpay/ket-qua"
WORDS = {"states": {s.value: l for s, l in STATE_LABELS.items()}, "methods": {m.value: m.label for m in Method}}


def return_url(request: Request) -> str:
    return config.settings.vnpay_return_url or str(request.base_url).rstrip("/") + RETURN_PATH


# ---- the citizen -----------------------------------------------------------------------------------------
def dossier_part(db: Session, user: User, dossier: Dossier) -> dict:
    """The fee of the citizen's dossier page: what is due (its lines), whether it may be paid online now, the
    attempts and their receipts."""
    due = int(dossier.fee_amount or 0)
    return {"fee": {
        "due": due, "paid": bool(dossier.fee_paid), "lines": service.fee_lines(db, dossier) if due else [],
        "payable": service.payable(dossier) and tr.is_owner(user, dossier), "online_on": service.online_gateway() is not None,
        "payments": service.payments_of(db, dossier), **WORDS,
    }}


if dossier_part not in citizen_pages.DOSSIER_PARTS:
    citizen_pages.DOSSIER_PARTS.append(dossier_part)


@router.post("/ca-nhan/ho-so/{code}/thanh-toan", dependencies=[Depends(check_csrf)])
def pay_online(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen_pages.citizen)):
    dossier = dossiers.get_dossier(db, user, code)
    try:
        payment, url = service.start_online(db, user, dossier, return_url=return_url(request), ip_addr=client_address(request))
    except CchcError as exc:
        db.rollback()
        dossier = dossiers.get_dossier(db, user, code)
        ctx = citizen_pages.dossier_context(db, user, dossier, errors={"_": exc.message})
        return render(request, "citizen/dossier.html", ctx, status_code=exc.http_status)
    # A page with the link to the gateway: the CSP's form-action 'self' forbids a form's redirect to another origin.
    return render(request, "payments/redirect.html", {"url": url, "p": payment, "d": dossier})


@router.get(RETURN_PATH)
def vnpay_return(request: Request, db: Session = DB_SESSION, user: User | None = Depends(optional_user)):
    """Where VNPay sends the citizen back: the signature is verified (the same confirmation as the notification,
    whichever comes first) and the page shows the payment as recorded."""
    gateway = service.online_gateway()
    if gateway is None:
        raise GatewayUnavailable(service.OFF)
    code, payment = service.confirm(db, gateway, dict(request.query_params), via_return=True)
    if code == BAD_SIGNATURE:
        return render(request, "payments/result.html", {"error": "Kết quả thanh toán không hợp lệ: chữ ký của cổng thanh toán "
                                                                   "không đúng. Hồ sơ không thay đổi."}, status_code=400)
    if code == NOT_FOUND or payment is None:
        return render(request, "payments/result.html", {"error": "Không tìm thấy giao dịch thanh toán này trên hệ thống."},
                      status_code=404)
    dossier = db.get(Dossier, payment.dossier_id)
    mismatch = code == BAD_AMOUNT
    return render(request, "payments/result.html", {
        "p": payment, "d": dossier, "mine": tr.is_owner(user, dossier), **WORDS,
        "error": "Số tiền cổng thanh toán báo không khớp với khoản phải nộp: giao dịch không được ghi nhận." if mismatch else "",
    })


@router.get("/thanh-toan/{payment_id}/bien-lai.pdf")
def receipt(payment_id: int, db: Session = DB_SESSION, user: User = Depends(current_user)):
    payment, dossier = service.get_payment(db, user, payment_id)
    body = receipt_pdf(db, payment)
    name = f"bien-lai-{payment.receipt_no or payment.id}.pdf"
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# ---- the officer -----------------------------------------------------------------------------------------
@router.get("/can-bo/thanh-toan")
def payments_page(request: Request, ngay: str = "", trang_thai: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    error = field = ""
    day = None
    try:
        day = typed_date(ngay, "Ngày", "ngay") if ngay else None
        listing = service.list_payments(db, user, day=day, state=trang_thai)
    except CchcError as exc:
        error, field = exc.message, exc.field or ""
        listing = service.list_payments(db, user)
    return render(request, "payments/list.html", {
        "listing": listing, "ngay": ngay, "trang_thai": trang_thai, "error": error, "error_field": field,
        "state_options": [(s.value, s.label) for s in PaymentState], "online_on": service.online_gateway() is not None, **WORDS,
    })


@router.post("/can-bo/thanh-toan/doi-chieu", dependencies=[Depends(check_csrf)])
async def reconcile_page(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    form = await request.form()
    ngay = str(form.get("ngay") or "")
    try:
        day = typed_date(ngay, "Ngày đối chiếu", "ngay", required=True)
        findings = service.reconcile(db, day)
    except CchcError as exc:
        db.rollback()
        flash(request, exc.message, "error")
        return RedirectResponse(f"/can-bo/thanh-toan?ngay={quote(ngay)}", status_code=303)
    problems = sum(1 for f in findings if f.problem)
    flash(request, f"Đã đối chiếu {vn.fmt_int(len(findings))} giao dịch ngày {vn.fmt_date(day)}: "
                   + (f"{vn.fmt_int(problems)} giao dịch không khớp." if problems else "tất cả đều khớp."),
          "error" if problems else "ok")
    return RedirectResponse(f"/can-bo/thanh-toan?ngay={quote(vn.fmt_date(day))}", status_code=303)


def _dossier_payments(db: Session, user: User, dossier: Dossier, **extra) -> dict:
    return {"d": dossier, "payments": service.payments_of(db, dossier), "lines": service.fee_lines(db, dossier) if dossier.fee_amount else [],
            "may_record": "record_payment" in dossiers.allowed_actions(db, user, dossier),
            "method_options": [(m.value, m.label) for m in COUNTER_METHODS], "form": {}, "errors": {}, **WORDS, **extra}


@router.get("/can-bo/ho-so/{code}/thanh-toan")
def dossier_payments_page(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    dossier = dossiers.get_dossier(db, user, code)
    return render(request, "payments/dossier.html", _dossier_payments(db, user, dossier))


@router.post("/can-bo/ho-so/{code}/thanh-toan", dependencies=[Depends(check_csrf)])
async def counter_payment(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    dossier = dossiers.get_dossier(db, user, code)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        payment = service.record_counter(db, user, dossier, method=form.get("method", ""), receipt_no=form.get("receipt_no", ""),
                                         amount=form.get("amount", ""))
    except CchcError as exc:
        db.rollback()
        dossier = dossiers.get_dossier(db, user, code)
        errors = dict(exc.errors) if isinstance(exc, FieldErrors) else {exc.field or "_": exc.message}
        return render(request, "payments/dossier.html", _dossier_payments(db, user, dossier, form=form, errors=errors),
                      status_code=exc.http_status)
    flash(request, f"Đã ghi nhận {vn.fmt_int(int(payment.amount))} đồng phí, lệ phí của hồ sơ {dossier.code}, biên lai số {payment.receipt_no}.")
    return RedirectResponse(f"/can-bo/ho-so/{dossier.code}/thanh-toan", status_code=303)
