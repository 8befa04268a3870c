"""Properties of the dossier import/export (hypothesis): any consistent row survives a round trip, and
any unparseable timestamp is refused naming its row and column."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc.dossiers.models import Dossier
from cchc.errors import ImportRejected
from cchc.interop.dossier_export import export_dossiers
from cchc.interop.dossier_import import import_dossier_rows

from .factories import World, row, ts

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
START = datetime(2024, 1, 2, 7, 30)
TIMESTAMP_COLUMNS = ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "NgayNopHoSo", "NgayHenTraMoi")


@pytest.fixture
def world(db):
    return World(db)


@st.composite
def consistent_rows(draw):
    """A dossier row whose state and timestamps agree, as another one-stop system would export it."""
    minutes = lambda lo, hi: timedelta(minutes=draw(st.integers(lo, hi)))  # noqa: E731
    status = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    submitted = START + minutes(0, 600 * 24 * 60)
    received = submitted + minutes(0, 3 * 24 * 60)
    due = received + minutes(0, 20 * 24 * 60)
    values = row(
        MaHoSo=draw(st.from_regex(r"\A[A-Z0-9.]{3,12}-[0-9]{6}-[0-9]{4}\Z")),
        ChuHoSo=draw(st.sampled_from(["Nguyễn Văn An", "Đỗ Thị Hằng", "Công ty Cổ phần Sông Đà", "Lý Ánh"])),
        KenhThucHien=str(draw(st.integers(1, 3))),
        TrangThaiHoSo=str(status),
        NgayNopHoSo=ts(submitted),
        NgayTiepNhan=ts(received),
        NgayHenTra=ts(due),
        NgayKetThucXuLy="",
        NgayTra="",
        PhiLePhi=str(draw(st.integers(0, 5_000_000))),
        DuocThanhToanTrucTuyen=str(draw(st.integers(0, 2))),
        CoKetQuaDienTu=str(draw(st.integers(0, 1))),
    )
    not_received = status == 1 or (status == 3 and draw(st.booleans()))
    if not_received:
        values["NgayTiepNhan"] = ""
        values["NgayHenTra"] = ""
        if status == 3:
            values["NgayTuChoi"] = ts(submitted + minutes(0, 3000))
        return values
    end = received + minutes(0, 30 * 24 * 60)
    if status in (3, 7, 8, 9, 10):
        values["NgayKetThucXuLy"] = ts(end)
        if status == 10:
            values["NgayTra"] = ts(end + minutes(0, 5000))
        if draw(st.booleans()):
            asked = received + (end - received) * draw(st.floats(0, 1))
            asked = asked.replace(microsecond=0)
            values["NgayYeuCauBoSung"] = ts(asked)
            values["SoLanBoSung"] = str(draw(st.integers(1, 2)))
            if draw(st.booleans()):
                values["NgayBoSung"] = ts(asked + (end - asked) * draw(st.floats(0, 1)))
    if status == 5:
        values["NgayYeuCauBoSung"] = ts(received + minutes(0, 5000))
    if draw(st.booleans()):
        values["NgayHenTraMoi"] = ts(due + minutes(1, 10 * 24 * 60))
    return values


@SETTINGS
@given(values=consistent_rows())
def test_any_consistent_row_survives_export_and_import(db, world, tmp_path_factory, values):
    savepoint = db.begin_nested()
    try:
        import_dossier_rows(db, [(2, values)])
        path = tmp_path_factory.mktemp("rt") / "hoso.json"
        export_dossiers(db, path)
        (exported,) = json.loads(path.read_text(encoding="utf-8"))
        for column, value in values.items():
            assert str(exported[column]) == str(value or ("0" if column == "SoLanBoSung" else "")), column
        first = db.query(Dossier).one()
        db.execute(Dossier.__table__.delete().where(Dossier.id == first.id))
        import_dossier_rows(db, [(2, exported)])
        again = db.query(Dossier).filter(Dossier.code == values["MaHoSo"]).one()
        assert (again.state, again.timeliness, again.due_at, again.ended_at, again.level) == (
            first.state, first.timeliness, first.due_at, first.ended_at, first.level,
        )
    finally:
        savepoint.rollback()


@SETTINGS
@given(
    column=st.sampled_from(TIMESTAMP_COLUMNS),
    junk=st.text(alphabet="0123456789/-:T xyzđ", min_size=1, max_size=16).filter(lambda s: s.strip()),
    line=st.integers(2, 10_000),
)
def test_any_unreadable_timestamp_is_refused_by_row_and_column(db, world, column, junk, line):
    from cchc import vn
    from cchc.errors import ValidationError

    try:
        vn.parse_datetime(junk)
    except ValidationError:
        pass
    else:
        return  # a valid way of writing a moment, not junk
    with pytest.raises(ImportRejected) as info:
        import_dossier_rows(db, [(line, row(**{column: junk}))])
    assert (info.value.row, info.value.column) == (line, column)
    assert f"«{junk.strip()}»" in info.value.message
    assert db.query(Dossier).count() == 0
