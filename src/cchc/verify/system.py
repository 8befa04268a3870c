"""The figures the system computed for the unit and period a report is about, as rows the checker reads the text
against: «03 văn bản» typed where the register counts 5 is a contradiction a reader with cchc at hand would see.

Only what cchc computes (Biểu mẫu rows with a `source`, and the rates of two such rows) — not what someone entered
by hand — and the headings the rows belong to."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from cchc.reports.assembly import forms_context
from cchc.units.models import Unit
from cchc.verify.rules import Row


def system_rows(session: Session, unit: Unit | str, period) -> list[Row]:
    """The computed rows of the unit's Biểu mẫu for the period, in form order."""
    rows: list[Row] = []
    for table in forms_context(session, unit, period).tables:
        form = table.form
        for r in form.rows:
            value = table.values.get(r.stt)
            computed = r.computed or bool(r.rate_of and all(form.row(x).computed for x in r.rate_of))
            if r.is_heading:
                rows.append(Row(r.stt, r.label, "", "", None, 0, len(rows), form.name))
            elif computed and value is not None:
                places = 2 if r.kind == "percent" else 0
                raw = table.display(r).rstrip("%")
                rows.append(Row(r.stt, r.label, r.unit, raw, Decimal(value), places, len(rows), form.name))
    return rows
