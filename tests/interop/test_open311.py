"""Open311 GeoReport v2 over PAKN: every response validates against the Open311 project's JSON Schemas
(/work/shared/open311/georeport-v2, read in place); filters; POST through the feedback service; spec errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import func, select

from cchc import clock
from cchc.db import session_factory
from cchc.feedback import service
from cchc.feedback.models import Feedback, FeedbackEvent
from cchc.errors import ValidationError
from cchc.interop.open311 import parse_catalogue
from tests.dossiers.factories import make_world

BASE = "/open311/v2"
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339: a full date, a time and an offset (the jsonschema package checks it only with an extra)."""
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@pytest.fixture
def schemas(shared_dir):
    """{name: validator} for the GeoReport v2 schema files, read in place, $ref resolved inside their folder."""
    folder = shared_dir / "open311" / "georeport-v2"
    base = folder.resolve().as_uri() + "/"
    contents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}
    registry = Registry().with_resources(
        (base + name, Resource.from_contents(doc, default_specification=DRAFT4)) for name, doc in contents.items()
    )
    validators = {
        name: Draft4Validator({"$ref": base + name}, registry=registry, format_checker=FORMATS)
        for name in ("services.json", "service.json", "service-definition.json", "requests.json", "request.json")
    }
    # The POST answer has no schema file: it is the Swagger definition RequestResponse, each property made
    # nullable the way the schema files make the Swagger properties nullable (anyOf [type, null]).
    response = contents["swagger.json"]["definitions"]["RequestResponse"]
    item = {"required": ["service_request_id"], "properties": {
        key: {"anyOf": [{k: v for k, v in prop.items() if k != "format"}, {"type": "null"}]} for key, prop in response["properties"].items()
    }}
    validators["post"] = Draft4Validator({"type": "array", "minItems": 1, "items": item}, format_checker=FORMATS)
    return validators


def valid(schemas, name: str, document) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in schemas[name].iter_errors(document)]
    assert not errors, errors


def assert_errors(response, status: int, *fragments: str) -> list[str]:
    """The spec's error list: [{"code": status, "description": Vietnamese text}, …] with the same HTTP status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} and e["code"] == status for e in body), body
    texts = [e["description"] for e in body]
    for fragment in fragments:
        assert any(fragment in t for t in texts), (fragment, texts)
    return texts


@pytest.fixture
def world(committed):
    with session_factory()() as s:
        w = make_world(s)
        s.commit()
        return w


def receive(w, days_ago: float, category: str = "quy_dinh_tthc", content: str = "Thời hạn khai sinh quá dài", **kw) -> str:
    with session_factory()() as s:
        f = service.receive(s, s.merge(w.citizen), unit_id=w.commune.id, content=content, category=category, channel="cong_dvc",
                            sender_name="Nguyễn Văn Bí Mật", sender_contact="0987654321 bimat@example.vn",
                            received_at=clock.now() - timedelta(days=days_ago), **kw)
        s.commit()
        return f.code


def act(w, code: str, action: str, user, *args) -> None:
    with session_factory()() as s:
        f = s.scalar(select(Feedback).where(Feedback.code == code))
        getattr(service, action)(s, s.merge(user), f, *args)
        s.commit()


def count(model) -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(model))


# ---- services -----------------------------------------------------------------------------------
def test_services_and_definitions_validate(client, schemas):
    r = client.get(f"{BASE}/services.json")
    assert r.status_code == 200
    services = r.json()
    valid(schemas, "services.json", services)
    assert [s["service_code"] for s in services] == ["quy_dinh_tthc", "hanh_vi_can_bo", "khac"]
    assert services[1]["service_name"] == "Về hành vi, thái độ của cán bộ, công chức"
    assert all(s["type"] == "realtime" and s["metadata"] is True and s["group"] == "Phản ánh, kiến nghị" for s in services)
    for s in services:
        d = client.get(f"{BASE}/services/{s['service_code']}.json")
        assert d.status_code == 200
        valid(schemas, "service-definition.json", d.json())
        assert d.json()["service_code"] == s["service_code"]
        assert [a["code"] for a in d.json()["attributes"]] == ["unit_code", "dossier_code", "procedure_code", "title"]
        assert [a["order"] for a in d.json()["attributes"]] == [1, 2, 3, 4]

    assert_errors(client.get(f"{BASE}/services/ho_chieu.json"), 404, "Không có dịch vụ mã «ho_chieu»")
    assert_errors(client.get(f"{BASE}/services.csv"), 404, "Định dạng «csv» không được hỗ trợ", "Supported formats: .xml, .json")
    assert_errors(client.get(f"{BASE}/services/khac.yaml"), 404, "dùng .xml hoặc .json")
    assert_errors(client.get(f"{BASE}/khong-co.json"), 404, "/open311/v2/khong-co.json")
    assert_errors(client.delete(f"{BASE}/services.json"), 404, "phương thức")


def test_catalogue_file_errors_are_vietnamese():
    good = ("dich_vu:\n  - {ma: khac}\nthuoc_tinh: []\ngioi_han: {so_ngay: 90, so_yeu_cau: 1000, so_ma_moi_lan: 100}\n"
            "kham_pha: {thay_doi: '2026-12-05T08:00:00+07:00', lien_he: Sở Nội vụ, khoa: không cần}\n")
    assert list(parse_catalogue(good).services) == ["khac"]
    with pytest.raises(ValidationError, match="không phải phân loại PAKN"):
        parse_catalogue(good.replace("ma: khac", "ma: ho_chieu"))
    with pytest.raises(ValidationError, match="bị lặp"):
        parse_catalogue(good.replace("  - {ma: khac}\n", "  - {ma: khac}\n  - {ma: khac}\n"))
    with pytest.raises(ValidationError, match="«kieu»"):
        parse_catalogue(good.replace("thuoc_tinh: []", "thuoc_tinh: [{ma: x, kieu: anh}]"))
    with pytest.raises(ValidationError, match="gioi_han"):
        parse_catalogue(good.replace("so_ngay: 90", "so_ngay: 0"))
    with pytest.raises(ValidationError, match="«kham_pha» phải có"):
        parse_catalogue(good.replace("lien_he: Sở Nội vụ, ", ""))
    with pytest.raises(ValidationError, match="có múi giờ"):
        parse_catalogue(good.replace("+07:00", ""))


# ---- requests -----------------------------------------------------------------------------------
@pytest.fixture
def feedbacks(world):
    """published (10 days ago), open (3 days ago, officer conduct), refused (5 days ago), old (200 days ago)."""
    w = world
    published = receive(w, 10, title="Niêm yết", content="Bảng niêm yết thiếu lệ phí")
    act(w, published, "accept", w.receiver)
    act(w, published, "answer", w.specialist, "Đã bổ sung lệ phí vào bảng niêm yết.")
    act(w, published, "publish", w.leader)
    opened = receive(w, 3, category="hanh_vi_can_bo", content="Cán bộ hẹn lại nhiều lần")
    refused = receive(w, 5, category="khac", content="Nội dung không rõ")
    act(w, refused, "refuse", w.receiver, "Không đủ thông tin người gửi")
    old = receive(w, 200, content="Phản ánh cũ")
    return w, {"published": published, "open": opened, "refused": refused, "old": old}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


def test_requests_validate_map_and_keep_senders_private(client, schemas, feedbacks):
    w, f = feedbacks
    r = client.get(f"{BASE}/requests.json")
    assert r.status_code == 200
    valid(schemas, "requests.json", r.json())
    for item in r.json():
        valid(schemas, "request.json", item)
    assert codes(r) == [f["open"], f["refused"], f["published"]]  # newest first, the last 90 days
    by = {i["service_request_id"]: i for i in r.json()}
    pub, opened, refused = by[f["published"]], by[f["open"]], by[f["refused"]]
    assert pub["status"] == "closed" and refused["status"] == "closed" and opened["status"] == "open"
    assert pub["description"] == "Niêm yết: Bảng niêm yết thiếu lệ phí"
    assert pub["status_notes"] == "Đã công khai. Trả lời: Đã bổ sung lệ phí vào bảng niêm yết."
    assert opened["description"] is None and opened["status_notes"] == "Mới tiếp nhận"
    assert refused["description"] is None and refused["status_notes"] == "Từ chối tiếp nhận"  # the reason stays inside
    assert opened["service_code"] == "hanh_vi_can_bo" and opened["service_name"] == "Về hành vi, thái độ của cán bộ, công chức"
    assert {i["agency_responsible"] for i in r.json()} == {w.commune.name}
    assert all(i["requested_datetime"].endswith("+07:00") and i["updated_datetime"].endswith("+07:00") for i in r.json())
    with session_factory()() as s:
        p = s.scalar(select(Feedback).where(Feedback.code == f["published"]))
        o = s.scalar(select(Feedback).where(Feedback.code == f["open"]))
        assert pub["requested_datetime"] == p.received_at.isoformat() + "+07:00"
        assert pub["updated_datetime"] == p.published_at.isoformat() + "+07:00"
        assert opened["expected_datetime"] == o.resolve_due_at.isoformat() + "+07:00" and pub["expected_datetime"] is None
    for secret in ("Bí Mật", "0987654321", "bimat@", "Cán bộ hẹn lại", "Không đủ thông tin"):
        assert secret not in r.text

    one = client.get(f"{BASE}/requests/{f['published']}.json")
    assert one.status_code == 200 and one.json() == [pub]
    valid(schemas, "requests.json", one.json())
    assert_errors(client.get(f"{BASE}/requests/PAKN-KHONG-CO.json"), 404, "Không tìm thấy yêu cầu (PAKN) mã «PAKN-KHONG-CO»")
    assert_errors(client.get(f"{BASE}/requests/{f['published']}.html"), 404, "«html»")
    assert_errors(client.get(f"{BASE}/requests.txt"), 404, "«txt»")


def test_request_filters(client, schemas, feedbacks):
    w, f = feedbacks
    get = lambda **params: client.get(f"{BASE}/requests.json", params=params)  # noqa: E731
    assert codes(get(status="open")) == [f["open"]]
    assert codes(get(status="closed")) == [f["refused"], f["published"]]
    assert codes(get(status="open,closed")) == [f["open"], f["refused"], f["published"]]
    assert codes(client.get(f"{BASE}/requests.json?status=closed&status=open")) == [f["open"], f["refused"], f["published"]]
    assert codes(client.get(f"{BASE}/requests.json?service_code=khac&service_code=quy_dinh_tthc")) == [f["refused"], f["published"]]
    assert codes(get(service_code="quy_dinh_tthc")) == [f["published"]]
    assert codes(get(service_code="khac,hanh_vi_can_bo")) == [f["open"], f["refused"]]
    assert codes(get(service_code="quy_dinh_tthc", status="open")) == []
    now = clock.now()
    local = lambda d: (now - timedelta(days=d)).isoformat() + "+07:00"  # noqa: E731
    utc = lambda d: (now - timedelta(days=d, hours=7)).isoformat() + "Z"  # noqa: E731
    assert codes(get(start_date=local(6), end_date=local(1))) == [f["open"], f["refused"]]
    assert codes(get(start_date=utc(6), end_date=utc(4))) == [f["refused"]]  # the same instants written in UTC
    assert codes(get(start_date=local(250))) == [f["old"]]  # start only: 90 days from it
    assert codes(get(end_date=local(4))) == [f["refused"], f["published"]]  # end only: the 90 days before it
    ids = ",".join([f["old"], f["published"], "PAKN-KHONG-CO"])
    r = get(service_request_id=ids, status="open", service_code="khac")  # the ids override the other filters
    assert codes(r) == [f["published"], f["old"]]
    valid(schemas, "requests.json", r.json())

    assert_errors(get(status="dang_mo"), 400, "Trạng thái «dang_mo» không hợp lệ (dùng open hoặc closed)")
    assert_errors(get(service_code="ho_chieu"), 400, "Không có dịch vụ mã «ho_chieu»")
    assert_errors(get(start_date="hôm qua"), 400, "Ngày bắt đầu (start_date) không hợp lệ", "ISO 8601")
    assert_errors(get(start_date=local(100), end_date=local(1)), 400, "không được quá 90 ngày")
    assert_errors(get(start_date=local(1), end_date=local(3)), 400, "trước ngày bắt đầu")
    assert_errors(get(service_request_id=",".join(f"M{i}" for i in range(101))), 400, "tối đa 100 mã")


# ---- sending ------------------------------------------------------------------------------------
FORM = {"service_code": "quy_dinh_tthc", "description": "Trang web không cho tải tờ khai", "first_name": "Văn An",
        "last_name": "Nguyễn", "email": "an@example.vn", "phone": "0912 345 678", "api_key": "bat-ky", "jurisdiction_id": "dongthap"}


def test_post_form_creates_feedback_through_the_service(client, schemas, world):
    w = world
    events = count(FeedbackEvent)
    r = client.post(f"{BASE}/requests.json", data=FORM | {"attribute[unit_code]": w.commune.code, "attribute[procedure_code]": w.procedure.code,
                                                          "attribute[title]": "Tải tờ khai", "address_string": "Ấp 1, xã Mỹ An Hưng",
                                                          "lat": "10.45", "long": "105.63"})
    assert r.status_code == 201, r.text
    valid(schemas, "post", r.json())
    answer = r.json()[0]
    assert answer["account_id"] is None and len(r.json()) == 1
    code = answer["service_request_id"]
    assert code.startswith(f"PAKN-{w.commune.code}-") and f"mã {code}" in answer["service_notice"]
    assert answer["service_notice"].endswith(f"/open311/v2/requests/{code}.json.")
    assert "Hạn trả lời:" in answer["service_notice"] and answer["service_notice"].startswith(w.commune.name)
    with session_factory()() as s:
        f = s.scalar(select(Feedback).where(Feedback.code == code))
        assert (f.state, f.channel, f.category, f.unit_id, f.procedure_id) == ("moi", "cong_dvc", "quy_dinh_tthc", w.commune.id, w.procedure.id)
        assert (f.sender_name, f.sender_contact, f.sender_user_id, f.title) == ("Nguyễn Văn An", "0912 345 678, an@example.vn", None, "Tải tờ khai")
        assert f.content == "Trang web không cho tải tờ khai\n\nĐịa điểm: Ấp 1, xã Mỹ An Hưng\nTọa độ (WGS84): 10.45, 105.63"
        assert f.resolve_due_at is not None
        event = s.scalar(select(FeedbackEvent).where(FeedbackEvent.feedback_id == f.id))
        assert (event.action, event.from_state, event.to_state) == ("tiep_nhan", None, "moi")
    assert count(FeedbackEvent) == events + 1

    shown = client.get(f"{BASE}/requests/{code}.json")
    valid(schemas, "requests.json", shown.json())
    assert shown.json()[0]["status"] == "open" and shown.json()[0]["description"] is None
    assert code in codes(client.get(f"{BASE}/requests.json", params={"status": "open"}))
    assert "Nguyễn Văn An" not in shown.text and "0912" not in shown.text


def test_post_json_with_attribute_object(client, schemas, world):
    w = world
    body = {k: v for k, v in FORM.items() if k not in ("email",)} | {"service_code": "hanh_vi_can_bo",
                                                                   "attribute": {"unit_code": w.other_commune.code}, "lat": 10.5, "long": 105.7}
    r = client.post(f"{BASE}/requests.json", json=body)
    assert r.status_code == 201, r.text
    valid(schemas, "post", r.json())
    with session_factory()() as s:
        f = s.scalar(select(Feedback).where(Feedback.code == r.json()[0]["service_request_id"]))
        assert (f.unit_id, f.category, f.sender_contact) == (w.other_commune.id, "hanh_vi_can_bo", "0912 345 678")


def test_post_errors_change_nothing(client, world):
    w = world
    unit = {"attribute[unit_code]": w.commune.code}
    post = lambda data: client.post(f"{BASE}/requests.json", data=data)  # noqa: E731
    texts = assert_errors(post({}), 400, "Thiếu mã dịch vụ (service_code)", "Thiếu nội dung phản ánh, kiến nghị (description)",
                          "Thiếu họ tên người phản ánh", "Thiếu thư điện tử (email) hoặc số điện thoại (phone)")
    assert len(texts) == 4
    assert_errors(post(FORM | unit | {"service_code": "ho_chieu"}), 400, "Không có dịch vụ mã «ho_chieu»")
    assert_errors(post(FORM | {"attribute[unit_code]": "X.99"}), 400, "Không tìm thấy đơn vị mã «X.99»", "attribute[unit_code]")
    assert_errors(post(FORM | {"attribute[procedure_code]": w.procedure.code}), 400, "Chọn cơ quan nhận phản ánh")
    assert_errors(post(FORM | {"attribute[dossier_code]": "HS-KHONG-CO"}), 400, "Không tìm thấy hồ sơ mã «HS-KHONG-CO»")
    assert_errors(post(FORM | unit | {"attribute[mau_sac]": "do"}), 400, "attribute[mau_sac] không có trong định nghĩa dịch vụ")
    assert_errors(post(FORM | unit | {"email": "an.example.vn", "phone": "12ab"}), 400, "«an.example.vn» không hợp lệ", "«12ab» không hợp lệ")
    assert_errors(post(FORM | unit | {"lat": "91", "long": "105"}), 400, "Vĩ độ (lat) phải là số từ -90 đến 90")
    assert_errors(post(FORM | unit | {"lat": "10.4"}), 400, "Cần cả vĩ độ (lat) và kinh độ (long)")
    assert_errors(post(FORM | unit | {"description": "x" * 4001}), 400, "dài 4.001 ký tự, quá 4.000 ký tự")
    bad_json = client.post(f"{BASE}/requests.json", content=b"{khong-phai-json", headers={"content-type": "application/json"})
    assert_errors(bad_json, 400, "Dữ liệu JSON gửi lên không hợp lệ")
    assert_errors(client.post(f"{BASE}/requests.json", json=["a"]), 400, "phải là một đối tượng")
    assert_errors(client.post(f"{BASE}/requests.json", json=FORM | {"description": ["a"], "attribute": "x"}), 400,
                  "«description» phải là một giá trị", "«attribute» phải là đối tượng")
    assert_errors(client.post(f"{BASE}/requests.html", data=FORM | unit), 404, "«html»")
    assert count(Feedback) == 0 and count(FeedbackEvent) == 0


KEYS = ["service_code", "description", "first_name", "last_name", "email", "phone", "lat", "long", "address_string",
        "attribute[unit_code]", "attribute[dossier_code]", "attribute[title]", "attribute[x]", "service_request_id"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(KEYS), st.text(max_size=40), max_size=4))
def test_any_post_or_query_is_answered_201_200_or_a_spec_error(client, world, changes):
    """A valid form with any parameters replaced by any text (control characters included): never a 500."""
    r = client.post(f"{BASE}/requests.json", data=FORM | {"attribute[unit_code]": world.commune.code} | changes)
    if r.status_code == 201:
        assert r.json()[0]["service_request_id"].startswith("PAKN-")
    else:
        assert_errors(r, 400)
    q = client.get(f"{BASE}/requests.json", params={k: v for k, v in changes.items() if k in ("service_code", "service_request_id")})
    assert q.status_code == 200 or assert_errors(q, 400)


def test_control_characters_are_refused_not_stored(client, world):
    unit = {"attribute[unit_code]": world.commune.code}
    assert_errors(client.post(f"{BASE}/requests.json", data=FORM | unit | {"description": "a\x00b"}), 400,
                  "«description» chứa ký tự điều khiển không hợp lệ")
    assert_errors(client.post(f"{BASE}/requests.json", data=FORM | {"attribute[unit_code]": "H15\x00"}), 400,
                  "attribute[unit_code] chứa ký tự điều khiển")
    assert_errors(client.get(f"{BASE}/requests.json", params={"service_request_id": "PAKN\x00"}), 400, "«service_request_id» chứa ký tự điều khiển")
    assert_errors(client.get(f"{BASE}/requests/PAKN%00.json"), 400, "ký tự điều khiển")
    assert client.post(f"{BASE}/requests.json", data=FORM | unit | {"description": "Dòng 1\r\nDòng 2\tcột"}).status_code == 201
    assert count(Feedback) == 1
