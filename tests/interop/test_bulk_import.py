"""The dossier import at bulk speed (cchc/interop/dossier_import.py): checked in a streaming pass into a staging
table, then loaded set-based — all or nothing, every error named by its row, the day counts right.

Runs on SQLite and, with CCHC_TEST_DATABASE_URL, on PostgreSQL (COPY into the staging table)."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from cchc import clock
from cchc.audit.models import AuditEntry
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import ImportRejected
from cchc.interop import dossier_import
from cchc.interop.dossier_columns import EXPORT_COLUMNS
from cchc.interop.dossier_import import MAX_ERRORS, import_dossier_rows, import_dossiers
from cchc.interop.dossier_validation import Validator
from cchc.stats import daily
from cchc.stats.models import DossierDayCount

from .factories import World, row, ts

NOW = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def generated(n: int, seed: int = 13, prefix: str = "B") -> list[dict]:
    """n valid rows in most states, at the agency and at the commune valid on the day of receipt, some returned
    without NgayTra (imported with that date unknown)."""
    rnd = random.Random(seed)
    start = datetime(2024, 1, 2, 7, 30)
    out = []
    for i in range(n):
        received = start + timedelta(minutes=rnd.randrange(0, 2 * 365 * 24 * 60))
        unit = rnd.choice(["000.00.12.H56", "000.21.20.H56" if received < datetime(2025, 7, 1) else "000.31.00.H56"])
        due = received + timedelta(days=rnd.choice((1, 3, 5, 15)))
        status = rnd.choice((10, 10, 10, 10, 9, 4, 5, 3, 1))
        values = {
            "MaHoSo": f"{prefix}-{i:06d}",
            "MaTTHC": rnd.choice(("1.001193", "1.000894", "1.009974")),
            "MaDonViTiepNhan": unit,
            "ChuHoSo": rnd.choice(("Nguyễn Văn An", "Trần Thị Bình", "Công ty TNHH Ánh Dương")),
            "KenhThucHien": rnd.choice(("1", "2", "3")),
            "TrangThaiHoSo": str(status),
            "NgayTiepNhan": ts(received),
            "NgayHenTra": ts(due),
            "NgayKetThucXuLy": "",
            "NgayTra": "",
        }
        if status == 1:
            values.update(NgayTiepNhan="", NgayHenTra="", NgayNopHoSo=ts(received))
        elif status == 5:
            values["NgayYeuCauBoSung"] = ts(received + timedelta(hours=20))
        elif status in (3, 9, 10):
            ended = received + (due - received) * rnd.uniform(0.2, 1.2)
            values["NgayKetThucXuLy"] = ts(ended)
            if status == 10 and rnd.random() < 0.9:
                values["NgayTra"] = ts(ended + timedelta(hours=rnd.randrange(1, 48)))
        out.append(values)
    return out


def write_csv(path, rows):
    columns = list(dict.fromkeys([*EXPORT_COLUMNS, *(c for r in rows for c in r)]))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def nothing_written(db) -> bool:
    imports = db.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "nhap_tep")).scalar_one()
    return (count(db, Dossier), count(db, DossierEvent), count(db, DossierDayCount), imports) == (0, 0, 0, 0)


def snapshot(db) -> tuple[list, list]:
    """The dossiers (by code, every column but the id) and the day counts, comparable across two imports."""
    table = Dossier.__table__
    columns = [c for c in table.columns if c.name != "id"]
    dossiers = [tuple(r) for r in db.execute(select(*columns).order_by(table.c.code))]
    counts = DossierDayCount.__table__
    days = [tuple(r) for r in db.execute(select(counts).order_by(counts.c.unit_id, counts.c.level, counts.c.day))]
    return dossiers, days


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_bad_row_anywhere_refuses_the_file_by_its_row_and_writes_nothing(db, world, tmp_path, monkeypatch, where):
    monkeypatch.setattr(dossier_import, "CHUNK", 500)  # the staging table holds several chunks when it is found
    rows = generated(3000)
    index = {"first": 0, "middle": 1717, "last": 2999}[where]
    rows[index]["MaTTHC"] = "9.999999"
    with pytest.raises(ImportRejected) as info:
        import_dossiers(db, write_csv(tmp_path / "hoso.csv", rows))
    assert (info.value.row, info.value.column) == (index + 2, "MaTTHC")  # header = row 1
    assert info.value.message.startswith(f"Dòng {index + 2}, cột MaTTHC: ") and "9.999999" in info.value.message
    assert nothing_written(db)
    # Nothing left behind either: the same file, corrected, imports whole (the staging table went with the savepoint).
    rows[index]["MaTTHC"] = "1.001193"
    assert import_dossiers(db, write_csv(tmp_path / "hoso.csv", rows))["dossiers"] == 3000
    assert count(db, Dossier) == count(db, DossierEvent) == 3000


def test_every_error_is_named_in_file_order_up_to_the_cap(db, world):
    import_dossier_rows(db, [(2, row(MaHoSo="CO-SAN"))])
    rows = [(n, row(MaHoSo=f"E-{n}")) for n in range(2, 40)]
    rows[3] = (5, row(MaHoSo="CO-SAN"))  # already in the database
    rows[5] = (7, row(MaHoSo="E-3"))  # repeats row 3
    rows[1] = (3, row(MaHoSo="E-3", KenhThucHien="9"))  # a bad value: row 7 then repeats nothing staged…
    rows[8] = (10, row(MaHoSo="E-10", NgayHenTra="31/4/2024"))
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, rows, source="nhieu-loi.csv")
    message = info.value.message
    assert (info.value.row, info.value.column) == (3, "KenhThucHien")
    lines = message.splitlines()
    assert lines[0].startswith("Dòng 3, cột KenhThucHien: ")
    assert lines[1] == "Còn 2 lỗi khác:"
    assert lines[2].startswith("– Dòng 5, cột MaHoSo: mã hồ sơ «CO-SAN» đã có trong cơ sở dữ liệu")
    assert lines[3].startswith("– Dòng 10, cột NgayHenTra: ")
    assert "Không có hồ sơ nào được ghi" in lines[-1]
    assert count(db, Dossier) == 1 and count(db, DossierEvent) == 1  # …because row 3 was never staged

    many = [(n, row(MaHoSo=f"X-{n}", TrangThaiHoSo="11")) for n in range(2, 200)]
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, many)
    lines = info.value.message.splitlines()
    assert info.value.row == 2 and len([x for x in lines if x.startswith(("Dòng", "– Dòng"))]) == MAX_ERRORS
    assert f"dừng kiểm tra sau {MAX_ERRORS} lỗi đầu tiên" in lines[1]
    assert count(db, Dossier) == 1


def test_repeated_codes_are_found_by_the_database_across_chunks(db, world, monkeypatch):
    monkeypatch.setattr(dossier_import, "CHUNK", 3)
    rows = [(n, row(MaHoSo=f"S-{n}")) for n in range(2, 12)] + [(12, row(MaHoSo="S-4")), (13, row(MaHoSo="S-4"))]
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, rows)
    assert (info.value.row, info.value.column) == (12, "MaHoSo")
    lines = info.value.message.splitlines()
    assert "trùng với dòng 4 của tệp" in lines[0] and lines[2].startswith("– Dòng 13, cột MaHoSo: mã hồ sơ «S-4» trùng với dòng 4")
    assert count(db, Dossier) == 0


def test_a_large_file_gives_what_row_by_row_inserts_give(db, world, tmp_path):
    """20.000 rows through the staging table and the set-based load = the same rows checked by the same Validator and
    inserted one by one with the day-count triggers firing (what every other writer does)."""
    rows = generated(20_000, seed=7)
    path = write_csv(tmp_path / "lon.csv", rows)
    with db.begin_nested() as bulk:
        result = import_dossiers(db, path, progress=None)
        assert result["dossiers"] == result["events"] == 20_000
        assert result["unknown_dates"]["NgayTra"] == sum(1 for r in rows if r["TrangThaiHoSo"] == "10" and not r["NgayTra"])
        assert sum(result["by_state"].values()) == 20_000
        assert count(db, DossierEvent) == 20_000
        without_date = next(i for i, r in enumerate(rows) if r["TrangThaiHoSo"] == "10" and not r["NgayTra"])
        event = db.execute(
            select(DossierEvent).join(Dossier, Dossier.id == DossierEvent.dossier_id).where(Dossier.code == rows[without_date]["MaHoSo"])
        ).scalar_one()
        assert event.data == {"source": "lon.csv", "row": without_date + 2, "MaHoSo": rows[without_date]["MaHoSo"],
                              "NgayChuaBiet": ["NgayTra"]}
        assert event.note == f"Nhập dữ liệu từ «lon.csv», dòng {without_date + 2}; tệp không có NgayTra."
        first_ids = db.execute(select(Dossier.id).order_by(Dossier.id).limit(3)).scalars().all()
        assert [db.get(Dossier, i).code for i in first_ids] == ["B-000000", "B-000001", "B-000002"]  # file order
        by_bulk = snapshot(db)
        bulk.rollback()
    assert count(db, Dossier) == 0
    with db.begin_nested() as one_by_one:
        validator = Validator(db, None, "lon.csv")
        records = [validator.dossier(number, values)[0] for number, values in enumerate(rows, start=2)]
        db.connection().execute(insert(Dossier.__table__), records)  # executemany: the triggers fire row by row
        by_rows = snapshot(db)
        one_by_one.rollback()
    assert len(by_bulk[0]) == 20_000 and by_bulk == by_rows


def test_the_day_counts_equal_a_direct_count_after_imports(db, world):
    """Two imports on the same days and units (the second adds to cells the first wrote), then the stored counts
    equal a recount from the dossiers, cell by cell."""
    import_dossier_rows(db, [(n + 2, r) for n, r in enumerate(generated(1500, seed=1, prefix="P"))])
    import_dossier_rows(db, [(n + 2, r) for n, r in enumerate(generated(1500, seed=1, prefix="Q"))])
    connection = db.connection()
    assert daily.differences(connection) == 0
    received = db.execute(select(func.sum(DossierDayCount.received_online + DossierDayCount.received_direct
                                          + DossierDayCount.received_postal))).scalar_one()
    assert received == db.execute(select(func.count()).where(Dossier.received_at.is_not(None))).scalar_one() > 0
    if connection.dialect.name == "sqlite":
        assert daily.installed(connection)  # the triggers deferred during the import are back


def test_a_failure_during_the_load_leaves_nothing(db, world, monkeypatch):
    """The dossiers and their events are written, then the day counts fail: everything goes, the triggers stay."""

    def broken(connection, only):
        assert connection.execute(select(func.count()).select_from(Dossier)).scalar_one() == 50
        raise RuntimeError("mất kết nối giữa chừng")

    monkeypatch.setattr(daily, "add_matching", broken)
    rows = [(n + 2, r) for n, r in enumerate(generated(50, seed=3))]
    with pytest.raises(RuntimeError, match="giữa chừng"):
        import_dossier_rows(db, rows)
    assert nothing_written(db)
    assert daily.installed(db.connection())
    monkeypatch.undo()
    assert import_dossier_rows(db, rows)["dossiers"] == 50  # no staging table left behind to collide with
    assert daily.differences(db.connection()) == 0


def test_postgresql_ids_drawn_meanwhile_still_count_only_this_import(db, world):
    """Other sessions draw dossier ids from the same sequence while an import inserts (simulated: a trigger draws one
    per row): the import's ids are not one run, so its day counts name its rows by their codes — still exact."""
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: ids come from a sequence shared with other sessions")
    connection.exec_driver_sql(
        "CREATE FUNCTION pg_temp.draw_an_id() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM nextval(pg_get_serial_sequence('dossiers', 'id')); RETURN NEW; END $$"
    )
    connection.exec_driver_sql("CREATE TRIGGER draw_an_id BEFORE INSERT ON dossiers FOR EACH ROW EXECUTE FUNCTION pg_temp.draw_an_id()")
    import_dossier_rows(db, [(n + 2, r) for n, r in enumerate(generated(300, seed=5))])
    ids = db.execute(select(Dossier.id).order_by(Dossier.id)).scalars().all()
    assert len(ids) == 300 and ids[-1] - ids[0] + 1 > 300  # not one run
    assert count(db, DossierEvent) == 300
    assert daily.differences(connection) == 0
