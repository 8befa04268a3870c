"""Levels and kinds of units (đơn vị)."""

from enum import StrEnum


class Level(StrEnum):
    """Cấp chính quyền: tỉnh, huyện (until 30/6/2025), xã."""

    TINH = "tinh"
    HUYEN = "huyen"
    XA = "xa"

    @property
    def label(self) -> str:
        return {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}[self.value]


# Kinds of administrative areas (from the official lists) and of agencies (imported).
AREA_KINDS = {
    "tinh": "Tỉnh",
    "thanh_pho_tw": "Thành phố trực thuộc trung ương",
    "huyen": "Huyện",
    "quan": "Quận",
    "thi_xa": "Thị xã",
    "thanh_pho": "Thành phố thuộc tỉnh",
    "xa": "Xã",
    "phuong": "Phường",
    "thi_tran": "Thị trấn",
    "dac_khu": "Đặc khu",
}
AGENCY_KINDS = {
    "ubnd": "Ủy ban nhân dân",
    "so": "Sở",
    "ban": "Ban",
    "nganh": "Ngành (cơ quan ngành dọc)",
    "phong": "Phòng",
    "van_phong": "Văn phòng",
    "trung_tam_hcc": "Trung tâm Phục vụ hành chính công",
    "bo_phan_mot_cua": "Bộ phận Một cửa",
    "don_vi_su_nghiep": "Đơn vị sự nghiệp",
}
UNIT_KINDS = {**AREA_KINDS, **AGENCY_KINDS}

# 1/7/2025: two-tier local government (NQ 202/2025/QH15, Luật 72/2025/QH15).
from datetime import date  # noqa: E402

TWO_TIER_FROM = date(2025, 7, 1)
LEGACY_UNTIL = date(2025, 6, 30)
