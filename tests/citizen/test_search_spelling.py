"""Search treats i and y alike where Vietnamese writes either (kỳ/kì, lý/lí, quy/qui, Mỹ/Mĩ), still without
accents or case, for every stored search key: procedures, units, PAKN, dossiers' applicants (issue 16 item 3)."""

from __future__ import annotations

from datetime import date, datetime

from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from cchc import migrate, vn
from cchc.feedback import views as feedback_views
from cchc.feedback.models import Feedback
from cchc.procedures.catalogue import search_procedures
from cchc.units.models import Unit
from cchc.units.service import search_units
from tests.dossiers.factories import make_procedure
from tests.test_migrations import empty_database


def test_the_fold():
    assert vn.search_fold("Đăng ký khai sinh") == vn.search_fold("dang ki khai sinh") == "dang ki khai sinh"
    assert vn.search_fold("Kì họp thứ 9") == vn.search_fold("KY HOP THU 9")
    assert vn.search_fold("Quy định") == vn.search_fold("qui dinh")
    assert vn.search_fold("Cấp Phiếu lý lịch tư pháp") == vn.search_fold("cap phieu li lich tu phap")
    # a y that is another sound stays: after a vowel, opening or inside a syllable
    assert vn.search_fold("Thủy lợi") == "thuy loi" and vn.search_fold("Tây Ninh") == "tay ninh"
    assert vn.search_fold("ý kiến") == "y kien" and vn.search_fold("huyện Quyết Thắng") == "huyen quyet thang"
    assert vn.search_fold("Giấy chứng nhận") == "giay chung nhan"
    # words compared as words keep their spelling (a report's «Ký hiệu», «quý III»)
    assert vn.search_key("Ký hiệu") == "ky hieu" and vn.search_key("quý III") == "quy iii"


def test_procedures_by_either_spelling(db):
    names = {"1.001193": "Đăng ký khai sinh", "2.000488": "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
             "1.004227": "Thủ tục thẩm định quy hoạch", "1.000894": "Đăng ký kết hôn"}
    for code, name in names.items():
        make_procedure(db, code, name=name)
    db.flush()

    def found(q):
        return {p.code for p in search_procedures(db, q, today=date(2026, 11, 20))[0]}

    assert found("dang ki khai sinh") == found("Đăng ký khai sinh") == {"1.001193"}
    assert found("dang ki") == {"1.001193", "1.000894"}
    assert found("li lich tu phap") == found("lý lịch") == {"2.000488"}
    assert found("qui hoach") == {"1.004227"}


def test_units_and_feedback_by_either_spelling(db):
    province = Unit(code="H82", name="Tỉnh Đồng Tháp", level="tinh", kind="tinh", is_area=True)
    db.add(province)
    db.flush()
    db.add_all([Unit(code="H82.01", name="Xã Mỹ An Hưng", level="xa", kind="xa", is_area=True, parent_id=province.id),
                Unit(code="H82.02", name="Xã Mĩ Thọ", level="xa", kind="xa", is_area=True, parent_id=province.id)])
    db.flush()
    assert {u.code for u in search_units(db, "my")} == {u.code for u in search_units(db, "mĩ")} == {"H82.01", "H82.02"}
    db.add(Feedback(code="PAKN-1", unit_id=province.id, category="khac", channel="truc_tiep", sender_name="A", content="Kì hạn trả kết quả",
                    title="Lý do chậm", answer="Đã giải quyết", received_at=datetime(2026, 11, 2, 9), state="da_cong_khai",
                    published_at=datetime(2026, 11, 5, 9)))
    db.flush()
    for q in ("ky han", "KÌ HẠN", "li do cham", "lý do"):
        assert [f.code for f in feedback_views.published(db, q)[0]] == ["PAKN-1"], q


def test_0011_folds_the_keys_already_stored(tmp_path):
    """Keys stored before 0011 («dang ky …») are folded by it; downgrading writes them back as they were."""
    with empty_database(tmp_path, "_iy") as engine:
        migrate.upgrade(engine)
        with Session(engine) as s:
            province = Unit(code="H82", name="Tỉnh Đồng Tháp", level="tinh", kind="tinh", is_area=True)
            s.add(province)
            s.flush()
            make_procedure(s, "1.001193", name="Đăng ký khai sinh")
            s.commit()
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011-1")  # the revision before 0011
            assert conn.execute(text("SELECT name_key FROM procedures")).scalar_one() == "dang ky khai sinh"
            conn.execute(text("UPDATE units SET name = 'Tỉnh Mỹ Tho', name_key = 'tinh my tho'"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name_key FROM procedures")).scalar_one() == "dang ki khai sinh"
            assert conn.execute(text("SELECT name_key FROM units")).scalar_one() == "tinh mi tho"
