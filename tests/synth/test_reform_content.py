"""The demo's reform work (synth.reform_content): tasks in every state, the CCHC registers, typed sections and
reports sent up — in the database and on the pages people open (/nhiem-vu, /cai-cach, /bao-cao-gui,
/bao-cao-tong-hop), and the same again for the same seed."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from cchc.app.main import create_app
from cchc.calendar.service import session_calendar
from cchc.periods import current_quarter, previous_periods
from cchc.reform.models import CommunicationActivity, DirectiveDocument, Inspection, PlanItem, ReportNarrative, Submission
from cchc.submissions.models import SubmissionEvent
from cchc.synth.province import DEMO_PASSWORD
from cchc.synth.reform_content import play_reform
from cchc.tasks.enums import TaskState
from cchc.tasks.models import AssigningDocument, Task, TaskEvent, TaskUnit
from tests.synth.conftest import OPTIONS, TODAY

QUARTERS = previous_periods(current_quarter(TODAY), 2)


def _login(client: TestClient, username: str) -> None:
    page = client.get("/dang-nhap").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/dang-nhap", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text


@pytest.fixture
def client(demo):
    with TestClient(create_app()) as c:
        yield c


def test_tasks_in_every_state(demo):
    _, session = demo
    today = TODAY
    states = dict(session.execute(select(Task.state, func.count()).group_by(Task.state)).all())
    assert set(states) == {s.value for s in TaskState}
    deadline = func.coalesce(Task.extended_deadline, Task.deadline)
    count = lambda *where: session.scalar(select(func.count()).select_from(Task).where(*where))  # noqa: E731
    assert count(Task.state == TaskState.WAITING_ACCEPTANCE, deadline < today) >= 1  # never accepted, past its deadline
    assert count(Task.state == TaskState.WAITING_ACCEPTANCE, deadline >= today) >= 1
    assert count(Task.state == TaskState.IN_PROGRESS, deadline < today) >= 1  # overdue
    assert count(Task.state == TaskState.IN_PROGRESS, deadline >= today) >= 1  # within its deadline
    assert count(Task.extension_count > 0) >= 1
    assert count(Task.return_count > 0, Task.state == TaskState.IN_PROGRESS) >= 1
    assert count(Task.state == TaskState.DONE, Task.on_time.is_(True)) >= 1
    assert count(Task.state == TaskState.DONE, Task.on_time.is_(False)) >= 1  # done late
    # every action is in the task's history, dated at or before the demo's day
    latest = session.scalar(select(func.max(TaskEvent.at)))
    assert latest < datetime.combine(TODAY, time(0))
    assert session.scalar(select(func.count()).select_from(TaskEvent)) > sum(states.values())


def test_registers_and_typed_sections(demo):
    _, session = demo
    statuses = set(session.scalars(select(PlanItem.status).distinct()))
    assert statuses == {"hoan_thanh", "dang_thuc_hien", "chua_thuc_hien"}
    assert session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.year == TODAY.year)) >= 4 * 8
    kinds = set(session.scalars(select(DirectiveDocument.kind).distinct()))
    assert {"ke_hoach", "cong_van", "quyet_dinh"} <= kinds
    assert session.scalar(select(func.count()).select_from(Inspection)) >= 8
    assert set(session.scalars(select(CommunicationActivity.kind).distinct())) == {"bai_viet", "hoi_nghi", "chuyen_muc", "khac"}
    last = QUARTERS[-1]
    sections = set(session.scalars(select(ReportNarrative.section).where(ReportNarrative.period_start == last.start)))
    assert {"III.1", "III.2", "IV"} <= sections


def test_reports_sent_up_accepted_late_returned_and_waiting(demo):
    _, session = demo
    rows = session.execute(select(Submission.state, Submission.late, func.count()).group_by(Submission.state, Submission.late)).all()
    by_state = {(state, late) for state, late, _ in rows}
    assert by_state == {("accepted", False), ("returned", False), ("submitted", False), ("submitted", True)}
    returned = session.scalar(select(Submission).where(Submission.state == "returned"))
    assert "bổ sung" in returned.comment
    actions = set(session.scalars(select(SubmissionEvent.action).distinct()))
    assert actions == {"prepare", "submit", "accept", "return"}


def test_the_pages_list_them(demo, client):
    last = QUARTERS[-1]
    _login(client, "lanhdao.stp")
    page = client.get("/nhiem-vu").text
    for label in ("Chờ tiếp nhận", "Đang thực hiện", "Chờ xác nhận hoàn thành", "Đã hoàn thành", "Quá hạn", "Hoàn thành chậm"):
        assert label in page, label
    assert "Rà soát" in page or "Số hóa" in page or "Công khai" in page
    sent = client.get(f"/bao-cao-gui?ky={last.key}")
    assert sent.status_code == 200
    assert "Đã duyệt" in sent.text

    client.cookies.clear()
    _login(client, "baocao.snv")
    plan = client.get("/cai-cach").text
    assert "Ban hành Kế hoạch cải cách hành chính năm 2026" in plan and "Hoàn thành" in plan and "Chưa thực hiện" in plan
    assert "/KH-SNV" in client.get("/cai-cach?tab=van-ban").text
    assert "Kiểm tra việc giải quyết thủ tục hành chính" in client.get("/cai-cach?tab=kiem-tra").text
    assert "Hội nghị tuyên truyền dịch vụ công trực tuyến" in client.get("/cai-cach?tab=tuyen-truyen").text

    client.cookies.clear()
    _login(client, "baocao.tinh")
    overview = client.get(f"/bao-cao-tong-hop?ky={last.key}")
    assert overview.status_code == 200
    counts = " ".join(re.sub(r"<[^>]+>", "", overview.text).split())
    for label in ("Đã gửi đúng hạn: 1", "Gửi muộn: 1", "Đã duyệt: 1", "Bị trả lại: 1"):
        assert label in counts, label


def test_played_once_and_the_same_for_the_same_seed(demo):
    result, session = demo
    cal = session_calendar(session)

    def snapshot():
        return (
            session.execute(select(Task.code, Task.title, Task.state, Task.deadline, Task.extended_deadline, Task.on_time)
                            .order_by(Task.code)).all(),
            session.execute(select(PlanItem.unit_id, PlanItem.code, PlanItem.status, PlanItem.deadline).order_by(PlanItem.id)).all(),
            session.execute(select(DirectiveDocument.number, DirectiveDocument.issued_on).order_by(DirectiveDocument.id)).all(),
            session.execute(select(Submission.unit_id, Submission.period_key, Submission.state, Submission.late).order_by(Submission.id)).all(),
        )

    first = snapshot()
    again = play_reform(session, result.province, cal, OPTIONS["seed"], TODAY)
    assert again.tasks == 0 and snapshot() == first  # a database that has tasks keeps them
    for model in (TaskEvent, TaskUnit, Task, AssigningDocument, SubmissionEvent, Submission, ReportNarrative, PlanItem,
                  DirectiveDocument, Inspection, CommunicationActivity):
        session.execute(delete(model))
    session.commit()
    played = play_reform(session, result.province, cal, OPTIONS["seed"], TODAY)
    session.commit()
    assert played.tasks == len(first[0])
    assert snapshot()[0] == first[0] and [r[1:] for r in snapshot()[1]] == [r[1:] for r in first[1]]
    assert snapshot()[2] == first[2]
    assert [r[1:] for r in snapshot()[3]] == [r[1:] for r in first[3]]
