"""Importing the procedure catalogue from CSV, XLSX or JSON (DVCQG-style column names), all or nothing.

Every row is read and validated first (with the existing catalogue, fields and units looked up in a few
queries); only when the whole file is right is anything written. A bad row refuses the file with
ImportRejected naming the row (header = row 1) and the column.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from cchc import clock, vn
from cchc.errors import CchcError, ImportRejected, PermissionDenied, ValidationError
from cchc.procedures import service
from cchc.procedures.models import Component, FeeLine, ProcessStep, Procedure, Publication
from cchc.procedures.parsing import check_code, parse_components_text, parse_fees_text, parse_steps_text
from cchc.procedures.process import default_step_specs
from cchc.procedures.usage import components_in_use
from cchc.procedures.validation import CleanProcedure, Refs, publication_effect, validate_procedure, validate_publication
from cchc.sheets.tabular import read_table

REQUIRED = ["MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "CapThucHien", "ThoiHanGiaiQuyet", "DonViThoiHan", "MucDoDVC", "CoPhiLePhi"]

# column in the file → key of the service's input
COLUMNS = {
    "MaTTHC": "code",
    "TenTTHC": "name",
    "MaLinhVuc": "field_code",
    "TenLinhVuc": "field_name",
    "CapThucHien": "levels",
    "ThoiHanGiaiQuyet": "time_amount",
    "DonViThoiHan": "time_unit",
    "MucDoDVC": "online_level",
    "CoPhiLePhi": "has_fee",
    "CoQuanThucHien": "agency",
    "DuDieuKienToanTrinh": "eligible_full_online",
    "CoKetQuaGiay": "paper_result",
    "LienThong": "interconnection",
    "GioChot": "cutoff_time",
    "TichHopThanhToan": "fee_online_integrated",
    "DoiTuongThucHien": "subject",
    "NoiTiepNhan": "where_to_submit",
    "YeuCauDieuKien": "requirements",
    "CanCuPhapLy": "legal_basis",
    "KetQuaThucHien": "result_name",
    "NgayCongKhai": "published_on",
    "PhiLePhi": "fees",
    "ThanhPhanHoSo": "components",
    "QuyTrinh": "steps",
}
NESTED = {"fees": "PhiLePhi", "components": "ThanhPhanHoSo", "steps": "QuyTrinh", "publications": "publications"}
TEXT_PARSERS = {
    "fees": parse_fees_text,
    "components": parse_components_text,
    "steps": parse_steps_text,
}
# one publication per row in flat files
PUBLICATION_COLUMNS = {
    "SoQuyetDinhCongBo": "decision_no",
    "NgayQuyetDinhCongBo": "decision_date",
    "LoaiCongBo": "kind",
    "NgayHieuLuc": "effective_date",
    "MaTTHCThayThe": "replaced_by_code",
}
_CHUNK = 500


def _column_of(key: str | None, row: dict[str, Any]) -> str | None:
    if key is None:
        return None
    if key.startswith("publications."):
        if "publications" in row and row["publications"] not in ("", None):
            return "publications"
        flat = {target: column for column, target in PUBLICATION_COLUMNS.items()}
        return flat.get(key.split(".", 1)[1], "SoQuyetDinhCongBo")
    if key in NESTED and key in row:
        return key
    for column, target in COLUMNS.items():
        if target == key:
            return column
    return {"agency_code": "CoQuanThucHien"}.get(key, key)


def _row_to_data(row: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    data: dict[str, Any] = {}
    for column, key in COLUMNS.items():
        if column not in row:
            continue
        value = row[column]
        if key in TEXT_PARSERS:
            if isinstance(value, list):
                data[key] = value
            elif str(value).strip():
                data[key] = TEXT_PARSERS[key](str(value))
            continue
        if value == "" and key not in ("code", "name", "field_code", "field_name", "levels", "time_amount", "time_unit", "online_level", "has_fee"):
            continue
        data[key] = value
    for key in ("fees", "components", "steps"):  # JSON nested lists
        if key in row and row[key] not in ("", None):
            value = row[key]
            if isinstance(value, str):
                value = TEXT_PARSERS[key](value)
            if not isinstance(value, list):
                raise ValidationError(f"«{key}» phải là một danh sách.", field=key)
            data[key] = value
    publications: list[dict] = []
    if row.get("publications") not in (None, ""):
        value = row["publications"]
        if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
            raise ValidationError("«publications» phải là một danh sách các quyết định công bố {…}.", field="publications")
        publications.extend(value)
    flat = {key: row.get(column) for column, key in PUBLICATION_COLUMNS.items() if row.get(column) not in (None, "")}
    if flat:
        publications.append(flat)
    return data, publications


def _progress_callback(progress) -> Callable[[int, int], None]:
    """Accept a callable(done, total), a Rich Progress, or None."""
    if progress is None:
        return lambda done, total: None
    if hasattr(progress, "add_task") and hasattr(progress, "update"):
        task = progress.add_task("Nhập danh mục TTHC", total=None)
        return lambda done, total: progress.update(task, completed=done, total=total)
    return progress


def import_procedures(session: Session, path: Path | str, progress=None, actor=None) -> dict:
    """Import (create or update by MaTTHC) every procedure of the file, or none.

    Returns {"rows", "created", "updated", "publications", "fields" (new lĩnh vực), "file"}. `progress` is a callable
    (done, total) or a Rich Progress. Procedures without QuyTrinh get the default internal process
    (new ones) or keep theirs (existing ones, if it still fits the time limit).
    """
    service.check_editor(actor)
    path = Path(path)
    table = read_table(path, required=REQUIRED)
    report = _progress_callback(progress)
    total = len(table.rows)
    refs = Refs(session)
    fields_before = set(refs.fields)

    codes = {str(row.get("MaTTHC") or "").strip() for _, row in table.rows}
    existing: dict[str, Procedure] = {}
    code_list = sorted(c for c in codes if c)
    for start in range(0, len(code_list), _CHUNK):
        chunk = code_list[start : start + _CHUNK]
        for proc in session.scalars(
            select(Procedure)
            .where(Procedure.code.in_(chunk))
            .options(
                selectinload(Procedure.steps), selectinload(Procedure.fees), selectinload(Procedure.field),
                selectinload(Procedure.publications), selectinload(Procedure.components),
            )
        ):
            existing[proc.code] = proc

    # 1. read and validate everything
    seen: dict[str, int] = {}
    new_fields: dict[str, tuple[str, int]] = {}
    prepared: list[tuple[int, CleanProcedure, list[dict]]] = []
    shrinking: list[tuple[int, int, str]] = []  # (component id, row, code) of components an update drops
    for done, (number, row) in enumerate(table.rows, start=1):
        try:
            data, publications = _row_to_data(row)
            code = check_code(data.get("code"))
            if code in seen:
                raise ImportRejected(f"mã TTHC «{code}» trùng với dòng {seen[code]}.", row=number, column="MaTTHC")
            seen[code] = number
            for key in ("field_code", "field_name", "levels", "time_amount", "time_unit", "online_level", "has_fee"):
                if str(data.get(key, "")).strip() == "":
                    raise ValidationError(f"thiếu giá trị bắt buộc của TTHC {code}.", field=key)
            field_code, field_name = str(data["field_code"]).strip(), str(data["field_name"]).strip()
            if field_code in new_fields and new_fields[field_code][0] != field_name and field_code not in fields_before:
                raise ValidationError(
                    f"lĩnh vực «{field_code}» đã mang tên «{new_fields[field_code][0]}» ở dòng {new_fields[field_code][1]}.",
                    field="field_name",
                )
            new_fields.setdefault(field_code, (field_name, number))
            clean = validate_procedure(data, refs, current=existing.get(code))
            service.check_catalogue_change(session, actor, clean, refs, existing.get(code))
            if clean.components is not None and code in existing:
                shrinking.extend(
                    (c.id, number, code) for c in sorted(existing[code].components, key=lambda c: c.seq)[len(clean.components):]
                )
            pubs = [validate_publication(p, own_code=code) for p in publications]
        except ImportRejected:
            raise
        except PermissionDenied as exc:  # all or nothing, and still a refusal (403), naming the row
            raise PermissionDenied(f"Dòng {number}: {exc.message}", field=exc.field) from None
        except CchcError as exc:
            column = _column_of(exc.field, row) if exc.field else None
            raise ImportRejected(exc.message, row=number, column=column) from None
        prepared.append((number, clean, pubs))
        if done % 200 == 0:
            report(done, total * 2)

    if shrinking:  # components that received dossiers point at cannot go
        used = components_in_use(session, [cid for cid, _, _ in shrinking])
        for cid, number, code in shrinking:
            if used.get(cid):
                comp = next(c for c in existing[code].components if c.id == cid)
                raise ImportRejected(
                    f"không thể bỏ thành phần hồ sơ «{comp.name}» (thứ {comp.seq}) của TTHC {code}: đã có "
                    f"{vn.fmt_int(used[cid])} hồ sơ tiếp nhận thành phần này; hãy giữ nó trong danh sách.",
                    row=number,
                    column="components" if "components" in dict(table.rows)[number] else "ThanhPhanHoSo",
                )

    # 2. write in bulk, inside a savepoint so that a database error leaves nothing behind
    with session.begin_nested():
        counts = _write(session, prepared, existing, refs, lambda done: report(total + done, total * 2))
    report(total * 2, total * 2)
    return {
        "rows": total,
        **counts,
        "fields": len(set(refs.fields) - fields_before),
        "file": path.name,
    }


def _write(session: Session, prepared, existing: dict[str, Procedure], refs: Refs, report) -> dict:
    """Insert new procedures and update existing ones with a few statements per 500 rows (not one per object)."""
    for _, clean, _ in prepared:
        if clean.field_code:
            refs.field(clean.field_code, clean.field_name)
        proc = existing.get(clean.values["code"])
        if proc is not None and clean.components is not None:
            service.sync_components(proc, clean.components)  # in place: dossiers point at these rows
    session.flush()

    new_rows: list[dict] = []
    update_rows: list[dict] = []
    children: dict[str, list[tuple[str, dict]]] = {"steps": [], "fees": [], "components": []}
    replaced: dict[str, set[int]] = {"steps": set(), "fees": set(), "components": set()}
    for _, clean, _ in prepared:
        code = clean.values["code"]
        values = dict(clean.values)
        if clean.field_code:
            values["field_id"] = refs.fields[clean.field_code].id
        if clean.agency_unit is not None:
            values["agency_unit_id"] = clean.agency_unit.id
        elif "agency_unit_id" in clean.extra:
            values["agency_unit_id"] = None
        proc = existing.get(code)
        steps = clean.steps
        if proc is None:
            new_rows.append(values)
            if steps is None:
                steps = default_step_specs(values["time_amount"], values["time_unit"])
        else:
            values["id"] = proc.id
            update_rows.append(values)
            if steps is None and not proc.steps:
                steps = default_step_specs(values["time_amount"], values["time_unit"])
        lists = {"steps": steps, "fees": clean.fees, "components": clean.components if proc is None else None}
        for kind, items in lists.items():
            if items is None:
                continue
            if proc is not None:
                replaced[kind].add(proc.id)
            for item in items:
                children[kind].append((code, _child_row(kind, item)))

    ids = {code: proc.id for code, proc in existing.items()}
    for start in range(0, len(new_rows), _CHUNK):
        chunk = new_rows[start : start + _CHUNK]
        for code, new_id in session.execute(Procedure.__table__.insert().returning(Procedure.__table__.c.code, Procedure.__table__.c.id), chunk):
            ids[code] = new_id
        report(start + len(chunk))
    if update_rows:
        for start in range(0, len(update_rows), _CHUNK):
            session.execute(update(Procedure), update_rows[start : start + _CHUNK])
    for kind, model in CHILD_MODELS.items():
        old = sorted(replaced[kind])
        for start in range(0, len(old), _CHUNK):
            session.execute(
                delete(model).where(model.procedure_id.in_(old[start : start + _CHUNK])).execution_options(synchronize_session=False)
            )
        rows = [{**row, "procedure_id": ids[code]} for code, row in children[kind]]
        for start in range(0, len(rows), _CHUNK * 4):
            session.execute(model.__table__.insert(), rows[start : start + _CHUNK * 4])

    added = _write_publications(session, prepared, existing, ids)
    if existing:  # loaded objects are stale after the bulk statements
        session.expire_all()
    return {"created": len(new_rows), "updated": len(update_rows), "publications": added}


CHILD_MODELS = {"steps": ProcessStep, "fees": FeeLine, "components": Component}


def _child_row(kind: str, item: dict) -> dict:
    if kind == "steps":
        unit = item.get("unit")
        unit_id = unit if isinstance(unit, int) or unit is None else unit.id
        return {
            "seq": item["seq"], "role": item["role"], "name": item["name"], "duration_amount": item["duration_amount"],
            "duration_unit": item["duration_unit"], "can_return": item["can_return"], "unit_id": unit_id,
        }
    if kind == "fees":
        return {"kind": item["kind"], "amount": item["amount"], "description": item["description"]}
    return {"seq": item["seq"], "name": item["name"], "copies": item["copies"], "required": item["required"]}


def _write_publications(session: Session, prepared, existing: dict[str, Procedure], ids: dict[str, int]) -> int:
    """Publications not already recorded (same decision number and kind), and their effect on the procedure."""
    wanted = {p["replaced_by_code"] for _, _, pubs in prepared for p in pubs if p["replaced_by_code"]}
    missing = sorted(wanted - set(ids))
    for start in range(0, len(missing), _CHUNK):
        ids.update(session.execute(select(Procedure.code, Procedure.id).where(Procedure.code.in_(missing[start : start + _CHUNK]))).all())
    today = clock.now().date()
    rows: list[dict] = []
    states: list[dict] = []
    for _, clean, pubs in prepared:
        if not pubs:
            continue
        code = clean.values["code"]
        proc = existing.get(code)
        known = {(p.decision_no, p.kind) for p in proc.publications} if proc is not None else set()
        state = {"inactive_from": proc.inactive_from if proc is not None else None, "changed": False}
        for pub in pubs:
            if (pub["decision_no"], pub["kind"]) in known:
                continue
            known.add((pub["decision_no"], pub["kind"]))
            replacing_id = ids.get(pub["replaced_by_code"]) if pub["replaced_by_code"] else None
            rows.append({
                "procedure_id": ids[code], "decision_no": pub["decision_no"], "decision_date": pub["decision_date"],
                "kind": pub["kind"], "effective_date": pub["effective_date"],
                "legal_effective_date": pub["legal_effective_date"], "published_on": pub["published_on"],
                "replaced_by_id": replacing_id, "replaced_by_code": pub["replaced_by_code"], "note": pub["note"],
            })
            effect = publication_effect(pub, state["inactive_from"], today)
            if effect is not None:
                state.update(
                    inactive_from=effect["inactive_from"], active=effect["active"],
                    replaced_by_id=replacing_id if effect["replaced"] else None, changed=True,
                )
        if state.pop("changed"):
            states.append({"id": ids[code], **state})
    for start in range(0, len(rows), _CHUNK * 4):
        session.execute(Publication.__table__.insert(), rows[start : start + _CHUNK * 4])
    for start in range(0, len(states), _CHUNK):
        session.execute(update(Procedure), states[start : start + _CHUNK])
    return len(rows)


def summary(result: dict) -> str:
    """'Đã nhập 3.000 TTHC từ «x.csv» (thêm mới 2.990, cập nhật 10; 5 lĩnh vực mới; 12 quyết định công bố).'"""
    return (
        f"Đã nhập {vn.fmt_int(result['rows'])} TTHC từ «{result['file']}» (thêm mới {vn.fmt_int(result['created'])}, "
        f"cập nhật {vn.fmt_int(result['updated'])}; {vn.fmt_int(result['fields'])} lĩnh vực mới; "
        f"{vn.fmt_int(result['publications'])} quyết định công bố)."
    )
