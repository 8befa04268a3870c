"""The statistics rules of a dossier, each written once.

Where a dossier counts depends on a few conditions on its own row: whether it was received, how it
came in (channel), whether it has ended and how (outcome), and from when it is overdue (its due date
with the supplement rule). Each rule here is a SQLAlchemy expression over a dossier row `r`:

- the mapped `Dossier`, in the window queries of cchc.stats.dossiers (`bucket_conditions`, `explain`,
  the direct counts and the 766 index);
- `row("NEW")`, `row("OLD")` or `row("d")`, compiled to SQL text by `sql`, in cchc.stats.daily: the
  triggers that keep dossier_day_counts, its rebuild and its check.

So the counts the triggers keep and the figures counted from the dossiers read the same conditions.
A change here changes the triggers' SQL: tests/test_migrations.py then shows that an upgraded
database's triggers differ from the code's, and a new migration must install the new ones.

Overdue is the one rule written in two forms, side by side: `overdue_at` judges a dossier at one
instant (the end of a window, or now), `overdue_from` gives the first instant it is overdue, which
is what a per-day count needs. Both read the same due date, waiting and shift
(`_shifted_julian`/`_shifted`); tests/stats/test_day_counts.py proves they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, case, column, func, literal, not_, null, or_, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause, ColumnElement, quoted_name

from cchc.dossiers.enums import Channel, State, Timeliness
from cchc.dossiers.models import Dossier

NOT_RECEIVED = (State.SUBMITTED.value, State.NOT_ACCEPTED.value)
TERMINAL = (
    State.FINISHED.value,
    State.RETURNED.value,
    State.REFUSED.value,
    State.WITHDRAWN.value,
    State.STOPPED.value,
)
RESOLVED = (State.FINISHED.value, State.RETURNED.value)
ONLINE, POSTAL = int(Channel.ONLINE), int(Channel.POSTAL)
EARLY, LATE = Timeliness.EARLY.value, Timeliness.LATE.value

Rule = Callable[[object], ColumnElement]


# ---- received, ended -----------------------------------------------------------------------------
def received(r) -> ColumnElement:
    """Received: not only submitted (moi_dang_ky), not refused at the counter (khong_tiep_nhan).

    Without received_at a dossier is received nowhere: the window queries range received_at, the
    day counts require it."""
    return r.state.not_in(NOT_RECEIVED)


def ended(r) -> ColumnElement:
    """Ended: a terminal state (finished, returned, refused, withdrawn, stopped) with its ended_at."""
    return and_(r.state.in_(TERMINAL), r.ended_at.is_not(None))


def not_ended_before(r, moment) -> ColumnElement:
    """Still open at `moment`: not ended, or ended at or after it."""
    return or_(r.state.not_in(TERMINAL), r.ended_at.is_(None), r.ended_at >= moment)


def ended_before_received(r) -> ColumnElement:
    """Impossible data, counted so that the figures refuse it instead of hiding it."""
    return r.ended_at < r.received_at


# ---- how it came in: new_<channel> in the figures, received_<channel> in the day counts ---------------
CHANNELS: dict[str, Rule] = {
    "online": lambda r: r.channel == ONLINE,
    # 766: "KenhThucHien = 1 or null"; any other value counts as trực tiếp too.
    "direct": lambda r: or_(r.channel.is_(None), r.channel.not_in((ONLINE, POSTAL))),
    "postal": lambda r: r.channel == POSTAL,
}


# ---- how it ended: the same keys in the figures and the day counts -------------------------------
def resolved(r) -> ColumnElement:
    return r.state.in_(RESOLVED)


def _unclassified(r) -> ColumnElement:
    # A resolved dossier without classification counts as đúng hạn (as rules.classify does for a
    # dossier without due date).
    return or_(r.timeliness.is_(None), r.timeliness.not_in((EARLY, LATE)))


OUTCOMES: dict[str, Rule] = {
    "resolved_early": lambda r: and_(resolved(r), r.timeliness == EARLY),
    "resolved_on_time": lambda r: and_(resolved(r), _unclassified(r)),
    "resolved_late": lambda r: and_(resolved(r), r.timeliness == LATE),
    "refused": lambda r: r.state == State.REFUSED.value,
    "withdrawn": lambda r: r.state == State.WITHDRAWN.value,
    "stopped": lambda r: r.state == State.STOPPED.value,
}


def resolved_in_time(r) -> ColumnElement:
    """Resolved early or on time: resolved and not classified late."""
    return and_(resolved(r), or_(r.timeliness.is_(None), r.timeliness != LATE))


def ended_late_without_result(r) -> ColumnElement:
    """Refused, withdrawn or stopped and classified late (766 indicators 2.1, 5.4)."""
    return and_(not_(resolved(r)), r.timeliness == LATE)


# ---- overdue: the due date with the supplement rule ------------------------------------------------
def _shifted_julian(r) -> ColumnElement:
    """SQLite: due + (supplemented − requested) as a Julian day number (exact enough to compare)."""
    return func.julianday(r.due_at) + func.julianday(r.supplemented_at) - func.julianday(r.supplement_requested_at)


def _shifted(r, dialect: str) -> ColumnElement:
    """due + (supplemented − requested): the due date moved by the time the dossier waited."""
    if dialect == "sqlite":
        return func.datetime(_shifted_julian(r))
    return r.due_at + (r.supplemented_at - r.supplement_requested_at)


def overdue_at(r, at: datetime, stop: datetime, dialect: str) -> ColumnElement:
    """Past its due date at the instant `at` (the window's last instant, or now) of a window ending
    before `stop`: a dossier waiting for a supplement then is judged at its request date; once
    supplemented, the time it waited is added to its due date."""
    requested, supplemented = r.supplement_requested_at, r.supplemented_at
    waiting = and_(requested.is_not(None), requested < stop, or_(supplemented.is_(None), supplemented >= stop))
    resumed = and_(requested.is_not(None), supplemented.is_not(None), supplemented < stop, supplemented >= requested)
    last = literal(at)
    if dialect == "sqlite":
        shifted = _shifted_julian(r) < func.julianday(last)
    else:
        shifted = _shifted(r, dialect) < last
    return and_(
        r.due_at.is_not(None),
        case(
            (waiting, case((r.due_at < requested, 1), else_=0)),
            (resumed, case((shifted, 1), else_=0)),
            else_=case((r.due_at < last, 1), else_=0),
        )
        == 1,
    )


def overdue_from(r, dialect: str) -> ColumnElement:
    """The instant from which the dossier, if still open, is overdue (NULL: never, while it waits).

    The due date; or, when a supplement was requested before the due date, the due date moved by the
    time it waited once supplemented. `overdue_at(J)` holds exactly when this instant is before J."""
    due, requested, supplemented = r.due_at, r.supplement_requested_at, r.supplemented_at
    return case(
        (due.is_(None), null()),
        (or_(requested.is_(None), due < requested), due),
        (supplemented.is_(None), null()),
        (supplemented < requested, due),
        else_=_shifted(r, dialect),
    )


# ---- rows as SQL text -----------------------------------------------------------------------------
def row(name: str):
    """A dossier row under another name: NEW / OLD in a trigger, an alias in a query over `dossiers`."""
    return table(
        quoted_name(name, quote=False),
        *[column(c.name, c.type) for c in Dossier.__table__.columns],
    ).c


_DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def sql(expr: ColumnElement, dialect: str) -> str:
    """The expression as SQL text of the dialect, values written in (a trigger has no parameters)."""
    return str(expr.compile(dialect=_DIALECTS[dialect], compile_kwargs={"literal_binds": True}))


def columns_of(*exprs: ColumnElement) -> tuple[str, ...]:
    """The dossier columns the expressions read, in the order they appear."""
    names: dict[str, None] = {}
    for expr in exprs:
        for element in visitors.iterate(expr):
            if isinstance(element, ColumnClause) and element.table is not None:
                names.setdefault(element.name)
    return tuple(names)
