"""Codes of citizens' ratings (TT 01/2018/TT-VPCP Điều 13)."""

from enum import StrEnum


class Satisfaction(StrEnum):
    NOT_SATISFIED = "khong_hai_long"
    SATISFIED = "hai_long"
    VERY_SATISFIED = "rat_hai_long"

    @property
    def label(self) -> str:
        return {"khong_hai_long": "Không hài lòng", "hai_long": "Hài lòng", "rat_hai_long": "Rất hài lòng"}[self.value]


class RatedVia(StrEnum):
    """Who entered the rating: the dossier's owner online, or the citizen at the counter."""

    OWNER = "chu_ho_so"
    COUNTER = "tai_quay"

    @property
    def label(self) -> str:
        return {"chu_ho_so": "Chủ hồ sơ đánh giá trực tuyến", "tai_quay": "Đánh giá tại Bộ phận Một cửa"}[self.value]
