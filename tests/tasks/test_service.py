"""Every state change of a task through the service, and every refusal (wrong state, role, unit) changing nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cchc.errors import InvalidTransition, PermissionDenied, ValidationError
from cchc.tasks import service
from cchc.tasks.enums import Source, TaskAction, TaskState
from cchc.tasks.models import AssigningDocument, Task, TaskEvent

from .factories import MONDAY, assign, make_task_world


@pytest.fixture
def w(db):
    return make_task_world(db)


def snapshot(db, task):
    db.refresh(task)
    events = db.scalar(select(func.count()).select_from(TaskEvent).where(TaskEvent.task_id == task.id))
    return (task.state, task.accepted_at, task.reported_at, task.completed_on, task.done_at, task.returned_at,
            task.return_count, task.extended_deadline, task.extension_count, task.on_time, events)


def test_assign_records_the_document_the_source_and_an_event(db, w):
    t = assign(db, w, level="thu_tuong", coordinating=[w.dept2, w.dept])
    assert t.code == "NV2025-000001" and t.state == TaskState.WAITING_ACCEPTANCE
    assert t.source == Source.CHINH_PHU and t.document.issuer == "Thủ tướng Chính phủ"
    assert t.assigner_unit_id == w.office.id and t.deadline == date(2025, 3, 14)
    assert [c.unit_id for c in t.coordinators] == [w.dept2.id]  # the lead unit is not its own co-ordinator
    (e,) = t.events
    assert (e.action, e.from_state, e.to_state, e.actor_name) == ("giao", None, "cho_tiep_nhan", "Nguyễn Thị Giao")
    t2 = assign(db, w, title="Nhiệm vụ thứ hai")
    assert t2.code == "NV2025-000002" and t2.document_id != t.document_id  # same number, another issuer level
    assert db.scalar(select(func.count()).select_from(AssigningDocument)) == 2


def test_deadline_in_working_days_skips_weekends_and_holidays(db, w):
    # Friday 25/4/2025 + 3 working days: Saturday 26/4 worked (swap for 2/5), 30/4 and 1/5 off → 29/4.
    t = assign(db, w, at=datetime(2025, 4, 25, 9), working_days=3)
    assert t.deadline == date(2025, 4, 29) and t.deadline_working_days == 3
    # Tuesday 29/4 + 2: 30/4, 1/5, 2/5 off, 3-4/5 weekend → Monday 5/5, Tuesday 6/5.
    t = assign(db, w, at=datetime(2025, 4, 29, 9), working_days=2, title="Khác")
    assert t.deadline == date(2025, 5, 6)
    assert service.deadline_in_working_days(db, MONDAY, 5) == date(2025, 3, 10)


@pytest.mark.parametrize("who", ["office_admin", "sysadmin"])
def test_other_assigners(db, w, who):
    t = assign(db, w, actor=getattr(w, who))
    assert t.assigner_unit_id == (None if who == "sysadmin" else w.office.id)


@pytest.mark.parametrize(
    ("who", "kwargs", "error", "text"),
    [
        ("leader", {}, PermissionDenied, "Lãnh đạo không được giao nhiệm vụ"),
        ("dept_reporting", {}, PermissionDenied, "Cán bộ báo cáo không được giao nhiệm vụ"),
        ("dept_admin", {}, PermissionDenied, "Quản trị đơn vị không được giao nhiệm vụ"),
        ("other_assigner", {}, PermissionDenied, "không thuộc tỉnh của cơ quan giao nhiệm vụ"),
        ("assigner", {"deadline": None}, ValidationError, "một trong hai"),
        ("assigner", {"working_days": 3}, ValidationError, "một trong hai"),
        ("assigner", {"deadline": date(2025, 3, 1)}, ValidationError, "Hạn xử lý 1/3/2025 trước ngày giao 3/3/2025"),
        ("assigner", {"title": "  "}, ValidationError, "Chưa nhập tên nhiệm vụ"),
        ("assigner", {"document_number": ""}, ValidationError, "Chưa nhập số văn bản"),
        ("assigner", {"issuer_level": "bo"}, ValidationError, "Cơ quan giao «bo» không hợp lệ"),
        ("assigner", {"document_date": date(2025, 3, 4)}, ValidationError, "sau ngày giao"),
    ],
)
def test_assign_refused_creates_nothing(db, w, who, kwargs, error, text):
    args = dict(document_number="1/UBND", document_date=MONDAY.date(), issuer_level="ubnd_tinh", title="Nhiệm vụ",
                lead_unit=w.dept, deadline=date(2025, 3, 14), working_days=None, at=MONDAY)
    args.update(kwargs)
    with pytest.raises(error) as exc:
        service.assign(db, getattr(w, who), **args)
    assert text in exc.value.message
    assert db.scalar(select(func.count()).select_from(Task)) == 0
    assert db.scalar(select(func.count()).select_from(AssigningDocument)) == 0


def test_lifecycle_accept_report_confirm_on_time(db, w):
    t = assign(db, w)
    service.accept(db, w.leader, t, at=MONDAY + timedelta(hours=2))
    assert t.state == TaskState.IN_PROGRESS and t.accepted_at == MONDAY + timedelta(hours=2)
    service.report_done(db, w.specialist, t, "Đã ban hành Báo cáo số 45/BC-STP", at=datetime(2025, 3, 13, 10))
    assert t.state == TaskState.WAITING_CONFIRMATION and t.completed_on == date(2025, 3, 13)
    service.confirm(db, w.assigner, t, at=datetime(2025, 3, 17, 9))
    assert t.state == TaskState.DONE and t.on_time is True and t.done_at == datetime(2025, 3, 17, 9)
    steps = [(e.action, e.from_state, e.to_state) for e in t.events]
    assert steps == [
        ("giao", None, "cho_tiep_nhan"),
        ("tiep_nhan", "cho_tiep_nhan", "dang_thuc_hien"),
        ("bao_cao_hoan_thanh", "dang_thuc_hien", "cho_xac_nhan"),
        ("xac_nhan", "cho_xac_nhan", "hoan_thanh"),
    ]
    assert "đúng hạn" in t.events[-1].note
    assert service.allowed_actions(db, w.assigner, t) == [] and service.allowed_actions(db, w.leader, t) == []


def test_late_completion_and_extension(db, w):
    late = assign(db, w)
    service.accept(db, w.dept_admin, late, at=MONDAY)
    service.report_done(db, w.leader, late, "Xong", at=datetime(2025, 3, 17, 9))  # deadline 14/3
    service.confirm(db, w.assigner, late, at=datetime(2025, 3, 17, 10))
    assert late.on_time is False and "chậm" in late.events[-1].note

    extended = assign(db, w, title="Nhiệm vụ được gia hạn")
    service.accept(db, w.leader, extended, at=MONDAY)
    service.extend(db, w.assigner, extended, date(2025, 3, 21), "Chờ ý kiến các bộ", at=datetime(2025, 3, 12, 9))
    assert extended.extended_deadline == date(2025, 3, 21) and extended.extension_count == 1
    assert extended.state == TaskState.IN_PROGRESS and extended.deadline == date(2025, 3, 14)
    e = extended.events[-1]
    assert (e.action, e.from_state, e.to_state) == ("gia_han", "dang_thuc_hien", "dang_thuc_hien")
    assert "từ 14/3/2025 đến 21/3/2025: Chờ ý kiến các bộ" in e.note
    service.extend(db, w.sysadmin, extended, date(2025, 3, 28), "Lần hai", at=datetime(2025, 3, 20, 9))
    assert extended.extension_count == 2
    service.report_done(db, w.leader, extended, "Xong", at=datetime(2025, 3, 27, 9))
    service.confirm(db, w.office_admin, extended, at=datetime(2025, 3, 27, 10))
    assert extended.on_time is True


def test_return_goes_back_to_in_progress_and_can_be_reported_again(db, w):
    t = assign(db, w)
    service.accept(db, w.leader, t, at=MONDAY)
    service.report_done(db, w.leader, t, "Xong", at=datetime(2025, 3, 5, 9))
    service.return_task(db, w.assigner, t, "Báo cáo chưa đủ số liệu", at=datetime(2025, 3, 6, 9))
    assert t.state == TaskState.IN_PROGRESS and t.return_count == 1 and t.completed_on is None
    assert t.returned_at == datetime(2025, 3, 6, 9)
    assert (t.events[-1].action, t.events[-1].note) == ("tra_lai", "Báo cáo chưa đủ số liệu")
    service.report_done(db, w.leader, t, "Đã bổ sung", at=datetime(2025, 3, 10, 9))
    service.confirm(db, w.assigner, t, at=datetime(2025, 3, 10, 10))
    assert t.state == TaskState.DONE and t.on_time is True and len(t.events) == 6


def _in_state(db, w, state: TaskState):
    t = assign(db, w, title=f"Nhiệm vụ {state.value}")
    if state == TaskState.WAITING_ACCEPTANCE:
        return t
    service.accept(db, w.leader, t, at=MONDAY)
    if state == TaskState.IN_PROGRESS:
        return t
    service.report_done(db, w.leader, t, "Xong", at=MONDAY + timedelta(days=1))
    if state == TaskState.WAITING_CONFIRMATION:
        return t
    service.confirm(db, w.assigner, t, at=MONDAY + timedelta(days=2))
    return t


def _call(db, user, task, action):
    later = MONDAY + timedelta(days=3)
    if action == TaskAction.ACCEPT:
        return service.accept(db, user, task, at=later)
    if action == TaskAction.REPORT_DONE:
        return service.report_done(db, user, task, "Xong", at=later)
    if action == TaskAction.CONFIRM:
        return service.confirm(db, user, task, at=later)
    if action == TaskAction.RETURN:
        return service.return_task(db, user, task, "Lý do", at=later)
    return service.extend(db, user, task, date(2025, 4, 30), "Lý do", at=later)


ALL_STATES = list(TaskState)
WRONG_STATE = [(a, s) for a, ok in service.FROM_STATES.items() for s in ALL_STATES if s not in ok]
RIGHT_ACTOR = {TaskAction.ACCEPT: "leader", TaskAction.REPORT_DONE: "specialist", TaskAction.CONFIRM: "assigner",
               TaskAction.RETURN: "assigner", TaskAction.EXTEND: "assigner"}


@pytest.mark.parametrize(("action", "state"), WRONG_STATE, ids=[f"{a.value}-{s.value}" for a, s in WRONG_STATE])
def test_wrong_state_is_refused_and_changes_nothing(db, w, action, state):
    t = _in_state(db, w, state)
    before = snapshot(db, t)
    with pytest.raises(InvalidTransition) as exc:
        _call(db, getattr(w, RIGHT_ACTOR[action]), t, action)
    assert f"nhiệm vụ đang {state.label.lower()}" in exc.value.message and exc.value.http_status == 409
    assert snapshot(db, t) == before


WRONG_ROLE = [
    (TaskAction.ACCEPT, "specialist", "Chuyên viên không được tiếp nhận nhiệm vụ"),
    (TaskAction.ACCEPT, "receiver", "Cán bộ Bộ phận Một cửa không được tiếp nhận nhiệm vụ"),
    (TaskAction.ACCEPT, "assigner", "Cán bộ báo cáo không được tiếp nhận nhiệm vụ"),
    (TaskAction.REPORT_DONE, "receiver", "không được báo cáo hoàn thành"),
    (TaskAction.CONFIRM, "leader", "Lãnh đạo không được xác nhận hoàn thành"),
    (TaskAction.CONFIRM, "dept_reporting", "Cán bộ báo cáo không được xác nhận hoàn thành"),
    (TaskAction.RETURN, "dept_admin", "Quản trị đơn vị không được trả lại"),
    (TaskAction.EXTEND, "specialist", "Chuyên viên không được gia hạn"),
]
WRONG_UNIT = [
    (TaskAction.ACCEPT, "leader2", "do Sở Tư pháp chủ trì"),
    (TaskAction.REPORT_DONE, "leader2", "do Sở Tư pháp chủ trì"),
    (TaskAction.CONFIRM, "other_assigner", "do Văn phòng UBND tỉnh Thử Nghiệm giao"),
    (TaskAction.RETURN, "other_assigner", "do Văn phòng UBND tỉnh Thử Nghiệm giao"),
    (TaskAction.EXTEND, "other_assigner", "do Văn phòng UBND tỉnh Thử Nghiệm giao"),
]
START_OF = {TaskAction.ACCEPT: TaskState.WAITING_ACCEPTANCE, TaskAction.REPORT_DONE: TaskState.IN_PROGRESS,
            TaskAction.CONFIRM: TaskState.WAITING_CONFIRMATION, TaskAction.RETURN: TaskState.WAITING_CONFIRMATION,
            TaskAction.EXTEND: TaskState.IN_PROGRESS}


@pytest.mark.parametrize(("action", "who", "text"), WRONG_ROLE + WRONG_UNIT, ids=[f"{a.value}-{u}" for a, u, _ in WRONG_ROLE + WRONG_UNIT])
def test_wrong_role_or_unit_is_refused_and_changes_nothing(db, w, action, who, text):
    t = _in_state(db, w, START_OF[action])
    before = snapshot(db, t)
    with pytest.raises(PermissionDenied) as exc:
        _call(db, getattr(w, who), t, action)
    assert text in exc.value.message and exc.value.http_status == 403
    assert snapshot(db, t) == before
    assert action not in service.allowed_actions(db, getattr(w, who), t)
    assert action in service.allowed_actions(db, getattr(w, RIGHT_ACTOR[action]), t)


@pytest.mark.parametrize(
    ("state", "call", "text"),
    [
        (TaskState.IN_PROGRESS, lambda db, w, t: service.report_done(db, w.leader, t, "  ", at=MONDAY), "Cần nêu kết quả"),
        (TaskState.IN_PROGRESS, lambda db, w, t: service.report_done(db, w.leader, t, "x", completed_on=date(2025, 3, 9), at=MONDAY), "chưa tới"),
        (TaskState.IN_PROGRESS, lambda db, w, t: service.report_done(db, w.leader, t, "x", completed_on=date(2025, 3, 1), at=MONDAY), "trước ngày giao"),
        (TaskState.WAITING_CONFIRMATION, lambda db, w, t: service.return_task(db, w.assigner, t, ""), "lý do trả lại"),
        (TaskState.IN_PROGRESS, lambda db, w, t: service.extend(db, w.assigner, t, date(2025, 3, 20), ""), "lý do gia hạn"),
        (TaskState.IN_PROGRESS, lambda db, w, t: service.extend(db, w.assigner, t, date(2025, 3, 14), "x"), "phải sau hạn hiện tại 14/3/2025"),
    ],
)
def test_invalid_input_is_refused_and_changes_nothing(db, w, state, call, text):
    t = _in_state(db, w, state)
    before = snapshot(db, t)
    with pytest.raises(ValidationError) as exc:
        call(db, w, t)
    assert text in exc.value.message
    assert snapshot(db, t) == before


def test_allowed_actions_follow_state_and_user(db, w):
    t = assign(db, w)
    assert service.allowed_actions(db, w.leader, t) == [TaskAction.ACCEPT]
    assert service.allowed_actions(db, w.assigner, t) == [TaskAction.EXTEND]
    assert service.allowed_actions(db, w.specialist, t) == []
    service.accept(db, w.leader, t, at=MONDAY)
    assert service.allowed_actions(db, w.specialist, t) == [TaskAction.REPORT_DONE]
    service.report_done(db, w.leader, t, "Xong", at=MONDAY)
    assert service.allowed_actions(db, w.assigner, t) == [TaskAction.CONFIRM, TaskAction.RETURN]
    assert service.allowed_actions(db, None, t) == []


def test_list_and_visibility_by_scope(db, w):
    mine = assign(db, w, coordinating=[w.dept2])
    other = assign(db, w, lead=w.dept2, title="Nhiệm vụ của Sở Nội vụ", deadline=date(2025, 3, 4))
    foreign = assign(db, w, actor=w.other_assigner, lead=w.other_dept, title="Tỉnh khác")
    service.accept(db, w.leader, mine, at=MONDAY)
    today = date(2025, 3, 10)
    box = service.list_tasks(db, w.leader, today=today)
    assert [t.code for t in box.items] == [mine.code] and box.total == 1
    box = service.list_tasks(db, w.leader2, today=today)  # leads one, co-ordinates the other
    assert {t.code for t in box.items} == {mine.code, other.code} and box.overdue == 1
    assert box.by_state == {"cho_tiep_nhan": 1, "dang_thuc_hien": 1, "cho_xac_nhan": 0, "hoan_thanh": 0}
    box = service.list_tasks(db, w.assigner, today=today)
    assert {t.code for t in box.items} == {mine.code, other.code}
    assert [t.code for t in service.list_tasks(db, w.assigner, overdue=True, today=today).items] == [other.code]
    assert [t.code for t in service.list_tasks(db, w.assigner, state="dang_thuc_hien", today=today).items] == [mine.code]
    assert service.list_tasks(db, w.assigner, source="chinh_phu", today=today).total == 0
    assert service.list_tasks(db, w.sysadmin, today=today).total == 3
    assert [t.code for t in service.list_tasks(db, w.assigner, q="Sở Nội vụ", today=today).items] == [other.code]
    assert service.list_tasks(db, w.assigner, q=other.code, today=today).total == 1
    with pytest.raises(ValidationError, match="Trạng thái «xyz» không hợp lệ"):
        service.list_tasks(db, w.assigner, state="xyz")
    assert service.get_task(db, foreign.code, w.other_assigner) is foreign
    with pytest.raises(PermissionDenied, match="không thuộc phạm vi"):
        service.get_task(db, foreign.code, w.leader)
    with pytest.raises(Exception, match="Không tìm thấy nhiệm vụ mã «NV-KHONG»"):
        service.get_task(db, "NV-KHONG", w.leader)


def test_a_code_taken_at_the_same_moment_is_drawn_again(db, w, monkeypatch):
    """Two assignments at once draw the same next number: the later one gets the one after."""
    first = assign(db, w)
    drawn = iter(["NV2025-000001"])  # what a concurrent assignment's max + 1 gave: already taken
    real = service._next_code
    monkeypatch.setattr(service, "_next_code", lambda session, year: next(drawn, None) or real(session, year))
    second = assign(db, w, title="Giao cùng lúc")
    assert (first.code, second.code) == ("NV2025-000001", "NV2025-000002")
    assert db.scalar(select(func.count()).select_from(Task)) == 2
    assert [e.action for e in second.events] == ["giao"]


def test_a_code_that_keeps_colliding_is_refused_and_nothing_is_written(db, w, monkeypatch):
    assign(db, w)
    monkeypatch.setattr(service, "_next_code", lambda session, year: "NV2025-000001")
    with pytest.raises(InvalidTransition) as exc:
        assign(db, w, title="Không cấp được mã")
    assert "Không cấp được mã nhiệm vụ năm 2025" in exc.value.message
    assert db.scalar(select(func.count()).select_from(Task)) == 1
