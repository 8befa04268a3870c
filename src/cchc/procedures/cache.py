"""Procedures as each serving process keeps them for receipts, and the catalogue's token for HTTP validators.

A receipt needs a procedure's time limit, cut-off hour, levels, online level, fees, components and internal
steps: four queries of the catalogue each time before, none now while the catalogue is unchanged. The copy is
an immutable snapshot with the attributes the state machine reads (cchc.dossiers.transitions works on "anything
with a procedure's attributes"), shared by the threads of the process, renewed after any committed change of
the catalogue's tables (the token `procedures`, cchc.calendar.cache; the tables are declared in
cchc.procedures.models). The catalogue pages and API answer If-None-Match from the same token (catalogue_etag).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cchc.calendar.cache import ProcessCache, tokens
from cchc.errors import NotFound
from cchc.procedures.models import PROCEDURES_CACHE, Procedure


@dataclass(frozen=True)
class CachedFee:
    kind: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class CachedComponent:
    id: int
    seq: int
    name: str
    copies: int
    required: bool


@dataclass(frozen=True)
class CachedStep:
    seq: int
    name: str
    role: str
    unit_id: int | None
    duration_amount: Decimal
    duration_unit: str
    can_return: bool


@dataclass(frozen=True)
class CachedProcedure:
    """What a receipt or an online submission reads of a procedure, as of one catalogue token."""

    id: int
    code: str
    name: str
    levels: str
    agency_unit_id: int | None
    time_amount: Decimal
    time_unit: str
    cutoff_time: time | None
    online_level: str
    eligible_full_online: bool
    active: bool
    inactive_from: date | None
    fees: tuple[CachedFee, ...]
    components: tuple[CachedComponent, ...]
    steps: tuple[CachedStep, ...]

    def active_on(self, day: date) -> bool:
        return self.inactive_from is None or day < self.inactive_from

    @property
    def level_list(self) -> list[str]:
        return [x for x in self.levels.split(",") if x]


def snapshot(p: Procedure) -> CachedProcedure:
    return CachedProcedure(
        id=p.id, code=p.code, name=p.name, levels=p.levels, agency_unit_id=p.agency_unit_id,
        time_amount=Decimal(p.time_amount), time_unit=p.time_unit, cutoff_time=p.cutoff_time, online_level=p.online_level,
        eligible_full_online=bool(p.eligible_full_online), active=bool(p.active), inactive_from=p.inactive_from,
        fees=tuple(CachedFee(f.kind, f.description, Decimal(f.amount or 0)) for f in p.fees),
        components=tuple(CachedComponent(c.id, c.seq, c.name, c.copies, bool(c.required))
                         for c in sorted(p.components, key=lambda c: c.seq)),
        steps=tuple(CachedStep(s.seq, s.name, s.role, s.unit_id, Decimal(s.duration_amount), s.duration_unit, bool(s.can_return))
                    for s in sorted(p.steps, key=lambda s: s.seq)),
    )


_PROCEDURES: ProcessCache[CachedProcedure] = ProcessCache(PROCEDURES_CACHE)
T = TypeVar("T")


def _loader(code: str):
    def load(session: Session) -> CachedProcedure:
        found = session.scalar(
            select(Procedure).where(Procedure.code == code)
            .options(selectinload(Procedure.fees), selectinload(Procedure.components), selectinload(Procedure.steps))
        )
        if found is None:
            raise NotFound(f"Không tìm thấy TTHC có mã «{code}» trong danh mục.")
        return snapshot(found)

    return load


def receivable(session: Session, code: str) -> CachedProcedure:
    """The procedure with this MaTTHC as a receipt needs it, from this process's copy when the catalogue has not
    changed since it was read (one query of the tokens per transaction), else from the database."""
    code = str(code or "").strip()
    return _PROCEDURES.get(session, code, _loader(code))


# Answers of the public catalogue (a search's page, the lĩnh vực with their counts) as this process last computed
# them under the catalogue's token; the key says everything the answer depends on, the day included.
_ANSWERS: ProcessCache = ProcessCache(PROCEDURES_CACHE, max_entries=512)


def catalogue_answer(session: Session, key: tuple, compute: Callable[[Session], T]) -> T:
    """The answer `compute` gives for `key`, computed once per catalogue token in this process. `compute` must
    return something never changed afterwards (bytes, tuples, models nobody modifies)."""
    return _ANSWERS.get(session, key, compute)


def procedure_cache() -> ProcessCache[CachedProcedure]:
    """This process's copy (tests and benchmarks read its `loads`)."""
    return _PROCEDURES


def catalogue_etag(session: Session, *varying: object) -> str:
    """A weak validator of a catalogue answer: the catalogue's token and what else the answer depends on (the day,
    for «in force today»; the viewer of a page)."""
    token = tokens(session).get(PROCEDURES_CACHE, "")
    digest = hashlib.sha256("\x1f".join([token, *map(str, varying)]).encode()).hexdigest()[:24]
    return f'W/"{digest}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether a request's If-None-Match names `etag` (weak comparison, RFC 9110 §13.1.2; «*» matches)."""
    if not if_none_match:
        return False
    given = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in given or etag.removeprefix("W/") in given
