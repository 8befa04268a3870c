"""The columns of a dossiers file with the field names of the national portal (DVCQG), and their codes.

Columns (DOMAIN.md §6). Required: MaHoSo, MaTTHC, MaDonViTiepNhan, ChuHoSo, KenhThucHien,
NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, TrangThaiHoSo (the column must be present; its
value may be empty where the state allows). Optional DVCQG columns: MaLinhVuc, LoaiDoiTuong (1 công
dân, 2 tổ chức), SoDinhDanh, NgayNopHoSo, NgayTuChoi, HinhThucTra (1 trực tiếp, 2 trực tuyến, 3 bưu
chính — the numbering of KenhThucHien), DuocThanhToanTrucTuyen (0|1|2), HoSoCoThanhPhanSoHoa,
TaiKhoanDuocXacThucVoiVNeID, DuocLayTuKhoDMQG. cchc columns for what statistics need:
NgayYeuCauBoSung, NgayBoSung, SoLanBoSung, NgayHenTraMoi (apology, Mẫu 04), NgayYeuCauNghiaVuTaiChinh,
DaSoHoaThanhPhan, CoKetQuaDienTu, PhiLePhi, DaThanhToan, CapDonVi (tinh|huyen|xa; otherwise the
unit's level). Timestamps: ISO 8601, dd/mm/yyyy [HH:MM[:SS]] or DVCQG yyyyMMddHHmmss.

A file with only the required columns imports in every state: a date its state implies but the row
lacks (UNKNOWN_DATES) is left unknown, the dossier counted by what is known, and the import's summary
says how many rows lacked which date. The dates the figures place a dossier by — NgayTiepNhan and
NgayHenTra of a received dossier, NgayKetThucXuLy of an ended one — stay required.

Read by cchc.interop.dossier_validation (one row → one dossiers row), written by cchc.interop.dossier_export.
"""

from __future__ import annotations

from cchc.dossiers.enums import RESULT_DELIVERY, Channel, State

REQUIRED_COLUMNS: tuple[str, ...] = (
    "MaHoSo",
    "MaTTHC",
    "MaDonViTiepNhan",
    "ChuHoSo",
    "KenhThucHien",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
    "TrangThaiHoSo",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "MaLinhVuc",
    "CapDonVi",
    "LoaiDoiTuong",
    "SoDinhDanh",
    "NgayNopHoSo",
    "NgayTuChoi",
    "NgayHenTraMoi",
    "NgayYeuCauBoSung",
    "NgayBoSung",
    "SoLanBoSung",
    "NgayYeuCauNghiaVuTaiChinh",
    "HinhThucTra",
    "PhiLePhi",
    "DaThanhToan",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "DaSoHoaThanhPhan",
    "CoKetQuaDienTu",
    "DuocLayTuKhoDMQG",
    "TaiKhoanDuocXacThucVoiVNeID",
)
# The order of the columns in an exported file.
EXPORT_COLUMNS: tuple[str, ...] = (
    "MaHoSo",
    "MaTTHC",
    "MaLinhVuc",
    "MaDonViTiepNhan",
    "CapDonVi",
    "ChuHoSo",
    "LoaiDoiTuong",
    "SoDinhDanh",
    "KenhThucHien",
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayHenTraMoi",
    "NgayYeuCauBoSung",
    "NgayBoSung",
    "SoLanBoSung",
    "NgayYeuCauNghiaVuTaiChinh",
    "NgayKetThucXuLy",
    "NgayTra",
    "NgayTuChoi",
    "TrangThaiHoSo",
    "HinhThucTra",
    "PhiLePhi",
    "DaThanhToan",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "DaSoHoaThanhPhan",
    "CoKetQuaDienTu",
    "DuocLayTuKhoDMQG",
    "TaiKhoanDuocXacThucVoiVNeID",
)
KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS) | frozenset(OPTIONAL_COLUMNS)

CHUNK = 5000  # rows read, checked and written at a time (import), fetched at a time (export)
DVCQG_TIMESTAMP = "%Y%m%d%H%M%S"

# TrangThaiHoSo → state; 3 depends on whether the dossier was received (see _state()).
STATE_BY_CODE: dict[int, State] = {
    1: State.SUBMITTED,
    2: State.RECEIVED,
    4: State.PROCESSING,
    5: State.SUPPLEMENT,
    6: State.FINANCIAL,
    7: State.WITHDRAWN,
    8: State.STOPPED,
    9: State.FINISHED,
    10: State.RETURNED,
}
ENDED_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.FINISHED, State.RETURNED})
OPEN_STATES = frozenset({State.RECEIVED, State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL})
NOT_RECEIVED_STATES = frozenset({State.SUBMITTED, State.NOT_ACCEPTED})

DELIVERY_BY_CODE = dict(enumerate(RESULT_DELIVERY, start=1))  # HinhThucTra
DELIVERY_CODE = {v: k for k, v in DELIVERY_BY_CODE.items()}
APPLICANT_TYPES = {1: "công dân", 2: "tổ chức"}
PAYMENT_CODES = {0: "không", 1: "qua Cổng DVCQG", 2: "qua cổng thanh toán của địa phương"}

STATE_CHOICES = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận / từ chối",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
CHANNEL_CHOICES = {c.value: c.label for c in Channel}

# Dates a state implies that a row may lack: column → (the rows, how such a dossier is counted). None
# of them is read by the figures (cchc.stats.rules) except NgayYeuCauBoSung, whose pause is then not
# removed from the time taken. A supplement whose request date is unknown is exported as NgayBoSung with
# SoLanBoSung and no NgayYeuCauBoSung, and so imported again.
UNKNOWN_DATES: dict[str, tuple[str, str]] = {
    "NgayNopHoSo": (
        "hồ sơ mới đăng ký (trạng thái 1)",
        "chưa được tiếp nhận nên không vào số liệu tiếp nhận; đơn vị tiếp nhận là đơn vị mang mã đó có hiệu lực "
        "vào ngày nhập (đơn vị đã giải thể: đơn vị cuối cùng mang mã đó)",
    ),
    "NgayTuChoi": (
        "hồ sơ không được tiếp nhận (trạng thái 3, không có NgayTiepNhan)",
        "không vào số liệu tiếp nhận; đơn vị tiếp nhận xác định theo NgayNopHoSo hoặc, không có ngày nào, "
        "theo ngày nhập",
    ),
    "NgayYeuCauBoSung": (
        "hồ sơ chờ bổ sung (trạng thái 5) hoặc đã bổ sung (có NgayBoSung, SoLanBoSung)",
        "thời gian chờ bổ sung không biết nên không được trừ: hồ sơ quá hạn khi qua NgayHenTra",
    ),
    "NgayYeuCauNghiaVuTaiChinh": (
        "hồ sơ chờ thực hiện nghĩa vụ tài chính (trạng thái 6)",
        "tính là đang giải quyết, trong hạn hay quá hạn theo NgayHenTra (số liệu không dùng ngày này)",
    ),
    "NgayTra": (
        "hồ sơ đã trả kết quả (trạng thái 10)",
        "tính là đã giải quyết, trước hạn, đúng hạn hay quá hạn theo NgayKetThucXuLy và NgayHenTra "
        "(số liệu không dùng ngày trả)",
    ),
}
