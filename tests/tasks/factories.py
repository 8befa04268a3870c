"""A province with its Văn phòng UBND, two departments, a second province, and the officers of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.tasks import service
from cchc.tasks.models import Task
from cchc.units.models import Unit
from tests.dossiers.factories import make_unit, make_user

# Monday 3/3/2025 09:00, an ordinary working week.
MONDAY = datetime(2025, 3, 3, 9, 0)


@dataclass
class TaskWorld:
    province: Unit
    office: Unit  # Văn phòng UBND tỉnh (assigning level)
    dept: Unit  # Sở Tư pháp (lead unit)
    dept2: Unit  # Sở Nội vụ
    other_province: Unit
    other_office: Unit
    other_dept: Unit
    assigner: User  # Cán bộ báo cáo, Văn phòng UBND tỉnh
    office_admin: User  # Quản trị đơn vị, Văn phòng UBND tỉnh
    sysadmin: User
    leader: User  # Lãnh đạo Sở Tư pháp
    specialist: User  # Chuyên viên Sở Tư pháp
    dept_admin: User  # Quản trị đơn vị Sở Tư pháp
    receiver: User  # Một cửa, Sở Tư pháp (no task role)
    dept_reporting: User  # Cán bộ báo cáo of a department: not an assigning unit
    leader2: User  # Lãnh đạo Sở Nội vụ
    other_assigner: User  # Cán bộ báo cáo, Văn phòng UBND of the other province


def make_task_world(session: Session, prefix: str = "") -> TaskWorld:
    p = prefix
    province = make_unit(session, f"{p}T1", "Tỉnh Thử Nghiệm", "tinh", kind="tinh")
    office = make_unit(session, f"{p}VP1", "Văn phòng UBND tỉnh Thử Nghiệm", "tinh", province, is_area=False, kind="van_phong")
    dept = make_unit(session, f"{p}STP1", "Sở Tư pháp", "tinh", province, is_area=False, kind="so")
    dept2 = make_unit(session, f"{p}SNV1", "Sở Nội vụ", "tinh", province, is_area=False, kind="so")
    other = make_unit(session, f"{p}T2", "Tỉnh Bên Cạnh", "tinh", kind="tinh")
    other_office = make_unit(session, f"{p}VP2", "Văn phòng UBND tỉnh Bên Cạnh", "tinh", other, is_area=False, kind="van_phong")
    other_dept = make_unit(session, f"{p}STP2", "Sở Tư pháp tỉnh Bên Cạnh", "tinh", other, is_area=False, kind="so")
    u = lambda name, role, unit, full=None: make_user(session, f"{p}{name}", role, unit, full)  # noqa: E731
    return TaskWorld(
        province, office, dept, dept2, other, other_office, other_dept,
        assigner=u("vp_baocao", Role.REPORTING, office, "Nguyễn Thị Giao"),
        office_admin=u("vp_quantri", Role.UNIT_ADMIN, office),
        sysadmin=u("quantri", Role.SYSTEM_ADMIN, None),
        leader=u("stp_lanhdao", Role.LEADER, dept, "Trần Văn Chủ Trì"),
        specialist=u("stp_chuyenvien", Role.SPECIALIST, dept),
        dept_admin=u("stp_quantri", Role.UNIT_ADMIN, dept),
        receiver=u("stp_motcua", Role.RECEIVING, dept),
        dept_reporting=u("snv_baocao", Role.REPORTING, dept2),
        leader2=u("snv_lanhdao", Role.LEADER, dept2),
        other_assigner=u("vp2_baocao", Role.REPORTING, other_office),
    )


def assign(session: Session, w: TaskWorld, *, at: datetime = MONDAY, deadline: date | None = date(2025, 3, 14),
           working_days: int | None = None, level: str = "ubnd_tinh", lead: Unit | None = None, actor: User | None = None,
           title: str = "Rà soát thủ tục hành chính lĩnh vực hộ tịch", coordinating=()) -> Task:
    return service.assign(
        session, actor or w.assigner, document_number="123/UBND-KSTT", document_date=at.date(), issuer_level=level,
        title=title, lead_unit=lead or w.dept, subject="Về việc rà soát TTHC", deadline=None if working_days else deadline,
        working_days=working_days, coordinating_units=coordinating, at=at,
    )
