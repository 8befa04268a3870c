"""Web load: `cchc serve` on a demo database driven by wrk — server CPU per request against a static file.

    .venv/bin/python bench/web.py                                  # demo of 20.000 dossiers, 1 and 2 workers
    .venv/bin/python bench/web.py --workers 1 --duration 20 --connections 16
    .venv/bin/python bench/web.py --demo-db bench/results/web_demo_20000.db   # an existing demo database
    .venv/bin/python bench/web.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/test
    git worktree add /tmp/cchc-before <commit> && .venv/bin/python bench/web.py --source /tmp/cchc-before
                                                                   # the server from another checkout, same client

The demo database is built once (the models' schema, then `cchc demo -n N`, as bench/demo.py) into
bench/results/web_demo_<N>.db, copied for each run (receipts write), or with --postgresql into the schema
bench_web_<N> (receipts stay in it). For each number of workers, `cchc serve --workers W --no-access-log` is started
on the copy and wrk (Debian package `wrk`, `make bench-deps`) drives it for each scenario in turn:

- static: GET /static/cchc.css — the floor: what the same server spends on a request that does nothing;
- receipt: POST /api/v1/dossiers as a logged-in receiving officer (session cookie and X-CSRF-Token), one procedure
  of the officer's unit, the light 201;
- lookup: POST /api/v1/lookup with a dossier's code and the last 4 digits of its applicant's ID number; each request
  says it comes from another address (X-Forwarded-For, which uvicorn takes from 127.0.0.1) so that the per-address
  rate limit, which is what a real crowd of citizens meets, does not answer 429 instead;
- catalogue: GET /thu-tuc?q=khai+sinh (the page, rendered) and GET /api/v1/procedures?q=khai%20sinh (JSON);
- catalogue 304: the same page revalidated with its ETag (If-None-Match).

Server CPU is read from /proc/<pid>/stat (utime + stime) of the serving processes (the uvicorn process and the
workers it spawned; not the LibreOffice kept warm for PDFs) before and after each wrk run, divided by the requests
wrk completed. The ratio is that against the static floor of the same server in the same run. wrk's own p50/p99
latency and requests/s are printed beside it; with 2 cores shared by wrk and the server, requests/s are a floor.
Non-2xx/3xx answers are counted and reported (a run with any is marked). The load average of the machine is
printed with every run and each run appends a JSON line to bench/results/web.jsonl.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CCHC = ROOT / ".venv" / "bin" / "cchc"
DEMO_PASSWORD = "demo123"  # cchc.synth.province.DEMO_PASSWORD
TICKS = os.sysconf("SC_CLK_TCK")
SOURCE: Path | None = None  # --source: the checkout whose code is served
GOALS = {"receipt": 4.0, "lookup": 1.5, "catalogue page": 2.0, "catalogue API": 2.0}

# The Lua side: statuses counted per thread and merged in done(); latency percentiles in microseconds.
LUA = r"""
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
end
function request()
  counter = counter + 1
  if FORWARDED then
    wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", id, math.floor(counter / 250) % 250, counter % 250 + 1)
  end
  return wrk.format()
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do merged[tostring(k)] = (merged[tostring(k)] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s": %d', k, v)) end
  io.write(string.format('\nRESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), table.concat(parts, ", ")))
end
"""


@dataclass
class Scenario:
    name: str
    method: str
    path: str
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    forwarded: bool = False  # a new client address per request


@dataclass
class Target:
    username: str
    procedure: str
    unit: str
    dossier: str
    digits: str


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def build_demo(dossiers: int) -> Path:
    """The demo database (SQLite), built once: the schema of the models, then `cchc demo` (as bench/demo.py)."""
    path = RESULTS / f"web_demo_{dossiers}.db"
    if path.exists():
        missing = schema_missing(f"sqlite:///{path}")
        if not missing:
            return path
        # Built by older code: a server on it would answer 503 (no such table/column) instead of measuring.
        print(f"CSDL mẫu cũ (thiếu {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}): tạo lại.", flush=True)
        path.unlink()
    RESULTS.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.db")
    partial.unlink(missing_ok=True)
    _fill_demo(f"sqlite:///{partial}", dossiers)
    partial.rename(path)
    return path


def schema_missing(url: str) -> list[str]:
    """The tables and columns of the models that the database at `url` lacks (table or table.column)."""
    from sqlalchemy import inspect

    from cchc.db import Base, make_engine
    from cchc.models import import_all_models

    import_all_models()
    engine = make_engine(url)
    try:
        found = inspect(engine)
        tables = set(found.get_table_names())
        missing = []
        for table in Base.metadata.sorted_tables:
            if table.name not in tables:
                missing.append(table.name)
                continue
            columns = {c["name"] for c in found.get_columns(table.name)}
            missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in columns]
        return missing
    finally:
        engine.dispose()


def build_demo_postgresql(server_url: str, dossiers: int) -> str:
    """The demo in the PostgreSQL schema bench_web_<N> of `server_url`, built once; its URL (search_path set)."""
    from sqlalchemy import text

    from cchc.db import make_engine

    schema = f"bench_web_{dossiers}"
    url = f"{server_url}{'&' if '?' in server_url else '?'}options=-csearch_path%3D{schema}"
    admin = make_engine(server_url)
    with admin.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s AND table_name = 'dossiers'"),
                              {"s": schema}).first()
    if exists is not None and (missing := schema_missing(url)):
        print(f"CSDL mẫu cũ (thiếu {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}): tạo lại.", flush=True)
        exists = None
    with admin.begin() as conn:
        if exists is None:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    if exists is None:
        _fill_demo(url, dossiers)
    return url


def _fill_demo(url: str, dossiers: int) -> None:
    from cchc.db import Base, make_engine
    from cchc.models import import_all_models

    print(f"Tạo CSDL mẫu ({dossiers} hồ sơ) — một lần …", flush=True)
    import_all_models()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    env = _env(url, RESULTS / "web_demo_files")
    subprocess.run([str(CCHC), "demo", "-n", str(dossiers), "--today", "20/11/2026", "--log", str(RESULTS / "web_demo.log")],
                   env=env, check=True, stdout=subprocess.DEVNULL)


def _env(db: Path | str, files: Path) -> dict[str, str]:
    env = dict(os.environ)
    if SOURCE is not None:
        env["PYTHONPATH"] = str(SOURCE / "src")
    env["CCHC_DATABASE_URL"] = db if isinstance(db, str) else f"sqlite:///{db}"
    env["CCHC_FILES_DIR"] = str(files)
    env["CCHC_VAR_DIR"] = str(files.parent / "var")
    env.setdefault("CCHC_SECRET_KEY", "bench-web-" + "k" * 40)
    return env


def pick_target(url: str) -> Target:
    """A receiving officer, a procedure their unit received most at the counter, and a dossier to look up."""
    from sqlalchemy import text

    from cchc.db import make_engine

    engine = make_engine(url)
    with engine.connect() as con:
        row = con.execute(text(
            """SELECT u.username, p.code, un.code, count(*) AS n
                 FROM users u JOIN units un ON un.id = u.unit_id
                 JOIN dossiers d ON d.unit_id = u.unit_id AND d.channel = 1
                 JOIN procedures p ON p.id = d.procedure_id AND p.active
                WHERE u.role = 'mot_cua' AND u.active
                GROUP BY u.username, p.code, un.code ORDER BY n DESC, u.username LIMIT 1"""
        )).first()
        dossier = con.execute(text(
            """SELECT code, applicant_id_number FROM dossiers
                WHERE length(applicant_id_number) >= 4 ORDER BY id DESC LIMIT 1"""
        )).first()
    engine.dispose()
    if row is None or dossier is None:
        sys.exit("CSDL mẫu không có cán bộ một cửa, thủ tục hay hồ sơ để đo.")
    return Target(row[0], row[1], row[2], dossier[0], re.sub(r"\D", "", dossier[1])[-4:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, utime + stime in ticks) of a process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def serving_pids(root: int) -> list[int]:
    """The server process and the uvicorn workers under it (multiprocessing spawn), not other children."""
    found = [root]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        st = _stat(pid)
        if st is None or st[0] != root:
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "spawn_main" in cmd:
            found.append(pid)
    return found


def cpu_ticks(pids: list[int]) -> int:
    return sum((_stat(p) or (0, 0))[1] for p in pids)


class Server:
    def __init__(self, db: Path | str, workers: int, files: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(CCHC), "serve", "--port", str(self.port), "--workers", str(workers), "--no-access-log"],
            env=_env(db, files), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/static/cchc.css", timeout=2).read()
                break
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit("cchc serve dừng: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
                time.sleep(0.5)
        else:
            self.stop()
            sys.exit("cchc serve không trả lời sau 90 giây.")
        time.sleep(2 if workers > 1 else 0.5)  # every worker up
        self.pids = serving_pids(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def login(base: str, username: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a session signed in through the API."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    req = urllib.request.Request(base + "/api/v1/auth/login", method="POST",
                                 data=json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json"})
    with opener.open(req, timeout=60) as r:
        token = json.load(r)["csrf_token"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def etag_of(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return r.headers["ETag"]


def scenarios(base: str, target: Target) -> list[Scenario]:
    cookie, token = login(base, target.username)
    receipt = json.dumps({"procedure_code": target.procedure, "unit_code": target.unit, "channel": 1,
                          "applicant": {"name": "Nguyễn Văn Đo Tải", "id_number": "044090001234", "phone": "0912345678",
                                        "address": "Thôn 1"}}, ensure_ascii=False)
    lookup = json.dumps({"code": target.dossier, "digits": target.digits})
    page = "/thu-tuc?q=khai+sinh"
    # An anonymous visitor's page revalidated: its ETag belongs to its session (the form token in the page).
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + page, timeout=30) as r:
        page_etag = r.headers["ETag"]
    visitor = "; ".join(f"{c.name}={c.value}" for c in jar)
    json_headers = {"Content-Type": "application/json"}
    return [
        Scenario("static", "GET", "/static/cchc.css"),
        Scenario("receipt", "POST", "/api/v1/dossiers", receipt, {**json_headers, "Cookie": cookie, "X-CSRF-Token": token}),
        Scenario("lookup", "POST", "/api/v1/lookup", lookup, json_headers, forwarded=True),
        Scenario("catalogue page", "GET", page),
        Scenario("catalogue API", "GET", "/api/v1/procedures?q=khai%20sinh"),
        Scenario("catalogue page 304", "GET", page, headers={"Cookie": visitor, "If-None-Match": page_etag}),
    ]


def lua_for(s: Scenario, tmp: Path) -> Path:
    lines = [f"wrk.method = {json.dumps(s.method)}", f"FORWARDED = {'true' if s.forwarded else 'false'}"]
    if s.body:
        lines.append(f"wrk.body = {json.dumps(s.body, ensure_ascii=False)}")
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v, ensure_ascii=False)}" for k, v in s.headers.items()]
    path = tmp / f"{re.sub(r'[^a-z0-9]+', '_', s.name)}.lua"
    path.write_text("\n".join(lines) + "\n" + LUA, encoding="utf-8")
    return path


def run_wrk(server: Server, s: Scenario, script: Path, args) -> dict:
    url = server.base + s.path
    warm = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", "2s", "-s", str(script), url]
    subprocess.run(warm, check=True, capture_output=True)
    before = cpu_ticks(server.pids)
    out = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
                          "-s", str(script), url], check=True, capture_output=True, text=True).stdout
    used = cpu_ticks(server.pids) - before
    result = json.loads(out.split("RESULT ", 1)[1])
    n = max(result["requests"], 1)
    bad = sum(v for k, v in result["statuses"].items() if not k.startswith(("2", "3")))
    return {"scenario": s.name, "requests": result["requests"], "rps": result["requests"] / (result["duration_us"] / 1e6),
            "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000, "cpu_ms": used / TICKS * 1000 / n,
            "statuses": result["statuses"], "errors": bad, "load": load_average()}


def fmt(x: float, digits: int = 2) -> str:
    """Vietnamese decimals: 1.234,56."""
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=20000, help="dossiers of the demo database built once")
    parser.add_argument("--demo-db", type=Path, help="an existing demo database (SQLite) instead")
    parser.add_argument("--postgresql", metavar="URL", help="serve from PostgreSQL at URL (the demo in schema bench_web_<N>, "
                                                             "built once; receipts stay in it) instead of a SQLite copy")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="scenarios to run (static always runs)")
    parser.add_argument("--source", type=Path, help="serve the code of another checkout (e.g. a git worktree of an "
                                                    "earlier commit) on the same database")
    args = parser.parse_args()
    os.environ.setdefault("CCHC_SECRET_KEY", "bench-web-" + "k" * 40)  # this process opens the database too
    global SOURCE
    SOURCE = args.source
    if shutil.which("wrk") is None:
        sys.exit("Cần wrk (gói Debian `wrk`): make bench-deps")

    if args.postgresql:
        demo = build_demo_postgresql(args.postgresql, args.dossiers)
        target = pick_target(demo)
    else:
        demo = args.demo_db or build_demo(args.dossiers)
        target = pick_target(f"sqlite:///{demo}")
    where = demo.split("?")[0] + " (" + demo.rsplit("%3D", 1)[-1] + ")" if args.postgresql else demo
    print(f"CSDL: {where} · cán bộ {target.username} · thủ tục {target.procedure} · tra cứu {target.dossier}")
    records = []
    with tempfile.TemporaryDirectory(prefix="cchc-web-") as tmpdir:
        tmp = Path(tmpdir)
        for workers in args.workers:
            if args.postgresql:
                db: Path | str = demo
            else:
                db = tmp / f"web_{workers}.db"
                shutil.copyfile(demo, db)
            server = Server(db, workers, tmp / "files")
            try:
                rows = []
                for s in scenarios(server.base, target):
                    if args.only and s.name != "static" and s.name not in args.only:
                        continue
                    rows.append(run_wrk(server, s, lua_for(s, tmp), args))
            finally:
                server.stop()
            floor = rows[0]["cpu_ms"]
            print(f"\n{'mã nguồn ' + str(SOURCE) + ' · ' if SOURCE else ''}--workers {workers} · wrk -t{args.threads} -c{args.connections} -d{args.duration}s · "
                  f"tải lúc bắt đầu/kết thúc: {rows[0]['load']} / {rows[-1]['load']}")
            print(f"{'kịch bản':<20} {'yêu cầu/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/yc':>10} {'× tĩnh':>7} {'mục tiêu':>8}  lỗi")
            for r in rows:
                ratio = r["cpu_ms"] / floor if floor else float("nan")
                goal = GOALS.get(r["scenario"])
                mark = "" if goal is None else ("≤ " + fmt(goal, 1) + (" ✓" if ratio <= goal else " ✗"))
                errors = f"{r['errors']} ({r['statuses']})" if r["errors"] else "0"
                print(f"{r['scenario']:<20} {fmt(r['rps'], 0):>10} {fmt(r['p50_ms']):>8} {fmt(r['p99_ms']):>8} "
                      f"{fmt(r['cpu_ms'], 3):>10} {fmt(ratio):>7} {mark:>8}  {errors}")
                records.append({**r, "workers": workers, "source": str(SOURCE or ROOT), "ratio": ratio, "duration": args.duration,
                                "connections": args.connections, "threads": args.threads, "database": str(where),
                                "at": time.strftime("%Y-%m-%d %H:%M:%S")})
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "web.jsonl").open("a", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
