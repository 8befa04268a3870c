"""The rating form and its API report every invalid field at once (issue 16 item 4)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from cchc.db import session_factory
from cchc.ratings.models import Rating
from tests.web.test_citizen import as_api_user, as_page_user, finish, submitted, world  # noqa: F401 — the committed world
from tests.webclient import csrf_from


def ratings() -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(Rating))


def field_errors(html: str) -> dict[str, str]:
    """{criterion or field: its message} as the form shows them, under each fieldset."""
    out = {}
    for body in re.findall(r'<fieldset class="field has-error[^"]*">(.*?)</fieldset>', html, re.S):
        name = re.search(r'name="(\w+)"', body).group(1)
        out[name] = re.search(r'<p class="field-error" role="alert">(.*?)</p>', body, re.S).group(1)
    return out


def test_the_page_marks_every_criterion_and_the_satisfaction(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    finish(w, code)
    token = csrf_from(client.get(f"/ca-nhan/ho-so/{code}").text)
    data = {f"c{n}": "2" for n in range(1, 10)} | {"c1": "", "c3": "", "c7": "5", "csrf_token": token}
    r = client.post(f"/ca-nhan/ho-so/{code}/danh-gia", data=data)
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert list(errors) == ["c1", "c3", "c7", "satisfaction"], errors
    assert errors["c1"].startswith("Chưa chấm điểm tiêu chí 1") and "chỉ 0, 1 hoặc 2" in errors["c7"]
    assert "Chọn mức độ hài lòng" in errors["satisfaction"]
    nothing = client.post(f"/ca-nhan/ho-so/{code}/danh-gia", data={"csrf_token": token, "c5": "", "c8": "", "c9": ""})
    assert nothing.status_code == 422 and "Cần chấm điểm ít nhất một tiêu chí" in nothing.text
    assert list(field_errors(nothing.text)) == ["c1", "c2", "c3", "c4", "c6", "c7", "satisfaction"]
    assert ratings() == 0


def test_the_api_answers_422_with_every_field(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    finish(w, code)
    as_api_user(client, w.citizen.username)
    r = client.post(f"/api/v1/dossiers/{code}/rating",
                    json={"scores": {"1": 2, "2": "x", "4": 9, "6": 2, "7": 2}, "satisfaction": "vui", "comment": "a" * 2001})
    body = r.json()
    assert r.status_code == 422 and list(body["fields"]) == ["c2", "c4", "c3", "satisfaction", "comment"]
    assert "«x»" in body["fields"]["c2"] and "điểm 9" in body["fields"]["c4"] and "«vui»" in body["fields"]["satisfaction"]
    assert "2.001 ký tự" in body["fields"]["comment"] and ratings() == 0
