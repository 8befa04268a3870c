"""The one action layer of reports sent up the hierarchy.

States: draft → submitted (by the unit's LEADER) → accepted | returned (by the REPORTING officer of a
unit above); a returned report is prepared again (draft) and resubmitted; an accepted report is
read-only. Every action checks role, unit and state; a refusal raises a cchc.errors class and changes
nothing; every change appends a SubmissionEvent.

Checking on submission (decision): the submitted document is checked by cchc.verify (arithmetic of the
text and tables, typed text against the figures the system computed). A report of a unit on cchc has
passed the report's own self-check when it was built, so only a finding in what the unit typed is shown
to the leader and stored (submissions.checking); submitting it anyway needs an explicit acknowledgement
(`acknowledge=True`, the "Tôi đã xem các cảnh báo" box), recorded in the event. A finding in a sentence
cchc wrote from its own figures never holds a submission up: it goes into the history for the system
administrator. An XLSX whose parts do not add up to their totals (or whose rates are wrong) is refused at
upload.
"""

from __future__ import annotations

import calendar as pycal
import hashlib
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc import clock, config, vn
from cchc.auth import permissions
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from cchc.periods import period_for
from cchc.reform import forms as formdefs
from cchc.reform import service as reform
from cchc.reform.lock import ACCEPTED, DRAFT, RETURNED, SUBMITTED, refuse_if_frozen, submission_of
from cchc.reform.models import Submission
from cchc.reports.assembly import FormsContext, build_report, build_tables, issuing_body
from cchc.reports.output import write_report
from cchc.reports.xlsx import Problems, read_workbook
from cchc.submissions.checking import TYPED, check_document
from cchc.submissions.consolidate import figures_from_forms, on_cchc_map, reporting_units, to_json
from cchc.submissions.models import Reminder, SubmissionEvent, UnitReporting
from cchc.units.models import Unit

DATA = Path(__file__).parent / "data"
STATE_LABELS = {DRAFT: "Dự thảo", SUBMITTED: "Đã gửi", ACCEPTED: "Đã duyệt", RETURNED: "Bị trả lại"}
STATUS_LABELS = {
    "missing": "Chưa gửi",
    "on_time": "Đã gửi đúng hạn",
    "late": "Gửi muộn",
    "accepted": "Đã duyệt",
    "returned": "Bị trả lại",
}
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREPARERS = {r.value for r in permissions.matrix().roles_for("bao_cao_gui.lap")}  # the permission matrix


# --- facts: deadlines ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def deadline_rules() -> dict:
    return yaml.safe_load((DATA / "deadlines.yaml").read_text(encoding="utf-8"))


def deadline_for(period) -> date:
    """Day `day` of the month `months_after` months after the period's last month (data/deadlines.yaml)."""
    rules = deadline_rules()
    rule = {**rules["default"], **((rules.get("presets") or {}).get(getattr(period, "preset", None) or "", {}) or {})}
    months = period.end.year * 12 + period.end.month - 1 + int(rule.get("months_after", 0))
    year, month = divmod(months, 12)
    month += 1
    day = min(int(rule["day"]), pycal.monthrange(year, month)[1])
    result = date(year, month, day)
    return max(result, period.end)


# --- units on cchc ---------------------------------------------------------------------------

def is_on_cchc(session: Session, unit: Unit) -> bool:
    return on_cchc_map(session, [unit.id])[unit.id]


def _is_above(session: Session, actor: User, unit: Unit) -> bool:
    own = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    return bool(own is not None and own.id != unit.id and own.path and unit.path.startswith(own.path))


def set_on_cchc(session: Session, actor: User | None, unit: Unit, on_cchc: bool) -> UnitReporting:
    """Mark how a unit reports (system administrator, or a reporting officer of a unit above it)."""
    if actor is not None and not (actor.role == Role.SYSTEM_ADMIN or (actor.role == Role.REPORTING and _is_above(session, actor, unit))):
        raise PermissionDenied("Chỉ quản trị hệ thống hoặc cán bộ báo cáo của cấp trên mới được đổi cách báo cáo của đơn vị.")
    row = session.get(UnitReporting, unit.id)
    if row is None:
        row = UnitReporting(unit_id=unit.id)
        session.add(row)
    row.on_cchc = bool(on_cchc)
    row.updated_by = _name(actor)
    session.flush()
    return row


# --- helpers ---------------------------------------------------------------------------------

def _name(actor: User | None) -> str:
    return actor.username if actor is not None else "cli"


def _event(session: Session, sub: Submission, action: str, before: str, actor: User | None, comment: str = "", at: datetime | None = None) -> None:
    session.add(SubmissionEvent(submission_id=sub.id, action=action, from_state=before, to_state=sub.state,
                                actor=_name(actor), comment=comment, at=at or clock.now()))


def get_submission(session: Session, unit: Unit, period) -> Submission | None:
    return submission_of(session, unit, period.start, period.end)


def get_by_id(session: Session, submission_id: int) -> Submission:
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise NotFound(f"Không có báo cáo gửi số {submission_id}.")
    return sub


def events(session: Session, sub: Submission) -> list[SubmissionEvent]:
    return list(session.scalars(select(SubmissionEvent).where(SubmissionEvent.submission_id == sub.id).order_by(SubmissionEvent.id)))


def _check_preparer(actor: User | None, unit: Unit) -> None:
    if actor is None:
        return
    if not actor.active:
        raise PermissionDenied("Tài khoản đã bị khóa.")
    if actor.role not in PREPARERS or actor.unit_id != unit.id:
        raise PermissionDenied(f"Chỉ lãnh đạo, quản trị đơn vị hoặc cán bộ báo cáo của «{unit.name}» mới được lập báo cáo gửi của đơn vị này.")


def _check_leader(actor: User | None, unit: Unit) -> None:
    if actor is None:
        return
    if not actor.active or actor.role != Role.LEADER or actor.unit_id != unit.id:
        raise PermissionDenied(f"Chỉ lãnh đạo của «{unit.name}» mới được gửi báo cáo của đơn vị lên cấp trên.")


def _check_superior(session: Session, actor: User | None, unit: Unit) -> None:
    if actor is None:
        return
    if not actor.active or actor.role != Role.REPORTING or not _is_above(session, actor, unit):
        raise PermissionDenied(f"Chỉ cán bộ báo cáo của cấp trên «{unit.name}» mới được duyệt hoặc trả lại báo cáo này.")


def store_blob(data: bytes) -> str:
    """Content-addressed file under settings.files_dir/submissions; returns its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    path = blob_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return sha


def blob_path(sha: str) -> Path:
    return Path(config.settings.files_dir) / "submissions" / sha[:2] / sha


def read_file(sub: Submission) -> bytes:
    if not sub.file_sha256 or not blob_path(sub.file_sha256).exists():
        raise NotFound("Báo cáo này chưa có tệp.")
    return blob_path(sub.file_sha256).read_bytes()


def _upsert(session: Session, unit: Unit, period, actor: User | None, now: datetime) -> tuple[Submission, str]:
    sub = get_submission(session, unit, period)
    before = sub.state if sub is not None else ""
    if sub is None:
        sub = Submission(unit_id=unit.id, period_start=period.start, period_end=period.end, period_key=period.key,
                         deadline=deadline_for(period))
        session.add(sub)
    sub.state = DRAFT
    sub.prepared_at, sub.prepared_by = now, _name(actor)
    sub.problems_acknowledged = False
    return sub, before


# --- preparing a draft -------------------------------------------------------------------------

def prepare_from_cchc(session: Session, actor: User | None, unit: Unit, period, *, now: datetime | None = None) -> Submission:
    """Draft (or refreshed draft) of a unit on cchc: the report built from its data, stored as DOCX,
    the all_figures snapshot, and the cchc.verify findings on the document's text."""
    _check_preparer(actor, unit)
    if not is_on_cchc(session, unit):
        raise ValidationError(f"«{unit.name}» không báo cáo trên cchc: hãy tải lên Biểu mẫu (XLSX) đã điền.")
    refuse_if_frozen(get_submission(session, unit, period), unit, period)
    now = now or clock.now()
    report = build_report(session, unit, period, report_date=now.date())
    typed = reform.get_narratives(session, unit.id, period.start, period.end)
    entered = {stt for rows in reform.manual_values(session, unit.id, period.start, period.end).values() for stt in rows}
    with tempfile.TemporaryDirectory(prefix="cchc-submission-") as tmp:
        name = f"bao-cao-cchc-{unit.code}-{period.key}.docx"
        path = write_report(report, Path(tmp) / name, "docx")[0]
        data = path.read_bytes()
        problems, own = check_document(path, typed, entered)
    sub, before = _upsert(session, unit, period, actor, now)
    sub.source = "cchc"
    sub.file_sha256, sub.file_name, sub.file_media = store_blob(data), name, DOCX_MEDIA
    sub.figures = {"figures": to_json(report.figures), "forms": {str(t.form.number): to_json(t.values) for t in report.tables}}
    sub.problems = to_json(problems)
    session.flush()
    note = f"Lập từ số liệu cchc; {len(problems)} cảnh báo ở phần đơn vị nhập khi kiểm tra."
    if own:
        # a finding in what cchc wrote from its own figures is cchc's fault: kept in the history, never a warning to
        # the leader and never in the way of sending
        note += (f" Kiểm tra thấy {len(own)} chỗ nghi ngờ trong câu, bảng do hệ thống tính (không chặn việc gửi, "
                 "báo quản trị hệ thống): " + " ".join(f"{p['where']}: {p['explanation']}" for p in own))
    _event(session, sub, "prepare", before, actor, note, now)
    session.flush()
    return sub


def read_xlsx_values(path: Path, unit: Unit, period) -> dict[int, dict[str, Decimal | None]]:
    """The Biểu mẫu values of a filled XLSX of a unit not on cchc, validated all or nothing: unit code
    and period key must match, every number valid, parts not above totals, sums and rates right."""
    problems = Problems()
    result = read_workbook(path, problems)
    if result.unit_code and result.unit_code != unit.code:
        problems.add("Biểu mẫu", 3, "E (Mã đơn vị)", f"tệp ghi mã đơn vị «{result.unit_code}», báo cáo này của đơn vị «{unit.code}».")
    if result.period_key and result.period_key != period.key:
        problems.add("Biểu mẫu", 4, "E (Mã kỳ)", f"tệp ghi kỳ «{result.period_key}», báo cáo này của kỳ «{period.key}».")
    if not result.entries:
        problems.add("(cả tệp)", None, None, "không có số liệu nào.")
    by_form: dict[int, dict[str, Decimal | None]] = {}
    rows_of: dict[tuple[int, str], int] = {}
    for e in result.entries:
        rows_of[(e.form, e.stt)] = e.row
        if not e.formula:
            by_form.setdefault(e.form, {})[e.stt] = e.value
    values: dict[int, dict[str, Decimal | None]] = {}
    for number, given in by_form.items():
        form = formdefs.get_form(number)
        vals = {r.stt: (None if r.is_heading else given.get(r.stt)) for r in form.rows}
        for r in form.rows:
            if r.rate_of:
                num, den = vals.get(r.rate_of[0]), vals.get(r.rate_of[1])
                if vals.get(r.stt) is None and num is not None and den is not None:
                    vals[r.stt] = formdefs.rate(num, den)
        for stt, message in formdefs.problems(form, vals):
            row = rows_of.get((number, stt))
            problems.add(form.name, row, "D (Số liệu)" if row else None, message)
        values[number] = vals
    problems.raise_if_any(Path(path).name)
    return values


def prepare_from_xlsx(session: Session, actor: User | None, unit: Unit, period, path: Path, *,
                      filename: str | None = None, now: datetime | None = None) -> Submission:
    """Draft of a unit not on cchc from its filled Biểu mẫu XLSX (refused whole when any cell is wrong)."""
    _check_preparer(actor, unit)
    if is_on_cchc(session, unit):
        raise ValidationError(f"«{unit.name}» báo cáo trên cchc: số liệu lấy từ hệ thống, không tải lên Biểu mẫu.")
    refuse_if_frozen(get_submission(session, unit, period), unit, period)
    values = read_xlsx_values(Path(path), unit, period)
    now = now or clock.now()
    sub, before = _upsert(session, unit, period, actor, now)
    sub.source = "xlsx"
    sub.file_sha256, sub.file_name, sub.file_media = store_blob(Path(path).read_bytes()), filename or Path(path).name, XLSX_MEDIA
    sub.figures = {"figures": to_json(figures_from_forms(values)), "forms": {str(k): to_json(v) for k, v in values.items()}}
    sub.problems = []
    session.flush()
    _event(session, sub, "prepare", before, actor, "Tải lên Biểu mẫu (XLSX).", now)
    session.flush()
    return sub


def template_context(session: Session, unit: Unit, period):
    """The empty Biểu mẫu of a unit not on cchc (every chỉ tiêu to fill, computed rows included)."""
    _, _, phrase, _ = issuing_body(session, unit)
    return FormsContext(unit.id, unit.code, phrase, period, build_tables({}, {}, {}), {})


# --- submit, accept, return ---------------------------------------------------------------------

def typed_warnings(sub: Submission) -> list[dict]:
    """The findings of the check the leader must acknowledge: those in what the unit typed. A finding stored
    before findings had an origin counts as typed (it was shown as a warning then)."""
    return [p for p in sub.problems or [] if p.get("origin", TYPED) == TYPED]


def submit(session: Session, actor: User | None, unit: Unit, period, *, acknowledge: bool = False, now: datetime | None = None) -> Submission:
    _check_leader(actor, unit)
    sub = get_submission(session, unit, period)
    if sub is None:
        raise InvalidTransition(f"«{unit.name}» chưa lập báo cáo {period.label}: hãy lập dự thảo trước khi gửi.")
    if sub.state != DRAFT:
        if sub.state == RETURNED:
            raise InvalidTransition("Báo cáo bị trả lại: hãy lập lại dự thảo (cập nhật số liệu hoặc tải lại Biểu mẫu) rồi mới gửi.")
        refuse_if_frozen(sub, unit, period)
    warnings = typed_warnings(sub)
    if warnings and not acknowledge:
        raise ValidationError(
            f"Kiểm tra báo cáo thấy {len(warnings)} chỗ số liệu có thể không khớp. Hãy xem các cảnh báo; "
            "nếu vẫn gửi, đánh dấu «Tôi đã xem các cảnh báo và vẫn gửi»."
        )
    now = now or clock.now()
    before = sub.state
    sub.state = SUBMITTED
    sub.submitted_at, sub.submitted_by = now, _name(actor)
    sub.late = now.date() > sub.deadline
    sub.problems_acknowledged = bool(warnings)
    sub.decided_at, sub.decided_by, sub.comment = None, "", ""
    note = "Gửi muộn (hạn " + vn.fmt_date(sub.deadline) + ")." if sub.late else "Gửi đúng hạn."
    if warnings:
        note += f" Đã xác nhận {len(warnings)} cảnh báo kiểm tra."
    _event(session, sub, "submit", before, actor, note, now)
    session.flush()
    return sub


def _decide(session: Session, actor: User | None, sub: Submission, state: str, comment: str, now: datetime | None) -> Submission:
    unit = session.get(Unit, sub.unit_id)
    _check_superior(session, actor, unit)
    if sub.state == ACCEPTED:
        label = period_for(sub.period_start, sub.period_end).label
        raise InvalidTransition(f"Báo cáo {label} của «{unit.name}» đã được duyệt, chỉ được xem, không được duyệt hay trả lại lần nữa.")
    if sub.state != SUBMITTED:
        raise InvalidTransition(f"Báo cáo đang ở trạng thái «{STATE_LABELS[sub.state]}», chỉ duyệt hoặc trả lại báo cáo đã gửi.")
    now = now or clock.now()
    before = sub.state
    sub.state = state
    sub.decided_at, sub.decided_by, sub.comment = now, _name(actor), comment
    _event(session, sub, "accept" if state == ACCEPTED else "return", before, actor, comment, now)
    session.flush()
    return sub


def accept(session: Session, actor: User | None, sub: Submission, comment: str = "", *, now: datetime | None = None) -> Submission:
    return _decide(session, actor, sub, ACCEPTED, comment.strip(), now)


def return_(session: Session, actor: User | None, sub: Submission, comment: str, *, now: datetime | None = None) -> Submission:
    if not comment or not comment.strip():
        raise ValidationError("Trả lại báo cáo phải ghi ý kiến (lý do trả lại, nội dung cần sửa).")
    return _decide(session, actor, sub, RETURNED, comment.strip(), now)


# --- overview for the reporting officer ---------------------------------------------------------

@dataclass
class UnitStatus:
    unit: Unit
    on_cchc: bool
    submission: Submission | None
    status: str  # missing | on_time | late | accepted | returned
    reminders: int
    last_reminder: date | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def status_of(sub: Submission | None) -> str:
    if sub is None or sub.state == DRAFT:
        return "missing"
    if sub.state == ACCEPTED:
        return "accepted"
    if sub.state == RETURNED:
        return "returned"
    return "late" if sub.late else "on_time"


def overview(session: Session, province: Unit, period, *, level: str | None = None) -> list[UnitStatus]:
    """Every reporting unit under `province` with its status for `period` (a fixed number of queries)."""
    units = reporting_units(session, province, level, start=period.start, end=period.end)
    ids = [u.id for u in units]
    subs = {s.unit_id: s for s in session.scalars(select(Submission).where(
        Submission.unit_id.in_(ids), Submission.period_start == period.start, Submission.period_end == period.end))}
    rem = {uid: (n, last) for uid, n, last in session.execute(
        select(Reminder.unit_id, func.count(Reminder.id), func.max(Reminder.day)).where(
            Reminder.unit_id.in_(ids), Reminder.period_start == period.start, Reminder.period_end == period.end
        ).group_by(Reminder.unit_id))}
    flags = on_cchc_map(session, ids)
    return [UnitStatus(u, flags[u.id], subs.get(u.id), status_of(subs.get(u.id)), *rem.get(u.id, (0, None))) for u in units]


def counts(rows: list[UnitStatus]) -> dict[str, int]:
    out = {key: 0 for key in STATUS_LABELS}
    for r in rows:
        out[r.status] += 1
    out["total"] = len(rows)
    return out


def check_overview_access(session: Session, actor: User | None, province: Unit) -> None:
    """PermissionDenied unless the actor is a reporting officer of `province` or of a unit above it."""
    if actor is None:
        return
    own = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    if not actor.active or actor.role != Role.REPORTING or own is None or not (own.id == province.id or province.path.startswith(own.path)):
        raise PermissionDenied(f"Chỉ cán bộ báo cáo của «{province.name}» mới được theo dõi và nhắc nhở báo cáo của các đơn vị.")


def remind(session: Session, actor: User | None, province: Unit, period, *, unit_ids: list[int] | None = None,
           level: str | None = None, today: date | None = None) -> list[Reminder]:
    """Record a reminder for every unit still missing (or returned) — or the chosen ones — at most one
    per unit, window and day (idempotent). Returns the reminders created now."""
    check_overview_access(session, actor, province)
    today = today or clock.now().date()
    rows = overview(session, province, period, level=level)
    chosen = [r for r in rows if r.status in ("missing", "returned")]
    if unit_ids is not None:
        wanted = set(unit_ids)
        unknown = wanted - {r.unit.id for r in rows}
        if unknown:
            raise ValidationError("Đơn vị được chọn không báo cáo cho đơn vị này.")
        chosen = [r for r in chosen if r.unit.id in wanted]
    already = set(session.scalars(select(Reminder.unit_id).where(
        Reminder.period_start == period.start, Reminder.period_end == period.end, Reminder.day == today,
        Reminder.unit_id.in_([r.unit.id for r in chosen]))))
    deadline = deadline_for(period)
    created = []
    for r in chosen:
        if r.unit.id in already:
            continue
        message = (f"Đề nghị {r.unit.name} gửi báo cáo công tác cải cách hành chính {period.label} "
                   f"(hạn {vn.fmt_date(deadline)}).")
        reminder = Reminder(unit_id=r.unit.id, period_start=period.start, period_end=period.end, day=today,
                            sent_by=_name(actor), message=message)
        session.add(reminder)
        created.append(reminder)
    session.flush()
    return created


def reminders_of(session: Session, unit: Unit, period) -> list[Reminder]:
    """Reminders a unit received for a window, newest first."""
    return list(session.scalars(select(Reminder).where(Reminder.unit_id == unit.id, Reminder.period_start == period.start,
                                                       Reminder.period_end == period.end).order_by(Reminder.id.desc())))

