"""The dossier page's forms as an officer uses them (issue 16 items 1 and 4): every action form shows its fields as
fields, never as escaped markup; the digitisation form records digitisation; dates are typed as dd/mm/yyyy
(hh:mm where a time is asked) in text fields and a wrong one is refused next to its field, in Vietnamese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cchc import clock
from cchc.db import session_factory
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.web.templating import TEMPLATES_DIR
from tests.dossiers.factories import MONDAY
from tests.dossiers.test_views import as_user, receive, web_world  # noqa: F401 — the committed world with passwords
from tests.webclient import csrf_from, login_page

ESCAPED = ("&lt;div", "&lt;label", "&lt;input", "&lt;p ")


@pytest.fixture
def monday():
    with clock.frozen(MONDAY):
        yield


def _page_as(client, username: str, path: str) -> str:
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    login_page(client, username)
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.text


def _dossier(code: str) -> Dossier:
    with session_factory()() as s:
        d = s.query(Dossier).filter_by(code=code).one()
        s.expunge(d)
        return d


def _events(code: str, action: str) -> int:
    with session_factory()() as s:
        d = s.query(Dossier).filter_by(code=code).one()
        return s.query(DossierEvent).filter_by(dossier_id=d.id, action=action).count()


def _finished_dossier(client, w) -> str:
    """A dossier received at the counter and forwarded to the leader, who finishes it through the page."""
    as_user(client, w.receiver.username)
    code = receive(client, w).json()["code"]
    as_user(client, w.specialist.username)
    assert client.post(f"/api/v1/dossiers/{code}/forward", json={"note": "Trình ký"}).status_code == 200
    return code


def test_action_forms_show_fields_and_the_ticks_are_recorded(client, web_world, monday):
    w = web_world
    code = _finished_dossier(client, w)

    page = _page_as(client, w.leader.username, f"/can-bo/ho-so/{code}")
    assert not [e for e in ESCAPED if e in page], "the dossier page shows escaped markup"
    assert 'name="esigned"' not in page  # no tick box: a result is signed only by a verified signature
    assert '<label for="f-file">Tệp kết quả điện tử (PDF đã ký số thì chữ ký được xác minh)</label>' in page
    r = client.post(f"/can-bo/ho-so/{code}/thao-tac/finish", follow_redirects=False,
                    data={"csrf_token": csrf_from(page), "result_number": "12/TP-HT", "result_summary": "Giấy khai sinh", "esigned": "1"})
    assert r.status_code == 303, r.text
    assert _dossier(code).result_esigned is False

    page = _page_as(client, w.receiver.username, f"/can-bo/ho-so/{code}")
    assert not [e for e in ESCAPED if e in page]
    assert '<p class="muted">Xác nhận đã trả kết quả cho công dân.</p>' in page  # «Trả kết quả»
    assert 'name="components" value="1"' in page and 'name="result" value="1"' in page  # «Cập nhật số hóa»
    token = csrf_from(page)
    r = client.post(f"/can-bo/ho-so/{code}/thao-tac/mark_digitized", data={"csrf_token": token, "components": "1", "result": "1"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    d = _dossier(code)
    assert d.components_digitized is True and d.result_digitized is True
    assert _events(code, "mark_digitized") == 1  # audited as the dossier's event

    page = client.get(f"/can-bo/ho-so/{code}").text  # the ticks now show what was recorded
    assert 'name="components" value="1" checked' in page and 'name="result" value="1" checked' in page
    same = client.post(f"/can-bo/ho-so/{code}/thao-tac/mark_digitized", data={"csrf_token": token, "components": "1", "result": "1"})
    assert same.status_code == 422 and "Chưa có gì thay đổi" in same.text
    assert _events(code, "mark_digitized") == 1


def test_a_dossier_without_result_offers_only_the_components_tick(client, web_world, monday):
    w = web_world
    as_user(client, w.receiver.username)
    code = receive(client, w).json()["code"]
    page = _page_as(client, w.receiver.username, f"/can-bo/ho-so/{code}")
    assert 'name="components" value="1"' in page and 'name="result"' not in page
    r = client.post(f"/can-bo/ho-so/{code}/thao-tac/mark_digitized", data={"csrf_token": csrf_from(page), "components": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    d = _dossier(code)
    assert d.components_digitized is True and d.result_digitized is not True


def test_no_template_joins_markup_as_text():
    """Markup joined to a macro's output with ~ is escaped (Jinja's autoescape): forms take their body by {% call %}."""
    offenders = []
    for path in Path(TEMPLATES_DIR).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"~\s*'<", r'~\s*"<', r">\s*'\s*~", r'>\s*"\s*~', r"action_form\([^)]*'<"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(TEMPLATES_DIR)}: {pattern}")
    assert not offenders, offenders


def test_no_date_picker_anywhere():
    """Dates are typed as dd/mm/yyyy: a browser's date picker shows the browser's format (mm/dd/yyyy in English)."""
    pickers = [str(p.relative_to(TEMPLATES_DIR)) for p in Path(TEMPLATES_DIR).rglob("*.html")
               if re.search(r"""type=["'](date|datetime-local)["']|type\s*=\s*["']date["']""", p.read_text(encoding="utf-8"))]
    assert not pickers, pickers


def test_the_apology_date_is_typed_dd_mm_yyyy_hh_mm(client, web_world, monday):
    w = web_world
    as_user(client, w.receiver.username)
    code = receive(client, w).json()["code"]
    due = _dossier(code).due_at
    page = _page_as(client, w.specialist.username, f"/can-bo/ho-so/{code}")
    field = re.search(r'<input id="f-new_due_at"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'placeholder="dd/mm/yyyy hh:mm"' in field
    assert "inputmode" not in field  # a phone's numeric keypad has no «/» nor «:»
    token = csrf_from(page)

    for typed, says in (("2025-03-20T10:00", "«Ngày hẹn trả mới» phải nhập theo dạng dd/mm/yyyy hh:mm"),
                        ("20/3/2025", "«Ngày hẹn trả mới» phải nhập theo dạng dd/mm/yyyy hh:mm"),
                        ("31/4/2025 10:00", "không phải là ngày giờ có thật")):
        bad = client.post(f"/can-bo/ho-so/{code}/thao-tac/apologize", data={"csrf_token": token, "reason": "Chờ xác minh", "new_due_at": typed})
        assert bad.status_code == 422, typed
        error = re.search(r'<div class="field has-error">\s*<label for="f-new_due_at">.*?<p class="field-error" role="alert">(.*?)</p>',
                          bad.text, re.S)
        assert error and says in error.group(1), (typed, bad.text[-3000:])
        assert f'value="{typed}"' in bad.text  # what was typed is shown back
        assert _dossier(code).extended_due_at is None

    ok = client.post(f"/can-bo/ho-so/{code}/thao-tac/apologize", follow_redirects=False,
                     data={"csrf_token": token, "reason": "Chờ xác minh", "new_due_at": f"{due.day}/{due.month}/{due.year + 1} 16:30"})
    assert ok.status_code == 303, ok.text
    assert _dossier(code).extended_due_at == due.replace(year=due.year + 1, hour=16, minute=30, second=0, microsecond=0)


def test_search_and_register_read_dd_mm_yyyy_and_name_the_field(client, web_world, monday):
    w = web_world
    page = _page_as(client, w.receiver.username, "/can-bo/tim-kiem")
    assert re.search(r'<input id="f-tu_ngay" name="tu_ngay" type="text" value=""[^>]*placeholder="dd/mm/yyyy"', page)
    bad = client.get("/can-bo/tim-kiem", params={"tu_ngay": "2025-03-01"})
    assert "«Tiếp nhận từ ngày» phải nhập theo dạng dd/mm/yyyy" in bad.text
    assert re.search(r'<div class="field has-error">\s*<label for="f-tu_ngay">', bad.text)
    bad = client.get("/can-bo/tim-kiem", params={"den_ngay": "30/2/2025"})
    assert "«Đến ngày»: «30/2/2025» không phải là ngày có thật." in bad.text
    assert "Tìm thấy" in client.get("/can-bo/tim-kiem", params={"tu_ngay": "1/3/2025", "den_ngay": "31/3/2025"}).text

    register = client.get("/can-bo/so-theo-doi").text
    assert 'value="1/3/2025"' in register and 'value="3/3/2025"' in register  # this month so far, as Việt Nam writes it
    bad = client.get("/can-bo/so-theo-doi", params={"tu_ngay": "3/3/25", "den_ngay": "3/3/2025", "dinh_dang": "docx"})
    assert bad.status_code == 422 and "«Từ ngày» phải nhập theo dạng dd/mm/yyyy" in bad.text


def test_date_field_shows_a_date_as_viet_nam_writes_it_and_what_was_typed_as_typed():
    from datetime import date, datetime

    from cchc.web.templating import env

    t = env.from_string('{% from "partials/forms.html" import date_field %}'
                        '{{ date_field("a", "Ngày A", a) }}{{ date_field("b", "Hạn B", b, with_time=True) }}{{ date_field("c", "C", c) }}')
    html = t.render(a=date(2024, 6, 4), b=datetime(2024, 6, 14, 9, 5), c="31/4/2024")
    assert 'id="f-a" name="a" type="text" value="4/6/2024"' in html
    assert 'id="f-b" name="b" type="text" value="14/6/2024 09:05"' in html and 'placeholder="dd/mm/yyyy hh:mm"' in html
    assert 'value="31/4/2024"' in html


def test_typed_dates_are_read_in_one_place_with_the_field_named():
    from datetime import date, datetime

    from cchc.errors import ValidationError
    from cchc.web.inputs import typed_date, typed_datetime

    assert typed_date(" 4/6/2024 ", "Ngày cấp", "issued") == date(2024, 6, 4)
    assert typed_date("", "Ngày cấp", "issued") is None
    assert typed_datetime("14/06/2024  9:05", "Hạn", "due") == datetime(2024, 6, 14, 9, 5)
    for value, kwargs, says in (("", {"required": True}, "Chưa nhập «Ngày cấp»."),
                                ("2024-06-04", {}, "«Ngày cấp» phải nhập theo dạng dd/mm/yyyy, ví dụ 14/6/2024"),
                                ("29/2/2023", {}, "«Ngày cấp»: «29/2/2023» không phải là ngày có thật.")):
        with pytest.raises(ValidationError) as refused:
            typed_date(value, "Ngày cấp", "issued", **kwargs)
        assert refused.value.field == "issued" and says in refused.value.message
