"""Odd input stops at the door: a 4xx with a Vietnamese message that names the parameter, never a 500.

One dependency runs before every route (`check_input`, registered on the application before its routers):

- no value may contain a NUL character (U+0000) — not a path or query parameter, not a form field, not a
  string (or a key) anywhere in a JSON body. PostgreSQL refuses NUL in text, so such a value used to reach
  the database and come back as a 500; SQLite would store it silently.
- an integer parameter of the URL (a page, an id, a year) lies between 1 and 2.147.483.647 — the largest
  id a PostgreSQL `integer` column holds — unless the route declares its own bounds (`offset` may be 0).
  A 30-digit page number used to fail inside the database (bigint out of range), -1 became a negative OFFSET.
- an integer in a JSON body fits in 64 bits, and a number is finite (Python's JSON reader accepts NaN and
  Infinity).

What the door cannot know — a number typed in a form field that a page converts with int(), a text longer
than its column — is caught as a last resort by `database_refused`: the database's DataError (PostgreSQL)
and Python's OverflowError (SQLite cannot bind an integer beyond 64 bits, dates overflow) become a 422 with
a Vietnamese message instead of a 500.

Dates typed into a form are read here too, in one place (`typed_date`, `typed_datetime`): people type them as
Việt Nam writes them, dd/mm/yyyy (and hh:mm where a time is asked), in a text field (the `date_field` macro of
partials/forms.html), never through the browser's date picker, whose format follows the browser's language.
"""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import date, datetime

from annotated_types import Ge, Gt, Le, Lt
from fastapi import Depends, Request

from cchc.errors import CchcError, ValidationError
from cchc.vn import fmt_int

log = logging.getLogger("cchc.web")

URL_INT_MAX = 2**31 - 1
JSON_INT_MAX = 2**63 - 1
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Interfaces with an error format of their own check their input themselves: Open311 (GeoReport v2) answers
# 400 with [{"code", "description"}] and refuses every control character (cchc.interop.open311).
OWN_CHECKS = ("/open311/",)


def _shown(value: str) -> str:
    text = value.replace("\x00", "\\x00")
    return text if len(text) <= 40 else text[:40] + "…"


def _no_nul(value: str, what: str) -> None:
    if "\x00" in value:
        raise ValidationError(
            f"{what} chứa ký tự NUL (mã 0), không phải chữ hợp lệ: «{_shown(value)}». Hãy xóa ký tự này và gửi lại.",
            field=None,
        )


def _int_bounds(field) -> tuple[int | None, int | None]:
    """The bounds a route declares for an integer parameter (None where it declares none)."""
    low = high = None
    for m in field.field_info.metadata:
        if isinstance(m, Ge):
            low = m.ge
        elif isinstance(m, Gt):
            low = m.gt + 1
        elif isinstance(m, Le):
            high = m.le
        elif isinstance(m, Lt):
            high = m.lt - 1
    return low, high


def _is_int(annotation) -> bool:
    if annotation is int:
        return True
    args = getattr(annotation, "__args__", ())
    return bool(args) and int in args and all(a in (int, type(None)) for a in args)


def _url_integers(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    fields = [(f, "path") for f in dependant.path_params] + [(f, "query") for f in dependant.query_params]
    for field, where in fields:
        if not _is_int(field.field_info.annotation):
            continue
        raw = request.path_params.get(field.alias) if where == "path" else request.query_params.get(field.alias)
        if raw is None or not _INTEGER.match(str(raw)):
            continue  # absent, or not a number: the route's own validation answers
        value = int(raw)
        low, high = _int_bounds(field)
        if low is not None and high is not None:
            continue  # declared both ways: the route's own validation answers in its words
        low = 1 if low is None else low
        high = URL_INT_MAX if high is None else high
        if not low <= value <= high:
            raise ValidationError(
                f"Tham số «{field.alias}» phải là số nguyên từ {fmt_int(low)} đến {fmt_int(high)} "
                f"(nhận «{_shown(str(raw))}»).",
                field=field.alias,
            )


def _walk_json(value, path: str) -> None:
    where = f"Trường «{path}»" if path else "Dữ liệu JSON"
    if isinstance(value, str):
        _no_nul(value, where)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > JSON_INT_MAX:
            raise ValidationError(f"{where} có số {_shown(str(value))} quá lớn (tối đa 19 chữ số).", field=path or None)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{where} phải là một số hữu hạn (nhận «{value}»).", field=path or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(str(key), f"Tên trường «{_shown(str(key))}»")
            _walk_json(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk_json(item, f"{path}[{i}]" if path else f"[{i}]")


async def check_input(request: Request) -> None:
    """The door: refuse NUL anywhere, integers out of range in the URL and JSON (see the module docstring)."""
    if request.url.path.startswith(OWN_CHECKS):
        return
    for name, value in request.path_params.items():
        _no_nul(str(value), f"Đường dẫn (phần «{name}»)")
    for name, value in request.query_params.multi_items():
        _no_nul(name, f"Tên tham số «{_shown(name)}»")
        _no_nul(value, f"Tham số «{name}»")
    _url_integers(request)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if not body:
            return
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return  # malformed JSON: the route's own parsing answers (422)
        _walk_json(data, "")
    elif content_type in _FORM_TYPES:
        form = await request.form()
        for name, value in form.multi_items():
            if isinstance(value, str):
                _no_nul(name, f"Tên trường «{_shown(name)}»")
                _no_nul(value, f"Trường «{name}»")


_TYPED_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?$")


def _typed(value: str | None, label: str, field: str, with_time: bool, required: bool) -> datetime | None:
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            raise ValidationError(f"Chưa nhập «{label}».", field=field)
        return None
    shape, example = ("dd/mm/yyyy hh:mm", "14/6/2024 16:30") if with_time else ("dd/mm/yyyy", "14/6/2024")
    m = _TYPED_DATE.match(text)
    if m is None or (with_time and m.group(4) is None) or (not with_time and m.group(4) is not None):
        raise ValidationError(f"«{label}» phải nhập theo dạng {shape}, ví dụ {example} (nhận «{_shown(text)}»).", field=field)
    day, month, year = (int(g) for g in m.group(1, 2, 3))
    hour, minute = (int(m.group(4)), int(m.group(5))) if with_time else (0, 0)
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError:
        raise ValidationError(f"«{label}»: «{_shown(text)}» không phải là ngày giờ có thật." if with_time
                              else f"«{label}»: «{_shown(text)}» không phải là ngày có thật.", field=field) from None


def typed_date(value: str | None, label: str, field: str, *, required: bool = False) -> date | None:
    """A date typed as dd/mm/yyyy in the form field `field`, labelled `label` (None when empty and not required)."""
    moment = _typed(value, label, field, False, required)
    return moment.date() if moment else None


def typed_datetime(value: str | None, label: str, field: str, *, required: bool = False) -> datetime | None:
    """A moment typed as dd/mm/yyyy hh:mm in the form field `field` (None when empty and not required)."""
    return _typed(value, label, field, True, required)


# What Starlette and FastAPI say in English when they cannot read a body (cchc.web.errors' handler shows people this).
_FRAMEWORK_MESSAGES = (
    (re.compile(r"(?:Part|Field) exceeded maximum size of (\d+)KB"),
     "Một trường của biểu mẫu gửi lên dài quá {0} KB (tệp đính kèm phải gửi ở ô chọn tệp)."),
    (re.compile(r"Too many files\. Maximum number of files is (\d+)"), "Biểu mẫu gửi lên có quá nhiều tệp (tối đa {0} tệp)."),
    (re.compile(r"Too many fields\. Maximum number of fields is (\d+)"), "Biểu mẫu gửi lên có quá nhiều trường (tối đa {0} trường)."),
    (re.compile(r"Missing boundary in multipart|Invalid multipart data|Content-Disposition header field"),
     "Biểu mẫu gửi lên bị hỏng (dữ liệu multipart không đúng chuẩn); vui lòng gửi lại."),
    (re.compile(r"There was an error parsing the body"), "Không đọc được dữ liệu gửi lên (biểu mẫu hoặc JSON bị hỏng); vui lòng gửi lại."),
)
_VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)


def http_message(status: int, detail) -> str:
    """The message of an HTTPException for a person: the framework's English replaced by Vietnamese."""
    text = str(detail or "")
    for pattern, message in _FRAMEWORK_MESSAGES:
        m = pattern.search(text)
        if m:
            return message.format(*m.groups())
    if text and _VIETNAMESE.search(text):
        return text
    return "Yêu cầu không hợp lệ." if status < 500 else "Hệ thống gặp lỗi khi xử lý yêu cầu; vui lòng thử lại."


def _refusal(exc: Exception) -> str:
    """What the database (or the driver) refused, in Vietnamese."""
    orig = getattr(exc, "orig", exc)
    text = str(orig)
    name = type(orig).__name__
    if isinstance(orig, OverflowError) or name == "NumericValueOutOfRange" or "out of range" in text:
        return "Dữ liệu gửi lên có một số quá lớn (hoặc một ngày quá xa) so với giới hạn hệ thống lưu được; hãy kiểm tra lại các ô số và ngày."
    if "NUL" in text or "0x00" in text:
        return "Dữ liệu gửi lên chứa ký tự NUL (mã 0), không phải chữ hợp lệ. Hãy xóa ký tự này và gửi lại."
    m = re.search(r"character varying\((\d+)\)", text)
    if m or name == "StringDataRightTruncation":
        limit = f" (tối đa {fmt_int(int(m.group(1)))} ký tự)" if m else ""
        return f"Dữ liệu gửi lên có một giá trị dài quá giới hạn của trường{limit}; hãy rút gọn và gửi lại."
    if "OFFSET" in text or "LIMIT" in text:
        return "Số trang hoặc vị trí đọc danh sách không hợp lệ (phải là số nguyên dương)."
    return "Dữ liệu gửi lên có giá trị cơ sở dữ liệu không chấp nhận; hãy kiểm tra lại các ô đã nhập và gửi lại."


async def database_refused(request: Request, exc: Exception):
    """Last resort: the database refused a value the door could not judge — 422, not 500."""
    log.warning("Dữ liệu bị cơ sở dữ liệu từ chối khi xử lý %s %s: %s", request.method, request.url.path, exc)
    handler = request.app.exception_handlers[CchcError]
    return await handler(request, ValidationError(_refusal(exc)))


def install(app) -> None:
    """Register the door on every route (call before the routers are included) and the last resort."""
    from sqlalchemy.exc import DataError

    app.router.dependencies.append(Depends(check_input))
    app.add_exception_handler(DataError, database_refused)
    app.add_exception_handler(OverflowError, database_refused)
