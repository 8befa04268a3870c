"""Import and export of dossiers with DVCQG field names (cchc/interop/dossier_*.py)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from cchc.auth.models import User
from cchc.dossiers.enums import State, Timeliness
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import ImportRejected, PermissionDenied, ValidationError
from cchc.interop.dossier_columns import EXPORT_COLUMNS, REQUIRED_COLUMNS
from cchc.interop.dossier_export import export_dossiers
from cchc.interop.dossier_import import import_dossier_rows, import_dossiers
from cchc.units.models import Unit

from .factories import World, make_unit, row, ts

RECEIVED = datetime(2024, 6, 3, 8, 0)


@pytest.fixture
def world(db):
    return World(db)


def count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def get(db, code: str) -> Dossier:
    return db.execute(select(Dossier).where(Dossier.code == code)).scalar_one()


def write_csv(path, rows, delimiter=","):
    columns = list(dict.fromkeys(c for r in rows for c in r))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------------------------------- formats


def test_csv_file_with_dvcqg_timestamps(db, world, tmp_path):
    path = write_csv(
        tmp_path / "hoso.csv",
        [
            row(),
            row(MaHoSo="A-2", KenhThucHien="", TrangThaiHoSo="4", NgayKetThucXuLy="", NgayTra="", PhiLePhi="50.000"),
        ],
    )
    result = import_dossiers(db, path)
    assert result["dossiers"] == 2 and result["events"] == 2
    assert result["by_state"] == {State.RETURNED.value: 1, State.PROCESSING.value: 1}
    returned = get(db, "000.00.12.H56-240603-0001")
    assert returned.state == State.RETURNED.value and returned.status_code == 10
    assert returned.procedure_id == world.birth.id and returned.unit_id == world.agency.id
    assert returned.level == "tinh" and returned.channel == 2
    assert returned.received_at == RECEIVED
    assert returned.due_at == RECEIVED + timedelta(days=3)
    assert returned.ended_at == RECEIVED + timedelta(days=1)
    assert returned.returned_at == RECEIVED + timedelta(days=2)
    assert returned.timeliness == Timeliness.EARLY.value
    assert returned.source == "import" and returned.applicant_key == "nguyen van an"
    open_one = get(db, "A-2")
    assert open_one.channel == 1  # empty KenhThucHien counts as direct, as DVCQG counts it
    assert open_one.timeliness is None and open_one.ended_at is None
    assert open_one.fee_amount == Decimal(50000)


def test_csv_with_semicolons_and_bom(db, world, tmp_path):
    path = tmp_path / "hoso.csv"
    write_csv(path, [row()], delimiter=";")
    path.write_bytes("\ufeff".encode() + path.read_bytes())
    assert import_dossiers(db, path)["dossiers"] == 1


def test_xlsx_file_with_real_dates_and_numbers(db, world, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(list(REQUIRED_COLUMNS) + ["CapDonVi", "DuocThanhToanTrucTuyen", "PhiLePhi"])
    ws.append(
        [
            "X-1",
            "1.001193",
            "000.21.20.H56",
            "Trần Thị Bình",
            2,
            RECEIVED,
            RECEIVED + timedelta(days=3),
            RECEIVED + timedelta(days=3),
            RECEIVED + timedelta(days=3, hours=1),
            10,
            "",
            1,
            15000,
        ]
    )
    ws.append(["X-2", "1.001193", "000.21.20.H56", "Lê Văn Cường", 1, 20240603090000, 20240606090000, "", "", 2, "xa", 0, None])
    path = tmp_path / "hoso.xlsx"
    wb.save(path)
    assert import_dossiers(db, path)["dossiers"] == 2
    first = get(db, "X-1")
    assert first.unit_id == world.old_commune.id and first.level == "xa"
    assert first.timeliness == Timeliness.ON_TIME.value  # ended on the due day, before the due time
    assert first.paid_online == 1 and first.fee_paid and first.fee_amount == Decimal(15000)
    second = get(db, "X-2")
    assert second.received_at == datetime(2024, 6, 3, 9, 0) and second.state == State.RECEIVED.value


def test_json_file_with_iso_timestamps(db, world, tmp_path):
    items = [
        row(
            MaHoSo="J-1",
            NgayTiepNhan="2025-08-04T08:00:00",
            NgayHenTra="2025-08-07T17:00:00",
            NgayKetThucXuLy="2025-08-08T09:00:00",
            NgayTra="",
            TrangThaiHoSo=9,
            KenhThucHien=3,
            MaDonViTiepNhan="000.31.00.H56",
            HoSoCoThanhPhanSoHoa=1,
            DaSoHoaThanhPhan=True,
            TaiKhoanDuocXacThucVoiVNeID="1",
            CoKetQuaDienTu="có",
        )
    ]
    path = tmp_path / "hoso.json"
    path.write_text(json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8")
    assert import_dossiers(db, path)["dossiers"] == 1
    d = get(db, "J-1")
    assert d.unit_id == world.new_commune.id and d.channel == 3 and d.state == State.FINISHED.value
    assert d.timeliness == Timeliness.LATE.value
    assert d.reused_digitized and d.components_digitized and d.vneid_verified and d.result_digitized


def test_unknown_columns_are_reported_not_fatal(db, world, tmp_path):
    path = write_csv(tmp_path / "hoso.csv", [row(ThanhPhanHoSo="Tờ khai")])
    assert import_dossiers(db, path)["ignored_columns"] == ["ThanhPhanHoSo"]


def test_missing_required_column_refuses_the_file(db, world, tmp_path):
    values = row()
    del values["NgayHenTra"]
    path = write_csv(tmp_path / "hoso.csv", [values])
    with pytest.raises(ImportRejected, match="thiếu cột bắt buộc: NgayHenTra"):
        import_dossiers(db, path)
    assert count(db, Dossier) == 0


def test_header_only_file_is_refused(db, world, tmp_path):
    path = tmp_path / "rong.csv"
    path.write_text(",".join(REQUIRED_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="không có dòng dữ liệu"):
        import_dossiers(db, path)


# ---------------------------------------------------------------------------------------- bad values


BAD = [
    ({"MaHoSo": ""}, "MaHoSo", "thiếu mã hồ sơ"),
    ({"MaHoSo": "AB 12"}, "MaHoSo", "không có khoảng trắng"),
    ({"MaTTHC": "9.999999"}, "MaTTHC", "không có thủ tục hành chính mã «9.999999»"),
    ({"MaLinhVuc": "DD"}, "MaLinhVuc", "không khớp lĩnh vực «HT»"),
    ({"MaDonViTiepNhan": "000.99.99.H56"}, "MaDonViTiepNhan", "không có đơn vị nào mang mã «000.99.99.H56»"),
    ({"ChuHoSo": ""}, "ChuHoSo", "thiếu tên chủ hồ sơ"),
    ({"KenhThucHien": "4"}, "KenhThucHien", "giá trị «4» không hợp lệ"),
    ({"KenhThucHien": "online"}, "KenhThucHien", "«online» không hợp lệ"),
    ({"TrangThaiHoSo": "11"}, "TrangThaiHoSo", "giá trị «11» không hợp lệ"),
    ({"TrangThaiHoSo": ""}, "TrangThaiHoSo", "thiếu trạng thái"),
    ({"NgayHenTra": "31/02/2024"}, "NgayHenTra", "không hợp lệ: «31/02/2024»"),
    ({"NgayTiepNhan": "20241332080000"}, "NgayTiepNhan", "không hợp lệ: «20241332080000»"),
    ({"NgayKetThucXuLy": "hôm qua"}, "NgayKetThucXuLy", "không hợp lệ: «hôm qua»"),
    ({"NgayHenTra": ts(RECEIVED - timedelta(hours=1))}, "NgayHenTra", "trước NgayTiepNhan"),
    ({"NgayKetThucXuLy": ts(RECEIVED - timedelta(hours=1))}, "NgayKetThucXuLy", "trước NgayTiepNhan"),
    ({"NgayTra": ts(RECEIVED + timedelta(hours=2))}, "NgayTra", "trước NgayKetThucXuLy"),
    ({"NgayNopHoSo": ts(RECEIVED + timedelta(hours=1))}, "NgayTiepNhan", "trước NgayNopHoSo"),
    ({"TrangThaiHoSo": "9", "NgayTra": "", "NgayKetThucXuLy": ""}, "NgayKetThucXuLy", "đã kết thúc, cần NgayKetThucXuLy"),
    ({"TrangThaiHoSo": "7", "NgayKetThucXuLy": ""}, "NgayKetThucXuLy", "cần NgayKetThucXuLy"),
    ({"TrangThaiHoSo": "4", "NgayTra": ""}, "NgayKetThucXuLy", "đang giải quyết, không được có NgayKetThucXuLy"),
    ({"TrangThaiHoSo": "9"}, "NgayTra", "chưa trả kết quả, không được có NgayTra"),
    ({"NgayKetThucXuLy": ""}, "NgayKetThucXuLy", "đã kết thúc, cần NgayKetThucXuLy (số liệu tính"),
    ({"TrangThaiHoSo": "2", "NgayTiepNhan": "", "NgayKetThucXuLy": "", "NgayTra": ""}, "NgayTiepNhan", "cần NgayTiepNhan"),
    ({"NgayHenTra": ""}, "NgayHenTra", "cần NgayHenTra"),
    ({"TrangThaiHoSo": "1", "NgayKetThucXuLy": "", "NgayTra": ""}, "NgayTiepNhan", "chưa được tiếp nhận"),
    ({"TrangThaiHoSo": "1", "NgayTiepNhan": "", "NgayKetThucXuLy": ts(RECEIVED), "NgayTra": ""}, "NgayKetThucXuLy",
     "chưa kết thúc, không được có NgayKetThucXuLy"),
    ({"NgayTuChoi": ts(RECEIVED)}, "NgayTuChoi", "chỉ dùng cho hồ sơ trạng thái 3"),
    ({"NgayHenTraMoi": ts(RECEIVED + timedelta(days=2))}, "NgayHenTraMoi", "phải sau NgayHenTra"),
    ({"NgayBoSung": ts(RECEIVED + timedelta(hours=3))}, "NgayBoSung", "không có NgayYeuCauBoSung"),
    ({"SoLanBoSung": "1", "NgayBoSung": ts(RECEIVED - timedelta(hours=1))}, "NgayBoSung", "trước NgayTiepNhan"),
    ({"SoLanBoSung": "1", "NgayBoSung": ts(RECEIVED + timedelta(days=2))}, "NgayBoSung", "sau NgayKetThucXuLy"),
    (
        {"TrangThaiHoSo": "1", "NgayTiepNhan": "", "NgayKetThucXuLy": "", "NgayTra": "", "SoLanBoSung": "1",
         "NgayBoSung": ts(RECEIVED)},
        "NgayBoSung",
        "không được có NgayBoSung",
    ),
    (
        {"NgayYeuCauBoSung": ts(RECEIVED + timedelta(hours=5)), "NgayBoSung": ts(RECEIVED + timedelta(hours=4))},
        "NgayBoSung",
        "trước NgayYeuCauBoSung",
    ),
    ({"NgayYeuCauBoSung": ts(RECEIVED + timedelta(days=2))}, "NgayYeuCauBoSung", "sau NgayKetThucXuLy"),
    ({"NgayYeuCauBoSung": ts(RECEIVED + timedelta(hours=1)), "SoLanBoSung": "0"}, "SoLanBoSung", "SoLanBoSung = 0"),
    ({"SoLanBoSung": "-1"}, "SoLanBoSung", "không được âm"),
    (
        {"TrangThaiHoSo": "5", "NgayKetThucXuLy": "", "NgayTra": "", "NgayYeuCauBoSung": ts(RECEIVED + timedelta(hours=1)),
         "NgayBoSung": ts(RECEIVED + timedelta(hours=2))},
        "NgayBoSung",
        "đang chờ bổ sung, chưa được có NgayBoSung",
    ),
    ({"TrangThaiHoSo": "5", "NgayKetThucXuLy": "", "NgayTra": "", "SoLanBoSung": "0"}, "SoLanBoSung", "SoLanBoSung = 0"),
    (
        {"TrangThaiHoSo": "4", "NgayKetThucXuLy": "", "NgayTra": "", "NgayYeuCauBoSung": ts(RECEIVED + timedelta(hours=1))},
        "NgayBoSung",
        "phải ở trạng thái 5",
    ),
    ({"LoaiDoiTuong": "7"}, "LoaiDoiTuong", "giá trị «7» không hợp lệ"),
    ({"SoDinhDanh": "0123 456"}, "SoDinhDanh", "không hợp lệ"),
    ({"HinhThucTra": "9"}, "HinhThucTra", "giá trị «9» không hợp lệ"),
    ({"DuocThanhToanTrucTuyen": "3"}, "DuocThanhToanTrucTuyen", "giá trị «3» không hợp lệ"),
    ({"PhiLePhi": "-5"}, "PhiLePhi", "không âm"),
    ({"PhiLePhi": "năm nghìn"}, "PhiLePhi", "phải là số tiền"),
    ({"DaThanhToan": "có lẽ"}, "DaThanhToan", "phải là 1 (có) hoặc 0 (không)"),
    ({"CapDonVi": "trung uong"}, "CapDonVi", "cấp «trung uong» không hợp lệ"),
    (
        {"MaDonViTiepNhan": "000.21.20.H56", "NgayTiepNhan": "20250804080000", "NgayHenTra": "20250807080000",
         "NgayKetThucXuLy": "20250805080000", "NgayTra": "20250805090000"},
        "MaDonViTiepNhan",
        "không có hiệu lực vào ngày 4/8/2025",
    ),
]


@pytest.mark.parametrize(("changes", "column", "message"), BAD, ids=[f"{c}-{m[:24]}" for _, c, m in BAD])
def test_bad_value_is_named_by_row_and_column(db, world, changes, column, message):
    rows = [(2, row(MaHoSo="OK-1")), (3, row(MaHoSo="OK-2")), (4, row(**{"MaHoSo": "BAD-1", **changes}))]
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, rows, source="test.csv")
    error = info.value
    assert (error.row, error.column) == (4, column), error.message
    assert error.message.startswith(f"Dòng 4, cột {column}: ")
    assert message in error.message
    assert count(db, Dossier) == 0 and count(db, DossierEvent) == 0


def test_duplicate_code_inside_the_file(db, world):
    rows = [(2, row(MaHoSo="D-1")), (3, row(MaHoSo="D-2")), (7, row(MaHoSo="D-1"))]
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, rows)
    assert (info.value.row, info.value.column) == (7, "MaHoSo")
    assert "trùng với dòng 2" in info.value.message
    assert count(db, Dossier) == 0


def test_duplicate_code_already_in_the_database(db, world):
    import_dossier_rows(db, [(2, row(MaHoSo="D-1"))])
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, [(2, row(MaHoSo="D-9")), (3, row(MaHoSo="D-1"))])
    assert (info.value.row, info.value.column) == (3, "MaHoSo")
    assert "đã có trong cơ sở dữ liệu" in info.value.message
    assert count(db, Dossier) == 1 and count(db, DossierEvent) == 1


def test_the_first_bad_row_in_file_order_is_reported(db, world):
    rows = [(2, row(MaHoSo="OK")), (3, row(MaHoSo="E-1", MaTTHC="0.0")), (4, row(MaHoSo="E-2", NgayHenTra="x"))]
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, rows)
    assert info.value.row == 3


def test_one_bad_row_among_thousands_writes_nothing(db, world, tmp_path):
    rows = []
    for i in range(3000):
        received = RECEIVED + timedelta(minutes=7 * i)
        rows.append(
            row(
                MaHoSo=f"000.00.12.H56-{received:%y%m%d}-{i:04d}",
                NgayTiepNhan=ts(received),
                NgayHenTra=ts(received + timedelta(days=5)),
                NgayKetThucXuLy=ts(received + timedelta(days=1)),
                NgayTra=ts(received + timedelta(days=2)),
            )
        )
    rows[2345]["NgayKetThucXuLy"] = ts(RECEIVED - timedelta(days=400))
    path = write_csv(tmp_path / "nhieu.csv", rows)
    with pytest.raises(ImportRejected) as info:
        import_dossiers(db, path)
    assert (info.value.row, info.value.column) == (2347, "NgayKetThucXuLy")  # header = row 1
    assert count(db, Dossier) == 0 and count(db, DossierEvent) == 0
    rows[2345]["NgayKetThucXuLy"] = rows[2345]["NgayTiepNhan"]
    write_csv(path, rows)
    assert import_dossiers(db, path)["dossiers"] == 3000
    assert count(db, Dossier) == 3000 and count(db, DossierEvent) == 3000


# ---------------------------------------------------------------------------------------- meaning


def test_timeliness_of_imported_rows(db, world):
    due = RECEIVED + timedelta(days=3)  # Thursday 6/6/2024 08:00
    cases = {
        "early": (row(MaHoSo="T-1", NgayKetThucXuLy=ts(due - timedelta(days=1)), NgayTra=ts(due)), Timeliness.EARLY),
        "on time": (row(MaHoSo="T-2", NgayKetThucXuLy=ts(due - timedelta(hours=1)), NgayTra=ts(due)), Timeliness.ON_TIME),
        "late": (
            row(MaHoSo="T-3", NgayKetThucXuLy=ts(due + timedelta(hours=1)), NgayTra=ts(due + timedelta(hours=2))),
            Timeliness.LATE,
        ),
        "supplement time removed": (
            row(
                MaHoSo="T-4",
                NgayYeuCauBoSung=ts(RECEIVED + timedelta(hours=2)),
                NgayBoSung=ts(RECEIVED + timedelta(days=2, hours=2)),
                NgayKetThucXuLy=ts(due + timedelta(days=1)),
                NgayTra=ts(due + timedelta(days=1, hours=1)),
            ),
            Timeliness.EARLY,
        ),
        "supplement asked twice": (
            row(
                MaHoSo="T-5",
                SoLanBoSung="2",
                NgayYeuCauBoSung=ts(RECEIVED + timedelta(hours=2)),
                NgayBoSung=ts(RECEIVED + timedelta(hours=4)),
            ),
            Timeliness.LATE,
        ),
        "apology keeps the original date": (
            row(
                MaHoSo="T-6",
                NgayHenTraMoi=ts(due + timedelta(days=5)),
                NgayKetThucXuLy=ts(due + timedelta(days=2)),
                NgayTra=ts(due + timedelta(days=2)),
            ),
            Timeliness.LATE,
        ),
        "withdrawn": (row(MaHoSo="T-7", TrangThaiHoSo="7", NgayTra=""), Timeliness.EARLY),
        "stopped late": (
            row(MaHoSo="T-8", TrangThaiHoSo="8", NgayKetThucXuLy=ts(due + timedelta(days=1)), NgayTra=""),
            Timeliness.LATE,
        ),
        "refused after receipt": (row(MaHoSo="T-9", TrangThaiHoSo="3", NgayTra=""), Timeliness.EARLY),
    }
    import_dossier_rows(db, [(i + 2, values) for i, (values, _) in enumerate(cases.values())])
    for name, (values, expected) in cases.items():
        assert get(db, values["MaHoSo"]).timeliness == expected.value, name
    apology = get(db, "T-6")
    assert apology.due_at == due and apology.extended_due_at == due + timedelta(days=5) and apology.apology_count == 1
    supplemented = get(db, "T-4")
    assert supplemented.supplement_count == 1 and supplemented.supplement_seconds == 2 * 24 * 3600
    assert get(db, "T-9").state == State.REFUSED.value


def test_states_without_receipt_and_open_states(db, world):
    submitted = RECEIVED - timedelta(hours=3)
    rows = [
        (2, row(MaHoSo="S-1", TrangThaiHoSo="1", NgayTiepNhan="", NgayHenTra="", NgayKetThucXuLy="", NgayTra="",
                NgayNopHoSo=ts(submitted))),
        (3, row(MaHoSo="S-3", TrangThaiHoSo="3", NgayTiepNhan="", NgayHenTra="", NgayKetThucXuLy="", NgayTra="",
                NgayNopHoSo=ts(submitted), NgayTuChoi=ts(RECEIVED))),
        (4, row(MaHoSo="S-5", TrangThaiHoSo="5", NgayKetThucXuLy="", NgayTra="",
                NgayYeuCauBoSung=ts(RECEIVED + timedelta(hours=1)))),
        (5, row(MaHoSo="S-6", TrangThaiHoSo="6", NgayKetThucXuLy="", NgayTra="",
                NgayYeuCauNghiaVuTaiChinh=ts(RECEIVED + timedelta(hours=1)), PhiLePhi="100000")),
    ]
    import_dossier_rows(db, rows)
    s1, s3, s5, s6 = (get(db, c) for c in ("S-1", "S-3", "S-5", "S-6"))
    assert s1.state == State.SUBMITTED.value and s1.status_code == 1 and s1.received_at is None
    assert s3.state == State.NOT_ACCEPTED.value and s3.status_code == 3
    assert s3.not_accepted_at == RECEIVED and s3.ended_at is None and s3.timeliness is None
    assert s5.state == State.SUPPLEMENT.value and s5.supplement_count == 1 and s5.supplemented_at is None
    assert s6.state == State.FINANCIAL.value and s6.financial_requested_at == RECEIVED + timedelta(hours=1)
    assert not s6.fee_paid


def test_unit_resolved_by_code_valid_on_the_day_of_receipt(db, world):
    # The same code is reused after the 1/7/2025 reorganisation by a new unit at another level.
    old = make_unit(db, "000.50.00.H56", "UBND huyện Tách", "huyen", "ubnd", world.province, valid_to=date(2025, 6, 30))
    new = make_unit(db, "000.50.00.H56", "UBND xã Gộp", "xa", "ubnd", world.province, valid_from=date(2025, 7, 1))
    rows = [
        (2, row(MaHoSo="U-1", MaDonViTiepNhan=old.code, NgayTiepNhan="20250630160000", NgayHenTra="20250703160000",
                NgayKetThucXuLy="20250701090000", NgayTra="20250701100000")),
        (3, row(MaHoSo="U-2", MaDonViTiepNhan=new.code, NgayTiepNhan="20250701080000", NgayHenTra="20250703160000",
                NgayKetThucXuLy="20250701090000", NgayTra="20250701100000")),
        (4, row(MaHoSo="U-3", MaDonViTiepNhan=new.code, NgayTiepNhan="20250702080000", NgayHenTra="20250703160000",
                NgayKetThucXuLy="20250702090000", NgayTra="20250702100000", CapDonVi="Cấp tỉnh")),
    ]
    import_dossier_rows(db, rows)
    assert (get(db, "U-1").unit_id, get(db, "U-1").level) == (old.id, "huyen")
    assert (get(db, "U-2").unit_id, get(db, "U-2").level) == (new.id, "xa")
    assert get(db, "U-3").level == "tinh"  # CapDonVi overrides the unit's level


def test_each_dossier_gets_one_import_event(db, world):
    import_dossier_rows(db, [(2, row(MaHoSo="E-1")), (3, row(MaHoSo="E-2"))], source="dvcqg-thang6.csv")
    events = db.execute(select(DossierEvent).order_by(DossierEvent.id)).scalars().all()
    assert [e.dossier_id for e in events] == [get(db, "E-1").id, get(db, "E-2").id]
    first = events[0]
    assert first.action == "nhap_du_lieu" and first.from_state is None and first.to_state == State.RETURNED.value
    assert "dvcqg-thang6.csv" in first.note and first.data == {"source": "dvcqg-thang6.csv", "row": 2, "MaHoSo": "E-1"}
    assert first.actor_id is None and first.actor_name.startswith("Người vận hành")
    from cchc.audit.models import AuditEntry

    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "nhap_tep")).all()  # one entry for the file
    assert entry.object_type == "dossiers" and '"ma_ho_so":["E-1","E-2"]' in entry.after and "dvcqg-thang6.csv" in entry.after


def test_actor_is_recorded_and_scope_checked(db, world):
    admin = User(username="qt.huyen", full_name="Quản trị huyện Cũ", role="quan_tri_don_vi", unit_id=world.district.id)
    clerk = User(username="motcua", full_name="Cán bộ một cửa", role="mot_cua", unit_id=world.district.id)
    db.add_all([admin, clerk])
    db.flush()
    inside = row(MaHoSo="P-1", MaDonViTiepNhan=world.old_commune.code)
    import_dossier_rows(db, [(2, inside)], actor=admin)
    event = db.execute(select(DossierEvent)).scalar_one()
    assert (event.actor_id, event.actor_name) == (admin.id, "Quản trị huyện Cũ")
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, [(2, row(MaHoSo="P-2")), (3, row(MaHoSo="P-3"))], actor=admin)
    assert (info.value.row, info.value.column) == (2, "MaDonViTiepNhan")
    assert "ngoài phạm vi" in info.value.message
    with pytest.raises(PermissionDenied):
        import_dossier_rows(db, [(2, row(MaHoSo="P-4", MaDonViTiepNhan=world.old_commune.code))], actor=clerk)
    assert count(db, Dossier) == 1


def test_progress_callable_sees_both_phases(db, world):
    calls = []
    rows = [(i + 2, row(MaHoSo=f"G-{i}")) for i in range(7)]
    import_dossier_rows(db, rows, progress=lambda description, done, total: calls.append((description, done, total)))
    assert ("Kiểm tra dữ liệu", 7, 7) in calls and ("Ghi vào cơ sở dữ liệu", 7, 7) in calls


# ---------------------------------------------------------------------------------------- export


def varied_rows() -> list[tuple[int, dict]]:
    """Dossiers in every state, on every channel, at three units, with every optional column used."""
    units = ["000.00.12.H56", "000.21.20.H56", "000.00.20.H56"]
    procedures = ["1.001193", "1.000894", "1.009974"]
    out = []
    for i in range(60):
        received = datetime(2024, 1, 8, 8, 0) + timedelta(days=3 * i, minutes=13 * i)
        due = received + timedelta(days=4)
        status = [1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10][i % 12]
        values = row(
            MaHoSo=f"R-{i:03d}",
            MaTTHC=procedures[i % 3],
            MaDonViTiepNhan=units[i % 3],
            ChuHoSo=f"Phạm Thị Đào {i}",
            KenhThucHien=str(1 + i % 3),
            TrangThaiHoSo=str(status),
            NgayTiepNhan=ts(received),
            NgayHenTra=ts(due),
            NgayKetThucXuLy="",
            NgayTra="",
            LoaiDoiTuong=str(1 + i % 2),
            SoDinhDanh=f"{i:012d}",
            PhiLePhi=str(1000 * (i % 4)),
            DuocThanhToanTrucTuyen=str(i % 3),
            HinhThucTra=str(1 + i % 3),
            HoSoCoThanhPhanSoHoa=str(i % 2),
            DaSoHoaThanhPhan=str((i + 1) % 2),
            DuocLayTuKhoDMQG=str(i % 5 == 0 and 1 or 0),
            TaiKhoanDuocXacThucVoiVNeID=str(i % 3 == 0 and 1 or 0),
        )
        if i % 12 == 2:  # status 3 without receipt: not accepted
            values.update(NgayTiepNhan="", NgayHenTra="", NgayNopHoSo=ts(received), NgayTuChoi=ts(received + timedelta(hours=2)))
        if status == 1:
            values.update(NgayTiepNhan="", NgayNopHoSo=ts(received - timedelta(hours=1)))
        if status == 5:
            values.update(NgayYeuCauBoSung=ts(received + timedelta(hours=3)))
        if status == 6:
            values.update(NgayYeuCauNghiaVuTaiChinh=ts(received + timedelta(hours=3)))
        if status in (3, 7, 8, 9, 10) and values["NgayTiepNhan"]:
            end = received + timedelta(days=(i % 7))
            values.update(NgayKetThucXuLy=ts(end))
            if status == 10:
                values.update(NgayTra=ts(end + timedelta(hours=5)), CoKetQuaDienTu="1")
            if i % 5 == 0 and i % 7 != 0:
                values.update(
                    NgayYeuCauBoSung=ts(received + timedelta(hours=1)),
                    NgayBoSung=ts(min(end, received + timedelta(days=1))),
                )
            if i % 11 == 0:
                values.update(NgayHenTraMoi=ts(due + timedelta(days=3)))
        out.append((i + 2, values))
    return out


def figures(db) -> list[tuple]:
    """What statistics read, grouped in SQL: the figures a round trip must keep."""
    columns = (
        Unit.code, Dossier.level, Dossier.state, Dossier.status_code, Dossier.channel, Dossier.timeliness,
        Dossier.paid_online, Dossier.fee_paid, Dossier.reused_digitized, Dossier.components_digitized,
        Dossier.result_digitized, Dossier.vneid_verified, Dossier.from_personal_store, Dossier.apology_count,
        Dossier.supplement_count,
    )
    q = (
        select(*columns, func.count(), func.sum(Dossier.fee_amount), func.sum(Dossier.supplement_seconds))
        .join(Unit, Unit.id == Dossier.unit_id)
        .group_by(*columns)
        .order_by(*columns)
    )
    return [tuple(r) for r in db.execute(q).all()]


def empty_dossiers(db):
    db.execute(DossierEvent.__table__.delete())
    db.execute(Dossier.__table__.delete())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_round_trip_export_then_import_into_an_empty_database(db, world, tmp_path, fmt):
    import_dossier_rows(db, varied_rows())
    before = figures(db)
    first = tmp_path / f"lan1.{fmt}"
    assert export_dossiers(db, first) == 60
    empty_dossiers(db)
    assert count(db, Dossier) == 0
    assert import_dossiers(db, first)["dossiers"] == 60
    assert figures(db) == before
    second = tmp_path / f"lan2.{fmt}"
    export_dossiers(db, second)
    if fmt == "xlsx":
        rows_of = lambda p: [list(r) for r in load_workbook(p, read_only=True).worksheets[0].iter_rows(values_only=True)]  # noqa: E731
        assert rows_of(second) == rows_of(first)
    else:
        assert second.read_bytes() == first.read_bytes()


def test_round_trip_keeps_the_statistics_figures(db, world, tmp_path):
    stats = pytest.importorskip("cchc.stats.dossiers")
    import_dossier_rows(db, varied_rows())
    window = (date(2024, 2, 1), date(2024, 5, 31))
    before = stats.dossier_figures(db, world.province, *window)
    path = tmp_path / "hoso.csv"
    export_dossiers(db, path)
    empty_dossiers(db)
    import_dossiers(db, path)
    assert stats.dossier_figures(db, world.province, *window) == before
    assert before["received_total"] > 0


def test_export_columns_and_values(db, world, tmp_path):
    import_dossier_rows(db, varied_rows())
    path = tmp_path / "hoso.json"
    export_dossiers(db, path)
    items = json.loads(path.read_text(encoding="utf-8"))
    assert list(items[0]) == list(EXPORT_COLUMNS)
    by_code = {item["MaHoSo"]: item for item in items}
    first = by_code["R-010"]  # status 10 at the legacy commune
    assert first["TrangThaiHoSo"] == 10 and first["MaLinhVuc"] == "HT" and first["CapDonVi"] == "xa"
    assert first["MaDonViTiepNhan"] == "000.21.20.H56" and first["KenhThucHien"] == 2
    assert first["NgayTiepNhan"] == ts(datetime(2024, 1, 8, 8, 0) + timedelta(days=30, minutes=130))
    assert by_code["R-002"]["TrangThaiHoSo"] == 3 and by_code["R-002"]["NgayTiepNhan"] == ""
    assert by_code["R-002"]["NgayTuChoi"] != ""
    csv_path = tmp_path / "hoso.csv"
    export_dossiers(db, csv_path)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbfMaHoSo,MaTTHC,")


def test_export_filters_by_unit_subtree_and_window(db, world, tmp_path):
    import_dossier_rows(db, varied_rows())
    path = tmp_path / "huyen.csv"
    # The legacy district and its commune: rows i % 3 == 1 (commune) and i % 3 == 2 (district).
    assert export_dossiers(db, path, unit="000.00.20.H56") == 40
    assert export_dossiers(db, path, unit=world.old_commune) == 20
    assert export_dossiers(db, path, unit=world.province) == 60
    # Received (or filed, for dossiers never received) from 8/1/2024 to 17/1/2024: i = 0..3.
    assert export_dossiers(db, path, start=date(2024, 1, 8), end=date(2024, 1, 17)) == 4
    with path.open(encoding="utf-8-sig") as fh:
        assert [r["MaHoSo"] for r in csv.DictReader(fh)] == ["R-000", "R-001", "R-002", "R-003"]


def test_export_refuses_bad_requests_and_leaves_no_partial_file(db, world, tmp_path):
    with pytest.raises(ValidationError, match="csv, xlsx hoặc json"):
        export_dossiers(db, tmp_path / "hoso.txt")
    with pytest.raises(ValidationError, match="Không có đơn vị nào mang mã «KHONG.CO»"):
        export_dossiers(db, tmp_path / "hoso.csv", unit="KHONG.CO")
    with pytest.raises(ValidationError, match="sau ngày kết thúc"):
        export_dossiers(db, tmp_path / "hoso.csv", start=date(2024, 2, 1), end=date(2024, 1, 1))
    assert list(tmp_path.iterdir()) == []


def test_export_streams_with_progress(db, world, tmp_path):
    import_dossier_rows(db, varied_rows())
    calls = []
    n = export_dossiers(db, tmp_path / "hoso.xlsx", progress=lambda d, done, total: calls.append((d, done, total)))
    assert n == 60 and calls[0] == ("Xuất hồ sơ", 0, 60) and calls[-1] == ("Xuất hồ sơ", 60, 60)


def test_exports_write_formula_like_text_as_text(db, world, tmp_path):
    """An applicant's name is data: opened in a spreadsheet it must not run as a formula (CSV: an apostrophe in
    front; XLSX: a string cell), and cchc reads its own export back unchanged."""
    import zipfile

    from cchc.sheets.tabular import read_table

    names = {"F-1": '=HYPERLINK("http://x","y")', "F-2": "+84 912 345 678", "F-3": "-2+3", "F-4": "@SUM(A1)",
             "F-5": "'=1+1", "F-6": "Nguyễn Văn An"}
    import_dossier_rows(db, [(i + 2, row(MaHoSo=code, ChuHoSo=name)) for i, (code, name) in enumerate(names.items())])
    csv_path = tmp_path / "hoso.csv"
    export_dossiers(db, csv_path)
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        raw = {r["MaHoSo"]: r["ChuHoSo"] for r in csv.DictReader(fh)}
    assert raw == {"F-1": '\'=HYPERLINK("http://x","y")', "F-2": "'+84 912 345 678", "F-3": "'-2+3", "F-4": "'@SUM(A1)",
                   "F-5": "''=1+1", "F-6": "Nguyễn Văn An"}
    assert {r["MaHoSo"]: r["ChuHoSo"] for _, r in read_table(csv_path).rows} == names

    xlsx_path = tmp_path / "hoso.xlsx"
    export_dossiers(db, xlsx_path)
    sheet = zipfile.ZipFile(xlsx_path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    ws = load_workbook(xlsx_path).worksheets[0]
    column = [c.value for c in ws[1]].index("ChuHoSo") + 1
    cells = {ws.cell(n, 1).value: ws.cell(n, column) for n in range(2, ws.max_row + 1)}
    assert {code: c.value for code, c in cells.items()} == names
    assert {c.data_type for c in cells.values()} == {"s"}
    assert {r["MaHoSo"]: r["ChuHoSo"] for _, r in read_table(xlsx_path).rows} == names


# ---------------------------------------------------------------------------------------- streaming


def test_a_code_repeated_in_a_later_chunk_names_its_first_row(db, world, monkeypatch):
    import cchc.interop.dossier_import as module

    monkeypatch.setattr(module, "CHUNK", 2)
    rows = [(2, row(MaHoSo="S-1")), (3, row(MaHoSo="S-2")), (4, row(MaHoSo="S-3")), (5, row(MaHoSo="S-4")), (6, row(MaHoSo="S-2"))]
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, rows)
    assert (info.value.row, info.value.column) == (6, "MaHoSo") and "trùng với dòng 3 của tệp" in info.value.message
    assert count(db, Dossier) == 0 and count(db, DossierEvent) == 0  # the chunks already written are rolled back


def test_a_bad_row_in_the_last_chunk_writes_nothing(db, world, tmp_path, monkeypatch):
    import cchc.interop.dossier_import as module

    monkeypatch.setattr(module, "CHUNK", 3)
    rows = [row(MaHoSo=f"L-{i}") for i in range(10)] + [row(MaHoSo="L-bad", KenhThucHien="9")]
    with pytest.raises(ImportRejected) as info:
        import_dossiers(db, write_csv(tmp_path / "hoso.csv", rows))
    assert (info.value.row, info.value.column) == (12, "KenhThucHien")
    assert count(db, Dossier) == 0 and count(db, DossierEvent) == 0


def test_importing_a_file_takes_the_memory_of_one_chunk_not_of_the_file(db, world, tmp_path, monkeypatch):
    """The peak while importing 4.000 rows is that of importing 800: the file is read, checked and written chunk by
    chunk (before, every row and every validated record was held until the end: ~2,5 KB a row)."""
    import tracemalloc

    import cchc.interop.dossier_import as module

    monkeypatch.setattr(module, "CHUNK", 400)

    def peak(prefix: str, n: int) -> int:
        path = write_csv(tmp_path / f"{prefix}.csv", [row(MaHoSo=f"{prefix}-{i:05d}", ChuHoSo=f"Nguyễn Văn An {i}") for i in range(n)])
        tracemalloc.start()
        try:
            assert import_dossiers(db, path)["dossiers"] == n
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak("W", 400)  # warm the caches (statements, units, procedures) first
    small, large = peak("A", 800), peak("B", 4000)
    assert large < small * 1.5, (small, large)
