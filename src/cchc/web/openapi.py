"""The OpenAPI document as the API really behaves: how to log in, every error with its real body, timestamps as sent.

FastAPI describes the happy path. This adds, once for the whole document:

- the login: the session cookie `cchc_session` (POST /api/v1/auth/login sets it) and, on every request that
  changes something, the header X-CSRF-Token with the token the login answered (securitySchemes; each
  operation says which it needs, read from its dependencies);
- the errors every operation can answer, with the body the error handlers of cchc.web.errors really send
  (`Loi`: detail, and field / errors / request_id when there are): 401/403 where a login or a role is needed,
  404 where a parameter names something, 409 where a state can forbid a change, 413 where a body is read, 422
  everywhere (FastAPI's own 422 schema, a list of objects, is not what cchc sends), 429 where declared, and
  500/503; Open311 keeps its GeoReport error list;
- integer parameters with the bounds the door enforces (cchc.web.inputs), so a value the document allows is
  a value the server accepts;
- timestamps as sent: Việt Nam wall-clock time without an offset (2025-04-25T09:00:00), which JSON Schema's
  `date-time` (RFC 3339, offset required) does not describe.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

SESSION_SCHEME, CSRF_SCHEME = "phien_dang_nhap", "ma_csrf"
ERROR_REF = {"$ref": "#/components/schemas/Loi"}
OPEN311_ERROR_REF = {"$ref": "#/components/schemas/LoiOpen311"}
# Naive local time as pydantic writes it; offsets and fractions accepted on input.
LOCAL_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"

ERROR_DESCRIPTIONS = {
    "400": "Yêu cầu không hợp lệ",
    "401": "Chưa đăng nhập, hoặc phiên đăng nhập đã kết thúc",
    "403": "Không có quyền, thiếu mã CSRF, hoặc phải đổi mật khẩu trước",
    "404": "Không tìm thấy",
    "409": "Trạng thái hiện tại không cho phép thao tác này",
    "413": "Dữ liệu gửi lên vượt giới hạn",
    "422": "Dữ liệu không hợp lệ (thông báo tiếng Việt nêu trường sai)",
    "429": "Quá nhiều yêu cầu; tiêu đề Retry-After cho biết số giây phải chờ",
    "500": "Lỗi không mong đợi; request_id để tra nhật ký",
    "503": "Cơ sở dữ liệu tạm thời không truy cập được; tiêu đề Retry-After",
}
UNSAFE = {"post", "put", "patch", "delete"}


def _dependency_names(route: APIRoute) -> set[str]:
    names: set[str] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call is not None:
            names.add(getattr(dep.call, "__qualname__", getattr(dep.call, "__name__", "")))
        stack.extend(dep.dependencies)
    return names


def _needs(route: APIRoute) -> tuple[bool, bool, bool]:
    """(login required, login optional, CSRF checked) for a route, from its dependencies."""
    names = _dependency_names(route)
    required = bool(names & {"current_user", "signed_in", "officer"}) or any("require_roles" in n for n in names)
    optional = "optional_user" in names and not required
    return required, optional, "check_csrf" in names


def _error(ref: dict, status: str, extra_headers: bool = False) -> dict:
    response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], "content": {"application/json": {"schema": ref}}}
    if extra_headers:
        response["headers"] = {"Retry-After": {"description": "Số giây nên chờ trước khi thử lại", "schema": {"type": "integer"}}}
    return response


def _describe_errors(operation: dict, method: str, path: str, route: APIRoute | None) -> None:
    responses = operation.setdefault("responses", {})
    ref = OPEN311_ERROR_REF if path.startswith("/open311/") else ERROR_REF
    required, optional, csrf = _needs(route) if route is not None else (False, False, False)
    statuses = {"422", "500", "503"}
    if required:
        statuses |= {"401", "403"}
    if csrf and method in UNSAFE:
        statuses.add("403")
    if operation.get("parameters") or "requestBody" in operation:  # a parameter may name something that is not there
        statuses.add("404")
    if method in UNSAFE:
        statuses |= {"409", "413"}
    if path.startswith("/open311/"):
        statuses.add("400")
    for status in sorted(statuses | {s for s in responses if s in ERROR_DESCRIPTIONS}):
        declared = responses.get(status, {})
        described = _error(ref, status, extra_headers=status in ("429", "503"))
        described["description"] = declared.get("description") or described["description"]
        responses[status] = described
    security = []
    if required or optional:
        security.append({SESSION_SCHEME: [], CSRF_SCHEME: []} if csrf and method in UNSAFE else {SESSION_SCHEME: []})
    if optional or not required:
        security.append({})
    operation["security"] = security


def _local_datetimes(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            node.pop("format")
            node["pattern"] = LOCAL_DATETIME
            node.setdefault("description", "Giờ Việt Nam (UTC+07:00), gửi không kèm múi giờ: 2025-04-25T09:00:00")
        for value in node.values():
            _local_datetimes(value)
    elif isinstance(node, list):
        for value in node:
            _local_datetimes(value)


def _integer_bounds(operation: dict) -> None:
    from cchc.web.inputs import URL_INT_MAX

    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        variants = schema.get("anyOf", [schema])
        for variant in variants:
            if variant.get("type") == "integer":
                variant.setdefault("minimum", 0 if parameter.get("name") == "offset" else 1)
                variant.setdefault("maximum", URL_INT_MAX)


def _open311_formats(operation: dict) -> None:
    """GeoReport v2 answers in the format its address ends with: XML (the standard's own) or JSON."""
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "fmt" and parameter.get("in") == "path":
            parameter["schema"] = {"type": "string", "enum": ["xml", "json"], "title": "Định dạng"}
            parameter["description"] = "xml (định dạng chuẩn của GeoReport v2) hoặc json"
    for response in operation.get("responses", {}).values():
        content = response.get("content")
        if content and "application/json" in content:
            content["text/xml"] = {"schema": {"type": "string", "description": "Cùng tài liệu, viết bằng XML theo GeoReport v2"}}


def document(app: FastAPI) -> dict:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    # This FastAPI keeps included routers nested: their routes are reached through the route contexts.
    routes = {(c.path_format, m.lower()): c.original_route for c in iter_route_contexts(app.routes)
              if isinstance(c.original_route, APIRoute) for m in c.methods or ()}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            _describe_errors(operation, method, path, routes.get((path, method)))
            _integer_bounds(operation)
            if path.startswith("/open311/"):
                _open311_formats(operation)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Loi"] = {
        "title": "Lỗi",
        "type": "object",
        "required": ["detail"],
        "properties": {
            "detail": {"type": "string", "description": "Thông báo lỗi bằng tiếng Việt"},
            "field": {"type": ["string", "null"], "description": "Trường dữ liệu sai, nếu có"},
            "errors": {"type": "array", "items": {"type": "string"}, "description": "Từng lỗi của dữ liệu (422)"},
            "request_id": {"type": "string", "description": "Mã yêu cầu, để tra nhật ký (500, 503)"},
        },
    }
    schemas["LoiOpen311"] = {
        "title": "Lỗi Open311 (GeoReport v2)",
        "type": "array",
        "items": {"type": "object", "required": ["code", "description"],
                  "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
    }
    components["securitySchemes"] = {
        SESSION_SCHEME: {"type": "apiKey", "in": "cookie", "name": "cchc_session",
                         "description": "Cookie phiên do POST /api/v1/auth/login đặt"},
        CSRF_SCHEME: {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                      "description": "Mã csrf_token mà POST /api/v1/auth/login trả về; bắt buộc với mọi yêu cầu làm thay đổi dữ liệu"},
    }
    _local_datetimes(schema)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi
