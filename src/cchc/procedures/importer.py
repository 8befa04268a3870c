"""Importing the procedure catalogue from CSV, XLSX or JSON (DVCQG-style column names), all or nothing.

Every row is read and validated first (with the existing catalogue, fields and units looked up in a few
queries); only when the whole file is right is anything written. A bad row refuses the file with
ImportRejected naming the row (header = row 1) and the column.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cchc import vn
from cchc.errors import CchcError, ImportRejected, ValidationError
from cchc.interop.tabular import read_table
from cchc.procedures import service
from cchc.procedures.models import Procedure

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
    "fees": service.parse_fees_text,
    "components": service.parse_components_text,
    "steps": service.parse_steps_text,
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

Progress = Callable[[int, int], Any]


def _column_of(key: str | None, row: dict[str, Any]) -> str | None:
    if key is None:
        return None
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

    Returns {"rows", "created", "updated", "publications", "fields_created"}. `progress` is a callable
    (done, total) or a Rich Progress. Procedures without QuyTrinh get the default internal process
    (new ones) or keep theirs (existing ones, if it still fits the time limit).
    """
    service.check_editor(actor)
    path = Path(path)
    table = read_table(path, required=REQUIRED)
    report = _progress_callback(progress)
    total = len(table.rows)
    refs = service.Refs(session)
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
                selectinload(Procedure.publications),
            )
        ):
            existing[proc.code] = proc

    # 1. read and validate everything
    seen: dict[str, int] = {}
    new_fields: dict[str, tuple[str, int]] = {}
    prepared: list[tuple[int, service.CleanProcedure, list[dict]]] = []
    for done, (number, row) in enumerate(table.rows, start=1):
        try:
            data, publications = _row_to_data(row)
            code = service.check_code(data.get("code"))
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
            clean = service.validate_procedure(data, refs, current=existing.get(code))
            pubs = [service.validate_publication(p, own_code=code) for p in publications]
        except ImportRejected:
            raise
        except CchcError as exc:
            column = _column_of(exc.field, row) if exc.field else None
            raise ImportRejected(exc.message, row=number, column=column) from None
        prepared.append((number, clean, pubs))
        if done % 200 == 0:
            report(done, total * 2)

    # 2. write, inside a savepoint so that a database error leaves nothing behind
    created = updated = publications_added = 0
    with session.begin_nested():
        for done, (number, clean, pubs) in enumerate(prepared, start=1):
            code = clean.values["code"]
            proc = existing.get(code)
            if proc is None:
                proc = Procedure()
                service.apply_clean(session, proc, clean, refs)
                session.add(proc)
                existing[code] = proc
                created += 1
            else:
                service.apply_clean(session, proc, clean, refs)
                updated += 1
            known = {(p.decision_no, p.kind) for p in proc.publications}
            for pub in pubs:
                if (pub["decision_no"], pub["kind"]) in known:
                    continue
                pub["replaced_by"] = existing.get(pub["replaced_by_code"]) if pub["replaced_by_code"] else None
                service.apply_publication(session, proc, pub, flush=False)
                known.add((pub["decision_no"], pub["kind"]))
                publications_added += 1
            if done % 500 == 0:
                session.flush()
                report(total + done, total * 2)
        session.flush()
    report(total * 2, total * 2)
    return {
        "rows": total,
        "created": created,
        "updated": updated,
        "publications": publications_added,
        "fields_created": len(set(refs.fields) - fields_before),
        "file": path.name,
    }


def summary(result: dict) -> str:
    """'Đã nhập 3.000 TTHC từ «x.csv» (thêm mới 2.990, cập nhật 10; 5 lĩnh vực mới; 12 quyết định công bố).'"""
    return (
        f"Đã nhập {vn.fmt_int(result['rows'])} TTHC từ «{result['file']}» (thêm mới {vn.fmt_int(result['created'])}, "
        f"cập nhật {vn.fmt_int(result['updated'])}; {vn.fmt_int(result['fields_created'])} lĩnh vực mới; "
        f"{vn.fmt_int(result['publications'])} quyết định công bố)."
    )
