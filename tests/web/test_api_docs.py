"""The API docs page (/api/docs) is Swagger UI served from node_modules (npm package swagger-ui-dist): no CDN, no
inline script."""

from __future__ import annotations

import re


def test_api_docs_page_is_served_from_installed_files(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    html = page.text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I), html
    assert "cdn" not in html.lower()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), "inline script on the docs page"
    assets = re.findall(r"""(?:src|href)="(/[^"]+)\"""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets) and any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200, asset
    assert 'data-openapi-url="/openapi.json"' in html


def test_only_the_files_the_page_needs_are_served(client):
    assert client.get("/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    for other in ("index.html", "package.json", "README.md", "../htmx.org/package.json"):
        assert client.get(f"/vendor/swagger-ui/{other}").status_code == 404, other


def test_without_make_install_the_page_says_what_to_do(committed, tmp_path, monkeypatch):
    import dataclasses

    from fastapi.testclient import TestClient

    from cchc import config
    from cchc.app.main import create_app

    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, vendor_dir=tmp_path))
    with TestClient(create_app()) as c:
        page = c.get("/api/docs")
    assert page.status_code == 503 and "make install" in page.text and "swagger-ui-dist" in page.text
    assert 'href="/openapi.json"' in page.text
