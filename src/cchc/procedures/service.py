"""Actions on the procedure catalogue (danh mục TTHC): create, update, internal process, lĩnh vực, publications.

Every change goes through here and is checked against the permission matrix (cchc/auth/permissions.yaml, cells
thu_tuc.sua and thu_tuc.linh_vuc): a procedure is edited only by the administrators of the agency that owns it
(its cơ quan thực hiện, `agency_unit_id`, and the units above it) or by Quản trị hệ thống; a procedure with no
owning unit (e.g. the commune-level procedures shared by every commune) and the shared list of lĩnh vực only by
Quản trị hệ thống; actor=None is the operator at the command line. Input is validated as a whole and refused with
a Vietnamese message naming the field; nothing is written when anything is wrong.

The input is checked by cchc.procedures.validation (values parsed by .parsing, time limits and the default
process from .process); reading the catalogue is cchc.procedures.catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth import permissions
from cchc.errors import PermissionDenied, ValidationError
from cchc.procedures.catalogue import get_procedure
from cchc.procedures.models import Component, FeeLine, Field, ProcessStep, Procedure, Publication
from cchc.procedures.parsing import as_mapping, check_code, parse_steps_text
from cchc.procedures.process import default_step_specs, make_step
from cchc.procedures.usage import components_in_use
from cchc.procedures.validation import (
    CleanProcedure,
    Refs,
    publication_effect,
    validate_procedure,
    validate_publication,
    validate_steps,
)
from cchc.units.models import Unit

EDIT_ACTION = "thu_tuc.sua"  # cells of cchc/auth/permissions.yaml
FIELD_ACTION = "thu_tuc.linh_vuc"


# --------------------------------------------------------------------------------------------- permission
def _label(actor) -> str:
    return permissions.role_label(getattr(actor, "role", None))


def check_editor(actor) -> None:
    """Editing the catalogue needs a role whose cell thu_tuc.sua is not «none» (Quản trị hệ thống, Quản trị đơn
    vị); which procedures it may edit is check_may_edit's question. actor None is the CLI operator."""
    if actor is None:
        return
    if not getattr(actor, "active", True):
        raise PermissionDenied(f"Tài khoản «{actor.username}» đã bị khóa, không được sửa danh mục TTHC.")
    if permissions.scope_of(getattr(actor, "role", None), EDIT_ACTION) == "none":
        editors = " hoặc ".join(r.label for r in permissions.matrix().roles_for(EDIT_ACTION))
        raise PermissionDenied(
            f"Tài khoản «{actor.username}» (vai trò {_label(actor)}) không có quyền sửa danh mục TTHC; cần vai trò {editors}."
        )


def _owner_name(session: Session, unit_id: int | None, fallback: str = "") -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit is not None else fallback


def check_may_edit(session: Session, actor, procedure: Procedure) -> None:
    """PermissionDenied unless `actor` may change this procedure: the cell thu_tuc.sua of their role reaches the
    unit that owns it (its cơ quan thực hiện). A procedure without an owning unit is Quản trị hệ thống's."""
    check_editor(actor)
    if actor is None or permissions.allows(session, actor, EDIT_ACTION, procedure.agency_unit_id):
        return
    reach = permissions.scope_phrase(session, actor, EDIT_ACTION)
    if procedure.agency_unit_id is None:
        owner = f"không gắn với đơn vị nào (cơ quan thực hiện: {procedure.agency_name or 'chưa ghi'}), dùng chung"
    else:
        owner = f"do {_owner_name(session, procedure.agency_unit_id)} thực hiện và quản lý"
    raise PermissionDenied(
        f"TTHC {procedure.code} {owner}: tài khoản «{actor.username}» ({_label(actor)}) chỉ sửa được TTHC có cơ quan "
        f"thực hiện thuộc {reach}. Đề nghị cơ quan thực hiện hoặc Quản trị hệ thống sửa."
    )


def check_catalogue_change(session: Session, actor, clean: CleanProcedure, refs: Refs, current: Procedure | None) -> None:
    """The validated change stays within what `actor` may do: the procedure's owner before (`current`) and after
    (a new cơ quan thực hiện) both reached, and the shared lĩnh vực list neither extended nor renamed without the
    cell thu_tuc.linh_vuc. A unit administrator's new procedure without an owning unit becomes their unit's."""
    if actor is None:
        return
    if current is not None:
        check_may_edit(session, actor, current)
    else:
        check_editor(actor)
    if current is None and clean.agency_unit is None and permissions.scope_of(actor.role, EDIT_ACTION) != "system":
        own = refs.unit_by_id(actor.unit_id)
        if own is not None:
            clean.agency_unit = own
            clean.values["agency_name"] = clean.values.get("agency_name") or own.name
    if current is None or clean.agency_unit is not None or "agency_unit_id" in clean.extra:
        new_owner = clean.agency_unit.id if clean.agency_unit is not None else None
        if (current is None or new_owner != current.agency_unit_id) and not permissions.allows(session, actor, EDIT_ACTION, new_owner):
            reach = permissions.scope_phrase(session, actor, EDIT_ACTION)
            if clean.agency_unit is not None:
                why = f"cơ quan thực hiện «{clean.agency_unit.name}» nằm ngoài phạm vi của tài khoản «{actor.username}» ({reach})"
            else:
                why = (f"cơ quan thực hiện phải là một đơn vị (ghi mã đơn vị) thuộc {reach}; TTHC không gắn với đơn vị nào "
                       "chỉ Quản trị hệ thống sửa")
            raise PermissionDenied(f"Không lưu được TTHC {clean.values['code']}: {why}.", field="agency")
    if clean.field_code and not permissions.allows(session, actor, FIELD_ACTION):
        existing = refs.fields.get(clean.field_code)
        if existing is None:
            raise PermissionDenied(
                f"Lĩnh vực mã «{clean.field_code}» chưa có trong danh mục: chỉ Quản trị hệ thống thêm lĩnh vực mới "
                "(danh mục lĩnh vực dùng chung cho mọi TTHC). Hãy chọn một lĩnh vực đã có.",
                field="field_code",
            )
        if clean.field_name and clean.field_name != existing.name:
            raise PermissionDenied(
                f"Lĩnh vực «{existing.code}» đang tên «{existing.name}»: chỉ Quản trị hệ thống đổi tên lĩnh vực "
                f"(dùng chung cho mọi TTHC), không đổi thành «{clean.field_name}» được.",
                field="field_name",
            )


# --------------------------------------------------------------------------------------------- writing
def apply_clean(session: Session, procedure: Procedure, clean: CleanProcedure, refs: Refs) -> Procedure:
    """Write validated values into `procedure` (new or loaded); children replaced only when given."""
    for key, value in clean.values.items():
        setattr(procedure, key, value)
    if clean.field_code:
        procedure.field = refs.field(clean.field_code, clean.field_name)
    if clean.agency_unit is not None:
        procedure.agency_unit_id = clean.agency_unit.id
    elif "agency_unit_id" in clean.extra:
        procedure.agency_unit_id = None
    if clean.fees is not None:
        procedure.fees = [FeeLine(kind=f["kind"], amount=f["amount"], description=f["description"]) for f in clean.fees]
    if clean.components is not None:
        sync_components(procedure, clean.components)
    if clean.steps is not None:
        _replace_steps(session, procedure, [make_step(s) for s in clean.steps])
    elif not procedure.steps:
        procedure.steps = [make_step(s) for s in default_step_specs(procedure.time_amount, procedure.time_unit)]
    return procedure


def sync_components(procedure: Procedure, items: Sequence[Mapping[str, Any]]) -> None:
    """Update the components in place, position by position (dossiers point at their rows), add the new ones
    and drop the surplus (check_components_removable first)."""
    current = sorted(procedure.components, key=lambda c: c.seq)
    for comp, item in zip(current, items):
        comp.seq, comp.name, comp.copies, comp.required = item["seq"], item["name"], item["copies"], item["required"]
    for item in items[len(current):]:
        procedure.components.append(Component(seq=item["seq"], name=item["name"], copies=item["copies"], required=item["required"]))
    for comp in current[len(items):]:
        procedure.components.remove(comp)


def check_components_removable(session: Session, procedure: Procedure, new_count: int) -> None:
    """Refuse to drop a component that received dossiers refer to (the dossiers domain counts them: usage)."""
    surplus = sorted((c for c in procedure.components if c.id is not None), key=lambda c: c.seq)[new_count:]
    if not surplus:
        return
    used = components_in_use(session, [c.id for c in surplus])
    for comp in surplus:
        if used.get(comp.id):
            raise ValidationError(
                f"Không thể bỏ thành phần hồ sơ «{comp.name}» (thứ {comp.seq}) của TTHC {procedure.code}: đã có "
                f"{vn.fmt_int(used[comp.id])} hồ sơ tiếp nhận thành phần này; hãy giữ nó trong danh sách.",
                field="components",
            )


def _replace_steps(session: Session, procedure: Procedure, steps: list[ProcessStep]) -> None:
    if procedure.id is not None and procedure.steps:
        procedure.steps.clear()
        session.flush()  # old rows go before new ones take their sequence numbers
    procedure.steps = steps


def create_procedure(session: Session, actor, data: Mapping[str, Any] | Any) -> Procedure:
    """Add a procedure to the catalogue; without steps it gets the default internal process."""
    check_editor(actor)
    refs = Refs(session)
    clean = validate_procedure(data, refs)
    check_catalogue_change(session, actor, clean, refs, None)
    existing = session.scalar(select(Procedure.id).where(Procedure.code == clean.values["code"]))
    if existing is not None:
        raise ValidationError(f"Mã TTHC «{clean.values['code']}» đã có trong danh mục.", field="code")
    procedure = apply_clean(session, Procedure(), clean, refs)
    session.add(procedure)
    session.flush()
    return procedure


def update_procedure(session: Session, actor, procedure: Procedure | str, data: Mapping[str, Any] | Any) -> Procedure:
    """Change some fields of a procedure (the others keep their values); the whole result is validated."""
    check_editor(actor)
    if isinstance(procedure, str):
        procedure = get_procedure(session, procedure)
    check_may_edit(session, actor, procedure)
    refs = Refs(session)
    clean = validate_procedure(data, refs, current=procedure)
    check_catalogue_change(session, actor, clean, refs, procedure)
    if clean.components is not None:
        check_components_removable(session, procedure, len(clean.components))
    if clean.values["code"] != procedure.code:
        other = session.scalar(select(Procedure.id).where(Procedure.code == clean.values["code"]))
        if other is not None:
            raise ValidationError(f"Mã TTHC «{clean.values['code']}» đã có trong danh mục.", field="code")
    apply_clean(session, procedure, clean, refs)
    session.flush()
    return procedure


def save_procedure(session: Session, actor, data: Mapping[str, Any] | Any) -> tuple[Procedure, bool]:
    """Create the procedure, or update it if its code exists: (procedure, created)."""
    code = check_code(as_mapping(data).get("code"))
    existing = session.scalar(select(Procedure).where(Procedure.code == code))
    if existing is None:
        return create_procedure(session, actor, data), True
    return update_procedure(session, actor, existing, data), False


def set_steps(session: Session, actor, procedure: Procedure | str, steps: Sequence[Any] | str) -> list[ProcessStep]:
    """Replace the internal process: mappings (role, hours or duration_amount+duration_unit, can_return, name,
    unit_code, seq), ProcessStep objects, or the text form 'mot_cua:4:0;chuyen_vien:24:1;…'."""
    check_editor(actor)
    if isinstance(procedure, str):
        procedure = get_procedure(session, procedure)
    check_may_edit(session, actor, procedure)
    if isinstance(steps, str):
        steps = parse_steps_text(steps)
    clean = validate_steps(steps, procedure.time_amount, procedure.time_unit, Refs(session))
    _replace_steps(session, procedure, [make_step(s) for s in clean])
    session.flush()
    return list(procedure.steps)


def ensure_field(session: Session, actor, code: str, name: str) -> Field:
    """Create (or rename) a lĩnh vực: the shared list, Quản trị hệ thống's (cell thu_tuc.linh_vuc)."""
    check_editor(actor)
    if actor is not None and not permissions.allows(session, actor, FIELD_ACTION):
        raise PermissionDenied(
            f"Tài khoản «{actor.username}» ({_label(actor)}) không được thêm hoặc đổi tên lĩnh vực: danh mục lĩnh vực "
            "dùng chung cho mọi TTHC, chỉ Quản trị hệ thống sửa.",
            field="field_code",
        )
    code, name = str(code or "").strip(), str(name or "").strip()
    if not code or not name:
        raise ValidationError("Lĩnh vực cần có cả mã và tên.", field="field_code")
    found = Refs(session).field(code, name)
    session.flush()
    return found


# --------------------------------------------------------------------------------------------- publications
def add_publication(
    session: Session,
    actor,
    procedure: Procedure | str,
    decision_no: str,
    decision_date: date | str,
    kind: str,
    effective_date: date | str | None = None,
    *,
    legal_effective_date: date | str | None = None,
    published_on: date | str | None = None,
    replaced_by: Procedure | str | None = None,
    note: str = "",
    today: date | None = None,
) -> Publication:
    """Record a quyết định công bố. `bai_bo` (bãi bỏ) and `thay_the` (thay thế, with `replaced_by` = the
    procedure or code replacing this one) take the procedure out of force from `effective_date` (default:
    the decision date): active becomes False once that day has come (see `refresh_active`)."""
    check_editor(actor)
    if isinstance(procedure, str):
        procedure = get_procedure(session, procedure)
    check_may_edit(session, actor, procedure)
    clean = validate_publication(
        {"decision_no": decision_no, "decision_date": decision_date, "kind": kind, "effective_date": effective_date,
         "legal_effective_date": legal_effective_date, "published_on": published_on, "replaced_by": replaced_by,
         "note": note},
        own_code=procedure.code,
    )
    return apply_publication(session, procedure, clean, today=today)


def apply_publication(
    session: Session, procedure: Procedure, clean: dict[str, Any], today: date | None = None, flush: bool = True
) -> Publication:
    """Write a publication checked by validate_publication (no permission check: callers check)."""
    replacing = clean["replaced_by"]
    if replacing is None and clean["replaced_by_code"]:
        replacing = session.scalar(select(Procedure).where(Procedure.code == clean["replaced_by_code"]))
    publication = Publication(
        decision_no=clean["decision_no"], decision_date=clean["decision_date"], kind=clean["kind"],
        effective_date=clean["effective_date"], legal_effective_date=clean["legal_effective_date"],
        published_on=clean["published_on"], replaced_by_code=clean["replaced_by_code"], note=clean["note"],
    )
    if replacing is not None:
        publication.replaced_by = replacing
    procedure.publications.append(publication)
    effect = publication_effect(clean, procedure.inactive_from, today)
    if effect is not None:
        procedure.inactive_from, procedure.active = effect["inactive_from"], effect["active"]
        procedure.replaced_by = replacing if effect["replaced"] else None
    if flush:
        session.flush()
    return publication


def refresh_active(session: Session, today: date | None = None) -> int:
    """Set active=False on procedures whose abolition/replacement has taken effect (one UPDATE); returns the count."""
    day = today or clock.now().date()
    result = session.execute(
        update(Procedure)
        .where(Procedure.active.is_(True), Procedure.inactive_from.is_not(None), Procedure.inactive_from <= day)
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
