"""The 766 indicators that depend on the sync count acknowledged records only: 1.4 is the share of the window's
received dossiers whose receipt the portal acknowledged, and its explanation lists the dossiers not yet synced."""

from __future__ import annotations

from datetime import date, timedelta

from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel
from cchc.stats.index766 import compute_index, explain_indicator
from cchc.sync import service as sync
from tests.dossiers.factories import APPLICANT, MONDAY, make_world

from .receiver import FAIL, Receiver

TOKEN = "bi-mat-thu"
Q1 = (date(2025, 1, 1), date(2025, 3, 31))


def test_indicator_1_4_is_the_acknowledged_share_and_explain_lists_the_rest(db, monkeypatch):
    w = make_world(db)
    dossiers = [svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=Channel.DIRECT,
                            applicant=APPLICANT, at=MONDAY + timedelta(minutes=i), owner=w.citizen) for i in range(4)]
    db.commit()
    before = {i.id: i for i in compute_index(db, w.province, *Q1).indicators}["1.4"]
    assert (before.numerator, before.denominator) == (0, 4)  # written to the outbox is not synced
    # the portal answers the first two, then fails every request: two dossiers acknowledged, two not
    with Receiver(TOKEN, ["ok", "ok"] + [FAIL] * 10) as r:
        monkeypatch.setenv("CCHC_DVCQG_SYNC_URL", r.url)
        monkeypatch.setenv("CCHC_DVCQG_SYNC_TOKEN", TOKEN)
        result = sync.send_pending(db, at=MONDAY + timedelta(days=1))
    assert (result.acknowledged, result.failed) == (2, 2)
    after = {i.id: i for i in compute_index(db, w.province, *Q1).indicators}["1.4"]
    assert (after.numerator, after.denominator, after.rate) == (2, 4, 50.0)
    explained = explain_indicator(db, w.province, *Q1, "1.4")
    codes = [d.code for d in dossiers]
    assert explained["numerator_codes"] == sorted(codes[:2])
    assert explained["missing_codes"] == sorted(codes[2:])
    assert explained["missing_label"] == "Chưa đồng bộ (Cổng Dịch vụ công quốc gia chưa xác nhận)"
