"""`cchc db backup` copies a live database whole, on SQLite and on PostgreSQL, and never overwrites."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import pytest
from sqlalchemy import text

from cchc import backup
from cchc.db import make_engine
from cchc.errors import ValidationError
from tests.ops.conftest import cchc


def test_sqlite_backup_while_a_writer_holds_uncheckpointed_commits(deployment, tmp_path):
    engine = make_engine(deployment["CCHC_DATABASE_URL"])
    try:
        with engine.begin() as conn:  # WAL mode: these commits may still be only in the -wal file
            conn.execute(text("PRAGMA wal_autocheckpoint=0"))
            conn.execute(text("UPDATE users SET full_name = 'Quản trị viên' WHERE username = 'quantri'"))
        done = cchc(deployment, "db", "backup", str(tmp_path / "sao-luu.db"))
        assert done.returncode == 0 and "Đã sao lưu vào" in done.stdout, done.stderr
        with sqlite3.connect(tmp_path / "sao-luu.db") as copy:
            assert copy.execute("SELECT full_name FROM users").fetchall() == [("Quản trị viên",)]
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        again = cchc(deployment, "db", "backup", str(tmp_path / "sao-luu.db"))
        assert again.returncode == 2 and "đã có: chọn tên khác" in again.stderr
        with pytest.raises(ValidationError, match="không tồn tại"):
            backup.backup(engine, tmp_path / "khong-co" / "x.db")
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no partial file left
    finally:
        engine.dispose()


@pytest.mark.skipif(not shutil.which("pg_restore"), reason="PostgreSQL client tools are not installed")
def test_postgresql_backup_restores_with_pg_restore(tmp_path):
    url = os.environ.get("CCHC_TEST_DATABASE_URL", "sqlite")
    if not url.startswith("postgresql"):
        pytest.skip("runs in the PostgreSQL pass of the suite")
    engine = make_engine(url)
    schema = f"cchc_backup_{os.getpid()}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'CREATE TABLE "{schema}".ghi_chu (noi_dung text)'))
        conn.execute(text(f"INSERT INTO \"{schema}\".ghi_chu VALUES ('Hồ sơ đã tiếp nhận')"))
    try:
        out = backup.backup(engine, tmp_path / "cchc.dump")
        listing = subprocess.run(["pg_restore", "--list", str(out)], capture_output=True, text=True, check=True).stdout
        assert f"TABLE DATA {schema} ghi_chu" in listing
        with engine.begin() as conn:
            conn.execute(text(f'DROP TABLE "{schema}".ghi_chu'))
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--schema={schema}", f"--dbname={dsn}", str(out)], check=True)
        with engine.connect() as conn:
            assert conn.execute(text(f'SELECT noi_dung FROM "{schema}".ghi_chu')).scalar_one() == "Hồ sơ đã tiếp nhận"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
