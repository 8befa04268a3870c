"""Benchmark: import of dossiers with DVCQG column names against a plain bulk load of the same file.

    .venv/bin/python bench/import_dossiers.py --rows 1000000 \
        --database sqlite --database postgresql+psycopg://postgres@127.0.0.1:5432/test [--export]

Writes a generated file of --rows dossiers in every state once (bench/results/dossiers_<rows>.<format>,
deterministic, reused when it exists unless --regenerate), then for each --database, side by side, each in
a fresh process (so that its peak memory, ru_maxrss, is its own):

- the reference: a plain bulk load of the same file into a bare table of the file's columns (all text, no
  index) — PostgreSQL: COPY … FROM STDIN (FORMAT csv) of the file's bytes; SQLite: csv.reader and one
  executemany in one transaction;
- cchc: a fresh database (SQLite file bench/results/import_dossiers.db, or a dedicated PostgreSQL schema
  dropped afterwards) with a province, an agency, a legacy district with communes, new communes and 60
  procedures, then cchc.interop.dossier_import.import_dossiers (check, stage, load; committed), the counts
  checked against the file, and with --export export_dossiers of everything back to a file.

It prints each timing, the ratio cchc / reference and the peak memory of each process, with the load.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cchc.db import Base, make_engine
from cchc.models import import_all_models
from cchc.vn import fmt_decimal, fmt_int
from cchc.interop.dossier_columns import EXPORT_COLUMNS
from cchc.interop.dossier_export import export_dossiers
from cchc.interop.dossier_import import import_dossiers

import_all_models()

from cchc.dossiers.models import Dossier, DossierEvent  # noqa: E402
from cchc.procedures.models import Field, Procedure  # noqa: E402
from cchc.units.models import Unit  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import backend_cpu  # noqa: E402 — bench/stats.py, shared with bench/report.py

RESULTS = Path(__file__).resolve().parent / "results"


def _n(x: float) -> str:
    return fmt_decimal(x, 1)

console = Console()


def _engine(url: str, purpose: str):
    """A fresh database: the SQLite file bench/results/<purpose>_dossiers.db, or a new PostgreSQL schema
    (dropped by _drop); (engine, admin engine or None, schema or None)."""
    if url.startswith("sqlite"):
        path = RESULTS / f"{purpose}_dossiers.db" if "///" not in url else Path(url.split("///", 1)[-1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}"), None, None
    schema = f"bench_{purpose}_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"}), admin, schema


def _setup(session: Session) -> tuple[list[str], list[str], list[str]]:
    """The units and procedures the generated file names; (legacy unit codes, current unit codes, procedure codes)."""
    def unit(code, name, level, kind, parent=None, valid_from=None, valid_to=None):
        u = Unit(code=code, name=name, level=level, kind=kind, parent=parent, valid_from=valid_from, valid_to=valid_to)
        session.add(u)
        session.flush()
        u.path = (parent.path if parent else "/") + f"{u.id}/"
        return u

    province = unit("000.00.00.H99", "Tỉnh Đo Kiểm", "tinh", "tinh")
    agency = unit("000.00.12.H99", "Sở Tư pháp", "tinh", "so", province)
    district = unit("000.00.20.H99", "UBND huyện Cũ", "huyen", "ubnd", province, valid_to=date(2025, 6, 30))
    legacy = [agency, district] + [
        unit(f"000.{i:02d}.20.H99", f"UBND xã Cũ {i}", "xa", "ubnd", district, valid_to=date(2025, 6, 30)) for i in range(1, 21)
    ]
    current = [agency] + [
        unit(f"000.{i:02d}.30.H99", f"UBND xã Mới {i}", "xa", "ubnd", province, valid_from=date(2025, 7, 1)) for i in range(1, 21)
    ]
    field = Field(code="HT", name="Hộ tịch")
    session.add(field)
    codes = []
    for i in range(60):
        code = f"1.{1000 + i:06d}"
        session.add(Procedure(code=code, name=f"Thủ tục {i}", field=field, time_amount=Decimal(5), time_unit="ngay_lam_viec"))
        codes.append(code)
    session.commit()
    return [u.code for u in legacy], [u.code for u in current], codes


# The codes _setup creates, for writing the file without a database.
LEGACY = ["000.00.12.H99", "000.00.20.H99"] + [f"000.{i:02d}.20.H99" for i in range(1, 21)]
CURRENT = ["000.00.12.H99"] + [f"000.{i:02d}.30.H99" for i in range(1, 21)]
PROCEDURES = [f"1.{1000 + i:06d}" for i in range(60)]


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y%m%d%H%M%S") if value else ""


def _rows(n: int, legacy: list[str], current: list[str], procedures: list[str], seed: int = 766):
    rnd = random.Random(seed)
    start = datetime(2024, 1, 2, 7, 30)
    span = (datetime(2025, 12, 31) - start).total_seconds()
    states = [10] * 60 + [9] * 8 + [4] * 12 + [2] * 3 + [5] * 4 + [6] * 2 + [3] * 3 + [7] * 2 + [8] * 1 + [1] * 5
    for i in range(n):
        received = start + timedelta(seconds=rnd.random() * span)
        received = received.replace(microsecond=0)
        units = legacy if received.date() <= date(2025, 6, 30) else current
        unit = units[rnd.randrange(len(units))]
        status = states[rnd.randrange(len(states))]
        due = received + timedelta(days=rnd.choice((1, 3, 5, 7, 15)))
        row = {c: "" for c in EXPORT_COLUMNS}
        row.update(
            MaHoSo=f"{unit}-{received:%y%m%d}-{i:06d}",
            MaTTHC=procedures[rnd.randrange(len(procedures))],
            MaDonViTiepNhan=unit,
            ChuHoSo=rnd.choice(("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thị Dung", "Công ty TNHH Ánh Dương")),
            KenhThucHien=rnd.choice(("1", "2", "2", "3")),
            TrangThaiHoSo=str(status),
            SoDinhDanh=f"{rnd.randrange(10**11, 10**12):012d}",
            DaSoHoaThanhPhan=str(int(rnd.random() < 0.93)),
            TaiKhoanDuocXacThucVoiVNeID=str(int(rnd.random() < 0.7)),
        )
        if status == 1:
            row["NgayNopHoSo"] = _stamp(received)
            yield row
            continue
        if status == 3 and rnd.random() < 0.5:
            row["NgayNopHoSo"] = _stamp(received)
            row["NgayTuChoi"] = _stamp(received + timedelta(hours=4))
            yield row
            continue
        row["NgayTiepNhan"] = _stamp(received)
        row["NgayHenTra"] = _stamp(due)
        if status == 5:
            row["NgayYeuCauBoSung"] = _stamp(received + timedelta(hours=20))
        elif status in (3, 7, 8, 9, 10):
            end = received + timedelta(seconds=(due - received).total_seconds() * rnd.uniform(0.2, 1.03))
            row["NgayKetThucXuLy"] = _stamp(end)
            if status == 10:
                row["NgayTra"] = _stamp(end + timedelta(hours=rnd.randrange(1, 48)))
                row["CoKetQuaDienTu"] = str(int(rnd.random() < 0.9))
        yield row


def _write(path: Path, rows) -> None:
    fmt = path.suffix[1:]
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
            w.writeheader()
            w.writerows(rows)
    elif fmt == "json":
        path.write_text(json.dumps(list(rows), ensure_ascii=False), encoding="utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("HoSo")
        ws.append(list(EXPORT_COLUMNS))
        for r in rows:
            ws.append([r[c] for c in EXPORT_COLUMNS])
        wb.save(path)


def _backend_pid(session: Session) -> int | None:
    """The PostgreSQL backend serving this session's transaction (None on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.execute(text("SELECT pg_backend_pid()")).scalar()


class _Phases:
    """A progress callable that remembers when each phase started and ended (no bar: the child's output is read)."""

    def __init__(self):
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    def __call__(self, description: str, done: int, total: int | None) -> None:
        now = time.perf_counter()
        self.started.setdefault(description, now)
        self.ended[description] = now


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reference(url: str, path: Path) -> dict:
    """A plain bulk load of the file into a bare table of its columns (text, no index), committed."""
    with path.open(encoding="utf-8", newline="") as fh:
        columns = next(csv.reader(fh))
    engine, admin, schema = _engine(url, "reference")
    try:
        table = "bare_dossiers"
        ddl = f"CREATE TABLE {table} ({', '.join(f'{c} TEXT' for c in columns)})"
        with engine.connect() as conn:
            conn.exec_driver_sql(ddl)
            conn.commit()
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() if admin is not None else None
            server0 = backend_cpu(backend)
            t0, cpu0 = time.perf_counter(), time.process_time()
            raw = conn.connection.dbapi_connection
            if admin is not None:
                with raw.cursor() as cursor, path.open("rb") as fh:
                    with cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy:
                        while block := fh.read(1 << 20):
                            copy.write(block)
            else:
                insert = f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})"
                with path.open(encoding="utf-8", newline="") as fh:
                    reader = csv.reader(fh)
                    next(reader)
                    raw.cursor().executemany(insert, reader)  # sqlite3 opens the transaction itself
            raw.commit()
            t1, cpu1 = time.perf_counter(), time.process_time()
            server1 = backend_cpu(backend)
            peak = _peak_mb()  # before counting: SQLite's count reads the table through its memory map
            rows = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
    finally:
        _drop(engine, admin, schema)
    return {"seconds": t1 - t0, "cpu": cpu1 - cpu0, "server_cpu": _delta(server0, server1), "rows": rows,
            "peak_mb": peak}


def _import(url: str, path: Path, rows: int, export: bool) -> dict:
    """cchc's import of the file into a fresh database, committed, its counts checked (then the export, if asked)."""
    engine, admin, schema = _engine(url, "import")
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            _setup(session)
        with Session(engine) as session:
            phases = _Phases()
            backend = _backend_pid(session)
            server0 = backend_cpu(backend)
            t0, cpu0 = time.perf_counter(), time.process_time()
            result = import_dossiers(session, path, progress=phases)
            t1 = time.perf_counter()
            session.commit()
            t2, cpu2 = time.perf_counter(), time.process_time()
            server2 = backend_cpu(backend)
            peak = _peak_mb()  # before counting and exporting, which read every row back
            imported = session.execute(select(func.count()).select_from(Dossier)).scalar_one()
            events = session.execute(select(func.count()).select_from(DossierEvent)).scalar_one()
            assert imported == result["dossiers"] == rows == events, (imported, events, result)
            exported = None
            if export:
                t3 = time.perf_counter()
                assert export_dossiers(session, RESULTS / f"export_{rows}{path.suffix}") == rows
                exported = time.perf_counter() - t3
    finally:
        _drop(engine, admin, schema)
    check = phases.ended.get("Kiểm tra dữ liệu", t0) - t0
    return {"seconds": t2 - t0, "check": check, "load": t1 - t0 - check, "commit": t2 - t1, "cpu": cpu2 - cpu0,
            "server_cpu": _delta(server0, server2), "rows": imported, "export": exported, "peak_mb": peak}


def _delta(before: float | None, after: float | None) -> float | None:
    return after - before if before is not None and after is not None else None


def _drop(engine, admin, schema) -> None:
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _child(kind: str, url: str, path: Path, rows: int, export: bool) -> dict:
    """Run one measurement in a fresh process and read its result (a JSON line)."""
    command = [sys.executable, __file__, "--child", kind, "--database", url, "--file", str(path), "--rows", str(rows)]
    if export:
        command.append("--export")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _s(x: float | None) -> str:
    return "–" if x is None else _n(x) + " s"


def _cpu_total(result: dict) -> float:
    """CPU seconds of the process and of its PostgreSQL backend: what a load of other processes does not inflate."""
    return result["cpu"] + (result["server_cpu"] or 0)


def _cpu(result: dict) -> str:
    if result["server_cpu"] is None:
        return _s(result["cpu"])
    return f"{_s(_cpu_total(result))} (tiến trình {_s(result['cpu'])}, máy chủ CSDL {_s(result['server_cpu'])})"


def _ratio(a: float, b: float) -> str:
    return f"{fmt_decimal(a / b, 2)}×"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database", action="append", default=None,
                        help="sqlite (a fresh file in bench/results/) or a PostgreSQL SQLAlchemy URL; repeat for both")
    parser.add_argument("--format", default="csv", choices=("csv", "xlsx", "json"))
    parser.add_argument("--regenerate", action="store_true", help="write the generated file again even if it exists")
    parser.add_argument("--export", action="store_true", help="also time the export of everything back to a file")
    parser.add_argument("--child", choices=("reference", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    databases = args.database or ["sqlite"]

    if args.child:
        measure = _reference if args.child == "reference" else _import
        extra = () if args.child == "reference" else (args.rows, args.export)
        print(json.dumps(measure(databases[0], Path(args.file), *extra)))
        return 0

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"dossiers_{args.rows}.{args.format}"
    if args.regenerate or not path.exists():  # deterministic: same rows, same unit codes
        t = time.perf_counter()
        _write(path, _rows(args.rows, LEGACY, CURRENT, PROCEDURES))
        console.print(f"Tệp thử: {path.name} ({_n(path.stat().st_size / 1e6)} MB), sinh trong {_n(time.perf_counter() - t)} s")
    measured = []
    for url in databases:
        load0 = os.getloadavg()[0]
        reference = _child("reference", url, path, args.rows, False) if args.format == "csv" else None
        mine = _child("import", url, path, args.rows, args.export)
        load1 = os.getloadavg()[0]
        name = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        measured.append({"database": name, "rows": args.rows, "load": [load0, load1], "reference": reference, "cchc": mine})
        console.print(
            f"[bold]{name}[/], {fmt_int(args.rows)} hồ sơ ({args.format}), tải máy {_n(load0)} → {_n(load1)}:\n"
            + (f"  tham chiếu (nạp thẳng vào bảng trần): {_s(reference['seconds'])}; CPU {_cpu(reference)}; "
               f"bộ nhớ đỉnh {fmt_int(round(reference['peak_mb']))} MB\n" if reference else "")
            + f"  cchc: {_s(mine['seconds'])} (kiểm tra + đưa vào bảng tạm {_s(mine['check'])}, ghi {_s(mine['load'])}, "
            f"commit {_s(mine['commit'])}); CPU {_cpu(mine)}; {fmt_int(round(args.rows / mine['seconds']))} hồ sơ/s; "
            f"bộ nhớ đỉnh {fmt_int(round(mine['peak_mb']))} MB"
            + (f"; xuất {_s(mine['export'])}" if mine["export"] is not None else "")
            + (f"\n  tỉ lệ cchc / tham chiếu: thời gian {_ratio(mine['seconds'], reference['seconds'])}, "
               f"CPU {_ratio(_cpu_total(mine), _cpu_total(reference))}" if reference else "")
        )
    out = RESULTS / f"import_dossiers_{args.rows}.json"
    out.write_text(json.dumps(measured, indent=1))
    console.print(f"Số đo: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
