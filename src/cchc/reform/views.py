"""API of the CCHC registers under /api/v1/reform: for each register (ke-hoach, van-ban, kiem-tra,
tuyen-truyen) list, create, update, delete and import (multipart); and the figures of a unit and period.

Bodies are JSON objects of field names (see GET /api/v1/reform/{register}/fields); every write goes
through cchc.reform.registers (permission, Vietnamese validation, all or nothing).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, UploadFile
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.models import User
from cchc.auth.scope import in_scope
from cchc.errors import ImportRejected, PermissionDenied
from cchc.periods import resolve_period
from cchc.reform import registers as reg
from cchc.reform.figures import reform_figures
from cchc.reform.importer import REGISTERS, import_file, register_for
from cchc.sheets import uploaded
from cchc.units.models import Unit
from cchc.units.scope import resolve_unit, top_province
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION, check_csrf

router = APIRouter(prefix="/api/v1/reform", tags=["Cải cách hành chính"], dependencies=[Depends(check_csrf)])


def scoped_unit(db: Session, user: User, code: str | None) -> Unit:
    """The unit named by `code` (the user's own by default; the province for whoever has none, a system
    administrator), refused outside the user's scope."""
    if code:
        unit = resolve_unit(db, code)
    else:
        own = db.get(Unit, user.unit_id) if user.unit_id is not None else None
        unit = own if own is not None else top_province(db)
    if not in_scope(db, user, unit.id):
        raise PermissionDenied(f"Đơn vị «{unit.name}» không thuộc phạm vi của bạn.")
    return unit


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def serialise(register: reg.Register, obj) -> dict:
    out: dict[str, Any] = {"id": obj.id}
    for f in register.fields:
        out[f.name] = _plain(getattr(obj, f.name))
    out["updated_by"] = obj.updated_by
    return out


def _window(year: int | None, ky: str | None, tu_ngay: str | None, den_ngay: str | None) -> tuple[date, date]:
    """A preset (ky) or dates when given; otherwise the calendar year `year` (this year by default)."""
    if ky or tu_ngay or den_ngay:
        p = resolve_period(ky or None, tu_ngay or None, den_ngay or None)
        return p.start, p.end
    y = year if year is not None else clock.today().year
    return date(y, 1, 1), date(y, 12, 31)


def rows_of(db: Session, register: reg.Register, unit: Unit, start: date, end: date) -> list:
    model = register.model
    if register.dated_by is None:  # the plan: the window's year
        return reg.entries(db, register, unit.id, model.year == end.year)
    return reg.entries(db, register, unit.id, getattr(model, register.dated_by).between(start, end))


@router.get("/figures")
def figures(don_vi: str | None = None, ky: str | None = None, tu_ngay: str | None = None, den_ngay: str | None = None,
            db: Session = DB_SESSION, user: User = Depends(officer)):
    """Số liệu các sổ CCHC của đơn vị trong kỳ (kế hoạch, văn bản chỉ đạo, kiểm tra, tuyên truyền)."""
    unit = scoped_unit(db, user, don_vi)
    start, end = _window(None, ky, tu_ngay, den_ngay)
    return {"unit": unit.code, "start": start.isoformat(), "end": end.isoformat(), **reform_figures(db, unit, start, end)}


@router.get("/{register}/fields")
def fields(register: str, user: User = Depends(officer)):
    """Các trường (tên, nhãn = tiêu đề cột khi nhập tệp, bắt buộc) của một sổ."""
    r = register_for(register)
    return [{"name": f.name, "label": f.label, "required": f.required} for f in r.fields]


@router.get("/{register}")
def list_entries(register: str, don_vi: str | None = None, nam: int | None = Query(None, ge=2000, le=2100),
                 ky: str | None = None, tu_ngay: str | None = None, den_ngay: str | None = None,
                 db: Session = DB_SESSION, user: User = Depends(officer)):
    """Danh sách của sổ: kế hoạch theo năm (nam), các sổ khác theo kỳ (ky hoặc tu_ngay/den_ngay; mặc định cả năm)."""
    r = register_for(register)
    unit = scoped_unit(db, user, don_vi)
    start, end = _window(nam, ky, tu_ngay, den_ngay)
    items = rows_of(db, r, unit, start, end)
    return {"register": r.key, "unit": unit.code, "start": start.isoformat(), "end": end.isoformat(),
            "count": len(items), "items": [serialise(r, o) for o in items]}


@router.post("/{register}", status_code=201)
def create_entry(register: str, body: dict[str, Any] = Body(...), don_vi: str | None = None,
                 db: Session = DB_SESSION, user: User = Depends(officer)):
    """Thêm một mục vào sổ (JSON: tên trường → giá trị)."""
    r = register_for(register)
    unit = scoped_unit(db, user, don_vi)
    return serialise(r, reg.create(db, user, r, unit, body))


@router.patch("/{register}/{entry_id}")
def update_entry(register: str, entry_id: int, body: dict[str, Any] = Body(...),
                 db: Session = DB_SESSION, user: User = Depends(officer)):
    """Sửa một mục (chỉ các trường gửi lên), ví dụ {"status": "hoan_thanh", "evidence": "…"}."""
    r = register_for(register)
    return serialise(r, reg.update(db, user, r, entry_id, body))


@router.delete("/{register}/{entry_id}", status_code=204)
def delete_entry(register: str, entry_id: int, db: Session = DB_SESSION, user: User = Depends(officer)):
    r = register_for(register)
    reg.delete(db, user, r, entry_id)


@router.post("/{register}/import")
async def import_entries(register: str, file: UploadFile = File(...), don_vi: str | None = Form(None),
                         nam: int | None = Form(None), db: Session = DB_SESSION, user: User = Depends(officer)):
    """Nhập sổ từ tệp CSV/XLSX/JSON: tất cả hoặc không dòng nào (lỗi ghi rõ dòng, cột)."""
    r = register_for(register)
    unit = scoped_unit(db, user, don_vi)
    added = await save_and_import(db, user, r.key, unit, file, nam)
    return {"register": r.key, "unit": unit.code, "added": added, "message": f"Đã nhập {vn.fmt_int(added)} dòng vào sổ {r.title}."}


async def save_and_import(db: Session, user: User, key: str, unit: Unit, file: UploadFile, year: int | None) -> int:
    if not file.filename:
        raise ImportRejected("Chưa chọn tệp để nhập.")
    return uploaded.imported(file.filename, await uploaded.read(file), "so-theo-doi.xlsx",
                             lambda path: import_file(db, user, key, unit, path, year=year))


__all__ = ["router", "REGISTERS", "scoped_unit", "serialise", "rows_of", "save_and_import"]
