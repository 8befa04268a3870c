"""The PAKN form reports every invalid field at once, each message under its field (issue 16 item 4)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from cchc.db import session_factory
from cchc.feedback.models import Feedback
from tests.web.test_citizen import world  # noqa: F401 — the committed world with passwords
from tests.webclient import csrf_from


def field_errors(html: str) -> dict[str, str]:
    """{field: the message right under it}."""
    found = re.findall(r'<(?:input|textarea|select) id="f-(\w+)".*?(?:<p class="field-error" role="alert">(.*?)</p>|</div>)', html, re.S)
    return {name: message for name, message in found if message}


def test_every_field_in_error_is_marked_at_once(client, world):
    page = client.get("/phan-anh/gui")
    r = client.post("/phan-anh/gui", data={"csrf_token": csrf_from(page.text), "category": "quy_dinh_tthc",
                                           "procedure_code": "9.999999", "dossier_code": "KHONG-CO", "title": "x" * 501})
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert list(errors) == ["procedure_code", "dossier_code", "title", "content", "sender_name", "sender_contact"]
    assert "9.999999" in errors["procedure_code"] and "KHONG-CO" in errors["dossier_code"]
    assert "Nhập nội dung" in errors["content"] and "số điện thoại" in errors["sender_contact"]
    assert 'value="KHONG-CO"' in r.text  # what was typed stays
    with session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 0
    r = client.post("/phan-anh/gui", data={"csrf_token": csrf_from(page.text), "unit_code": world.commune.code,
                                           "content": "Chậm trả kết quả", "sender_name": "Ẩn Danh", "sender_contact": "0901234567"},
                    follow_redirects=False)
    assert r.status_code == 303
