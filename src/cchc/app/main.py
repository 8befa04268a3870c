"""The FastAPI application: JSON API under /api/v1 and server-rendered pages (Jinja2 + htmx), from every
domain's routers, on the framework of cchc.web."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware

from cchc import config, pdf
from cchc.app import jinja, routes
from cchc.audit import service as audit
from cchc.auth import deps as auth_deps
from cchc.errors import CchcError
from cchc.web import apidocs, errors, inputs, limits, openapi, operations, security
from cchc.web.deps import client_address
from cchc.web.templating import STATIC_DIR

log = logging.getLogger("cchc.web")


class SecretMissing(CchcError):
    pass


def audit_context(request: Request, session: Session) -> None:
    """The audit log learns from where each request came (and, through cchc.auth.deps.optional_user, who sent it)."""
    audit.set_context(session, client=client_address(request), request_id=operations.request_id(request))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A LibreOffice kept warm for the PDFs (Mẫu 01 at the counter), unless `cchc serve` or another process on this
    machine keeps one already; started in the background, the application answers at once."""
    started = pdf.start_warm()
    try:
        yield
    finally:
        if started:
            pdf.stop_warm()


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
        lifespan=lifespan,
    )
    app.state.session_setup = [audit_context]  # cchc.web.deps.get_db: every request's session
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
    charts = config.settings.vendor_dir / "echarts" / "dist"  # the figure pages' charts (reports.dashboard)
    if charts.is_dir():
        app.mount("/vendor/echarts", StaticFiles(directory=str(charts)), name="echarts")
    else:
        log.warning("Không tìm thấy echarts tại %s — hãy chạy `make install`.", charts)

    jinja.install()
    limits.install(app)  # the request body limit (413 before reading what is over it)
    inputs.install(app)  # before the routers: odd input refused at the door on every route
    errors.install(app)
    auth_deps.install(app)  # a person who must log in, or change a password, is sent to that page
    for router in routes.ROUTERS:
        app.include_router(router)
    apidocs.install(app)
    openapi.install(app)  # the document as the API behaves: login schemes, error bodies, timestamps as sent
    operations.install(app)  # request ids, the access log, /healthz
    security.install(app, data_image_paths=(apidocs.DOCS_URL,))  # outermost: headers on every response, 500s too
    return app

