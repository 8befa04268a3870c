"""Benchmark: import (and export) of dossiers with DVCQG column names.

    .venv/bin/python bench/import_dossiers.py --rows 200000 [--database URL] [--format csv|xlsx|json]

It creates a fresh database (default: the SQLite file bench/results/import_dossiers.db; with
--database postgresql+psycopg://… a dedicated schema, dropped afterwards), a province with an agency,
a legacy district with communes and new communes, and 60 procedures; writes a generated file of
--rows dossiers in every state (bench/results/dossiers_<rows>.<format>, reused when it exists unless
--regenerate), then times
cchc.interop.dossier_import.import_dossiers (validation and writing, one transaction, committed) and
export_dossiers of everything back to a file, and prints the timings and the peak memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
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


def _engine(url: str | None):
    if url is None or url.startswith("sqlite"):
        path = RESULTS / "import_dossiers.db" if url is None else Path(url.split("///", 1)[-1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}"), None, None
    schema = f"bench_import_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"}), admin, schema


def _setup(session: Session) -> tuple[list[Unit], list[Unit], list[str]]:
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
    return legacy, current, codes


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y%m%d%H%M%S") if value else ""


def _rows(n: int, legacy: list[Unit], current: list[Unit], procedures: list[str], seed: int = 766):
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
            MaHoSo=f"{unit.code}-{received:%y%m%d}-{i:06d}",
            MaTTHC=procedures[rnd.randrange(len(procedures))],
            MaDonViTiepNhan=unit.code,
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
    """A progress callable that shows a Rich bar and remembers when each phase started and ended."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, int] = {}
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    def __call__(self, description: str, done: int, total: int | None) -> None:
        if description not in self.tasks:
            self.tasks[description] = self.progress.add_task(description, total=total)
            self.started[description] = time.perf_counter()
        self.progress.update(self.tasks[description], completed=done)
        if total is not None and done >= total:
            self.ended[description] = time.perf_counter()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a fresh SQLite file in bench/results/)")
    parser.add_argument("--format", default="csv", choices=("csv", "xlsx", "json"))
    parser.add_argument("--regenerate", action="store_true", help="write the generated file again even if it exists")
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    engine, admin, schema = _engine(args.database)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            legacy, current, procedures = _setup(session)
            path = RESULTS / f"dossiers_{args.rows}.{args.format}"
            if args.regenerate or not path.exists():  # deterministic: same rows, same unit codes
                t = time.perf_counter()
                _write(path, _rows(args.rows, legacy, current, procedures))
                console.print(f"Tệp thử: {path.name} ({_n(path.stat().st_size / 1e6)} MB), sinh trong {_n(time.perf_counter() - t)} s")

        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Session(engine) as session:
            with Progress(*columns, console=console) as progress:
                phases = _Phases(progress)
                backend = _backend_pid(session)
                server0 = backend_cpu(backend)
                t0, cpu0 = time.perf_counter(), time.process_time()
                result = import_dossiers(session, path, progress=phases)
                t1 = time.perf_counter()
                session.commit()
                t2, cpu2 = time.perf_counter(), time.process_time()
                server2 = backend_cpu(backend)
            imported = session.execute(select(func.count()).select_from(Dossier)).scalar_one()
            events = session.execute(select(func.count()).select_from(DossierEvent)).scalar_one()
            assert imported == result["dossiers"] == args.rows == events, (imported, events, result)

            out = RESULTS / f"export_{args.rows}.{args.format}"
            with Progress(*columns, console=console) as progress:
                t3 = time.perf_counter()
                exported = export_dossiers(session, out, progress=progress)
                t4 = time.perf_counter()
            assert exported == args.rows

        check = phases.ended.get("Kiểm tra dữ liệu", t0) - t0
        write = t1 - phases.started.get("Ghi vào cơ sở dữ liệu", t1)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        console.print(
            f"[bold]{engine.dialect.name}[/], {fmt_int(args.rows)} hồ sơ ({args.format}): nhập {_n(t2 - t0)} s "
            f"(đọc + kiểm tra {_n(check)} s, ghi {_n(write)} s, commit {_n(t2 - t1)} s; "
            f"{fmt_int(round(args.rows / (t2 - t0)))} hồ sơ/s; CPU của tiến trình {_n(cpu2 - cpu0)} s"
            + (f", của máy chủ CSDL {_n(server2 - server0)} s" if server0 is not None and server2 is not None else "")
            + "); "
            f"xuất {_n(t4 - t3)} s; bộ nhớ đỉnh {fmt_int(round(peak_mb))} MB; tải máy {_n(os.getloadavg()[0])}"
        )
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
