"""Codes of feedback (phản ánh, kiến nghị — PAKN): categories, channels, states, votes."""

from enum import StrEnum


class Category(StrEnum):
    """Phân loại PAKN (766 chỉ tiêu 5.1)."""

    PROCEDURE_RULES = "quy_dinh_tthc"  # về quy định, thủ tục hành chính
    OFFICER_CONDUCT = "hanh_vi_can_bo"  # về hành vi, thái độ của cán bộ, công chức
    OTHER = "khac"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.PROCEDURE_RULES: "Về quy định, thủ tục hành chính",
    Category.OFFICER_CONDUCT: "Về hành vi, thái độ của cán bộ, công chức",
    Category.OTHER: "Khác",
}


class Channel(StrEnum):
    """How the feedback arrived."""

    PORTAL = "cong_dvc"  # Cổng dịch vụ công / hệ thống một cửa
    IN_PERSON = "truc_tiep"
    HOTLINE = "duong_day_nong"
    DVCQG_IMPORT = "dvcqg_import"  # imported from the national portal

    @property
    def label(self) -> str:
        return {
            "cong_dvc": "Cổng dịch vụ công",
            "truc_tiep": "Trực tiếp",
            "duong_day_nong": "Đường dây nóng",
            "dvcqg_import": "Nhập từ Cổng DVCQG",
        }[self.value]


class FeedbackState(StrEnum):
    NEW = "moi"
    SUPPLEMENT = "yeu_cau_bo_sung"
    PROCESSING = "dang_xu_ly"
    FORWARDED = "da_chuyen"  # outside competence, forwarded to the competent body
    REFUSED = "tu_choi"
    READY = "cho_cong_khai"  # answered, waiting to be published
    PUBLISHED = "da_cong_khai"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES


STATE_LABELS = {
    FeedbackState.NEW: "Mới tiếp nhận",
    FeedbackState.SUPPLEMENT: "Yêu cầu bổ sung thông tin",
    FeedbackState.PROCESSING: "Đang xử lý",
    FeedbackState.FORWARDED: "Đã chuyển cơ quan có thẩm quyền",
    FeedbackState.REFUSED: "Từ chối tiếp nhận",
    FeedbackState.READY: "Đã trả lời, chờ công khai",
    FeedbackState.PUBLISHED: "Đã công khai",
}

# Not yet answered, refused or forwarded: the 15-working-day clock is running (or stopped for a supplement).
OPEN_STATES = frozenset({FeedbackState.NEW, FeedbackState.SUPPLEMENT, FeedbackState.PROCESSING})


class Vote(StrEnum):
    LIKE = "thich"
    DISLIKE = "khong_thich"

    @property
    def label(self) -> str:
        return {"thich": "Hài lòng", "khong_thich": "Không hài lòng"}[self.value]
