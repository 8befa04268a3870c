"""Small ORM builders for dossier tests: units with paths, procedures with process steps, users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.procedures.models import Component, FeeLine, ProcessStep, Procedure
from cchc.units.models import Unit

# Monday 3/3/2025, 09:00 — an ordinary working day (no holiday that week).
MONDAY = datetime(2025, 3, 3, 9, 0)


def make_unit(session: Session, code: str, name: str, level: str, parent: Unit | None = None, *, is_area: bool = True, kind: str = "xa") -> Unit:
    unit = Unit(code=code, name=name, name_key=name.lower(), level=level, kind=kind, is_area=is_area, parent_id=parent.id if parent else None)
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    return unit


def make_ward_and_province(session: Session, prefix: str = "LP87") -> tuple[Unit, Unit, Unit, Unit, Unit]:
    """(province, ward, the ward's one-stop desk, another ward, a Sở): the shapes the permission tests reach over."""
    province = make_unit(session, prefix, "Tỉnh Đồng Tháp", "tinh", kind="tinh")
    ward = make_unit(session, f"{prefix}.01", "Phường Mỹ Phú", "xa", province, kind="phuong")
    desk = make_unit(session, f"{prefix}.01.MC", "Bộ phận Một cửa phường Mỹ Phú", "xa", ward, is_area=False, kind="bo_phan_mot_cua")
    other_ward = make_unit(session, f"{prefix}.02", "Phường Hòa Thuận", "xa", province, kind="phuong")
    justice = make_unit(session, f"{prefix}.STP", "Sở Tư pháp", "tinh", province, is_area=False, kind="so")
    return province, ward, desk, other_ward, justice

def make_user(session: Session, username: str, role: Role | str, unit: Unit | None, full_name: str | None = None) -> User:
    user = User(username=username, full_name=full_name or username.replace("_", " ").title(), role=str(role), unit_id=unit.id if unit else None)
    session.add(user)
    session.flush()
    return user


DEFAULT_STEPS = (
    # (name, role, hours, can_return)
    ("Tiếp nhận hồ sơ", "mot_cua", 4, False),
    ("Thẩm định hồ sơ", "chuyen_vien", 8, True),
    ("Phê duyệt kết quả", "lanh_dao", 4, True),
)


def make_procedure(
    session: Session,
    code: str = "1.001193",
    *,
    name: str = "Đăng ký khai sinh",
    levels: str = "xa",
    time_amount: Decimal | int = 3,
    time_unit: str = "ngay_lam_viec",
    online_level: str = "toan_trinh",
    steps=DEFAULT_STEPS,
    fee: int = 0,
    cutoff=None,
) -> Procedure:
    from cchc.vn import search_fold

    proc = Procedure(
        code=code, name=name, name_key=search_fold(name), levels=levels, time_amount=Decimal(time_amount), time_unit=time_unit,
        online_level=online_level, cutoff_time=cutoff, has_fee=fee > 0,
    )
    proc.components = [Component(seq=1, name="Tờ khai đăng ký khai sinh", copies=1), Component(seq=2, name="Giấy chứng sinh", copies=1)]
    proc.steps = [
        ProcessStep(seq=i, name=n, role=r, duration_amount=Decimal(h), duration_unit="gio_lam_viec", can_return=cr)
        for i, (n, r, h, cr) in enumerate(steps, 1)
    ]
    if fee:
        proc.fees = [FeeLine(kind="le_phi", description="Lệ phí", amount=Decimal(fee))]
    session.add(proc)
    session.flush()
    return proc


@dataclass
class World:
    province: Unit
    commune: Unit
    other_commune: Unit
    procedure: Procedure
    receiver: User
    specialist: User
    specialist2: User
    leader: User
    unit_admin: User
    other_receiver: User
    other_specialist: User
    other_leader: User
    reporter: User
    admin: User
    citizen: User
    other_citizen: User


def make_world(session: Session, prefix: str = "") -> World:
    p = prefix
    province = make_unit(session, f"{p}H15", "Tỉnh Đồng Tháp", "tinh", kind="tinh")
    commune = make_unit(session, f"{p}H15.50.05.13", "Xã Mỹ An Hưng", "xa", province)
    other = make_unit(session, f"{p}H15.50.05.14", "Xã Tân Khánh Trung", "xa", province)
    proc = make_procedure(session, f"{p}1.001193")
    return World(
        province=province,
        commune=commune,
        other_commune=other,
        procedure=proc,
        receiver=make_user(session, f"{p}motcua", Role.RECEIVING, commune, "Nguyễn Thị Một Cửa"),
        specialist=make_user(session, f"{p}chuyenvien", Role.SPECIALIST, commune, "Trần Văn Chuyên"),
        specialist2=make_user(session, f"{p}chuyenvien2", Role.SPECIALIST, commune, "Lê Thị Hai"),
        leader=make_user(session, f"{p}lanhdao", Role.LEADER, commune, "Phạm Văn Lãnh"),
        unit_admin=make_user(session, f"{p}quantri", Role.UNIT_ADMIN, commune, "Võ Quản Trị"),
        other_receiver=make_user(session, f"{p}motcua_khac", Role.RECEIVING, other, "Đỗ Văn Khác"),
        other_specialist=make_user(session, f"{p}chuyenvien_khac", Role.SPECIALIST, other, "Huỳnh Văn Khác"),
        other_leader=make_user(session, f"{p}lanhdao_khac", Role.LEADER, other, "Bùi Văn Khác"),
        reporter=make_user(session, f"{p}baocao", Role.REPORTING, province, "Cán Bộ Báo Cáo"),
        admin=make_user(session, f"{p}admin", Role.SYSTEM_ADMIN, None, "Quản Trị Hệ Thống"),
        citizen=make_user(session, f"{p}congdan", Role.CITIZEN, None, "Nguyễn Văn An"),
        other_citizen=make_user(session, f"{p}congdan2", Role.CITIZEN, None, "Lê Thị Bình"),
    )


APPLICANT = {"name": "Nguyễn Văn An", "id_number": "087090001234", "phone": "0912345678", "email": "an@example.vn", "address": "Ấp 1, xã Mỹ An Hưng"}
