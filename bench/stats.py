"""Benchmark of the dossier figures: 1M / 10M dossiers on SQLite and PostgreSQL.

    .venv/bin/python bench/stats.py --rows 1000000 --db sqlite
    .venv/bin/python bench/stats.py --rows 10000000 --db postgresql \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/test

Dossiers are generated inside the database (SQLite recursive CTE, PostgreSQL generate_series) into
a separate database — bench/results/stats_<rows>.db (git-ignored) or the PostgreSQL schema
bench_stats_<rows> — once; later runs reuse them (--regenerate to rebuild). Then a fresh process
times `cchc.stats.dossiers.dossier_figures` for the province and for one district over a quarter,
and reports its peak memory (resource.getrusage). Results are appended to bench/results/stats.jsonl.

The data: a province with 20 agencies and 10 districts of 15 communes (181 units), 120 procedures,
dossiers received over 2022–2024 (evenly, in row order as a real table fills), each ended 0–40 days after receipt unless that is after
the end of the data (then still open); 1% are stuck open; 4% refused, withdrawn or stopped;
60% online; a tenth of the resolved ones late; some wait for or went through a supplement.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "src"))

from cchc import clock  # noqa: E402
from cchc.db import Base, make_engine  # noqa: E402
from cchc.models import import_all_models  # noqa: E402
from cchc.stats import daily  # noqa: E402

DATA_START = datetime(2022, 1, 1)
DATA_END = datetime(2024, 12, 31, 23, 59, 59)
SPAN = int((DATA_END - DATA_START).total_seconds())
CHUNK = 500_000
PROVINCE = "000.00.00.B01"
DISTRICT = "000.00.03.B01"
PERIOD = "2024-Q3"


def _engine(db: str, url: str | None, rows: int) -> tuple[Engine, str]:
    if db == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"stats_{rows}.db"
        return make_engine(f"sqlite:///{path}"), str(path)
    url = url or os.environ.get("CCHC_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"bench_stats_{rows}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"}), f"{url} schema {schema}"


# ---- generation --------------------------------------------------------------------------------

def _units_and_procedures(conn) -> tuple[int, int]:
    units = [(1, PROVINCE, "Tỉnh Bench", None, "tinh", "tinh", True, "/1/")]
    uid = 1
    for a in range(20):
        uid += 1
        units.append((uid, f"000.10.{a:02d}.B01", f"Sở số {a + 1}", 1, "tinh", "so", False, f"/1/{uid}/"))
    for h in range(10):
        uid += 1
        hid = uid
        units.append((hid, f"000.00.{h:02d}.B01", f"Huyện số {h + 1}", 1, "huyen", "huyen", True, f"/1/{hid}/"))
        for x in range(15):
            uid += 1
            units.append((uid, f"000.{h + 20:02d}.{x:02d}.B01", f"Xã số {h + 1}.{x + 1}", hid, "xa", "xa", True, f"/1/{hid}/{uid}/"))
    conn.execute(
        text(
            "INSERT INTO units (id, code, name, name_key, parent_id, level, kind, is_area, path, source) "
            "VALUES (:id, :code, :name, '', :parent, :level, :kind, :area, :path, 'bench')"
        ),
        [dict(id=u[0], code=u[1], name=u[2], parent=u[3], level=u[4], kind=u[5], area=u[6], path=u[7]) for u in units],
    )
    online = ["toan_trinh", "mot_phan", "khong"]
    levels = ["tinh", "huyen", "xa", "huyen,xa"]
    conn.execute(
        text(
            "INSERT INTO procedures (id, code, name, name_key, levels, agency_name, time_amount, time_unit, "
            "online_level, eligible_full_online, paper_result, interconnection, has_fee, fee_online_integrated, "
            "subject, where_to_submit, requirements, legal_basis, result_name, active) VALUES (:id, :code, :name, '', "
            ":levels, '', 10, 'ngay_lam_viec', :online, :eligible, true, 'khong', :fee, :fee, 'ca_nhan', '', '', '', '', true)"
        ),
        [
            dict(id=i, code=f"1.{i:06d}", name=f"Thủ tục {i}", levels=levels[i % 4], online=online[i % 3],
                 eligible=i % 2 == 0, fee=i % 5 == 0)
            for i in range(1, 121)
        ],
    )
    return len(units), 120


def _insert_dossiers_sql(dialect: str, table, n_units: int, n_procs: int, lo: int, hi: int, rows: int) -> str:
    """INSERT … SELECT generating dossiers lo..hi inside the database; every NOT NULL column filled."""
    if dialect == "sqlite":
        series = f"WITH RECURSIVE s(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM s WHERE i < {hi}) SELECT i FROM s"

        def ts(base_expr: str) -> str:  # seconds since DATA_START → 'YYYY-MM-DD HH:MM:SS.000000'
            return f"(datetime('{DATA_START:%Y-%m-%d %H:%M:%S}', '+' || ({base_expr}) || ' seconds') || '.000000')"

        code = "'BENCH-' || printf('%09d', g.i)"
        true, false = "1", "0"
    else:
        series = f"SELECT i FROM generate_series({lo}::bigint, {hi}::bigint) AS i"

        def ts(base_expr: str) -> str:
            return f"(TIMESTAMP '{DATA_START:%Y-%m-%d %H:%M:%S}' + ({base_expr}) * INTERVAL '1 second')"

        code = "'BENCH-' || lpad(g.i::text, 9, '0')"
        true, false = "true", "false"
    # Pseudo-random but reproducible draws from the row number.
    h1 = "((g.i * 2654435761) % 4294967291)"
    h2 = "((g.i * 40503 + 12345) % 1000003)"
    h3 = "((g.i * 69069 + 1) % 999983)"
    # Received in row order (as a real table fills up), with a few minutes of jitter.
    rec = f"(((g.i - 1) * {SPAN}) / {rows} + ({h2} % 600))"
    dur = f"(3600 + ({h2} % 3456000))"  # 1 hour .. 40 days
    allowed = "(864000 + ({h3} % 5) * 172800)".format(h3=h3)  # 10–18 days
    ended_raw = f"({rec} + {dur})"
    stuck = f"({h3} % 100 = 0)"
    open_ = f"({ended_raw} > {SPAN} OR {stuck})"
    kind = f"({h2} % 100)"
    state = (
        f"CASE WHEN {open_} THEN (CASE WHEN {kind} < 10 THEN 'yeu_cau_bo_sung' ELSE 'dang_xu_ly' END) "
        f"WHEN {kind} < 2 THEN 'tu_choi' WHEN {kind} < 3 THEN 'rut_ho_so' WHEN {kind} < 4 THEN 'dung_xu_ly' "
        f"WHEN {kind} < 50 THEN 'da_xu_ly_xong' ELSE 'da_tra_ket_qua' END"
    )
    status = (
        f"CASE WHEN {open_} THEN (CASE WHEN {kind} < 10 THEN 5 ELSE 4 END) WHEN {kind} < 2 THEN 3 WHEN {kind} < 3 THEN 7 "
        f"WHEN {kind} < 4 THEN 8 WHEN {kind} < 50 THEN 9 ELSE 10 END"
    )
    timeliness = (
        f"CASE WHEN {open_} THEN NULL WHEN {dur} > {allowed} THEN 'qua_han' "
        f"WHEN {dur} > {allowed} - 86400 THEN 'dung_han' ELSE 'truoc_han' END"
    )
    supp_req = f"CASE WHEN {kind} < 10 THEN {ts(f'{rec} + 86400')} END"
    supp_done = f"CASE WHEN {kind} < 10 AND NOT {open_} THEN {ts(f'{rec} + 259200')} END"
    values = {
        "code": code,
        "procedure_id": f"(1 + ({h2} % {n_procs}))",
        "unit_id": "u.id",
        "level": "u.level",
        "channel": f"(CASE WHEN {kind} % 10 < 6 THEN 2 WHEN {kind} % 10 < 9 THEN 1 ELSE 3 END)",
        "state": state,
        "status_code": status,
        "applicant_name": "'Nguyễn Văn Bench'",
        "submitted_at": ts(rec),
        "received_at": ts(rec),
        "due_at": ts(f"{rec} + {allowed}"),
        "ended_at": f"CASE WHEN {open_} THEN NULL ELSE {ts(ended_raw)} END",
        "supplement_requested_at": supp_req,
        "supplemented_at": supp_done,
        "supplement_count": f"CASE WHEN {kind} < 10 THEN 1 ELSE 0 END",
        "supplement_seconds": f"CASE WHEN {kind} < 10 AND NOT {open_} THEN 172800 ELSE 0 END",
        "timeliness": timeliness,
        "fee_amount": f"CASE WHEN {h3} % 5 = 0 THEN 50000 ELSE 0 END",
        "paid_online": f"CASE WHEN {h3} % 5 = 0 AND {kind} % 10 < 6 THEN 1 ELSE 0 END",
        "components_digitized": f"CASE WHEN {h1} % 10 < 8 THEN {true} ELSE {false} END",
        "result_digitized": f"CASE WHEN {h1} % 10 < 7 THEN {true} ELSE {false} END",
        "created_at": ts(rec),
        "updated_at": ts(rec),
    }
    cols, exprs = [], []
    for col in table.columns:
        if col.primary_key:
            continue
        if col.name in values:
            cols.append(col.name)
            exprs.append(values[col.name])
        elif not col.nullable:
            default = col.default.arg if col.default is not None and not callable(col.default.arg) else None
            if default is None:
                raise SystemExit(f"Cột bắt buộc {col.name} của bảng dossiers chưa có giá trị sinh.")
            cols.append(col.name)
            if isinstance(default, bool):
                exprs.append(true if default else false)
            elif isinstance(default, (int, float)):
                exprs.append(str(default))
            else:
                exprs.append("'" + str(default).replace("'", "''") + "'")
    return (
        f"INSERT INTO dossiers ({', '.join(cols)}) SELECT {', '.join(exprs)} "
        f"FROM ({series}) AS g JOIN units u ON u.id = 1 + ({h1} % {n_units})"
    )


def generate(db: str, url: str | None, rows: int, regenerate: bool) -> None:
    import_all_models()
    engine, where = _engine(db, url, rows)
    with engine.connect() as conn:
        have = 0
        try:
            have = conn.execute(text("SELECT count(*) FROM dossiers WHERE code LIKE 'BENCH-%'")).scalar_one()
        except Exception:  # noqa: BLE001 - no table yet
            conn.rollback()
    if have == rows and not regenerate:
        print(f"Dữ liệu đã có: {rows:,} hồ sơ trong {where}")
        _ensure_day_counts(engine)
        return
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    table = Base.metadata.tables["dossiers"]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        daily.uninstall(conn)  # a bulk load: the day counts are computed once afterwards
        for idx in table.indexes:  # faster bulk load: indexes are built afterwards
            conn.execute(text(f'DROP INDEX IF EXISTS "{idx.name}"'))
        n_units, n_procs = _units_and_procedures(conn)
    from rich.progress import Progress

    with Progress() as progress:
        task = progress.add_task(f"Sinh {rows:,} hồ sơ ({db})", total=rows)
        for lo in range(1, rows + 1, CHUNK):
            hi = min(rows, lo + CHUNK - 1)
            with engine.begin() as conn:
                conn.execute(text(_insert_dossiers_sql(engine.dialect.name, table, n_units, n_procs, lo, hi, rows)))
            progress.update(task, advance=hi - lo + 1)
    t1 = time.perf_counter()
    with engine.begin() as conn:
        for idx in table.indexes:
            idx.create(conn)
        conn.execute(text("ANALYZE"))
    t2 = time.perf_counter()
    print(f"Sinh {rows:,} hồ sơ: {t1 - t0:.1f} s; tạo chỉ mục và ANALYZE: {t2 - t1:.1f} s ({where})")
    _ensure_day_counts(engine)


def _ensure_day_counts(engine: Engine) -> None:
    """The per-day counts (cchc.stats.daily) of data generated without them: computed once, triggers on."""
    from sqlalchemy import inspect

    table = Base.metadata.tables[daily.TABLE]
    have = {c["name"] for c in inspect(engine).get_columns(daily.TABLE)} if inspect(engine).has_table(daily.TABLE) else set()
    if have and have != {c.name for c in table.columns}:  # an older shape of the table: made again
        with engine.begin() as conn:
            daily.uninstall(conn)
            table.drop(conn)
    Base.metadata.create_all(engine, tables=[table])
    with engine.begin() as conn:
        filled = conn.execute(text(f"SELECT count(*) FROM {daily.TABLE}")).scalar_one()
        if filled and daily.installed(conn):
            return
        t0 = time.perf_counter()
        n = daily.rebuild(conn)
        daily.install(conn)
        conn.execute(text(f"ANALYZE {daily.TABLE}"))
    print(f"Bảng đếm theo ngày: {n:,} dòng tính từ hồ sơ trong {time.perf_counter() - t0:.1f} s")


# ---- measurement (in a fresh process) ----------------------------------------------------------

def measure_in_fresh_process(cmd: list[str], jsonl: str) -> dict:
    """Run `cmd` (this script or bench/report.py with --measure-only), whose last stdout line is a JSON
    result; append that line to bench/results/<jsonl> and return it. Stops on the child's error."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(proc.returncode)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / jsonl, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    return result


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds used so far by a local process (the PostgreSQL backend of a session), from /proc;
    None without a pid or when the process cannot be read (SQLite, a remote server)."""
    if not pid:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(db: str, url: str | None, rows: int, repeat: int, direct: bool) -> dict:
    """Time dossier_figures (wall and this process's CPU: on SQLite the query runs in-process):
    from the day counts, and with --direct also by counting the dossiers themselves."""
    from sqlalchemy.orm import Session

    from cchc.periods import resolve_period
    from cchc.stats.dossiers import dossier_figures

    import_all_models()
    period = resolve_period(PERIOD)
    out = {"db": db, "rows": rows, "period": period.key, "at": clock.now().isoformat(timespec="seconds"),
           "load_average": os.getloadavg()[0]}
    engine, where = _engine(db, url, rows)
    out["where"] = where
    for variant in ("day_counts", "direct") if direct else ("day_counts",):
        res = out.setdefault(variant, {})
        with Session(engine) as session:
            for label, code in (("province", PROVINCE), ("district", DISTRICT)):
                times, cpus = [], []
                figures = None
                for _ in range(repeat):
                    t0, c0 = time.perf_counter(), _cpu()
                    figures = dossier_figures(session, code, period.start, period.end, direct=variant == "direct")
                    times.append(time.perf_counter() - t0)
                    cpus.append(_cpu() - c0)
                res[label] = {
                    "unit": code,
                    "seconds_first": round(times[0], 3),
                    "seconds_min": round(min(times), 3),
                    "seconds_median": round(statistics.median(times), 3),
                    "cpu_seconds_min": round(min(cpus), 3),
                    "received_total": figures["received_total"],
                    "in_progress_total": figures["in_progress_total"],
                    "in_progress_overdue": figures["in_progress_overdue"],
                    "on_time_rate": figures["on_time_rate"],
                }
    with engine.connect() as conn:
        out["day_count_rows"] = conn.execute(text(f"SELECT count(*) FROM {daily.TABLE}")).scalar_one()
    engine.dispose()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="Đo thời gian tính số liệu hồ sơ trên 1 triệu / 10 triệu hồ sơ.")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--url", default=None, help="URL PostgreSQL (mặc định CCHC_BENCH_DATABASE_URL hoặc máy cục bộ)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--generate-only", action="store_true", help="chỉ sinh dữ liệu, không đo")
    ap.add_argument("--direct", action="store_true", help="đo thêm cách đếm trực tiếp từng hồ sơ (chậm) để so sánh")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.db, args.url, args.rows, args.repeat, args.direct), ensure_ascii=False))
        return
    generate(args.db, args.url, args.rows, args.regenerate)
    if args.generate_only:
        return
    cmd = [sys.executable, __file__, "--measure-only", "--rows", str(args.rows), "--db", args.db, "--repeat", str(args.repeat)]
    if args.url:
        cmd += ["--url", args.url]
    if args.direct:
        cmd.append("--direct")
    result = measure_in_fresh_process(cmd, "stats.jsonl")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
