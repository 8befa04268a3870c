"""Imports of the CCHC registers from CSV / XLSX / JSON files (cchc.sheets.tabular), all or nothing:
the first wrong row refuses the whole file with its row number (header = row 1) and column."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.errors import NotFound
from cchc.reform import registers as reg
from cchc.reform.activities import COMMUNICATIONS, INSPECTIONS
from cchc.reform.directives import REGISTER as DIRECTIVES
from cchc.reform.plan import REGISTER as PLAN
from cchc.units.models import Unit

REGISTERS: dict[str, reg.Register] = {r.key: r for r in (PLAN, DIRECTIVES, INSPECTIONS, COMMUNICATIONS)}


def register_for(key: str) -> reg.Register:
    try:
        return REGISTERS[key]
    except KeyError:
        raise NotFound(f"Không có sổ «{key}»; dùng một trong: {', '.join(REGISTERS)}.") from None


def import_file(session: Session, actor: User | None, key: str, unit: Unit, path: Path | str, *, year: int | None = None) -> int:
    """Rows of `path` into the register `key` ("ke-hoach", "van-ban", "kiem-tra", "tuyen-truyen"); returns rows added.

    `year` fills the plan's year when the file has no «Năm» column.
    """
    register = register_for(key)
    extra = {"year": year} if register is PLAN and year is not None else None
    return reg.import_rows(session, actor, register, unit, path, extra)


def template_columns(key: str) -> list[str]:
    """The column headers of an import file for the register (what the page offers as a sample)."""
    return [f.label for f in register_for(key).fields]
