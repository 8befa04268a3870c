"""Pydantic models of the catalogue for the JSON API (GET /api/v1/procedures?q=…).

`ProcedureIn` is what a client sends to create or update a procedure: the service
(cchc.procedures.service.create_procedure / update_procedure) accepts it directly and does the
checking with Vietnamese messages, so only the shapes are declared here. `ProcedureOut.from_procedure`
builds the answer from the ORM object.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field as PydanticField

from cchc.procedures.enums import OnlineLevel, PublicationKind, StepRole, TimeUnit
from cchc.procedures.models import Procedure
from cchc.procedures.process import duration_label, time_limit_label


class FeeIn(BaseModel):
    kind: str = "le_phi"  # phi | le_phi
    amount: Decimal = Decimal(0)
    description: str = ""


class ComponentIn(BaseModel):
    name: str
    copies: int = 1
    required: bool = True


class StepIn(BaseModel):
    """One step: `hours` (working hours), or `duration_amount` + `duration_unit`."""

    role: str
    seq: int | None = None
    name: str = ""
    hours: Decimal | None = None
    duration_amount: Decimal | None = None
    duration_unit: str | None = None
    can_return: bool = False
    unit_code: str | None = None


class PublicationIn(BaseModel):
    decision_no: str
    decision_date: date
    kind: str  # moi | sua_doi | thay_the | bai_bo
    effective_date: date | None = None
    legal_effective_date: date | None = None
    published_on: date | None = None
    replaced_by_code: str | None = None
    note: str = ""


class ProcedureIn(BaseModel):
    """Create (all required fields) or update (only what is sent) a procedure."""

    code: str | None = None
    name: str | None = None
    field_code: str | None = None
    field_name: str | None = None
    levels: list[str] | str | None = None
    agency: str | None = None  # unit code or the agency's name
    time_amount: Decimal | None = None
    time_unit: str | None = None
    cutoff_time: time | None = None
    online_level: str | None = None
    eligible_full_online: bool | None = None
    paper_result: bool | None = None
    interconnection: str | None = None
    has_fee: bool | None = None
    fee_online_integrated: bool | None = None
    subject: str | None = None
    where_to_submit: str | None = None
    requirements: str | None = None
    legal_basis: str | None = None
    result_name: str | None = None
    published_on: date | None = None
    fees: list[FeeIn] | None = None
    components: list[ComponentIn] | None = None
    steps: list[StepIn] | None = None


class FeeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    amount: Decimal
    description: str


class ComponentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    name: str
    copies: int
    required: bool


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    name: str
    role: StepRole
    role_label: str = ""
    unit_id: int | None = None
    duration_amount: Decimal
    duration_unit: TimeUnit
    duration_label: str = ""
    can_return: bool


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    decision_no: str
    decision_date: date
    kind: PublicationKind
    kind_label: str = ""
    effective_date: date | None = None
    legal_effective_date: date | None = None
    published_on: date | None = None
    replaced_by_code: str = ""


class ProcedureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    field_code: str | None = None
    field_name: str | None = None
    levels: list[str]
    agency_unit_id: int | None = None
    agency_name: str
    time_amount: Decimal
    time_unit: TimeUnit
    time_limit_label: str
    cutoff_time: time | None = None
    online_level: OnlineLevel
    online_level_label: str
    eligible_full_online: bool
    paper_result: bool
    interconnection: str
    has_fee: bool
    fee_online_integrated: bool
    subject: str
    where_to_submit: str
    requirements: str
    legal_basis: str
    result_name: str
    active: bool
    inactive_from: date | None = None
    published_on: date | None = None
    fees: list[FeeOut] = PydanticField(default_factory=list)
    components: list[ComponentOut] = PydanticField(default_factory=list)
    steps: list[StepOut] = PydanticField(default_factory=list)
    publications: list[PublicationOut] = PydanticField(default_factory=list)

    @classmethod
    def from_procedure(cls, procedure: Procedure, *, detail: bool = True) -> ProcedureOut:
        """From the ORM object; detail=False leaves out the child lists (search results)."""
        steps, publications = [], []
        if detail:
            for s in procedure.steps:
                out = StepOut.model_validate(s)
                out.role_label = StepRole(s.role).label
                out.duration_label = duration_label(s.duration_amount, s.duration_unit)
                steps.append(out)
            for p in procedure.publications:
                pub = PublicationOut.model_validate(p)
                pub.kind_label = PublicationKind(p.kind).label
                publications.append(pub)
        return cls(
            id=procedure.id,
            code=procedure.code,
            name=procedure.name,
            field_code=procedure.field.code if procedure.field else None,
            field_name=procedure.field.name if procedure.field else None,
            levels=procedure.level_list,
            agency_unit_id=procedure.agency_unit_id,
            agency_name=procedure.agency_name,
            time_amount=procedure.time_amount,
            time_unit=procedure.time_unit,
            time_limit_label=time_limit_label(procedure.time_amount, procedure.time_unit),
            cutoff_time=procedure.cutoff_time,
            online_level=procedure.online_level,
            online_level_label=OnlineLevel(procedure.online_level).label,
            eligible_full_online=procedure.eligible_full_online,
            paper_result=procedure.paper_result,
            interconnection=procedure.interconnection,
            has_fee=procedure.has_fee,
            fee_online_integrated=procedure.fee_online_integrated,
            subject=procedure.subject,
            where_to_submit=procedure.where_to_submit,
            requirements=procedure.requirements,
            legal_basis=procedure.legal_basis,
            result_name=procedure.result_name,
            active=procedure.active,
            inactive_from=procedure.inactive_from,
            published_on=procedure.published_on,
            fees=[FeeOut.model_validate(f) for f in procedure.fees] if detail else [],
            components=[ComponentOut.model_validate(c) for c in procedure.components] if detail else [],
            steps=steps,
            publications=publications,
        )


class ProcedurePage(BaseModel):
    """One page of search results: GET /api/v1/procedures?q=&limit=&offset=."""

    items: list[ProcedureOut]
    total: int
    limit: int
    offset: int
