"""Open311 GeoReport v2 over the feedback (phản ánh, kiến nghị — PAKN) data, in XML and JSON.

Endpoints (https://wiki.open311.org/GeoReport_v2/), each as `.xml` (the spec's required format) and `.json`:
  GET  /open311/discovery.{fmt}                  the service discovery document (data/open311_services.yaml)
  GET  /open311/v2/services.{fmt}                one service per PAKN category (data/open311_services.yaml)
  GET  /open311/v2/services/{service_code}.{fmt} the service definition (optional string attributes)
  GET  /open311/v2/requests.{fmt}                PAKN as service requests; filters service_request_id (comma
                                                 list, overrides the others), service_code, start_date, end_date
                                                 (ISO 8601), status (open|closed, comma list)
  GET  /open311/v2/requests/{id}.{fmt}           one PAKN, as a one-element list
  POST /open311/v2/requests.{fmt}                send a PAKN (form-encoded as the spec says, or JSON)
Any other format or address under /open311/ is answered 404. Errors are the spec's list
[{"code": 400, "description": "…"}] (XML: <errors><error>…) with the HTTP status of the code, in Vietnamese.
The XML documents are the JSON ones with the spec's element names: a list is its root element
(<services>, <service_requests>) around one element per item (<service>, <request>), a nested list likewise
(<attributes><attribute>, <formats><format>), true/false in lower case and an absent value as an empty element.

Choices:
- api_key and jurisdiction_id are accepted and ignored: sending a PAKN here is the same act as the portal's
  public form, open to anyone without an account. The session cookie is ignored too — every POST is an
  anonymous portal visitor — so the endpoint carries no ambient authority and needs no CSRF token.
- POST goes through cchc.feedback.views.send → cchc.feedback.service.receive with the portal channel
  (cong_dvc): the service lets only officers receive on any other channel, and Open311 is a public
  portal interface. The sender's name (first_name/last_name) and a contact (email or phone) are required,
  as on the portal form for senders without an account (anonymous PAKN are refused by ND 20/2008).
  address_string and lat/long, when given, are kept at the end of the content (PAKN has no location
  field); address_id, media_url, device_id and account_id are ignored.
- Privacy: a request shows its code, status, category, the handling unit and its dates. The text (title
  and content) and the answer are shown only once the answer is published (checked by a leader at
  publication); before that `description` is null and `status_notes` is the state. The sender's name and
  contact are never shown.
- status closed = answered (waiting for publication or published), refused or forwarded.
- Times are ISO 8601 local wall-clock times with the configured offset (2026-11-22T09:30:00+07:00). A list covers at most 90 days of
  receipt (the last 90 days by default) and returns the newest 1000 (limits in the data file).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, config, vn
from cchc.errors import CchcError, NotFound, ValidationError
from cchc.feedback import views as feedback_views
from cchc.feedback.enums import OPEN_STATES, Category, FeedbackState
from cchc.feedback.models import Feedback
from cchc.units.models import Unit
from cchc.web.deps import DB_SESSION

router = APIRouter(prefix="/open311", tags=["Open311 GeoReport v2"])

DESCRIPTION_MAX = 4000  # request.json: description maxLength
CLOSED_STATES = frozenset(FeedbackState) - OPEN_STATES
ATTRIBUTE_TYPES = ("string", "number", "datetime", "text")
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json"}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


# ---- the service catalogue (data) ---------------------------------------------------------------
@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    datatype: str


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    keywords: str
    group: str


@dataclass(frozen=True)
class Discovery:
    changeset: str  # ISO 8601 with its offset
    contact: str
    key_service: str


@dataclass(frozen=True)
class Catalogue:
    services: dict[str, Service]
    attributes: tuple[Attribute, ...]
    max_days: int
    max_requests: int
    max_ids: int
    discovery: Discovery


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The Open311 services from data/open311_services.yaml."""
    text = resources.files("cchc").joinpath("data", "open311_services.yaml").read_text(encoding="utf-8")
    return parse_catalogue(text)


def parse_catalogue(text: str) -> Catalogue:
    where = "open311_services.yaml"
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("dich_vu", "thuoc_tinh")):
        raise ValidationError(f"Tệp {where} phải có danh sách «dich_vu» và «thuoc_tinh».")
    services: dict[str, Service] = {}
    for i, item in enumerate(data["dich_vu"], 1):
        code = str((item or {}).get("ma") or "")
        if code not in Category._value2member_map_:
            raise ValidationError(f"Tệp {where}, dịch vụ thứ {i}: mã «{code}» không phải phân loại PAKN "
                                  f"({', '.join(c.value for c in Category)}).")
        if code in services:
            raise ValidationError(f"Tệp {where}, dịch vụ thứ {i}: mã «{code}» bị lặp.")
        services[code] = Service(code, Category(code).label, str(item.get("mo_ta") or "").strip(),
                                 str(item.get("tu_khoa") or "").strip(), str(item.get("nhom") or "").strip())
    attributes = []
    for i, item in enumerate(data["thuoc_tinh"], 1):
        code, kind = str((item or {}).get("ma") or ""), str((item or {}).get("kieu") or "")
        if not code or kind not in ATTRIBUTE_TYPES:
            raise ValidationError(f"Tệp {where}, thuộc tính thứ {i}: cần «ma» và «kieu» là một trong {', '.join(ATTRIBUTE_TYPES)}.")
        attributes.append(Attribute(code, str(item.get("mo_ta") or "").strip(), kind))
    limits = data.get("gioi_han") or {}
    numbers = [limits.get(k) for k in ("so_ngay", "so_yeu_cau", "so_ma_moi_lan")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in numbers):
        raise ValidationError(f"Tệp {where}: «gioi_han» phải có so_ngay, so_yeu_cau, so_ma_moi_lan là số nguyên dương.")
    return Catalogue(services, tuple(attributes), *numbers, _discovery(data.get("kham_pha"), where))


def _discovery(data: Any, where: str) -> Discovery:
    texts = [str((data or {}).get(k) or "").strip() if isinstance(data, dict) else "" for k in ("thay_doi", "lien_he", "khoa")]
    if not all(texts):
        raise ValidationError(f"Tệp {where}: «kham_pha» phải có thay_doi (ngày giờ ISO 8601), lien_he và khoa.")
    try:
        changed = datetime.fromisoformat(texts[0])
    except ValueError:
        changed = None
    if changed is None or changed.tzinfo is None:
        raise ValidationError(f"Tệp {where}: «kham_pha.thay_doi» «{texts[0]}» phải là ngày giờ ISO 8601 có múi giờ, "
                              "ví dụ 2026-12-05T08:00:00+07:00.")
    return Discovery(changed.isoformat(), texts[1], texts[2])


# ---- errors -------------------------------------------------------------------------------------
class Open311Error(Exception):
    """Answered as the spec's error list with the HTTP status of its code."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def error_response(status: int, *descriptions: str, fmt: str = "json") -> Response:
    return respond(fmt, [{"code": status, "description": d} for d in descriptions], status=status)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Open311Error(404, f"Định dạng «{fmt}» không được hỗ trợ: dùng .xml hoặc .json. "
                                f"Supported formats: .xml, .json.")


# ---- the two formats ----------------------------------------------------------------------------
# The element of one item of each list, by the list's element (GeoReport v2's XML examples).
ITEM_OF = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
           "errors": "error", "endpoints": "endpoint", "formats": "format"}


def respond(fmt: str, document: Any, *, root: str = "errors", status: int = 200) -> Response:
    """`document` as JSON, or as XML under `root` (a list's items each in ITEM_OF[root])."""
    if fmt != "xml":
        return JSONResponse(document, status_code=status)
    return Response(to_xml(root, document), status_code=status, media_type=FORMATS["xml"])


def to_xml(root: str, document: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, document)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM_OF[element.tag]), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def _service(code: str, status: int) -> Service:
    service = catalogue().services.get(code)
    if service is None:
        raise Open311Error(status, _no_service(code))
    return service


def _no_service(code: str) -> str:
    return f"Không có dịch vụ mã «{code}» (các mã dịch vụ: {', '.join(catalogue().services)})."


# ---- mapping ------------------------------------------------------------------------------------
def iso(moment: datetime | None) -> str | None:
    """A naive local time as ISO 8601 with the configured offset (2026-11-22T09:30:00+07:00)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=ZoneInfo(config.settings.timezone), microsecond=0).isoformat()


def status_of(state: str) -> str:
    return "open" if state in OPEN_STATES else "closed"


def _last_step(f: Feedback) -> datetime:
    steps = (f.received_at, f.supplement_requested_at, f.supplemented_at, f.refused_at, f.forwarded_at,
             f.answered_at, f.published_at)
    return max(t for t in steps if t is not None)


def _clip(text: str) -> str:
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"


def request_of(f: Feedback, unit_name: str) -> dict[str, Any]:
    """One service request; the text only when the answer is published, never the sender."""
    state = FeedbackState(f.state)
    published = state is FeedbackState.PUBLISHED
    if published:
        notes = f"{state.label}. Trả lời: {f.answer}"
    elif state is FeedbackState.FORWARDED:
        notes = f"{state.label}: {f.forwarded_to}"
    else:
        notes = state.label
    text = f"{f.title}: {f.content}" if f.title else f.content
    return {
        "service_request_id": f.code,
        "status": status_of(f.state),
        "status_notes": notes,
        "service_name": Category(f.category).label,
        "service_code": f.category,
        "description": _clip(text) if published else None,
        "agency_responsible": unit_name,
        "service_notice": None,
        "requested_datetime": iso(f.received_at),
        "updated_datetime": iso(_last_step(f)),
        "expected_datetime": iso(f.resolve_due_at) if state in OPEN_STATES else None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


# ---- reads --------------------------------------------------------------------------------------
def _clean(params: dict[str, str]) -> dict[str, str]:
    """Query parameters without control characters (PostgreSQL refuses NUL in a text)."""
    for key, value in params.items():
        if _has_control(value):
            raise Open311Error(400, f"Tham số «{key}» chứa ký tự điều khiển không hợp lệ.")
    return params


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 and ch not in "\t\n\r" or ch == "\x7f" for ch in text)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _when(value: str, what: str) -> datetime:
    try:
        return vn.parse_datetime(value, what=what)
    except ValidationError as exc:
        raise Open311Error(400, exc.message + " Dùng ISO 8601, ví dụ 2026-11-22T08:00:00+07:00.") from None


def find_requests(session: Session, params: dict[str, str]) -> list[dict[str, Any]]:
    """The service requests matching the GeoReport v2 filters, newest first (SQL filters, one query)."""
    cat = catalogue()
    params = _clean(params)
    query = select(Feedback, Unit.name).join(Unit, Unit.id == Feedback.unit_id)
    ids = _split(params.get("service_request_id"))
    if ids:
        if len(ids) > cat.max_ids:
            raise Open311Error(400, f"Chỉ được hỏi tối đa {cat.max_ids} mã yêu cầu một lần (đã gửi {len(ids)}).")
        query = query.where(Feedback.code.in_(ids))
    else:
        codes = _split(params.get("service_code"))
        for code in codes:
            _service(code, 400)
        if codes:
            query = query.where(Feedback.category.in_(codes))
        statuses = _split(params.get("status"))
        wrong = [s for s in statuses if s not in ("open", "closed")]
        if wrong:
            raise Open311Error(400, f"Trạng thái «{wrong[0]}» không hợp lệ (dùng open hoặc closed).")
        if set(statuses) == {"open"}:
            query = query.where(Feedback.state.in_([s.value for s in OPEN_STATES]))
        elif set(statuses) == {"closed"}:
            query = query.where(Feedback.state.in_([s.value for s in CLOSED_STATES]))
        span = timedelta(days=cat.max_days)
        start = _when(params["start_date"], "ngày bắt đầu (start_date)") if params.get("start_date") else None
        end = _when(params["end_date"], "ngày kết thúc (end_date)") if params.get("end_date") else None
        if start is not None and end is not None:
            if end < start:
                raise Open311Error(400, "Ngày kết thúc (end_date) trước ngày bắt đầu (start_date).")
            if end - start > span:
                raise Open311Error(400, f"Khoảng thời gian từ start_date đến end_date không được quá {cat.max_days} ngày.")
        elif start is not None:
            end = start + span
        else:
            end = end or clock.now()
            start = end - span
        query = query.where(Feedback.received_at >= start, Feedback.received_at <= end)
    query = query.order_by(Feedback.received_at.desc(), Feedback.id.desc()).limit(cat.max_requests)
    return [request_of(f, unit_name) for f, unit_name in session.execute(query)]


# ---- sending ------------------------------------------------------------------------------------
SEND_FIELDS = {  # cchc.feedback.views.send field → the Open311 parameter
    "content": "description",
    "sender_name": "first_name/last_name",
    "sender_contact": "email/phone",
    "category": "service_code",
}


async def _body(request: Request) -> dict[str, Any]:
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            data = json.loads(await request.body() or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Open311Error(400, "Dữ liệu JSON gửi lên không hợp lệ.") from None
        if not isinstance(data, dict):
            raise Open311Error(400, "Dữ liệu JSON gửi lên phải là một đối tượng (các cặp tên: giá trị).")
        return data
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        return {key: form.get(key) for key in form.keys()}
    return dict(request.query_params)


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError("phải là một giá trị, không phải danh sách hay đối tượng")
    text = str(value).strip()
    if _has_control(text):
        raise ValueError("chứa ký tự điều khiển không hợp lệ")
    return text


def _number(raw: Any, name: str, bound: float, problems: list[str]) -> float | None:
    try:
        text = _str(raw)
        value = float(text) if text else None
    except ValueError:
        value = math.nan
    if value is not None and not (math.isfinite(value) and -bound <= value <= bound):
        problems.append(f"{name} phải là số từ {-bound:g} đến {bound:g} (WGS84).")
        return None
    return value


def to_send_form(data: dict[str, Any]) -> dict[str, str]:
    """The Open311 POST parameters as the portal form of cchc.feedback.views.send; every problem at once."""
    cat = catalogue()
    problems: list[str] = []
    fields: dict[str, str] = {}
    for key, value in data.items():
        if key.startswith("attribute"):
            continue
        try:
            fields[key] = _str(value)
        except ValueError as exc:
            problems.append(f"Tham số «{key}» {exc}.")
    attributes: dict[str, Any] = {}
    nested = data.get("attribute")
    if isinstance(nested, dict):
        attributes.update(nested)
    elif nested not in (None, ""):
        problems.append("Tham số «attribute» phải là đối tượng {mã: giá trị} hoặc các trường attribute[mã].")
    attributes.update({k[len("attribute["):-1]: v for k, v in data.items() if k.startswith("attribute[") and k.endswith("]")})
    known = {a.code for a in cat.attributes}
    attrs: dict[str, str] = {}
    for code, value in attributes.items():
        if code not in known:
            problems.append(f"Thuộc tính attribute[{code}] không có trong định nghĩa dịch vụ (dùng: {', '.join(sorted(known))}).")
            continue
        try:
            attrs[code] = _str(value)
        except ValueError as exc:
            problems.append(f"Thuộc tính attribute[{code}] {exc}.")

    service_code = fields.get("service_code", "")
    if not service_code:
        problems.append("Thiếu mã dịch vụ (service_code).")
    elif service_code not in cat.services:
        problems.append(_no_service(service_code))
    description = fields.get("description", "")
    if not description:
        problems.append("Thiếu nội dung phản ánh, kiến nghị (description).")
    elif len(description) > DESCRIPTION_MAX:
        problems.append(f"Nội dung (description) dài {vn.fmt_int(len(description))} ký tự, quá {vn.fmt_int(DESCRIPTION_MAX)} ký tự.")
    name = " ".join(p for p in (fields.get("last_name", ""), fields.get("first_name", "")) if p)
    if not name:
        problems.append("Thiếu họ tên người phản ánh (last_name, first_name).")
    email, phone = fields.get("email", ""), fields.get("phone", "")
    if not email and not phone:
        problems.append("Thiếu thư điện tử (email) hoặc số điện thoại (phone) để nhận trả lời.")
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        problems.append(f"Thư điện tử (email) «{email}» không hợp lệ.")
    digits = "".join(ch for ch in phone if ch not in " .-()+")
    if phone and not (digits.isdigit() and 8 <= len(digits) <= 15):
        problems.append(f"Số điện thoại (phone) «{phone}» không hợp lệ (8 đến 15 chữ số).")
    lat = _number(data.get("lat"), "Vĩ độ (lat)", 90, problems)
    lon = _number(data.get("long"), "Kinh độ (long)", 180, problems)
    if (lat is None) != (lon is None) and not any(p.startswith(("Vĩ độ", "Kinh độ")) for p in problems):
        problems.append("Cần cả vĩ độ (lat) và kinh độ (long), hoặc không ghi cả hai.")
    if problems:
        raise Open311Error(400, *problems)

    content = description
    if fields.get("address_string"):
        content += f"\n\nĐịa điểm: {fields['address_string']}"
    if lat is not None and lon is not None:
        content += f"\nTọa độ (WGS84): {lat:g}, {lon:g}"
    return {
        "category": service_code,
        "content": content,
        "title": attrs.get("title", ""),
        "sender_name": name,
        "sender_contact": ", ".join(x for x in (phone, email) if x),
        "unit_code": attrs.get("unit_code", ""),
        "dossier_code": attrs.get("dossier_code", ""),
        "procedure_code": attrs.get("procedure_code", ""),
    }


def send(session: Session, data: dict[str, Any]) -> Feedback:
    """Receive a PAKN from Open311 parameters, through the portal's send (cchc.feedback.service.receive)."""
    form = to_send_form(data)
    try:
        return feedback_views.send(session, None, form)
    except CchcError as exc:
        where = SEND_FIELDS.get(exc.field or "", f"attribute[{exc.field}]" if exc.field else "")
        raise Open311Error(400, exc.message + (f" (tham số {where})" if where else "")) from None


def notice_of(session: Session, f: Feedback, fmt: str = "json") -> str:
    unit = session.get(Unit, f.unit_id)
    due = f" Hạn trả lời: {vn.fmt_date(f.resolve_due_at)}." if f.resolve_due_at else ""
    return (f"{unit.name if unit else 'Cơ quan'} đã tiếp nhận phản ánh, kiến nghị mã {f.code}.{due} "
            f"Kết quả trả lời được công khai trên Cổng dịch vụ công; tra cứu tình trạng tại "
            f"/open311/v2/requests/{f.code}.{fmt}.")


# ---- routes -------------------------------------------------------------------------------------
def _answer(session: Session, fmt: str, work) -> Response:
    """work() → (root element, document, status) answered in `fmt`; a refusal as the spec's error list."""
    answer_fmt = fmt if fmt in FORMATS else "json"
    try:
        _check_format(fmt)
        root, document, status = work()
        return respond(fmt, document, root=root, status=status)
    except Open311Error as exc:
        session.rollback()
        return error_response(exc.status, *exc.descriptions, fmt=answer_fmt)
    except CchcError as exc:
        session.rollback()
        return error_response(404 if isinstance(exc, NotFound) else 400, exc.message, fmt=answer_fmt)


@router.get("/discovery.{fmt}", summary="Tài liệu khám phá dịch vụ (Service Discovery)")
def discovery(fmt: str, request: Request, db: Session = DB_SESSION) -> Response:
    def work():
        about = catalogue().discovery
        return "discovery", {
            "changeset": about.changeset,
            "contact": about.contact,
            "key_service": about.key_service,
            "endpoints": [{
                "specification": SPECIFICATION,
                "url": str(request.url_for("open311_services", fmt="json")).removesuffix("/services.json"),
                "changeset": about.changeset,
                "type": "production",
                "formats": [FORMATS["xml"].split(";")[0], FORMATS["json"]],
            }],
        }, 200

    return _answer(db, fmt, work)


@router.get("/v2/services.{fmt}", summary="Các dịch vụ (phân loại PAKN)", name="open311_services")
def services(fmt: str, db: Session = DB_SESSION) -> Response:
    def work():
        return "services", [
            {"service_code": s.code, "service_name": s.name, "description": s.description or None, "metadata": bool(catalogue().attributes),
             "type": "realtime", "keywords": s.keywords or None, "group": s.group or None}
            for s in catalogue().services.values()
        ], 200

    return _answer(db, fmt, work)


@router.get("/v2/services/{service_code}.{fmt}", summary="Định nghĩa một dịch vụ (các thuộc tính bổ sung)")
def service_definition(service_code: str, fmt: str, db: Session = DB_SESSION) -> Response:
    def work():
        service = _service(service_code, 404)
        return "service_definition", {"service_code": service.code, "attributes": [
            {"variable": True, "code": a.code, "datatype": a.datatype, "required": False, "datatype_description": None,
             "order": i, "description": a.description}
            for i, a in enumerate(catalogue().attributes, 1)
        ]}, 200

    return _answer(db, fmt, work)


@router.get("/v2/requests.{fmt}", summary="Các PAKN (yêu cầu dịch vụ) theo bộ lọc")
def requests(fmt: str, request: Request, db: Session = DB_SESSION) -> Response:
    def work():
        # A parameter declared several times counts as its comma list (status=open&status=closed).
        params = {key: ",".join(request.query_params.getlist(key)) for key in request.query_params.keys()}
        return "service_requests", find_requests(db, params), 200

    return _answer(db, fmt, work)


@router.get("/v2/requests/{service_request_id}.{fmt}", summary="Một PAKN (danh sách một phần tử)")
def one_request(service_request_id: str, fmt: str, db: Session = DB_SESSION) -> Response:
    def work():
        _clean({"service_request_id": service_request_id})
        row = db.execute(select(Feedback, Unit.name).join(Unit, Unit.id == Feedback.unit_id)
                         .where(Feedback.code == service_request_id)).first()
        if row is None:
            raise Open311Error(404, f"Không tìm thấy yêu cầu (PAKN) mã «{service_request_id}».")
        return "service_requests", [request_of(*row)], 200

    return _answer(db, fmt, work)


@router.post("/v2/requests.{fmt}", status_code=201, summary="Gửi phản ánh, kiến nghị")
async def create_request(fmt: str, request: Request, db: Session = DB_SESSION) -> Response:
    try:
        _check_format(fmt)
        data = await _body(request)
    except Open311Error as exc:
        return error_response(exc.status, *exc.descriptions, fmt=fmt if fmt in FORMATS else "json")

    def work():
        feedback = send(db, data)
        return "service_requests", [{"service_request_id": feedback.code, "service_notice": notice_of(db, feedback, fmt),
                                     "account_id": None}], 201

    return await run_in_threadpool(_answer, db, fmt, work)  # the session is used from the worker threads only


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def not_found(rest: str) -> Response:
    return error_response(404, f"Không có địa chỉ «/open311/{rest}» hoặc phương thức này trong API Open311 GeoReport v2 "
                               "(discovery, services, services/{mã}, requests, requests/{mã}; mỗi địa chỉ .xml hoặc .json).",
                          fmt="xml" if rest.endswith(".xml") else "json")
