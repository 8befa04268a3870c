"""Actions on feedback (PAKN): receive, request a supplement, refuse, forward, answer, publish, vote.

Every action checks the state and who acts, records a FeedbackEvent and, for the timed steps,
stores whether the step was on time (QĐ 766 chỉ tiêu 5.2, timings in data/feedback_time_limits.yaml):
refuse ≤ 2 working days after receipt, first supplement request ≤ 5, forward out of competence ≤ 5
(ND 20/2008 Điều 9), answer ≤ 15 (the working time the sender takes to supplement is not counted),
publish ≤ 2 after the answer is ready.

Who acts: an officer responsible for the handling unit's PAKN (`responsible`: attached to the unit, or to
the body it belongs to when the unit is its service centre — Bộ phận Một cửa, Trung tâm PVHCC — or a part of
an administrative area) handles (Bộ phận Một cửa, chuyên viên, lãnh đạo, quản trị đơn vị); only a leader or
the unit administrator publishes; a citizen sends through the portal and supplements their own feedback; the
system or unit administrator imports from DVCQG.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from cchc import clock, vn
from cchc.auth import permissions
from cchc.auth.enums import Role
from cchc.auth.scope import acts_in
from cchc.calendar.core import WorkCalendar
from cchc.errors import CchcError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from cchc.feedback.enums import Category, Channel, FeedbackState, Vote
from cchc.feedback.models import Feedback, FeedbackEvent, FeedbackVote
from cchc.values import moment, require_state, required_text

# Who handles and who publishes: the roles of the cells pakn.xu_ly and pakn.cong_khai of the permission matrix.
HANDLERS = frozenset(permissions.matrix().roles_for("pakn.xu_ly"))
PUBLISHERS = frozenset(permissions.matrix().roles_for("pakn.cong_khai"))
S = FeedbackState
# Units that receive for the body above them (its one-stop counter, its public service centre): whoever is
# responsible for that body answers for the PAKN they receive, as units.kind names them.
SERVICE_CENTRE_KINDS = frozenset({"bo_phan_mot_cua", "trung_tam_hcc"})


# ---- time limits (data) -------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeLimit:
    key: str
    working_days: int
    counted_from: str  # tiep_nhan | tra_loi
    label: str


@lru_cache(maxsize=1)
def time_limits() -> Mapping[str, TimeLimit]:
    """The PAKN time limits from data/feedback_time_limits.yaml."""
    text = resources.files("cchc").joinpath("data", "feedback_time_limits.yaml").read_text(encoding="utf-8")
    return parse_time_limits(text)


def parse_time_limits(text: str) -> Mapping[str, TimeLimit]:
    where = "feedback_time_limits.yaml"
    data = yaml.safe_load(text) or {}
    required = {"tu_choi", "yeu_cau_bo_sung", "chuyen", "xu_ly", "cong_khai"}
    if not isinstance(data, dict) or not required <= set(data):
        raise ValidationError(f"Tệp {where} phải có các mục: {', '.join(sorted(required))}.")
    result = {}
    for key, item in data.items():
        days = item.get("ngay_lam_viec") if isinstance(item, dict) else None
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValidationError(f"Tệp {where}, mục {key}: «ngay_lam_viec» phải là số nguyên không âm.")
        start = item.get("tu", "tiep_nhan")
        if start not in ("tiep_nhan", "tra_loi"):
            raise ValidationError(f"Tệp {where}, mục {key}: «tu» phải là tiep_nhan hoặc tra_loi.")
        result[key] = TimeLimit(key, days, start, str(item.get("ten") or key))
    return result


# ---- timeliness ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepTimeliness:
    key: str
    label: str
    due_at: datetime | None  # None when the step's starting point has not happened
    done_at: datetime | None
    on_time: bool | None  # None: not done (yet)

    def overdue(self, now: datetime) -> bool:
        """Not done and its deadline has passed."""
        return self.done_at is None and self.due_at is not None and now > self.due_at


@dataclass(frozen=True)
class FeedbackTimeliness:
    refuse: StepTimeliness
    supplement: StepTimeliness
    forward: StepTimeliness
    resolve: StepTimeliness
    publish: StepTimeliness

    @property
    def steps(self) -> tuple[StepTimeliness, ...]:
        return (self.refuse, self.supplement, self.forward, self.resolve, self.publish)

    @property
    def on_time(self) -> bool | None:
        """The feedback as a whole: False if any step done was late, None while nothing is settled."""
        done = [s.on_time for s in self.steps if s.on_time is not None]
        return None if not done else all(done)


def _due(calendar: WorkCalendar, base: datetime | None, key: str) -> datetime | None:
    if base is None:
        return None
    return calendar.add_working_days(base, time_limits()[key].working_days)


def resolve_due(feedback: Feedback, calendar: WorkCalendar) -> datetime | None:
    """15 working days from receipt, extended by the office time the sender took to supplement.

    None while the sender has not supplemented yet (the clock is stopped).
    """
    if feedback.supplement_requested_at and not feedback.supplemented_at:
        return None
    due = _due(calendar, feedback.received_at, "xu_ly")
    if feedback.supplement_requested_at and feedback.supplemented_at:
        paused = calendar.working_seconds_between(feedback.supplement_requested_at, feedback.supplemented_at)
        due = calendar.add_working_seconds(due, paused) if paused else due
    return due


def timeliness(feedback: Feedback, calendar: WorkCalendar) -> FeedbackTimeliness:
    """Deadline and on-time status of each timed step of `feedback` (766 chỉ tiêu 5.2)."""
    limits = time_limits()

    def step(key: str, due: datetime | None, done: datetime | None, applies: bool = True) -> StepTimeliness:
        due = due if applies else None
        on_time = None if done is None or due is None else done <= due
        return StepTimeliness(key, limits[key].label, due, done, on_time)

    received = feedback.received_at
    first_request = feedback.supplement_requested_at
    return FeedbackTimeliness(
        refuse=step("tu_choi", _due(calendar, received, "tu_choi"), feedback.refused_at, feedback.refused_at is not None),
        supplement=step("yeu_cau_bo_sung", _due(calendar, received, "yeu_cau_bo_sung"), first_request, first_request is not None),
        forward=step("chuyen", _due(calendar, received, "chuyen"), feedback.forwarded_at, feedback.forwarded_at is not None),
        resolve=step(
            "xu_ly",
            resolve_due(feedback, calendar),
            feedback.answered_at,
            feedback.refused_at is None and feedback.forwarded_at is None,
        ),
        publish=step("cong_khai", _due(calendar, feedback.answered_at, "cong_khai"), feedback.published_at),
    )


# ---- helpers ------------------------------------------------------------------------------------
def _role(actor: Any) -> Role | None:
    value = getattr(actor, "role", None)
    return Role(value) if value in Role._value2member_map_ else None


def _who(actor: Any) -> str:
    role = _role(actor)
    return role.label if role else "Người dùng chưa đăng nhập"


def responsible(session: Session | None, actor: Any, unit_id: int | None) -> bool:
    """Is this officer's unit responsible for the PAKN of `unit_id`: the unit itself; the administrative
    area directly above it (a commune for its centre and its offices: cchc.auth.scope.acts_in); the body a
    service centre belongs to (the provincial People's Committee office for the provincial centre)."""
    own = getattr(actor, "unit_id", None)
    if own is None or unit_id is None:
        return False
    if own == unit_id:
        return True
    if session is None or _role(actor) in (None, Role.CITIZEN):
        return False
    from cchc.units.models import Unit

    if acts_in(session, actor, unit_id):
        return True
    unit = session.get(Unit, unit_id)
    return unit is not None and unit.kind in SERVICE_CENTRE_KINDS and unit.parent_id == own


def _is_handler(session: Session | None, actor: Any, unit_id: int) -> bool:
    return _role(actor) in HANDLERS and responsible(session, actor, unit_id)


def _require_handler(actor: Any, feedback: Feedback, what: str) -> None:
    if not _is_handler(object_session(feedback), actor, feedback.unit_id):
        raise PermissionDenied(
            f"{_who(actor)} không có quyền {what} PAKN {feedback.code}: chỉ cán bộ của đơn vị xử lý "
            "(hoặc của cơ quan mà bộ phận một cửa, trung tâm phục vụ hành chính công đó trực thuộc) được làm việc này."
        )


def _cannot(feedback: Feedback, what: str) -> str:
    """The opening of a refusal in the wrong state (cchc.values.require_state adds the state and the rule)."""
    return f"Không thể {what} PAKN {feedback.code}"


def _step_moment(feedback: Feedback, at: datetime | None, what: str) -> datetime:
    """The moment of a step (cchc.values.moment), never before the feedback's previous step."""
    when = moment(at)
    latest = max(t for t in (feedback.received_at, feedback.supplement_requested_at, feedback.supplemented_at, feedback.answered_at) if t)
    if when < latest:
        raise ValidationError(f"Thời điểm {what} ({vn.fmt_datetime(when)}) không được trước bước trước đó của PAKN ({vn.fmt_datetime(latest)}).")
    return when


# Called with every event recorded, in the action's transaction: a package above feedback adds its own rows this
# way (cchc.notifications tells the sender their PAKN was answered) without feedback importing it.
_listeners: list[Callable[[Session, Feedback, FeedbackEvent], None]] = []


def on_event(listener: Callable[[Session, Feedback, FeedbackEvent], None]) -> None:
    """Register `listener` (once) to be called after each event is recorded."""
    if listener not in _listeners:
        _listeners.append(listener)


def _event(session: Session, feedback: Feedback, actor: Any, action: str, before: str | None, note: str = "", at: datetime | None = None) -> FeedbackEvent:
    event = FeedbackEvent(
        feedback_id=feedback.id,
        at=at or clock.now(),
        actor_id=getattr(actor, "id", None),
        actor_name=(getattr(actor, "full_name", "") or getattr(actor, "username", "") or "")[:255],
        action=action,
        from_state=before,
        to_state=feedback.state,
        note=note,
    )
    session.add(event)
    session.flush()
    for listener in _listeners:
        listener(session, feedback, event)
    return event


def _calendar(session: Session, calendar: WorkCalendar | None) -> WorkCalendar:
    if calendar is not None:
        return calendar
    from cchc.calendar.service import load_calendar

    return load_calendar(session)


def _next_code(session: Session, unit_code: str, received_at: datetime) -> str:
    prefix = f"PAKN-{unit_code}-{received_at:%y%m%d}-"
    taken = session.scalar(select(func.count()).select_from(Feedback).where(Feedback.code.like(prefix + "%"))) or 0
    return f"{prefix}{taken + 1:04d}"


def get(session: Session, feedback_id: int) -> Feedback:
    feedback = session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound(f"Không có PAKN số {feedback_id}.")
    return feedback


# ---- actions ------------------------------------------------------------------------------------
def receive(
    session: Session,
    actor: Any,
    *,
    unit_id: int,
    content: str,
    category: str,
    channel: str,
    sender_name: str,
    sender_contact: str = "",
    title: str = "",
    procedure_id: int | None = None,
    dossier_id: int | None = None,
    received_at: datetime | None = None,
    code: str | None = None,
    calendar: WorkCalendar | None = None,
) -> Feedback:
    """Record a new feedback (state «Mới tiếp nhận»), with the deadline of its answer."""
    from cchc.units.models import Unit

    if category not in Category._value2member_map_:
        raise ValidationError(f"Phân loại PAKN «{category}» không hợp lệ (dùng {', '.join(c.value for c in Category)}).")
    if channel not in Channel._value2member_map_:
        raise ValidationError(f"Kênh tiếp nhận PAKN «{channel}» không hợp lệ (dùng {', '.join(c.value for c in Channel)}).")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không có đơn vị số {unit_id} để tiếp nhận PAKN.")
    role = _role(actor)
    if channel == Channel.DVCQG_IMPORT:
        allowed = role is Role.SYSTEM_ADMIN or (role is Role.UNIT_ADMIN and actor.unit_id == unit_id)
    elif channel == Channel.PORTAL:
        allowed = role is Role.CITIZEN or _is_handler(session, actor, unit_id)
    else:
        allowed = _is_handler(session, actor, unit_id)
    if not allowed:
        raise PermissionDenied(
            f"{_who(actor)} không có quyền tiếp nhận PAKN qua kênh «{Channel(channel).label}» cho đơn vị {unit.name}."
        )
    content = required_text(content, "nội dung phản ánh, kiến nghị")
    sender_name = required_text(sender_name, "họ tên người phản ánh, kiến nghị", limit=255)
    if len(title or "") > 500 or len(sender_contact or "") > 255:
        raise ValidationError("Tiêu đề (tối đa 500 ký tự) hoặc thông tin liên hệ (tối đa 255 ký tự) quá dài.")
    received = moment(received_at)
    if received > clock.now():
        raise ValidationError(f"Thời điểm tiếp nhận {vn.fmt_datetime(received)} ở tương lai.")
    if procedure_id is not None:
        from cchc.procedures.models import Procedure

        if session.get(Procedure, procedure_id) is None:
            raise NotFound(f"Không có thủ tục hành chính số {procedure_id}.")
    if dossier_id is not None:
        from cchc.dossiers.models import Dossier

        if session.get(Dossier, dossier_id) is None:
            raise NotFound(f"Không có hồ sơ số {dossier_id}.")
    code = (code or "").strip() or _next_code(session, unit.code, received)
    if session.scalar(select(Feedback.id).where(Feedback.code == code)) is not None:
        raise ValidationError(f"Mã PAKN «{code}» đã có.")
    feedback = Feedback(
        code=code,
        unit_id=unit_id,
        procedure_id=procedure_id,
        dossier_id=dossier_id,
        category=category,
        channel=channel,
        sender_name=sender_name,
        sender_contact=(sender_contact or "").strip(),
        sender_user_id=getattr(actor, "id", None) if role is Role.CITIZEN else None,
        title=(title or "").strip(),
        content=content,
        received_at=received,
        state=S.NEW,
        in_competence=True,
        likes=0,
        dislikes=0,
        supplement_count=0,
    )
    feedback.resolve_due_at = resolve_due(feedback, _calendar(session, calendar))
    session.add(feedback)
    session.flush()
    _event(session, feedback, actor, "tiep_nhan", None, f"Kênh: {Channel(channel).label}", received)
    return feedback


# Each action's check: who may act and in which state, without writing anything. The action runs it
# first; `allowed_actions` runs them all to tell a page which actions to offer.
def _check_accept(actor: Any, feedback: Feedback) -> None:
    _require_handler(actor, feedback, "nhận xử lý")
    require_state(S(feedback.state), (S.NEW,), _cannot(feedback, "nhận xử lý"))


def _check_request_supplement(actor: Any, feedback: Feedback) -> None:
    _require_handler(actor, feedback, "yêu cầu bổ sung")
    require_state(S(feedback.state), (S.NEW, S.PROCESSING), _cannot(feedback, "yêu cầu bổ sung"))
    if feedback.supplement_count:
        raise InvalidTransition(
            f"PAKN {feedback.code} đã được yêu cầu bổ sung ngày {vn.fmt_date(feedback.supplement_requested_at)}: "
            "chỉ được yêu cầu bổ sung một lần."
        )


def _check_supplement(actor: Any, feedback: Feedback) -> None:
    is_sender = feedback.sender_user_id is not None and getattr(actor, "id", None) == feedback.sender_user_id
    if not (is_sender or _is_handler(object_session(feedback), actor, feedback.unit_id)):
        raise PermissionDenied(f"{_who(actor)} không có quyền bổ sung PAKN {feedback.code}: chỉ người gửi hoặc cán bộ đơn vị xử lý.")
    require_state(S(feedback.state), (S.SUPPLEMENT,), _cannot(feedback, "bổ sung"))


def _check_refuse(actor: Any, feedback: Feedback) -> None:
    _require_handler(actor, feedback, "từ chối")
    require_state(S(feedback.state), (S.NEW, S.SUPPLEMENT), _cannot(feedback, "từ chối"))


def _check_forward(actor: Any, feedback: Feedback) -> None:
    _require_handler(actor, feedback, "chuyển")
    require_state(S(feedback.state), (S.NEW, S.PROCESSING), _cannot(feedback, "chuyển"))


def _check_answer(actor: Any, feedback: Feedback) -> None:
    _require_handler(actor, feedback, "trả lời")
    require_state(S(feedback.state), (S.NEW, S.PROCESSING), _cannot(feedback, "trả lời"))


def _check_publish(actor: Any, feedback: Feedback) -> None:
    if not (_role(actor) in PUBLISHERS and responsible(object_session(feedback), actor, feedback.unit_id)):
        raise PermissionDenied(
            f"{_who(actor)} không có quyền công khai PAKN {feedback.code}: chỉ lãnh đạo hoặc quản trị của đơn vị xử lý "
            "(hoặc của cơ quan mà bộ phận một cửa, trung tâm phục vụ hành chính công đó trực thuộc)."
        )
    require_state(S(feedback.state), (S.READY,), _cannot(feedback, "công khai"))


def _check_vote(actor: Any, feedback: Feedback) -> None:
    if getattr(actor, "id", None) is None:
        raise PermissionDenied("Cần đăng nhập để bình chọn kết quả trả lời PAKN.")
    if _is_handler(object_session(feedback), actor, feedback.unit_id):
        raise PermissionDenied(f"Cán bộ của đơn vị xử lý không được bình chọn kết quả trả lời PAKN {feedback.code}.")
    require_state(S(feedback.state), (S.PUBLISHED,), _cannot(feedback, "bình chọn"))


# The actions of an officer or a sender on a feedback, in the order a page offers them, with their checks.
_CHECKS = {
    "accept": _check_accept,
    "request_supplement": _check_request_supplement,
    "refuse": _check_refuse,
    "forward": _check_forward,
    "answer": _check_answer,
    "publish": _check_publish,
    "supplement": _check_supplement,
}


def allowed_actions(actor: Any, feedback: Feedback, at: datetime | None = None) -> list[str]:
    """Names of the actions this actor may take on this feedback at `at` (now): the actions' own checks,
    and the moment not before the previous step."""
    names = []
    for name, check in _CHECKS.items():
        try:
            check(actor, feedback)
            _step_moment(feedback, at, "thao tác")
        except CchcError:
            continue
        names.append(name)
    return names


def accept(session: Session, actor: Any, feedback: Feedback, note: str = "", at: datetime | None = None) -> Feedback:
    """Take a new feedback into handling (Mới tiếp nhận → Đang xử lý)."""
    _check_accept(actor, feedback)
    when = _step_moment(feedback, at, "nhận xử lý")
    before, feedback.state = feedback.state, S.PROCESSING
    _event(session, feedback, actor, "nhan_xu_ly", before, note, when)
    return feedback


def request_supplement(
    session: Session, actor: Any, feedback: Feedback, request: str, at: datetime | None = None, calendar: WorkCalendar | None = None
) -> Feedback:
    """Ask the sender for more information — only once; on time if within 5 working days of receipt."""
    _check_request_supplement(actor, feedback)
    request = required_text(request, "nội dung yêu cầu bổ sung")
    when = _step_moment(feedback, at, "yêu cầu bổ sung")
    cal = _calendar(session, calendar)
    before = feedback.state
    feedback.state = S.SUPPLEMENT
    feedback.supplement_count = 1
    feedback.supplement_requested_at = when
    feedback.supplement_request = request
    feedback.supplement_on_time = when <= _due(cal, feedback.received_at, "yeu_cau_bo_sung")
    feedback.resolve_due_at = None  # the clock stops until the sender supplements
    _event(session, feedback, actor, "yeu_cau_bo_sung", before, request, when)
    return feedback


def supplement(
    session: Session, actor: Any, feedback: Feedback, content: str, at: datetime | None = None, calendar: WorkCalendar | None = None
) -> Feedback:
    """The sender supplements (on the portal, or told to an officer): back to «Đang xử lý».

    The office time between the request and the supplement is added to the answer's deadline.
    """
    _check_supplement(actor, feedback)
    content = required_text(content, "nội dung bổ sung")
    when = _step_moment(feedback, at, "bổ sung")
    before = feedback.state
    feedback.state = S.PROCESSING
    feedback.supplemented_at = when
    feedback.supplement_content = content
    feedback.resolve_due_at = resolve_due(feedback, _calendar(session, calendar))
    _event(session, feedback, actor, "bo_sung", before, content, when)
    return feedback


def refuse(
    session: Session, actor: Any, feedback: Feedback, reason: str, at: datetime | None = None, calendar: WorkCalendar | None = None
) -> Feedback:
    """Refuse to handle (e.g. anonymous, already answered, not a PAKN); on time within 2 working days."""
    _check_refuse(actor, feedback)
    reason = required_text(reason, "lý do từ chối")
    when = _step_moment(feedback, at, "từ chối")
    cal = _calendar(session, calendar)
    before = feedback.state
    feedback.state = S.REFUSED
    feedback.refused_at = when
    feedback.refusal_reason = reason
    feedback.refused_on_time = when <= _due(cal, feedback.received_at, "tu_choi")
    _event(session, feedback, actor, "tu_choi", before, reason, when)
    return feedback


def forward(
    session: Session,
    actor: Any,
    feedback: Feedback,
    to: str,
    note: str = "",
    at: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Feedback:
    """Not within our competence: forward to the competent body (within 5 working days)."""
    _check_forward(actor, feedback)
    to = required_text(to, "cơ quan có thẩm quyền nhận PAKN", limit=255)
    when = _step_moment(feedback, at, "chuyển")
    cal = _calendar(session, calendar)
    before = feedback.state
    feedback.state = S.FORWARDED
    feedback.in_competence = False
    feedback.forwarded_at = when
    feedback.forwarded_to = to
    feedback.forwarded_on_time = when <= _due(cal, feedback.received_at, "chuyen")
    _event(session, feedback, actor, "chuyen", before, f"Chuyển đến: {to}" + (f". {note.strip()}" if note and note.strip() else ""), when)
    return feedback


def answer(
    session: Session, actor: Any, feedback: Feedback, text: str, at: datetime | None = None, calendar: WorkCalendar | None = None
) -> Feedback:
    """The answer is ready (→ «Đã trả lời, chờ công khai»); on time by `resolve_due_at`."""
    _check_answer(actor, feedback)
    text = required_text(text, "nội dung trả lời")
    when = _step_moment(feedback, at, "trả lời")
    due = feedback.resolve_due_at or resolve_due(feedback, _calendar(session, calendar))
    before = feedback.state
    feedback.state = S.READY
    feedback.answered_at = when
    feedback.answer = text
    feedback.answered_by_id = getattr(actor, "id", None)
    feedback.resolve_due_at = due
    feedback.answered_on_time = when <= due
    _event(session, feedback, actor, "tra_loi", before, "", when)
    return feedback


def publish(
    session: Session, actor: Any, feedback: Feedback, at: datetime | None = None, calendar: WorkCalendar | None = None
) -> Feedback:
    """Publish the answer (leader or unit administrator); on time within 2 working days of the answer."""
    _check_publish(actor, feedback)
    when = _step_moment(feedback, at, "công khai")
    cal = _calendar(session, calendar)
    before = feedback.state
    feedback.state = S.PUBLISHED
    feedback.published_at = when
    feedback.published_by_id = getattr(actor, "id", None)
    feedback.published_on_time = when <= _due(cal, feedback.answered_at, "cong_khai")
    _event(session, feedback, actor, "cong_khai", before, "", when)
    return feedback


def vote(session: Session, actor: Any, feedback: Feedback, value: str) -> Feedback:
    """A signed-in user likes or dislikes a published answer — once."""
    if value not in Vote._value2member_map_:
        raise ValidationError(f"Bình chọn «{value}» không hợp lệ (dùng thich hoặc khong_thich).")
    _check_vote(actor, feedback)
    user_id = actor.id
    existing = session.scalar(select(FeedbackVote).where(FeedbackVote.feedback_id == feedback.id, FeedbackVote.user_id == user_id))
    if existing is not None:
        raise InvalidTransition(f"Bạn đã bình chọn «{Vote(existing.value).label}» cho PAKN {feedback.code}; mỗi người chỉ bình chọn một lần.")
    session.add(FeedbackVote(feedback_id=feedback.id, user_id=user_id, value=value))
    # Incremented in SQL, so that simultaneous votes are all counted.
    if value == Vote.LIKE:
        feedback.likes = Feedback.likes + 1
    else:
        feedback.dislikes = Feedback.dislikes + 1
    session.flush()
    _event(session, feedback, actor, "binh_chon", feedback.state, Vote(value).label)
    return feedback
