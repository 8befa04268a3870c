"""The citizen's history of a dossier: its states and the messages meant for them, never the officers' own
notes («đồng ý», «hồ sơ hợp lệ», whom a step was assigned to) — issue 16 item 3."""

from __future__ import annotations

import re
from types import SimpleNamespace
from datetime import datetime

from sqlalchemy import select

from cchc.citizen.history import RESULT_READY, for_citizen
from cchc.db import session_factory
from cchc.dossiers import service
from cchc.dossiers.models import Dossier
from tests.web.test_citizen import accept, as_page_user, submitted, world  # noqa: F401 — the committed world


def event(action, before, after, note="", **data):
    return SimpleNamespace(at=datetime(2026, 11, 2, 9), action=action, from_state=before, to_state=after, note=note, data=data)


def test_one_rule_by_event_kind():
    history = for_citizen([
        event("submit_online", None, "cho_tiep_nhan"),
        event("accept", "cho_tiep_nhan", "dang_xu_ly", "đồng ý"),
        event("assign", "dang_xu_ly", "dang_xu_ly", "Trần Văn Chuyên"),
        event("forward", "dang_xu_ly", "dang_xu_ly", "đồng ý"),
        event("send_back", "dang_xu_ly", "dang_xu_ly", "xem lại tờ khai"),
        event("attach_file", "dang_xu_ly", "dang_xu_ly", "to-trinh-noi-bo.pdf"),
        event("request_supplement", "dang_xu_ly", "yeu_cau_bo_sung", "Giấy chứng sinh mờ", items=["Giấy chứng sinh (bản rõ)"]),
        event("supplement", "yeu_cau_bo_sung", "dang_xu_ly", "Bản rõ"),
        event("apologize", "dang_xu_ly", "dang_xu_ly", "Chờ xác minh", new_due_at="2026-11-10T16:30:00"),
        event("mark_digitized", "dang_xu_ly", "dang_xu_ly"),
        event("finish", "dang_xu_ly", "da_xu_ly_xong", "12/GKS"),
        event("return_result", "da_xu_ly_xong", "da_tra_ket_qua"),
    ])
    assert [(h.label, h.message) for h in history] == [
        ("Nộp hồ sơ trực tuyến", ""),
        ("Tiếp nhận hồ sơ trực tuyến", ""),
        ("Yêu cầu bổ sung hồ sơ", "Giấy chứng sinh mờ"),
        ("Bổ sung hồ sơ", "Bản rõ"),
        ("Xin lỗi và hẹn lại ngày trả", "Chờ xác minh Ngày hẹn trả mới: 10/11/2026 16:30."),
        ("Hoàn thành xử lý", RESULT_READY),
        ("Trả kết quả", ""),
    ]
    assert history[2].items == ("Giấy chứng sinh (bản rõ)",)
    refused = for_citizen([event("refuse", "dang_xu_ly", "tu_choi", "Không đủ điều kiện theo Điều 5"),
                           event("reject_submission", "cho_tiep_nhan", "khong_tiep_nhan", "Sai thủ tục")])
    assert [h.message for h in refused] == ["Không đủ điều kiện theo Điều 5", "Sai thủ tục"]


def test_the_page_shows_no_internal_note(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    code = submitted(client, w)
    accept(w, code)
    with session_factory()() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        service.request_supplement(s, s.merge(w.specialist), d, "Giấy chứng sinh mờ", ["Giấy chứng sinh (bản rõ)"])
        service.supplement(s, s.merge(w.receiver), d, "Công dân đã nộp bản rõ tại quầy")
        service.forward(s, s.merge(w.specialist), d, "đồng ý, trình lãnh đạo")
        service.finish(s, s.merge(w.leader), d, result_number="12/GKS", result_summary="Giấy khai sinh")
        s.commit()
    page = client.get(f"/ca-nhan/ho-so/{code}").text
    history = re.search(r'<ul class="history">(.*?)</section>', page, re.S).group(1)
    assert "đồng ý" not in history and "trình lãnh đạo" not in history and "12/GKS" not in history
    assert "Yêu cầu bổ sung hồ sơ" in history and "Giấy chứng sinh mờ" in history and "Giấy chứng sinh (bản rõ)" in history
    assert "Công dân đã nộp bản rõ tại quầy" in history and RESULT_READY in history
    assert history.count("<li>") == 6  # submitted, accepted, supplement asked (and its paper), supplemented, result ready
