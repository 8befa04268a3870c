"""Rating a finished dossier: once, by its owner (online) or by the citizen at the counter.

The 9 criteria of TT 01/2018/TT-VPCP Điều 13 are data (data/rating_criteria.yaml); each is
scored 0, 1 or 2, or left empty when it does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.auth.enums import Role
from cchc.dossiers.enums import RESOLVED_STATES, State
from cchc.errors import FieldChecks, InvalidTransition, PermissionDenied, ValidationError
from cchc.ratings.enums import RatedVia, Satisfaction
from cchc.ratings.models import Rating
from cchc.values import moment

MAX_POINTS = 2
COMMENT_LIMIT = 2000  # characters of the free comment


@dataclass(frozen=True)
class Criterion:
    number: int
    name: str
    scopes: tuple[str, ...]  # ho_so | co_quan


@lru_cache(maxsize=1)
def criteria() -> tuple[Criterion, ...]:
    """The 9 criteria, in order, from data/rating_criteria.yaml."""
    text = resources.files("cchc").joinpath("data", "rating_criteria.yaml").read_text(encoding="utf-8")
    items = yaml.safe_load(text)
    result = tuple(Criterion(int(i["so"]), str(i["ten"]), tuple(i.get("pham_vi") or ())) for i in items)
    if [c.number for c in result] != list(range(1, 10)):
        raise ValidationError("Tệp rating_criteria.yaml phải có đúng 9 tiêu chí, đánh số 1–9.")
    return result


def normalise_scores(scores: Mapping[Any, Any] | Sequence[Any], require_one: bool = True) -> dict[int, int | None]:
    """{1: 2, "c2": 1, …} or a list of 9 → {1..9: 0|1|2|None}; Vietnamese errors otherwise, every
    criterion in error at once (FieldErrors, fields c1…c9)."""
    checks = FieldChecks()
    result = _read_scores(scores, checks)
    checks.raise_if_any()
    if require_one and all(v is None for v in result.values()):
        raise ValidationError("Cần chấm điểm ít nhất một tiêu chí.", field="scores")
    return result


def _read_scores(scores: Mapping[Any, Any] | Sequence[Any], checks: FieldChecks) -> dict[int, int | None]:
    """The valid scores read; each refusal added to `checks` (c1…c9, or "scores" for the whole)."""
    result: dict[int, int | None] = {n: None for n in range(1, 10)}
    if isinstance(scores, Mapping):
        items = list(scores.items())
    elif isinstance(scores, Sequence) and not isinstance(scores, (str, bytes)):
        if len(scores) != 9:
            checks.add("scores", f"Cần điểm của đúng 9 tiêu chí (nhận được {len(scores)}).")
            return result
        items = list(enumerate(scores, start=1))
    else:
        checks.add("scores", "Điểm đánh giá phải là danh sách 9 tiêu chí hoặc bảng tiêu chí → điểm.")
        return result
    for key, value in items:
        with checks.on("scores"):
            number = _criterion_number(key)
        if checks.has("scores"):
            continue
        if value is None or value == "":
            result[number] = None
            continue
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            checks.add(f"c{number}", f"Tiêu chí {number}: điểm «{value}» không hợp lệ (chỉ 0, 1 hoặc 2).")
            continue
        points = int(value)
        if not 0 <= points <= MAX_POINTS:
            checks.add(f"c{number}", f"Tiêu chí {number}: điểm {points} không hợp lệ (chỉ 0, 1 hoặc 2).")
            continue
        result[number] = points
    return result


def _criterion_number(key: Any) -> int:
    text = str(key).strip().lower().removeprefix("c")
    if text.isdigit() and 1 <= int(text) <= 9:
        return int(text)
    raise ValidationError(f"Tiêu chí «{key}» không có (các tiêu chí đánh số 1–9).")


def rate_dossier(
    session: Session,
    actor: Any,
    dossier: Any,
    scores: Mapping[Any, Any] | Sequence[Any],
    satisfaction: str,
    comment: str = "",
    at: datetime | None = None,
) -> Rating:
    """Record the rating of `dossier` (Đã xử lý xong / Đã trả kết quả), once per dossier."""
    _check_rating(session, actor, dossier)
    rating = Rating(dossier_id=dossier.id, **rating_values(actor, dossier, scores, satisfaction, comment, at))
    session.add(rating)
    session.flush()
    return rating


def rating_values(actor: Any, dossier: Any, scores: Mapping[Any, Any] | Sequence[Any], satisfaction: str,
                  comment: str = "", at: datetime | None = None) -> dict[str, Any]:
    """The columns of a rating (but its dossier's id), checked as rate_dossier checks them save the one
    query (not rated yet): the demo's bulk path writes them as they are for a dossier it has just made."""
    via = _rater(actor, dossier)
    _require_result(dossier)
    checks = FieldChecks()  # every field in error at once: each criterion, the satisfaction, the comment
    points = _read_scores(scores, checks)
    unreadable = checks.has("scores")  # not a list of 9 nor a table of criteria: nothing to say per criterion
    if all(v is None for v in points.values()) and not checks.errors:
        checks.add("scores", "Cần chấm điểm ít nhất một tiêu chí.")
    if via == RatedVia.OWNER and not unreadable:  # the owner scores every criterion about a dossier
        for c in criteria():
            if "ho_so" in c.scopes and points[c.number] is None and not checks.has(f"c{c.number}"):
                checks.add(f"c{c.number}", f"Chưa chấm điểm tiêu chí {c.number}: {c.name}.")
    if satisfaction not in Satisfaction._value2member_map_:
        choices = ", ".join(s.value for s in Satisfaction)
        if not satisfaction:
            checks.add("satisfaction", f"Chọn mức độ hài lòng ({choices}).")
        else:
            checks.add("satisfaction", f"Mức độ hài lòng «{satisfaction}» không hợp lệ (dùng {choices}).")
    if len((comment or "").strip()) > COMMENT_LIMIT:
        checks.add("comment", f"Góp ý dài {vn.fmt_int(len(comment.strip()))} ký tự, tối đa {vn.fmt_int(COMMENT_LIMIT)} ký tự.")
    checks.raise_if_any()
    rated_at = moment(at)
    ended = dossier.ended_at or dossier.returned_at
    if ended is not None and rated_at < ended:
        raise ValidationError(f"Thời điểm đánh giá {vn.fmt_datetime(rated_at)} trước khi hồ sơ kết thúc ({vn.fmt_datetime(ended)}).")
    given = [p for p in points.values() if p is not None]
    return {
        "unit_id": dossier.unit_id, "procedure_id": dossier.procedure_id, "rater_user_id": getattr(actor, "id", None),
        "via": via.value, "total": sum(given), "max_total": MAX_POINTS * len(given), "satisfaction": satisfaction,
        "comment": (comment or "").strip(), "rated_at": rated_at, **{f"c{n}": p for n, p in points.items()},
    }


def _rater(actor: Any, dossier: Any) -> RatedVia:
    """Who rates: the owner online, or the citizen at the counter of the receiving unit."""
    role = getattr(actor, "role", None)
    actor_id = getattr(actor, "id", None)
    if actor_id is not None and actor_id == dossier.owner_user_id:
        return RatedVia.OWNER
    if role == Role.RECEIVING and getattr(actor, "unit_id", None) == dossier.unit_id:
        return RatedVia.COUNTER
    raise PermissionDenied(
        f"Không có quyền đánh giá hồ sơ {dossier.code}: chỉ chủ hồ sơ, hoặc công dân tại Bộ phận Một cửa của đơn vị tiếp nhận."
    )


def _require_result(dossier: Any) -> None:
    if dossier.state not in RESOLVED_STATES:
        raise InvalidTransition(
            f"Hồ sơ {dossier.code} đang ở trạng thái «{State(dossier.state).label}»: chỉ đánh giá được khi hồ sơ "
            f"«{State.FINISHED.label}» hoặc «{State.RETURNED.label}»."
        )


def _check_rating(session: Session, actor: Any, dossier: Any) -> None:
    """Who rates, and only a dossier with its result, not yet rated."""
    _rater(actor, dossier)
    _require_result(dossier)
    existing = rating_of(session, dossier.id)
    if existing is not None:
        raise InvalidTransition(f"Hồ sơ {dossier.code} đã được đánh giá lúc {vn.fmt_datetime(existing.rated_at)}; mỗi hồ sơ chỉ đánh giá một lần.")


def may_rate(session: Session, actor: Any, dossier: Any) -> bool:
    """Whether `actor` may rate the dossier now (what rate_dossier checks before the scores)."""
    try:
        _check_rating(session, actor, dossier)
    except (PermissionDenied, InvalidTransition):
        return False
    return True


def rating_of(session: Session, dossier_id: int) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.dossier_id == dossier_id))
