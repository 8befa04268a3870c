"""Small ORM factories for the interop tests: units (with their materialised path) and procedures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from cchc.procedures.models import Field, Procedure
from cchc.units.models import Unit


def make_unit(
    session: Session,
    code: str,
    name: str,
    level: str,
    kind: str,
    parent: Unit | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    is_area: bool = False,
) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        is_area=is_area,
        source="test",
    )
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent is not None else "/") + f"{unit.id}/"
    session.flush()
    return unit


def make_procedure(session: Session, code: str, name: str, field: Field | None = None, days: int = 5) -> Procedure:
    procedure = Procedure(
        code=code,
        name=name,
        field=field,
        levels="tinh,xa",
        time_amount=Decimal(days),
        time_unit="ngay_lam_viec",
        online_level="toan_trinh",
    )
    session.add(procedure)
    session.flush()
    return procedure


class World:
    """A province with an agency, a legacy district (until 30/6/2025) with a commune, and a new commune."""

    def __init__(self, session: Session):
        self.province = make_unit(session, "000.00.00.H56", "Tỉnh Thử Nghiệm", "tinh", "tinh", is_area=True)
        self.agency = make_unit(session, "000.00.12.H56", "Sở Tư pháp", "tinh", "so", parent=self.province)
        self.district = make_unit(
            session, "000.00.20.H56", "UBND huyện Cũ", "huyen", "ubnd", parent=self.province, valid_to=date(2025, 6, 30)
        )
        self.old_commune = make_unit(
            session, "000.21.20.H56", "UBND xã Cũ", "xa", "ubnd", parent=self.district, valid_to=date(2025, 6, 30)
        )
        self.new_commune = make_unit(
            session, "000.31.00.H56", "UBND xã Mới", "xa", "ubnd", parent=self.province, valid_from=date(2025, 7, 1)
        )
        self.field = Field(code="HT", name="Hộ tịch")
        session.add(self.field)
        session.flush()
        self.birth = make_procedure(session, "1.001193", "Đăng ký khai sinh", self.field, days=3)
        self.marriage = make_procedure(session, "1.000894", "Đăng ký kết hôn", self.field, days=5)
        self.permit = make_procedure(session, "1.009974", "Cấp giấy phép xây dựng", None, days=15)


def ts(value: datetime | None) -> str:
    """DVCQG yyyyMMddHHmmss."""
    return value.strftime("%Y%m%d%H%M%S") if value is not None else ""


def row(**values) -> dict:
    """A valid finished-on-time dossier row at the agency, overridden by `values`."""
    received = datetime(2024, 6, 3, 8, 0)
    base = {
        "MaHoSo": "000.00.12.H56-240603-0001",
        "MaTTHC": "1.001193",
        "MaDonViTiepNhan": "000.00.12.H56",
        "ChuHoSo": "Nguyễn Văn An",
        "KenhThucHien": "2",
        "NgayTiepNhan": ts(received),
        "NgayHenTra": ts(received + timedelta(days=3)),
        "NgayKetThucXuLy": ts(received + timedelta(days=1)),
        "NgayTra": ts(received + timedelta(days=2)),
        "TrangThaiHoSo": "10",
    }
    base.update({k: v for k, v in values.items()})
    return base
