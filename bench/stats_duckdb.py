"""`cchc stats` against DuckDB (issue 13 item 3): the whole command against a DuckDB script computing the same
buckets from the same dossiers.

    .venv/bin/pip install -e '.[bench]'                       # duckdb (benchmarks only)
    .venv/bin/python bench/stats_duckdb.py --db sqlite
    .venv/bin/python bench/stats_duckdb.py --db postgresql --url postgresql+psycopg://postgres@127.0.0.1:5432/test

The rows: the dossiers and units of the bench data of bench/stats.py (a copy of bench/results/stats_<rows>.db,
or the PostgreSQL schema bench_stats_<rows>, read only), exported once (CSV, then a DuckDB table) into
bench/results/duckdb_<db>_<rows>.duckdb — DuckDB reads neither SQLite nor PostgreSQL without extensions
downloaded from the network.

The DuckDB side is one SQL statement over the dossiers of the province's units (units.path), grouped by
receiving unit and level as cchc's direct count is, with every bucket of `cchc stats` written from the rules
of cchc.stats.rules (received, ended, channels, outcomes, overdue at the window's last instant with the supplement
rule). It runs as a command of its own (`--query-only`: python, duckdb, the statement; nothing of cchc imported),
against `cchc stats --unit <province> --period 2024-Q3 --format json`, each --repeat times in a fresh process,
alternately; both print the same totals (checked, else the run stops). The figures: median wall time and CPU
of each command (its process and children), their ratio, the load average before and after; appended to
bench/results/stats_duckdb.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

QUERY_ONLY = "--query-only" in sys.argv


def query_only() -> None:
    """The DuckDB command: open the file, run the statement, print the totals as JSON."""
    import duckdb

    path, sql_file = sys.argv[sys.argv.index("--query-only") + 1: sys.argv.index("--query-only") + 3]
    con = duckdb.connect(path, read_only=True)
    sql = open(sql_file, encoding="utf-8").read()
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    totals: dict[str, int] = {}
    for row in cur.fetchall():
        for k, v in zip(names, row):
            if k not in ("unit_id", "level"):
                totals[k] = totals.get(k, 0) + int(v or 0)
    print(json.dumps(totals))


if QUERY_ONLY:
    query_only()
    sys.exit(0)

import csv  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import PERIOD, PROVINCE  # noqa: E402

from cchc import clock  # noqa: E402
from cchc.periods import resolve_period  # noqa: E402
from cchc.vn import fmt_decimal, fmt_int  # noqa: E402
from cchc.stats import rules  # noqa: E402
from cchc.stats.dossiers import COUNT_KEYS, window  # noqa: E402

COLUMNS = ("unit_id", "level", "state", "channel", "received_at", "ended_at", "due_at", "timeliness",
           "supplement_requested_at", "supplemented_at")
TYPES = {"unit_id": "INTEGER", "level": "VARCHAR", "state": "VARCHAR", "channel": "INTEGER", "timeliness": "VARCHAR"}


def _q(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def buckets_sql(start, end) -> str:
    """Every leaf bucket of the window, per receiving unit and level, as cchc.stats.dossiers.bucket_conditions."""
    w = window(start, end)
    B, S, AT = (f"TIMESTAMP '{x:%Y-%m-%d %H:%M:%S}'" for x in (w.begin, w.stop, w.judged_at))
    terminal, resolved = _q(rules.TERMINAL), _q(rules.RESOLVED)
    online, postal, early, late = rules.ONLINE, rules.POSTAL, rules.EARLY, rules.LATE

    def not_ended_before(m: str) -> str:
        return f"(state NOT IN ({terminal}) OR ended_at IS NULL OR ended_at >= {m})"

    new = f"(received_at >= {B} AND received_at < {S})"
    ended_in = f"(state IN ({terminal}) AND ended_at IS NOT NULL AND ended_at >= {B} AND ended_at < {S})"
    res = f"(state IN ({resolved}))"
    in_progress = f"(received_at < {S} AND {not_ended_before(S)})"
    req, sup = "supplement_requested_at", "supplemented_at"
    waiting = f"({req} IS NOT NULL AND {req} < {S} AND ({sup} IS NULL OR {sup} >= {S}))"
    resumed = f"({req} IS NOT NULL AND {sup} IS NOT NULL AND {sup} < {S} AND {sup} >= {req})"
    overdue = (f"(due_at IS NOT NULL AND CASE WHEN {waiting} THEN (CASE WHEN due_at < {req} THEN 1 ELSE 0 END) "
               f"WHEN {resumed} THEN (CASE WHEN due_at + ({sup} - {req}) < {AT} THEN 1 ELSE 0 END) "
               f"ELSE (CASE WHEN due_at < {AT} THEN 1 ELSE 0 END) END = 1)")
    leaves = {
        "received_total": f"received_at < {S} AND ({new} OR {not_ended_before(B)})",
        "carried_over": f"received_at < {B} AND {not_ended_before(B)}",
        "new_online": f"{new} AND channel = {online}",
        "new_direct": f"{new} AND (channel IS NULL OR channel NOT IN ({online}, {postal}))",
        "new_postal": f"{new} AND channel = {postal}",
        "resolved_early": f"{ended_in} AND {res} AND timeliness = '{early}'",
        "resolved_on_time": f"{ended_in} AND {res} AND (timeliness IS NULL OR timeliness NOT IN ('{early}', '{late}'))",
        "resolved_late": f"{ended_in} AND {res} AND timeliness = '{late}'",
        "refused": f"{ended_in} AND state = 'tu_choi'",
        "withdrawn": f"{ended_in} AND state = 'rut_ho_so'",
        "stopped": f"{ended_in} AND state = 'dung_xu_ly'",
        "in_progress_within": f"{in_progress} AND NOT {overdue}",
        "in_progress_overdue": f"{in_progress} AND {overdue}",
    }
    assert rules.OUTCOMES.keys() <= leaves.keys()
    cols = ",\n  ".join(f"count_if({cond}) AS {k}" for k, cond in leaves.items())
    return (
        f"SELECT d.unit_id, d.level,\n  {cols}\n"
        f"FROM dossiers d JOIN units u ON u.id = d.unit_id\n"
        # the bench data's first district shares the province's code: the upper one is the province
        f"WHERE u.path LIKE (SELECT path FROM units WHERE code = '{PROVINCE}' ORDER BY length(path) LIMIT 1) || '%'\n"
        f"  AND d.state NOT IN ({_q(rules.NOT_RECEIVED)})\n"
        f"GROUP BY d.unit_id, d.level"
    )


def _compose(t: dict) -> dict:
    """The composite buckets from the leaves, as cchc.stats.dossiers._compose."""
    t = dict(t)
    t["new_total"] = t["new_online"] + t["new_direct"] + t["new_postal"]
    t["resolved_total"] = t["resolved_early"] + t["resolved_on_time"] + t["resolved_late"]
    t["resolved_in_time"] = t["resolved_early"] + t["resolved_on_time"]
    t["in_progress_total"] = t["in_progress_within"] + t["in_progress_overdue"]
    return {k: t[k] for k in COUNT_KEYS}


# ---- the rows, exported once ---------------------------------------------------------------------------------

def _export(db: str, url: str | None, rows: int, sqlite_copy: Path | None, target: Path) -> None:
    import duckdb

    with tempfile.TemporaryDirectory(prefix="cchc-duckdb-") as tmp:
        dossiers_csv, units_csv = Path(tmp) / "dossiers.csv", Path(tmp) / "units.csv"
        if db == "sqlite":
            import sqlite3

            con = sqlite3.connect(f"file:{sqlite_copy}?mode=ro", uri=True)
            for path, query in ((dossiers_csv, f"SELECT {', '.join(COLUMNS)} FROM dossiers"),
                                (units_csv, "SELECT id, code, path FROM units")):
                with open(path, "w", newline="", encoding="utf-8") as fh:
                    writer = csv.writer(fh)
                    cur = con.execute(query)
                    while batch := cur.fetchmany(100_000):
                        writer.writerows(batch)
            con.close()
        else:
            import psycopg

            schema = f"bench_stats_{rows}"
            with psycopg.connect(_libpq(url)) as con, con.cursor() as cur:
                for path, query in ((dossiers_csv, f'SELECT {", ".join(COLUMNS)} FROM "{schema}".dossiers'),
                                    (units_csv, f'SELECT id, code, path FROM "{schema}".units')):
                    with open(path, "wb") as fh, cur.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                        for data in copy:
                            fh.write(data)
        target.unlink(missing_ok=True)
        con = duckdb.connect(str(target))
        types = ", ".join(f"'{c}': '{TYPES.get(c, 'TIMESTAMP')}'" for c in COLUMNS)
        con.execute(f"CREATE TABLE dossiers AS SELECT * FROM read_csv('{dossiers_csv}', header=false, "
                    f"columns={{{types}}}, nullstr='')")
        con.execute(f"CREATE TABLE units AS SELECT * FROM read_csv('{units_csv}', header=false, "
                    "columns={'id': 'INTEGER', 'code': 'VARCHAR', 'path': 'VARCHAR'})")
        con.close()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# ---- the comparison ------------------------------------------------------------------------------------------

def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"thất bại: {' '.join(cmd[:4])} …")
    return wall, cpu, proc.stdout


def _med(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description="cchc stats so với một tập lệnh DuckDB tính cùng các nhóm số liệu.")
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--url", default=None, help="URL PostgreSQL (mặc định CCHC_BENCH_DATABASE_URL hoặc máy cục bộ)")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--reexport", action="store_true", help="xuất lại các dòng sang DuckDB")
    args = ap.parse_args()
    period = resolve_period(PERIOD)
    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-duckdb-"))
    try:
        env = dict(os.environ)
        sqlite_copy = None
        url = None
        if args.db == "sqlite":
            source = RESULTS / f"stats_{args.rows}.db"
            if not source.exists():
                raise SystemExit(f"Chưa có dữ liệu bench: {source} (bench/stats.py --rows {args.rows} --db sqlite --generate-only)")
            sqlite_copy = tmp / source.name  # the command's engine sets WAL on what it opens: never the shared file
            shutil.copyfile(source, sqlite_copy)
            env["CCHC_DATABASE_URL"] = f"sqlite:///{sqlite_copy}"
        else:
            url = args.url or os.environ.get("CCHC_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            sep = "&" if "?" in url else "?"
            env["CCHC_DATABASE_URL"] = f"{url}{sep}options=-csearch_path%3Dbench_stats_{args.rows}"
        target = RESULTS / f"duckdb_{args.db}_{args.rows}.duckdb"
        if args.reexport or not target.exists():
            t0 = time.perf_counter()
            _export(args.db, url, args.rows, sqlite_copy, target)
            print(f"Đã xuất các dòng sang {target} trong {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        sql_file = tmp / "buckets.sql"
        sql_file.write_text(buckets_sql(period.start, period.end), encoding="utf-8")
        cchc_cmd = [str(ROOT / ".venv" / "bin" / "cchc"), "stats", "--unit", PROVINCE, "--period", PERIOD, "--format", "json"]
        duck_cmd = [sys.executable, __file__, "--query-only", str(target), str(sql_file)]
        # once each first (the files into the page cache), and the same figures from both
        _, _, cchc_out = _timed(cchc_cmd, env)
        _, _, duck_out = _timed(duck_cmd, env)
        ours = json.loads(cchc_out)
        theirs = _compose(json.loads(duck_out))
        mismatch = {k: (ours[k], theirs[k]) for k in COUNT_KEYS if ours[k] != theirs[k]}
        if mismatch:
            raise SystemExit(f"Số liệu khác nhau (cchc, DuckDB): {mismatch}")
        load_before = round(os.getloadavg()[0], 2)
        runs: dict[str, list[tuple[float, float]]] = {"cchc": [], "duckdb": []}
        for _ in range(args.repeat):
            runs["cchc"].append(_timed(cchc_cmd, env)[:2])
            runs["duckdb"].append(_timed(duck_cmd, env)[:2])
        out = {"db": args.db, "rows": args.rows, "unit": PROVINCE, "period": PERIOD, "repeat": args.repeat,
               "received_total": ours["received_total"], "load_before": load_before}
        for name, xs in runs.items():
            out[name] = {"wall_median": _med([w for w, _ in xs]), "wall_min": round(min(w for w, _ in xs), 3),
                         "cpu_median": _med([c for _, c in xs])}
        out["ratio_wall"] = round(out["cchc"]["wall_median"] / out["duckdb"]["wall_median"], 2)
        out["ratio_cpu"] = round(out["cchc"]["cpu_median"] / out["duckdb"]["cpu_median"], 2)
        out["load_after"] = round(os.getloadavg()[0], 2)
        out["at"] = clock.now().isoformat(timespec="seconds")
        RESULTS.mkdir(parents=True, exist_ok=True)
        with open(RESULTS / "stats_duckdb.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(out, ensure_ascii=False) + "\n")
        c, d = out["cchc"], out["duckdb"]
        print(f"cchc stats so với DuckDB — {args.db} {fmt_int(args.rows)} hồ sơ, {PROVINCE} {PERIOD} "
              f"({fmt_int(ours['received_total'])} hồ sơ tiếp nhận), tải {fmt_decimal(out['load_before'])} → "
              f"{fmt_decimal(out['load_after'])}")
        for name, x in (("cchc stats", c), ("DuckDB", d)):
            print(f"  {name:<11} trung vị {fmt_decimal(x['wall_median'], 3)} s (nhỏ nhất {fmt_decimal(x['wall_min'], 3)}), "
                  f"CPU {fmt_decimal(x['cpu_median'], 3)} s")
        print(f"  tỷ lệ: {fmt_decimal(out['ratio_wall'])}× thời gian, {fmt_decimal(out['ratio_cpu'])}× CPU (mục tiêu ≤ 1,5×)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
