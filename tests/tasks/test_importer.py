"""XLSX import of tasks: every row or none, errors naming row and column."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cchc.errors import ImportRejected, PermissionDenied
from cchc.tasks.importer import import_tasks, import_upload
from cchc.tasks.models import AssigningDocument, Task, TaskEvent

from .factories import make_task_world

HEADER = ["SoVanBan", "NgayVanBan", "CoQuanGiao", "TrichYeu", "TenNhiemVu", "DonViChuTri", "DonViPhoiHop",
          "HanXuLy", "SoNgayLamViec", "TrangThai", "NgayHoanThanh"]


def good_rows(w):
    return [
        ["45/NQ-CP", datetime(2024, 1, 5), "Chính phủ", "Nghị quyết phiên họp", "Đẩy mạnh thanh toán trực tuyến", "STP1", "SNV1",
         datetime(2024, 3, 31), None, "Đã hoàn thành", datetime(2024, 3, 20)],
        ["45/NQ-CP", "05/01/2024", "chinh phu", "Nghị quyết phiên họp", "Số hóa hồ sơ", "Sở Nội vụ", None,
         None, 10, "Đang thực hiện", None],
        ["12/UBND-KSTT", "2024-02-01", "Chủ tịch UBND tỉnh", "", "Rà soát TTHC", "STP1", "SNV1; Sở Tư pháp tỉnh Bên Cạnh",
         "15/2/2024", None, "Chờ kết thúc", "14/2/2024"],
        ["13/UBND-KSTT", "2024-02-01", "UBND tỉnh", "", "Báo cáo quý", "STP1", None, "29/2/2024", None, None, None],
    ]


def write(tmp_path, rows, header=HEADER, name="nhiem-vu.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def counts(db):
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Task, AssigningDocument, TaskEvent))


def test_import_all_rows(db, tmp_path):
    w = make_task_world(db)
    result = import_tasks(db, w.assigner, write(tmp_path, good_rows(w)))
    assert (result.tasks, result.documents) == (4, 3)
    assert result.by_state == {"cho_tiep_nhan": 1, "dang_thuc_hien": 1, "cho_xac_nhan": 1, "hoan_thanh": 1}
    assert result.summary() == ("Đã nhập 4 nhiệm vụ từ 3 văn bản giao (chờ tiếp nhận 1, đang thực hiện 1, "
                                "chờ xác nhận hoàn thành 1, đã hoàn thành 1).")
    tasks = {t.title: t for t in db.scalars(select(Task))}
    done = tasks["Đẩy mạnh thanh toán trực tuyến"]
    assert (done.source, done.on_time, done.completed_on, done.assigned_at) == ("chinh_phu", True, date(2024, 3, 20), datetime(2024, 1, 5, 8))
    assert [c.unit_id for c in done.coordinators] == [w.dept2.id] and done.assigner_unit_id == w.office.id
    digit = tasks["Số hóa hồ sơ"]
    assert (digit.lead_unit_id, digit.deadline_working_days, digit.deadline) == (w.dept2.id, 10, date(2024, 1, 19))
    review = tasks["Rà soát TTHC"]
    assert review.source == "ubnd_tinh" and review.state == "cho_xac_nhan" and len(review.coordinators) == 2
    assert review.document.issuer == "Chủ tịch UBND tỉnh"
    assert db.scalar(select(TaskEvent.note).where(TaskEvent.task_id == review.id)) == "Nhập từ tệp nhiem-vu.xlsx, dòng 4"
    # the same file again: refused, nothing duplicated
    before = counts(db)
    with pytest.raises(ImportRejected, match=r"Dòng 2, cột TenNhiemVu: nhiệm vụ này đã có trên hệ thống \(mã NV2024-"):
        import_tasks(db, w.assigner, write(tmp_path, good_rows(w)))
    assert counts(db) == before


BAD = [
    (1, 1, "hôm qua", "Dòng 3, cột NgayVanBan: Ngày văn bản không hợp lệ: «hôm qua»"),
    (2, 2, "Bộ Nội vụ", "Dòng 4, cột CoQuanGiao: cơ quan giao «Bộ Nội vụ» không hợp lệ"),
    (0, 5, "SXYZ", "Dòng 2, cột DonViChuTri: không tìm thấy đơn vị «SXYZ»"),
    (2, 6, "STP1", "Dòng 4, cột DonViPhoiHop: đơn vị «STP1» đã là đơn vị chủ trì"),
    (3, 8, 5, "Dòng 5, cột HanXuLy: ghi hạn xử lý (HanXuLy) hoặc số ngày làm việc (SoNgayLamViec), một trong hai"),
    (1, 8, "mười", "Dòng 3, cột SoNgayLamViec: số ngày làm việc «mười» phải là số nguyên dương"),
    (3, 7, "1/1/2024", "Dòng 5, cột HanXuLy: hạn xử lý 1/1/2024 trước ngày văn bản 1/2/2024"),
    (3, 9, "Tạm dừng", "Dòng 5, cột TrangThai: trạng thái «Tạm dừng» không hợp lệ"),
    (3, 9, "Đã hoàn thành", "Dòng 5, cột NgayHoanThanh: nhiệm vụ «Đã hoàn thành» cần ngày hoàn thành"),
    (3, 10, "1/3/2024", "Dòng 5, cột NgayHoanThanh: nhiệm vụ ở trạng thái «Chờ tiếp nhận» chưa có ngày hoàn thành"),
    (0, 4, "", "Dòng 2, cột TenNhiemVu: ô này không được để trống"),
    (2, 4, "Báo cáo quý", "Dòng 5, cột TenNhiemVu: trùng nhiệm vụ ở dòng 4"),
]


@pytest.mark.parametrize(("row", "col", "value", "message"), BAD, ids=[m.split(":")[0] + f"-{c}" for _, c, _, m in BAD])
def test_one_bad_row_refuses_the_whole_file(db, tmp_path, row, col, value, message):
    w = make_task_world(db)
    rows = good_rows(w)
    if "ghi hạn xử lý" in message:
        rows[3][7], rows[3][8] = "29/2/2024", 5
    elif "trùng" in message:
        rows[2] = list(rows[3])
    else:
        rows[row][col] = value
    before = counts(db)
    with pytest.raises(ImportRejected) as exc:
        import_tasks(db, w.assigner, write(tmp_path, rows))
    assert exc.value.message.startswith(message), exc.value.message
    assert counts(db) == before


def test_file_level_refusals(db, tmp_path):
    w = make_task_world(db)
    with pytest.raises(ImportRejected, match="thiếu cột bắt buộc: DonViChuTri"):
        import_tasks(db, w.assigner, write(tmp_path, [], header=HEADER[:5] + HEADER[6:]))
    with pytest.raises(ImportRejected, match="cần cột HanXuLy"):
        import_tasks(db, w.assigner, write(tmp_path, good_rows(w), header=HEADER[:7]))
    with pytest.raises(ImportRejected, match="không có dòng dữ liệu nào"):
        import_tasks(db, w.assigner, write(tmp_path, []))
    with pytest.raises(ImportRejected, match="không phải tệp Excel"):
        import_upload(db, w.assigner, "hong.xlsx", b"not a zip")
    with pytest.raises(PermissionDenied, match="Chỉ cơ quan giao nhiệm vụ"):
        import_tasks(db, w.leader, write(tmp_path, good_rows(w)))
    with pytest.raises(ImportRejected, match="Dòng 2, cột DonViChuTri: đơn vị chủ trì Sở Tư pháp tỉnh Bên Cạnh không thuộc tỉnh"):
        rows = good_rows(w)
        rows[0][5] = "STP2"
        import_tasks(db, w.assigner, write(tmp_path, rows))
    assert counts(db) == (0, 0, 0)
    result = import_upload(db, None, "tep.xlsx", write(tmp_path, good_rows(w)).read_bytes())
    assert result.tasks == 4 and db.scalar(select(Task.assigner_unit_id).limit(1)) is None
