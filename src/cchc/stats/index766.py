"""The QĐ 766 index (Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ): scores per unit and window.

Groups, indicators, maxima, thresholds, rank bands and the rule for an empty denominator are data
(`definitions/index766.yaml`); this module holds the computations (`metric:` in that file), each
written as SQL conditions that serve both to count and to list what is behind a figure
(`explain_indicator`). The formulas follow research/766.md (VPCP "Mô tả công thức tính chỉ số 766"):

  1.1 procedures published on time: decision ≥ N working days before the legal basis takes effect
  1.2 procedures publicised on the national database ≤ N working days after the decision
  1.3 procedures published with every part (name, process steps, way of submitting, components,
      time limit, subject, resolving agency)
  1.4 dossiers received in the window synced to DVCQG
  2.1 dossiers ended in time or still within time / dossiers received (received_total of the figures);
      counted from the per-day counts (`_on_time_from_counts`)
  3.1 procedures with an online service (toàn trình or một phần) / procedures in competence
  3.3 online dossiers (with an electronic result when the procedure issues a paper) / dossiers
      received, × the sync rate of 1.4
  3.5 procedures with fees having synced dossiers with a fee / procedures with fees;
  3.5b the same with a dossier paid online; 3.6 synced dossiers paid online / dossiers with a fee
  4.1 resolved dossiers with an electronic result / resolved dossiers of procedures issuing a paper
  4.2 resolved dossiers with digitised components (and an electronic result when one is issued)
  4.3 dossiers reusing digitised data; 4.4 dossiers with files from the personal data store;
  4.5a procedures with dossiers using population data / procedures for citizens; 4.5b such dossiers
  5.2 PAKN handled within the deadlines; 5.3 PAKN not disliked and not overdue;
  5.4 100% − (late dossiers + dossiers disliked or complained about) / dossiers received; the late
      ones from the per-day counts, the disliked ones that are not late from their ids.

The other dossier indicators are sums asked of one read of the window's new dossiers and one of its
ended dossiers (`stats.online.DossierPasses`), which the online figures share in `all_figures`.

The index states only what happened. A dossier counts as synced to DVCQG only when the portal
acknowledged a record of its receipt (`Dossier.synced_dvcqg`, set by cchc.sync when the outbox row
carrying its NgayTiepNhan is acknowledged, false until then), so 1.4 — and 3.3, 3.5 and 3.6, built on it —
count acknowledged records only; `explain_indicator` lists the dossiers not yet synced (`missing_codes`).
An indicator whose denominator is 0 is «không phát sinh»: the definition's
`zero_denominator` rule either gives it full points or leaves it out, and the total is put back on
the 100-point scale over the points that were scored (`total`; the plain sum is `raw_total`). A unit
whose indicators measured from what happened weigh fewer points than `rank_minimum_points` gets no
rank (`ranked` false, `band` the definition's `unranked_label`) and no total on that scale.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import and_, case, exists, false, func, literal, not_, or_, select, text, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from cchc.dossiers.enums import Channel, Timeliness
from cchc.dossiers.models import Dossier
from cchc.errors import ValidationError
from cchc.feedback.enums import FeedbackState
from cchc.feedback.models import Feedback
from cchc.periods import Window, window
from cchc.procedures.enums import OnlineLevel
from cchc.procedures.models import Component, Procedure, ProcessStep, Publication
from cchc.rates import rate
from cchc.ratings.enums import Satisfaction
from cchc.ratings.models import Rating
from cchc.stats.catalogue import competence_condition
from cchc.stats.dossiers import (
    FiguresInconsistent,
    bucket_conditions,
    dossier_figures,
    ended_late_without_result,
    received_condition,
    relevance_parts,
    scope_conditions,
    unit_condition,
)
from cchc.stats.loader import load_definition
from cchc.stats.online import PAID_ONLINE, DossierPasses
from cchc.units.models import Unit
from cchc.units.scope import resolve_unit, subtree_condition

STATUS_SCORED = "scored"
STATUS_NO_DATA = "no_data"  # denominator 0 in the window
STATUS_NOT_COMPUTABLE = "not_computable"
STATUS_MONITORING = "monitoring"  # maximum 0: shown, never scored

STATUS_LABELS = {
    STATUS_SCORED: "Đã chấm điểm",
    STATUS_NO_DATA: "Không phát sinh",
    STATUS_NOT_COMPUTABLE: "Không tính được từ dữ liệu của hệ thống",
    STATUS_MONITORING: "Chỉ số theo dõi",
}


# ---- results ------------------------------------------------------------------------------------

@dataclass
class IndicatorResult:
    id: str
    name: str
    group: str
    maximum: float
    threshold: float | None
    numerator: int | None
    denominator: int | None
    rate: float | None
    score: float | None
    status: str
    note: str = ""
    metric: str = ""  # the computation's name in the definition (dossier_sync …), "" when none

    @property
    def status_label(self) -> str:
        if self.status == STATUS_SCORED and self.rate is None:  # «không phát sinh» given full points by the rule
            return STATUS_LABELS[STATUS_NO_DATA] + " (tính đủ điểm)"
        return STATUS_LABELS[self.status]

    @property
    def measured(self) -> bool:
        """Scored from what happened in the window (a denominator above 0), not from a rule."""
        return self.status == STATUS_SCORED and self.rate is not None


@dataclass
class GroupResult:
    id: str
    name: str
    maximum: float
    score: float
    scored_maximum: float
    indicators: list[IndicatorResult] = field(default_factory=list)


@dataclass
class IndexResult:
    unit_code: str
    unit_name: str
    start: date
    end: date
    groups: list[GroupResult]
    total: float | None  # on the total_maximum scale, over the points scored; None when not ranked
    total_maximum: float
    scored_maximum: float  # maxima of the indicators scored (measured, or «không phát sinh» given full points)
    band: str  # the rank, or the definition's unranked_label
    raw_total: float = 0.0  # the points scored, as they are
    measured_maximum: float = 0.0  # maxima of the indicators measured from what happened in the window
    ranked: bool = True
    rank_minimum: float = 0.0  # the points that must be measured for a rank (rank_minimum_points)
    sync_indicators: list[str] = field(default_factory=list)  # ids counted over dossiers recorded as synced
    zero_denominator: str = ""  # the rule applied to «không phát sinh»: full | rescale

    @property
    def indicators(self) -> list[IndicatorResult]:
        return [i for g in self.groups for i in g.indicators]

    @property
    def not_computable(self) -> list[IndicatorResult]:
        return [i for i in self.indicators if i.status == STATUS_NOT_COMPUTABLE]

    def as_dict(self) -> dict:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        for g, group in zip(out["groups"], self.groups, strict=True):
            for i, result in zip(g["indicators"], group.indicators, strict=True):
                i["status_label"] = result.status_label
                i["measured"] = result.measured
        out["not_computable"] = [i.id for i in self.not_computable]
        return out


# ---- scoring (pure) -------------------------------------------------------------------------------

def score(rate_value: float, maximum: float, threshold: float | None) -> float:
    """Maximum if rate ≥ threshold, else rate × maximum / threshold; without threshold rate × maximum / 100."""
    if rate_value < 0:
        raise ValidationError("Tỷ lệ không được âm.")
    if threshold:
        value = maximum if rate_value >= threshold else rate_value * maximum / threshold
    else:
        value = min(rate_value, 100.0) * maximum / 100.0
    return round(value, 2)


def band(total: float, bands: list[dict] | None = None) -> str:
    """The rank of a total (Xuất sắc ≥ 90, Tốt ≥ 80, Khá ≥ 70, Trung bình ≥ 50, Yếu below, by default)."""
    bands = bands if bands is not None else definition()["bands"]
    for b in sorted(bands, key=lambda b: float(b["min"]), reverse=True):
        if total >= float(b["min"]):
            return str(b["label"])
    return str(sorted(bands, key=lambda b: float(b["min"]))[0]["label"])


ZERO_RULES = {"rescale": "không tính điểm, quy đổi tổng điểm", "full": "tính đủ điểm"}
# What a definition file that does not say gets (the package's index766.yaml says the same, with its sources).
RANK_DEFAULTS = {"zero_denominator": "rescale", "rank_minimum_points": 50, "unranked_label": "Chưa đủ dữ liệu xếp loại"}


def definition() -> dict:
    data = load_definition("index766.yaml")
    if not data.get("groups") or not data.get("bands"):
        raise ValidationError("Tệp index766.yaml phải có các mục groups và bands.")
    for g in data["groups"]:
        total = sum(float(i.get("maximum", 0)) for i in g.get("indicators", []))
        if abs(total - float(g["maximum"])) > 1e-9:
            raise ValidationError(
                f"Tệp index766.yaml: nhóm {g['id']} ({g['name']}) có điểm tối đa {g['maximum']} "
                f"nhưng tổng điểm các chỉ số là {total:g}."
            )
    data = {**RANK_DEFAULTS, **data}
    rule = str(data["zero_denominator"])
    if rule not in ZERO_RULES:
        choices = "; ".join(f"{k} ({v})" for k, v in ZERO_RULES.items())
        raise ValidationError(f"Tệp index766.yaml: zero_denominator «{rule}» không hợp lệ, dùng {choices}.")
    try:
        minimum = float(data["rank_minimum_points"])
    except (TypeError, ValueError):
        minimum = -1.0
    if minimum < 0:
        raise ValidationError("Tệp index766.yaml: rank_minimum_points phải là một số điểm không âm.")
    if not str(data["unranked_label"] or "").strip():
        raise ValidationError("Tệp index766.yaml: unranked_label không được để trống (ví dụ «Chưa đủ dữ liệu xếp loại»).")
    return data


# ---- metrics ------------------------------------------------------------------------------------

@dataclass
class Spec:
    """How an indicator is counted: over dossiers or procedures with SQL conditions, or as lists."""

    kind: str  # dossier | procedure | feedback | listed
    denominator: object = None
    numerator: object = None
    note: str = ""
    num_codes: list[str] | None = None
    den_codes: list[str] | None = None
    family: str = "all"  # dossier kind: "new" / "ended" when the denominator lies in that slice (faster)
    # procedure kind: the numerator is "a dossier of the procedure received in the window in the unit's
    # subtree with these conditions exists" (counted for every such indicator in one pass, `_count_all`)
    new_exists: tuple | None = None
    factor_of: Spec | None = None  # the rate is multiplied by this spec's rate (3.3: the sync rate of 1.4)
    none_note: str = ""  # said when nothing of the denominator is in the numerator (1.4: no sync recorded)
    uses_sync: bool = False  # counts only dossiers recorded as synced to DVCQG (1.4, 3.3, 3.5, 3.6)
    # (numerator, denominator) from the per-day counts (`Context.day_figures`) and small queries: the same
    # numbers as counting the conditions above (which still list the dossiers, `explain_indicator`).
    from_counts: Callable[[Context], tuple[int, int]] | None = None


@dataclass
class Context:
    session: Session
    unit: Unit
    w: Window
    params: dict
    passes: DossierPasses | None = None  # the reads of the window's dossiers, shared with the online figures
    dossiers: dict | None = None  # dossier_figures of the unit and window, when already computed

    def __post_init__(self) -> None:
        self.dialect = self.session.get_bind().dialect.name
        self.conds = bucket_conditions(self.w, self.dialect)
        self.competent, self.levels = competence_condition(self.session, self.unit, self.w)
        self._calendar = None
        self._day_figures = None
        if self.passes is None:
            self.passes = DossierPasses(self.session, self.unit, self.w)

    def day_figures(self) -> dict:
        """The window's dossier figures (from the per-day counts) and ended_late_without_result."""
        if self._day_figures is None:
            f = self.dossiers if self.dossiers is not None else dossier_figures(self.session, self.unit, self.w.start, self.w.end)
            self._day_figures = {**f, "ended_late_without_result": ended_late_without_result(
                self.session, self.unit, self.w.start, self.w.end)}
        return self._day_figures

    @property
    def calendar(self):
        if self._calendar is None:
            from cchc.calendar.service import load_calendar

            self._calendar = load_calendar(self.session)
        return self._calendar

    def ended_in_window(self):
        c = self.conds
        return or_(c["resolved_total"], c["refused"], c["withdrawn"], c["stopped"])

    def new_in_scope_exists(self, *extra):
        """EXISTS a dossier of this procedure received in the window in the unit's subtree."""
        return exists(
            select(Dossier.id)
            .where(Dossier.procedure_id == Procedure.id, *scope_conditions(self.unit, self.w, "new"),
                   self.conds["new_total"], *extra)
        )


METRICS: dict[str, Callable[[Context], Spec]] = {}


def metric(name: str):
    def register(fn):
        METRICS[name] = fn
        return fn

    return register


def _late():
    """Classified quá hạn; never NULL (an unclassified dossier is not late), so NOT(…) stays exact."""
    return case((Dossier.timeliness == Timeliness.LATE.value, 1), else_=0) == 1


def _publications_in_window(ctx: Context):
    published, _ = competence_condition(ctx.session, ctx.unit, ctx.w, active_only=False)
    return ctx.session.execute(
        select(Procedure.code, Publication.decision_date, Publication.legal_effective_date, Publication.published_on)
        .join(Procedure, Procedure.id == Publication.procedure_id)
        .where(published, Publication.decision_date >= ctx.w.start, Publication.decision_date <= ctx.w.end)
        .order_by(Procedure.code, Publication.decision_date)
    ).all()


@metric("publish_on_time")
def _publish_on_time(ctx: Context) -> Spec:
    days = int(ctx.params.get("working_days_before_effect", 5))
    by_proc: dict[str, bool] = {}
    unknown: set[str] = set()
    for code, decided, effective, _pub in _publications_in_window(ctx):
        if effective is None:
            unknown.add(code)
            continue
        ok = ctx.calendar.working_days_between(decided, effective) >= days
        by_proc[code] = by_proc.get(code, True) and ok
    for code in unknown:
        by_proc.pop(code, None)
    note = f"Đúng hạn khi quyết định công bố trước ngày văn bản có hiệu lực ít nhất {days} ngày làm việc."
    if unknown:
        note += f" {len(unknown)} TTHC không có ngày hiệu lực của văn bản cơ sở nên không xét."
    return Spec("listed", note=note, den_codes=sorted(by_proc), num_codes=sorted(c for c, ok in by_proc.items() if ok))


@metric("publicise_on_time")
def _publicise_on_time(ctx: Context) -> Spec:
    days = int(ctx.params.get("working_days_after_decision", 5))
    by_proc: dict[str, bool] = {}
    for code, decided, _effective, published_on in _publications_in_window(ctx):
        ok = published_on is not None and ctx.calendar.working_days_between(decided, published_on) <= days
        by_proc[code] = by_proc.get(code, True) and ok
    note = f"Đúng hạn khi công khai trên CSDL quốc gia chậm nhất {days} ngày làm việc sau quyết định công bố."
    return Spec("listed", note=note, den_codes=sorted(by_proc), num_codes=sorted(c for c, ok in by_proc.items() if ok))


@metric("content_complete")
def _content_complete(ctx: Context) -> Spec:
    complete = and_(
        Procedure.name != "",
        exists(select(ProcessStep.id).where(ProcessStep.procedure_id == Procedure.id)),
        Procedure.where_to_submit != "",
        exists(select(Component.id).where(Component.procedure_id == Procedure.id)),
        Procedure.time_amount > 0,
        Procedure.subject != "",
        or_(Procedure.agency_name != "", Procedure.agency_unit_id.is_not(None)),
    )
    return Spec("procedure", denominator=Procedure.published_on.is_not(None), numerator=complete,
                note="Không theo kỳ: mọi TTHC đã công khai.")


NO_SYNC = "Hệ thống chưa ghi nhận hồ sơ nào được đồng bộ lên Cổng Dịch vụ công quốc gia trong kỳ."
MISSING = "Trong mẫu số, không vào tử số"
MISSING_SYNC = "Chưa đồng bộ (Cổng Dịch vụ công quốc gia chưa xác nhận)"


@metric("dossier_sync")
def _dossier_sync(ctx: Context) -> Spec:
    return Spec("dossier", family="new", denominator=ctx.conds["new_total"], numerator=Dossier.synced_dvcqg.is_(True),
                note="Tử số: hồ sơ được Cổng Dịch vụ công quốc gia xác nhận đã nhận bản ghi tiếp nhận; "
                     "mẫu số: hồ sơ tiếp nhận trong kỳ trên hệ thống của tỉnh.",
                none_note=NO_SYNC, uses_sync=True)


@metric("dossier_on_time")
def _dossier_on_time(ctx: Context) -> Spec:
    in_time = or_(and_(ctx.ended_in_window(), or_(Dossier.timeliness.is_(None), not_(_late()))),
                  ctx.conds["in_progress_within"])
    return Spec("dossier", denominator=ctx.conds["received_total"], numerator=in_time, from_counts=_on_time_from_counts,
                note="Hồ sơ đã kết thúc đúng hạn, trước hạn hoặc đang giải quyết trong hạn / tổng hồ sơ tiếp nhận.")


def _on_time_from_counts(ctx: Context) -> tuple[int, int]:
    """2.1 from the day counts: every dossier ended in the window except those classified late
    (resolved_late, and ended_late_without_result among the refused / withdrawn / stopped ones),
    plus those in progress within their time, over received_total. Ended in the window and in
    progress at its end are disjoint parts of received_total, as in the conditions of the spec."""
    f = ctx.day_figures()
    ended_in_time = f["resolved_in_time"] + f["refused"] + f["withdrawn"] + f["stopped"] - f["ended_late_without_result"]
    return ended_in_time + f["in_progress_within"], f["received_total"]


@metric("online_procedures")
def _online_procedures(ctx: Context) -> Spec:
    return Spec("procedure", denominator=literal(True),
                numerator=Procedure.online_level.in_((OnlineLevel.FULL.value, OnlineLevel.PARTIAL.value)))


@metric("online_dossiers")
def _online_dossiers(ctx: Context) -> Spec:
    online = and_(Dossier.channel == int(Channel.ONLINE),
                  or_(Procedure.paper_result.is_(False), Dossier.result_digitized.is_(True)))
    return Spec("dossier", family="new", denominator=ctx.conds["new_total"], numerator=online,
                factor_of=_dossier_sync(ctx), note="Tỷ lệ đã nhân với tỷ lệ đồng bộ (chỉ số 1.4).", uses_sync=True)


@metric("fee_procedures_synced")
def _fee_procedures_synced(ctx: Context) -> Spec:
    return Spec("procedure", denominator=Procedure.has_fee.is_(True),
                new_exists=(Dossier.fee_amount > 0, Dossier.synced_dvcqg.is_(True)),
                note="Tử số: TTHC có hồ sơ có phí, lệ phí tiếp nhận trong kỳ được ghi nhận đã đồng bộ lên Cổng Dịch vụ công quốc gia.",
                uses_sync=True)


@metric("fee_procedures_paid")
def _fee_procedures_paid(ctx: Context) -> Spec:
    return Spec("procedure", denominator=Procedure.has_fee.is_(True),
                new_exists=(Dossier.paid_online.in_(PAID_ONLINE),))


@metric("paid_online")
def _paid_online(ctx: Context) -> Spec:
    return Spec("dossier", family="new", denominator=and_(ctx.conds["new_total"], Procedure.has_fee.is_(True), Dossier.fee_amount > 0),
                numerator=and_(Dossier.paid_online.in_(PAID_ONLINE), Dossier.synced_dvcqg.is_(True)),
                note="Tử số: hồ sơ thanh toán trực tuyến được ghi nhận đã đồng bộ lên Cổng Dịch vụ công quốc gia. "
                     "Mẫu số: hồ sơ của TTHC có phí, lệ phí, trừ hồ sơ có phí, lệ phí bằng 0.",
                uses_sync=True)


@metric("electronic_result")
def _electronic_result(ctx: Context) -> Spec:
    return Spec("dossier", family="ended", denominator=and_(ctx.conds["resolved_total"], Procedure.paper_result.is_(True)),
                numerator=Dossier.result_digitized.is_(True))


@metric("digitized")
def _digitized(ctx: Context) -> Spec:
    return Spec("dossier", family="ended", denominator=ctx.conds["resolved_total"],
                numerator=and_(Dossier.components_digitized.is_(True),
                               or_(Procedure.paper_result.is_(False), Dossier.result_digitized.is_(True))),
                note="Mẫu số: hồ sơ đã giải quyết trong kỳ.")


@metric("reused")
def _reused(ctx: Context) -> Spec:
    return Spec("dossier", family="new", denominator=ctx.conds["new_total"], numerator=Dossier.reused_digitized.is_(True))


@metric("personal_store")
def _personal_store(ctx: Context) -> Spec:
    return Spec("dossier", family="new", denominator=ctx.conds["new_total"], numerator=Dossier.from_personal_store.is_(True))


def _citizen_data():
    return or_(Dossier.vneid_verified.is_(True), Dossier.from_personal_store.is_(True))


@metric("citizen_data_procedures")
def _citizen_data_procedures(ctx: Context) -> Spec:
    return Spec("procedure", denominator=Procedure.subject.in_(("ca_nhan", "ca_hai")),
                new_exists=(_citizen_data(),))


@metric("citizen_data_dossiers")
def _citizen_data_dossiers(ctx: Context) -> Spec:
    return Spec("dossier", family="new", denominator=ctx.conds["new_total"], numerator=_citizen_data())


FEEDBACK_OPEN_STATES = (FeedbackState.NEW.value, FeedbackState.SUPPLEMENT.value, FeedbackState.PROCESSING.value)
FEEDBACK_STEP_FLAGS = ("refused_on_time", "supplement_on_time", "forwarded_on_time", "answered_on_time", "published_on_time")


def _feedback_on_time_condition(ctx: Context):
    """Every step done within its deadline (flags set by cchc.feedback when each step happened), and,
    still open at the window's end, not past its resolution deadline."""
    steps_ok = and_(*[func.coalesce(getattr(Feedback, f), literal(True)).is_(True) for f in FEEDBACK_STEP_FLAGS])
    open_overdue = and_(Feedback.state.in_(FEEDBACK_OPEN_STATES), Feedback.resolve_due_at.is_not(None),
                        Feedback.resolve_due_at < literal(ctx.w.last_instant))
    return and_(steps_ok, not_(open_overdue))


def _feedback_in_window(ctx: Context):
    return and_(Feedback.received_at >= ctx.w.begin, Feedback.received_at < ctx.w.stop)


@metric("feedback_on_time")
def _feedback_on_time(ctx: Context) -> Spec:
    return Spec("feedback", denominator=and_(_feedback_in_window(ctx), Feedback.in_competence.is_(True)),
                numerator=_feedback_on_time_condition(ctx),
                note="PAKN thuộc thẩm quyền tiếp nhận trong kỳ: từ chối, yêu cầu bổ sung, xử lý, công khai trong thời hạn.")


@metric("feedback_satisfaction")
def _feedback_satisfaction(ctx: Context) -> Spec:
    disliked = func.coalesce(Feedback.dislikes, 0) > func.coalesce(Feedback.likes, 0)
    return Spec("feedback", denominator=_feedback_in_window(ctx),
                numerator=and_(not_(disliked), _feedback_on_time_condition(ctx)),
                note="Trừ PAKN bị đánh giá không hài lòng (không thích nhiều hơn thích) hoặc quá hạn.")


def _disliked_ids() -> list:
    """[SELECT dossier_id …] of a dissatisfied rating, of a PAKN about a dossier.

    Never NULL ids: `Dossier.id IN (…)` over them is never NULL, so NOT(…) stays exact."""
    return [
        select(Rating.dossier_id.label("dossier_id")).where(Rating.dossier_id.is_not(None),
                                                            Rating.satisfaction == Satisfaction.NOT_SATISFIED.value),
        select(Feedback.dossier_id.label("dossier_id")).where(Feedback.dossier_id.is_not(None)),
    ]


def _disliked_condition():
    """A dissatisfied rating or a PAKN about the dossier.

    Written as `id IN (SELECT dossier_id …)` rather than a correlated EXISTS: the database reads the
    few ratings and PAKN once instead of probing them for each of the window's dossiers."""
    return or_(*[Dossier.id.in_(x) for x in _disliked_ids()])


def _late_at_end(ctx: Context):
    """5.4's «late»: ended in the window classified quá hạn, or in progress overdue at its end."""
    return or_(and_(ctx.ended_in_window(), _late()), ctx.conds["in_progress_overdue"])


@metric("dossier_satisfaction")
def _dossier_satisfaction(ctx: Context) -> Spec:
    bad = or_(_late_at_end(ctx), _disliked_condition())
    note = "100% trừ tỷ lệ hồ sơ quá hạn và hồ sơ bị đánh giá không hài lòng hoặc có PAKN (mỗi hồ sơ tính một lần)."
    return Spec("dossier", denominator=ctx.conds["received_total"], numerator=not_(bad), note=note,
                from_counts=_satisfaction_from_counts)


def _satisfaction_from_counts(ctx: Context) -> tuple[int, int]:
    """5.4 from the day counts: received_total minus the late dossiers (resolved_late,
    ended_late_without_result, in_progress_overdue: disjoint parts of received_total) minus the
    disliked ones that are not late, counted from the few disliked dossiers' ids (the ids joined to
    the dossiers by primary key, each dossier once), with the spec's own conditions."""
    f = ctx.day_figures()
    late = f["resolved_late"] + f["ended_late_without_result"] + f["in_progress_overdue"]
    ids = union(*_disliked_ids()).subquery("disliked")
    disliked = int(ctx.session.scalar(
        select(func.count())
        .select_from(ids)
        .join(Dossier, Dossier.id == ids.c.dossier_id)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(*scope_conditions(ctx.unit, ctx.w, "all"), ctx.conds["received_total"], not_(_late_at_end(ctx)))
    ))
    return f["received_total"] - late - disliked, f["received_total"]


# ---- counting and listing -----------------------------------------------------------------------

def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _dossier_base(ctx: Context, spec: Spec, *columns):
    return (
        select(*columns)
        .select_from(Dossier)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(*scope_conditions(ctx.unit, ctx.w, spec.family))
    )


def _numerator(ctx: Context, spec: Spec):
    """The numerator's SQL condition (for a `new_exists` spec: the EXISTS, used to count one indicator or to list)."""
    if spec.new_exists is not None:
        return ctx.new_in_scope_exists(*spec.new_exists)
    return spec.numerator


def _count_dossier_specs(ctx: Context, family: str, specs: list[Spec], *, without_new: bool = False) -> list[tuple[int, int]]:
    """(numerator, denominator) of dossier specs of one family, all in one query per index range.

    `without_new`: for the family "all", leave out the slice of dossiers received in the window
    (counted with the new dossiers' read, `_count_all`)."""
    cols = []
    for i, spec in enumerate(specs):
        cols += [_sum(and_(spec.denominator, spec.numerator)).label(f"n{i}"), _sum(spec.denominator).label(f"d{i}")]
    if family != "all":
        rows = [ctx.session.execute(_dossier_base(ctx, Spec("dossier", family=family), *cols)).one()._mapping]
    else:
        # Over the whole window: one query per relevance slice (each an index range), added up.
        rows = []
        for i, part in enumerate(relevance_parts(ctx.w)):
            if i == 0 and without_new:
                continue
            if i > 0 and ctx.dialect == "postgresql":  # the slices received before the window
                rows.append(_without_jit(ctx.session, _per_unit(ctx, cols, part)))
                continue
            if i == 1 and ctx.dialect == "sqlite":
                part = _carried_over_ended_sqlite(ctx.w)
            rows.append(ctx.session.execute(
                select(*cols)
                .select_from(Dossier)
                .join(Procedure, Procedure.id == Dossier.procedure_id)
                .where(unit_condition(ctx.unit), received_condition(), part)
            ).one()._mapping)
    return [(sum(int(r[f"n{i}"] or 0) for r in rows), sum(int(r[f"d{i}"] or 0) for r in rows)) for i in range(len(specs))]


def _per_unit(ctx: Context, cols: list, part):
    """PostgreSQL: the sums of `cols` over one slice, counted unit by unit (LATERAL) and added up.

    For the slices of dossiers received before the window (ended from its start on; not ended)
    PostgreSQL misjudges how few rows match (it multiplies the selectivities of the two conditions)
    and reads every dossier ended after the window's start, or every open one, through the `ended_at`
    index, filtering units and receipt afterwards. Asked per unit it ranges (unit_id, ended_at,
    received_at) instead. At 10 million dossiers: a district 4,4 s → 0,2 s and 0,5 s → 0,1 s, the
    whole province 2,9 s → 1,1 s and 1,4 s → 0,9 s. (The window's new dossiers are faster without:
    the `received_at` range follows the table's order.)
    """
    units = select(Unit.id.label("uid")).where(subtree_condition(ctx.unit)).subquery("scope_units")
    per_unit = (
        select(*cols)
        .select_from(Dossier)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.unit_id == units.c.uid, received_condition(), part)
        .lateral("per_unit")
    )
    return select(*[func.coalesce(func.sum(per_unit.c[c.name]), 0).label(c.name) for c in cols]).select_from(
        units.join(per_unit, literal(True))
    )


def _carried_over_ended_sqlite(w: Window):
    """SQLite: relevance_parts(w)[1] (received before the window, ended from its start on) with the
    receipt written `+received_at`, so that it is not an index range: SQLite then ranges
    (unit_id, ended_at, received_at) unit by unit and checks the receipt in the index, instead of
    reading every dossier ended since the window's start through `ended_at`, or every dossier received
    before it through (unit_id, received_at). 10M province: 4 s → 0,35 s of CPU."""
    received = UnaryExpression(Dossier.received_at, operator=operators.custom_op("+"), type_=Dossier.received_at.type)
    return and_(received < w.begin, Dossier.ended_at >= w.begin)


def _without_jit(session: Session, stmt):
    """Run `stmt` (one row) with PostgreSQL's JIT compilation off for it alone.

    The per-unit plan is estimated expensive (the same misjudged row counts, per unit), which makes
    PostgreSQL inline and optimise its expressions with LLVM: about 1 s of compilation for a query
    that runs in tens of milliseconds. The setting is local to the transaction and put back after."""
    before = session.execute(text("SELECT current_setting('jit')")).scalar_one()
    session.execute(text("SELECT set_config('jit', 'off', true)"))
    try:
        return session.execute(stmt).one()._mapping
    finally:
        session.execute(text("SELECT set_config('jit', :v, true)"), {"v": before})


def _count_one(ctx: Context, spec: Spec) -> tuple[int, int]:
    """A feedback or listed spec."""
    if spec.kind == "feedback":
        row = ctx.session.execute(_feedback_base(ctx, _sum(and_(spec.denominator, spec.numerator)).label("n"),
                                                 _sum(spec.denominator).label("d"))).one()
        return int(row.n), int(row.d)
    return len(spec.num_codes or []), len(spec.den_codes or [])


_TAGS = itertools.count()  # a prefix per counting, so that sums asked of shared passes never collide


def _count_all(ctx: Context, specs: list[Spec], *, direct: bool = False) -> dict[int, tuple[int, int]]:
    """{id(spec): (numerator, denominator)} of every spec (and of the specs their rates are multiplied by).

    Specs with `from_counts` come from the per-day counts (unless `direct`: then their conditions are
    counted like any other, as `explain_indicator` does). The other dossier specs are sums asked of
    the reads of the window's dossiers (`ctx.passes`: the new dossiers grouped by level and
    procedure, the ended ones), with the procedure specs' «the procedure has such a new dossier»
    flags; the slices before the window of "all" specs are one query each. The procedure specs are
    then one query over the procedures in competence: a handful of queries for the whole index.
    """
    wanted: list[Spec] = []
    for spec in specs:
        for x in (spec, spec.factor_of):
            if x is not None and all(x is not y for y in wanted):
                wanted.append(x)
    out: dict[int, tuple[int, int]] = {}
    by_family: dict[str, list[Spec]] = {"new": [], "ended": [], "all": []}
    procedures: list[Spec] = []
    for spec in wanted:
        if spec.from_counts is not None and not direct:
            try:
                out[id(spec)] = spec.from_counts(ctx)
                continue
            except FiguresInconsistent:
                # The day counts refuse impossible data (a dossier ended before it was received); the
                # index counts the conditions as it always did (the report refuses such data anyway).
                pass
        if spec.kind == "dossier":
            by_family[spec.family].append(spec)
        elif spec.kind == "procedure":
            procedures.append(spec)
        else:
            out[id(spec)] = _count_one(ctx, spec)
    # Every sum is asked before the first read: each slice is read once, for every spec, and for the
    # online figures when the passes are shared. The window's new dossiers are the "new" family's
    # range and the first slice of the "all" family (relevance_parts(w)[0]).
    tag = f"ix{next(_TAGS)}"
    asked: list[tuple[Spec, str, str]] = []
    for family, group in (("new", by_family["new"] + by_family["all"]), ("ended", by_family["ended"])):
        for spec in group:
            name = f"{tag}_{len(asked)}"
            ctx.passes.add(family, f"{name}_n", and_(spec.denominator, spec.numerator))
            ctx.passes.add(family, f"{name}_d", spec.denominator)
            asked.append((spec, family, name))
    flags: dict[int, str] = {}
    for j, spec in enumerate(procedures):
        if spec.new_exists is not None:
            flags[j] = f"{tag}_e{j}"
            ctx.passes.add("new", flags[j], and_(*spec.new_exists))
    for spec, family, name in asked:
        out[id(spec)] = (ctx.passes.total(family, f"{name}_n"), ctx.passes.total(family, f"{name}_d"))
    whole = by_family["all"]
    if whole:
        for spec, other in zip(whole, _count_dossier_specs(ctx, "all", whole, without_new=True), strict=True):
            first = out[id(spec)]
            out[id(spec)] = (first[0] + other[0], first[1] + other[1])
    if procedures:
        for spec, counts in zip(procedures, _count_procedures(ctx, procedures, flags), strict=True):
            out[id(spec)] = counts
    return out


def _count_procedures(ctx: Context, specs: list[Spec], flags: dict[int, str]) -> list[tuple[int, int]]:
    """(numerator, denominator) of procedure specs: the procedures in competence meeting each, one query.

    A `new_exists` numerator — the procedure has a dossier received in the window in the unit's
    subtree meeting those conditions — is «one of the procedures whose rows in the new dossiers' read
    have the flag» (`flags[j]`, the name of that sum), instead of an EXISTS per procedure reading
    the dossiers again."""
    cols = []
    for j, spec in enumerate(specs):
        if j in flags:
            ids = sorted({r["procedure_id"] for r in ctx.passes.rows("new") if r[flags[j]]})
            num = Procedure.id.in_(ids) if ids else false()
        else:
            num = spec.numerator
        cols += [_sum(and_(spec.denominator, num)).label(f"n{j}"), _sum(spec.denominator).label(f"d{j}")]
    row = ctx.session.execute(select(*cols).select_from(Procedure).where(ctx.competent)).one()._mapping
    return [(int(row[f"n{j}"] or 0), int(row[f"d{j}"] or 0)) for j in range(len(specs))]


def _feedback_base(ctx: Context, *columns):
    return select(*columns).select_from(Feedback).join(Unit, Unit.id == Feedback.unit_id).where(subtree_condition(ctx.unit))


def _list(ctx: Context, spec: Spec, which: str, limit: int) -> list[str]:
    """The codes in the denominator, in the numerator, or `missing`: in the denominator and not the numerator."""
    if which == "missing":
        if spec.kind == "listed":
            return sorted(set(spec.den_codes or []) - set(spec.num_codes or []))[:limit]
        # CASE, not NOT: a numerator that is NULL for a row (an unknown value) leaves the row out of the numerator.
        cond = and_(spec.denominator, case((_numerator(ctx, spec), 1), else_=0) == 0)
    else:
        cond = spec.denominator if which == "denominator" else and_(spec.denominator, _numerator(ctx, spec))
    if spec.kind == "dossier":
        stmt = _dossier_base(ctx, spec, Dossier.code).where(cond).order_by(Dossier.code).limit(limit)
        return list(ctx.session.scalars(stmt))
    if spec.kind == "procedure":
        stmt = select(Procedure.code).where(ctx.competent, cond).order_by(Procedure.code).limit(limit)
        return list(ctx.session.scalars(stmt))
    if spec.kind == "feedback":
        stmt = _feedback_base(ctx, Feedback.code).where(cond).order_by(Feedback.code).limit(limit)
        return list(ctx.session.scalars(stmt))
    codes = spec.den_codes if which == "denominator" else spec.num_codes
    return list(codes or [])[:limit]


def _indicator_defs(defn: dict):
    for g in defn["groups"]:
        for ind in g.get("indicators", []):
            yield g, ind


def _spec(ctx: Context, ind: dict, group: dict) -> Spec | IndicatorResult:
    """The indicator's Spec, or its result already when it has no computation (monitoring or not computable)."""
    maximum = float(ind.get("maximum", 0))
    name = ind.get("metric")
    if not name:
        status = STATUS_MONITORING if maximum == 0 else STATUS_NOT_COMPUTABLE
        return IndicatorResult(**_base(ind, group), numerator=None, denominator=None, rate=None, score=None, status=status,
                               note=ind.get("note", ""))
    if name not in METRICS:
        raise ValidationError(f"Tệp index766.yaml: chỉ số {ind['id']} dùng cách tính «{name}» không có trong hệ thống.")
    ctx.params = ind.get("params") or {}
    return METRICS[name](ctx)


def _base(ind: dict, group: dict) -> dict:
    threshold = ind.get("threshold")
    threshold = float(threshold) if threshold not in (None, "") else None
    return dict(id=str(ind["id"]), name=ind["name"], group=str(group["id"]), maximum=float(ind.get("maximum", 0)),
                threshold=threshold, metric=str(ind.get("metric") or ""))


ZERO_NOTES = {
    "full": "Không phát sinh trong kỳ: tính đủ điểm (quy định zero_denominator: full).",
    "rescale": "Không phát sinh trong kỳ: không tính điểm, tổng điểm được quy đổi trên các chỉ số có chấm điểm.",
}


def _result(ind: dict, group: dict, spec: Spec, counts: dict[int, tuple[int, int]], zero_rule: str) -> IndicatorResult:
    base = _base(ind, group)
    maximum, threshold = base["maximum"], base["threshold"]
    n, d = counts[id(spec)]
    r = rate(n, d)
    factor = _factor(spec, counts)
    if r is not None and factor is not None:
        r = round(r * factor, 2)
    if r is None:
        # «Không phát sinh»: the rule of the definition, said in the note, never a silent 0.
        note = " ".join(x for x in (ind.get("note", ""), spec.note, ZERO_NOTES[zero_rule] if maximum else "") if x)
        if zero_rule == "full" and maximum:
            return IndicatorResult(**base, numerator=n, denominator=d, rate=None, score=maximum, status=STATUS_SCORED, note=note)
        return IndicatorResult(**base, numerator=n, denominator=d, rate=None, score=None, status=STATUS_NO_DATA, note=note)
    note = " ".join(x for x in (ind.get("note", ""), _spec_note(spec, counts)) if x)
    status = STATUS_MONITORING if maximum == 0 else STATUS_SCORED
    s = score(r, maximum, threshold) if status == STATUS_SCORED else None
    return IndicatorResult(**base, numerator=n, denominator=d, rate=r, score=s, status=status, note=note)


def _factor(spec: Spec, counts: dict[int, tuple[int, int]]) -> float | None:
    if spec.factor_of is None:
        return None
    n, d = counts[id(spec.factor_of)]
    return (n / d) if d else None


def _spec_note(spec: Spec, counts: dict[int, tuple[int, int]]) -> str:
    n, d = counts[id(spec)]
    if spec.factor_of is not None:
        factor = _factor(spec, counts)
        if factor is None:
            return spec.note.rstrip(".") + "; không có hồ sơ để tính tỷ lệ đồng bộ."
        if factor == 0 and d:
            return " ".join(x for x in (spec.note, spec.factor_of.none_note or "Tỷ lệ nhân bằng 0.") if x)
    if spec.none_note and d and not n:
        return " ".join(x for x in (spec.note, spec.none_note) if x)
    return spec.note


def compute_index(session: Session, unit: Unit | str | int, start: date, end: date, *,
                  passes: DossierPasses | None = None, dossiers: dict | None = None) -> IndexResult:
    """The 766 index of `unit` (and everything under it) for the window [start, end].

    Every indicator's spec is built first, then all are counted together (`_count_all`): the
    dossiers of each index range are read once for the whole index rather than once per indicator.
    `passes`: the reads of the window's dossiers shared with the online figures (`all_figures`);
    `dossiers`: `dossier_figures` of the same unit and window, already computed. The result is the
    same with or without them.
    """
    defn = definition()
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    zero_rule = str(defn["zero_denominator"])
    ctx = Context(session, u, w, {}, passes=passes, dossiers=dossiers)
    specs = [(g, [(ind, _spec(ctx, ind, g)) for ind in g.get("indicators", [])]) for g in defn["groups"]]
    counts = _count_all(ctx, [s for _, items in specs for _, s in items if isinstance(s, Spec)])
    groups = []
    for g, items in specs:
        results = [s if isinstance(s, IndicatorResult) else _result(ind, g, s, counts, zero_rule) for ind, s in items]
        scored = [r for r in results if r.status == STATUS_SCORED]
        groups.append(GroupResult(
            id=str(g["id"]), name=g["name"], maximum=float(g["maximum"]),
            score=round(sum(r.score or 0 for r in scored), 2),
            scored_maximum=float(sum(r.maximum for r in scored)), indicators=results,
        ))
    result = _index_result(u, w, groups, defn)
    result.sync_indicators = [str(ind["id"]) for _, items in specs for ind, s in items if isinstance(s, Spec) and s.uses_sync]
    return result


def _index_result(u: Unit, w: Window, groups: list[GroupResult], defn: dict) -> IndexResult:
    """Totals and rank: the points scored put back on the total_maximum scale over the maxima scored,
    ranked only when the indicators measured from what happened weigh enough (rank_minimum_points)."""
    total_maximum = float(defn.get("total_maximum", 100))
    raw = round(sum(g.score for g in groups), 2)
    scored_maximum = float(sum(g.scored_maximum for g in groups))
    measured = float(sum(i.maximum for g in groups for i in g.indicators if i.measured))
    minimum = float(defn["rank_minimum_points"])
    ranked = scored_maximum > 0 and measured >= minimum
    total = round(raw * total_maximum / scored_maximum, 2) if ranked else None
    return IndexResult(
        unit_code=u.code, unit_name=u.name, start=w.start, end=w.end, groups=groups, total=total,
        total_maximum=total_maximum, scored_maximum=scored_maximum,
        band=band(total, defn["bands"]) if total is not None else str(defn["unranked_label"]),
        raw_total=raw, measured_maximum=measured, ranked=ranked, rank_minimum=minimum,
        zero_denominator=str(defn["zero_denominator"]),
    )


def explain_indicator(session: Session, unit: Unit | str | int, start: date, end: date, indicator_id: str,
                      limit: int = 200) -> dict:
    """What is behind an indicator: the codes of the dossiers (or procedures / PAKN) counted in its
    denominator and in its numerator (at most `limit` each), with the counts."""
    defn = definition()
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    found = next(((g, ind) for g, ind in _indicator_defs(defn) if str(ind["id"]) == str(indicator_id)), None)
    if found is None:
        ids = ", ".join(str(ind["id"]) for _, ind in _indicator_defs(defn))
        raise ValidationError(f"Không có chỉ số «{indicator_id}» trong bộ chỉ số 766 (các chỉ số: {ids}).")
    group, ind = found
    name = ind.get("metric")
    base = {"indicator": str(ind["id"]), "name": ind["name"], "group": str(group["id"])}
    if not name:
        return {**base, "kind": None, "computable": False, "note": ind.get("note", ""),
                "numerator": None, "denominator": None, "numerator_codes": [], "denominator_codes": [],
                "missing_codes": [], "missing_label": MISSING}
    ctx = Context(session, u, w, ind.get("params") or {})
    spec = METRICS[name](ctx)
    counts = _count_all(ctx, [spec], direct=True)  # the spec's own conditions: the codes listed are those counted
    n, d = counts[id(spec)]
    kind = {"dossier": "ho_so", "procedure": "thu_tuc", "feedback": "pakn", "listed": "thu_tuc"}[spec.kind]
    return {
        **base, "kind": kind, "computable": True, "note": _spec_note(spec, counts), "numerator": n, "denominator": d,
        "numerator_codes": _list(ctx, spec, "numerator", max(0, int(limit))),
        "denominator_codes": _list(ctx, spec, "denominator", max(0, int(limit))),
        # In the denominator, not the numerator: for 1.4 the dossiers the portal has not acknowledged.
        "missing_codes": _list(ctx, spec, "missing", max(0, int(limit))),
        "missing_label": (MISSING_SYNC if spec.uses_sync else MISSING),
    }
