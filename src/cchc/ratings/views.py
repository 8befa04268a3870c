"""API: the citizen's rating of a finished dossier (9 criteria of TT 01/2018/TT-VPCP, satisfaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.dossiers import service as dossier_service
from cchc.errors import NotFound
from cchc.ratings.enums import Satisfaction
from cchc.ratings.models import Rating
from cchc.ratings.service import criteria, rate_dossier, rating_of
from cchc.auth.deps import current_user
from cchc.web.deps import DB_SESSION, check_csrf

router = APIRouter(prefix="/api/v1/dossiers", tags=["Đánh giá giải quyết TTHC"], dependencies=[Depends(check_csrf)])


class RatingIn(BaseModel):
    scores: dict[str, Any] | list[Any] = Field(
        ..., description="Điểm 0, 1, 2 của 9 tiêu chí: {\"1\": 2, \"2\": 1, …} hoặc danh sách 9 giá trị; null = không áp dụng"
    )
    satisfaction: str = Field(..., description="khong_hai_long | hai_long | rat_hai_long")
    comment: str = ""


class CriterionScore(BaseModel):
    number: int
    name: str
    points: int | None


class RatingOut(BaseModel):
    dossier_code: str
    rated_at: datetime
    via: str
    criteria: list[CriterionScore]
    total: int
    max_total: int
    satisfaction: str
    satisfaction_label: str
    comment: str


def rating_out(code: str, rating: Rating) -> RatingOut:
    return RatingOut(
        dossier_code=code, rated_at=rating.rated_at, via=rating.via,
        criteria=[CriterionScore(number=c.number, name=c.name, points=rating.score(c.number)) for c in criteria()],
        total=rating.total, max_total=rating.max_total, satisfaction=rating.satisfaction,
        satisfaction_label=Satisfaction(rating.satisfaction).label, comment=rating.comment,
    )


@router.post("/{code}/rating", response_model=RatingOut, status_code=201, summary="Đánh giá việc giải quyết hồ sơ (một lần, khi đã có kết quả)")
def api_rate(code: str, body: RatingIn, db: Session = DB_SESSION, user: User = Depends(current_user)) -> RatingOut:
    dossier = dossier_service.get_dossier(db, user, code)
    rating = rate_dossier(db, user, dossier, body.scores, body.satisfaction, body.comment)
    return rating_out(dossier.code, rating)


@router.get("/{code}/rating", response_model=RatingOut, summary="Kết quả đánh giá của hồ sơ")
def api_rating(code: str, db: Session = DB_SESSION, user: User = Depends(current_user)) -> RatingOut:
    dossier = dossier_service.get_dossier(db, user, code)
    rating = rating_of(db, dossier.id)
    if rating is None:
        raise NotFound(f"Hồ sơ {dossier.code} chưa được đánh giá.")
    return rating_out(dossier.code, rating)
