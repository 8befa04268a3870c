"""A command loads only what it needs (issue 13 item 3): `cchc --help` and `cchc stats …` in a fresh process import
no docx, matplotlib, openpyxl nor FastAPI; `cchc report --format md` only matplotlib, for its charts. What a process imported is read
from sys.modules after the command ran (behaviour, not timing). The short listing of `cchc --help` is the one
the application with every command prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session

from cchc.db import Base, make_engine
from tests.stats.conftest import build_province
from tests.stats.test_dossiers import EXPECTED_Q3, build_q3

HEAVY = ("docx", "docxtpl", "matplotlib", "openpyxl", "fastapi", "starlette", "uvicorn", "PIL", "numpy")

# Runs `cchc ARGS…` as the console script does, then prints what it imported among HEAVY and its exit status.
PROBE = """
import json, sys
sys.argv = ["cchc", *sys.argv[1:]]
from cchc.cli import main
status = 0
try:
    main()
except SystemExit as exc:
    status = exc.code or 0
heavy = %r
print(json.dumps({"status": status, "loaded": sorted(m for m in heavy if m in sys.modules)}), file=sys.stderr)
""" % (HEAVY,)


def _run(env_db: str | None, *args: str) -> tuple[dict, str]:
    env = dict(os.environ)
    if env_db:
        env["CCHC_DATABASE_URL"] = env_db
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=300)
    return json.loads(proc.stderr.strip().splitlines()[-1]), proc.stdout


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> tuple[str, str]:
    """A SQLite file with the test province and its dossiers of 2023-Q3 (whatever database the suite runs on:
    the commands run in processes of their own)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('imports') / 'cchc.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        P = build_province(session)
        build_q3(session, P)
        session.commit()
        code = P.province.code
    engine.dispose()
    return url, code


def test_help_imports_no_heavy_module():
    seen, out = _run(None, "--help")
    assert seen == {"status": 0, "loaded": []}
    assert "stats" in out and "report" in out and "check-report" in out


def test_the_listing_of_help_is_the_full_applications():
    """Each in a fresh process: the full application lists its commands in the order they were registered."""
    listing = """
import sys
from typer.testing import CliRunner
import cchc.cli as cli
app = cli._register() if sys.argv[1] == "full" else cli._listing()
result = CliRunner().invoke(app, ["--help"], prog_name="cchc", terminal_width=100)
print(result.exit_code)
print(result.output)
"""
    short, full = (subprocess.run([sys.executable, "-c", listing, which], capture_output=True, text=True, timeout=300).stdout
                   for which in ("short", "full"))
    assert short.startswith("0\n") and "check-report" in short
    assert short == full


def test_stats_imports_no_heavy_module(database):
    url, unit = database
    seen, out = _run(url, "stats", "--unit", unit, "--period", "2023-Q3", "--format", "json")
    assert seen == {"status": 0, "loaded": []}
    figures = json.loads(out)
    assert figures["unit"]["code"] == unit
    assert {k: figures[k] for k in EXPECTED_Q3} == EXPECTED_Q3


def test_markdown_report_imports_no_docx(database, tmp_path):
    url, unit = database
    out = tmp_path / "bao-cao.md"
    seen, _ = _run(url, "report", "--unit", unit, "--period", "2023-Q3", "--format", "md", "--out", str(out))
    assert seen["status"] == 0, seen
    assert set(seen["loaded"]) <= {"matplotlib", "numpy", "PIL"}, seen  # its charts are PNG files beside it
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in out.read_text(encoding="utf-8")
