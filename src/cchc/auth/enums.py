"""Roles of cchc's users."""

from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "cong_dan"
    RECEIVING = "mot_cua"  # Bộ phận Một cửa
    SPECIALIST = "chuyen_vien"
    LEADER = "lanh_dao"
    UNIT_ADMIN = "quan_tri_don_vi"
    REPORTING = "bao_cao"  # Sở Nội vụ / Văn phòng UBND
    SYSTEM_ADMIN = "quan_tri_he_thong"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_officer(self) -> bool:
        return self is not Role.CITIZEN


ROLE_LABELS = {
    Role.CITIZEN: "Công dân",
    Role.RECEIVING: "Cán bộ Bộ phận Một cửa",
    Role.SPECIALIST: "Chuyên viên",
    Role.LEADER: "Lãnh đạo",
    Role.UNIT_ADMIN: "Quản trị đơn vị",
    Role.REPORTING: "Cán bộ báo cáo",
    Role.SYSTEM_ADMIN: "Quản trị hệ thống",
}
