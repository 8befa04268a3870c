"""Benchmark of the documents (issue 13 item 3): Mẫu 01 at the counter as PDF, and the whole `cchc report` command
as DOCX and PDF for the province of the 1M bench data, the warm LibreOffice against the cold one.

    .venv/bin/python bench/documents.py                       # both parts, SQLite
    .venv/bin/python bench/documents.py --part report --db postgresql \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/documents.py --part form --repeat 20

form    A demo province of a few dossiers (cchc.synth, a new SQLite file in a temporary directory); Mẫu 01 of
        one received dossier built (dossiers.forms.build_dossier_form), saved and converted by cchc.pdf.docx_to_pdf,
        as the counter's page does: --repeat times through a warm LibreOffice kept by this process (started and
        waited for first, as `cchc serve` does at start), then 3 times cold (soffice --convert-to).
report  `cchc report --unit <province> --period 2024-Q3 --format docx|pdf` in a fresh process each time (imports,
        figures, charts, the document, the conversion): wall time and the CPU of the command and its children.
        The PDF twice: with a warm LibreOffice listening (kept by this script; the command converts through it)
        and cold (CCHC_PDF_CONVERTER=cold). SQLite: a copy of bench/results/stats_1000000.db (the command's engine
        sets WAL on the file it opens; the shared file is never opened); PostgreSQL: the schema bench_stats_<rows>
        (read only).

The machine is shared with other work: each figure is printed with the load average before and after, and
appended to bench/results/documents.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import PERIOD, PROVINCE  # noqa: E402

from cchc import clock, pdf  # noqa: E402
from cchc.vn import fmt_decimal, fmt_int  # noqa: E402


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _free_port() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        if port < 65534:
            return port
    raise SystemExit("Không tìm được hai cổng trống liền nhau.")


def _start_warm() -> tuple[pdf.WarmOffice, float]:
    os.environ["CCHC_PDF_CONVERTER"] = "warm"
    os.environ["CCHC_PDF_PORT"] = str(_free_port())
    t0 = time.perf_counter()
    if not pdf.start_warm():
        raise SystemExit("LibreOffice chạy sẵn: cổng đã có tiến trình khác giữ.")
    office = pdf.warm_office()
    if not office.wait_ready(180):
        raise SystemExit("LibreOffice chạy sẵn không sẵn sàng sau 180 giây (python3-uno đã cài chưa?).")
    return office, time.perf_counter() - t0


def _group_cpu(pgid: int | None) -> float:
    """CPU seconds of the warm server's process group (unoserver and its LibreOffice), from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if pgid and int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _stats(seconds: list[float]) -> dict:
    return {"n": len(seconds), "median": round(statistics.median(seconds), 3), "min": round(min(seconds), 3),
            "max": round(max(seconds), 3)}


# ---- Mẫu 01 ---------------------------------------------------------------------------------------------------

def bench_form(repeat: int) -> dict:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from cchc import config
    from cchc import db as cchc_db
    from cchc.db import Base, make_engine
    from cchc.dossiers.forms import build_dossier_form
    from cchc.dossiers.models import Dossier
    from cchc.models import import_all_models
    from cchc.synth import generator

    import_all_models()
    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-forms-"))
    try:
        object.__setattr__(config.settings, "files_dir", tmp / "files")
        engine = make_engine(f"sqlite:///{tmp / 'demo.db'}")
        Base.metadata.create_all(engine)
        cchc_db.set_engine(engine)
        options = generator.DemoOptions(dossiers=20, seed=2025, today=date(2026, 11, 20))
        with Session(engine, expire_on_commit=False) as session:
            generator.run_demo(session, options)
        office, start_seconds = _start_warm()
        out: dict = {"part": "form", "warm_start_seconds": round(start_seconds, 2), "load_before": _load()}
        with Session(engine) as session:
            dossier = session.scalars(select(Dossier).where(Dossier.received_at.is_not(None)).order_by(Dossier.id).limit(1)).one()
            out["dossier"] = dossier.code

            def once(i: int) -> tuple[float, float, float]:
                t0, c0, s0 = time.perf_counter(), time.process_time(), _group_cpu(office.pid)
                doc = build_dossier_form(session, dossier, "01")
                docx_path = tmp / f"mau01-{i}.docx"
                doc.save(str(docx_path))
                pdf.docx_to_pdf(docx_path, tmp / f"mau01-{i}.pdf")
                return time.perf_counter() - t0, time.process_time() - c0, _group_cpu(office.pid) - s0

            before = office.conversions
            warm = [once(i) for i in range(repeat)]
            assert office.conversions == before + repeat, "không đi qua LibreOffice chạy sẵn"
            os.environ["CCHC_PDF_CONVERTER"] = "cold"
            cold = [once(1000 + i) for i in range(3)]
        out["warm_seconds"] = _stats([w for w, _, _ in warm])
        out["warm_cpu_this_process"] = _stats([c for _, c, _ in warm])
        out["warm_cpu_libreoffice"] = _stats([s for _, _, s in warm])
        out["cold_seconds"] = _stats([w for w, _, _ in cold])
        out["pages_bytes"] = (tmp / "mau01-0.pdf").stat().st_size
        out["load_after"] = _load()
        return out
    finally:
        pdf.stop_warm()
        cchc_db.set_engine(None)
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the report ------------------------------------------------------------------------------------------------

def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run_report(env: dict, fmt: str, out: Path) -> tuple[float, float]:
    cmd = [str(ROOT / ".venv" / "bin" / "cchc"), "report", "--unit", PROVINCE, "--period", PERIOD, "--format", fmt,
           "--out", str(out)]
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode != 0 or not out.exists():
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"cchc report --format {fmt} thất bại")
    return wall, cpu


def bench_report(db: str, url: str | None, rows: int, repeat: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-report-"))
    try:
        env = dict(os.environ)
        if db == "sqlite":
            source = RESULTS / f"stats_{rows}.db"
            if not source.exists():
                raise SystemExit(f"Chưa có dữ liệu bench: {source} (bench/stats.py --rows {rows} --db sqlite --generate-only)")
            copy = tmp / source.name
            shutil.copyfile(source, copy)
            env["CCHC_DATABASE_URL"] = f"sqlite:///{copy}"
        else:
            url = url or os.environ.get("CCHC_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            sep = "&" if "?" in url else "?"
            env["CCHC_DATABASE_URL"] = f"{url}{sep}options=-csearch_path%3Dbench_stats_{rows}"
        out: dict = {"part": "report", "db": db, "rows": rows, "unit": PROVINCE, "period": PERIOD, "load_before": _load()}
        office, start_seconds = _start_warm()
        out["warm_start_seconds"] = round(start_seconds, 2)
        env["CCHC_PDF_PORT"] = os.environ["CCHC_PDF_PORT"]
        _run_report({**env, "CCHC_PDF_CONVERTER": "cold"}, "md", tmp / "warmup.md")  # the file and the disk cache
        for fmt, converter in (("docx", "warm"), ("pdf", "warm"), ("pdf", "cold")):
            runs, server = [], []
            for i in range(repeat):
                s0 = _group_cpu(office.pid)
                runs.append(_run_report({**env, "CCHC_PDF_CONVERTER": converter}, fmt, tmp / f"bao-cao-{i}.{fmt}"))
                server.append(_group_cpu(office.pid) - s0)
            key = fmt if fmt == "docx" else f"pdf_{converter}"
            out[key] = {"wall": _stats([w for w, _ in runs]), "cpu": _stats([c for _, c in runs]),
                        "cpu_warm_libreoffice": _stats(server)}
        out["load_after"] = _load()
        return out
    finally:
        pdf.stop_warm()
        shutil.rmtree(tmp, ignore_errors=True)


def _print(r: dict) -> None:
    if r["part"] == "form":
        print(f"Mẫu 01 → PDF ({r['dossier']}), tải {fmt_decimal(r['load_before'])} → {fmt_decimal(r['load_after'])}; "
              f"LibreOffice chạy sẵn sau {fmt_decimal(r['warm_start_seconds'], 1)} s")
        w, c, lo, cold = r["warm_seconds"], r["warm_cpu_this_process"], r["warm_cpu_libreoffice"], r["cold_seconds"]
        print(f"  chạy sẵn: trung vị {fmt_decimal(w['median'], 3)} s (nhỏ nhất {fmt_decimal(w['min'], 3)}, lớn nhất "
              f"{fmt_decimal(w['max'], 3)}; {w['n']} lần), CPU: tiến trình {fmt_decimal(c['median'], 3)} s + LibreOffice "
              f"{fmt_decimal(lo['median'], 3)} s")
        print(f"  nguội:    trung vị {fmt_decimal(cold['median'], 3)} s (nhỏ nhất {fmt_decimal(cold['min'], 3)}, "
              f"lớn nhất {fmt_decimal(cold['max'], 3)})")
        return
    print(f"cchc report {r['db']} {fmt_int(r['rows'])} hồ sơ, {r['unit']} {r['period']}, "
          f"tải {fmt_decimal(r['load_before'])} → {fmt_decimal(r['load_after'])}")
    for key in ("docx", "pdf_warm", "pdf_cold"):
        w, c, lo = r[key]["wall"], r[key]["cpu"], r[key]["cpu_warm_libreoffice"]
        print(f"  {key:<9} trung vị {fmt_decimal(w['median'])} s (lớn nhất {fmt_decimal(w['max'])}), CPU lệnh "
              f"{fmt_decimal(c['median'])} s + LibreOffice chạy sẵn {fmt_decimal(lo['median'])} s")


def main() -> None:
    ap = argparse.ArgumentParser(description="Đo thời gian ra giấy tờ: Mẫu 01 dạng PDF, báo cáo DOCX/PDF.")
    ap.add_argument("--part", choices=["form", "report", "both"], default="both")
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--url", default=None)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=None, help="số lần đo (Mẫu 01: 10, báo cáo: 3)")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    if args.part in ("form", "both"):
        results.append(bench_form(args.repeat or 10))
    if args.part in ("report", "both"):
        results.append(bench_report(args.db, args.url, args.rows, args.repeat or 3))
    for r in results:
        r["at"] = clock.now().isoformat(timespec="seconds")
        with open(RESULTS / "documents.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        _print(r)


if __name__ == "__main__":
    main()
