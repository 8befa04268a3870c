"""Odd input at the door is a 4xx with a Vietnamese message, never a 500 — on SQLite and on PostgreSQL.

Every route is taken from the application itself (the routers of cchc.app.routes, pages included, and the
request bodies of the OpenAPI document), so a route added later is walked without editing this test. Each
parameter of each GET route in turn gets each hostile value — a NUL byte, a 30-digit number, -1, 30 February,
a very long string — as an anonymous visitor and as a signed-in officer; every JSON body field of the API's
POST routes gets the same; every form field the pages read gets them on the pages' POST routes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.dependencies.utils import get_flat_params

from cchc.db import session_factory
from cchc.dossiers import service
from cchc.app import routes as web_routes
from cchc.app.main import create_app
from tests.dossiers.factories import APPLICANT, make_world
from tests.webclient import login_api, login_page, with_passwords

SRC = Path(__file__).resolve().parents[2] / "src" / "cchc"
HOSTILE = ("a\x00b", "9" * 30, "-1", "0", "99999", "2025-02-30", "x" * 5000, "'\"<>%")
VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)
# Routes that build whole documents (a report, a PDF) are walked with the values that reach their parsing,
# not once per value with a valid period: that is what their own tests do.
SLOW = {"/bao-cao/tai", "/api/v1/submissions/consolidated/file", "/bao-cao-tong-hop/tai"}


def _routes():
    for router in web_routes.ROUTERS:
        for route in router.routes:
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route


ROUTES = list(_routes())
GET_ROUTES = [(m, r) for m, r in ROUTES if m == "GET"]
POST_PAGES = [(m, r) for m, r in ROUTES if m == "POST" and not r.include_in_schema]


def _form_field_names() -> list[str]:
    """The form fields the pages read (form.get("…"), raw.getlist("…"), text("…")), from the sources."""
    pattern = re.compile(r"""(?:form|raw|data|values)\.(?:get|getlist)\(\s*["']([a-z_0-9]+)["']|text\(["']([a-z_0-9]+)["']\)""")
    names = set()
    for path in SRC.rglob("*.py"):
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            names.add(m.group(1) or m.group(2))
    names.discard("csrf_token")
    return sorted(names)


FORM_FIELDS = _form_field_names()


@pytest.fixture
def world(committed, tmp_path, monkeypatch):
    import dataclasses

    from cchc import config

    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    with session_factory()() as s:
        w = with_passwords(make_world(s))
        dossier = service.receive(s, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT,
                                  owner=w.citizen)
        s.commit()
        w.dossier_code = dossier.code
        return w


def _benign(route, name: str, w) -> str:
    path = route.path
    if name == "code":
        if path.startswith(("/thu-tuc/", "/api/v1/procedures/", "/nop-ho-so/{code}", "/quan-tri/thu-tuc/")):
            return w.procedure.code
        if path.startswith(("/api/v1/dossiers/", "/can-bo/ho-so/", "/ca-nhan/ho-so/", "/nop-ho-so/da-nop/", "/api/v1/lookup/")):
            return w.dossier_code
        return "khong-ton-tai"
    return {"fmt": "json", "number": "1", "day": "2025-03-03", "kind": "xu-ly", "register": "kiem-tra", "key": "kiem-tra",
            "rest": "x", "action": "x", "slug": "x"}.get(name, "1")


def _url(route, w, override: tuple[str, str] | None = None, query: bool = True) -> str:
    params = get_flat_params(route.dependant)
    path_names = {p.alias for p in route.dependant.path_params}
    for sub in _sub_dependants(route.dependant):
        path_names |= {p.alias for p in sub.path_params}

    def value(name):
        if override and override[0] == name:
            return override[1]
        return _benign(route, name, w)

    url = re.sub(r"\{([^}:]+)(?::[^}]+)?\}", lambda m: quote(value(m.group(1)), safe=""), route.path)
    if override and override[0] not in path_names:
        url += "?" + f"{quote(override[0], safe='')}={quote(override[1], safe='')}"
    return url


def _sub_dependants(dependant):
    for sub in dependant.dependencies:
        yield sub
        yield from _sub_dependants(sub)


@pytest.fixture
def client(app):
    """Server errors come back as the 500 page a visitor would see, so that one test lists them all."""
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


class Problems(list):
    def check(self, response, who: str) -> None:
        where = f"{who}: {response.request.method} {str(response.request.url)[:160]}"
        if response.status_code >= 500:
            self.append(f"{where} → {response.status_code}")
        elif response.status_code >= 400 and response.status_code != 404 and not VIETNAMESE.search(response.text):
            self.append(f"{where} → {response.status_code}, not Vietnamese: {response.text[:200]!r}")

    def verify(self):
        assert not self, f"{len(self)} hostile requests failed:\n" + "\n".join(self[:60])


def _sessions(client, w):
    """(label, prepare) for an anonymous visitor and a signed-in officer, on the same client."""

    def anonymous():
        client.cookies.clear()
        client.headers.pop("X-CSRF-Token", None)

    def officer():
        client.cookies.clear()
        client.headers["X-CSRF-Token"] = login_api(client, w.receiver.username)

    return [("ẩn danh", anonymous), ("cán bộ", officer)]


def _params(route) -> list[str]:
    return [p.alias for p in get_flat_params(route.dependant) if type(p.field_info).__name__ in ("Query", "Path")]


@pytest.mark.parametrize("method,route", GET_ROUTES, ids=[f"GET {r.path}" for _, r in GET_ROUTES])
def test_get_routes_refuse_hostile_parameters_with_a_4xx(client, world, method, route):
    names = _params(route)
    values = HOSTILE if route.path not in SLOW else ("a\x00b", "9" * 30, "-1", "2025-02-30")
    problems = Problems()
    for label, prepare in _sessions(client, world):
        prepare()
        for name in names:
            for value in values:
                problems.check(client.get(_url(route, world, (name, value)), follow_redirects=False), label)
    problems.verify()


# ---- JSON bodies of the API -----------------------------------------------------------------------------------
OPENAPI = create_app().openapi()


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = OPENAPI["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(options[0]) if options else schema
    return schema


def _example(schema: dict, top: bool = False):
    schema = _resolve(schema)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {k: _example(v) for k, v in schema.get("properties", {}).items() if k in schema.get("required", ())}
    if kind == "array":
        return [_example(schema.get("items", {}))] if top else []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2025-03-03"
    if schema.get("format") == "date-time":
        return "2025-03-03T09:00:00"
    return "x"


def _json_routes():
    for path, operations in OPENAPI["paths"].items():
        for method, op in operations.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body and method in ("post", "put", "patch"):
                yield method.upper(), path, _resolve(body["schema"])


JSON_ROUTES = sorted(_json_routes(), key=lambda r: (r[1], r[0]))


def _fields(schema: dict, prefix=()):
    """Every (path of keys, schema) of a body, nested objects and the items of arrays included."""
    if schema.get("type") == "array" and not prefix:
        yield from _fields(_resolve(schema.get("items", {})), (0,))
        return
    for key, sub in schema.get("properties", {}).items():
        sub = _resolve(sub)
        yield prefix + (key,), sub
        if sub.get("type") == "object":
            yield from _fields(sub, prefix + (key,))
        if sub.get("type") == "array" and _resolve(sub.get("items", {})).get("type") == "object":
            yield from _fields(_resolve(sub["items"]), prefix + (key, 0))


def _set(body, keys, value):
    body = body if body is not None else ([] if isinstance(keys[0], int) else {})
    target = body
    for i, key in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if isinstance(key, int):
            while len(target) <= key:
                target.append({})
            target = target[key]
        else:
            if not isinstance(target.get(key), (dict, list)) or (isinstance(nxt, int) and not isinstance(target.get(key), list)):
                target[key] = [] if isinstance(nxt, int) else {}
            target = target[key]
    target[keys[-1]] = value
    return body


JSON_HOSTILE = ("a\x00b", 10**30, -1, float("nan"), "9" * 30, "2025-02-30", "x" * 5000)


@pytest.mark.parametrize("method,path,schema", JSON_ROUTES, ids=[f"{m} {p}" for m, p, _ in JSON_ROUTES])
def test_json_bodies_refuse_hostile_values_with_a_4xx(client, world, method, path, schema):
    import copy

    route = next(r for m, r in ROUTES if r.path == path and m == method)
    base = _example(schema, top=True)
    fields = list(_fields(schema)) or [(("x",), {})]
    problems = Problems()
    for label, prepare in _sessions(client, world):
        prepare()
        for keys, _ in fields:
            for value in JSON_HOSTILE:
                body = _set(copy.deepcopy(base), keys, value)
                content = json.dumps(body, allow_nan=True)  # NaN as Python's JSON reader accepts it
                problems.check(client.request(method, _url(route, world), content=content, follow_redirects=False,
                                              headers={"content-type": "application/json"}), label)
    problems.verify()


# ---- the pages' forms ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,route", POST_PAGES, ids=[f"POST {r.path}" for _, r in POST_PAGES])
def test_page_forms_refuse_hostile_values_with_a_4xx(client, world, method, route):
    problems = Problems()
    for label, account in (("ẩn danh", None), ("cán bộ", world.receiver.username), ("công dân", world.citizen.username)):
        client.cookies.clear()
        client.headers.pop("X-CSRF-Token", None)
        if account:
            assert login_page(client, account).status_code == 303
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/").text).group(1)
        for value in ("a\x00b", "9" * 30, "-1", "2025-02-30", "x" * 5000):
            data = {name: value for name in FORM_FIELDS}
            data["csrf_token"] = token
            problems.check(client.post(_url(route, world), data=data, follow_redirects=False), label)
    problems.verify()


# ---- bodies the framework cannot read -------------------------------------------------------------------
def test_bodies_that_cannot_be_read_are_refused_in_vietnamese(client, world):
    """Starlette and FastAPI answer these in English; people read Vietnamese."""
    client.headers["X-CSRF-Token"] = login_api(client, world.receiver.username)
    upload = f"/api/v1/dossiers/{world.dossier_code}/files"
    cases = [
        # a text field over Starlette's 1 MB per part
        (client.post(upload, data={"kind": "k" * (2 * 1024 * 1024)}, files={"file": ("a.pdf", b"%PDF-1", "application/pdf")}),
         400, "Một trường của biểu mẫu gửi lên dài quá 1024 KB"),
        # a multipart body without its boundary
        (client.post(upload, content=b"--x\r\n", headers={"content-type": "multipart/form-data"}),
         400, "Biểu mẫu gửi lên bị hỏng"),
        # JSON that is not JSON
        (client.post("/api/v1/auth/login", content=b'{"username": ', headers={"content-type": "application/json"}),
         422, "Dữ liệu gửi lên không phải JSON hợp lệ (lỗi cú pháp ở ký tự thứ 13)."),
    ]
    for response, status, message in cases:
        assert response.status_code == status, response.text
        assert response.json()["detail"].startswith(message), response.text
