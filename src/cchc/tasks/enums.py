"""States, actions and assigning levels of assigned tasks (nhiệm vụ được giao)."""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    WAITING_ACCEPTANCE = "cho_tiep_nhan"
    IN_PROGRESS = "dang_thuc_hien"
    WAITING_CONFIRMATION = "cho_xac_nhan"
    DONE = "hoan_thanh"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    TaskState.WAITING_ACCEPTANCE: "Chờ tiếp nhận",
    TaskState.IN_PROGRESS: "Đang thực hiện",
    TaskState.WAITING_CONFIRMATION: "Chờ xác nhận hoàn thành",
    TaskState.DONE: "Đã hoàn thành",
}


class IssuerLevel(StrEnum):
    """Who assigned the task (cơ quan giao)."""

    CHINH_PHU = "chinh_phu"
    THU_TUONG = "thu_tuong"
    UBND_TINH = "ubnd_tinh"
    CHU_TICH_UBND_TINH = "chu_tich_ubnd_tinh"

    @property
    def label(self) -> str:
        return ISSUER_LABELS[self]

    @property
    def source(self) -> "Source":
        return Source.CHINH_PHU if self in (IssuerLevel.CHINH_PHU, IssuerLevel.THU_TUONG) else Source.UBND_TINH


ISSUER_LABELS = {
    IssuerLevel.CHINH_PHU: "Chính phủ",
    IssuerLevel.THU_TUONG: "Thủ tướng Chính phủ",
    IssuerLevel.UBND_TINH: "UBND tỉnh",
    IssuerLevel.CHU_TICH_UBND_TINH: "Chủ tịch UBND tỉnh",
}


class Source(StrEnum):
    """The grouping the reports use: tasks of the Government / Prime Minister, of the province."""

    CHINH_PHU = "chinh_phu"
    UBND_TINH = "ubnd_tinh"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    Source.CHINH_PHU: "Chính phủ, Thủ tướng Chính phủ giao",
    Source.UBND_TINH: "UBND tỉnh, Chủ tịch UBND tỉnh giao",
}


class TaskAction(StrEnum):
    ASSIGN = "giao"
    ACCEPT = "tiep_nhan"
    REPORT_DONE = "bao_cao_hoan_thanh"
    CONFIRM = "xac_nhan"
    RETURN = "tra_lai"
    EXTEND = "gia_han"
    IMPORT = "nhap_tep"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    TaskAction.ASSIGN: "Giao nhiệm vụ",
    TaskAction.ACCEPT: "Tiếp nhận nhiệm vụ",
    TaskAction.REPORT_DONE: "Báo cáo hoàn thành",
    TaskAction.CONFIRM: "Xác nhận hoàn thành",
    TaskAction.RETURN: "Trả lại",
    TaskAction.EXTEND: "Gia hạn",
    TaskAction.IMPORT: "Nhập từ tệp",
}


class ReminderKind(StrEnum):
    DUE_SOON = "sap_den_han"
    OVERDUE = "qua_han"

    @property
    def label(self) -> str:
        return {ReminderKind.DUE_SOON: "Sắp đến hạn", ReminderKind.OVERDUE: "Quá hạn"}[self]
