"""Builders for statistics tests: a small province whose figures are known in advance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import count

import pytest

from cchc.dossiers.enums import State
from cchc.dossiers.models import Dossier
from cchc.procedures.models import Procedure
from cchc.units.models import Unit

_seq = count(1)


def add_unit(session, code, name, level, kind, parent=None, valid_from=None, valid_to=None, is_area=True) -> Unit:
    u = Unit(code=code, name=name, level=level, kind=kind, parent=parent, is_area=is_area,
             valid_from=valid_from, valid_to=valid_to, path="")
    session.add(u)
    session.flush()
    u.path = f"{parent.path if parent else '/'}{u.id}/"
    session.flush()
    return u


def add_procedure(session, code, levels="tinh", online_level="khong", **kw) -> Procedure:
    p = Procedure(code=code, name=kw.pop("name", f"Thủ tục {code}"), levels=levels, online_level=online_level,
                  time_amount=Decimal(kw.pop("time_amount", 5)), time_unit=kw.pop("time_unit", "ngay_lam_viec"), **kw)
    session.add(p)
    session.flush()
    return p


def add_dossier(session, unit: Unit, procedure: Procedure, state: State | str, received_at: datetime | None,
                ended_at: datetime | None = None, due_at: datetime | None = None, channel: int = 1,
                timeliness: str | None = None, code: str | None = None, level: str | None = None, **kw) -> Dossier:
    state = State(state)
    n = next(_seq)
    d = Dossier(
        code=code or f"{unit.code}-{(received_at or datetime(2000, 1, 1)):%y%m%d}-{n:04d}",
        procedure_id=procedure.id, unit_id=unit.id, level=level or unit.level, channel=channel,
        state=state.value, status_code=state.dvcqg_code, applicant_name="Nguyễn Văn An",
        received_at=received_at, ended_at=ended_at, due_at=due_at, timeliness=timeliness, **kw,
    )
    session.add(d)
    return d


@dataclass
class Province:
    province: Unit
    agency: Unit
    district: Unit
    commune_old: Unit
    commune_new: Unit
    proc_tinh: Procedure
    proc_huyen: Procedure
    proc_xa: Procedure


def build_province(session) -> Province:
    """Tỉnh Đồng Tháp (test): a sở, a huyện valid until 30/6/2025 with a xã, and a xã of the new structure."""
    p = add_unit(session, "000.00.00.H20", "Tỉnh Đồng Tháp", "tinh", "tinh")
    s = add_unit(session, "000.00.10.H20", "Sở Tư pháp", "tinh", "so", parent=p, is_area=False)
    h = add_unit(session, "000.00.20.H20", "Huyện Cao Lãnh", "huyen", "huyen", parent=p, valid_to=date(2025, 6, 30))
    x1 = add_unit(session, "000.21.20.H20", "Xã Mỹ Long", "xa", "xa", parent=h, valid_to=date(2025, 6, 30))
    x2 = add_unit(session, "000.30.00.H20", "Xã Mỹ Thọ", "xa", "xa", parent=p, valid_from=date(2025, 7, 1))
    pt = add_procedure(session, "1.000001", levels="tinh", online_level="toan_trinh", eligible_full_online=True,
                       has_fee=True, fee_online_integrated=True, interconnection="cung_cap", agency_unit_id=s.id)
    ph = add_procedure(session, "1.000002", levels="huyen,xa", online_level="mot_phan", has_fee=True,
                       interconnection="giua_cac_cap")
    px = add_procedure(session, "1.000003", levels="xa", online_level="khong", eligible_full_online=True)
    return Province(p, s, h, x1, x2, pt, ph, px)


@pytest.fixture
def province(db) -> Province:
    return build_province(db)
