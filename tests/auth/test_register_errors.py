"""Registration reports every invalid field at once, next to it on the page and under "fields" in the API."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from cchc.auth.models import User
from cchc.db import session_factory
from tests.webclient import csrf_from

BAD = {"full_name": " ", "id_number": "12345", "phone": "12ab", "email": "dung-at-example", "username": "Lê Dung",
       "password": "12345678"}
GOOD = {"full_name": "Lê Thị Dung", "id_number": "079123456789", "phone": "0912 345 678", "email": "dung@example.vn",
        "username": "ledung", "password": "matkhau123"}


def users() -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(User))


def errors_of(html: str) -> dict[str, str]:
    """{field id: the message right under it} of the rendered form."""
    found = re.findall(r'<input id="f-(\w+)".*?(?:<p class="field-error" role="alert">(.*?)</p>|</div>)', html, re.S)
    return {name: message for name, message in found if message}


def test_the_page_marks_every_field_at_once(client, committed):
    token = csrf_from(client.get("/dang-ky").text)
    before = users()
    r = client.post("/dang-ky", data={"csrf_token": token, **BAD})
    assert r.status_code == 422
    errors = errors_of(r.text)
    assert list(errors) == ["full_name", "id_number", "phone", "email", "username", "password"]
    assert "họ và tên" in errors["full_name"] and "đúng 12 chữ số" in errors["id_number"]
    assert "«12ab»" in errors["phone"] and "ten@vidu.vn" in errors["email"] and "chữ thường" in errors["username"]
    assert "cả chữ và số" in errors["password"]
    assert 'value="12345"' in r.text and "12345678" not in r.text  # kept what was typed, but never the password
    assert users() == before
    ok = client.post("/dang-ky", data={"csrf_token": token, **GOOD}, follow_redirects=False)
    assert ok.status_code == 303 and users() == before + 1
    taken = client.post("/dang-ky", data={"csrf_token": csrf_from(client.get("/dang-ky").text), **GOOD, "id_number": "1"})
    assert list(errors_of(taken.text)) == ["id_number", "username"] and "đã có người dùng" in errors_of(taken.text)["username"]


def test_the_api_answers_422_with_every_field(client, committed):
    before = users()
    r = client.post("/api/v1/auth/register", json=BAD)
    body = r.json()
    assert r.status_code == 422 and list(body["fields"]) == ["full_name", "id_number", "phone", "email", "username", "password"]
    assert body["detail"].startswith("Chưa nhập họ và tên.") and users() == before
    r = client.post("/api/v1/auth/register", json=GOOD)
    assert r.status_code == 201 and r.json()["user"]["role"] == "cong_dan" and r.json()["csrf_token"]
    assert client.get("/api/v1/auth/me").json()["username"] == "ledung"
    with session_factory()() as s:
        assert s.scalar(select(User.phone).where(User.username == "ledung")) == "0912345678"
