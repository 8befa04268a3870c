"""Small builders for the catalogue tests."""

from __future__ import annotations

from typing import Any


def procedure_data(code: str = "1.001193", name: str = "Đăng ký khai sinh", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code,
        "name": name,
        "field_code": "HT",
        "field_name": "Hộ tịch",
        "levels": "xa",
        "time_amount": 5,
        "time_unit": "ngay_lam_viec",
        "online_level": "toan_trinh",
    }
    data.update(over)
    return data


def import_row(i: int, **over: Any) -> dict[str, Any]:
    """One row of an import file (DVCQG-style columns)."""
    fields = [("HT", "Hộ tịch"), ("XD", "Xây dựng"), ("DD", "Đất đai"), ("CT", "Chứng thực")]
    fcode, fname = fields[i % len(fields)]
    row: dict[str, Any] = {
        "MaTTHC": f"1.{i:06d}",
        "TenTTHC": f"Thủ tục đăng ký số {i}",
        "MaLinhVuc": fcode,
        "TenLinhVuc": fname,
        "CapThucHien": "tinh,xa" if i % 3 else "Cấp xã",
        "ThoiHanGiaiQuyet": 5 + i % 10,
        "DonViThoiHan": "ngay_lam_viec",
        "MucDoDVC": ["toan_trinh", "mot_phan", "4", "3", "khong"][i % 5],
        "CoPhiLePhi": "1" if i % 2 else "0",
        "PhiLePhi": "le_phi:8000:Lệ phí cấp bản sao; phi:2000:Phí thẩm định" if i % 2 else "",
        "ThanhPhanHoSo": "Tờ khai|1; Giấy chứng sinh|2",
        "QuyTrinh": "mot_cua:4:0; chuyen_vien:24:1; lanh_dao:8:1; mot_cua:4:0" if i % 4 == 0 else "",
        "GioChot": "15:00" if i % 7 == 0 else "",
        "LienThong": "khong",
    }
    row.update(over)
    return row
