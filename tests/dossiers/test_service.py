"""The dossier engine: lifecycle on every channel, refusals that change nothing, timeliness, Mẫu 06."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel, OnlinePayment, State, Timeliness
from cchc.dossiers.models import Dossier, DossierEvent, DossierStep
from cchc.dossiers.rules import CODE_RE
from cchc.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError

from .factories import APPLICANT, MONDAY, make_procedure

H = timedelta(hours=1)
D = timedelta(days=1)


def receive(db, w, at=MONDAY, channel=Channel.DIRECT, **kw):
    return svc.receive(db, w.receiver, procedure=kw.pop("procedure", w.procedure), unit=w.commune, channel=channel,
                       applicant=APPLICANT, at=at, owner=kw.pop("owner", w.citizen), **kw)


def to_leader(db, w, d, at):
    return svc.forward(db, w.specialist, d, note="Đủ điều kiện", at=at)


def snapshot(db, d):
    row = {c.key: getattr(d, c.key) for c in Dossier.__table__.columns}
    events = db.scalar(select(func.count()).select_from(DossierEvent).where(DossierEvent.dossier_id == d.id))
    steps = [(s.id, s.started_at, s.ended_at, s.assignee_id, s.due_at, s.timeliness) for s in d.steps]
    return row, events, steps


def assert_refused(db, d, exc, call, match=None):
    """The action raises `exc` and neither the objects in memory nor the database changed."""
    db.flush()
    before = snapshot(db, d)
    with pytest.raises(exc, match=match) as info:
        call()
    assert not db.new and not db.dirty, "an action half-changed the session before refusing"
    assert snapshot(db, d) == before
    db.expire_all()
    assert snapshot(db, d) == before
    return info.value


def events_of(db, d):
    return list(db.scalars(select(DossierEvent).where(DossierEvent.dossier_id == d.id).order_by(DossierEvent.id)))


# ---- happy paths ------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", [Channel.DIRECT, Channel.POSTAL])
def test_counter_and_postal_happy_path(db, world, channel):
    w = world
    d = receive(db, w, channel=channel)
    m = CODE_RE.match(d.code)
    assert m and m["unit"] == "H15.50.05.13" and m["day"] == "250303" and m["seq"] == "0001"
    assert d.state == State.PROCESSING and d.status_code == 4 and d.channel == int(channel)
    assert d.received_at == MONDAY and d.due_at == datetime(2025, 3, 6, 9, 0)  # 3 working days
    assert d.level == "xa" and len(d.components) == 2 and d.applicant_key == "nguyen van an"
    assert [s.step_seq for s in d.steps] == [1, 2] and d.steps[0].ended_at == MONDAY
    assert d.current_role == "chuyen_vien" and d.current_unit_id == w.commune.id
    assert d.current_step_due_at == datetime(2025, 3, 4, 9, 30)  # 8 office hours

    svc.forward(db, w.specialist, d, note="Đủ điều kiện", at=MONDAY + 6 * H)
    assert d.current_role == "lanh_dao" and d.steps[1].timeliness == Timeliness.EARLY
    svc.finish(db, w.leader, d, result_number="15/GKS", result_summary="Giấy khai sinh", at=MONDAY + D + H)
    assert d.state == State.FINISHED and d.status_code == 9 and d.ended_at == MONDAY + D + H
    assert d.timeliness == Timeliness.EARLY and not d.result_esigned  # signed only by a verified signature
    assert d.current_role == "mot_cua" and d.steps[-1].name == svc.RETURN_STEP_NAME
    svc.return_result(db, w.receiver, d, at=MONDAY + D + 3 * H)
    assert d.state == State.RETURNED and d.status_code == 10 and d.returned_at == MONDAY + D + 3 * H
    assert all(s.ended_at is not None for s in d.steps) and d.current_role is None
    db.expire_all()
    assert [e.action for e in events_of(db, d)] == ["receive", "forward", "finish", "return_result"]


def test_online_submission_accept_and_finish(db, world):
    w = world
    saturday = datetime(2025, 3, 8, 10, 0)
    d = svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=saturday)
    assert d.state == State.SUBMITTED and d.status_code == 1 and d.channel == 2
    assert d.code.endswith("-250308-0001") and d.received_at is None
    assert d.due_at == datetime(2025, 3, 13, 7, 30)  # provisional: counted from Monday's opening
    assert d.owner_user_id == w.citizen.id and d.current_role == "mot_cua"
    assert svc.inbox(db, w.receiver, at=saturday).items == [d]

    monday = datetime(2025, 3, 10, 8, 0)
    svc.accept(db, w.receiver, d, at=monday)
    assert d.state == State.PROCESSING and d.received_at == monday and d.due_at == datetime(2025, 3, 13, 8, 0)
    assert d.steps[0].started_at == saturday and d.steps[0].ended_at == monday
    to_leader(db, w, d, monday + 2 * H)
    svc.finish(db, w.leader, d, result_number="16/GKS", result_summary="Giấy khai sinh", at=monday + 4 * H)
    svc.return_result(db, w.receiver, d, at=monday + 5 * H)
    assert d.state == State.RETURNED
    assert [(e.action, e.from_state, e.to_state) for e in events_of(db, d)][:2] == [
        ("submit_online", None, "moi_dang_ky"), ("accept", "moi_dang_ky", "dang_xu_ly")]


def test_reject_submission_is_never_received(db, world):
    w = world
    d = svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=MONDAY)
    with pytest.raises(ValidationError, match="lý do"):
        svc.reject_submission(db, w.receiver, d, "  ", at=MONDAY + H)
    svc.reject_submission(db, w.receiver, d, "Sai thủ tục", at=MONDAY + H)
    assert d.state == State.NOT_ACCEPTED and d.status_code == 3 and d.not_accepted_at == MONDAY + H
    assert d.received_at is None and d.ended_at is None and d.timeliness is None and d.end_reason == "Sai thủ tục"


def test_online_only_for_online_procedures(db, world):
    w = world
    offline = make_procedure(db, "2.000001", online_level="khong")
    with pytest.raises(ValidationError, match="trực tuyến"):
        svc.submit_online(db, w.citizen, procedure=offline, unit=w.commune, applicant=APPLICANT, at=MONDAY)
    with pytest.raises(ValidationError, match="trực tuyến"):
        receive(db, w, channel=Channel.ONLINE, procedure=offline)
    assert db.scalar(select(func.count()).select_from(Dossier)) == 0


def test_receive_validates_everything_first(db, world):
    w = world
    with pytest.raises(ValidationError, match="Số định danh"):
        svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant={**APPLICANT, "id_number": "123"}, at=MONDAY)
    with pytest.raises(ValidationError, match="Kênh"):
        svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=7, applicant=APPLICANT, at=MONDAY)
    province_proc = make_procedure(db, "1.000002", levels="tinh")
    with pytest.raises(ValidationError, match="cấp xã"):
        svc.receive(db, w.receiver, procedure=province_proc, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY)
    with pytest.raises(ValidationError, match="không thuộc thủ tục"):
        svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, components=[{"component_id": 999999}], at=MONDAY)
    no_process = make_procedure(db, "1.000003", steps=(("Tiếp nhận", "mot_cua", 4, False),))
    with pytest.raises(ValidationError, match="quy trình nội bộ"):
        svc.receive(db, w.receiver, procedure=no_process, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY)
    # nothing was created and no number was consumed
    assert db.scalar(select(func.count()).select_from(Dossier)) == 0
    assert receive(db, w).code.endswith("-0001")


def test_codes_count_per_unit_per_day(db, world):
    w = world
    a, b = receive(db, w), receive(db, w, at=MONDAY + H)
    c = svc.receive(db, w.other_receiver, procedure=w.procedure, unit=w.other_commune, channel=1, applicant=APPLICANT, at=MONDAY)
    e = receive(db, w, at=MONDAY + D)
    assert [a.code[-4:], b.code[-4:], c.code[-4:], e.code[-4:]] == ["0001", "0002", "0001", "0001"]
    assert e.code.endswith("-250304-0001")


def test_components_given_as_names_and_ids(db, world):
    w = world
    comp = w.procedure.components[1]
    d = receive(db, w, components=["Bản sao CCCD", comp.id, {"component_id": comp.id, "copies": 2, "reused": True}])
    assert [(c.name, c.copies, c.reused) for c in d.components] == [
        ("Bản sao CCCD", 1, False), ("Giấy chứng sinh", 1, False), ("Giấy chứng sinh", 2, True)]


# ---- refusals change nothing ------------------------------------------------------------------
def _dossier_in(db, w, state: State) -> Dossier:
    """A dossier of a procedure with a fee brought to `state` by the system actor (events at MONDAY … MONDAY+1h)."""
    w.procedure = make_procedure(db, "1.000010", fee=50000)
    if state in (State.SUBMITTED, State.NOT_ACCEPTED):
        d = svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=MONDAY)
        if state == State.NOT_ACCEPTED:
            svc.reject_submission(db, None, d, "Sai thủ tục", at=MONDAY + H)
        return d
    d = receive(db, w)
    if state == State.SUPPLEMENT:
        svc.request_supplement(db, None, d, "Thiếu giấy chứng sinh", ["Giấy chứng sinh"], at=MONDAY + H)
    elif state == State.FINANCIAL:
        svc.request_financial(db, None, d, 50000, at=MONDAY + H)
    elif state in (State.FINISHED, State.RETURNED):
        svc.forward(db, None, d, at=MONDAY + H / 2)
        svc.finish(db, None, d, result_number="1/KQ", result_summary="Kết quả", at=MONDAY + H)
        if state == State.RETURNED:
            svc.return_result(db, None, d, at=MONDAY + H)
    elif state == State.REFUSED:
        svc.refuse(db, None, d, "Không đủ điều kiện", at=MONDAY + H)
    elif state == State.WITHDRAWN:
        svc.withdraw(db, None, d, "Công dân xin rút", at=MONDAY + H)
    assert d.state == state
    return d


AT = MONDAY + 2 * H
ACTIONS = {
    "accept": ({State.SUBMITTED}, lambda db, w, d: svc.accept(db, None, d, at=AT)),
    "reject_submission": ({State.SUBMITTED}, lambda db, w, d: svc.reject_submission(db, None, d, "x", at=AT)),
    "forward": ({State.PROCESSING}, lambda db, w, d: svc.forward(db, None, d, at=AT)),
    "send_back": ({State.PROCESSING}, lambda db, w, d: svc.send_back(db, None, d, "Thiếu chữ ký", at=AT)),
    "assign": ({State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL}, lambda db, w, d: svc.assign(db, None, d, w.specialist2, at=AT)),
    "request_supplement": ({State.PROCESSING}, lambda db, w, d: svc.request_supplement(db, None, d, "Thiếu", ["A"], at=AT)),
    "supplement": ({State.SUPPLEMENT}, lambda db, w, d: svc.supplement(db, None, d, at=AT)),
    "apologize": ({State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL},
                  lambda db, w, d: svc.apologize(db, None, d, "Chờ xác minh", datetime(2025, 3, 12, 9), at=AT)),
    "refuse": ({State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL}, lambda db, w, d: svc.refuse(db, None, d, "x", at=AT)),
    "withdraw": ({State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL}, lambda db, w, d: svc.withdraw(db, None, d, "x", at=AT)),
    "stop": ({State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL}, lambda db, w, d: svc.stop(db, None, d, "x", at=AT)),
    "request_financial": ({State.PROCESSING}, lambda db, w, d: svc.request_financial(db, None, d, 1000, at=AT)),
    "record_payment": ({State.SUBMITTED, State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL},
                       lambda db, w, d: svc.record_payment(db, None, d, 50000, OnlinePayment.DVCQG, at=AT)),
    "finish": ({State.PROCESSING}, lambda db, w, d: svc.finish(db, None, d, result_number="1", result_summary="x", at=AT)),
    "return_result": ({State.FINISHED}, lambda db, w, d: svc.return_result(db, None, d, at=AT)),
}
STATES = [State.SUBMITTED, State.NOT_ACCEPTED, State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL,
          State.FINISHED, State.RETURNED, State.REFUSED, State.WITHDRAWN]


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.value)
def test_each_action_refused_in_each_wrong_state(db, world, state):
    d = _dossier_in(db, world, state)
    refused = 0
    for name, (allowed, call) in ACTIONS.items():
        if state in allowed:
            continue
        err = assert_refused(db, d, InvalidTransition, lambda: call(db, world, d))
        assert d.code in err.message and State(d.state).label in err.message, (name, err.message)
        refused += 1
    assert refused >= 4
    assert set(svc.allowed_actions(db, None, d, at=AT)) <= {n for n, (a, _) in ACTIONS.items() if state in a} | {"mark_digitized", "attach_file"}


def test_wrong_role_or_unit_is_refused_and_changes_nothing(db, world):
    w = world
    d = receive(db, w)
    later = MONDAY + H
    for actor in (w.other_specialist, w.leader, w.receiver, w.citizen, w.reporter):
        err = assert_refused(db, d, PermissionDenied, lambda: svc.forward(db, actor, d, at=later))
        assert "Thẩm định hồ sơ" in err.message and "Xã Mỹ An Hưng" in err.message
    assert_refused(db, d, PermissionDenied, lambda: svc.request_supplement(db, w.other_specialist, d, "x", at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.request_financial(db, w.leader, d, 1000, at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.refuse(db, w.other_leader, d, "x", at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.refuse(db, w.receiver, d, "x", at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.withdraw(db, w.other_citizen, d, "x", at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.withdraw(db, w.other_receiver, d, "x", at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.stop(db, w.specialist, d, "x", at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.assign(db, w.specialist, d, w.specialist2, at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.assign(db, w.other_leader, d, w.specialist2, at=later))
    assert_refused(db, d, ValidationError, lambda: svc.assign(db, w.leader, d, w.other_specialist, at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.apologize(db, w.other_leader, d, "x", datetime(2025, 3, 10), at=later))
    assert_refused(db, d, PermissionDenied, lambda: svc.mark_digitized(db, w.other_receiver, d, components=True, at=later))
    assert_refused(db, d, InvalidTransition, lambda: svc.finish(db, w.specialist, d, result_number="1", result_summary="x", at=later),
                   match="bước lãnh đạo")
    to_leader(db, w, d, later)
    assert_refused(db, d, PermissionDenied, lambda: svc.finish(db, w.specialist, d, result_number="1", result_summary="x", at=later))
    svc.finish(db, w.leader, d, result_number="1", result_summary="x", at=later + H)
    assert_refused(db, d, PermissionDenied, lambda: svc.return_result(db, w.other_receiver, d, at=later + H))
    assert_refused(db, d, PermissionDenied, lambda: svc.return_result(db, w.specialist, d, at=later + H))

    s = svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=MONDAY)
    assert_refused(db, s, PermissionDenied, lambda: svc.accept(db, w.other_receiver, s, at=later))
    assert_refused(db, s, PermissionDenied, lambda: svc.accept(db, w.specialist, s, at=later))
    assert_refused(db, s, PermissionDenied, lambda: svc.reject_submission(db, w.citizen, s, "x", at=later))


def test_receipt_and_submission_permissions(db, world):
    w = world
    for actor in (w.specialist, w.other_receiver, w.citizen, w.leader):
        with pytest.raises(PermissionDenied, match="tiếp nhận"):
            svc.receive(db, actor, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY)
    with pytest.raises(PermissionDenied, match="công dân"):
        svc.submit_online(db, w.receiver, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=MONDAY)
    w.receiver.active = False
    with pytest.raises(PermissionDenied, match="khóa"):
        receive(db, w)
    assert db.scalar(select(func.count()).select_from(Dossier)) == 0


def test_officer_of_the_parent_area_receives_for_the_unit(db, world):
    from .factories import make_unit, make_user

    w = world
    desk = make_unit(db, "H15.50.05.13.01", "Bộ phận Một cửa xã Mỹ An Hưng", "xa", w.commune, is_area=False, kind="bo_phan_mot_cua")
    d = svc.receive(db, w.receiver, procedure=w.procedure, unit=desk, channel=1, applicant=APPLICANT, at=MONDAY)
    assert d.code.startswith("H15.50.05.13.01-") and d.current_unit_id == desk.id
    desk_officer = make_user(db, "motcua_bp", "mot_cua", desk)
    with pytest.raises(PermissionDenied):  # an agency officer does not act for its parent area
        svc.receive(db, desk_officer, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY)


def test_actions_may_not_be_dated_before_the_previous_one(db, world):
    w = world
    d = receive(db, world)
    assert_refused(db, d, ValidationError, lambda: svc.forward(db, w.specialist, d, at=MONDAY - H), match="trước thao tác")


# ---- workflow ---------------------------------------------------------------------------------
def test_send_back_assign_and_return_to_previous_handler(db, world):
    w = world
    d = receive(db, w)
    svc.assign(db, w.leader, d, w.specialist2, at=MONDAY + H)
    assert d.current_assignee_id == w.specialist2.id
    # the assignee acts; the other specialist of the unit still holds the role
    svc.forward(db, w.specialist2, d, note="Trình ký", at=MONDAY + 2 * H)
    assert d.steps[1].assignee_id == w.specialist2.id
    assert_refused(db, d, ValidationError, lambda: svc.send_back(db, w.leader, d, "", at=MONDAY + 3 * H))
    svc.send_back(db, w.leader, d, "Thiếu xác minh", at=MONDAY + 3 * H)
    assert d.current_step_seq == 2 and d.current_assignee_id == w.specialist2.id
    assert d.steps[2].outcome == "tra_lai" and d.steps[2].note == "Thiếu xác minh"
    svc.send_back(db, w.specialist2, d, "Xác minh lại giấy tờ", at=MONDAY + 4 * H)
    assert d.current_step_seq == 1 and d.current_role == "mot_cua" and d.current_assignee_id == w.receiver.id
    svc.forward(db, w.receiver, d, at=MONDAY + 5 * H)
    assert d.current_step_seq == 2 and d.current_assignee_id is None
    # unit admin may assign too, with an assignee on forward
    svc.forward(db, w.specialist, d, assignee=w.leader, at=MONDAY + 6 * H)
    assert d.current_assignee_id == w.leader.id
    assert_refused(db, d, InvalidTransition, lambda: svc.forward(db, w.leader, d, at=MONDAY + 7 * H), match="bước cuối")
    assert [e.action for e in events_of(db, d)] == ["receive", "assign", "forward", "send_back", "send_back", "forward", "forward"]


def test_send_back_only_where_the_step_allows(db, world):
    w = world
    proc = make_procedure(db, "1.000004", steps=(("Tiếp nhận", "mot_cua", 4, False), ("Xử lý", "chuyen_vien", 8, False),
                                               ("Duyệt", "lanh_dao", 4, True)))
    d = receive(db, w, procedure=proc)
    assert_refused(db, d, InvalidTransition, lambda: svc.send_back(db, w.specialist, d, "x", at=MONDAY + H), match="không được phép trả lại")
    assert "send_back" not in svc.allowed_actions(db, w.specialist, d)
    assert "forward" in svc.allowed_actions(db, w.specialist, d)


def test_unit_admin_assigns_and_assignee_must_fit(db, world):
    w = world
    d = receive(db, w)
    svc.assign(db, w.unit_admin, d, w.specialist2, at=MONDAY + H)
    assert_refused(db, d, ValidationError, lambda: svc.assign(db, w.unit_admin, d, w.leader, at=MONDAY + H), match="Chuyên viên")
    # the assignee sees it in their inbox, the other specialist no longer does
    assert d in svc.inbox(db, w.specialist2, at=MONDAY + H).items
    assert d not in svc.inbox(db, w.specialist, at=MONDAY + H).items


# ---- supplement, apology, timeliness ----------------------------------------------------------
def test_supplement_only_once_and_time_removed(db, world):
    w = world
    d = receive(db, w)
    svc.request_supplement(db, w.specialist, d, "Thiếu giấy chứng sinh", ["Giấy chứng sinh bản chính"], at=MONDAY + H)
    assert d.state == State.SUPPLEMENT and d.status_code == 5 and d.supplement_count == 1
    assert_refused(db, d, PermissionDenied, lambda: svc.supplement(db, w.other_citizen, d, at=MONDAY + 2 * H))
    back = datetime(2025, 3, 10, 10, 0)  # 7 days later
    svc.supplement(db, w.citizen, d, note="Đã nộp bản chính", at=back)
    assert d.state == State.PROCESSING and d.current_step_seq == 2 and d.supplemented_at == back
    assert d.supplement_seconds == 7 * 86400
    assert d.current_step_due_at == datetime(2025, 3, 4, 9, 30) + 7 * D  # the step's clock stopped too
    err = assert_refused(db, d, InvalidTransition, lambda: svc.request_supplement(db, w.specialist, d, "Thiếu nữa", [], at=back + H))
    assert "chỉ được thực hiện một lần" in err.message and "118/2025" in err.message
    to_leader(db, w, d, back + H)
    assert d.steps[1].timeliness == Timeliness.EARLY
    svc.finish(db, w.leader, d, result_number="17/GKS", result_summary="Giấy khai sinh", at=datetime(2025, 3, 12, 9, 0))
    # 12/3 09:00 − 7 days = 5/3 09:00, before the due day 6/3: early despite the calendar date
    assert d.due_at == datetime(2025, 3, 6, 9, 0) and d.timeliness == Timeliness.EARLY
    ev = [e for e in events_of(db, d) if e.action == "request_supplement"][0]
    assert ev.data == {"items": ["Giấy chứng sinh bản chính"]} and ev.note == "Thiếu giấy chứng sinh"


def test_supplement_at_the_counter_by_the_receiving_officer(db, world):
    w = world
    d = receive(db, w)
    svc.request_supplement(db, w.specialist, d, "Thiếu", [], at=MONDAY + H)
    assert "supplement" in svc.allowed_actions(db, w.citizen, d)
    assert "supplement" in svc.allowed_actions(db, w.receiver, d)
    assert "supplement" not in svc.allowed_actions(db, w.specialist, d)
    svc.supplement(db, w.receiver, d, at=MONDAY + 3 * H)
    assert d.supplement_seconds == 2 * 3600


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (datetime(2025, 3, 5, 16, 0), Timeliness.EARLY),
        (datetime(2025, 3, 6, 8, 0), Timeliness.ON_TIME),
        (datetime(2025, 3, 6, 9, 0), Timeliness.ON_TIME),
        (datetime(2025, 3, 6, 9, 1), Timeliness.LATE),
        (datetime(2025, 3, 10, 8, 0), Timeliness.LATE),
    ],
)
def test_timeliness_of_a_finished_dossier(db, world, finished, expected):
    w = world
    d = receive(db, w)
    to_leader(db, w, d, MONDAY + H)
    svc.finish(db, w.leader, d, result_number="1", result_summary="x", at=finished)
    assert d.timeliness == expected


def test_apology_once_before_the_deadline_and_still_late(db, world):
    w = world
    d = receive(db, w)
    assert_refused(db, d, ValidationError, lambda: svc.apologize(db, w.specialist, d, "Chờ xác minh", datetime(2025, 3, 5), at=MONDAY + D),
                   match="phải sau hạn trả")
    svc.apologize(db, w.specialist, d, "Chờ xác minh", datetime(2025, 3, 11, 9, 0), at=datetime(2025, 3, 4, 10, 0))
    assert d.extended_due_at == datetime(2025, 3, 11, 9, 0) and d.due_at == datetime(2025, 3, 6, 9, 0) and d.apology_count == 1
    err = assert_refused(db, d, InvalidTransition,
                         lambda: svc.apologize(db, w.leader, d, "Lần nữa", datetime(2025, 3, 14), at=datetime(2025, 3, 4, 11)))
    assert "chỉ được gửi một lần" in err.message
    to_leader(db, w, d, datetime(2025, 3, 7, 9))
    svc.finish(db, w.leader, d, result_number="1", result_summary="x", at=datetime(2025, 3, 10, 9))
    assert d.timeliness == Timeliness.LATE  # against the original due date
    assert d.steps[-1].due_at == datetime(2025, 3, 11, 9, 0)  # the return is promised for the new date


def test_apology_too_late_is_refused(db, world):
    w = world
    d = receive(db, w)
    # due Thursday 6/3 09:00: Wednesday is the last day (1 working day before), Thursday is too late
    err = assert_refused(db, d, InvalidTransition,
                         lambda: svc.apologize(db, w.leader, d, "Chờ", datetime(2025, 3, 12), at=datetime(2025, 3, 6, 8, 0)))
    assert "01 ngày làm việc" in err.message and "6/3/2025" in err.message
    assert "apologize" not in svc.allowed_actions(db, w.leader, d, at=datetime(2025, 3, 6, 8, 0))
    assert "apologize" in svc.allowed_actions(db, w.leader, d, at=datetime(2025, 3, 5, 16, 0))
    svc.apologize(db, w.leader, d, "Chờ", datetime(2025, 3, 12), at=datetime(2025, 3, 5, 16, 0))


def test_apology_counts_working_days_over_a_weekend(db, world):
    w = world
    friday = datetime(2025, 3, 7, 9, 0)
    d = receive(db, w, at=friday)  # due Wednesday 12/3
    assert d.due_at == datetime(2025, 3, 12, 9, 0)
    with pytest.raises(InvalidTransition):
        svc.apologize(db, w.leader, d, "Chờ", datetime(2025, 3, 20), at=datetime(2025, 3, 12, 8))
    svc.apologize(db, w.leader, d, "Chờ", datetime(2025, 3, 20), at=datetime(2025, 3, 11, 8))


# ---- Mẫu 06 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("handed_over", "expected"),
    [
        (MONDAY + 6 * H, Timeliness.EARLY),  # step due Tuesday 09:30
        (datetime(2025, 3, 4, 9, 0), Timeliness.ON_TIME),
        (datetime(2025, 3, 4, 9, 30), Timeliness.ON_TIME),
        (datetime(2025, 3, 4, 10, 0), Timeliness.LATE),
    ],
)
def test_step_handover_classification(db, world, handed_over, expected):
    w = world
    d = receive(db, w)
    svc.forward(db, w.specialist, d, at=handed_over)
    row = d.steps[1]
    assert (row.started_at, row.due_at, row.ended_at, row.outcome) == (MONDAY, datetime(2025, 3, 4, 9, 30), handed_over, "chuyen_tiep")
    assert row.timeliness == expected and row.assignee_id == w.specialist.id
    ev = events_of(db, d)[-1]
    assert ev.data["timeliness"] == expected.value and ev.data["from_step"] == 2 and ev.data["to_step"] == 3


def test_mau06_rows_of_a_full_process(db, world):
    w = world
    d = receive(db, w)
    to_leader(db, w, d, datetime(2025, 3, 4, 11, 0))  # late step
    svc.finish(db, w.leader, d, result_number="1", result_summary="x", at=datetime(2025, 3, 4, 14, 0))
    svc.return_result(db, w.receiver, d, at=datetime(2025, 3, 7, 8, 0))  # after the appointment
    rows = db.scalars(select(DossierStep).where(DossierStep.dossier_id == d.id).order_by(DossierStep.id)).all()
    assert [(r.step_seq, r.role, r.outcome, r.timeliness) for r in rows] == [
        (1, "mot_cua", "chuyen_tiep", "dung_han"),  # handed over on the day it was received
        (2, "chuyen_vien", "chuyen_tiep", "qua_han"),
        (3, "lanh_dao", "ket_thuc", "dung_han"),  # due 17:00 the same day
        (4, "mot_cua", "ket_thuc", "qua_han"),
    ]


# ---- ending without a result, fees ------------------------------------------------------------
def test_refuse_withdraw_stop(db, world):
    w = world
    a = receive(db, w)
    svc.refuse(db, w.specialist, a, "Không đủ điều kiện", at=MONDAY + H)  # specialist at the first processing step
    assert (a.state, a.status_code, a.ended_at, a.timeliness, a.end_reason) == (
        State.REFUSED, 3, MONDAY + H, Timeliness.EARLY, "Không đủ điều kiện")
    b = receive(db, w)
    to_leader(db, w, b, MONDAY + H)
    assert_refused(db, b, PermissionDenied, lambda: svc.refuse(db, w.specialist, b, "x", at=MONDAY + 2 * H))
    svc.withdraw(db, w.citizen, b, "Tôi không cần nữa", at=datetime(2025, 3, 7, 8))
    assert (b.state, b.status_code, b.timeliness) == (State.WITHDRAWN, 7, Timeliness.LATE)
    c = receive(db, w)
    svc.request_supplement(db, w.specialist, c, "Thiếu", [], at=MONDAY + H)
    svc.stop(db, w.leader, c, "Chủ hồ sơ đề nghị dừng", at=datetime(2025, 3, 20))
    # still waiting for the supplement: the end counts at the request date
    assert (c.state, c.status_code, c.timeliness, c.current_role) == (State.STOPPED, 8, Timeliness.EARLY, None)
    assert c.steps[-1].outcome == "ket_thuc"
    assert_refused(db, c, InvalidTransition, lambda: svc.withdraw(db, w.citizen, c, "x", at=datetime(2025, 3, 21)))


def test_financial_wait_and_payment(db, world):
    w = world
    d = receive(db, w)
    assert_refused(db, d, ValidationError, lambda: svc.request_financial(db, w.specialist, d, -5, at=MONDAY + H))
    svc.request_financial(db, w.specialist, d, "50000", at=MONDAY + H)
    assert (d.state, d.status_code, d.fee_amount, d.financial_requested_at) == (State.FINANCIAL, 6, Decimal(50000), MONDAY + H)
    assert d in svc.inbox(db, w.citizen).items
    assert_refused(db, d, ValidationError, lambda: svc.record_payment(db, None, d, 40000, OnlinePayment.DVCQG, at=MONDAY + 2 * H),
                   match="ít hơn")
    # a citizen never marks their own fee paid, online or not: the gateway's confirmation does (cchc.payments)
    for how in (OnlinePayment.NONE, OnlinePayment.DVCQG, OnlinePayment.LOCAL_GATEWAY):
        assert_refused(db, d, PermissionDenied, lambda: svc.record_payment(db, w.citizen, d, 50000, how, at=MONDAY + 2 * H),
                       match="Công dân không tự ghi nhận nộp phí")
    assert_refused(db, d, PermissionDenied, lambda: svc.record_payment(db, w.other_citizen, d, 50000, 1, at=MONDAY + 2 * H))
    # an officer records counter payments only
    assert_refused(db, d, ValidationError, lambda: svc.record_payment(db, w.receiver, d, 50000, 2, at=MONDAY + 2 * H),
                   match="cổng thanh toán xác nhận")
    svc.record_payment(db, None, d, 50000, OnlinePayment.LOCAL_GATEWAY, at=MONDAY + 2 * H)
    assert (d.state, d.fee_paid, d.paid_online) == (State.PROCESSING, True, 2)
    assert_refused(db, d, InvalidTransition, lambda: svc.record_payment(db, w.receiver, d, 50000, 0, at=MONDAY + 3 * H), match="đã được")
    free = receive(db, w)
    assert_refused(db, free, InvalidTransition, lambda: svc.record_payment(db, w.receiver, free, 1000, 0, at=MONDAY + H),
                   match="không có khoản phí")


def test_fee_of_the_procedure_paid_at_the_counter(db, world):
    w = world
    proc = make_procedure(db, "1.000005", fee=8000)
    d = receive(db, w, procedure=proc)
    assert d.fee_amount == Decimal(8000)
    svc.record_payment(db, w.receiver, d, 8000, OnlinePayment.NONE, at=MONDAY)
    assert (d.state, d.fee_paid, d.paid_online) == (State.PROCESSING, True, 0)


def test_finish_requires_a_result(db, world):
    w = world
    d = receive(db, w)
    to_leader(db, w, d, MONDAY + H)
    assert_refused(db, d, ValidationError, lambda: svc.finish(db, w.leader, d, result_number=" ", result_summary="", at=MONDAY + 2 * H))


def test_mark_digitized(db, world):
    w = world
    d = receive(db, w)
    with pytest.raises(InvalidTransition, match="chưa có kết quả"):
        svc.mark_digitized(db, w.receiver, d, result=True, at=MONDAY)
    svc.mark_digitized(db, w.receiver, d, components=True, at=MONDAY)
    assert d.components_digitized and all(c.digitized for c in d.components)
    assert_refused(db, d, PermissionDenied, lambda: svc.mark_digitized(db, w.citizen, d, components=True, at=MONDAY))


# ---- event log --------------------------------------------------------------------------------
def test_event_log_is_append_only_with_who_when_from_to(db, world):
    w = world
    d = receive(db, w)
    svc.request_supplement(db, w.specialist, d, "Thiếu", ["Tờ khai"], at=MONDAY + H)
    svc.supplement(db, w.citizen, d, at=MONDAY + 2 * H)
    evs = events_of(db, d)
    assert [(e.action, e.actor_id, e.actor_name, e.at, e.from_state, e.to_state) for e in evs] == [
        ("receive", w.receiver.id, "Nguyễn Thị Một Cửa", MONDAY, None, "dang_xu_ly"),
        ("request_supplement", w.specialist.id, "Trần Văn Chuyên", MONDAY + H, "dang_xu_ly", "yeu_cau_bo_sung"),
        ("supplement", w.citizen.id, "Nguyễn Văn An", MONDAY + 2 * H, "yeu_cau_bo_sung", "dang_xu_ly"),
    ]
    nested = db.begin_nested()
    evs[0].note = "sửa lịch sử"
    with pytest.raises(InvalidTransition, match="chỉ được ghi thêm"):
        db.flush()
    nested.rollback()
    nested = db.begin_nested()
    db.delete(events_of(db, d)[1])
    with pytest.raises(InvalidTransition, match="chỉ được ghi thêm"):
        db.flush()
    nested.rollback()
    db.expire_all()
    assert [(e.action, e.note) for e in events_of(db, d)][:2] == [("receive", ""), ("request_supplement", "Thiếu")]


def test_system_actor_is_named(db, world):
    d = svc.receive(db, None, procedure=world.procedure, unit=world.commune, channel=1, applicant=APPLICANT, at=MONDAY)
    ev = events_of(db, d)[0]
    assert ev.actor_id is None and ev.actor_name == "Hệ thống"


# ---- reading ----------------------------------------------------------------------------------
def test_allowed_actions_per_actor(db, world):
    w = world
    d = receive(db, w)
    at = MONDAY + H
    assert set(svc.allowed_actions(db, w.specialist, d, at=at)) == {
        "forward", "send_back", "request_supplement", "apologize", "refuse", "request_financial",
        "mark_digitized", "attach_file"}
    assert set(svc.allowed_actions(db, w.leader, d, at=at)) == {"assign", "apologize", "refuse", "stop", "mark_digitized", "attach_file"}
    assert set(svc.allowed_actions(db, w.citizen, d, at=at)) == {"withdraw", "stop"}
    svc.request_financial(db, w.specialist, d, 20000, at=at)
    assert set(svc.allowed_actions(db, w.citizen, d, at=at)) == {"withdraw", "stop"}  # paying is the gateway's word
    assert svc.allowed_actions(db, w.other_specialist, d, at=at) == []


def test_get_dossier_is_scoped(db, world):
    w = world
    d = receive(db, w)
    assert svc.get_dossier(db, w.citizen, d.code) is d
    assert svc.get_dossier(db, w.specialist, d.code) is d
    assert svc.get_dossier(db, w.reporter, d.code) is d
    assert svc.get_dossier(db, w.admin, d.code) is d
    with pytest.raises(PermissionDenied, match="không phải của bạn"):
        svc.get_dossier(db, w.other_citizen, d.code)
    with pytest.raises(PermissionDenied, match="phạm vi"):
        svc.get_dossier(db, w.other_receiver, d.code)
    with pytest.raises(NotFound, match="H15-000000-0000"):
        svc.get_dossier(db, w.admin, "H15-000000-0000")


def test_search_is_accent_insensitive_and_scoped(db, world):
    w = world
    a = receive(db, w)
    b = svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1,
                    applicant={"name": "Trần Thị Đào"}, at=MONDAY + D)
    c = svc.receive(db, w.other_receiver, procedure=w.procedure, unit=w.other_commune, channel=1,
                    applicant={"name": "Nguyễn Văn Ánh"}, at=MONDAY)
    ids = lambda page: [x.id for x in page.items]  # noqa: E731
    assert ids(svc.search_dossiers(db, w.receiver, q="nguyen van")) == [a.id]
    assert ids(svc.search_dossiers(db, w.reporter, q="NGUYỄN VĂN")) == [c.id, a.id]
    assert ids(svc.search_dossiers(db, w.receiver, q="dao")) == [b.id]
    assert ids(svc.search_dossiers(db, w.receiver, q=b.code)) == [b.id]
    assert ids(svc.search_dossiers(db, w.receiver, q="khai sinh")) == [b.id, a.id]
    assert ids(svc.search_dossiers(db, w.receiver, q="087090001234")) == [a.id]
    assert ids(svc.search_dossiers(db, w.citizen)) == [a.id]
    assert ids(svc.search_dossiers(db, w.other_citizen)) == []
    assert ids(svc.search_dossiers(db, w.admin)) == [c.id, b.id, a.id]
    assert ids(svc.search_dossiers(db, w.reporter, date_from=MONDAY.date() + D)) == [b.id]
    assert ids(svc.search_dossiers(db, w.reporter, date_to=MONDAY.date())) == [c.id, a.id]
    assert ids(svc.search_dossiers(db, w.reporter, procedure_code="1.001193", state=State.PROCESSING)) == [c.id, b.id, a.id]
    page = svc.search_dossiers(db, w.reporter, limit=2, offset=2)
    assert page.total == 3 and ids(page) == [a.id]
    assert svc.search_dossiers(db, w.reporter, q="100%_").total == 0
    with pytest.raises(ValidationError, match="Trạng thái"):
        svc.search_dossiers(db, w.reporter, state="khong_co")


def test_inbox_overdue_first_then_due_soon(db, world):
    w = world
    old = receive(db, w, at=datetime(2025, 2, 24, 9))  # due 27/2: overdue on 5/3
    new = receive(db, w, at=MONDAY)  # due 6/3 09:00: due within one working day on 5/3
    far = receive(db, w, at=datetime(2025, 3, 5, 9))  # due 10/3
    led = receive(db, w, at=MONDAY)
    to_leader(db, w, led, MONDAY + H)
    box = svc.inbox(db, w.specialist, at=datetime(2025, 3, 5, 10))
    assert [d.id for d in box.items] == [old.id, new.id, far.id]
    assert (box.total, box.overdue, box.due_soon) == (3, 1, 1)
    assert [d.id for d in svc.inbox(db, w.leader, at=datetime(2025, 3, 5, 10)).items] == [led.id]
    assert svc.inbox(db, w.other_specialist).total == 0
    assert svc.inbox(db, w.reporter).total == 0
    svc.finish(db, w.leader, led, result_number="1", result_summary="x", at=MONDAY + 2 * H)
    assert [d.id for d in svc.inbox(db, w.receiver).items] == [led.id]


# ---- concurrency ------------------------------------------------------------------------------
def test_codes_stay_unique_when_eight_counters_receive_at_once(committed):
    """8 threads, each with its own session and connection, receive 5 dossiers each at the same moment."""
    import threading

    from sqlalchemy.orm import Session

    from cchc.auth.models import User
    from cchc.procedures.models import Procedure
    from cchc.units.models import Unit

    from .factories import make_user, make_world

    engine = committed
    with Session(engine) as s:
        w = make_world(s)
        receivers = [w.receiver.id] + [make_user(s, f"motcua_{i}", "mot_cua", w.commune).id for i in range(7)]
        proc_id, unit_id = w.procedure.id, w.commune.id
        s.commit()

    threads, per_thread = 8, 5
    barrier = threading.Barrier(threads)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(user_id: int) -> None:
        try:
            with Session(engine) as s:
                actor, proc, unit = s.get(User, user_id), s.get(Procedure, proc_id), s.get(Unit, unit_id)
                proc.steps, proc.components, proc.fees  # noqa: B018 — load before the race
                barrier.wait(timeout=30)
                for _ in range(per_thread):
                    d = svc.receive(s, actor, procedure=proc, unit=unit, channel=1, applicant=APPLICANT, at=MONDAY)
                    s.commit()
                    with lock:
                        codes.append(d.code)
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)

    pool = [threading.Thread(target=work, args=(uid,)) for uid in receivers]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not errors, errors
    assert len(codes) == threads * per_thread and len(set(codes)) == len(codes)
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, threads * per_thread + 1))
    with Session(engine) as s:
        assert s.scalar(select(func.count(func.distinct(Dossier.code)))) == threads * per_thread
        from cchc.dossiers.models import DossierCounter

        assert s.scalar(select(DossierCounter.last_seq)) == threads * per_thread


def test_step_at_another_unit_moves_the_dossier_there(db, world):
    """Liên thông: a step of the process at a provincial department."""
    from cchc.auth import scope

    from .factories import make_unit, make_user

    w = world
    dept = make_unit(db, "000.00.15.H15", "Sở Tư pháp", "tinh", w.province, is_area=False, kind="so")
    dept_leader = make_user(db, "lanhdao_so", "lanh_dao", dept, "Giám Đốc Sở")
    proc = make_procedure(db, "1.000011")
    proc.steps[2].unit_id = dept.id
    db.flush()
    d = receive(db, w, procedure=proc)
    svc.forward(db, w.specialist, d, at=MONDAY + H)
    assert d.current_unit_id == dept.id and d.steps[-1].unit_id == dept.id
    assert d in svc.inbox(db, dept_leader, at=MONDAY + H).items and d not in svc.inbox(db, w.leader).items
    assert_refused(db, d, PermissionDenied, lambda: svc.finish(db, w.leader, d, result_number="1", result_summary="x", at=MONDAY + 2 * H))
    assert scope.can_see(db, dept_leader, d) and svc.search_dossiers(db, dept_leader).items == [d]
    svc.send_back(db, dept_leader, d, "Bổ sung ý kiến thẩm định", at=MONDAY + 2 * H)
    assert d.current_unit_id == w.commune.id
    assert scope.can_see(db, dept_leader, d)  # the department keeps seeing the dossier it handled
    svc.forward(db, w.specialist, d, at=MONDAY + 3 * H)
    svc.finish(db, dept_leader, d, result_number="5/QĐ", result_summary="Quyết định", at=MONDAY + 4 * H)
    svc.return_result(db, w.receiver, d, at=MONDAY + 5 * H)
    assert d.state == State.RETURNED


def test_apology_with_a_day_and_an_aware_moment(db, world):
    from datetime import date, timezone

    w = world
    d = receive(db, w)
    aware = datetime(2025, 3, 4, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hà Nội
    svc.apologize(db, w.leader, d, "Chờ xác minh", date(2025, 3, 12), at=aware)
    assert d.extended_due_at == datetime(2025, 3, 12, 9, 0)
    assert events_of(db, d)[-1].at == datetime(2025, 3, 4, 10, 0)


def test_two_officers_acting_at_once_on_one_dossier(committed):
    """The second hand-over of the same step is refused (version check), in Vietnamese."""
    from sqlalchemy.orm import Session

    from cchc.auth.models import User

    from .factories import make_user, make_world

    engine = committed
    with Session(engine) as s:
        w = make_world(s)
        second = make_user(s, "chuyenvien_3", "chuyen_vien", w.commune)
        d = receive(s, w)
        s.commit()
        ids = (d.id, w.specialist.id, second.id)
    with Session(engine) as a, Session(engine) as b:
        da, db_ = a.get(Dossier, ids[0]), b.get(Dossier, ids[0])
        da.steps, db_.steps  # noqa: B018 — both officers have the dossier open
        svc.forward(a, a.get(User, ids[1]), da, at=MONDAY + H)
        a.commit()
        with pytest.raises(InvalidTransition, match="vừa được người khác cập nhật"):
            svc.forward(b, b.get(User, ids[2]), db_, at=MONDAY + H)
        b.rollback()
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(DossierEvent).where(DossierEvent.action == "forward")) == 1
        assert s.get(Dossier, ids[0]).current_step_seq == 3


# ---- property: any sequence of attempts keeps the dossier consistent ----------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cchc.errors import CchcError  # noqa: E402

ACTORS = ("receiver", "specialist", "specialist2", "leader", "unit_admin", "other_receiver", "other_leader", "citizen", "other_citizen")
ATTEMPTS = ("forward", "send_back", "assign", "request_supplement", "supplement", "apologize", "refuse", "withdraw", "stop",
            "request_financial", "record_payment", "finish", "return_result", "mark_digitized")


def _attempt(db, w, d, name, actor, at):
    reason = "Lý do ghi rõ"
    calls = {
        "forward": lambda: svc.forward(db, actor, d, note="Chuyển", at=at),
        "send_back": lambda: svc.send_back(db, actor, d, reason, at=at),
        "assign": lambda: svc.assign(db, actor, d, w.specialist2 if d.current_role == "chuyen_vien" else w.leader, at=at),
        "request_supplement": lambda: svc.request_supplement(db, actor, d, reason, ["Tờ khai"], at=at),
        "supplement": lambda: svc.supplement(db, actor, d, at=at),
        "apologize": lambda: svc.apologize(db, actor, d, reason, d.due_at + 5 * D, at=at),
        "refuse": lambda: svc.refuse(db, actor, d, reason, at=at),
        "withdraw": lambda: svc.withdraw(db, actor, d, reason, at=at),
        "stop": lambda: svc.stop(db, actor, d, reason, at=at),
        "request_financial": lambda: svc.request_financial(db, actor, d, 30000, at=at),
        "record_payment": lambda: svc.record_payment(db, actor, d, max(Decimal(d.fee_amount or 0), Decimal(1)), OnlinePayment.DVCQG, at=at),
        "finish": lambda: svc.finish(db, actor, d, result_number="9/KQ", result_summary="Kết quả", at=at),
        "return_result": lambda: svc.return_result(db, actor, d, at=at),
        "mark_digitized": lambda: svc.mark_digitized(db, actor, d, components=True, at=at),
    }
    return calls[name]()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ATTEMPTS), st.sampled_from(ACTORS)), min_size=1, max_size=14))
def test_any_sequence_of_attempts_keeps_the_dossier_consistent(db, world, attempts):
    w = world
    d = receive(db, w)
    succeeded = 1
    ended = {State.FINISHED, State.RETURNED, State.REFUSED, State.WITHDRAWN, State.STOPPED}
    for i, (name, who) in enumerate(attempts, 1):
        actor, at = getattr(w, who), MONDAY + i * H / 2
        allowed = name in svc.allowed_actions(db, actor, d, at=at)
        db.flush()
        before = snapshot(db, d)
        try:
            _attempt(db, w, d, name, actor, at)
        except CchcError as exc:
            assert not allowed or not isinstance(exc, (PermissionDenied, InvalidTransition)), (name, who, exc.message)
            assert snapshot(db, d) == before and not db.dirty and not db.new
            continue
        assert allowed, f"{name} by {who} succeeded but allowed_actions did not offer it"
        succeeded += 1
        state = State(d.state)
        assert d.status_code == state.dvcqg_code
        open_steps = [s for s in d.steps if s.ended_at is None]
        assert len(open_steps) == (0 if state in (ended - {State.FINISHED}) else 1)
        assert (d.ended_at is not None) == (state in ended) == (d.timeliness is not None)
        assert d.supplement_count <= 1 and d.apology_count <= 1
        assert all(s.timeliness is not None for s in d.steps if s.ended_at is not None)
    assert db.scalar(select(func.count()).select_from(DossierEvent).where(DossierEvent.dossier_id == d.id)) == succeeded


# ---- what the pages check, the service checks -----------------------------------------------------------
def test_result_delivery_is_one_the_service_knows(db, world):
    w = world
    for call in (lambda v: svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT,
                                             result_delivery=v, at=MONDAY),
                 lambda v: receive(db, w, result_delivery=v)):
        with pytest.raises(ValidationError, match="Hình thức nhận kết quả «bat_ky_gia_tri» không hợp lệ") as refused:
            call("bat_ky_gia_tri")
        assert refused.value.field == "result_delivery"
    assert db.scalar(select(func.count()).select_from(Dossier)) == 0
    assert receive(db, w, result_delivery="truc_tuyen").result_delivery == "truc_tuyen"


def test_online_submission_with_its_files_needs_every_required_component(db, world, files_dir):
    w = world
    first, second = w.procedure.components
    pdf = b"%PDF-1.4\n%scan\n"
    with pytest.raises(ValidationError, match="Chưa tải lên «Giấy chứng sinh» \\(thành phần bắt buộc\\)") as refused:
        svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=MONDAY,
                          files={first.id: ("to-khai.pdf", pdf, "application/pdf")})
    assert refused.value.field == f"file_{second.id}"
    with pytest.raises(ValidationError, match="không được phép") as refused:
        svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=MONDAY,
                          files={first.id: ("to-khai.pdf", pdf, "application/pdf"), second.id: ("a.exe", b"MZ", "")})
    assert refused.value.field == f"file_{second.id}"
    assert db.scalar(select(func.count()).select_from(Dossier)) == 0 and not list(files_dir.rglob("*"))
    d = svc.submit_online(db, w.citizen, procedure=w.procedure, unit=w.commune, applicant=APPLICANT, at=MONDAY,
                          files={first.id: ("to-khai.pdf", pdf, "application/pdf"), second.id: ("cs.pdf", pdf, "application/pdf")})
    assert sorted((f.filename, f.kind, f.uploaded_at) for f in d.files) == [("cs.pdf", "thanh_phan", MONDAY), ("to-khai.pdf", "thanh_phan", MONDAY)]
    assert d.components_digitized and all(c.digitized for c in d.components)
    assert [e.action for e in events_of(db, d)] == ["submit_online", "attach_file", "attach_file"]
    assert svc.inbox(db, w.receiver, at=MONDAY).items == [d]


def test_applicable_forms_follow_the_dossier(db, world):
    w = world
    d = receive(db, w)
    assert [n for n, _ in svc.applicable_forms(d)] == ["01", "06"]
    svc.request_supplement(db, w.specialist, d, "Thiếu giấy chứng sinh", at=MONDAY + H)
    svc.supplement(db, w.receiver, d, at=MONDAY + 2 * H)
    svc.apologize(db, w.specialist, d, "Cần xác minh", MONDAY + 10 * D, at=MONDAY + 3 * H)
    assert [n for n, _ in svc.applicable_forms(d)] == ["01", "02", "04", "06"]
    svc.refuse(db, w.leader, d, "Không đủ điều kiện", at=MONDAY + 4 * H)
    assert [n for n, _ in svc.applicable_forms(d)] == ["01", "02", "03", "04", "06"]
    stopped = receive(db, w)
    svc.stop(db, w.leader, stopped, "Theo đề nghị của công dân", at=MONDAY + H)
    assert svc.applicable_forms(stopped) == [("01", "Giấy tiếp nhận và hẹn trả"), ("05", "Thông báo dừng"), ("06", "Phiếu kiểm soát")]
