"""`cchc db backup`: a consistent copy of the database while cchc keeps serving.

SQLite through its online backup API (a plain `cp` of a database in WAL mode can miss the last
commits or copy a half-written page); PostgreSQL through `pg_dump --format=custom`, restored with
`pg_restore`. The copy is written beside its destination and renamed when complete, so a failed
backup never leaves a file that looks whole.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import Engine

from cchc.errors import ValidationError


def backup(engine: Engine, out: Path) -> Path:
    out = out.resolve()
    if out.exists():
        raise ValidationError(f"Tệp {out} đã có: chọn tên khác (bản sao lưu không ghi đè).", field="out")
    if not out.parent.is_dir():
        raise ValidationError(f"Thư mục {out.parent} không tồn tại.", field="out")
    partial = out.with_name(f".{out.name}.partial")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite(engine, partial)
        else:
            _pg_dump(engine, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def _sqlite(engine: Engine, partial: Path) -> None:
    source = engine.url.database
    if not source or source == ":memory:":
        raise ValidationError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
        live.backup(copy)


def _pg_dump(engine: Engine, partial: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise ValidationError("Không có pg_dump: cài gói Debian postgresql-client (apt-get install postgresql-client).")
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={url}"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ValidationError(f"pg_dump không sao lưu được: {done.stderr.strip() or done.returncode}")
