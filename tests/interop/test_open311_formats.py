"""Open311 GeoReport v2 as the standard says: every resource in XML (required) and JSON (optional), the service
discovery document, ISO 8601 times with their offset — read by a third-party client (`georeport`, PyPI) over
real HTTP in both formats, and each XML document checked against its JSON twin element by element."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import requests as http
from georeport import GeoReport

from cchc.app.main import create_app
from tests.interop.test_open311 import BASE, assert_errors, feedbacks, receive, schemas, valid, world  # noqa: F401
from tests.liveserver import serving

# The spec's XML: a list is an element holding one element per item.
LIST_ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
              "errors": "error", "endpoints": "endpoint", "formats": "format"}


def from_xml(element: ET.Element):
    """A GeoReport v2 XML element as the JSON value it stands for (lists by the spec's element names)."""
    if element.tag in LIST_ITEMS:
        assert all(child.tag == LIST_ITEMS[element.tag] for child in element), element.tag
        return [from_xml(child) for child in element]
    if len(element):
        return {child.tag: from_xml(child) for child in element}
    return element.text


def as_xml_text(value):
    """What the XML carries for a JSON value: text, true/false, an empty element for null."""
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def xml_of(response, root: str) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers["content-type"]
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    element = ET.fromstring(response.content)
    assert element.tag == root
    return element


def test_every_resource_in_xml_is_its_json_document(client, feedbacks):  # noqa: F811
    w, f = feedbacks
    resources = {
        "/open311/discovery": "discovery",
        f"{BASE}/services": "services",
        f"{BASE}/services/hanh_vi_can_bo": "service_definition",
        f"{BASE}/requests": "service_requests",
        f"{BASE}/requests?status=closed": "service_requests",
        f"{BASE}/requests/{f['published']}": "service_requests",
    }
    for path, root in resources.items():
        base, _, query = path.partition("?")
        as_json = client.get(f"{base}.json" + (f"?{query}" if query else ""))
        as_xml = client.get(f"{base}.xml" + (f"?{query}" if query else ""))
        assert as_json.status_code == as_xml.status_code == 200, (path, as_xml.text)
        assert from_xml(xml_of(as_xml, root)) == as_xml_text(as_json.json()), path
    requests_xml = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert [r.findtext("service_request_id") for r in requests_xml] == [f["open"], f["refused"], f["published"]]
    # Times are ISO 8601 with the offset of Việt Nam, in both formats.
    for moment in requests_xml.iter("requested_datetime"):
        assert datetime.fromisoformat(moment.text).utcoffset().total_seconds() == 7 * 3600
    # Private text stays private in XML too.
    assert b"0987654321" not in client.get(f"{BASE}/requests.xml").content


def test_discovery_document(client):
    doc = client.get("/open311/discovery.json").json()
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    assert datetime.fromisoformat(doc["changeset"]).tzinfo is not None
    assert "Cổng dịch vụ công" in doc["contact"] and "api_key" in doc["key_service"]
    [endpoint] = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    # The endpoint it names answers in each format it lists.
    for fmt in ("xml", "json"):
        r = client.get(f"{endpoint['url'].removeprefix('http://testserver')}/services.{fmt}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(endpoint["formats"][fmt == "json"])


def test_errors_in_xml_are_the_spec_error_list(client, world):  # noqa: F811
    r = client.get(f"{BASE}/services/ho_chieu.xml")
    assert r.status_code == 404
    assert from_xml(xml_of(r, "errors")) == [
        {"code": "404", "description": "Không có dịch vụ mã «ho_chieu» (các mã dịch vụ: quy_dinh_tthc, hanh_vi_can_bo, khac)."}]
    r = client.post(f"{BASE}/requests.xml", data={"service_code": "khac"})
    assert r.status_code == 400
    errors = from_xml(xml_of(r, "errors"))
    assert {e["code"] for e in errors} == {"400"}
    assert any("description" in e["description"] for e in errors) and any("last_name" in e["description"] for e in errors)
    r = client.get(f"{BASE}/khong-co.xml")
    assert r.status_code == 404 and "/open311/v2/khong-co.xml" in from_xml(xml_of(r, "errors"))[0]["description"]
    assert_errors(client.get(f"{BASE}/requests.csv"), 404, "«csv»")  # an unknown format is answered in JSON


@pytest.fixture
def served(feedbacks, tmp_path, monkeypatch):  # noqa: F811
    import dataclasses

    from cchc import config

    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    with serving(create_app()) as base:
        yield base, feedbacks


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_third_party_client_reads_and_writes_both_formats(served, schemas, fmt):  # noqa: F811
    base, (w, f) = served
    client = GeoReport(f"{base}{BASE}", output_format=fmt)

    services = client.get_service_list()
    assert [s["service_code"] for s in services] == ["quy_dinh_tthc", "hanh_vi_can_bo", "khac"]
    assert {str(s["metadata"]).lower() for s in services} == {"true"}
    definition = client.get_service_definition("khac")
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict keeps the wrapping element of a list
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["unit_code", "dossier_code", "procedure_code", "title"]

    closed = client.get_service_requests(status="closed")
    assert sorted(r["service_request_id"] for r in closed) == sorted([f["published"], f["refused"]])
    one = client.get_service_request(f["published"])
    assert one["service_request_id"] == f["published"] and one["status"] == "closed"
    assert one["status_notes"] == "Đã công khai. Trả lời: Đã bổ sung lệ phí vào bảng niêm yết."
    assert datetime.fromisoformat(one["requested_datetime"]).utcoffset().total_seconds() == 7 * 3600
    if fmt == "json":
        valid(schemas, "request.json", one)

    # The client has no POST: send as the spec says (form-encoded) in the same format, then read it back.
    sent = http.post(f"{base}{BASE}/requests.{fmt}", data={
        "service_code": "quy_dinh_tthc", "description": f"Bảng niêm yết hết hạn ({fmt})", "first_name": "An",
        "last_name": "Trần", "email": "an@example.vn", "attribute[unit_code]": w.commune.code}, timeout=30)
    assert sent.status_code == 201, sent.text
    if fmt == "xml":
        [answer] = from_xml(xml_of(sent, "service_requests"))
    else:
        [answer] = sent.json()
    assert answer["service_request_id"].startswith(f"PAKN-{w.commune.code}-")
    assert answer["service_notice"].endswith(f"/open311/v2/requests/{answer['service_request_id']}.{fmt}.")
    fresh = client.get_service_request(answer["service_request_id"])
    assert fresh["status"] == "open" and fresh["service_code"] == "quy_dinh_tthc"
    assert fresh["description"] in (None, "")  # not published yet: the text stays inside
