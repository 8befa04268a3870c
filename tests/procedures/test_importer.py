from __future__ import annotations

import csv
import json
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import ImportRejected, PermissionDenied
from cchc.procedures import catalogue, service
from cchc.procedures.importer import import_procedures, summary
from cchc.procedures.models import Component, FeeLine, Field, ProcessStep, Procedure, Publication
from cchc.units.models import Unit
from tests.procedures.factories import import_row

COLUMNS = list(import_row(0).keys())


def write(path: Path, rows: list[dict], fmt: str) -> Path:
    path = path.with_suffix("." + fmt)
    columns = list(dict.fromkeys(c for r in rows for c in r)) or COLUMNS
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    elif fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(columns)
        for r in rows:
            ws.append([r.get(c, "") for c in columns])
        wb.save(path)
    else:
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def counts(db) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model))
        for model in (Procedure, Field, ProcessStep, FeeLine, Component, Publication)
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_import_small_file_each_format(db, tmp_path, fmt):
    rows = [import_row(i) for i in range(1, 9)]
    result = import_procedures(db, write(tmp_path / "tthc", rows, fmt))
    assert result["rows"] == 8 and result["created"] == 8 and result["updated"] == 0
    assert result["fields"] == 4
    p = catalogue.get_procedure(db, "1.000001")
    assert p.name == "Thủ tục đăng ký số 1" and p.field.name == "Xây dựng"
    assert p.levels == "tinh,xa" and p.time_amount == 6 and p.online_level == "mot_phan"
    assert p.has_fee and [(f.kind, f.amount, f.description) for f in p.fees] == [
        ("le_phi", Decimal(8000), "Lệ phí cấp bản sao"), ("phi", Decimal(2000), "Phí thẩm định"),
    ]
    assert [(c.name, c.copies) for c in p.components] == [("Tờ khai", 1), ("Giấy chứng sinh", 2)]
    assert len(p.steps) == 4 and sum(s.duration_amount for s in p.steps) == 48  # default process over 6 days
    p4 = catalogue.get_procedure(db, "1.000004")
    assert [(s.role, s.duration_amount, s.can_return) for s in p4.steps] == [
        ("mot_cua", 4, False), ("chuyen_vien", 24, True), ("lanh_dao", 8, True), ("mot_cua", 4, False),
    ]
    assert catalogue.get_procedure(db, "1.000003").levels == "xa"  # "Cấp xã"
    assert catalogue.get_procedure(db, "1.000007").cutoff_time.hour == 15
    assert catalogue.get_procedure(db, "1.000008").online_level == "mot_phan"  # DVCQG "3"
    # every procedure has an internal process
    assert db.scalar(select(func.count()).select_from(Procedure).where(~Procedure.steps.any())) == 0
    assert "Đã nhập 8 TTHC" in summary(result)


def test_update_keeps_a_custom_process_or_refuses_a_limit_it_does_not_fit(db, tmp_path):
    import_procedures(db, write(tmp_path / "a", [import_row(4)], "csv"))  # QuyTrinh 4+24+8+4 h in 9 days
    import_procedures(db, write(tmp_path / "b", [import_row(4, QuyTrinh="", ThoiHanGiaiQuyet=6)], "csv"))
    db.expire_all()
    assert [s.duration_amount for s in catalogue.get_procedure(db, "1.000004").steps] == [4, 24, 8, 4]
    with pytest.raises(ImportRejected) as err:
        import_procedures(db, write(tmp_path / "c", [import_row(4, QuyTrinh="", ThoiHanGiaiQuyet=4)], "csv"))
    assert err.value.row == 2 and err.value.column == "QuyTrinh" and "cần khai báo lại quy trình" in err.value.message


def test_existing_code_is_updated(db, tmp_path):
    import_procedures(db, write(tmp_path / "a", [import_row(1), import_row(2)], "csv"))
    before = counts(db)
    changed = import_row(1, TenTTHC="Tên mới đã sửa", ThoiHanGiaiQuyet=10, PhiLePhi="le_phi:5000:Lệ phí mới")
    result = import_procedures(db, write(tmp_path / "b", [changed, import_row(3)], "csv"))
    assert result["created"] == 1 and result["updated"] == 1
    db.expire_all()
    p = catalogue.get_procedure(db, "1.000001")
    assert p.name == "Tên mới đã sửa" and p.time_amount == 10
    assert sum(s.duration_amount for s in p.steps) == 80  # the default process follows the new time limit
    assert [(f.amount, f.description) for f in p.fees] == [(Decimal(5000), "Lệ phí mới")]
    assert counts(db)[0] == before[0] + 1


def test_vietnamese_labels_and_optional_columns(db, tmp_path):
    db.add(Unit(code="000.00.04.G18", name="Sở Tư pháp tỉnh Quảng Trị", level="tinh", kind="so", path=""))
    db.flush()
    rows = [
        import_row(1, CapThucHien="Cấp tỉnh; Cấp xã", DonViThoiHan="giờ làm việc", ThoiHanGiaiQuyet="8",
                   MucDoDVC="Toàn trình", CoPhiLePhi="có", CoQuanThucHien="000.00.04.G18",
                   DuDieuKienToanTrinh="1", CoKetQuaGiay="không", LienThong="giua_cac_cap",
                   PhiLePhi="le_phi:8.000:Lệ phí"),
        import_row(2, CoQuanThucHien="UBND cấp xã", CoPhiLePhi="false", PhiLePhi="", DonViThoiHan="ngay",
                   ThoiHanGiaiQuyet="15", MucDoDVC="2"),
    ]
    import_procedures(db, write(tmp_path / "v", rows, "xlsx"))
    p1, p2 = catalogue.get_procedure(db, "1.000001"), catalogue.get_procedure(db, "1.000002")
    assert p1.levels == "tinh,xa" and p1.time_unit == "gio_lam_viec" and p1.online_level == "toan_trinh"
    assert p1.agency_unit_id is not None and p1.agency_name == "Sở Tư pháp tỉnh Quảng Trị"
    assert p1.paper_result is False and p1.interconnection == "giua_cac_cap" and p1.eligible_full_online
    assert p2.agency_unit_id is None and p2.agency_name == "UBND cấp xã"
    assert p2.time_unit == "ngay" and p2.online_level == "khong" and p2.has_fee is False


def test_json_nested_lists_and_publications(db, tmp_path):
    rows = [
        {**import_row(1), "PhiLePhi": "", "QuyTrinh": "",
         "fees": [{"kind": "le_phi", "amount": 50000, "description": "Lệ phí đăng ký"}],
         "components": [{"name": "Đơn đề nghị", "copies": 1, "required": True}],
         "steps": [{"role": "mot_cua", "hours": 4}, {"role": "chuyen_vien", "hours": 30, "can_return": True},
                   {"role": "mot_cua", "hours": 4}],
         "publications": [{"decision_no": "1234/QĐ-UBND", "decision_date": "14/6/2024", "kind": "moi",
                           "effective_date": "2024-07-01"}]},
        {**import_row(2), "publications": [{"decision_no": "5/QĐ-UBND", "decision_date": "2024-01-02",
                                            "kind": "thay_the", "effective_date": "2024-02-01",
                                            "replaced_by_code": "1.000001"}]},
    ]
    path = write(tmp_path / "n", rows, "json")
    result = import_procedures(db, path)
    assert result["publications"] == 2
    p1 = catalogue.get_procedure(db, "1.000001")
    assert [f.amount for f in p1.fees] == [50000] and [c.name for c in p1.components] == ["Đơn đề nghị"]
    assert [(s.role, s.duration_amount) for s in p1.steps] == [("mot_cua", 4), ("chuyen_vien", 30), ("mot_cua", 4)]
    assert p1.publications[0].decision_date == date(2024, 6, 14)
    bad = [{**import_row(3), "publications": [{"decision_no": "1/QĐ", "decision_date": "2024-13-01", "kind": "moi"}]}]
    with pytest.raises(ImportRejected) as err:
        import_procedures(db, write(tmp_path / "bad", bad, "json"))
    assert err.value.row == 2 and err.value.column == "publications" and "2024-13-01" in err.value.message
    p2 = catalogue.get_procedure(db, "1.000002")
    assert p2.active is False and p2.replaced_by_id == p1.id and p2.publications[0].replaced_by_id == p1.id
    # importing the same file again adds no publication twice
    again = import_procedures(db, path)
    assert again["updated"] == 2 and again["publications"] == 0


def test_flat_publication_columns(db, tmp_path):
    row = import_row(1, SoQuyetDinhCongBo="88/QĐ-UBND", NgayQuyetDinhCongBo="01/03/2024", LoaiCongBo="Bãi bỏ",
                     NgayHieuLuc="15/03/2024")
    import_procedures(db, write(tmp_path / "f", [row], "csv"))
    p = catalogue.get_procedure(db, "1.000001")
    assert p.publications[0].kind == "bai_bo" and p.inactive_from == date(2024, 3, 15) and p.active is False


@pytest.mark.parametrize(
    "change, column, message",
    [
        ({"MaTTHC": "1.000 003"}, "MaTTHC", "Mã TTHC không hợp lệ"),
        ({"TenTTHC": ""}, "TenTTHC", "Thiếu tên"),
        ({"CapThucHien": "trung uong"}, "CapThucHien", "Cấp thực hiện không hợp lệ"),
        ({"ThoiHanGiaiQuyet": "năm ngày"}, "ThoiHanGiaiQuyet", "phải là một số"),
        ({"ThoiHanGiaiQuyet": "0", "DonViThoiHan": "gio_lam_viec"}, "ThoiHanGiaiQuyet", "phải lớn hơn 0"),
        ({"DonViThoiHan": "thang"}, "DonViThoiHan", "Đơn vị thời hạn không hợp lệ"),
        ({"MucDoDVC": "5"}, "MucDoDVC", "Mức độ dịch vụ công trực tuyến không hợp lệ"),
        ({"CoPhiLePhi": "có lẽ"}, "CoPhiLePhi", "Có phí, lệ phí không hợp lệ"),
        ({"CoPhiLePhi": "0"}, "CoPhiLePhi", "không có phí, lệ phí nhưng"),
        ({"PhiLePhi": "le_phi:tám nghìn"}, "PhiLePhi", "phải là một số"),
        ({"ThanhPhanHoSo": "Tờ khai|không"}, "ThanhPhanHoSo", "phải là một số"),
        ({"QuyTrinh": "mot_cua:4:0; chuyen_vien:100:1; mot_cua:4:0"}, "QuyTrinh", "vượt thời hạn giải quyết"),
        ({"QuyTrinh": "chuyen_vien:4:0; mot_cua:4:0"}, "QuyTrinh", "Bước 1 phải là Bộ phận Một cửa"),
        ({"GioChot": "3 giờ chiều"}, "GioChot", "Giờ chốt không hợp lệ"),
        ({"LienThong": "co"}, "LienThong", "Liên thông không hợp lệ"),
        ({"CoQuanThucHien": "H99.99.99"}, "CoQuanThucHien", "Không tìm thấy đơn vị có mã «H99.99.99»"),
        ({"MaTTHC": "1.000001"}, "MaTTHC", "trùng với dòng 2"),
        ({"MaLinhVuc": "HT", "TenLinhVuc": "Hộ tịch khác"}, "TenLinhVuc", "đã mang tên «Hộ tịch»"),
        ({"LoaiCongBo": "huy", "SoQuyetDinhCongBo": "1/QĐ", "NgayQuyetDinhCongBo": "2024-01-01"}, "LoaiCongBo", "Loại công bố"),
        ({"LoaiCongBo": "moi", "SoQuyetDinhCongBo": "1/QĐ", "NgayQuyetDinhCongBo": "31/02/2024"}, "NgayQuyetDinhCongBo",
         "Ngày ban hành quyết định công bố không hợp lệ"),
        ({"LoaiCongBo": "thay_the", "SoQuyetDinhCongBo": "1/QĐ", "NgayQuyetDinhCongBo": "2024-01-01"}, "MaTTHCThayThe",
         "cần mã TTHC thay thế"),
    ],
)
def test_each_bad_column_named(db, tmp_path, change, column, message):
    rows = [import_row(1), import_row(2), import_row(3, **change)]
    if column == "TenLinhVuc":
        rows[1] = import_row(4)  # the row with field HT
    with pytest.raises(ImportRejected) as err:
        import_procedures(db, write(tmp_path / "bad", rows, "csv"))
    assert err.value.row == 4 and err.value.column == column
    assert err.value.message.startswith(f"Dòng 4, cột {column}: ")
    assert message in err.value.message
    assert counts(db) == (0, 0, 0, 0, 0, 0)


def test_missing_required_column_refused(db, tmp_path):
    rows = [{k: v for k, v in import_row(1).items() if k != "MucDoDVC"}]
    with pytest.raises(ImportRejected, match="thiếu cột bắt buộc: MucDoDVC"):
        import_procedures(db, write(tmp_path / "m", rows, "csv"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_one_bad_row_among_3000_refused_nothing_written(db, tmp_path, fmt):
    import_procedures(db, write(tmp_path / "seed", [import_row(1, TenTTHC="Tên cũ")], "csv"))
    before = counts(db)
    rows = [import_row(i) for i in range(1, 3001)]
    rows[2700] = import_row(2701, MucDoDVC="muc_do_9")  # row 2702 of the file (header = row 1)
    path = write(tmp_path / "big", rows, fmt)
    with pytest.raises(ImportRejected) as err:
        import_procedures(db, path)
    assert err.value.row == 2702 and err.value.column == "MucDoDVC"
    assert "«muc_do_9»" in err.value.message
    db.expire_all()
    assert counts(db) == before
    assert catalogue.get_procedure(db, "1.000001").name == "Tên cũ"  # the existing row was not updated either


def test_3000_rows_import_with_progress(db, tmp_path):
    rows = [import_row(i) for i in range(1, 3001)]
    path = write(tmp_path / "all", rows, "csv")
    seen: list[tuple[int, int]] = []
    started = time.perf_counter()
    result = import_procedures(db, path, progress=lambda done, total: seen.append((done, total)))
    elapsed = time.perf_counter() - started
    assert result["created"] == 3000
    assert counts(db)[0] == 3000 and counts(db)[2] == 3000 * 4
    assert seen[-1] == (6000, 6000) and len(seen) > 2
    assert elapsed < 60, f"3.000 TTHC imported in {elapsed:.1f} s"
    assert catalogue.search_procedures(db, q="thu tuc dang ky so 2999")[1] == 1


def test_rich_progress_accepted(db, tmp_path):
    from rich.progress import Progress

    with Progress(disable=True) as progress:
        import_procedures(db, write(tmp_path / "r", [import_row(1)], "json"), progress=progress)
        assert progress.tasks[0].completed == 2


def test_import_needs_an_editor(db, tmp_path):
    actor = User(username="cv", full_name="Chuyên viên", role=Role.SPECIALIST.value)
    with pytest.raises(PermissionDenied):
        import_procedures(db, write(tmp_path / "p", [import_row(1)], "csv"), actor=actor)
    assert counts(db)[0] == 0


def _dossier_using(db, procedure: Procedure, component_seq: int):
    from cchc.dossiers.models import Dossier, DossierComponent

    unit = Unit(code="H15.50.05.13", name="UBND xã Thử", level="xa", kind="ubnd", path="")
    db.add(unit)
    db.flush()
    comp = next(c for c in procedure.components if c.seq == component_seq)
    dossier = Dossier(code="H15.50.05.13-240614-0001", procedure_id=procedure.id, unit_id=unit.id, level="xa", channel=1,
                      state="dang_xu_ly", status_code=4, applicant_name="Nguyễn Văn A")
    dossier.components = [DossierComponent(component_id=comp.id, seq=1, name=comp.name, copies=1)]
    db.add(dossier)
    db.flush()
    return comp


def test_components_kept_in_place_for_dossiers(db, tmp_path):
    import_procedures(db, write(tmp_path / "a", [import_row(1)], "csv"))
    proc = catalogue.get_procedure(db, "1.000001")
    used = _dossier_using(db, proc, 2)
    used_id = used.id
    # renaming keeps the rows that dossiers point at
    import_procedures(db, write(tmp_path / "b", [import_row(1, ThanhPhanHoSo="Tờ khai (mẫu mới)|1; Giấy chứng sinh bản chính|1; Ảnh|2")], "csv"))
    db.expire_all()
    comps = catalogue.get_procedure(db, "1.000001").components
    assert [(c.seq, c.name) for c in comps] == [(1, "Tờ khai (mẫu mới)"), (2, "Giấy chứng sinh bản chính"), (3, "Ảnh")]
    assert comps[1].id == used_id
    # dropping the used component is refused, by row and column, and nothing changes
    with pytest.raises(ImportRejected) as err:
        import_procedures(db, write(tmp_path / "c", [import_row(2), import_row(1, ThanhPhanHoSo="Tờ khai|1")], "csv"))
    assert err.value.row == 3 and err.value.column == "ThanhPhanHoSo" and "đã có 1 hồ sơ" in err.value.message
    db.expire_all()
    assert len(catalogue.get_procedure(db, "1.000001").components) == 3
    with pytest.raises(service.ValidationError, match="Không thể bỏ thành phần hồ sơ «Giấy chứng sinh bản chính»"):
        service.update_procedure(db, None, "1.000001", {"components": [{"name": "Tờ khai"}]})
    # dropping an unused one is fine
    service.update_procedure(db, None, "1.000001", {"components": [{"name": "Tờ khai"}, {"name": "Giấy chứng sinh"}]})
    db.expire_all()
    assert [c.name for c in catalogue.get_procedure(db, "1.000001").components] == ["Tờ khai", "Giấy chứng sinh"]
