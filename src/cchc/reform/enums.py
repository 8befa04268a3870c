"""Codes of the CCHC registers (plan status, kinds of document, areas, inspections, communication) with
their Vietnamese labels; a code or a label (with or without accents) is accepted wherever one is typed."""

from __future__ import annotations

from enum import StrEnum

from cchc import vn
from cchc.errors import ValidationError


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def parse(cls, raw, *, what: str):
        """A member from its code or label as typed; ValidationError (Vietnamese) listing what is allowed."""
        key = vn.search_key(str(raw or "")).replace("_", " ")
        for m in cls:
            if key in (vn.search_key(m.value).replace("_", " "), vn.search_key(m.label)):
                return m
        allowed = "; ".join(f"{m.value} ({m.label})" for m in cls)
        raise ValidationError(f"{what} «{raw}» không hợp lệ; dùng một trong: {allowed}.")


class PlanStatus(_Labelled):
    NOT_STARTED = "chua_thuc_hien"
    IN_PROGRESS = "dang_thuc_hien"
    DONE = "hoan_thanh"


class DocumentKind(_Labelled):
    PLAN = "ke_hoach"
    DECISION = "quyet_dinh"
    DIRECTIVE = "chi_thi"
    LETTER = "cong_van"
    CONCLUSION = "ket_luan"
    OTHER = "khac"


class Area(_Labelled):
    GENERAL = "chung"
    INSTITUTIONS = "the_che"
    PROCEDURES = "tthc"
    ORGANISATION = "to_chuc_bo_may"
    CIVIL_SERVICE = "cong_vu"
    PUBLIC_FINANCE = "tai_chinh_cong"
    DIGITAL = "chinh_quyen_so"


class InspectedKind(_Labelled):
    DEPARTMENT = "so_nganh"
    DISTRICT = "huyen"
    COMMUNE = "xa"
    INTERNAL = "noi_bo"


class CommunicationKind(_Labelled):
    ARTICLE = "bai_viet"
    MEETING = "hoi_nghi"
    PROGRAMME = "chuyen_muc"
    OTHER = "khac"


LABELS = {
    PlanStatus.NOT_STARTED: "Chưa thực hiện",
    PlanStatus.IN_PROGRESS: "Đang thực hiện",
    PlanStatus.DONE: "Hoàn thành",
    DocumentKind.PLAN: "Kế hoạch",
    DocumentKind.DECISION: "Quyết định",
    DocumentKind.DIRECTIVE: "Chỉ thị",
    DocumentKind.LETTER: "Công văn",
    DocumentKind.CONCLUSION: "Kết luận",
    DocumentKind.OTHER: "Văn bản khác",
    Area.GENERAL: "Chung (chỉ đạo, điều hành)",
    Area.INSTITUTIONS: "Cải cách thể chế",
    Area.PROCEDURES: "Cải cách thủ tục hành chính",
    Area.ORGANISATION: "Cải cách tổ chức bộ máy",
    Area.CIVIL_SERVICE: "Cải cách chế độ công vụ",
    Area.PUBLIC_FINANCE: "Cải cách tài chính công",
    Area.DIGITAL: "Xây dựng, phát triển chính quyền điện tử, chính quyền số",
    InspectedKind.DEPARTMENT: "Sở, ban, ngành",
    InspectedKind.DISTRICT: "UBND cấp huyện",
    InspectedKind.COMMUNE: "UBND cấp xã",
    InspectedKind.INTERNAL: "Nội bộ cơ quan",
    CommunicationKind.ARTICLE: "Tin, bài",
    CommunicationKind.MEETING: "Hội nghị, cuộc tuyên truyền",
    CommunicationKind.PROGRAMME: "Chuyên mục",
    CommunicationKind.OTHER: "Hình thức khác",
}
