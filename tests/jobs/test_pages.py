"""/quan-tri/hang-doi: the system administrator sees the queue's counts, other packages' figures and the dead
letters, and replays or discards them (audited); anyone else is refused."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from cchc import clock
from cchc.audit.models import AuditEntry
from cchc.db import session_factory
from cchc.jobs import enqueue, registry
from cchc.jobs.models import DISCARDED, PENDING, REPLAYED, DeadLetter
from tests.dossiers.factories import make_ward_and_province
from tests.webclient import csrf_from, login_api


def _count(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert m, element_id
    return m.group(1)


@pytest.fixture
def letters(committed):
    with session_factory()() as s:
        rows = [DeadLetter(job="tests.record", arguments={"key": f"thư-{i}"}, error=f"RuntimeError: hỏng {i}", attempts=6,
                           failed_at=datetime(2026, 3, 2, 8, i), state=PENDING) for i in range(3)]
        s.add_all(rows)
        s.commit()
        return [r.id for r in rows]


@pytest.fixture
def figures():
    registry.register_figures("tests.outbox", "Đồng bộ thử", lambda session: [("Bản ghi chưa gửi", "1.234"),
                                                                             ("Chậm nhất", "5 phút")])
    yield
    registry.FIGURES.pop("tests.outbox", None)


def test_only_the_system_administrator_sees_the_page(client, make_user, sqlite_queue):
    assert client.get("/quan-tri/hang-doi", follow_redirects=False).status_code in (303, 401)
    with session_factory()() as s:
        province = make_ward_and_province(s)[0]
        s.commit()
        province_id = province.id
    for username, role in (("qt.tinh", "quan_tri_don_vi"), ("baocao.tinh", "bao_cao")):
        make_user(username, role=role, unit_id=province_id)
        client.cookies.clear()
        login_api(client, username)
        refused = client.get("/quan-tri/hang-doi")
        assert refused.status_code == 403 and "Quản trị hệ thống" in refused.text
        token = csrf_from(client.get("/").text)
        assert client.post("/quan-tri/hang-doi/1/bo", data={"csrf_token": token}).status_code == 403


def test_the_page_shows_the_counts_and_replays_and_discards(client, make_user, sqlite_queue, letters, figures):
    make_user("quantri", role="quan_tri_he_thong")
    with clock.frozen(datetime(2026, 3, 2, 9, 0)):
        enqueue("tests.record", key="cho-1")
        enqueue("tests.record", key="cho-2")
    login_api(client, "quantri")
    with clock.frozen(datetime(2026, 3, 2, 9, 4, 10)):
        page = client.get("/quan-tri/hang-doi")
    assert page.status_code == 200
    html = page.text
    assert (_count(html, "dem-cho"), _count(html, "dem-dang-chay"), _count(html, "dem-hen-gio"), _count(html, "dem-loi"),
            _count(html, "cho-lau-nhat")) == ("2", "0", "0", "3", "4 phút 10 giây")
    assert "Đồng bộ thử" in html and "Bản ghi chưa gửi" in html and "1.234" in html
    assert "thư-2" in html and "RuntimeError: hỏng 2" in html and "2/3/2026 08:02" in html
    assert "tasks.daily" in html and "0 6 * * *" in html  # the periodic jobs and their next run

    token = csrf_from(html)
    assert client.post(f"/quan-tri/hang-doi/{letters[0]}/chay-lai", data={}).status_code == 403  # no CSRF token
    replayed = client.post(f"/quan-tri/hang-doi/{letters[0]}/chay-lai", data={"csrf_token": token}, follow_redirects=False)
    assert replayed.status_code == 303
    assert sqlite_queue.pending_count() == 3
    discarded = client.post(f"/quan-tri/hang-doi/{letters[1]}/bo", data={"csrf_token": token}, follow_redirects=False)
    assert discarded.status_code == 303
    again = client.post(f"/quan-tri/hang-doi/{letters[0]}/bo", data={"csrf_token": token})
    assert again.status_code == 422 and "đã được xử lý" in again.text
    missing = client.post("/quan-tri/hang-doi/999999/bo", data={"csrf_token": token})
    assert missing.status_code == 404 and "Không có việc lỗi số 999999" in missing.text

    with session_factory()() as s:
        states = {r.id: (r.state, r.handled_by) for r in s.scalars(select(DeadLetter))}
        audited = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "job_dead_letters",
                                                     AuditEntry.action == "sua")).all()
    assert states == {letters[0]: (REPLAYED, "quantri"), letters[1]: (DISCARDED, "quantri"), letters[2]: (PENDING, "")}
    assert len(audited) == 2 and all(a.actor_name.startswith("quantri") for a in audited)
    after = client.get("/quan-tri/hang-doi").text
    assert _count(after, "dem-loi") == "1" and "Đã chạy lại" in after and "Đã bỏ" in after


def test_a_queue_that_does_not_answer_is_said_on_the_page_and_by_the_doctor(client, make_user, committed, monkeypatch):
    import dataclasses

    from cchc import config, doctor
    from cchc.jobs import queue

    nowhere = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, queue="redis", redis_url=nowhere,
                                                                queue_name="cchc-test-khong-co"))
    queue.use(None)  # built from these settings
    try:
        make_user("quantri", role="quan_tri_he_thong")
        login_api(client, "quantri")
        page = client.get("/quan-tri/hang-doi")
        assert page.status_code == 200 and "Không đọc được hàng đợi (ConnectionError" in page.text
        status, message = doctor._queue(committed)
        assert status == doctor.ERROR and "Kiểm tra CCHC_QUEUE, CCHC_REDIS_URL" in message
    finally:
        queue.use(None)
