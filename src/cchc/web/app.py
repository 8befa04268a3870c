"""The FastAPI application: JSON API under /api/v1 and server-rendered pages (Jinja2 + htmx)."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from cchc import config
from cchc.errors import CchcError
from cchc.web import apidocs, inputs, limits, openapi, operations, security
from cchc.web.deps import LoginRequired, PasswordChangeRequired
from cchc.web.templating import render

log = logging.getLogger("cchc.web")
STATIC_DIR = __import__("pathlib").Path(__file__).resolve().parent / "static"

# Vietnamese names of request fields for validation messages.
FIELD_NAMES = {
    "username": "tên đăng nhập",
    "password": "mật khẩu",
    "full_name": "họ và tên",
    "q": "từ khóa",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/open311/")) or "application/json" in request.headers.get("accept", "")


class SecretMissing(CchcError):
    pass


def create_app() -> FastAPI:
    if not config.settings.secret_key:
        raise SecretMissing(
            "Chưa có khóa bí mật để ký phiên đăng nhập: đặt biến môi trường CCHC_SECRET_KEY (ít nhất 32 ký tự ngẫu nhiên) "
            f"hoặc chạy `cchc secret init` để tạo tệp {config.secret_path(config.settings.var_dir)}."
        )
    app = FastAPI(
        title="cchc — Hệ thống một cửa điện tử",
        description="API của hệ thống thông tin giải quyết thủ tục hành chính và báo cáo cải cách hành chính.",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,  # /api/docs is cchc.web.apidocs: Swagger UI from node_modules, no CDN, no inline script
        redoc_url=None,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.settings.secret_key,
        session_cookie="cchc_session",
        same_site="lax",
        # The login itself ends sooner (cchc.auth.sessions: idle and absolute time-outs on the server).
        max_age=config.settings.session_max_hours * 3600,
        https_only=config.settings.https,
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    vendor = config.settings.vendor_dir / "htmx.org" / "dist"
    if vendor.is_dir():
        app.mount("/vendor/htmx", StaticFiles(directory=str(vendor)), name="htmx")
    else:
        log.warning("Không tìm thấy htmx tại %s — hãy chạy `make install`.", vendor)

    limits.install(app)  # the request body limit (413 before reading what is over it)
    inputs.install(app)  # before the routers: odd input refused at the door on every route
    _install_error_handlers(app)
    _include_routers(app)
    apidocs.install(app)
    openapi.install(app)  # the document as the API behaves: login schemes, error bodies, timestamps as sent
    operations.install(app)  # request ids, the access log, /healthz
    security.install(app, data_image_paths=(apidocs.DOCS_URL,))  # outermost: headers on every response, 500s too
    return app


def _include_routers(app: FastAPI) -> None:
    from cchc.web import routes

    for router in routes.ROUTERS:
        app.include_router(router)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CchcError)
    async def cchc_error(request: Request, exc: CchcError):
        if isinstance(exc, LoginRequired) and not wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/dang-nhap?next={quote(target)}", status_code=303)
        if isinstance(exc, PasswordChangeRequired) and not wants_json(request) and not request.headers.get("hx-request"):
            return RedirectResponse("/doi-mat-khau", status_code=303)
        if wants_json(request):
            return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=exc.http_status)
        if request.headers.get("hx-request"):
            return render(request, "partials/error_inline.html", {"message": exc.message}, status_code=exc.http_status)
        return render(request, "error.html", {"message": exc.message, "status": exc.http_status}, status_code=exc.http_status)

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
