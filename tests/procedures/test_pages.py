"""The public catalogue: pages and GET /api/v1/procedures?q= find procedures without diacritics."""

from __future__ import annotations

import pytest

from cchc.db import session_factory
from cchc.procedures.service import create_procedure


@pytest.fixture
def catalogue(committed):
    with session_factory()() as s:
        create_procedure(s, None, {
            "code": "1.001193", "name": "Đăng ký khai sinh", "field_code": "HT", "field_name": "Hộ tịch",
            "levels": "xa", "time_amount": 1, "time_unit": "ngay_lam_viec", "online_level": "toan_trinh",
            "components": [{"name": "Tờ khai đăng ký khai sinh", "copies": 1}, {"name": "Giấy chứng sinh", "copies": 1}],
        })
        create_procedure(s, None, {
            "code": "1.009994", "name": "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "field_code": "XD",
            "field_name": "Xây dựng", "levels": "xa", "time_amount": 15, "time_unit": "ngay", "online_level": "mot_phan",
            "has_fee": True, "fees": [{"kind": "le_phi", "amount": 75000, "description": "Lệ phí cấp giấy phép"}],
        })
        s.commit()


def test_search_ignores_diacritics_and_case(client, catalogue):
    r = client.get("/api/v1/procedures", params={"q": "dang ky KHAI sinh"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and body["items"][0]["name"] == "Đăng ký khai sinh"
    assert client.get("/api/v1/procedures", params={"q": "giay phep"}).json()["items"][0]["code"] == "1.009994"
    assert client.get("/api/v1/procedures", params={"online": "toan_trinh"}).json()["total"] == 1


def test_catalogue_page_filters_and_detail(client, catalogue):
    page = client.get("/thu-tuc", params={"q": "dang ky khai sinh"})
    assert page.status_code == 200 and "Đăng ký khai sinh" in page.text and "Tìm thấy 1 thủ tục" in page.text
    assert "Cấp giấy phép" in client.get("/thu-tuc", params={"linh_vuc": "XD"}).text
    detail = client.get("/thu-tuc/1.009994")
    assert "Lệ phí cấp giấy phép" in detail.text and "75.000" in detail.text and "15 ngày" in detail.text
    assert "Nộp hồ sơ trực tuyến" in client.get("/thu-tuc/1.001193").text
    assert "Giấy chứng sinh" in client.get("/api/v1/procedures/1.001193").text


def test_unknown_procedure_and_bad_filter(client, catalogue):
    r = client.get("/api/v1/procedures/9.999999")
    assert r.status_code == 404 and "9.999999" in r.json()["detail"]
    bad = client.get("/thu-tuc", params={"cap": "thon"})
    assert bad.status_code == 200 and "flash-error" in bad.text
    assert client.get("/api/v1/procedures", params={"limit": 0}).status_code == 422
