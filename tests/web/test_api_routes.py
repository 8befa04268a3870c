"""Every JSON API route refuses bad requests with a 4xx and a Vietnamese message — never a 500.

Routes are read from the application's OpenAPI document, so a route added later is covered without editing this test.
"""

from __future__ import annotations

import re

import pytest

from cchc.app.main import create_app
from tests.webclient import login_api

VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)
PUBLIC = {"/api/v1/procedures", "/api/v1/procedures/{code}", "/api/v1/fields", "/api/v1/lookup/{code}", "/api/v1/auth/login"}


def api_routes():
    for path, operations in create_app().openapi()["paths"].items():
        if path.startswith("/api/v1"):
            for method in operations:
                yield method.upper(), path


ROUTES = sorted(set(api_routes()))


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "khong-ton-tai", path).replace("{file_id}", "1")


def _check(response) -> None:
    assert response.status_code < 500, f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        detail = response.json().get("detail")
        assert isinstance(detail, str) and detail.strip(), response.text
        assert VIETNAMESE.search(detail), f"not Vietnamese: {detail!r}"


def test_the_api_has_routes_for_every_domain():
    prefixes = {p.split("/")[3] for _, p in ROUTES}
    assert {"auth", "procedures", "dossiers", "stats", "lookup"} <= prefixes


@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_anonymous_and_bad_requests_are_refused_in_vietnamese(client, committed, method, path):
    url = _url(path.replace("{file_id}", "1"))
    response = client.request(method, url, json={"x": 1})
    _check(response)
    if method != "GET" and path not in PUBLIC:
        assert response.status_code in (401, 403, 404, 422)


@pytest.mark.parametrize("method,path", [r for r in ROUTES if r[0] != "GET"], ids=[f"{m} {p}" for m, p in ROUTES if m != "GET"])
def test_citizen_with_garbage_body_gets_4xx(client, make_user, method, path):
    make_user("congdan.test")
    token = login_api(client, "congdan.test")
    response = client.request(method, _url(path.replace("{file_id}", "1")), json={"garbage": [1, 2, 3]},
                              headers={"X-CSRF-Token": token})
    _check(response)
