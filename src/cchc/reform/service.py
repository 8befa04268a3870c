"""Actions on figures entered by hand (ManualFigure) and report narratives (ReportNarrative).

Who may act: a Role.REPORTING officer or a Role.UNIT_ADMIN whose unit is the unit reported on
or one above it (its `path` contains theirs); `actor=None` is the operator at the command line.
Every write validates against the Biểu mẫu definitions: a value of the wrong kind, a part larger
than its whole, a rate that disagrees with its two rows or a value for a computed row is refused
with a Vietnamese message, and nothing is written (all or nothing); so is any write once the unit's
report for the window was sent up (cchc.reform.lock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth import permissions
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import NotFound, PermissionDenied, ValidationError
from cchc.reform import forms as formdefs
from cchc.reform.lock import ensure_editable
from cchc.reform.models import ManualFigure, ReportNarrative
from cchc.units.models import Unit

ALLOWED_ROLES = permissions.matrix().roles_for("cai_cach.so_lieu")  # the permission matrix


@dataclass
class Entry:
    """One value typed for (form, stt); `value` is already validated (or None for blank)."""

    form: int
    stt: str
    value: Decimal | None = None
    text: str = ""
    note: str = ""


def _actor_name(actor: User | None) -> str:
    return actor.username if actor is not None else "cli"


def check_permission(session: Session, actor: User | None, unit: Unit) -> None:
    """PermissionDenied (Vietnamese) unless `actor` may enter figures and narratives for `unit`."""
    if actor is None:
        return
    if not actor.active:
        raise PermissionDenied("Tài khoản đã bị khóa, không thể nhập số liệu báo cáo.")
    if actor.role not in ALLOWED_ROLES:
        raise PermissionDenied(
            f"Chỉ cán bộ báo cáo hoặc quản trị đơn vị mới được nhập số liệu, nội dung báo cáo (vai trò của bạn: {Role(actor.role).label})."
        )
    own = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    if own is not None and (own.id == unit.id or (own.path and unit.path.startswith(own.path))):
        return
    raise PermissionDenied(f"Đơn vị «{unit.name}» không thuộc phạm vi đơn vị của bạn, không thể nhập số liệu báo cáo cho đơn vị này.")


def _check_window(start: date, end: date) -> None:
    if end < start:
        raise ValidationError(f"Kỳ báo cáo không hợp lệ: ngày kết thúc {vn.fmt_date(end)} trước ngày bắt đầu {vn.fmt_date(start)}.")


# --- figures ----------------------------------------------------------------------------------

def get_figures(session: Session, unit_id: int, start: date, end: date) -> dict[tuple[int, str], ManualFigure]:
    """Every figure entered for the unit and window, by (form, stt)."""
    rows = session.scalars(
        select(ManualFigure).where(
            ManualFigure.unit_id == unit_id, ManualFigure.period_start == start, ManualFigure.period_end == end
        )
    )
    return {(f.form, f.stt): f for f in rows}


def manual_values(session: Session, unit_id: int, start: date, end: date) -> dict[int, dict[str, Decimal | None]]:
    """{form number: {stt: value}} for compute_values()."""
    out: dict[int, dict[str, Decimal | None]] = {}
    for (form, stt), fig in get_figures(session, unit_id, start, end).items():
        if fig.value is not None:
            out.setdefault(form, {})[stt] = fig.value
    return out


def manual_notes(session: Session, unit_id: int, start: date, end: date) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for (form, stt), fig in get_figures(session, unit_id, start, end).items():
        if fig.note:
            out.setdefault(form, {})[stt] = fig.note
    return out


def validate_entries(
    entries: Iterable[Entry], existing: dict[int, dict[str, Decimal | None]], figures: dict | None = None
) -> list[str]:
    """Vietnamese problems of a set of entries merged over what is stored (empty list = valid).

    `figures` (all_figures) fills computed rows, so that a manual part is checked against a computed whole.
    """
    errors: list[str] = []
    merged = {k: dict(v) for k, v in existing.items()}
    for e in entries:
        try:
            form = formdefs.get_form(e.form)
        except KeyError:
            errors.append(f"Không có Biểu mẫu {e.form}.")
            continue
        if not form.has(e.stt):
            errors.append(f"{form.name}: không có chỉ tiêu STT {e.stt}.")
            continue
        row = form.row(e.stt)
        if row.computed and e.value is not None:
            errors.append(f"{form.name}, STT {e.stt}: chỉ tiêu do hệ thống tự tính, không nhập bằng tay.")
            continue
        if row.is_heading and e.value is not None:
            errors.append(f"{form.name}, STT {e.stt}: dòng tiêu đề nhóm, không nhập số liệu.")
            continue
        if e.value is not None:
            try:
                formdefs.parse_entry(row, e.value)
            except ValueError as exc:
                errors.append(f"{form.name}, STT {e.stt}: {exc}.")
                continue
        merged.setdefault(e.form, {})[e.stt] = e.value
    if errors:
        return errors
    for form in formdefs.load_forms():
        values = formdefs.compute_values(form, figures or {}, merged.get(form.number, {}))
        for r in form.rows:  # a rate typed by hand is kept only where its rows are unknown
            if r.rate_of and merged.get(form.number, {}).get(r.stt) is not None:
                num, den = values.get(r.rate_of[0]), values.get(r.rate_of[1])
                if num is not None and den is not None:
                    values[r.stt] = merged[form.number][r.stt]
        errors.extend(f"{form.name}: {msg}" for _, msg in formdefs.problems(form, values))
    return errors


def set_figures(
    session: Session,
    actor: User | None,
    unit: Unit,
    start: date,
    end: date,
    entries: Iterable[Entry],
    figures: dict | None = None,
) -> int:
    """Store several entries at once, all or nothing; a blank entry deletes the stored one. Returns rows written."""
    check_permission(session, actor, unit)
    _check_window(start, end)
    ensure_editable(session, unit, start, end)
    entries = list(entries)
    stored = get_figures(session, unit.id, start, end)
    existing: dict[int, dict[str, Decimal | None]] = {}
    for (form, stt), fig in stored.items():
        existing.setdefault(form, {})[stt] = fig.value
    errors = validate_entries(entries, existing, figures)
    if errors:
        raise ValidationError("Số liệu không hợp lệ, không lưu gì:\n" + "\n".join(f"- {e}" for e in errors))
    written = 0
    now = clock.now()
    for e in entries:
        row = formdefs.get_form(e.form).row(e.stt)
        value = formdefs.parse_entry(row, e.value) if e.value is not None else None
        fig = stored.get((e.form, e.stt))
        if value is None and not e.text and not e.note:
            if fig is not None:
                session.delete(fig)
                written += 1
            continue
        if fig is None:
            fig = ManualFigure(unit_id=unit.id, period_start=start, period_end=end, form=e.form, stt=e.stt)
            session.add(fig)
            stored[(e.form, e.stt)] = fig
        fig.value, fig.text, fig.note = value, e.text or "", e.note or ""
        fig.entered_by, fig.entered_at = _actor_name(actor), now
        written += 1
    session.flush()
    return written


def set_figure(
    session: Session,
    actor: User | None,
    unit: Unit,
    start: date,
    end: date,
    form: int,
    stt: str,
    value,
    *,
    text: str = "",
    note: str = "",
    figures: dict | None = None,
) -> ManualFigure | None:
    """Enter one chỉ tiêu (value as typed: 17, '1.081', '99,76'); None/blank clears it."""
    try:
        row = formdefs.get_form(form).row(stt)
    except KeyError:
        raise NotFound(f"Không có chỉ tiêu STT {stt} trong Biểu mẫu {form}.") from None
    if value is not None and not (isinstance(value, str) and not value.strip()):
        try:
            value = formdefs.parse_entry(row, value)
        except ValueError as exc:
            raise ValidationError(f"Biểu mẫu {form}, STT {stt}: {exc}.") from None
    else:
        value = None
    set_figures(session, actor, unit, start, end, [Entry(form, stt, value, text, note)], figures)
    return get_figures(session, unit.id, start, end).get((form, stt))


# --- narratives -------------------------------------------------------------------------------

def narrative_keys() -> list[str]:
    layout = formdefs.report_layout()
    return [s["key"] for s in layout["sections"] if s.get("narrative", True)] + list(layout["header_keys"])


def normalise_section(key: str) -> str:
    """'ii.1' / 'II.1.' / 'Kính gửi' / 'I. CÔNG TÁC CHỈ ĐẠO …' → the canonical key, ValidationError if unknown."""
    layout = formdefs.report_layout()
    text = key.strip()
    plain = vn.search_key(text).rstrip(".: ")
    keys = narrative_keys()
    for k in keys:
        if plain == vn.search_key(k):
            return k
    aliases = {
        "kinh gui": "kinh_gui", "can cu": "can_cu", "noi nhan": "noi_nhan", "so": "so", "so van ban": "so",
        "ky hieu": "ky_hieu", "chuc vu ky": "chuc_vu_ky", "tham quyen ky": "chuc_vu_ky", "nguoi ky": "nguoi_ky",
        "dia danh": "dia_danh",
    }
    if plain in aliases:
        return aliases[plain]
    for s in layout["sections"]:
        if not s.get("narrative", True):
            continue
        open_ended = bool(s.get("append_next_period"))  # "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ" + any period
        title = vn.search_key(s["title"]).rstrip(" .,")
        bare = title.split(". ", 1)[-1] if ". " in title else title
        if plain in (title, bare) or (open_ended and (plain.startswith(title) or plain.startswith(bare))):
            return s["key"]
    raise ValidationError(
        f"Không nhận ra mục báo cáo «{key}». Dùng một trong: {', '.join(keys)} hoặc tiêu đề mục (ví dụ «Mặt tích cực»)."
    )


def get_narratives(session: Session, unit_id: int, start: date, end: date) -> dict[str, str]:
    rows = session.scalars(
        select(ReportNarrative).where(
            ReportNarrative.unit_id == unit_id, ReportNarrative.period_start == start, ReportNarrative.period_end == end
        )
    )
    return {r.section: r.text for r in rows if r.text.strip()}


def set_narrative(
    session: Session, actor: User | None, unit: Unit, start: date, end: date, section: str, text: str
) -> ReportNarrative | None:
    """Write (or, with blank text, remove) the narrative of one section."""
    check_permission(session, actor, unit)
    _check_window(start, end)
    ensure_editable(session, unit, start, end)
    key = normalise_section(section)
    row = session.scalar(
        select(ReportNarrative).where(
            ReportNarrative.unit_id == unit.id,
            ReportNarrative.period_start == start,
            ReportNarrative.period_end == end,
            ReportNarrative.section == key,
        )
    )
    if not text.strip():
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    if row is None:
        row = ReportNarrative(unit_id=unit.id, period_start=start, period_end=end, section=key)
        session.add(row)
    row.text, row.author, row.updated_at = text.strip(), _actor_name(actor), clock.now()
    session.flush()
    return row


def parse_narrative_markdown(text: str) -> dict[str, str]:
    """A Markdown file with one '#'/'##' heading per section → {section key: text}.

    Headings are section keys ("II.1") or titles ("Mặt tích cực", "I. CÔNG TÁC CHỈ ĐẠO …");
    an unknown heading or text before the first heading is refused with its line number.
    """
    out: dict[str, list[str]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").startswith(" ") and len(stripped) - len(stripped.lstrip("#")) <= 2:
            heading = stripped.lstrip("#").strip()
            try:
                current = normalise_section(heading)
            except ValidationError as exc:
                raise ValidationError(f"Tệp nội dung, dòng {number}: {exc.message}") from None
            if current in out:
                raise ValidationError(f"Tệp nội dung, dòng {number}: mục «{heading}» xuất hiện hai lần.")
            out[current] = []
            continue
        if current is None:
            if stripped:
                raise ValidationError(
                    f"Tệp nội dung, dòng {number}: có nội dung trước tiêu đề mục đầu tiên (mỗi mục bắt đầu bằng «# I», «## II.1» …)."
                )
            continue
        out[current].append(line.rstrip())
    return {k: "\n".join(v).strip() for k, v in out.items() if "\n".join(v).strip()}


def import_narratives(session: Session, actor: User | None, unit: Unit, start: date, end: date, text: str) -> int:
    """Store every section of a narrative Markdown file (all or nothing)."""
    sections = parse_narrative_markdown(text)
    for key, body in sections.items():
        set_narrative(session, actor, unit, start, end, key, body)
    return len(sections)


def find_unit(session: Session, code: str, on: date | None = None) -> Unit:
    """The unit with this code (valid on `on` when the code was reused), NotFound in Vietnamese."""
    units = list(session.scalars(select(Unit).where(Unit.code == code.strip())))
    if on is not None and len(units) > 1:
        units = [u for u in units if u.valid_on(on)] or units
    if not units:
        raise NotFound(f"Không tìm thấy đơn vị có mã «{code}».")
    return units[0]
