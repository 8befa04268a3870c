"""PAKN actions: every state change, the refused ones, the events and the 766 on-time flags."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from cchc.calendar.service import seed_file_overrides
from cchc.calendar.core import WorkCalendar
from cchc.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from cchc.feedback import service
from cchc.feedback.enums import Category, Channel, FeedbackState
from cchc.feedback.models import Feedback, FeedbackEvent, FeedbackVote

CAL = WorkCalendar(overrides={s.day: (s.kind, s.name) for s in seed_file_overrides()})
# Wed 24/4/2024 09:00: 27/4–1/5/2024 are days off (Mon 29/4 swapped with Sat 4/5).
RECEIVED = datetime(2024, 4, 24, 9, 0)


def new(db, org, actor=None, **kw) -> Feedback:
    args = dict(
        unit_id=org.unit.id,
        content="Thủ tục đăng ký khai sinh yêu cầu giấy tờ không có trong quy định.",
        category=Category.PROCEDURE_RULES,
        channel=Channel.PORTAL,
        sender_name="Nguyễn Văn Dân",
        sender_contact="0912 345 678",
        received_at=RECEIVED,
        calendar=CAL,
    )
    args.update(kw)
    return service.receive(db, actor or org.citizen, **args)


def events(db, fb) -> list[tuple[str, str | None, str | None]]:
    rows = db.scalars(select(FeedbackEvent).where(FeedbackEvent.feedback_id == fb.id).order_by(FeedbackEvent.id))
    return [(e.action, e.from_state, e.to_state) for e in rows]


# ---- receive ------------------------------------------------------------------------------------
def test_citizen_sends_through_the_portal(db, org):
    fb = new(db, org)
    assert fb.state == FeedbackState.NEW and fb.in_competence
    assert fb.code == "PAKN-H15.50.05-240424-0001"
    assert fb.sender_user_id == org.citizen.id
    # 15 working days from Wed 24/4/2024 09:00, skipping 27/4–1/5 and weekends, Sat 4/5 worked.
    assert fb.resolve_due_at == datetime(2024, 5, 17, 9, 0)
    assert events(db, fb) == [("tiep_nhan", None, "moi")]
    assert new(db, org).code == "PAKN-H15.50.05-240424-0002"


def test_officer_records_hotline_and_counter_feedback(db, org):
    fb = new(db, org, org.receiving, channel=Channel.HOTLINE, category=Category.OFFICER_CONDUCT)
    assert fb.sender_user_id is None and fb.channel == "duong_day_nong"
    imported = new(db, org, org.system_admin, channel=Channel.DVCQG_IMPORT, code="DVCQG-000123")
    assert imported.code == "DVCQG-000123"
    with pytest.raises(ValidationError, match="Mã PAKN «DVCQG-000123» đã có"):
        new(db, org, org.unit_admin, channel=Channel.DVCQG_IMPORT, code="DVCQG-000123")


@pytest.mark.parametrize(
    ("who", "channel"),
    [
        ("citizen", Channel.HOTLINE),
        ("citizen", Channel.DVCQG_IMPORT),
        ("outsider", Channel.IN_PERSON),
        ("reporting", Channel.IN_PERSON),
        ("specialist", Channel.DVCQG_IMPORT),
        (None, Channel.PORTAL),
    ],
)
def test_receive_refused_for_the_wrong_person(db, org, who, channel):
    actor = getattr(org, who) if who else None
    with pytest.raises(PermissionDenied, match="không có quyền tiếp nhận PAKN"):
        service.receive(
            db, actor, unit_id=org.unit.id, content="Nội dung", category="khac", channel=channel,
            sender_name="A", received_at=RECEIVED, calendar=CAL,
        )
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


def test_receive_validates_input(db, org):
    with pytest.raises(ValidationError, match="Phân loại PAKN «gop_y»"):
        new(db, org, category="gop_y")
    with pytest.raises(ValidationError, match="Kênh tiếp nhận PAKN «zalo»"):
        new(db, org, channel="zalo")
    with pytest.raises(ValidationError, match="Thiếu nội dung phản ánh"):
        new(db, org, content="   ")
    with pytest.raises(ValidationError, match="Thiếu họ tên"):
        new(db, org, sender_name="")
    with pytest.raises(NotFound, match="Không có đơn vị số 999999"):
        new(db, org, unit_id=999999)
    with pytest.raises(NotFound, match="Không có thủ tục hành chính số 999999"):
        new(db, org, procedure_id=999999)
    with pytest.raises(NotFound, match="Không có hồ sơ số 999999"):
        new(db, org, dossier_id=999999)
    with pytest.raises(ValidationError, match="ở tương lai"):
        new(db, org, received_at=datetime(2999, 1, 1))
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


# ---- the happy path -----------------------------------------------------------------------------
def test_full_path_on_time(db, org):
    fb = new(db, org)
    service.accept(db, org.receiving, fb, "Chuyển chuyên viên", at=datetime(2024, 4, 24, 10, 0))
    service.request_supplement(db, org.specialist, fb, "Đề nghị gửi ảnh giấy tờ", at=datetime(2024, 4, 25, 9, 0), calendar=CAL)
    assert fb.state == FeedbackState.SUPPLEMENT and fb.supplement_on_time is True and fb.supplement_count == 1
    assert fb.resolve_due_at is None  # clock stopped: never "quá hạn" while waiting for the sender
    assert service.timeliness(fb, CAL).resolve.due_at is None
    assert not service.timeliness(fb, CAL).resolve.overdue(datetime(2030, 1, 1))
    # The sender takes from Thu 25/4 09:00 to Thu 2/5 09:00: 6 h on 25/4, 7 h 30 on 26/4, 1 h 30 on 2/5.
    service.supplement(db, org.citizen, fb, "Ảnh giấy tờ đính kèm", at=datetime(2024, 5, 2, 9, 0), calendar=CAL)
    assert fb.state == FeedbackState.PROCESSING
    paused = CAL.working_seconds_between(datetime(2024, 4, 25, 9), datetime(2024, 5, 2, 9))
    assert paused == 15 * 3600
    # The answer's deadline moves by those 15 office hours (two working days): 17/5 → 21/5 09:00.
    assert fb.resolve_due_at == datetime(2024, 5, 21, 9, 0)
    service.answer(db, org.specialist, fb, "Giấy tờ đó không bắt buộc; đã chấn chỉnh.", at=datetime(2024, 5, 21, 9, 0), calendar=CAL)
    assert fb.state == FeedbackState.READY and fb.answered_on_time is True and fb.answered_by_id == org.specialist.id
    service.publish(db, org.leader, fb, at=datetime(2024, 5, 22, 9, 0), calendar=CAL)
    assert fb.state == FeedbackState.PUBLISHED and fb.published_on_time is True
    assert events(db, fb) == [
        ("tiep_nhan", None, "moi"),
        ("nhan_xu_ly", "moi", "dang_xu_ly"),
        ("yeu_cau_bo_sung", "dang_xu_ly", "yeu_cau_bo_sung"),
        ("bo_sung", "yeu_cau_bo_sung", "dang_xu_ly"),
        ("tra_loi", "dang_xu_ly", "cho_cong_khai"),
        ("cong_khai", "cho_cong_khai", "da_cong_khai"),
    ]
    t = service.timeliness(fb, CAL)
    assert t.on_time is True and t.refuse.due_at is None and t.forward.due_at is None
    assert t.publish.due_at == datetime(2024, 5, 23, 9, 0)


def test_late_steps_are_flagged(db, org):
    fb = new(db, org)
    # First supplement request on Mon 6/5/2024 — 5 working days from 24/4 end on Sat 4/5 09:00 (worked).
    service.request_supplement(db, org.receiving, fb, "Bổ sung", at=datetime(2024, 5, 6, 8, 0), calendar=CAL)
    assert fb.supplement_on_time is False
    service.supplement(db, org.receiving, fb, "Người gửi bổ sung qua điện thoại", at=datetime(2024, 5, 6, 9, 0), calendar=CAL)
    service.answer(db, org.specialist, fb, "Trả lời", at=datetime(2024, 6, 3, 9, 0), calendar=CAL)
    assert fb.answered_on_time is False
    service.publish(db, org.unit_admin, fb, at=datetime(2024, 6, 6, 9, 0), calendar=CAL)
    assert fb.published_on_time is False
    assert service.timeliness(fb, CAL).on_time is False
    late = db.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.unit_id == org.unit.id, Feedback.answered_on_time.is_(False))
    )
    assert late == 1


def test_refuse_within_two_working_days_counts_on_time(db, org):
    on_time = new(db, org)
    service.refuse(db, org.receiving, on_time, "Nội dung không phải PAKN", at=datetime(2024, 4, 26, 9, 0), calendar=CAL)
    assert on_time.state == FeedbackState.REFUSED and on_time.refused_on_time is True
    late = new(db, org)
    service.refuse(db, org.receiving, late, "Trùng PAKN đã trả lời", at=datetime(2024, 5, 2, 9, 1), calendar=CAL)
    assert late.refused_on_time is False
    t = service.timeliness(late, CAL)
    assert t.refuse.due_at == datetime(2024, 4, 26, 9, 0) and t.refuse.on_time is False
    assert t.resolve.due_at is None  # a refused feedback has no answer deadline


def test_forward_out_of_competence(db, org):
    fb = new(db, org)
    service.forward(db, org.receiving, fb, "Sở Tư pháp", "Thuộc thẩm quyền cấp tỉnh", at=datetime(2024, 5, 3, 9, 0), calendar=CAL)
    assert fb.state == FeedbackState.FORWARDED and not fb.in_competence and fb.forwarded_to == "Sở Tư pháp"
    assert fb.forwarded_on_time is True  # 5 working days: 25, 26/4, 2, 3, 4/5 (Saturday worked) → due 4/5 09:00
    late = new(db, org)
    service.forward(db, org.receiving, late, "Sở Tư pháp", at=datetime(2024, 5, 6, 9, 0), calendar=CAL)
    assert late.forwarded_on_time is False
    assert "Chuyển đến: Sở Tư pháp. Thuộc thẩm quyền cấp tỉnh" in db.scalar(
        select(FeedbackEvent.note).where(FeedbackEvent.feedback_id == fb.id, FeedbackEvent.action == "chuyen")
    )


def test_answer_straight_from_new_and_open_overdue(db, org):
    fb = new(db, org)
    t = service.timeliness(fb, CAL)
    assert t.resolve.due_at == datetime(2024, 5, 17, 9, 0)
    assert not t.resolve.overdue(datetime(2024, 5, 17, 9, 0)) and t.resolve.overdue(datetime(2024, 5, 17, 9, 1))
    assert t.on_time is None
    service.answer(db, org.receiving, fb, "Trả lời ngay", at=datetime(2024, 4, 24, 11, 0), calendar=CAL)
    assert fb.answered_on_time is True


# ---- refused transitions ------------------------------------------------------------------------
def test_supplement_only_once(db, org):
    fb = new(db, org)
    service.request_supplement(db, org.receiving, fb, "Lần 1", at=datetime(2024, 4, 24, 10), calendar=CAL)
    service.supplement(db, org.citizen, fb, "Đã bổ sung", at=datetime(2024, 4, 25, 10), calendar=CAL)
    with pytest.raises(InvalidTransition, match="chỉ được yêu cầu bổ sung một lần"):
        service.request_supplement(db, org.receiving, fb, "Lần 2", at=datetime(2024, 4, 25, 11), calendar=CAL)
    assert fb.state == FeedbackState.PROCESSING and fb.supplement_request == "Lần 1"


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (service.accept, {}),
        (service.request_supplement, {"request": "x"}),
        (service.supplement, {"content": "x"}),
        (service.refuse, {"reason": "x"}),
        (service.forward, {"to": "Sở"}),
        (service.answer, {"text": "x"}),
    ],
)
def test_no_handling_after_publication(db, org, action, kwargs):
    fb = new(db, org)
    service.answer(db, org.specialist, fb, "Trả lời", at=datetime(2024, 4, 24, 10), calendar=CAL)
    service.publish(db, org.leader, fb, at=datetime(2024, 4, 24, 11), calendar=CAL)
    actor = org.leader
    with pytest.raises(InvalidTransition, match="đang ở trạng thái «Đã công khai»"):
        action(db, actor, fb, **kwargs)
    assert fb.state == FeedbackState.PUBLISHED


def test_state_rules(db, org):
    fb = new(db, org)
    with pytest.raises(InvalidTransition, match="Không thể công khai PAKN .* «Mới tiếp nhận»"):
        service.publish(db, org.leader, fb, calendar=CAL)
    with pytest.raises(InvalidTransition, match="Không thể bổ sung"):
        service.supplement(db, org.citizen, fb, "x", calendar=CAL)
    service.accept(db, org.receiving, fb, at=datetime(2024, 4, 24, 10))
    with pytest.raises(InvalidTransition, match="Không thể nhận xử lý"):
        service.accept(db, org.receiving, fb)
    with pytest.raises(InvalidTransition, match="Không thể từ chối"):
        service.refuse(db, org.receiving, fb, "x", calendar=CAL)
    service.forward(db, org.receiving, fb, "Sở Xây dựng", at=datetime(2024, 4, 24, 11), calendar=CAL)
    with pytest.raises(InvalidTransition, match="«Đã chuyển cơ quan có thẩm quyền»"):
        service.answer(db, org.specialist, fb, "x", calendar=CAL)
    refused = new(db, org)
    service.refuse(db, org.receiving, refused, "Nặc danh", at=datetime(2024, 4, 24, 10), calendar=CAL)
    with pytest.raises(InvalidTransition, match="«Từ chối tiếp nhận»"):
        service.answer(db, org.specialist, refused, "x", calendar=CAL)


def test_who_may_act(db, org):
    fb = new(db, org)
    for actor in (org.citizen, org.outsider, org.reporting, org.system_admin, None):
        with pytest.raises(PermissionDenied, match="chỉ cán bộ của đơn vị xử lý"):
            service.answer(db, actor, fb, "x", calendar=CAL)
        with pytest.raises(PermissionDenied):
            service.refuse(db, actor, fb, "x", calendar=CAL)
        with pytest.raises(PermissionDenied):
            service.forward(db, actor, fb, "Sở", calendar=CAL)
        with pytest.raises(PermissionDenied):
            service.request_supplement(db, actor, fb, "x", calendar=CAL)
        with pytest.raises(PermissionDenied):
            service.accept(db, actor, fb)
    service.request_supplement(db, org.receiving, fb, "Bổ sung", at=datetime(2024, 4, 24, 10), calendar=CAL)
    with pytest.raises(PermissionDenied, match="chỉ người gửi hoặc cán bộ đơn vị xử lý"):
        service.supplement(db, org.citizen2, fb, "Tôi không phải người gửi", calendar=CAL)
    service.supplement(db, org.citizen, fb, "Đã bổ sung", at=datetime(2024, 4, 24, 14), calendar=CAL)
    service.answer(db, org.specialist, fb, "Trả lời", at=datetime(2024, 4, 24, 15), calendar=CAL)
    for actor in (org.receiving, org.specialist, org.outsider, org.citizen):
        with pytest.raises(PermissionDenied, match="chỉ lãnh đạo hoặc quản trị của đơn vị xử lý"):
            service.publish(db, actor, fb, calendar=CAL)
    assert fb.state == FeedbackState.READY
    assert [e[0] for e in events(db, fb)] == ["tiep_nhan", "yeu_cau_bo_sung", "bo_sung", "tra_loi"]


def test_steps_cannot_go_back_in_time_or_be_empty(db, org):
    fb = new(db, org)
    with pytest.raises(ValidationError, match="không được trước bước trước đó"):
        service.answer(db, org.specialist, fb, "x", at=datetime(2024, 4, 23, 9), calendar=CAL)
    with pytest.raises(ValidationError, match="Thiếu lý do từ chối"):
        service.refuse(db, org.receiving, fb, " ", calendar=CAL)
    with pytest.raises(ValidationError, match="Thiếu cơ quan có thẩm quyền"):
        service.forward(db, org.receiving, fb, "", calendar=CAL)
    assert fb.state == FeedbackState.NEW and events(db, fb) == [("tiep_nhan", None, "moi")]


# ---- votes --------------------------------------------------------------------------------------
def test_votes_on_published_answers(db, org):
    fb = new(db, org)
    with pytest.raises(InvalidTransition, match="Không thể bình chọn"):
        service.vote(db, org.citizen, fb, "thich")
    service.answer(db, org.specialist, fb, "Trả lời", at=datetime(2024, 4, 24, 10), calendar=CAL)
    service.publish(db, org.leader, fb, at=datetime(2024, 4, 24, 11), calendar=CAL)
    service.vote(db, org.citizen, fb, "thich")
    service.vote(db, org.citizen2, fb, "khong_thich")
    service.vote(db, org.outsider, fb, "khong_thich")
    db.refresh(fb)
    assert (fb.likes, fb.dislikes) == (1, 2)
    with pytest.raises(InvalidTransition, match="đã bình chọn «Hài lòng»"):
        service.vote(db, org.citizen, fb, "khong_thich")
    with pytest.raises(PermissionDenied, match="Cán bộ của đơn vị xử lý không được bình chọn"):
        service.vote(db, org.leader, fb, "thich")
    with pytest.raises(PermissionDenied, match="Cần đăng nhập"):
        service.vote(db, None, fb, "thich")
    with pytest.raises(ValidationError, match="Bình chọn «tot»"):
        service.vote(db, org.citizen2, fb, "tot")
    db.refresh(fb)
    assert (fb.likes, fb.dislikes) == (1, 2)
    assert db.scalar(select(func.count()).select_from(FeedbackVote).where(FeedbackVote.feedback_id == fb.id)) == 3
    # 766 chỉ tiêu 5.3 counts "dislike > like" in SQL.
    unhappy = db.scalar(select(func.count()).select_from(Feedback).where(Feedback.dislikes > Feedback.likes))
    assert unhappy == 1


# ---- data ---------------------------------------------------------------------------------------
def test_time_limits_are_data():
    limits = service.time_limits()
    assert {k: v.working_days for k, v in limits.items()} == {"tu_choi": 2, "yeu_cau_bo_sung": 5, "chuyen": 5, "xu_ly": 15, "cong_khai": 2}
    assert limits["cong_khai"].counted_from == "tra_loi"
    with pytest.raises(ValidationError, match="phải có các mục"):
        service.parse_time_limits("tu_choi: {ngay_lam_viec: 2}\n")
    bad = "\n".join(f"{k}: {{ngay_lam_viec: {v}}}" for k, v in [("tu_choi", -1), ("yeu_cau_bo_sung", 5), ("chuyen", 5), ("xu_ly", 15), ("cong_khai", 2)])
    with pytest.raises(ValidationError, match="mục tu_choi: «ngay_lam_viec» phải là số nguyên không âm"):
        service.parse_time_limits(bad)


def test_get(db, org):
    fb = new(db, org)
    assert service.get(db, fb.id) is fb
    with pytest.raises(NotFound, match="Không có PAKN số 999999"):
        service.get(db, 999999)
