"""Rating a finished dossier (TT 01/2018 Điều 13): who, when, once, and the scores."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import case, func, select

from cchc.dossiers.enums import State
from cchc.errors import InvalidTransition, PermissionDenied, ValidationError
from cchc.ratings import service
from cchc.ratings.enums import RatedVia, Satisfaction
from cchc.ratings.models import Rating

FULL = [2, 2, 1, 2, 2, 2, 2, None, 1]


def test_owner_rates_a_returned_dossier(db, org, make_dossier):
    dossier = make_dossier(State.RETURNED)
    rating = service.rate_dossier(db, org.citizen, dossier, FULL, "rat_hai_long", "Nhanh, đúng hẹn", at=datetime(2024, 6, 14, 11))
    assert rating.id and rating.via == RatedVia.OWNER and rating.rater_user_id == org.citizen.id
    assert [rating.score(n) for n in range(1, 10)] == FULL
    assert (rating.total, rating.max_total) == (14, 16)
    assert rating.unit_id == dossier.unit_id and rating.procedure_id == dossier.procedure_id
    assert rating.satisfaction == Satisfaction.VERY_SATISFIED and rating.comment == "Nhanh, đúng hẹn"
    assert service.rating_of(db, dossier.id) is rating


def test_citizen_rates_at_the_counter_of_the_receiving_unit(db, org, make_dossier):
    dossier = make_dossier(State.FINISHED)
    rating = service.rate_dossier(db, org.receiving, dossier, {"c1": 1, 3: 2, "7": "0"}, "khong_hai_long", at=datetime(2024, 6, 14, 11))
    assert rating.via == RatedVia.COUNTER and rating.rater_user_id == org.receiving.id
    assert (rating.c1, rating.c2, rating.c3, rating.c7) == (1, None, 2, 0)
    assert (rating.total, rating.max_total) == (3, 6)


@pytest.mark.parametrize("who", ["citizen2", "specialist", "leader", "outsider", "system_admin", None])
def test_only_the_owner_or_the_counter_may_rate(db, org, make_dossier, who):
    dossier = make_dossier(State.RETURNED)
    actor = getattr(org, who) if who else None
    with pytest.raises(PermissionDenied, match=f"Không có quyền đánh giá hồ sơ {dossier.code}"):
        service.rate_dossier(db, actor, dossier, FULL, "hai_long")
    assert service.rating_of(db, dossier.id) is None


@pytest.mark.parametrize("state", [State.RECEIVED, State.PROCESSING, State.SUPPLEMENT, State.REFUSED, State.WITHDRAWN, State.STOPPED])
def test_only_finished_or_returned_dossiers_are_rated(db, org, make_dossier, state):
    dossier = make_dossier(state)
    with pytest.raises(InvalidTransition, match=f"«{state.label}»: chỉ đánh giá được khi hồ sơ «Đã xử lý xong» hoặc «Đã trả kết quả»"):
        service.rate_dossier(db, org.citizen, dossier, FULL, "hai_long")
    assert service.rating_of(db, dossier.id) is None


def test_once_per_dossier(db, org, make_dossier):
    dossier = make_dossier(State.RETURNED)
    service.rate_dossier(db, org.citizen, dossier, FULL, "hai_long", at=datetime(2024, 6, 14, 11, 5))
    with pytest.raises(InvalidTransition, match="đã được đánh giá lúc 14/6/2024 11:05; mỗi hồ sơ chỉ đánh giá một lần"):
        service.rate_dossier(db, org.receiving, dossier, FULL, "rat_hai_long")
    assert db.scalar(select(func.count()).select_from(Rating).where(Rating.dossier_id == dossier.id)) == 1


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([2] * 8, "đúng 9 tiêu chí"),
        ([3, 2, 2, 2, 2, 2, 2, 2, 2], "Tiêu chí 1: điểm 3 không hợp lệ"),
        ({"c5": -1}, "Tiêu chí 5: điểm «-1» không hợp lệ"),
        ({"c10": 1}, "Tiêu chí «c10» không có"),
        ({2: 1.5}, "Tiêu chí 2: điểm «1.5» không hợp lệ"),
        ({4: True}, "Tiêu chí 4: điểm «True» không hợp lệ"),
        ([None] * 9, "ít nhất một tiêu chí"),
        ("222222222", "danh sách 9 tiêu chí"),
    ],
)
def test_scores_are_validated(db, org, make_dossier, scores, message):
    dossier = make_dossier(State.RETURNED)
    with pytest.raises(ValidationError, match=message):
        service.rate_dossier(db, org.citizen, dossier, scores, "hai_long")
    assert service.rating_of(db, dossier.id) is None


def test_satisfaction_and_time_are_validated(db, org, make_dossier):
    dossier = make_dossier(State.RETURNED)
    with pytest.raises(ValidationError, match="Mức độ hài lòng «tam_duoc»"):
        service.rate_dossier(db, org.citizen, dossier, FULL, "tam_duoc")
    with pytest.raises(ValidationError, match="trước khi hồ sơ kết thúc"):
        service.rate_dossier(db, org.citizen, dossier, FULL, "hai_long", at=datetime(2024, 6, 14, 9, 0))
    assert service.rating_of(db, dossier.id) is None


def test_criteria_are_data():
    crit = service.criteria()
    assert [c.number for c in crit] == list(range(1, 10))
    assert crit[6].name.startswith("Thái độ của cán bộ")
    assert {c.number for c in crit if "ho_so" in c.scopes} == {1, 2, 3, 4, 6, 7}
    assert {c.number for c in crit if "co_quan" in c.scopes} == {5, 6, 8, 9}


def test_satisfaction_figures_come_from_sql(db, org, make_dossier):
    for level in ("rat_hai_long", "hai_long", "hai_long", "khong_hai_long"):
        service.rate_dossier(db, org.citizen, make_dossier(State.RETURNED), FULL, level, at=datetime(2024, 6, 14, 11))
    satisfied = func.sum(case((Rating.satisfaction != Satisfaction.NOT_SATISFIED, 1), else_=0))
    total, happy, points = db.execute(
        select(func.count(), satisfied, func.sum(Rating.total)).where(Rating.unit_id == org.unit.id)
    ).one()
    assert (total, happy, points) == (4, 3, 56)


def test_the_owner_scores_every_criterion_about_the_dossier(db, org, make_dossier):
    """What the citizen's rating form requires, the service requires of the owner (the API too); the counter may leave some."""
    dossier = make_dossier(State.RETURNED)
    with pytest.raises(ValidationError, match="Chưa chấm điểm tiêu chí 2: Thời gian thực hiện") as refused:
        service.rate_dossier(db, org.citizen, dossier, {"c1": 2, "c3": 1, "c4": 2, "c6": 2, "c7": 2}, "hai_long")
    assert refused.value.field == "c2"
    with pytest.raises(ValidationError, match="Chọn mức độ hài lòng") as refused:
        service.rate_dossier(db, org.citizen, dossier, FULL, "")
    assert refused.value.field == "satisfaction"
    assert service.rating_of(db, dossier.id) is None


def test_may_rate_asks_what_rate_dossier_checks(db, org, make_dossier):
    dossier = make_dossier(State.RETURNED)
    assert service.may_rate(db, org.citizen, dossier) and service.may_rate(db, org.receiving, dossier)
    assert not service.may_rate(db, org.citizen2, dossier) and not service.may_rate(db, None, dossier)
    assert not service.may_rate(db, org.citizen, make_dossier(State.PROCESSING))
    service.rate_dossier(db, org.citizen, dossier, FULL, "hai_long", at=datetime(2024, 6, 14, 11))
    assert not service.may_rate(db, org.citizen, dossier)
