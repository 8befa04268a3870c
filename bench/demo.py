"""Benchmark of `cchc demo`: a fresh database, N dossiers, timings.

    .venv/bin/python bench/demo.py --dossiers 100000                      # SQLite file in a temp dir
    .venv/bin/python bench/demo.py --dossiers 20000 --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/demo.py --dossiers 2000 --via-service 2000     # every dossier through the service functions
    .venv/bin/python bench/demo.py --dossiers 2000 --profile               # cProfile of the whole run

The first --via-service dossiers (default: as `cchc demo`) go through cchc.dossiers.service, the
others through the bulk backfill (cchc.dossiers.backfill). On PostgreSQL the run gets its own schema,
dropped afterwards; the temporary directory goes too, unless --keep. Prints wall-clock and CPU
seconds of the setup (official lists, agencies, procedures, officers) and of the dossiers,
dossiers/second, and the load average.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from cchc import db as cchc_db
from cchc.db import Base, make_engine
from cchc.models import import_all_models


def generator_defaults():
    from cchc.synth.generator import DemoOptions

    return DemoOptions()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--province", default="44")
    parser.add_argument("--today", default="2026-11-20")
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--batch", type=int, default=generator_defaults().batch)
    parser.add_argument("--via-service", type=int, default=generator_defaults().via_service,
                        help="dossiers played through the service functions before the bulk backfill takes over")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (SQLite file, stored files)")
    args = parser.parse_args()

    import_all_models()
    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    os.environ.setdefault("CCHC_FILES_DIR", str(tmp / "files"))
    schema = None
    if args.database:
        url = args.database
        schema = f"bench_demo_{uuid.uuid4().hex[:8]}"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
        engine = make_engine(url)
    Base.metadata.create_all(engine)
    cchc_db.set_engine(engine)

    from cchc import config
    from cchc.synth import generator

    object.__setattr__(config.settings, "files_dir", tmp / "files")
    options = generator.DemoOptions(dossiers=args.dossiers, seed=args.seed, province=args.province,
                                    today=date.fromisoformat(args.today), batch=args.batch, via_service=args.via_service)
    marks: dict[str, float] = {}

    def progress(label: str, done: int, total: int) -> None:
        if label == "Hồ sơ" and "dossiers_cpu" not in marks:
            marks["dossiers_cpu"] = time.process_time()
        if label == "Hồ sơ" and done % max(1, total // 10) == 0:
            print(f"  {done}/{total} hồ sơ, {time.perf_counter() - start:.1f} s", file=sys.stderr)

    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    try:
        with Session(engine, expire_on_commit=False) as session:
            if profiler:
                profiler.enable()
            result = generator.run_demo(session, options, progress=progress)
            if profiler:
                profiler.disable()
        cpu_end = time.process_time()
        cpu_d = cpu_end - marks.get("dossiers_cpu", cpu_end)
        n = result.dossiers
        s = result.summary
        print(f"database: {engine.dialect.name}; province {args.province}; seed {args.seed}; today {args.today}; "
              f"{min(args.via_service, n)} dossiers through the service, {max(n - args.via_service, 0)} in bulk")
        print(f"setup (lists, agencies, {s['procedures']} procedures, {s['officers']} officers): "
              f"{result.seconds_setup:.1f} s wall")
        print(f"dossiers: {n} in {result.seconds_dossiers:.1f} s wall, {cpu_d:.1f} s CPU "
              f"-> {n / result.seconds_dossiers:.1f} dossiers/s wall, {n / cpu_d if cpu_d else 0:.1f} dossiers/s CPU; "
              f"{s['events']} events")
        print(f"on-time {s['on_time_rate']:.2f}%; by state {s['by_state']}")
        print(f"reform work (tasks, registers, narratives, reports sent up): {result.seconds_reform:.1f} s wall")
        print(f"load average: {os.getloadavg()}")
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    finally:
        cchc_db.set_engine(None)
        engine.dispose()
        if schema is not None:
            admin = make_engine(args.database)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)  # 100.000 dossiers make a 330 MB SQLite file


if __name__ == "__main__":
    main()
