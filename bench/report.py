"""Benchmark of a full report: `all_figures` and the DOCX report of the province (and one district).

    .venv/bin/python bench/report.py --rows 1000000 --db sqlite
    .venv/bin/python bench/report.py --rows 1000000 --db postgresql \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/report.py --rows 10000000 --db sqlite --scope province

Runs on the bench data of bench/stats.py (bench/results/stats_<rows>.db or the PostgreSQL schema
bench_stats_<rows>; generate them first with `bench/stats.py --rows N --db … --generate-only`).
Each scope (province, district) is measured in a fresh process, going through the same functions
as `cchc report --unit … --period 2024-Q3 --format docx` (reports.assembly.build_report, then
reports.output.write_report). The parts are timed by wrapping the functions the report calls:

    catalogue      stats.catalogue.catalogue_figures
    online         stats.online.online_figures (6.1–6.5, digitisation, PAKN)
    dossiers       stats.dossiers.dossier_figures (the period's buckets)
    index766       stats.index766.compute_index
    dossier_reads  stats.online.DossierPasses._read: the reads of the window's new and ended dossiers,
                   shared by online and index766 (inside whichever asks first: index766)
    reform_tasks   the CCHC registers and the assigned tasks
    all_figures    the whole of reports.figures.all_figures (the five above and their glue)
    trend          the dossier figures of the previous periods (assembly.default_trend)
    assemble       build_report without all_figures and the trend (narratives, Biểu mẫu, checks)
    charts         reports.charts.render_charts (matplotlib)
    docx           reports.docx.write (python-docx)

Each part has its wall time and this process's CPU time; on PostgreSQL also the server backend's
CPU time (read from /proc, the server runs on this machine). Peak RSS is the process's maximum
resident memory (resource.getrusage). Results are appended to bench/results/report.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The bench data and its connection come from bench/stats.py (names kept stable for this script).
from stats import DISTRICT, PERIOD, PROVINCE, RESULTS, _cpu, _engine, backend_cpu, measure_in_fresh_process  # noqa: E402

from cchc import clock  # noqa: E402

SCOPES = {"province": PROVINCE, "district": DISTRICT}
SQLITE_TUNING = ("PRAGMA mmap_size=8589934592", "PRAGMA cache_size=-262144")  # --sqlite-mmap


class Clock:
    """Wall, own CPU and (PostgreSQL) server-backend CPU per part; nested parts are kept apart."""

    def __init__(self, backend_pid: int | None):
        self.backend_pid = backend_pid
        self.parts: dict[str, dict] = {}

    def server_cpu(self) -> float:
        return backend_cpu(self.backend_pid) or 0.0

    def now(self) -> tuple[float, float, float]:
        return time.perf_counter(), _cpu(), self.server_cpu()

    def add(self, name: str, t0: tuple[float, float, float]) -> None:
        t1 = self.now()
        p = self.parts.setdefault(name, {"seconds": 0.0, "cpu_seconds": 0.0, "server_cpu_seconds": 0.0, "calls": 0})
        p["seconds"] += t1[0] - t0[0]
        p["cpu_seconds"] += t1[1] - t0[1]
        p["server_cpu_seconds"] += t1[2] - t0[2]
        p["calls"] += 1

    def wrap(self, module, attr: str, name: str) -> None:
        fn = getattr(module, attr, None)
        if fn is None:  # the function moved: the part is simply not reported
            return

        def timed(*args, **kwargs):
            t0 = self.now()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, t0)

        setattr(module, attr, timed)

    def rounded(self) -> dict:
        out = {}
        for name, p in self.parts.items():
            out[name] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in p.items()}
            if not self.backend_pid:
                out[name].pop("server_cpu_seconds")
        return out


def measure(db: str, url: str | None, rows: int, scope: str, sqlite_mmap: bool) -> dict:
    from sqlalchemy import event, text
    from sqlalchemy.orm import Session

    from cchc.models import import_all_models
    from cchc.periods import resolve_period
    from cchc.reports import assembly, charts, docx, output
    from cchc.reports import figures as figures_mod

    import_all_models()
    period = resolve_period(PERIOD)
    engine, where = _engine(db, url, rows)
    if db == "sqlite" and sqlite_mmap:
        event.listen(engine, "connect", lambda conn, _r: [conn.execute(x) for x in SQLITE_TUNING])
    code = SCOPES[scope]
    out = {"db": db, "rows": rows, "scope": scope, "unit": code, "period": period.key, "where": where,
           "sqlite_mmap": sqlite_mmap if db == "sqlite" else None,
           "at": clock.now().isoformat(timespec="seconds"), "load_average_before": round(os.getloadavg()[0], 2)}
    with Session(engine) as session:
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one() if db == "postgresql" else None
        timer = Clock(backend)
        timer.wrap(figures_mod, "catalogue_figures", "catalogue")
        timer.wrap(figures_mod, "online_figures", "online")
        timer.wrap(figures_mod, "dossier_figures", "dossiers")
        timer.wrap(figures_mod, "compute_index", "index766")
        timer.wrap(figures_mod, "_reform_and_tasks", "reform_tasks")
        if hasattr(figures_mod, "DossierPasses"):  # the reads of the window's dossiers shared by online and 766
            timer.wrap(figures_mod.DossierPasses, "_read", "dossier_reads")
        # assembly imports all_figures by name: its own binding is the one build_report calls.
        timer.wrap(assembly, "all_figures", "all_figures")
        timer.wrap(assembly, "default_trend", "trend")
        timer.wrap(charts, "render_charts", "charts")
        timer.wrap(docx, "write", "docx")
        t0 = timer.now()
        report = assembly.build_report(session, code, period)
        timer.add("build_report", t0)
        with tempfile.TemporaryDirectory(prefix="cchc-bench-") as tmp:
            t1 = timer.now()
            files = output.write_report(report, Path(tmp) / "bao_cao.docx", "docx")
            timer.add("write_report", t1)
            out["docx_bytes"] = files[0].stat().st_size
        timer.add("total", t0)
    engine.dispose()
    parts = timer.rounded()
    b, af, tr = parts.get("build_report", {}), parts.get("all_figures", {}), parts.get("trend", {})
    parts["assemble"] = {k: round(max(0.0, b.get(k, 0) - af.get(k, 0) - tr.get(k, 0)), 3) for k in b if k != "calls"}
    out["parts"] = parts
    d = report.figures["dossiers"]
    out["figures"] = {"received_total": d["received_total"], "in_progress_total": d["in_progress_total"],
                      "index766_total": report.figures["index766"]["total"],
                      "online_new": report.figures["online"]["full_online_dossiers"]["total"]}
    out["load_average_after"] = round(os.getloadavg()[0], 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _summary(r: dict) -> str:
    order = ("catalogue", "online", "dossiers", "index766", "dossier_reads", "reform_tasks", "all_figures", "trend",
             "assemble", "charts", "docx", "total")
    lines = [f"{r['db']} {r['rows']:,} hồ sơ, {r['scope']} ({r['unit']}), {r['period']}, tải {r['load_average_before']}"]
    for name in order:
        p = r["parts"].get(name)
        if p is None:
            continue
        server = f", máy chủ {p['server_cpu_seconds']:.2f} s CPU" if "server_cpu_seconds" in p else ""
        lines.append(f"  {name:<13} {p['seconds']:8.2f} s  (CPU {p['cpu_seconds']:.2f} s{server})")
    lines.append(f"  bộ nhớ đỉnh  {r['peak_rss_mb']} MB")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="Đo thời gian tính số liệu và viết báo cáo DOCX đầy đủ trên dữ liệu bench.")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--url", default=None, help="URL PostgreSQL (mặc định CCHC_BENCH_DATABASE_URL hoặc máy cục bộ)")
    ap.add_argument("--scope", choices=["province", "district", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=1, help="số lần đo mỗi phạm vi (mỗi lần một tiến trình mới)")
    ap.add_argument("--sqlite-mmap", action="store_true", help="SQLite: nâng mmap_size / cache_size như bench/stats.py")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.db, args.url, args.rows, args.scope, args.sqlite_mmap), ensure_ascii=False))
        return
    if args.db == "sqlite" and not (RESULTS / f"stats_{args.rows}.db").exists():
        raise SystemExit(f"Chưa có dữ liệu bench: chạy trước .venv/bin/python bench/stats.py --rows {args.rows} "
                         "--db sqlite --generate-only")
    scopes = ["province", "district"] if args.scope == "both" else [args.scope]
    RESULTS.mkdir(parents=True, exist_ok=True)
    for scope in scopes:
        for _ in range(args.repeat):
            cmd = [sys.executable, __file__, "--measure-only", "--rows", str(args.rows), "--db", args.db, "--scope", scope]
            if args.url:
                cmd += ["--url", args.url]
            if args.sqlite_mmap:
                cmd.append("--sqlite-mmap")
            print(_summary(measure_in_fresh_process(cmd, "report.jsonl")), flush=True)


if __name__ == "__main__":
    main()
