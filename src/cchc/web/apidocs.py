"""The API docs page (/api/docs): Swagger UI from the npm package swagger-ui-dist, installed by `make install`
into node_modules/ and served from there — nothing is fetched from a CDN.

FastAPI's own page (get_swagger_ui_html) always writes Swagger UI's start-up code as an inline <script>,
which the Content-Security-Policy refuses; this page loads it from /static/api-docs.js instead.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from cchc import config
from cchc.web.templating import templates

log = logging.getLogger("cchc.web")
DOCS_URL = "/api/docs"
ASSETS_URL = "/vendor/swagger-ui"
# Only what the page loads: not the package's index.html (inline script, the petstore example) nor its README.
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope):
        if path not in ASSETS:
            raise StarletteHTTPException(status_code=404)
        return await super().get_response(path, scope)


def install(app: FastAPI) -> None:
    vendor = config.settings.vendor_dir / "swagger-ui-dist"
    installed = vendor.is_dir()
    if installed:
        app.mount(ASSETS_URL, _Assets(directory=str(vendor)), name="swagger-ui")
    else:
        log.warning("Không tìm thấy swagger-ui-dist tại %s — hãy chạy `make install`.", vendor)

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs(request: Request):
        return templates.TemplateResponse(
            request,
            "api_docs.html",
            {"title": app.title, "openapi_url": app.openapi_url, "assets": ASSETS_URL, "installed": installed},
            status_code=200 if installed else 503,
        )
