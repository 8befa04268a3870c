"""The dossier state machine, once: the process, the steps, the due dates, the state rules and the
effect of every action — without a session.

A dossier here is anything with a Dossier's attributes: the ORM row (cchc.dossiers.service, one
flush per action) or a draft of the bulk path (cchc.dossiers.backfill, set-based inserts). Its
step rows come from `d.new_step_row(**values)` and sit in `d.steps`; its components in
`d.components`. Each `apply_<action>(d, actor, …, at=…)` checks the state rules of the action and
its values, changes the dossier (nothing before every check has passed) and returns the Change the
caller writes to the history: the service adds the permission check before it and the event row
and the flush after it; the bulk path appends the event to its draft.

`actor` is a User (or anything with `id`, `full_name`, `role`) or None for the system. `cal` is the
working calendar (cchc.calendar.core.WorkCalendar).

Rules (DOMAIN.md §6, ND 118/2025 Điều 11): a supplement may be requested only once and its time
is not counted; an apology with a new date only once, at least 1 working day before the due date,
and it never moves due_at; withdrawal and stop only before a result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from cchc.auth.enums import Role
from cchc.calendar.core import WorkCalendar
from cchc.dossiers.enums import KINDS, OPEN_STATES, RESULT_DELIVERY, Channel, OnlinePayment, State
from cchc.dossiers.rules import classify, classify_step, supplement_pause
from cchc.dossiers.schemas import ApplicantIn, ComponentIn, parse_applicant, parse_component
from cchc.errors import InvalidTransition, PermissionDenied, ValidationError
from cchc.procedures.enums import OnlineLevel, StepRole
from cchc.values import moment, required_text, require_state
from cchc.vn import fmt_date, fmt_datetime, fmt_int, search_fold

# Every action of a dossier, in the order of its life. The service offers each of them, the bulk
# path replays each of them, and APPLY below gives each one's effect.
ACTION_LABELS = {
    "receive": "Tiếp nhận hồ sơ",
    "submit_online": "Nộp hồ sơ trực tuyến",
    "accept": "Tiếp nhận hồ sơ trực tuyến",
    "reject_submission": "Từ chối tiếp nhận",
    "forward": "Chuyển bước tiếp theo",
    "send_back": "Trả lại bước trước",
    "assign": "Phân công xử lý",
    "request_supplement": "Yêu cầu bổ sung hồ sơ",
    "supplement": "Bổ sung hồ sơ",
    "apologize": "Xin lỗi và hẹn lại ngày trả",
    "refuse": "Từ chối giải quyết",
    "withdraw": "Rút hồ sơ",
    "stop": "Dừng xử lý",
    "request_financial": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "record_payment": "Ghi nhận nộp phí, lệ phí",
    "finish": "Hoàn thành xử lý",
    "sign_result": "Ký số kết quả",
    "return_result": "Trả kết quả",
    "mark_digitized": "Đánh dấu số hóa",
    "attach_file": "Đính kèm tệp",
}

SUPPLEMENT_RULE = (
    "theo Điều 11 Nghị định 118/2025/NĐ-CP, việc yêu cầu bổ sung, hoàn thiện hồ sơ chỉ được thực hiện một lần"
)
APOLOGY_RULE = (
    "theo Điều 11 Nghị định 118/2025/NĐ-CP, văn bản xin lỗi và hẹn lại ngày trả kết quả chỉ được gửi một lần"
)
RETURN_STEP_NAME = "Trả kết quả cho tổ chức, cá nhân"

# ---- the state rules: which states each action requires ----------------------------------------
ENDABLE = (State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL)
_RECEIVED = tuple(s for s in State if s is not State.NOT_ACCEPTED)


@dataclass(frozen=True)
class StateRule:
    states: tuple[State, ...]
    why: str = ""  # said instead of the list of states when refused

    @property
    def values(self) -> frozenset[str]:
        return frozenset(s.value for s in self.states)


# receive and submit_online make a new dossier: they require no state.
REQUIRES: dict[str, StateRule] = {
    "accept": StateRule((State.SUBMITTED,)),
    "reject_submission": StateRule((State.SUBMITTED,)),
    "forward": StateRule((State.PROCESSING,)),
    "send_back": StateRule((State.PROCESSING,)),
    "assign": StateRule((State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL)),
    "request_supplement": StateRule((State.PROCESSING,)),
    "supplement": StateRule((State.SUPPLEMENT,)),
    "apologize": StateRule(tuple(sorted(OPEN_STATES)), "chỉ xin lỗi, hẹn lại khi hồ sơ đang giải quyết"),
    "refuse": StateRule(ENDABLE, "chỉ từ chối khi hồ sơ đang giải quyết, trước khi có kết quả"),
    "withdraw": StateRule(ENDABLE, "chỉ rút được hồ sơ đang giải quyết, trước khi có kết quả"),
    "stop": StateRule(ENDABLE, "chỉ dừng được hồ sơ đang giải quyết, trước khi có kết quả"),
    "request_financial": StateRule((State.PROCESSING,)),
    "record_payment": StateRule((State.SUBMITTED, *ENDABLE), "chỉ nộp phí khi hồ sơ đang giải quyết"),
    "finish": StateRule((State.PROCESSING,)),
    "sign_result": StateRule((State.FINISHED, State.RETURNED), "chỉ ký số khi hồ sơ đã có kết quả giải quyết"),
    "return_result": StateRule((State.FINISHED,)),
    "mark_digitized": StateRule(_RECEIVED),
    "attach_file": StateRule(_RECEIVED, "hồ sơ không được tiếp nhận thì không đính kèm thêm tệp"),
}


def _supplement_once(d: Any) -> None:
    if d.supplement_count >= 1:
        raise InvalidTransition(
            f"Không thể yêu cầu bổ sung hồ sơ {d.code} lần thứ hai: {SUPPLEMENT_RULE} "
            f"(đã yêu cầu ngày {fmt_date(d.supplement_requested_at)})."
        )


def _apology_once(d: Any) -> None:
    if d.apology_count >= 1:
        raise InvalidTransition(
            f"Không thể hẹn lại ngày trả hồ sơ {d.code} lần thứ hai: {APOLOGY_RULE} "
            f"(đã hẹn lại đến {fmt_datetime(d.extended_due_at)})."
        )


def _at_a_step(d: Any) -> None:
    if d.current_role is None:
        raise InvalidTransition(f"Hồ sơ {d.code} không ở bước xử lý nào để phân công.")


def _fee_not_paid(d: Any) -> None:
    if d.fee_paid:
        raise InvalidTransition(f"Hồ sơ {d.code} đã nộp phí, lệ phí; không yêu cầu nghĩa vụ tài chính lần nữa.")


def _fee_to_pay(d: Any) -> None:
    if d.fee_paid:
        raise InvalidTransition(f"Hồ sơ {d.code} đã được ghi nhận nộp phí, lệ phí.")
    if d.state != State.FINANCIAL and not Decimal(d.fee_amount or 0):
        raise InvalidTransition(
            f"Hồ sơ {d.code} không có khoản phí, lệ phí nào phải nộp (thủ tục không thu phí và chưa có yêu cầu nghĩa vụ tài chính)."
        )


# Besides its states, what an action requires of the dossier (the rules of ND 118/2025 Điều 11, the fees).
_ALSO = {
    "request_supplement": _supplement_once,
    "apologize": _apology_once,
    "assign": _at_a_step,
    "request_financial": _fee_not_paid,
    "record_payment": _fee_to_pay,
}
# The state values each action accepts, for the check made on every action of the bulk path.
_ALLOWED = {action: rule.values for action, rule in REQUIRES.items()}


def require(d: Any, action: str) -> None:
    """The state rules of `action`: its states (REQUIRES), and the once-only and fee rules.

    What depends on the process (a next or previous step, the finishing step) is checked by
    next_step, previous_step and require_finishing_step; the apology's date by require_apology_in_time."""
    if d.state not in _ALLOWED[action]:
        rule = REQUIRES[action]
        require_state(State(d.state), rule.states, f"Không thể «{ACTION_LABELS[action]}» hồ sơ {d.code}", rule.why)
    also = _ALSO.get(action)
    if also is not None:
        also(d)


def require_after(d: Any, at: datetime, last: datetime | None) -> None:
    """An action may not be dated before the dossier's previous action (`last`)."""
    if last is not None and at < last:
        raise ValidationError(
            f"Thời điểm thao tác {fmt_datetime(at)} trước thao tác gần nhất trên hồ sơ {d.code} ({fmt_datetime(last)}).",
            field="at",
        )


def require_active(actor: Any) -> None:
    """A locked account does nothing (the system, None, is never locked)."""
    if actor is not None and not actor.active:
        raise PermissionDenied(f"Tài khoản {actor.username} đã bị khóa nên không thực hiện được thao tác.")


def is_owner(actor: Any, d: Any) -> bool:
    """The actor is the citizen whose account owns the dossier."""
    return actor is not None and actor.role == Role.CITIZEN and d.owner_user_id == actor.id


# ---- what an action records --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Change:
    """What one action did, for the history: one event (action, from → to state, note, data)."""

    action: str
    from_state: str | None
    to_state: str | None
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


# ---- the internal process ----------------------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    seq: int
    name: str
    role: str
    unit_id: int | None  # None: the dossier's receiving unit
    duration_amount: Decimal
    duration_unit: str
    can_return: bool


@dataclass(frozen=True)
class Process:
    """A procedure as the state machine needs it: its steps, time limit and fee."""

    code: str
    receiving: StepSpec
    steps: tuple[StepSpec, ...]  # processing steps after receipt, in order
    receiving_listed: bool  # the receiving step is a step of the procedure (a step may send back to it)
    time_amount: Decimal
    time_unit: str
    cutoff_time: Any
    fee: Decimal

    def by_seq(self, seq: int | None) -> StepSpec | None:
        if seq == self.receiving.seq:
            return self.receiving
        return next((s for s in self.steps if s.seq == seq), None)

    def index(self, seq: int | None) -> int:
        return next((i for i, s in enumerate(self.steps) if s.seq == seq), -1)


def procedure_fee(procedure: Any) -> Decimal:
    """What a new dossier of the procedure owes: the sum of its fees and charges."""
    return sum((Decimal(f.amount or 0) for f in procedure.fees), Decimal(0))


def process(procedure: Any) -> Process:
    """The procedure's internal process, split into the receiving step and the processing steps."""
    specs = [
        StepSpec(s.seq, s.name, s.role, s.unit_id, Decimal(s.duration_amount), s.duration_unit, bool(s.can_return))
        for s in sorted(procedure.steps, key=lambda s: s.seq)
    ]
    if specs and specs[0].role == StepRole.RECEIVING:
        receiving, rest, listed = specs[0], specs[1:], True
    else:
        first = specs[0].seq if specs else 1
        receiving = StepSpec(first - 1, "Tiếp nhận hồ sơ", StepRole.RECEIVING.value, None, Decimal(0), "gio_lam_viec", False)
        rest, listed = specs, False
    if not rest:
        raise ValidationError(
            f"Thủ tục {procedure.code} chưa có quy trình nội bộ (cần ít nhất một bước xử lý sau bước tiếp nhận).",
            field="procedure",
        )
    return Process(procedure.code, receiving, tuple(rest), listed, Decimal(procedure.time_amount), procedure.time_unit,
                   procedure.cutoff_time, procedure_fee(procedure))


def current_spec(d: Any, proc: Process) -> StepSpec:
    spec = proc.by_seq(d.current_step_seq)
    if spec is None:
        raise InvalidTransition(
            f"Bước xử lý hiện tại của hồ sơ {d.code} (bước {d.current_step_seq}) không còn trong quy trình của thủ tục."
        )
    return spec


def following_step(proc: Process, spec: StepSpec, d: Any) -> StepSpec:
    """The step after `spec` in the process (the first processing step after receipt)."""
    if spec is proc.receiving:
        return proc.steps[0]
    i = proc.index(spec.seq)
    if i + 1 >= len(proc.steps):
        raise InvalidTransition(
            f"Hồ sơ {d.code} đang ở bước cuối «{spec.name}» của quy trình: không còn bước để chuyển; hãy hoàn thành xử lý."
        )
    return proc.steps[i + 1]


def next_step(d: Any, proc: Process) -> StepSpec:
    """Where `forward` takes the dossier."""
    return following_step(proc, current_spec(d, proc), d)


def previous_step(proc: Process, spec: StepSpec) -> StepSpec:
    """The step a dossier at `spec` is sent back to, where the process lets that step send back."""
    if not spec.can_return:
        raise InvalidTransition(f"Bước «{spec.name}» của quy trình không được phép trả lại hồ sơ về bước trước.")
    i = proc.index(spec.seq)
    if i > 0:
        return proc.steps[i - 1]
    if i == 0 and proc.receiving_listed:
        return proc.receiving
    raise InvalidTransition(f"Bước «{spec.name}» là bước đầu của quy trình: không có bước trước để trả lại.")


def require_finishing_step(proc: Process, spec: StepSpec, d: Any) -> None:
    """A result is given at the leader's approval or at the last step of the process."""
    if spec.role != StepRole.LEADER and spec is not proc.steps[-1]:
        raise InvalidTransition(
            f"Hồ sơ {d.code} đang ở bước «{spec.name}»: chỉ hoàn thành xử lý ở bước lãnh đạo duyệt hoặc bước cuối của quy trình."
        )


def require_apology_in_time(cal: WorkCalendar, d: Any, at: datetime) -> None:
    """The apology letter (Mẫu 04) is sent at least 1 working day before the due date."""
    if d.due_at is not None and cal.working_days_between(at.date(), d.due_at.date()) < 1:
        raise InvalidTransition(
            f"Đã quá thời điểm xin lỗi, hẹn lại cho hồ sơ {d.code}: văn bản xin lỗi phải gửi chậm nhất 01 ngày làm việc "
            f"trước hạn trả kết quả ({fmt_datetime(d.due_at)}); hôm nay là {fmt_date(at)}."
        )


def step_unit_ids(d: Any) -> set[int]:
    """Units that handled or hold the dossier (for file and digitisation rights)."""
    ids = {s.unit_id for s in d.steps if s.unit_id is not None}
    ids.update(x for x in (d.unit_id, d.current_unit_id) if x is not None)
    return ids


# ---- due dates -----------------------------------------------------------------------------------
def receipt_due(cal: WorkCalendar, procedure: Any, start: datetime) -> datetime:
    """NgayHenTra of a dossier received at `start`: the procedure's time limit and cut-off hour
    (`procedure`: a Procedure or its Process)."""
    return cal.due(start, Decimal(procedure.time_amount), procedure.time_unit, procedure.cutoff_time)


def step_due(cal: WorkCalendar, spec: StepSpec, start: datetime) -> datetime:
    """The time given to a step of the internal process that starts at `start`."""
    return cal.due(start, spec.duration_amount, spec.duration_unit)


# ---- the steps (rows of Mẫu 06) --------------------------------------------------------------------
def open_row(d: Any) -> Any:
    return next((s for s in reversed(d.steps) if s.ended_at is None), None)


def open_step(d: Any, cal: WorkCalendar, spec: StepSpec, at: datetime, assignee_id: int | None = None) -> Any:
    unit_id = spec.unit_id or d.unit_id
    due = step_due(cal, spec, at)
    row = d.new_step_row(step_seq=spec.seq, name=spec.name, role=spec.role, unit_id=unit_id, assignee_id=assignee_id,
                         started_at=at, due_at=due)
    d.steps.append(row)
    d.current_step_seq = spec.seq
    d.current_role = spec.role
    d.current_unit_id = unit_id
    d.current_assignee_id = assignee_id
    d.current_step_due_at = due
    return row


def open_return_step(d: Any, proc: Process, at: datetime) -> None:
    """After the result: "Trả kết quả" waits at the one-stop desk until the extended or the due date."""
    last = max([proc.receiving.seq, *(s.seq for s in proc.steps)])
    due = d.extended_due_at or d.due_at
    row = d.new_step_row(step_seq=last + 1, name=RETURN_STEP_NAME, role=StepRole.RECEIVING.value, unit_id=d.unit_id,
                         started_at=at, due_at=due)
    d.steps.append(row)
    d.current_step_seq = None
    d.current_role = StepRole.RECEIVING.value
    d.current_unit_id = d.unit_id
    d.current_assignee_id = None
    d.current_step_due_at = due


def close_step(d: Any, at: datetime, outcome: str, actor: Any, note: str = "") -> Any:
    row = open_row(d)
    if row is None:
        return None
    row.ended_at = at
    row.outcome = outcome
    row.timeliness = classify_step(row.due_at, at).value
    if row.assignee_id is None and actor is not None:
        row.assignee_id = actor.id
    if note:
        row.note = note
    return row


def pause_step_clock(d: Any, pause: timedelta) -> None:
    """While the citizen supplements, the open step's clock stops too: its due time moves by the pause."""
    row = open_row(d)
    if row is not None and row.due_at is not None:
        row.due_at = row.due_at + pause
    if d.current_step_due_at is not None:
        d.current_step_due_at = d.current_step_due_at + pause


def clear_position(d: Any) -> None:
    d.current_step_seq = None
    d.current_role = None
    d.current_unit_id = None
    d.current_assignee_id = None
    d.current_step_due_at = None


def end(d: Any, state: State, at: datetime, actor: Any, note: str = "") -> None:
    """Ended (finished, refused, withdrawn, stopped): NgayKetThucXuLy and the on-time class."""
    close_step(d, at, "ket_thuc", actor, note)
    d.state = state
    d.ended_at = at
    d.timeliness = classify(
        d.due_at,
        at,
        supplement_requested_at=d.supplement_requested_at,
        supplemented_at=d.supplemented_at,
        supplement_count=d.supplement_count,
    ).value
    clear_position(d)


# ---- a new dossier -------------------------------------------------------------------------------
def parse_channel(channel: Any) -> Channel:
    try:
        return Channel(int(channel))
    except (ValueError, TypeError):
        raise ValidationError(f"Kênh tiếp nhận «{channel}» không hợp lệ (1 trực tiếp, 2 trực tuyến, 3 bưu chính).", field="channel") from None


def check_result_delivery(value: Any) -> str:
    """HinhThucTra: one of RESULT_DELIVERY, or a ValidationError naming the field."""
    if isinstance(value, str) and value in RESULT_DELIVERY:
        return value
    choices = "; ".join(f"{k} — {label.lower()}" for k, label in RESULT_DELIVERY.items())
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"Chưa chọn hình thức nhận kết quả ({choices}).", field="result_delivery")
    raise ValidationError(f"Hình thức nhận kết quả «{value}» không hợp lệ; chọn một trong: {choices}.", field="result_delivery")


def check_receipt(applicant: Any, copies: Any, owner: Any, channel: Any, result_delivery: Any) -> tuple[ApplicantIn, Channel]:
    """What every new dossier requires: a known channel, a valid applicant, a number of copies, an
    owner who is a citizen (or none) and a known way of receiving the result."""
    ch = parse_channel(channel)
    app = parse_applicant(applicant)
    if not isinstance(copies, int) or copies < 1:
        raise ValidationError("Số bộ hồ sơ phải từ 1 trở lên.", field="copies")
    if owner is not None and owner.role != Role.CITIZEN:
        raise ValidationError(f"Chủ tài khoản của hồ sơ phải là công dân; {owner.username} là cán bộ.", field="owner")
    check_result_delivery(result_delivery)
    return app, ch


def check_procedure_unit(procedure: Any, unit: Any, at: datetime) -> None:
    """The procedure is in force on that day and handled at the unit's level; the unit exists that day."""
    if not procedure.active or not procedure.active_on(at.date()):
        raise ValidationError(f"Thủ tục {procedure.code} đã ngừng áp dụng nên không tiếp nhận hồ sơ mới.", field="procedure")
    levels = procedure.level_list
    if levels and unit.level not in levels:
        names = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã"}
        raise ValidationError(
            f"Thủ tục {procedure.code} không thực hiện ở {names.get(unit.level, unit.level)} "
            f"(chỉ ở {', '.join(names.get(x, x) for x in levels)}), nên {unit.name} không tiếp nhận được.",
            field="unit",
        )
    if not unit.valid_on(at.date()):
        raise ValidationError(f"Đơn vị {unit.name} ({unit.code}) không còn hoạt động ngày {fmt_date(at)}.", field="unit")


def offered_online(procedure: Any) -> bool:
    return procedure.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL)


def require_online_channel(procedure: Any, channel: Channel) -> None:
    """A dossier entered as online (kênh 2) is of a procedure offered online."""
    if channel == Channel.ONLINE and not offered_online(procedure):
        raise ValidationError(f"Thủ tục {procedure.code} không cung cấp dịch vụ công trực tuyến.", field="channel")


def _require_offered_online(procedure: Any) -> None:
    if not offered_online(procedure):
        raise ValidationError(
            f"Thủ tục {procedure.code} — {procedure.name} không cung cấp dịch vụ công trực tuyến (chỉ nộp trực tuyến được "
            "thủ tục toàn trình hoặc một phần); vui lòng nộp hồ sơ trực tiếp hoặc qua bưu chính tại Bộ phận Một cửa.",
            field="procedure",
        )


def require_online_procedure(procedure: Any, at: datetime) -> None:
    """A procedure a citizen may submit online on that day: offered online (toàn trình or một phần), in force."""
    _require_offered_online(procedure)
    if not procedure.active or not procedure.active_on(at.date()):
        raise ValidationError(f"Thủ tục {procedure.code} đã ngừng áp dụng nên không tiếp nhận hồ sơ mới.", field="procedure")


def check_online_submission(citizen: Any, procedure: Any, unit: Any, applicant: Any, copies: int, at: datetime,
                            result_delivery: Any = "truc_tiep") -> tuple[ApplicantIn, Channel]:
    """What an online submission requires: a citizen's account (or none), a valid applicant, and a
    procedure in force at this unit and offered online (toàn trình or một phần)."""
    require_active(citizen)
    if citizen is not None and citizen.role != Role.CITIZEN:
        raise PermissionDenied("Chỉ công dân (tài khoản công dân) mới nộp hồ sơ trực tuyến; cán bộ dùng chức năng tiếp nhận.")
    app, ch = check_receipt(applicant, copies, citizen, Channel.ONLINE, result_delivery)
    check_procedure_unit(procedure, unit, at)
    _require_offered_online(procedure)
    return app, ch


def missing_components(procedure: Any, with_file: Iterable[int]) -> dict[int, str]:
    """The required components of the procedure (catalogue id → refusal) that have no file among `with_file`."""
    have = set(with_file)
    return {c.id: f"Chưa tải lên «{c.name}» (thành phần bắt buộc)." for c in procedure.components if c.required and c.id not in have}


def component_values(procedure: Any, components: Iterable[Any]) -> list[dict[str, Any]]:
    """The components received: those listed (catalogue ids, names, ComponentIn or dicts), or every
    component of the procedure when none is listed."""
    items = list(components)
    if not items:
        return [{"component_id": c.id, "seq": i, "name": c.name, "copies": c.copies} for i, c in enumerate(procedure.components, 1)]
    by_id = {c.id: c for c in procedure.components}
    rows = []
    for i, raw in enumerate(items, 1):
        if isinstance(raw, str):
            raw = ComponentIn(name=raw)
        elif isinstance(raw, int):
            raw = ComponentIn(component_id=raw)
        elif hasattr(raw, "procedure_id") and hasattr(raw, "required"):
            raw = ComponentIn(component_id=raw.id)
        item: ComponentIn = parse_component(raw)
        name = item.name.strip()
        if item.component_id is not None:
            cat = by_id.get(item.component_id)
            if cat is None:
                raise ValidationError(
                    f"Thành phần hồ sơ thứ {i} (mã {item.component_id}) không thuộc thủ tục {procedure.code}.", field="components"
                )
            name = name or cat.name
        if not name:
            raise ValidationError(f"Thành phần hồ sơ thứ {i} phải có tên.", field="components")
        rows.append({"component_id": item.component_id, "seq": i, "name": name, "copies": item.copies, "reused": item.reused})
    return rows


def dossier_values(*, code: str, procedure_id: int, unit: Any, channel: Channel, applicant: ApplicantIn, owner: Any,
                   request_summary: str, copies: int, vneid_verified: bool, result_delivery: str, fee: Decimal,
                   at: datetime) -> dict[str, Any]:
    """The columns of a new dossier, before its receipt or submission (apply_receive, apply_submit_online)."""
    return {
        "code": code, "procedure_id": procedure_id, "unit_id": unit.id, "level": unit.level, "channel": int(channel),
        "applicant_name": applicant.name, "applicant_key": search_fold(applicant.name), "applicant_type": applicant.applicant_type,
        "applicant_id_number": applicant.id_number, "applicant_address": applicant.address, "applicant_phone": applicant.phone,
        "applicant_email": applicant.email, "authorized_person": applicant.authorized_person,
        "request_summary": request_summary or "", "copies": copies, "result_delivery": result_delivery,
        "owner_user_id": owner.id if owner is not None else None, "submitted_at": at, "fee_amount": fee, "fee_paid": False,
        "paid_online": 0, "vneid_verified": bool(vneid_verified), "supplement_count": 0, "supplement_seconds": 0,
        "apology_count": 0, "components_digitized": False, "result_digitized": False,
    }


# ---- values of the actions -------------------------------------------------------------------------
def amount(value: Any, what: str) -> Decimal:
    """A sum of money in whole đồng, more than 0."""
    try:
        got = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what} «{value}» không phải là số tiền hợp lệ.", field="amount") from None
    if not got.is_finite() or got <= 0:
        raise ValidationError(f"{what} phải lớn hơn 0 đồng.", field="amount")
    if got != got.to_integral_value():
        raise ValidationError(f"{what} phải là số đồng nguyên (không có phần lẻ).", field="amount")
    return got


def result_values(result_number: str | None, result_summary: str | None) -> tuple[str, str]:
    number, summary = (result_number or "").strip(), (result_summary or "").strip()
    if not number and not summary:
        raise ValidationError("Phải ghi số, ký hiệu hoặc trích yếu của kết quả giải quyết.", field="result_number")
    return number, summary


def _reason(value: str | None, what: str, name: str = "reason") -> str:
    return required_text(value, what, field=name)


# ---- the actions ---------------------------------------------------------------------------------
def apply_receive(d: Any, actor: Any, *, cal: WorkCalendar, proc: Process, at: datetime) -> Change:
    """Receipt at the counter, by post or an online dossier entered at once: received now, due date
    from the time limit, the receiving step recorded and the first processing step started."""
    due = receipt_due(cal, proc, at)
    d.state = State.PROCESSING
    d.received_at = at
    d.due_at = due
    recv = open_step(d, cal, proc.receiving, at, actor.id if actor is not None else None)
    recv.unit_id = d.unit_id
    close_step(d, at, "chuyen_tiep", actor)
    open_step(d, cal, proc.steps[0], at)
    return Change("receive", None, State.PROCESSING.value, data={"code": d.code, "channel": int(d.channel), "due_at": due.isoformat()})


def apply_submit_online(d: Any, actor: Any, *, cal: WorkCalendar, proc: Process, at: datetime) -> Change:
    """Submitted online: waits at the receiving step; the due date shown is provisional (from now)."""
    due = receipt_due(cal, proc, at)
    d.state = State.SUBMITTED
    d.due_at = due
    row = open_step(d, cal, proc.receiving, at)
    row.unit_id = d.unit_id
    d.current_unit_id = d.unit_id
    return Change("submit_online", None, State.SUBMITTED.value,
                  data={"code": d.code, "channel": int(d.channel), "provisional_due_at": due.isoformat()})


def apply_accept(d: Any, actor: Any, *, cal: WorkCalendar, proc: Process, at: datetime) -> Change:
    """An online submission accepted: received now, due date recomputed from now, processing starts."""
    require(d, "accept")
    due = receipt_due(cal, proc, at)
    before = d.state
    d.received_at = at
    d.due_at = due
    d.state = State.PROCESSING
    close_step(d, at, "chuyen_tiep", actor)
    open_step(d, cal, proc.steps[0], at)
    return Change("accept", before, d.state, data={"due_at": due.isoformat()})


def apply_reject_submission(d: Any, actor: Any, reason: str, *, at: datetime) -> Change:
    """Not accepted (Mẫu 03 at receipt): never counted as received."""
    require(d, "reject_submission")
    reason = _reason(reason, "lý do không tiếp nhận hồ sơ")
    before = d.state
    close_step(d, at, "ket_thuc", actor, reason)
    d.state = State.NOT_ACCEPTED
    d.not_accepted_at = at
    d.end_reason = reason
    clear_position(d)
    return Change("reject_submission", before, d.state, note=reason)


def apply_forward(d: Any, actor: Any, note: str = "", assignee: Any = None, *, cal: WorkCalendar, proc: Process,
                  at: datetime) -> Change:
    """To the next step of the process (Mẫu 06: one row closed, one opened)."""
    require(d, "forward")
    nxt = next_step(d, proc)
    assignee_id = assignee.id if assignee is not None else None
    closed = close_step(d, at, "chuyen_tiep", actor, note)
    open_step(d, cal, nxt, at, assignee_id)
    return Change("forward", d.state, d.state, note=note,
                  data={"from_step": closed.step_seq if closed else None, "to_step": nxt.seq,
                        "timeliness": closed.timeliness if closed else None, "assignee_id": assignee_id})


def apply_send_back(d: Any, actor: Any, note: str, *, cal: WorkCalendar, proc: Process, at: datetime) -> Change:
    """Back to the previous step, to whoever handled it (only where the current step may send back)."""
    require(d, "send_back")
    prev = previous_step(proc, current_spec(d, proc))
    note = _reason(note, "lý do trả lại hồ sơ", "note")
    handler = next((s.assignee_id for s in reversed(d.steps) if s.step_seq == prev.seq and s.ended_at is not None), None)
    closed = close_step(d, at, "tra_lai", actor, note)
    open_step(d, cal, prev, at, handler)
    return Change("send_back", d.state, d.state, note=note,
                  data={"from_step": closed.step_seq if closed else None, "to_step": prev.seq})


def apply_assign(d: Any, actor: Any, assignee: Any, *, at: datetime) -> Change:
    """The current step given to one person of its unit."""
    require(d, "assign")
    row = open_row(d)
    if row is not None:
        row.assignee_id = assignee.id
    d.current_assignee_id = assignee.id
    return Change("assign", d.state, d.state, note=assignee.full_name, data={"assignee_id": assignee.id, "step": d.current_step_seq})


def apply_request_supplement(d: Any, actor: Any, reason: str, items: Iterable[str] = (), *, at: datetime) -> Change:
    """Phiếu yêu cầu bổ sung (Mẫu 02) — only once; the clock stops until the citizen supplements."""
    require(d, "request_supplement")
    reason = _reason(reason, "lý do yêu cầu bổ sung")
    items = [str(x).strip() for x in items if str(x).strip()]
    before = d.state
    d.state = State.SUPPLEMENT
    d.supplement_count = (d.supplement_count or 0) + 1
    d.supplement_requested_at = at
    return Change("request_supplement", before, d.state, note=reason, data={"items": items})


def apply_supplement(d: Any, actor: Any, note: str = "", *, at: datetime) -> Change:
    """Supplemented: processing resumes at the same step, whose due time moves by the pause."""
    require(d, "supplement")
    pause = supplement_pause(d.supplement_requested_at, at)
    before = d.state
    d.state = State.PROCESSING
    d.supplemented_at = at
    d.supplement_seconds = int(pause.total_seconds())
    pause_step_clock(d, pause)
    return Change("supplement", before, d.state, note=note, data={"supplement_seconds": d.supplement_seconds})


def apply_apologize(d: Any, actor: Any, reason: str, new_due_at: datetime | date, *, cal: WorkCalendar, at: datetime) -> Change:
    """Văn bản xin lỗi và hẹn lại ngày trả (Mẫu 04): once, ≥ 1 working day before due; due_at never moves.
    A new date without an hour keeps the hour of the due date (or the end of the working day)."""
    require(d, "apologize")
    require_apology_in_time(cal, d, at)
    reason = _reason(reason, "lý do chậm giải quyết")
    if isinstance(new_due_at, date) and not isinstance(new_due_at, datetime):
        new_due_at = datetime.combine(new_due_at, d.due_at.time() if d.due_at else cal.sessions[-1][1])
    if not isinstance(new_due_at, datetime):
        raise ValidationError("Ngày hẹn trả mới phải là ngày hoặc ngày giờ.", field="new_due_at")
    new_due_at = moment(new_due_at)
    if d.due_at is not None and new_due_at <= d.due_at:
        raise ValidationError(
            f"Ngày hẹn trả mới ({fmt_datetime(new_due_at)}) phải sau hạn trả hiện tại ({fmt_datetime(d.due_at)}).",
            field="new_due_at",
        )
    d.extended_due_at = new_due_at
    d.apology_count = (d.apology_count or 0) + 1
    return Change("apologize", d.state, d.state, note=reason,
                  data={"due_at": d.due_at.isoformat() if d.due_at else None, "new_due_at": new_due_at.isoformat()})


# Ending without a result: the state reached and what the reason is called.
EXITS = {
    "refuse": (State.REFUSED, "lý do từ chối giải quyết"),
    "withdraw": (State.WITHDRAWN, "lý do rút hồ sơ"),
    "stop": (State.STOPPED, "lý do dừng giải quyết"),
}


def _end_with_reason(d: Any, actor: Any, action: str, reason: str, at: datetime) -> Change:
    require(d, action)
    state, what = EXITS[action]
    reason = _reason(reason, what)
    before = d.state
    d.end_reason = reason
    end(d, state, at, actor, reason)
    return Change(action, before, d.state, note=reason, data={"timeliness": d.timeliness})


def apply_refuse(d: Any, actor: Any, reason: str, *, at: datetime) -> Change:
    """Từ chối giải quyết (with reasons): ended, classified on time or late."""
    return _end_with_reason(d, actor, "refuse", reason, at)


def apply_withdraw(d: Any, actor: Any, reason: str, *, at: datetime) -> Change:
    """The citizen withdraws (rút hồ sơ) before a result."""
    return _end_with_reason(d, actor, "withdraw", reason, at)


def apply_stop(d: Any, actor: Any, reason: str, *, at: datetime) -> Change:
    """Thông báo dừng giải quyết (Mẫu 05)."""
    return _end_with_reason(d, actor, "stop", reason, at)


def apply_request_financial(d: Any, actor: Any, value: Any, *, at: datetime) -> Change:
    """The citizen is asked to fulfil a financial obligation: waits in state 6 until paid."""
    require(d, "request_financial")
    due = amount(value, "Số tiền phải nộp")
    before = d.state
    d.state = State.FINANCIAL
    d.fee_amount = due
    d.financial_requested_at = at
    return Change("request_financial", before, d.state, note=f"{fmt_int(int(due))} đồng", data={"amount": str(due)})


def apply_record_payment(d: Any, actor: Any, value: Any, online: OnlinePayment | int = OnlinePayment.NONE, *,
                         at: datetime) -> Change:
    """Fee paid (online via DVCQG = 1, local gateway = 2, otherwise 0); resumes a dossier waiting in state 6."""
    require(d, "record_payment")
    paid = amount(value, "Số tiền đã nộp")
    try:
        how = OnlinePayment(int(online))
    except (ValueError, TypeError):
        raise ValidationError(f"Hình thức thanh toán «{online}» không hợp lệ (0, 1 hoặc 2).", field="online") from None
    if is_owner(actor, d) and how == OnlinePayment.NONE:
        raise ValidationError("Công dân chỉ nộp phí trực tuyến (qua Cổng DVCQG hoặc cổng thanh toán của tỉnh).", field="online")
    due = Decimal(d.fee_amount or 0)
    if paid < due:
        raise ValidationError(f"Số tiền nộp {fmt_int(int(paid))} đồng ít hơn số phải nộp {fmt_int(int(due))} đồng.", field="amount")
    before = d.state
    d.fee_paid = True
    d.paid_online = int(how)
    if d.state == State.FINANCIAL:
        d.state = State.PROCESSING
    return Change("record_payment", before, d.state, note=f"{fmt_int(int(paid))} đồng", data={"amount": str(paid), "online": int(how)})


def apply_finish(d: Any, actor: Any, *, result_number: str, result_summary: str, proc: Process, at: datetime) -> Change:
    """Đã xử lý xong: NgayKetThucXuLy, timeliness; the result then waits at the one-stop desk. It is signed
    digitally only by a verified signature (apply_sign_result, or a signed result file attached): never typed."""
    require(d, "finish")
    require_finishing_step(proc, current_spec(d, proc), d)
    number, summary = result_values(result_number, result_summary)
    before = d.state
    d.result_number = number
    d.result_summary = summary
    d.result_esigned = False
    end(d, State.FINISHED, at, actor)
    open_return_step(d, proc, at)
    return Change("finish", before, d.state, note=number, data={"timeliness": d.timeliness})


def apply_sign_result(d: Any, actor: Any, *, signer: str, organisation: str, signed_at: datetime, issuer: str,
                      serial: str, sha256: str, at: datetime) -> Change:
    """The result signed digitally, its signature verified (cchc.signatures.verification) before this is called."""
    require(d, "sign_result")
    d.result_esigned = True
    who = f"{signer} ({organisation})" if organisation and organisation != signer else signer
    return Change("sign_result", d.state, d.state, note=f"{who}, {fmt_datetime(signed_at)}",
                  data={"signer": signer, "organisation": organisation, "signed_at": signed_at.isoformat(timespec="seconds"),
                        "issuer": issuer, "serial": serial, "sha256": sha256})


def apply_return_result(d: Any, actor: Any, *, at: datetime) -> Change:
    """Đã trả kết quả (NgayTra)."""
    require(d, "return_result")
    before = d.state
    close_step(d, at, "ket_thuc", actor)
    d.state = State.RETURNED
    d.returned_at = at
    clear_position(d)
    return Change("return_result", before, d.state)


def apply_mark_digitized(d: Any, actor: Any, components: bool | None = None, result: bool | None = None, *,
                         at: datetime) -> Change:
    """Digitisation (TT 01/2023) of the components received and/or of the result."""
    require(d, "mark_digitized")
    if components is None and result is None:
        raise ValidationError("Phải chọn số hóa thành phần hồ sơ hoặc kết quả giải quyết.", field="components")
    if result and State(d.state) not in (State.FINISHED, State.RETURNED):
        raise InvalidTransition(f"Hồ sơ {d.code} chưa có kết quả giải quyết để số hóa.")
    data: dict[str, Any] = {}
    if components is not None:
        d.components_digitized = bool(components)
        for c in d.components:
            c.digitized = bool(components)
        data["components"] = bool(components)
    if result is not None:
        d.result_digitized = bool(result)
        data["result"] = bool(result)
    return Change("mark_digitized", d.state, d.state, data=data)


def require_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError(f"Loại tệp «{kind}» không hợp lệ; dùng: {', '.join(KINDS)}.", field="kind")


def apply_attach_file(d: Any, actor: Any, *, kind: str, component: Any, name: str, sha256: str, size: int,
                      at: datetime) -> Change:
    """A stored file attached: a component or supplement file digitises the components, a result file the result."""
    require_kind(kind)
    require(d, "attach_file")
    if kind in ("thanh_phan", "bo_sung"):
        d.components_digitized = True
        if component is not None:
            component.digitized = True
    else:
        d.result_digitized = True
    return Change("attach_file", d.state, d.state, note=name,
                  data={"kind": kind, "sha256": sha256, "size": size, "component_id": component.id if component is not None else None})


APPLY = {
    "receive": apply_receive,
    "submit_online": apply_submit_online,
    "accept": apply_accept,
    "reject_submission": apply_reject_submission,
    "forward": apply_forward,
    "send_back": apply_send_back,
    "assign": apply_assign,
    "request_supplement": apply_request_supplement,
    "supplement": apply_supplement,
    "apologize": apply_apologize,
    "refuse": apply_refuse,
    "withdraw": apply_withdraw,
    "stop": apply_stop,
    "request_financial": apply_request_financial,
    "record_payment": apply_record_payment,
    "finish": apply_finish,
    "sign_result": apply_sign_result,
    "return_result": apply_return_result,
    "mark_digitized": apply_mark_digitized,
    "attach_file": apply_attach_file,
}
