"""Dossier states, DVCQG codes and channels (DOMAIN.md §6)."""

from enum import IntEnum, StrEnum


class State(StrEnum):
    """Internal state of a dossier; `dvcqg_code` gives TrangThaiHoSo."""

    SUBMITTED = "moi_dang_ky"  # 1 — submitted online, waiting for the receiving officer
    NOT_ACCEPTED = "khong_tiep_nhan"  # 3 — not accepted at receipt (never received)
    RECEIVED = "da_tiep_nhan"  # 2
    PROCESSING = "dang_xu_ly"  # 4
    SUPPLEMENT = "yeu_cau_bo_sung"  # 5 — clock stopped until the citizen supplements
    FINANCIAL = "nghia_vu_tai_chinh"  # 6 — waiting for the citizen's financial obligation
    REFUSED = "tu_choi"  # 3 — refused after receipt, with reasons (Mẫu 03)
    WITHDRAWN = "rut_ho_so"  # 7
    STOPPED = "dung_xu_ly"  # 8
    FINISHED = "da_xu_ly_xong"  # 9
    RETURNED = "da_tra_ket_qua"  # 10

    @property
    def dvcqg_code(self) -> int:
        return DVCQG_CODE[self]

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES


DVCQG_CODE = {
    State.SUBMITTED: 1,
    State.RECEIVED: 2,
    State.NOT_ACCEPTED: 3,
    State.REFUSED: 3,
    State.PROCESSING: 4,
    State.SUPPLEMENT: 5,
    State.FINANCIAL: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.FINISHED: 9,
    State.RETURNED: 10,
}

STATE_LABELS = {
    State.SUBMITTED: "Mới đăng ký",
    State.NOT_ACCEPTED: "Không được tiếp nhận",
    State.RECEIVED: "Được tiếp nhận",
    State.PROCESSING: "Đang xử lý",
    State.SUPPLEMENT: "Yêu cầu bổ sung giấy tờ",
    State.FINANCIAL: "Yêu cầu thực hiện nghĩa vụ tài chính",
    State.REFUSED: "Từ chối giải quyết",
    State.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    State.STOPPED: "Dừng xử lý",
    State.FINISHED: "Đã xử lý xong",
    State.RETURNED: "Đã trả kết quả",
}

# Received and not yet ended: counted "đang giải quyết" at the end of a window.
OPEN_STATES = frozenset({State.RECEIVED, State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL})
# Ended with a result.
RESOLVED_STATES = frozenset({State.FINISHED, State.RETURNED})
# Ended without a result after receipt.
ENDED_WITHOUT_RESULT = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED})
# Waiting for the citizen (papers to supplement, fees to pay): "Cần bạn thực hiện".
WAITING_FOR_CITIZEN = frozenset({State.SUPPLEMENT, State.FINANCIAL})


class Channel(IntEnum):
    """KenhThucHien."""

    DIRECT = 1
    ONLINE = 2
    POSTAL = 3

    @property
    def label(self) -> str:
        return {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}[self.value]


class Timeliness(StrEnum):
    """Classification of an ended dossier or of a step hand-over (Mẫu 06)."""

    EARLY = "truoc_han"
    ON_TIME = "dung_han"
    LATE = "qua_han"

    @property
    def label(self) -> str:
        return {"truoc_han": "Trước hạn", "dung_han": "Đúng hạn", "qua_han": "Quá hạn"}[self.value]


class OnlinePayment(IntEnum):
    """DuocThanhToanTrucTuyen."""

    NONE = 0
    DVCQG = 1
    LOCAL_GATEWAY = 2


# HinhThucTra: how the applicant receives the result, in the order of its DVCQG code (1, 2, 3 — numbered like
# KenhThucHien). The citizen's page offers the first and the last.
RESULT_DELIVERY = {
    "truc_tiep": "Nhận trực tiếp tại Bộ phận Một cửa",
    "truc_tuyen": "Nhận bản điện tử trực tuyến",
    "buu_chinh": "Nhận qua dịch vụ bưu chính công ích",
}

# Kinds of a dossier's file.
KINDS = {"thanh_phan": "thành phần hồ sơ", "bo_sung": "giấy tờ bổ sung", "ket_qua": "kết quả giải quyết"}
