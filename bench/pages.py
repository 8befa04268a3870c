"""Benchmark of the pages an officer opens, at 1M dossiers: server time per request through the ASGI app.

    .venv/bin/python bench/pages.py --db sqlite
    .venv/bin/python bench/pages.py --db postgresql --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/pages.py --db sqlite --repeat 7 --only /thong-ke

Runs on the bench data of bench/stats.py (a province of 181 units, 1M dossiers over 2022–2024), signed in as
a reporting officer of the province (role bao_cao: the widest navigation), for the closed period 2024-Q3.
The application runs in this process (cchc.app.main.create_app behind Starlette's TestClient); each page is
requested `--repeat` times in a row and timed around the request (the server's whole work: routing, session,
queries, template). The first request of a page is the cold one (its figure cache empty, its queries not yet
in the database's cache) and is shown in brackets after the minimum of all.

The bench data is never written:
- SQLite: bench/results/stats_<rows>.db is copied once to bench/results/pages_<rows>.db (git-ignored), which
  gets the tables it lacks; its figure cache is emptied at the start of each run.
- PostgreSQL: a schema of its own, pages_<rows>, made again at each run, comes first in the search path; it
  holds every table a page writes (accounts, sessions, audit log, figure cache, cache tokens), the rest is read
  from bench_stats_<rows>.
Results are appended to bench/results/pages.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Signs this process's sessions only; set before cchc.config reads the environment (no default key exists).
os.environ.setdefault("CCHC_SECRET_KEY", secrets.token_hex(32))
# No page here converts to PDF: no LibreOffice kept warm beside the pages timed (cchc.pdf starts one with the app).
os.environ.setdefault("CCHC_PDF_CONVERTER", "cold")

from stats import PERIOD, PROVINCE, RESULTS  # noqa: E402

# Every table a page may write (the rest of the schema is only read).
WRITTEN = ("users", "auth_sessions", "login_attempts", "audit_log", "audit_head", "figure_cache",
           "figure_dossier_months", "figure_table_versions", "cache_generations")
NEXT_LINK = "next:"  # a page reached by the «next page» link of the page that follows this prefix
USERNAME, PASSWORD = "bench_baocao", "Bench-" + secrets.token_hex(8)


def pages(period: str) -> list[tuple[str, str]]:
    """(what, path) of every page a provincial reporting officer opens from the navigation, with the fragments
    and downloads of the figure pages."""
    q = f"ky={period}"
    return [
        ("Thống kê (trang)", f"/thong-ke?{q}"),
        ("  phần biểu đồ", f"/thong-ke/phan/bieu-do?{q}"),
        ("  phần xu hướng", f"/thong-ke/phan/xu-huong?{q}"),
        ("  phần chỉ số 766", f"/thong-ke/phan/chi-so-766?{q}"),
        ("  phần hài lòng", f"/thong-ke/phan/hai-long?{q}"),
        ("  phần liên thông", f"/thong-ke/phan/lien-thong?{q}"),
        ("Hồ sơ sau số liệu, trang 1", f"/thong-ke/ho-so?nhom=received_total&{q}"),
        ("Hồ sơ sau số liệu, trang 100", f"/thong-ke/ho-so?nhom=received_total&{q}&trang=100"),
        ("  trang 100 qua «Trang sau»", f"{NEXT_LINK}/thong-ke/ho-so?nhom=received_total&{q}&trang=99"),
        ("  XLSX trễ hạn", f"/thong-ke/ho-so.xlsx?nhom=resolved_late&{q}"),
        ("Báo cáo (trang)", f"/bao-cao?{q}"),
        ("  xem trước", f"/bao-cao/xem-truoc?{q}"),
        ("Gửi báo cáo", "/bao-cao-gui"),
        ("Tổng hợp", "/bao-cao-tong-hop"),
        ("Hồ sơ cần xử lý", "/can-bo"),
        ("Tìm kiếm", "/can-bo/tim-kiem"),
        ("Phản ánh", "/can-bo/phan-anh"),
        ("Nhiệm vụ", "/nhiem-vu"),
        ("Cải cách HC", "/cai-cach"),
    ]


def _engine(db: str, url: str | None, rows: int):
    from sqlalchemy import text

    from cchc.db import Base, make_engine

    if db == "sqlite":
        source = RESULTS / f"stats_{rows}.db"
        copy = RESULTS / f"pages_{rows}.db"
        if not copy.exists() or copy.stat().st_mtime < source.stat().st_mtime:
            shutil.copyfile(source, copy)
        engine = make_engine(f"sqlite:///{copy}")
        Base.metadata.create_all(engine)  # the tables the bench data lacks (checkfirst); their triggers
        with engine.begin() as conn:
            for table, missing in _missing_columns(conn):
                for col in missing:
                    conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN {_column_ddl(conn, col)}')
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM figure_cache"))
        return engine, str(copy)
    url = url or os.environ.get("CCHC_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    mine, data = f"pages_{rows}", f"bench_stats_{rows}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{mine}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{mine}"'))
    admin.dispose()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={mine},{data}"})
    tables = [Base.metadata.tables[t] for t in WRITTEN if t in Base.metadata.tables]
    Base.metadata.create_all(engine, tables=tables, checkfirst=False)  # in the first schema of the search path: ours
    with engine.begin() as conn:
        # Columns added to the models since the bench data was made: a view of ours with them as NULL (or their
        # default) stands in front of the bench table, which is not altered.
        for table, missing in _missing_columns(conn, schema=data, skip=WRITTEN):
            extra = ", ".join(f"{_default_sql(conn, c)} AS \"{c.name}\"" for c in missing)
            conn.exec_driver_sql(f'CREATE VIEW "{mine}"."{table.name}" AS SELECT *, {extra} FROM "{data}"."{table.name}"')
    return engine, f"{url} schema {mine} then {data}"


def _missing_columns(conn, schema: str | None = None, skip=()):
    """(table, [columns]) of the model's tables whose stored table lacks some of the model's columns."""
    from sqlalchemy import inspect

    from cchc.db import Base

    found = inspect(conn)
    out = []
    for table in Base.metadata.sorted_tables:
        if table.name in skip or not found.has_table(table.name, schema=schema):
            continue
        have = {c["name"] for c in found.get_columns(table.name, schema=schema)}
        missing = [c for c in table.columns if c.name not in have]
        if missing:
            out.append((table, missing))
    return out


def _default_sql(conn, col) -> str:
    if col.server_default is not None:
        return str(col.server_default.arg.compile(dialect=conn.dialect)) if hasattr(col.server_default.arg, "compile") \
            else f"'{col.server_default.arg}'"
    if col.default is not None and getattr(col.default, "is_scalar", False):
        value = col.default.arg
        return ("TRUE" if value else "FALSE") if isinstance(value, bool) else (str(value) if isinstance(value, (int, float)) else f"'{value}'")
    return f"CAST(NULL AS {col.type.compile(dialect=conn.dialect)})"


def _column_ddl(conn, col) -> str:
    return f'"{col.name}" {col.type.compile(dialect=conn.dialect)} DEFAULT ({_default_sql(conn, col)})'


def _officer(engine) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from cchc.auth.enums import Role
    from cchc.auth.models import User
    from cchc.auth.passwords import hash_password
    from cchc.units.models import Unit

    with Session(engine) as s:
        # the province (a district of the bench data shares its code: the one without a parent)
        province = s.scalars(select(Unit).where(Unit.code == PROVINCE, Unit.parent_id.is_(None))).one()
        user = s.scalars(select(User).where(User.username == USERNAME)).first()  # kept from an earlier run (its log)
        if user is None:
            user = User(username=USERNAME, full_name="Cán bộ báo cáo (bench)", role=str(Role.REPORTING))
            s.add(user)
        user.unit_id, user.password_hash = province.id, hash_password(PASSWORD)
        s.commit()


def measure(db: str, url: str | None, rows: int, repeat: int, only: str | None) -> dict:
    from fastapi.testclient import TestClient

    from cchc import db as cchc_db
    from cchc.models import import_all_models

    import_all_models()
    engine, where = _engine(db, url, rows)
    _officer(engine)
    cchc_db.set_engine(engine)
    from cchc.app.main import create_app

    out = {"db": db, "rows": rows, "period": PERIOD, "where": where, "repeat": repeat,
           "at": time.strftime("%Y-%m-%dT%H:%M:%S"), "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    results = []
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        form = client.get("/dang-nhap").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        r = client.post("/dang-nhap", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
        if r.status_code != 303:
            raise SystemExit(f"Không đăng nhập được: {r.status_code} {r.text[:500]}")
        for what, path in pages(PERIOD):
            if only and not path.removeprefix(NEXT_LINK).startswith(only):
                continue
            if path.startswith(NEXT_LINK):  # the «next page» link of page 99, as the page gives it
                previous = client.get(path[len(NEXT_LINK):]).text
                path = re.search(r'rel="next" href="([^"]+)"', previous).group(1).replace("&amp;", "&")
            times, status, size = [], None, 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                resp = client.get(path)
                times.append(time.perf_counter() - t0)
                status, size = resp.status_code, len(resp.content)
            results.append({"page": what.strip(), "path": path, "status": status, "bytes": size,
                            "first": round(times[0], 3), "min": round(min(times), 3)})
            print(f"{what:<30} {min(times):7.3f} s  ({times[0]:.3f})  {status}  {path}", flush=True)
    engine.dispose()
    out["pages"] = results
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="Đo thời gian máy chủ của từng trang cán bộ mở, trên dữ liệu bench 1 triệu hồ sơ.")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--url", default=None, help="URL PostgreSQL (mặc định CCHC_BENCH_DATABASE_URL hoặc máy cục bộ)")
    ap.add_argument("--repeat", type=int, default=5, help="số lần gọi mỗi trang (lần đầu là lần lạnh)")
    ap.add_argument("--only", default=None, help="chỉ các trang có đường dẫn bắt đầu bằng chuỗi này")
    args = ap.parse_args()
    if args.db == "sqlite" and not (RESULTS / f"stats_{args.rows}.db").exists():
        raise SystemExit(f"Chưa có dữ liệu bench: chạy trước .venv/bin/python bench/stats.py --rows {args.rows} --db sqlite --generate-only")
    result = measure(args.db, args.url, args.rows, args.repeat, args.only)
    with open(RESULTS / "pages.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(f"tải trước/sau: {result['load_average_before']} / {result['load_average_after']}")


if __name__ == "__main__":
    main()
