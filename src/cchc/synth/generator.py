"""The demo generator: a province and N dossiers over two years, driven through the real actions.

`plan_dossiers` draws, from random generators seeded by `seed` only, what happens to each dossier (when and where
it arrives, its procedure, channel, applicant, and its story: supplement, financial wait, apology,
send-back, refusal, withdrawal, stop, late or early end, digitisation, payment). `run_demo` then
plays every plan, in the order of arrival, with `at=` moments inside office hours (the working
calendar of the database): the oldest `via_service` plans through cchc.dossiers.service, one flush
per action, the rest through cchc.dossiers.backfill, which replays the same actions with the
service's own rules in memory and writes each batch with set-based inserts (same rows, same
events; tests/synth/test_backfill.py compares both). Actions whose moment is
not before "today" are not played, which leaves a realistic backlog: online submissions not yet
accepted, dossiers in progress within their deadline and some overdue, results not yet collected.

The mix follows the seeds: about half online, 1–2% by post, most dossiers at commune level,
98–99.7% on time with early ends most common, ~5% supplements, ~1% apologies, ~0.5% refusals and
withdrawals, ~0.2% stops, digitisation ~90–97%, VNeID ~70% of online submissions.
"""

from __future__ import annotations

import random
import time as timer
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from itertools import accumulate

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.calendar.service import session_calendar
from cchc.dossiers import service as dossiers
from cchc.dossiers.backfill import Backfill, Draft
from cchc.dossiers.enums import State
from cchc.dossiers.files import attach_file
from cchc.dossiers.models import Dossier, DossierComponent, DossierEvent, DossierFile, DossierStep
from cchc.feedback import service as feedback
from cchc.feedback.models import Feedback
from cchc.ratings import service as ratings
from cchc.ratings.models import Rating
from cchc.procedures.models import Procedure
from cchc.synth.catalog import ProcedureSpec, load_catalog
from cchc.synth.people import email_of
from cchc.synth.province import DemoProvince, Office, build_province
from cchc.synth.reform_content import Workload, play_reform
from cchc.units.enums import TWO_TIER_FROM
from cchc.units.models import Unit

DEFAULT_PROVINCE = "44"  # Quảng Trị (2025): Quảng Bình + Quảng Trị before 1/7/2025
DAYS = 730  # two years before today
HOUR = 3600
WORKDAY = 8 * HOUR

# The shares of the mix (fractions of all dossiers unless said otherwise).
MIX = {
    "level_before": {"tinh": 0.22, "huyen": 0.05, "xa": 0.73},
    "level_after": {"tinh": 0.22, "xa": 0.78},
    "online_full": 0.62,  # share of a toàn trình procedure's dossiers filed online (middle of the window)
    "online_partial": 0.36,
    "online_trend": 0.25,  # online share grows by ±this fraction from the start to the end of the window
    "postal": 0.015,  # of the non-online dossiers
    "out_of_hours": 0.22,  # online submissions outside office hours
    "owned": 0.35,  # online individual dossiers filed from a citizen account
    "vneid": 0.70,
    "not_accepted": 0.012,  # of online submissions
    "supplement": 0.05,
    "never_supplemented": 0.12,  # of supplement requests
    "late": 0.011,
    "apology_if_late": 0.75,
    "refuse": 0.005,
    "withdraw": 0.005,
    "stop": 0.002,
    "send_back": 0.02,
    "financial_wait": 0.35,  # of fee dossiers: the obligation is set during processing (state 6)
    "pay_online_if_online": 0.92,
    "pay_online_if_counter": 0.22,
    "digitized_in": 0.94,
    "digitized_out": 0.93,
    "esigned": 0.75,
    "assign": 0.6,  # provincial dossiers assigned by the leader to a specialist
    "attach_every": 50,  # one dossier in N gets real scanned files attached
    "rated": 0.3,  # results rated by the citizen (online by the owner, or at the counter)
    "satisfaction": {"rat_hai_long": 0.78, "hai_long": 0.2, "khong_hai_long": 0.02},
    "feedback_per_dossiers": 150,  # one PAKN for so many dossiers
}


@dataclass
class DemoOptions:
    dossiers: int = 20_000
    seed: int = 2025
    province: str = DEFAULT_PROVINCE
    today: date | None = None
    batch: int = 2000  # dossiers per transaction
    via_service: int | None = 200  # the first N dossiers through the service functions (None: all), the rest in bulk
    max_communes: int | None = None  # only the first N new communes (and their predecessors): small test demos
    max_procedures: int | None = None  # only the N most used procedures of the catalogue: small test demos
    citizens: int = 150
    attach_files: bool = True
    reform: bool = True  # assigned tasks, CCHC registers, narratives and reports sent up (synth.reform_content)


@dataclass
class Plan:
    """What happens to one dossier, drawn before anything is written."""

    start: datetime
    office: Office
    procedure: Procedure
    spec: ProcedureSpec
    channel: int
    applicant: dict
    owner: User | None
    vneid: bool
    outcome: str  # result | late | refuse | withdraw | stop | not_accepted
    f: float  # share of the allowed working time used until the end (> 1: late)
    accept_delay: int  # working seconds from the online submission to acceptance
    return_delay: int  # working seconds from the result to its hand-over
    supplement: bool
    never_supplemented: bool
    supplement_pause: int  # working seconds the citizen takes to supplement
    pay: str  # "" | submit | receipt | financial
    pay_online: int  # DuocThanhToanTrucTuyen 0 | 1 | 2
    apology: bool
    send_back: bool
    assign: bool
    digitized_in: bool
    digitized_out: bool
    esigned: bool
    attach: bool
    receiver: int
    specialist: int
    result_delivery: str
    reasons: dict = field(default_factory=dict)
    rating: tuple[list[int], str] | None = None  # (9 scores, satisfaction)
    hold: str = ""  # the story stops here for good: submitted | processing | supplement | financial | finished


@dataclass
class DemoResult:
    province: DemoProvince
    dossiers: int
    seconds_setup: float
    seconds_dossiers: float
    summary: dict
    today: date
    reform: Workload | None = None  # the reform work played (None: not asked, or an earlier run played it)
    seconds_reform: float = 0.0


Progress = Callable[[str, int, int], None]


# ---- planning --------------------------------------------------------------------------------
def _working_days(cal, start: date, end: date) -> list[date]:
    days, day = [], start
    while day < end:
        if cal.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _office_moment(rng: random.Random, cal, day: date) -> datetime:
    """A moment inside the office sessions of `day`, mornings busier than afternoons."""
    sessions = cal.sessions
    weights = [1.3 if i == 0 else 1.0 for i in range(len(sessions))]
    start, end = rng.choices(sessions, weights=weights)[0]
    a = start.hour * 3600 + start.minute * 60
    b = end.hour * 3600 + end.minute * 60 - 10 * 60
    secs = rng.randint(a, max(a, b))
    return datetime.combine(day, time(secs // 3600, secs % 3600 // 60, secs % 60))


class _Weighted:
    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cum = list(accumulate(weights))

    def pick(self, rng: random.Random):
        return self.items[bisect_left(self.cum, rng.random() * self.cum[-1])]

    def __bool__(self) -> bool:
        return bool(self.items)


def plan_dossiers(prov: DemoProvince, cal, rng: random.Random, n: int, today: date) -> list[Plan]:
    """Draw N dossier stories, sorted by their first moment (so codes follow arrival order)."""
    start_day = today - timedelta(days=DAYS)
    days = _working_days(cal, start_day, today)
    if not days:
        return []
    span = (days[-1] - days[0]).days or 1
    day_pick = _Weighted(days, [0.85 + 0.3 * (d - days[0]).days / span for d in days])

    tinh = [(p, s) for p, s in prov.procedures if s.levels == "tinh" and s.agency_key in prov.agencies]
    pools = {
        ("tinh", True): _Weighted(tinh, [s.weight for _, s in tinh]),
        ("tinh", False): _Weighted(tinh, [s.weight for _, s in tinh]),
    }
    for legacy, levels, key in ((True, ("xa",), "xa"), (True, ("huyen,xa",), "huyen"), (False, ("xa", "huyen,xa"), "xa")):
        items = [(p, s) for p, s in prov.procedures if s.levels in levels]
        pools[(key, legacy)] = _Weighted(items, [s.weight for _, s in items])
    offices = {
        ("huyen", True): _Weighted(prov.districts, [o.weight for o in prov.districts]),
        ("xa", True): _Weighted(prov.legacy_communes, [o.weight for o in prov.legacy_communes]),
        ("xa", False): _Weighted(prov.communes, [o.weight for o in prov.communes]),
    }
    people = prov.people
    province_name = prov.province.name
    plans: list[Plan] = []
    for _ in range(n):
        day = day_pick.pick(rng)
        legacy = day < TWO_TIER_FROM and bool(prov.legacy_communes or prov.districts)
        mix = MIX["level_before"] if legacy else MIX["level_after"]
        levels = [lv for lv in mix if (lv == "tinh" and pools[("tinh", legacy)]) or (lv != "tinh" and offices.get((lv, legacy)))]
        if not levels:
            levels = ["tinh"]
        level = rng.choices(levels, weights=[mix[lv] for lv in levels])[0]
        if level == "tinh":
            procedure, spec = pools[("tinh", legacy)].pick(rng)
            office = prov.agencies[spec.agency_key]
        else:
            office = offices[(level, legacy)].pick(rng)
            pool = pools[(level, legacy)]
            if not pool:
                procedure, spec = pools[("tinh", legacy)].pick(rng)
                office = prov.agencies[spec.agency_key]
            else:
                procedure, spec = pool.pick(rng)
        progress_share = (day - days[0]).days / span - 0.5
        trend = 1 + 2 * MIX["online_trend"] * progress_share
        p_online = {"toan_trinh": MIX["online_full"], "mot_phan": MIX["online_partial"]}.get(spec.online_level, 0.0) * trend
        online = rng.random() < p_online
        channel = 2 if online else (3 if rng.random() < MIX["postal"] else 1)
        if online and rng.random() < MIX["out_of_hours"]:
            secs = rng.randint(17 * 3600, 22 * 3600)
            start = datetime.combine(day, time(secs // 3600, secs % 3600 // 60))
        else:
            start = _office_moment(rng, cal, day)

        # the applicant
        org = spec.subject == "to_chuc" and rng.random() < 0.9
        owner = None
        person = people.person(rng, year=day.year)
        if online and not org and prov.citizens and rng.random() < MIX["owned"]:
            owner = prov.citizens[rng.randrange(len(prov.citizens))]
        home = office
        if office.level == "tinh":  # applicants of provincial procedures live anywhere in the province
            communes = (prov.legacy_communes if legacy else prov.communes) or prov.communes or prov.legacy_communes
            home = communes[rng.randrange(len(communes))] if communes else office
        address = people.address(rng, home.area_name, home.district_name, province_name, home.urban)
        if org:
            applicant = {"name": people.organisation(rng), "applicant_type": 2, "address": address,
                         "phone": person.phone, "authorized_person": person.name}
        elif owner is not None:
            applicant = {"name": owner.full_name, "applicant_type": 1, "id_number": owner.id_number, "address": address,
                         "phone": owner.phone}
        else:
            applicant = {"name": person.name, "applicant_type": 1, "id_number": person.id_number, "address": address,
                         "phone": person.phone}
        if online and rng.random() < 0.6:
            applicant["email"] = email_of(applicant["name"] if not org else person.name, rng)

        # the story
        r = rng.random()
        outcome = "result"
        for name, share in (("refuse", MIX["refuse"]), ("withdraw", MIX["withdraw"]), ("stop", MIX["stop"]), ("late", MIX["late"])):
            if r < share:
                outcome = name
                break
            r -= share
        if online and rng.random() < MIX["not_accepted"]:
            outcome = "not_accepted"
        if outcome == "late":
            f = 1.0 + rng.uniform(0.04, 0.6)
        elif rng.random() < 0.8:
            f = rng.uniform(0.08, 0.85)
        else:
            f = rng.uniform(0.85, 0.995)
        fee = spec.fee_total > 0
        pay, pay_online = "", 0
        if fee:
            paid_online = rng.random() < (MIX["pay_online_if_online"] if online else MIX["pay_online_if_counter"])
            pay_online = (1 if rng.random() < 0.7 else 2) if paid_online else 0
            if rng.random() < MIX["financial_wait"]:
                pay = "financial"
            else:
                pay = "submit" if (online and owner is not None and pay_online) else "receipt"
        supplement = rng.random() < MIX["supplement"]
        rating = None
        if rng.random() < MIX["rated"]:
            sat = rng.choices(list(MIX["satisfaction"]), weights=list(MIX["satisfaction"].values()))[0]
            good = {"rat_hai_long": 0.93, "hai_long": 0.7, "khong_hai_long": 0.3}[sat]
            rating = ([2 if rng.random() < good else rng.choice((0, 1, 1)) for _ in range(9)], sat)
        plans.append(Plan(
            start=start, office=office, procedure=procedure, spec=spec, channel=channel, applicant=applicant, owner=owner,
            vneid=online and rng.random() < MIX["vneid"], outcome=outcome, f=f,
            accept_delay=rng.randint(5 * 60, int(1.5 * WORKDAY)) if rng.random() < 0.8 else rng.randint(WORKDAY, 2 * WORKDAY),
            return_delay=(rng.randint(60, 2 * HOUR) if online and spec.online_level == "toan_trinh"
                          else rng.randint(10 * 60, WORKDAY) if rng.random() < 0.7 else rng.randint(WORKDAY, 5 * WORKDAY)),
            supplement=supplement, never_supplemented=supplement and rng.random() < MIX["never_supplemented"],
            supplement_pause=rng.randint(2 * HOUR, 8 * WORKDAY),
            pay=pay, pay_online=pay_online,
            apology=outcome == "late" and rng.random() < MIX["apology_if_late"],
            send_back=rng.random() < MIX["send_back"],
            assign=office.level == "tinh" and rng.random() < MIX["assign"],
            digitized_in=rng.random() < MIX["digitized_in"], digitized_out=rng.random() < MIX["digitized_out"],
            esigned=rng.random() < MIX["esigned"], attach=rng.randrange(MIX["attach_every"]) == 0,
            receiver=rng.randrange(1000), specialist=rng.randrange(1000),
            result_delivery=("truc_tuyen" if online and spec.online_level == "toan_trinh" and rng.random() < 0.7
                             else "buu_chinh" if channel == 3 or rng.random() < 0.03 else "truc_tiep"),
            reasons={k: people.reason(rng, k) for k in ("supplement", "apology", "refuse", "withdraw", "stop", "not_accepted", "send_back")},
            rating=rating,
        ))
    plans.sort(key=lambda p: p.start)
    _cover_every_state(plans, rng, today)
    return plans


def _cover_every_state(plans: list[Plan], rng: random.Random, today: date) -> None:
    """Make sure even a small demo shows every state: a few stories are set, deterministically.

    Ended without a result (refused, withdrawn, stopped, not accepted, late) when the draw gave none;
    and, among the last weeks' dossiers, ones still waiting at the end: an online submission not yet
    accepted, a dossier stalled in processing, a supplement and a fee never brought, a result not
    yet collected. At most a dozen stories in all, whatever N.
    """
    if len(plans) < 20:
        return
    taken: set[int] = set()

    def choose(candidates: list[int]) -> int | None:
        free = [i for i in candidates if i not in taken]
        if not free:
            return None
        i = free[rng.randrange(len(free))]
        taken.add(i)
        return i

    have = {p.outcome for p in plans}
    for outcome in ("refuse", "withdraw", "stop", "late", "not_accepted"):
        if outcome in have:
            continue
        pool = [i for i, p in enumerate(plans) if p.outcome == "result" and (outcome != "not_accepted" or p.channel == 2)]
        i = choose(pool)
        if i is not None:
            plans[i].outcome = outcome
            if outcome == "late":
                plans[i].f = 1.0 + rng.uniform(0.05, 0.4)
    recent_start = datetime.combine(today - timedelta(days=45), time(0, 0))
    recent_end = datetime.combine(today - timedelta(days=12), time(0, 0))
    recent = [i for i, p in enumerate(plans) if recent_start <= p.start < recent_end and p.outcome == "result"]

    def days(p: Plan) -> float:  # the time limit in days, roughly
        return float(p.spec.time_amount) / (8 if p.spec.time_unit == "gio_lam_viec" else 1)

    fits = {
        "submitted": lambda p: p.channel == 2,
        "processing": lambda p: True,
        "supplement": lambda p: days(p) <= 20,
        "financial": lambda p: p.spec.fee_total > 0 and days(p) <= 15,
        "finished": lambda p: days(p) <= 5,
    }
    for hold in ("submitted", "processing", "processing", "supplement", "financial", "finished"):
        i = choose([i for i in recent if fits[hold](plans[i])])
        if i is None:
            continue
        p = plans[i]
        p.hold = hold
        if hold == "supplement":
            p.supplement, p.never_supplemented = True, False
        if hold == "financial":
            p.pay = "financial"
    # one of the very last dossiers, with a long time limit, still in progress within its deadline
    last = [i for i in range(max(0, len(plans) - 20), len(plans)) if i not in taken and plans[i].outcome == "result"]
    if last:
        i = max(last, key=lambda i: (days(plans[i]), i))
        plans[i].hold = "processing"


# ---- playing a plan through the real actions ----------------------------------------------------
class _Clock:
    """Maps 'working seconds since receipt' to moments; the supplement pause shifts what follows.

    Offsets only move forward, so the actions of a dossier are always dated in order.
    """

    def __init__(self, cal, start: datetime):
        self.cal = cal
        self.base = start
        self.base_offset = 0.0
        self.last = 0.0

    def at(self, offset: float) -> datetime:
        offset = self.last = max(offset, self.last)
        secs = max(0, int(offset - self.base_offset))
        return self.cal.add_working_seconds(self.base, secs) if secs else self.base

    def rebase(self, moment: datetime, offset: float) -> None:
        self.base, self.base_offset = moment, offset
        self.last = max(self.last, offset)


_MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class _ServiceActions:
    """The service functions of cchc.dossiers with the session bound: the actions as officers take them."""

    def __init__(self, session: Session):
        self.session = session

    def __getattr__(self, name: str):
        return partial(getattr(dossiers, name), self.session)

    def attach_file(self, actor, d, kind, filename, content, content_type, at=None):
        return attach_file(self.session, actor, d, kind, filename, content, content_type, at=at)

    def rate(self, rater, d, scores, satisfaction, at):
        ratings.rate_dossier(self.session, rater, d, scores, satisfaction, at=at)


class _BulkActions(Backfill):
    """The same actions replayed in memory and written by set-based inserts (cchc.dossiers.backfill)."""

    def rate(self, rater, d, scores, satisfaction, at):
        """The rating row rate_dossier writes (cchc.ratings.service.rating_values), attached to the draft."""
        d.attach(Rating.__table__, ratings.rating_values(rater, d, scores, satisfaction, at=at))


class _Player:
    def __init__(self, act, cal, now: datetime, attach_files: bool):
        self.act = act
        self.cal = cal
        self.now = now
        self.attach_files = attach_files
        self.result_counter = 0

    def play(self, p: Plan) -> Dossier | Draft:
        act, cal, now = self.act, self.cal, self.now
        office = p.office
        mot_cua = office.receiving[p.receiver % len(office.receiving)]
        cv = office.specialists[p.specialist % len(office.specialists)]
        ld = office.leaders[0]
        fee = Decimal(p.spec.fee_total)
        common = dict(procedure=p.procedure, unit=office.unit, applicant=p.applicant, request_summary=p.spec.name,
                      vneid_verified=p.vneid, result_delivery=p.result_delivery)
        if p.channel == 2:
            d = act.submit_online(p.owner, at=p.start, **common)
            if p.pay == "submit":
                act.record_payment(None, d, fee, online=p.pay_online, at=p.start)  # the gateway's confirmation
            accept_at = cal.add_working_seconds(cal.normalise(p.start), p.accept_delay)
            if accept_at >= now or p.hold == "submitted":
                return d
            if p.outcome == "not_accepted":
                act.reject_submission(mot_cua, d, p.reasons["not_accepted"], at=accept_at)
                return d
            act.accept(mot_cua, d, at=accept_at)
        else:
            d = act.receive(mot_cua, channel=p.channel, at=p.start, **common)
        received, due = d.received_at, d.due_at
        total = max(cal.working_seconds_between(received, due), 30 * 60)
        end = max(p.f * total, 10 * 60)
        clock = _Clock(cal, received)
        citizen = p.owner if p.owner is not None else mot_cua

        def due_now(offset: float) -> datetime | None:
            moment = clock.at(offset)
            return moment if moment < now else None

        # at receipt: digitisation, fee paid at the counter (or through the gateway), assignment
        if p.digitized_in:
            act.mark_digitized(mot_cua, d, components=True, at=received)
            if p.attach and self.attach_files:
                act.attach_file(mot_cua, d, "thanh_phan", "to-khai.pdf", _MINIMAL_PDF, "application/pdf", at=received)
        if p.pay == "receipt":
            act.record_payment(None if p.pay_online else mot_cua, d, fee, online=p.pay_online, at=received)
        if p.hold == "processing":  # stalled at the specialist: in progress, overdue once the due date passes
            return d
        if p.assign and len(office.specialists) > 1:
            at = due_now(0.02 * end)
            if at is None:
                return d
            act.assign(ld, d, cv, at=at)

        if p.outcome in ("withdraw", "stop"):
            at = due_now((0.4 if p.outcome == "withdraw" else 0.5) * end)
            if at is None:
                return d
            if p.outcome == "withdraw":
                act.withdraw(citizen, d, p.reasons["withdraw"], at=at)
            else:
                act.stop(ld, d, p.reasons["stop"], at=at)
            return d

        if p.supplement:
            offset = 0.25 * end
            at = due_now(offset)
            if at is None:
                return d
            act.request_supplement(cv, d, p.reasons["supplement"], items=list(p.spec.components[:1]), at=at)
            back = cal.add_working_seconds(at, p.supplement_pause)
            if p.hold == "supplement":
                return d
            if p.never_supplemented:
                gave_up = cal.add_working_seconds(at, 15 * WORKDAY)
                if gave_up < now:
                    act.withdraw(mot_cua, d, p.reasons["withdraw"], at=gave_up)
                return d
            if back >= now:
                return d
            act.supplement(citizen, d, "Đã bổ sung giấy tờ theo phiếu yêu cầu.", at=back)
            clock.rebase(back, offset)

        if p.outcome == "refuse":
            at = due_now(0.6 * end)
            if at is not None:
                act.refuse(ld, d, p.reasons["refuse"], at=at)
            return d

        if p.pay == "financial":
            at = due_now(0.45 * end)
            if at is None:
                return d
            act.request_financial(cv, d, fee, at=at)
            paid = due_now(0.45 * end + min(0.12 * end, WORKDAY))
            if paid is None or p.hold == "financial":
                return d
            # paid online: the gateway's confirmation, recorded by the system; otherwise at the counter
            act.record_payment(None if p.pay_online else mot_cua, d, fee, online=p.pay_online, at=paid)

        if p.apology and total > WORKDAY:
            offset = min(0.55 * end, total - 1.5 * WORKDAY)
            at = due_now(max(offset, 0.46 * end if p.pay == "financial" else 0.3 * end))
            if at is None:
                return d
            if cal.working_days_between(at.date(), due.date()) >= 1:
                new_due = cal.add_working_seconds(due, int(max(end - total, 0)) + WORKDAY)
                act.apologize(ld, d, p.reasons["apology"], new_due, at=at)

        at = due_now(0.75 * end)
        if at is None:
            return d
        act.forward(cv, d, "Đã thẩm định, trình lãnh đạo phê duyệt.", at=at)
        if p.send_back:
            at = due_now(0.85 * end)
            if at is None:
                return d
            act.send_back(ld, d, p.reasons["send_back"], at=at)
            at = due_now(0.92 * end)
            if at is None:
                return d
            act.forward(cv, d, "Đã chỉnh sửa theo ý kiến lãnh đạo.", at=at)

        at = due_now(end)
        if at is None:
            return d
        self.result_counter += 1
        number = f"{self.result_counter:05d}/{at.year}"
        act.finish(ld, d, result_number=number, result_summary=p.spec.result or p.spec.name, at=at)
        if p.digitized_out:
            act.mark_digitized(ld, d, result=True, at=at)
            if p.attach and self.attach_files:
                act.attach_file(ld, d, "ket_qua", "ket-qua.pdf", _MINIMAL_PDF + number.encode(), "application/pdf", at=at)
        returned = cal.add_working_seconds(at, p.return_delay)
        if returned < now and p.hold != "finished":
            act.return_result(mot_cua, d, at=returned)
            self.rate(p, d, mot_cua, returned)
        return d

    def rate(self, p: Plan, d: Dossier | Draft, mot_cua: User, returned: datetime) -> None:
        """The citizen's rating (TT 01/2018 Điều 13): online by the owner, or at the counter on collection."""
        if p.rating is None:
            return
        rater = p.owner if p.owner is not None else (mot_cua if p.channel != 2 else None)
        moment = returned + timedelta(minutes=5 if rater is mot_cua else 90)
        if rater is None or moment >= self.now:
            return
        scores, satisfaction = p.rating
        self.act.rate(rater, d, scores, satisfaction, moment)


# ---- PAKN ----------------------------------------------------------------------------------------
FEEDBACK_TEXTS = (
    ("quy_dinh_tthc", "Đề nghị hướng dẫn thành phần hồ sơ",
     "Tôi nộp hồ sơ {proc} nhưng chưa rõ cần bản sao có chứng thực hay bản chụp; đề nghị cơ quan hướng dẫn cụ thể."),
    ("quy_dinh_tthc", "Phản ánh thời gian giải quyết",
     "Hồ sơ {proc} của gia đình tôi đã quá ngày hẹn trả nhưng chưa nhận được kết quả, đề nghị xem xét."),
    ("quy_dinh_tthc", "Kiến nghị đơn giản hóa thủ tục",
     "Kiến nghị cho phép nộp hoàn toàn trực tuyến thủ tục {proc}, không phải đến nộp bản giấy."),
    ("hanh_vi_can_bo", "Phản ánh thái độ phục vụ",
     "Cán bộ tiếp nhận hồ sơ {proc} hướng dẫn chưa tận tình, yêu cầu nộp lại nhiều lần."),
    ("khac", "Phản ánh về cổng dịch vụ công",
     "Cổng dịch vụ công báo lỗi khi thanh toán lệ phí trực tuyến cho thủ tục {proc}."),
)
ANSWERS = (
    "Cơ quan đã kiểm tra, hướng dẫn công dân bổ sung và giải quyết hồ sơ theo quy định.",
    "Nội dung phản ánh đã được tiếp thu; cơ quan đã chấn chỉnh và thông báo kết quả cho công dân.",
    "Cơ quan đã rà soát quy trình và cập nhật hướng dẫn trên Cổng dịch vụ công của tỉnh.",
)


def play_feedback(session: Session, prov: DemoProvince, cal, rng: random.Random, count: int, now: datetime, today: date,
                  progress: Progress | None = None) -> int:
    """PAKN through cchc.feedback.service: received, handled, answered and published (a few forwarded, refused)."""
    offices = [o for o in prov.offices if o.handler_unit is not None and o.specialists and o.leaders]
    if not offices or count <= 0:
        return 0
    pick = _Weighted(offices, [o.weight * (3 if o.level == "tinh" else 1) for o in offices])
    days = _working_days(cal, today - timedelta(days=DAYS), today)
    procs = {o.level: [p for p, s in prov.procedures if (s.levels == "tinh") == (o.level == "tinh")] for o in offices}
    plans = []
    for _ in range(count):
        office = pick.pick(rng)
        received = _office_moment(rng, cal, rng.choice(days))
        category, title, text = rng.choice(FEEDBACK_TEXTS)
        proc = rng.choice(procs[office.level])
        sender = prov.people.person(rng, year=received.year)
        plans.append((received, office, category, title, text.format(proc=proc.name.lower()), proc, sender,
                      rng.random(), rng.randint(1, 12), rng.randint(1, 2 * WORKDAY), rng.choice(ANSWERS),
                      rng.randrange(len(prov.citizens)) if prov.citizens and rng.random() < 0.4 else None))
    plans.sort(key=lambda x: x[0])
    for i, (received, office, category, title, text, proc, sender, r, answer_days, publish_delay, answer, citizen) in enumerate(plans, 1):
        if progress and (i % 50 == 0 or i == len(plans)):
            progress("Phản ánh, kiến nghị", i, len(plans))
        handler = office.specialists[0]
        leader = office.leaders[0]
        if citizen is not None:  # sent from a citizen account on the portal
            actor, channel, name = prov.citizens[citizen], "cong_dvc", prov.citizens[citizen].full_name
        else:  # told to an officer of the handling unit, in person or on the hotline
            actor, channel, name = handler, rng.choice(("truc_tiep", "duong_day_nong")), sender.name
        fb = feedback.receive(
            session, actor, unit_id=office.handler_unit.id, content=text, category=category, channel=channel,
            sender_name=name, sender_contact=sender.phone, title=title, procedure_id=proc.id, received_at=received,
            calendar=cal,
        )
        step = cal.add_working_seconds(received, rng.randint(HOUR, WORKDAY))
        if step >= now:
            continue
        if r < 0.05:
            feedback.refuse(session, handler, fb, "Nội dung không phải phản ánh, kiến nghị về quy định hành chính.", at=step, calendar=cal)
            continue
        if r < 0.12:
            feedback.forward(session, handler, fb, "Ủy ban nhân dân tỉnh" if office.level != "tinh" else "Bộ, ngành có thẩm quyền",
                             at=step, calendar=cal)
            continue
        feedback.accept(session, handler, fb, at=step)
        if r < 0.18:
            asked = cal.add_working_seconds(step, HOUR)
            if asked >= now:
                continue
            feedback.request_supplement(session, handler, fb, "Đề nghị cung cấp mã hồ sơ và số điện thoại liên hệ.", at=asked, calendar=cal)
            back = cal.add_working_seconds(asked, rng.randint(HOUR, 3 * WORKDAY))
            if back >= now:
                continue
            feedback.supplement(session, handler, fb, "Đã cung cấp mã hồ sơ và số điện thoại.", at=back, calendar=cal)
            step = back
        answered = cal.add_working_seconds(step, answer_days * WORKDAY)
        if answered >= now:
            continue
        feedback.answer(session, handler, fb, answer, at=answered, calendar=cal)
        published = cal.add_working_seconds(answered, publish_delay)
        if published < now:
            feedback.publish(session, leader, fb, at=published, calendar=cal)
    session.flush()
    return len(plans)


# ---- the whole demo ----------------------------------------------------------------------------
def has_dossiers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Dossier)) or 0


def _expunge_dossiers(session: Session) -> None:
    for obj in list(session.identity_map.values()):
        if isinstance(obj, (Dossier, DossierStep, DossierEvent, DossierComponent, DossierFile)) and obj in session:
            session.expunge(obj)  # a dossier takes its steps, components and files with it


def run_demo(session: Session, options: DemoOptions, progress: Progress | None = None,
             on_ready: Callable[[DemoProvince], None] | None = None) -> DemoResult:
    """Build the province and play N dossiers; commits in batches of `options.batch` dossiers.

    `on_ready` is called once the units, procedures and accounts are committed, before the dossiers:
    from then on people can log in while the dossiers are still being written."""
    from cchc import clock

    today = options.today or clock.now().date()
    # Separate streams: the dossiers drawn do not depend on what the setup found already in the database.
    setup_rng = random.Random(f"{options.seed}:setup")
    rng = random.Random(f"{options.seed}:dossiers")
    catalog = load_catalog()
    t0 = timer.perf_counter()
    if options.max_procedures is not None:
        catalog = catalog.most_used(options.max_procedures)
    prov = build_province(session, catalog, setup_rng, province_code=options.province, today=today,
                          max_communes=options.max_communes, citizens=options.citizens, progress=progress)
    session.commit()
    if on_ready is not None:
        on_ready(prov)
    cal = session_calendar(session)
    plans = plan_dossiers(prov, cal, rng, options.dossiers, today)
    t1 = timer.perf_counter()
    now = datetime.combine(today, time(0, 0))
    player = _Player(_ServiceActions(session), cal, now, options.attach_files)
    total = len(plans)
    # The oldest dossiers go through the service functions one action at a time, the others are
    # replayed in memory and inserted set-based (cchc.dossiers.backfill), batch after batch.
    via_service = total if options.via_service is None else min(options.via_service, total)
    for i, plan in enumerate(plans[:via_service], start=1):
        player.play(plan)
        if i % options.batch == 0 or i == via_service:
            session.commit()
            _expunge_dossiers(session)
        if progress:
            progress("Hồ sơ", i, total)
    if via_service < total:
        bulk = _BulkActions(session, since=plans[via_service].start.date(), cal=cal)
        player.act = bulk
        for i, plan in enumerate(plans[via_service:], start=via_service + 1):
            player.play(plan)
            if i % options.batch == 0 or i == total:
                bulk.write()
                session.commit()
            if progress and (i % 250 == 0 or i == total):
                progress("Hồ sơ", i, total)
    play_feedback(session, prov, cal, random.Random(f"{options.seed}:pakn"), options.dossiers // MIX["feedback_per_dossiers"],
                  player.now, today, progress)
    session.commit()
    t2 = timer.perf_counter()
    workload = None
    if options.reform:
        if progress:
            progress("Nhiệm vụ, cải cách hành chính, báo cáo", 0, 1)
        workload = play_reform(session, prov, cal, options.seed, today)
        session.commit()
        if progress:
            progress("Nhiệm vụ, cải cách hành chính, báo cáo", 1, 1)
    return DemoResult(province=prov, dossiers=total, seconds_setup=t1 - t0, seconds_dossiers=t2 - t1,
                      summary=summarize(session, prov, today), today=today, reform=workload,
                      seconds_reform=timer.perf_counter() - t2)


def summarize(session: Session, prov: DemoProvince, today: date) -> dict:
    """Figures of the demo database, by SQL (GROUP BY), for the closing summary."""
    by_state = dict(session.execute(select(Dossier.state, func.count()).group_by(Dossier.state)).all())
    by_level = dict(session.execute(
        select(Dossier.level, func.count()).where(Dossier.received_at.is_not(None)).group_by(Dossier.level)
    ).all())
    by_channel = dict(session.execute(select(Dossier.channel, func.count()).group_by(Dossier.channel)).all())
    timeliness = dict(session.execute(
        select(Dossier.timeliness, func.count()).where(Dossier.timeliness.is_not(None)).group_by(Dossier.timeliness)
    ).all())
    now = datetime.combine(today, time(0, 0))
    open_states = [s.value for s in (State.RECEIVED, State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL)]
    overdue, within = session.execute(
        select(
            func.coalesce(func.sum(case((Dossier.due_at < now, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Dossier.due_at >= now, 1), else_=0)), 0),
        ).where(Dossier.state.in_(open_states))
    ).one()
    digit = session.execute(
        select(
            func.count(), func.coalesce(func.sum(case((Dossier.components_digitized.is_(True), 1), else_=0)), 0),
        ).where(Dossier.received_at.is_not(None))
    ).one()
    ended = sum(timeliness.values())
    on_time = timeliness.get("truoc_han", 0) + timeliness.get("dung_han", 0)
    return {
        "units": session.scalar(select(func.count()).select_from(Unit).where(
            or_(*(Unit.path.like(u.path + "%") for u in (prov.province, *prov.legacy_provinces)))
        )) or 0,
        "units_created": prov.units_created,
        "procedures": session.scalar(select(func.count()).select_from(Procedure)) or 0,
        "officers": session.scalar(select(func.count()).select_from(User).where(User.role != "cong_dan")) or 0,
        "citizens": session.scalar(select(func.count()).select_from(User).where(User.role == "cong_dan")) or 0,
        "dossiers": sum(by_state.values()),
        "by_state": by_state,
        "by_level": by_level,
        "by_channel": by_channel,
        "timeliness": timeliness,
        "on_time_rate": (100.0 * on_time / ended) if ended else None,
        "open_overdue": int(overdue),
        "open_within": int(within),
        "digitized_rate": (100.0 * digit[1] / digit[0]) if digit[0] else None,
        "events": session.scalar(select(func.count()).select_from(DossierEvent)) or 0,
        "feedback": session.scalar(select(func.count()).select_from(Feedback)) or 0,
        "ratings": session.scalar(select(func.count()).select_from(Rating)) or 0,
    }
