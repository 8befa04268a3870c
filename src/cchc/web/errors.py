"""Errors as the application answers them: JSON under /api/ and /open311/, a page (or an htmx fragment) for a
person, in Vietnamese, never a framework's English detail or a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cchc.errors import CchcError, FieldErrors
from cchc.web import inputs, operations
from cchc.web.templating import render

log = logging.getLogger("cchc.web")

# Vietnamese names of request fields for validation messages.
FIELD_NAMES = {
    "username": "tên đăng nhập",
    "password": "mật khẩu",
    "full_name": "họ và tên",
    "q": "từ khóa",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/open311/")) or "application/json" in request.headers.get("accept", "")


def cchc_error_response(request: Request, exc: CchcError):
    """A refusal with its Vietnamese message: JSON (with the field) for the API, a fragment inside an htmx
    request, else the error page."""
    if wants_json(request):
        body = {"detail": exc.message, "field": exc.field}
        if isinstance(exc, FieldErrors):  # every field in error at once: {field: message}
            body["fields"] = exc.errors
        return JSONResponse(body, status_code=exc.http_status)
    if request.headers.get("hx-request"):
        return render(request, "partials/error_inline.html", {"message": exc.message}, status_code=exc.http_status)
    return render(request, "error.html", {"message": exc.message, "status": exc.http_status}, status_code=exc.http_status)


def install(app: FastAPI) -> None:
    """The application's answers to errors: JSON for the API, the error page (or an htmx fragment) for a person,
    always in Vietnamese; a database that does not answer is a 503, anything unexpected a 500 with its request id."""

    @app.exception_handler(CchcError)
    async def cchc_error(request: Request, exc: CchcError):
        return cchc_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        messages = [_vietnamese_validation(e) for e in exc.errors()]
        if wants_json(request):
            return JSONResponse({"detail": "; ".join(messages), "errors": messages}, status_code=422)
        return render(request, "error.html", {"message": "; ".join(messages), "status": 422}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = {
            404: "Không tìm thấy trang hoặc dữ liệu được yêu cầu.",
            405: "Phương thức không được hỗ trợ cho địa chỉ này.",
        }.get(exc.status_code) or inputs.http_message(exc.status_code, exc.detail)
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=exc.status_code)
        return render(request, "error.html", {"message": message, "status": exc.status_code}, status_code=exc.status_code)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError):
        if not operations.is_database_down(exc):
            return _unexpected(request, exc)
        rid = operations.request_id(request)
        log.warning("Cơ sở dữ liệu không trả lời [%s] khi xử lý %s: %s", rid, request.url.path, exc.__class__.__name__)
        headers = {"Retry-After": str(operations.RETRY_AFTER_SECONDS)}
        if wants_json(request):
            return JSONResponse({"detail": operations.DATABASE_DOWN, "request_id": rid}, status_code=503, headers=headers)
        response = render(request, "error.html", {"message": operations.DATABASE_DOWN, "status": 503, "request_id": rid},
                          status_code=503)
        response.headers.update(headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        return _unexpected(request, exc)


def _unexpected(request: Request, exc: BaseException):
    """A 500 that names its request id, written in the log with the traceback under the same id."""
    rid = operations.request_id(request)
    log.error("Lỗi không mong đợi [%s] khi xử lý %s %s", rid, request.method, request.url.path, exc_info=exc)
    message = "Hệ thống gặp lỗi không mong đợi. Thao tác chưa được thực hiện; vui lòng thử lại hoặc báo quản trị."
    if wants_json(request):
        return JSONResponse({"detail": message, "request_id": rid}, status_code=500)
    return render(request, "error.html", {"message": message, "status": 500, "request_id": rid}, status_code=500)


def _vietnamese_validation(error: dict) -> str:
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
    field = FIELD_NAMES.get(loc[-1], loc[-1]) if loc else "dữ liệu"
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return "Dữ liệu gửi lên không phải JSON hợp lệ" + (f" (lỗi cú pháp ở ký tự thứ {loc[-1]})" if loc else "") + "."
    if kind == "missing":
        return f"Thiếu {field}."
    if kind in ("int_parsing", "int_type"):
        return f"{field.capitalize()} phải là số nguyên."
    if kind in ("float_parsing", "decimal_parsing"):
        return f"{field.capitalize()} phải là số."
    if kind.startswith(("date", "datetime")):
        return f"{field.capitalize()} không phải ngày hợp lệ (dùng dạng 2025-04-25)."
    if kind == "string_too_short":
        return f"{field.capitalize()} quá ngắn (ít nhất {ctx.get('min_length')} ký tự)."
    if kind == "string_too_long":
        return f"{field.capitalize()} quá dài (tối đa {ctx.get('max_length')} ký tự)."
    if kind in ("enum", "literal_error"):
        return f"{field.capitalize()} không hợp lệ (chọn một trong: {ctx.get('expected', '')})."
    if kind == "value_error":
        return f"{field.capitalize()}: {str(ctx.get('error', error.get('msg', '')))}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{field.capitalize()} phải lớn hơn hoặc bằng {ctx.get('ge', ctx.get('gt'))}."
    return f"{field.capitalize()} không hợp lệ."
