"""The reports page: preview, narratives, figures entered by hand (checked), downloads."""

from __future__ import annotations

import io

from docx import Document

from cchc.db import session_factory
from cchc.reform.models import ManualFigure
from tests.dossiers.test_views import web_world  # noqa: F401 — committed world with passwords
from tests.webclient import csrf_from, login_page

PERIOD = {"ky": "2025-H1"}


def _reporter(client, w):
    login_page(client, w.reporter.username)
    return client


def _with_preview(client, params):
    """The page and its preview, which htmx loads from /bao-cao/xem-truoc once the page is shown."""
    page = client.get("/bao-cao", params=params)
    assert page.status_code == 200 and 'hx-get="/bao-cao/xem-truoc?' in page.text, page.text
    preview = client.get("/bao-cao/xem-truoc", params=params)
    assert preview.status_code == 200, preview.text
    return page.text + preview.text


def test_preview_and_narrative(client, web_world):
    w = web_world
    _reporter(client, w)
    page = _with_preview(client, PERIOD)
    assert "BÁO CÁO" in page and "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH" in page
    assert "(số liệu tính từ 15/12/2024 đến 14/6/2025)" in page
    form = client.get("/bao-cao", params={**PERIOD, "tab": "noi-dung"}).text
    r = client.post("/bao-cao/noi-dung", data={"csrf_token": csrf_from(form), "don_vi": w.province.code, "tu_ngay": "15/12/2024",
                                                "den_ngay": "14/6/2025", "muc_IV": "Tiếp tục đẩy mạnh dịch vụ công trực tuyến toàn trình."},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Tiếp tục đẩy mạnh dịch vụ công trực tuyến toàn trình." in _with_preview(client, PERIOD)


def test_manual_figures_are_validated_all_or_nothing(client, web_world):
    w = web_world
    _reporter(client, w)
    page = client.get("/bao-cao", params={**PERIOD, "tab": "so-lieu"}).text
    base = {"csrf_token": csrf_from(page), "don_vi": w.province.code, "tu_ngay": "15/12/2024", "den_ngay": "14/6/2025"}
    bad = client.post("/bao-cao/so-lieu", data={**base, "bm1_6.1": "17", "bm2_3.1": "-3"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text and "không âm" in bad.text
    parts = client.post("/bao-cao/so-lieu", data={**base, "bm2_3.1": "29", "bm2_3.2": "30"})
    assert parts.status_code == 422  # 30 documents handled out of 29 found
    with session_factory()() as s:
        assert s.query(ManualFigure).count() == 0
    ok = client.post("/bao-cao/so-lieu", data={**base, "bm1_6.1": "17", "bm2_3.1": "29", "bm2_3.2": "16"}, follow_redirects=False)
    assert ok.status_code == 303
    with session_factory()() as s:
        assert s.query(ManualFigure).count() == 3
    preview = _with_preview(client, PERIOD)
    assert "55,17" in preview  # 16/29 completion rate computed from what was typed


def test_downloads(client, web_world):
    _reporter(client, web_world)
    r = client.get("/bao-cao/tai", params={**PERIOD, "dinh_dang": "docx"})
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert "BÁO CÁO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert client.get("/bao-cao/tai", params={**PERIOD, "dinh_dang": "xlsx"}).content[:2] == b"PK"
    assert "Biểu mẫu 1" in client.get("/bao-cao/tai", params={**PERIOD, "dinh_dang": "md"}).text
    assert client.get("/bao-cao/tai", params={**PERIOD, "dinh_dang": "exe"}).status_code == 422


def test_only_reporting_roles(client, web_world):
    login_page(client, web_world.specialist.username)
    assert client.get("/bao-cao", params=PERIOD).status_code == 403


def test_preview_marks_drafts_and_shows_the_signature_block(client, web_world):
    """Issue 12 item 4: what the system drafted (III, IV) is boxed and labelled on the page, never shown as the unit's words."""
    _reporter(client, web_world)
    page = _with_preview(client, PERIOD)
    assert page.count('<span class="badge badge-warn">Dự thảo</span>') >= 1
    assert '<div class="flash flash-warn" role="note">' in page
    assert "Nơi nhận:" in page and "KT. CHỦ TỊCH" in page
