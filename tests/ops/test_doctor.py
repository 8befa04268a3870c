"""`cchc doctor` names what is wrong with a deployment in Vietnamese; `cchc db upgrade` says what it did."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from cchc import config, doctor, migrate
from cchc.db import make_engine
from tests.ops.conftest import cchc


@pytest.fixture
def ready(deployment, monkeypatch):
    """The deployment's engine, with the settings and environment a process of it would have."""
    for name in ("CCHC_SECRET_KEY", "CCHC_VAR_DIR"):
        monkeypatch.setenv(name, deployment[name])
    var = Path(deployment["CCHC_VAR_DIR"])
    monkeypatch.setattr(config, "settings", dataclasses.replace(
        config.settings, files_dir=var / "files", var_dir=var, secret_key=deployment["CCHC_SECRET_KEY"]))
    engine = make_engine(deployment["CCHC_DATABASE_URL"])
    yield engine
    engine.dispose()


def by_name(findings) -> dict[str, doctor.Finding]:
    return {f.name: f for f in findings}


def test_a_ready_deployment_passes_every_check(ready):
    findings = doctor.examine(ready)
    assert [f.name for f in findings] == [name for name, _check, _db in doctor.CHECKS]
    assert {f.status for f in findings} == {doctor.OK}, [f for f in findings if f.status != doctor.OK]
    assert "sẽ được tạo khi tải tệp đầu tiên" in by_name(findings)["Thư mục tệp hồ sơ"].message


def test_each_fault_is_named_with_its_remedy(ready, monkeypatch, tmp_path):
    monkeypatch.delenv("CCHC_SECRET_KEY")
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, secret_key=""))
    with ready.begin() as conn:
        conn.execute(text("INSERT INTO dossier_day_counts (unit_id, level, day, received_direct) VALUES (1, 'xa', '2025-07-01', 3)"))
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    blocked.chmod(0o644)
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=blocked / "files",
                                                                vendor_dir=tmp_path / "nothing"))
    found = by_name(doctor.examine(ready))
    assert found["Khóa bí mật"].status == doctor.ERROR and "Chưa có khóa bí mật" in found["Khóa bí mật"].message
    assert found["Bảng đếm hồ sơ theo ngày"].message == "1 dòng khác với số đếm lại từ hồ sơ. Chạy `cchc rebuild-counts`."
    assert "không tạo được" in found["Thư mục tệp hồ sơ"].message
    assert "Chạy `make install`" in found["Gói front-end (htmx, Swagger UI)"].message
    assert found["Lược đồ"].status == doctor.OK
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, secret_key="ngan"))
    assert "chỉ dài 4 ký tự" in by_name(doctor.examine(ready, counts=False))["Khóa bí mật"].message


def test_an_old_or_missing_schema_and_an_unreachable_database(ready, tmp_path):
    with ready.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    schema = by_name(doctor.examine(ready, counts=False))["Lược đồ"]
    assert schema.status == doctor.ERROR and f"đang ở phiên bản 0002, mới nhất là {migrate.head()}. Chạy `cchc db upgrade`" in schema.message
    empty = make_engine(f"sqlite:///{tmp_path / 'trong.db'}")
    assert "chưa có lược đồ" in by_name(doctor.examine(empty, counts=False))["Lược đồ"].message
    gone = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/khong_co")
    found = by_name(doctor.examine(gone))
    assert found["Cơ sở dữ liệu"].status == doctor.ERROR and "Không kết nối được tới" in found["Cơ sở dữ liệu"].message
    assert found["Lược đồ"].message == found["Bảng đếm hồ sơ theo ngày"].message == "Bỏ qua: không kết nối được cơ sở dữ liệu."


def test_the_command_prints_a_table_and_exits_1_on_a_fault(deployment):
    ok = cchc(deployment, "doctor")
    assert ok.returncode == 0 and "Mọi hạng mục đều đạt." in ok.stdout, ok.stdout + ok.stderr
    bad = cchc({k: v for k, v in deployment.items() if k != "CCHC_SECRET_KEY"}, "doctor", "--no-counts")
    assert bad.returncode == 1 and "1 hạng mục cần sửa." in bad.stdout and "Bảng đếm" not in bad.stdout


def test_db_upgrade_says_whether_it_created_upgraded_or_found_the_newest(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}
    env |= {"CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'moi.db'}", "CCHC_VAR_DIR": str(tmp_path)}
    created = cchc(env, "db", "upgrade", "0002")
    assert created.returncode == 0 and "Đã tạo lược đồ cơ sở dữ liệu mới" in created.stdout and "phiên bản 0002" in created.stdout
    upgraded = " ".join(cchc(env, "db", "upgrade").stdout.split())
    assert "Đã nâng cấp cơ sở dữ liệu" in upgraded and f"từ phiên bản 0002 lên {migrate.head()}" in upgraded
    again = " ".join(cchc(env, "db", "upgrade").stdout.split())
    assert f"đã ở phiên bản {migrate.head()}: không cần nâng cấp" in again and "Đã tạo" not in again


def test_a_secret_file_readable_by_others_is_a_fault(ready, monkeypatch):
    from cchc.cli.secret import write_secret_file

    monkeypatch.delenv("CCHC_SECRET_KEY")
    created, path = write_secret_file()
    assert created and (Path(path).stat().st_mode & 0o777) == 0o600
    assert write_secret_file() == (False, path)  # never overwritten
    key = Path(path).read_text().strip()
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, secret_key=key))
    assert by_name(doctor.examine(ready, counts=False))["Khóa bí mật"].status == doctor.OK
    Path(path).chmod(0o644)
    assert f"chmod 600 {path}" in by_name(doctor.examine(ready, counts=False))["Khóa bí mật"].message
