#!/usr/bin/env python3
"""Extract, once, the official lists of Vietnamese administrative units into cchc's data files.

Source: the MIT-licensed PyPI package `vietnamadminunits` 1.0.4 (Tran Ngoc Minh Hieu). That package
depends on the GPL `unidecode`, so cchc never imports it: this script installs it into a throw-away
virtual environment under /tmp (or reads an unpacked copy given with --package-dir) and only READS its
data files with the standard library:

    data/dataset.db           admin_units (34 provinces, 3,321 communes since 1/7/2025)
                              admin_units_legacy (63 provinces, 696 districts, 10,035 communes until 30/6/2025)
    data/converter_2025.json  the old → new mapping of provinces and communes

It writes, under src/cchc/data/units/:

    units.csv         code,valid_from,valid_to,level,kind,name,parent_code,parent_valid_from
    successions.csv   old_code,old_valid_from,new_code,new_valid_from,partial
    ATTRIBUTION.md    source, author and the MIT licence text as shipped in the package metadata

A unit is identified by (code, valid_from); an empty valid_from means "in force before the 1/7/2025
reorganisation". A province that keeps its code AND its name across 1/7/2025 (01 Hà Nội, 79 Hồ Chí Minh …)
is one row with no valid_to: its legacy districts and communes and its new communes all hang under it.
A code reused by another province (15 was Yên Bái, is now Lào Cai) gives two rows.

Usage:  python scripts/extract_units.py [--package-dir DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "vietnamadminunits"
VERSION = "1.0.4"
NEW_FROM = "2025-07-01"
LEGACY_TO = "2025-06-30"

PROVINCE_KINDS = {"Tỉnh": "tinh", "Thành phố": "thanh_pho_tw"}
DISTRICT_KINDS = {"Huyện": "huyen", "Quận": "quan", "Thị xã": "thi_xa", "Thành phố": "thanh_pho"}
COMMUNE_KINDS = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}

UNIT_COLUMNS = ["code", "valid_from", "valid_to", "level", "kind", "name", "parent_code", "parent_valid_from"]
SUCCESSION_COLUMNS = ["old_code", "old_valid_from", "new_code", "new_valid_from", "partial"]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "cchc" / "data" / "units"


def install_package(workdir: Path) -> tuple[Path, Path]:
    """pip-install the package (without its dependencies) into a throw-away venv; return (package, dist-info)."""
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "--quiet", "--no-deps", f"{PACKAGE}=={VERSION}"], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    return site / PACKAGE, next(site.glob(f"{PACKAGE}-*.dist-info"))


def province_kind(full_name: str) -> str:
    for prefix, kind in PROVINCE_KINDS.items():
        if full_name.startswith(prefix + " "):
            return kind
    raise SystemExit(f"unknown province kind: {full_name}")


def district_kind(kind_label: str) -> str:
    try:
        return DISTRICT_KINDS[kind_label]
    except KeyError:
        raise SystemExit(f"unknown district kind: {kind_label}") from None


def commune_kind(kind_label: str) -> str:
    try:
        return COMMUNE_KINDS[kind_label]
    except KeyError:
        raise SystemExit(f"unknown commune kind: {kind_label}") from None


def extract(package_dir: Path) -> tuple[list[dict], list[dict]]:
    db = sqlite3.connect(package_dir / "data" / "dataset.db")
    converter = json.loads((package_dir / "data" / "converter_2025.json").read_text(encoding="utf-8"))

    # --- provinces of both eras -------------------------------------------------------------------
    new_provinces = {
        code: (name, short, key)
        for code, name, short, key in db.execute(
            "SELECT DISTINCT provinceCode, province, provinceShort, provinceKey FROM admin_units"
        )
    }
    old_provinces = {
        code: (name, short, key)
        for code, name, short, key in db.execute(
            "SELECT DISTINCT provinceCode, province, provinceShort, provinceKey FROM admin_units_legacy"
        )
    }
    # A province continues when its code and its name are kept; otherwise the code names another unit.
    continuing = {code for code, (name, _s, _k) in new_provinces.items() if old_provinces.get(code, (None,))[0] == name}

    units: list[dict] = []

    def add(code, valid_from, valid_to, level, kind, name, parent=None):
        units.append(
            {
                "code": code,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "level": level,
                "kind": kind,
                "name": name,
                "parent_code": parent[0] if parent else "",
                "parent_valid_from": parent[1] if parent else "",
            }
        )

    old_province_id = {}  # legacy province code -> (code, valid_from) of its row
    for code in sorted(old_provinces):
        name = old_provinces[code][0]
        if code in continuing:
            add(code, "", "", "tinh", province_kind(name), name)
        else:
            add(code, "", LEGACY_TO, "tinh", province_kind(name), name)
        old_province_id[code] = (code, "")
    new_province_id = {}
    for code in sorted(new_provinces):
        name = new_provinces[code][0]
        if code not in continuing:
            add(code, NEW_FROM, "", "tinh", province_kind(name), name)
            new_province_id[code] = (code, NEW_FROM)
        else:
            new_province_id[code] = (code, "")

    # --- legacy districts and communes ------------------------------------------------------------
    districts_seen = set()
    old_commune_by_key = {}
    old_district_by_key = {}
    rows = db.execute(
        "SELECT provinceCode, provinceKey, districtCode, district, districtType, districtKey,"
        " wardCode, ward, wardType, wardKey FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
    ).fetchall()
    for pcode, pkey, dcode, dname, dtype, dkey, wcode, wname, wtype, wkey in rows:
        if dcode not in districts_seen:
            districts_seen.add(dcode)
            add(dcode, "", LEGACY_TO, "huyen", district_kind(dtype), dname, old_province_id[pcode])
        old_district_by_key[f"{pkey}_{dkey}_"] = (dcode, "")
        if wcode is None:  # island districts without communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo)
            continue
        add(wcode, "", LEGACY_TO, "xa", commune_kind(wtype), wname, (dcode, ""))
        old_commune_by_key[f"{pkey}_{dkey}_{wkey}"] = (wcode, "")

    # --- communes since 1/7/2025 ------------------------------------------------------------------
    new_commune_by_key = {}
    rows = db.execute(
        "SELECT provinceCode, provinceKey, wardCode, ward, wardType, wardKey FROM admin_units ORDER BY provinceCode, wardCode"
    ).fetchall()
    for pcode, pkey, wcode, wname, wtype, wkey in rows:
        add(wcode, NEW_FROM, "", "xa", commune_kind(wtype), wname, new_province_id[pcode])
        new_commune_by_key[(pkey, wkey)] = (wcode, NEW_FROM)

    # --- successions ------------------------------------------------------------------------------
    successions: dict[tuple, bool] = {}

    def link(old, new, partial):
        if old == new:  # a continuing province is its own successor: no row
            return
        key = (old, new)
        successions[key] = successions.get(key, False) or partial

    province_by_key_new = {key: code for code, (_n, _s, key) in new_provinces.items()}
    province_by_key_old = {key: code for code, (_n, _s, key) in old_provinces.items()}
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        new = new_province_id[province_by_key_new[new_key]]
        for old_key in old_keys:
            link(old_province_id[province_by_key_old[old_key]], new, False)

    def old_unit(full_key: str):
        if full_key in old_commune_by_key:
            return old_commune_by_key[full_key]
        if full_key in old_district_by_key:  # a district without communes became a đặc khu
            return old_district_by_key[full_key]
        raise SystemExit(f"unknown legacy unit key: {full_key}")

    for new_pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, old_keys in wards.items():
            new = new_commune_by_key[(new_pkey, new_wkey)]
            for old_key in old_keys:
                link(old_unit(old_key), new, False)
    for new_pkey, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            for target in targets:
                link(old_unit(old_key), new_commune_by_key[(new_pkey, target["newWardKey"])], len(targets) > 1)

    succession_rows = [
        {
            "old_code": old[0],
            "old_valid_from": old[1],
            "new_code": new[0],
            "new_valid_from": new[1],
            "partial": "1" if partial else "0",
        }
        for (old, new), partial in sorted(successions.items())
    ]
    return units, succession_rows


EXPECTED = {  # (level, era) -> count of the official lists of 1/7/2025 (NQ 202/2025/QH15 and the package)
    ("tinh", "new"): 34,
    ("xa", "new"): 3321,
    ("tinh", "legacy"): 63,
    ("huyen", "legacy"): 696,
    ("xa", "legacy"): 10035,
}


def count_units(units: list[dict]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for u in units:
        eras = []
        if u["valid_from"] == "" or u["valid_from"] <= NEW_FROM:
            if u["valid_to"] == "" or u["valid_to"] >= NEW_FROM:
                eras.append("new")
        if u["valid_from"] == "" and (u["valid_to"] == "" or u["valid_to"] >= LEGACY_TO):
            eras.append("legacy")
        for era in eras:
            counts[(u["level"], era)] = counts.get((u["level"], era), 0) + 1
    return counts


def check_counts(units: list[dict]) -> None:
    counts = count_units(units)
    wrong = {k: (counts.get(k, 0), v) for k, v in EXPECTED.items() if counts.get(k, 0) != v}
    if wrong:
        raise SystemExit(f"unexpected counts (found, expected): {wrong}")


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_attribution(path: Path, dist_info: Path) -> None:
    licence_files = sorted(dist_info.glob("licenses/*")) or sorted(dist_info.glob("LICENSE*"))
    if not licence_files:
        raise SystemExit(f"no licence file in {dist_info}")
    licence = licence_files[0].read_text(encoding="utf-8").strip()
    meta = {}
    for line in (dist_info / "METADATA").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(": ")
        meta.setdefault(key, value)
    path.write_text(
        f"""# Nguồn dữ liệu đơn vị hành chính

`units.csv` và `successions.csv` được trích (một lần, bằng `scripts/extract_units.py`) từ gói PyPI
**{meta.get('Name', PACKAGE)} {meta.get('Version', VERSION)}** ({meta.get('Summary', '')}),
tác giả **{meta.get('Author', '')}** <{meta.get('Author-email', '')}>, {meta.get('Home-page', '')}.
Các tệp đã dùng: `data/dataset.db` (bảng `admin_units`, `admin_units_legacy`) và `data/converter_2025.json`.

cchc không nhập (import) gói này khi chạy: gói phụ thuộc `unidecode` (giấy phép GPL). Chỉ dữ liệu được
trích lại dưới dạng CSV; mã nguồn của gói không được sao chép.

- 34 tỉnh, thành phố và 3.321 xã, phường, đặc khu có hiệu lực từ 1/7/2025;
- 63 tỉnh, thành phố, 696 đơn vị cấp huyện và 10.035 xã, phường, thị trấn có hiệu lực đến 30/6/2025;
- bảng kế thừa cũ → mới (`partial` = 1 khi chỉ một phần đơn vị cũ nhập vào đơn vị mới).

## Giấy phép của dữ liệu nguồn (nguyên văn trong siêu dữ liệu gói)

```
{licence}
```
""",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-dir", type=Path, help="an unpacked vietnamadminunits package directory")
    parser.add_argument("--dist-info", type=Path, help="its .dist-info directory (default: next to --package-dir)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--any-counts", action="store_true", help="do not insist on the official 34/3,321/63/696/10,035")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cchc-units-") as tmp:
        if args.package_dir:
            package_dir = args.package_dir
            dist_info = args.dist_info or next(package_dir.parent.glob(f"{PACKAGE}-*.dist-info"))
        else:
            package_dir, dist_info = install_package(Path(tmp))
        units, successions = extract(package_dir)
        if not args.any_counts:
            check_counts(units)
        args.out.mkdir(parents=True, exist_ok=True)
        write_csv(args.out / "units.csv", UNIT_COLUMNS, units)
        write_csv(args.out / "successions.csv", SUCCESSION_COLUMNS, successions)
        write_attribution(args.out / "ATTRIBUTION.md", dist_info)
    print(f"{len(units)} units, {len(successions)} successions written to {args.out}")


if __name__ == "__main__":
    main()
