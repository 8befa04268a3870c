"""Reading the procedure catalogue: one procedure with everything it holds, an accent-insensitive search, and
the lĩnh vực with their counts — each in SQL, a fixed number of queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from cchc import clock, vn
from cchc.errors import NotFound
from cchc.procedures.models import Field, Procedure
from cchc.procedures.parsing import parse_levels, parse_online_level


def get_procedure(session: Session, code: str) -> Procedure:
    """The procedure with this MaTTHC, with its fees, components, steps and publications loaded."""
    procedure = session.scalar(
        select(Procedure)
        .where(Procedure.code == str(code).strip())
        .options(
            selectinload(Procedure.fees), selectinload(Procedure.components), selectinload(Procedure.steps),
            selectinload(Procedure.publications), selectinload(Procedure.field),
        )
    )
    if procedure is None:
        raise NotFound(f"Không tìm thấy TTHC có mã «{code}» trong danh mục.")
    return procedure


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_procedures(
    session: Session,
    q: str | None = None,
    field_code: str | None = None,
    level: str | None = None,
    online_level: str | None = None,
    active: bool | None = True,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
) -> tuple[list[Procedure], int]:
    """Procedures matching every word of `q` (accent- and case-insensitive, on the name or the code), in SQL.

    `active=True`: in force today; False: abolished/replaced; None: all. Returns (page, total count)."""
    conditions = []
    for word in vn.search_fold(q).split():
        pattern = f"%{_like_escape(word)}%"
        conditions.append(or_(Procedure.name_key.like(pattern, escape="\\"), func.lower(Procedure.code).like(pattern, escape="\\")))
    if field_code:
        conditions.append(Procedure.field_id.in_(select(Field.id).where(Field.code == field_code)))
    if level:
        lvl = parse_levels(level)
        for one in lvl.split(","):
            conditions.append(("," + Procedure.levels + ",").like(f"%,{one},%"))
    if online_level:
        conditions.append(Procedure.online_level == parse_online_level(online_level))
    day = today or clock.now().date()
    in_force = and_(Procedure.active.is_(True), or_(Procedure.inactive_from.is_(None), Procedure.inactive_from > day))
    if active is True:
        conditions.append(in_force)
    elif active is False:
        conditions.append(~in_force)
    total = session.scalar(select(func.count()).select_from(Procedure).where(*conditions)) or 0
    items = list(
        session.scalars(
            select(Procedure)
            .where(*conditions)
            .options(selectinload(Procedure.field))
            .order_by(Procedure.code)
            .limit(max(0, int(limit)))
            .offset(max(0, int(offset)))
        )
    )
    return items, int(total)


def list_fields(session: Session) -> list[tuple[Field, int]]:
    """Every lĩnh vực with the number of procedures in force in it (one GROUP BY)."""
    counts = dict(
        session.execute(
            select(Procedure.field_id, func.count()).where(Procedure.active.is_(True)).group_by(Procedure.field_id)
        ).all()
    )
    fields = session.scalars(select(Field).order_by(Field.name)).all()
    return [(f, int(counts.get(f.id, 0))) for f in fields]


def procedure_names(session: Session, procedure_ids) -> dict[int, str]:
    """{procedure id: name} for the procedures a list of dossiers names, in one query of the two columns."""
    ids = set(procedure_ids)
    return dict(session.execute(select(Procedure.id, Procedure.name).where(Procedure.id.in_(ids))).all()) if ids else {}
