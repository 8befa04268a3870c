"""Export of dossiers (hồ sơ) to CSV, XLSX or JSON with the field names of the national portal (DVCQG).

The same columns as an import reads (cchc.interop.dossier_columns; timestamps as yyyyMMddHHmmss), the rows
streamed from the database in chunks, so that export → import into an empty database gives the same figures.
Text is written as text: never a formula in CSV (an apostrophe in front) nor in XLSX (a string cell).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.dossiers.models import Dossier
from cchc.errors import ValidationError
from cchc.interop.dossier_columns import CHUNK, DELIVERY_CODE, DVCQG_TIMESTAMP, EXPORT_COLUMNS
from cchc.procedures.models import Field, Procedure
from cchc.sheets.cells import csv_row, write_only_row
from cchc.sheets.progress import tracker
from cchc.sheets.tabular import FORMATS
from cchc.units.models import Unit


def _export_query(session: Session, unit, start: date | None, end: date | None):
    d = Dossier.__table__
    u = Unit.__table__
    p = Procedure.__table__
    f = Field.__table__
    columns = [
        d.c.id,
        d.c.code,
        p.c.code.label("procedure_code"),
        f.c.code.label("field_code"),
        u.c.code.label("unit_code"),
        d.c.level,
        d.c.applicant_name,
        d.c.applicant_type,
        d.c.applicant_id_number,
        d.c.channel,
        d.c.submitted_at,
        d.c.received_at,
        d.c.due_at,
        d.c.extended_due_at,
        d.c.supplement_requested_at,
        d.c.supplemented_at,
        d.c.supplement_count,
        d.c.financial_requested_at,
        d.c.ended_at,
        d.c.returned_at,
        d.c.not_accepted_at,
        d.c.state,
        d.c.status_code,
        d.c.result_delivery,
        d.c.fee_amount,
        d.c.fee_paid,
        d.c.paid_online,
        d.c.reused_digitized,
        d.c.components_digitized,
        d.c.result_digitized,
        d.c.from_personal_store,
        d.c.vneid_verified,
    ]
    conditions = []
    if unit is not None:
        units = _units_for(session, unit)
        conditions.append(or_(*[(u.c.path.like(x.path + "%") if x.path else u.c.id == x.id) for x in units]))
    moment = func.coalesce(d.c.received_at, d.c.submitted_at, d.c.not_accepted_at)
    if start is not None:
        conditions.append(moment >= datetime.combine(start, time.min))
    if end is not None:
        conditions.append(moment < datetime.combine(end + timedelta(days=1), time.min))
    base = d.join(u, u.c.id == d.c.unit_id).join(p, p.c.id == d.c.procedure_id).outerjoin(f, f.c.id == p.c.field_id)
    rows = select(*columns).select_from(base).where(*conditions).order_by(d.c.id)
    count = select(func.count()).select_from(base).where(*conditions)
    return rows, count


def _units_for(session: Session, unit) -> list[Unit]:
    if isinstance(unit, Unit):
        return [unit]
    code = str(unit).strip()
    units = list(session.execute(select(Unit).where(Unit.code == code)).scalars())
    if not units:
        raise ValidationError(f"Không có đơn vị nào mang mã «{code}».", field="unit")
    return units


def _stamp(value: datetime | None) -> str:
    return value.strftime(DVCQG_TIMESTAMP) if value is not None else ""


def _export_record(r) -> dict[str, Any]:
    return {
        "MaHoSo": r.code,
        "MaTTHC": r.procedure_code,
        "MaLinhVuc": r.field_code or "",
        "MaDonViTiepNhan": r.unit_code,
        "CapDonVi": r.level,
        "ChuHoSo": r.applicant_name,
        "LoaiDoiTuong": r.applicant_type,
        "SoDinhDanh": r.applicant_id_number or "",
        "KenhThucHien": r.channel,
        "NgayNopHoSo": _stamp(r.submitted_at),
        "NgayTiepNhan": _stamp(r.received_at),
        "NgayHenTra": _stamp(r.due_at),
        "NgayHenTraMoi": _stamp(r.extended_due_at),
        "NgayYeuCauBoSung": _stamp(r.supplement_requested_at),
        "NgayBoSung": _stamp(r.supplemented_at),
        "SoLanBoSung": r.supplement_count or 0,
        "NgayYeuCauNghiaVuTaiChinh": _stamp(r.financial_requested_at),
        "NgayKetThucXuLy": _stamp(r.ended_at),
        "NgayTra": _stamp(r.returned_at),
        "NgayTuChoi": _stamp(r.not_accepted_at),
        "TrangThaiHoSo": r.status_code,
        "HinhThucTra": DELIVERY_CODE.get(r.result_delivery, 1),
        "PhiLePhi": int(r.fee_amount or 0),
        "DaThanhToan": int(bool(r.fee_paid)),
        "DuocThanhToanTrucTuyen": r.paid_online or 0,
        "HoSoCoThanhPhanSoHoa": int(bool(r.reused_digitized)),
        "DaSoHoaThanhPhan": int(bool(r.components_digitized)),
        "CoKetQuaDienTu": int(bool(r.result_digitized)),
        "DuocLayTuKhoDMQG": int(bool(r.from_personal_store)),
        "TaiKhoanDuocXacThucVoiVNeID": int(bool(r.vneid_verified)),
    }


def dossier_record(session: Session, dossier: Dossier) -> dict[str, Any]:
    """One dossier's record with the same fields as an exported row, from the object as it stands in the session
    (nothing flushed: cchc.sync takes it inside the action that changes the dossier, for its outbox)."""
    with session.no_autoflush:
        procedure = session.get(Procedure, dossier.procedure_id)
        unit = session.get(Unit, dossier.unit_id)
        field = session.get(Field, procedure.field_id) if procedure is not None and procedure.field_id else None
    values = {a.key: getattr(dossier, a.key) for a in Dossier.__mapper__.column_attrs}
    return _export_record(SimpleNamespace(**values, procedure_code=procedure.code if procedure else "",
                                          field_code=field.code if field else "", unit_code=unit.code if unit else ""))


def export_dossiers(
    session: Session,
    out_path: Path | str,
    fmt: str | None = None,
    unit=None,
    start: date | None = None,
    end: date | None = None,
    progress=None,
) -> int:
    """Write dossiers (of `unit` and everything under it, received — or filed — between start and end)
    to CSV, XLSX or JSON with DVCQG column names; returns the number written.

    `unit` is a Unit or a unit code (every validity period of that code). Rows are streamed from the
    database in chunks and written as they come; the file appears only when complete.
    """
    out_path = Path(out_path)
    fmt = (fmt or FORMATS.get(out_path.suffix.lower()) or "").lower()
    if fmt not in ("csv", "xlsx", "json"):
        raise ValidationError(
            f"Không xuất được «{out_path.name}»: chọn định dạng csv, xlsx hoặc json (theo phần mở rộng của tệp).",
            field="fmt",
        )
    if start is not None and end is not None and start > end:
        raise ValidationError(f"Ngày bắt đầu ({vn.fmt_date(start)}) sau ngày kết thúc ({vn.fmt_date(end)}).")
    rows_q, count_q = _export_query(session, unit, start, end)
    total = session.execute(count_q).scalar_one()
    bar = tracker(progress, "Xuất hồ sơ", total)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    written = 0
    try:
        result = session.execute(rows_q.execution_options(yield_per=CHUNK))
        records = (_export_record(r) for part in result.partitions(CHUNK) for r in part)
        writer = {"csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json}[fmt]
        written = writer(tmp, records, bar)
        os.replace(tmp, out_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    bar.finish()
    return written


def _write_csv(path: Path, records: Iterable[dict], bar) -> int:
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        for n, record in enumerate(records, start=1):
            writer.writerow(csv_row(record[c] for c in EXPORT_COLUMNS))  # text never read as a formula
            if n % 1000 == 0:
                bar.advance(1000)
    bar.advance(n % 1000)
    return n


def _write_xlsx(path: Path, records: Iterable[dict], bar) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("HoSo")
    ws.append(list(EXPORT_COLUMNS))
    n = 0
    for n, record in enumerate(records, start=1):
        ws.append(write_only_row(ws, [record[c] for c in EXPORT_COLUMNS]))  # every text a string cell
        if n % 1000 == 0:
            bar.advance(1000)
    wb.save(path)
    bar.advance(n % 1000)
    return n


def _write_json(path: Path, records: Iterable[dict], bar) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[")
        for n, record in enumerate(records, start=1):
            fh.write(("\n" if n == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
            if n % 1000 == 0:
                bar.advance(1000)
        fh.write("\n]\n" if n else "]\n")
    bar.advance(n % 1000)
    return n
