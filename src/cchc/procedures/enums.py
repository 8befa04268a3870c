"""Codes of the procedure catalogue (DOMAIN.md §5)."""

from enum import StrEnum


class TimeUnit(StrEnum):
    WORKING_DAYS = "ngay_lam_viec"
    WORKING_HOURS = "gio_lam_viec"
    CALENDAR_DAYS = "ngay"

    @property
    def label(self) -> str:
        return {"ngay_lam_viec": "ngày làm việc", "gio_lam_viec": "giờ làm việc", "ngay": "ngày"}[self.value]


class OnlineLevel(StrEnum):
    """ND 42/2022 Điều 11."""

    FULL = "toan_trinh"
    PARTIAL = "mot_phan"
    NONE = "khong"

    @property
    def label(self) -> str:
        return {"toan_trinh": "Toàn trình", "mot_phan": "Một phần", "khong": "Không trực tuyến"}[self.value]


class Interconnection(StrEnum):
    NONE = "khong"
    SAME_LEVEL = "cung_cap"
    BETWEEN_LEVELS = "giua_cac_cap"


class PublicationKind(StrEnum):
    NEW = "moi"
    AMENDED = "sua_doi"
    REPLACED = "thay_the"
    ABOLISHED = "bai_bo"

    @property
    def label(self) -> str:
        return {"moi": "Công bố mới", "sua_doi": "Sửa đổi, bổ sung", "thay_the": "Thay thế", "bai_bo": "Bãi bỏ"}[self.value]


class StepRole(StrEnum):
    """Who acts at a step of the internal process."""

    RECEIVING = "mot_cua"  # Bộ phận Một cửa
    SPECIALIST = "chuyen_vien"
    LEADER = "lanh_dao"
    CLERK = "van_thu"

    @property
    def label(self) -> str:
        return {"mot_cua": "Bộ phận Một cửa", "chuyen_vien": "Chuyên viên", "lanh_dao": "Lãnh đạo", "van_thu": "Văn thư"}[self.value]


# Their words, as the pages, the CLI and the imports write them.
LEVELS = ("tinh", "huyen", "xa")
LEVEL_LABELS = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}
SUBJECTS = {"ca_nhan": "Cá nhân", "to_chuc": "Tổ chức", "ca_hai": "Cá nhân, tổ chức"}
FEE_KINDS = {"phi": "Phí", "le_phi": "Lệ phí"}
INTERCONNECTION_LABELS = {"khong": "Không", "cung_cap": "Liên thông cùng cấp", "giua_cac_cap": "Liên thông giữa các cấp"}
