"""The demo's administrative-reform work: assigned tasks, the CCHC registers, report narratives and reports sent up.

Played after the dossiers, through the domains' own actions (cchc.tasks.service, cchc.reform.plan / .directives /
.activities / .service, cchc.submissions.service) at moments of the demo's clock, so that /nhiem-vu, /cai-cach,
/bao-cao-gui and /bao-cao-tong-hop show realistic content out of the box:

- tasks assigned by the Văn phòng UBND tỉnh to the departments and the first communes, in every state — waiting to
  be accepted, in progress within or past their deadline, extended, returned once, waiting for confirmation, done on
  time and done late;
- the year's CCHC plan of the province, Sở Nội vụ, Sở Tư pháp and the first commune with items done, in progress and
  not started; their directive documents, inspections and communication activities over the last two quarters;
- the typed sections of the last quarter's report for those units;
- four reports of the last quarter sent up by departments: accepted on time, waiting for a decision (one sent on
  time, one late), returned with a comment (a few only: each is built as its DOCX).

Everything is drawn from `random.Random(f"{seed}:reform")`, so the same seed gives the same content. Content in
Vietnamese modelled on the seeds (../shared/seeds/). Played once: a database that already has tasks keeps them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.periods import Period, current_quarter, previous_periods
from cchc.reform import activities, directives, plan
from cchc.reform import service as reform
from cchc.reform.enums import Area, CommunicationKind, DocumentKind, PlanStatus
from cchc.submissions import service as submissions
from cchc.synth.province import DemoProvince, Office
from cchc.tasks import service as tasks
from cchc.tasks.models import Task
from cchc.units.models import Unit

# ---- the words ---------------------------------------------------------------------------------------------------
# (document number, issuer level, subject) of the documents tasks are assigned by
TASK_DOCUMENTS = (
    ("{n}/KH-UBND", "ubnd_tinh", "Kế hoạch cải cách hành chính tỉnh năm {year}"),
    ("{n}/QĐ-UBND", "chu_tich_ubnd_tinh", "Quyết định ban hành Chương trình công tác trọng tâm năm {year}"),
    ("{n}/CĐ-TTg", "thu_tuong", "Công điện về đẩy mạnh thực hiện thủ tục hành chính trên môi trường điện tử"),
    ("{n}/NQ-CP", "chinh_phu", "Nghị quyết về nhiệm vụ, giải pháp cải thiện môi trường kinh doanh năm {year}"),
)
TASK_TITLES = (
    "Rà soát, đề xuất phương án đơn giản hóa thủ tục hành chính thuộc phạm vi quản lý",
    "Số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực",
    "Công khai đầy đủ thủ tục hành chính trên Cổng dịch vụ công của tỉnh",
    "Rà soát quy trình nội bộ giải quyết thủ tục hành chính trên Hệ thống thông tin giải quyết TTHC",
    "Xây dựng kế hoạch tuyên truyền cải cách hành chính năm {year}",
    "Khắc phục tồn tại sau kiểm tra công tác cải cách hành chính",
    "Báo cáo kết quả thực hiện Chỉ số cải cách hành chính (PAR Index) năm {prev}",
    "Triển khai thanh toán trực tuyến phí, lệ phí thủ tục hành chính",
    "Tổ chức đối thoại với người dân, doanh nghiệp về thủ tục hành chính",
    "Kiện toàn Bộ phận Một cửa và bố trí công chức đủ năng lực tiếp nhận hồ sơ",
    "Rà soát, cập nhật danh mục dịch vụ công trực tuyến toàn trình",
    "Giải quyết dứt điểm hồ sơ quá hạn, thực hiện xin lỗi người dân theo quy định",
)
TASK_RESULTS = (
    "Đã ban hành văn bản triển khai và báo cáo kết quả bằng văn bản gửi Văn phòng UBND tỉnh.",
    "Đã hoàn thành rà soát; danh mục và phương án kèm theo báo cáo.",
    "Đã tổ chức thực hiện, cập nhật kết quả trên Hệ thống thông tin giải quyết TTHC của tỉnh.",
)
PLAN_ITEMS = (
    ("Ban hành Kế hoạch cải cách hành chính năm {year}", Area.GENERAL),
    ("Ban hành Kế hoạch kiểm tra công tác cải cách hành chính năm {year}", Area.GENERAL),
    ("Ban hành Kế hoạch tuyên truyền cải cách hành chính năm {year}", Area.GENERAL),
    ("Rà soát, đánh giá thủ tục hành chính, đề xuất phương án đơn giản hóa", Area.PROCEDURES),
    ("Công khai thủ tục hành chính và kết quả giải quyết hồ sơ đúng quy định", Area.PROCEDURES),
    ("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", Area.DIGITAL),
    ("Rà soát văn bản quy phạm pháp luật thuộc lĩnh vực quản lý", Area.INSTITUTIONS),
    ("Kiện toàn tổ chức bộ máy, sắp xếp các phòng chuyên môn", Area.ORGANISATION),
    ("Đánh giá, xếp loại công chức theo vị trí việc làm", Area.CIVIL_SERVICE),
    ("Thực hiện cơ chế tự chủ tài chính của đơn vị sự nghiệp công lập", Area.PUBLIC_FINANCE),
    ("Triển khai nền tảng số dùng chung, chữ ký số cho công chức", Area.DIGITAL),
    ("Khảo sát sự hài lòng của người dân, tổ chức", Area.GENERAL),
)
DIRECTIVES = (
    (DocumentKind.PLAN, "{n}/KH-{sign}", "Kế hoạch cải cách hành chính năm {year}", Area.GENERAL),
    (DocumentKind.PLAN, "{n}/KH-{sign}", "Kế hoạch kiểm tra công tác cải cách hành chính năm {year}", Area.GENERAL),
    (DocumentKind.PLAN, "{n}/KH-{sign}", "Kế hoạch tuyên truyền cải cách hành chính năm {year}", Area.GENERAL),
    (DocumentKind.LETTER, "{n}/{sign}-VP", "Về việc chấn chỉnh tình trạng hồ sơ trễ hạn", Area.PROCEDURES),
    (DocumentKind.DECISION, "{n}/QĐ-{sign}", "Phê duyệt quy trình nội bộ giải quyết thủ tục hành chính", Area.PROCEDURES),
    (DocumentKind.LETTER, "{n}/{sign}-VP", "Về việc đẩy mạnh số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", Area.DIGITAL),
    (DocumentKind.DIRECTIVE, "{n}/CT-{sign}", "Về tăng cường kỷ luật, kỷ cương hành chính", Area.CIVIL_SERVICE),
)
COMMUNICATIONS = (
    (CommunicationKind.ARTICLE, "Tin, bài về cải cách hành chính trên Trang thông tin điện tử"),
    (CommunicationKind.MEETING, "Hội nghị tuyên truyền dịch vụ công trực tuyến cho người dân"),
    (CommunicationKind.PROGRAMME, "Chuyên mục «Cải cách hành chính» trên Đài Phát thanh - Truyền hình"),
    (CommunicationKind.OTHER, "Tuyên truyền qua hệ thống loa truyền thanh cơ sở"),
)
NARRATIVES = {
    "III.1": (
        "- Công tác chỉ đạo, điều hành cải cách hành chính được triển khai kịp thời, đồng bộ; lãnh đạo đơn vị "
        "quan tâm, trực tiếp chỉ đạo giải quyết các vướng mắc.\n"
        "- Việc tiếp nhận, giải quyết hồ sơ thủ tục hành chính cơ bản đúng quy trình; người dân, tổ chức ngày "
        "càng sử dụng nhiều dịch vụ công trực tuyến."
    ),
    "III.2": (
        "- Một số hồ sơ còn giải quyết trễ hạn, việc xin lỗi người dân chưa kịp thời.\n"
        "- Tỷ lệ số hóa kết quả giải quyết thủ tục hành chính chưa đạt yêu cầu đề ra."
    ),
    "III.3": (
        "- Hạ tầng công nghệ thông tin ở một số nơi chưa đồng bộ, đường truyền chưa ổn định.\n"
        "- Một bộ phận công chức mới bố trí, chưa thành thạo các phần mềm dùng chung."
    ),
    "IV": (
        "- Tiếp tục đẩy mạnh số hóa hồ sơ, kết quả giải quyết thủ tục hành chính; giải quyết dứt điểm hồ sơ quá hạn.\n"
        "- Tăng cường kiểm tra, tuyên truyền về cải cách hành chính, nhất là dịch vụ công trực tuyến toàn trình."
    ),
    "V": "Đề nghị Sở Nội vụ tiếp tục tổ chức tập huấn nghiệp vụ cải cách hành chính cho công chức cấp xã.",
}
RETURN_COMMENT = ("Đề nghị bổ sung kết quả kiểm tra cải cách hành chính và số liệu tuyên truyền của kỳ báo cáo, "
                  "rà soát lại mục III trước khi gửi lại.")


@dataclass
class Workload:
    """What the demo's reform work holds (for the summary and the tests)."""

    tasks: int = 0
    plan_items: int = 0
    documents: int = 0
    inspections: int = 0
    activities: int = 0
    narratives: int = 0
    submissions: int = 0


def _at(cal, day: date, hour: int = 9) -> datetime:
    """An office moment on `day`, or on the working day after it."""
    return datetime.combine(cal.on_or_after(day), time(hour, 15))


def _working_before(cal, day: date, days: int) -> date:
    """The working day `days` working days before `day`."""
    d = day
    while days > 0:
        d -= timedelta(days=1)
        if cal.is_working_day(d):
            days -= 1
    return d


def _user(session: Session, role: Role, unit: Unit) -> User | None:
    return session.scalar(select(User).where(User.role == role.value, User.unit_id == unit.id, User.active.is_(True))
                          .order_by(User.username).limit(1))


def play_reform(session: Session, prov: DemoProvince, cal, seed: int, today: date) -> Workload:
    """Tasks, registers, narratives and submissions of the demo province (see the module doc)."""
    done = Workload()
    if session.scalar(select(func.count()).select_from(Task)):
        return done  # played by an earlier run
    rng = random.Random(f"{seed}:reform")
    vp_unit = session.scalar(select(Unit).where(Unit.parent_id == prov.province.id, Unit.kind == "van_phong").limit(1))
    assigner = _user(session, Role.REPORTING, vp_unit) if vp_unit is not None else None
    leads = [o for k, o in prov.agencies.items() if o.leaders][:6] + [o for o in prov.communes if o.leaders][:3]
    if assigner is not None and leads:
        done.tasks = _play_tasks(session, rng, cal, assigner, leads, today)
    registers = [(prov.province, _user(session, Role.REPORTING, prov.province))]
    for key in ("snv", "stp"):
        if key in prov.agencies:
            unit = prov.agencies[key].unit
            registers.append((unit, _user(session, Role.REPORTING, unit)))
    if prov.communes:
        unit = session.get(Unit, prov.communes[0].leaders[0].unit_id)
        registers.append((unit, None))
    quarters = previous_periods(current_quarter(today), 2)
    inspected = [o.unit for o in prov.agencies.values()] + [session.get(Unit, o.leaders[0].unit_id) for o in prov.communes[:4] if o.leaders]
    for n, (unit, actor) in enumerate(registers):
        _play_registers(session, rng, cal, unit, actor, today, quarters, n, inspected if unit is prov.province else [], done)
    senders = [prov.agencies[k] for k in ("stp", "snv", "sxd", "stc") if k in prov.agencies] + prov.communes[:1]  # a commune if a Sở is missing
    acceptor = _user(session, Role.REPORTING, prov.province)
    if acceptor is not None:
        done.submissions = _play_submissions(session, cal, senders, acceptor, quarters, today)
    session.flush()
    return done


# ---- assigned tasks ----------------------------------------------------------------------------------------------
# The story of each task, by index: (days assigned before today, working days allowed, what happened).
# Three in ten end up overdue (never accepted, in progress past the deadline, done late); an extended task gets a
# deadline ahead, a returned one and one waiting for confirmation are still within theirs.
STORIES = (
    ("waiting", 3, 15), ("waiting_overdue", 40, 10), ("in_progress", 20, 30), ("in_progress_overdue", 45, 15),
    ("extended", 50, 15), ("returned", 35, 50), ("waiting_confirmation", 25, 40), ("done_on_time", 40, 20),
    ("done_late", 45, 10), ("done_on_time", 120, 30),
)


def _play_tasks(session: Session, rng: random.Random, cal, assigner: User, leads: list[Office], today: date) -> int:
    count = 0
    year = today.year
    # each document dated before the oldest assignment (a task's document is never later than the task)
    oldest = max(ago for _story, ago, _days in STORIES)
    documents = [(fmt.format(n=rng.randint(10, 480)), _working_before(cal, today, oldest + 5 + 7 * k), level, subject.format(year=year))
                 for k, (fmt, level, subject) in enumerate(TASK_DOCUMENTS)]
    for i, office in enumerate(leads):
        leader = office.leaders[0]
        lead_unit = session.get(Unit, leader.unit_id)
        doer = office.specialists[0] if office.specialists else leader
        stories = STORIES if i < 2 else rng.sample(STORIES, 4)
        for story, ago, days in stories:
            assigned = _at(cal, _working_before(cal, today, ago), 8 + rng.randint(0, 2))
            number, doc_day, level, subject = rng.choice(documents)
            title = rng.choice(TASK_TITLES).format(year=year, prev=year - 1)
            task = tasks.assign(
                session, assigner, document_number=number, document_date=doc_day, issuer_level=level, issuer="",
                subject=subject, title=title, lead_unit=lead_unit, working_days=days, at=assigned,
                content=f"{title}; báo cáo kết quả về Văn phòng UBND tỉnh trước thời hạn.",
            )
            count += 1
            if story.startswith("waiting") and story != "waiting_confirmation":
                continue
            accepted = cal.add_working_days(assigned, 1)
            tasks.accept(session, leader, task, "Giao phòng chuyên môn chủ trì thực hiện.", at=accepted)
            deadline = task.deadline
            if story == "extended":
                tasks.extend(session, assigner, task, max(deadline, today) + timedelta(days=21),
                             "Nội dung cần xin ý kiến các sở, ngành liên quan.", at=cal.add_working_days(accepted, 5))
            if story.startswith("in_progress") or story == "extended":
                continue
            if story == "done_late":
                finished = cal.add_working_days(datetime.combine(deadline, time(9)), 4)
            else:
                finished = min(cal.add_working_days(accepted, max(1, days // 2)), _at(cal, _working_before(cal, today, 2)))
            tasks.report_done(session, doer, task, rng.choice(TASK_RESULTS), completed_on=finished.date(), at=finished)
            if story == "returned":
                tasks.return_task(session, assigner, task, "Báo cáo chưa nêu kết quả cụ thể, đề nghị bổ sung số liệu.",
                                  at=cal.add_working_hours(finished, 3))
                continue
            if story == "waiting_confirmation":
                continue
            tasks.confirm(session, assigner, task, "Đã nhận báo cáo kết quả.", at=cal.add_working_hours(finished, 4))
    session.flush()
    return count


# ---- the CCHC registers and the typed sections -----------------------------------------------------------------
def _sign(unit: Unit) -> str:
    """The sign after a document number: UBND for a People's Committee or an area, else the initials of the name."""
    if unit.is_area or unit.kind == "ubnd":
        return "UBND"
    words = unit.name.split()
    if words[0] == "Sở":  # Sở Nội vụ → SNV, Sở Tư pháp → STP
        return "S" + "".join(w[0] for w in words[1:]).upper()
    return "".join(w[0] for w in words if w[:1].isupper())


def _play_registers(session: Session, rng: random.Random, cal, unit: Unit, actor: User | None, today: date,
                    quarters: list[Period], n: int, inspected: list[Unit], done: Workload) -> None:
    """The unit's plan, documents, inspections (of `inspected`, else of itself), communication and typed sections."""
    year = today.year
    sign = _sign(unit)
    start_of_year = date(year, 1, 1)
    # the year's plan: the first items done, then some in progress, the last not started
    items = PLAN_ITEMS[: 8 + n]
    for k, (content, _area) in enumerate(items, start=1):
        deadline = date(year, min(12, 2 + k), 28 if k % 2 else 15)
        if k <= len(items) // 2 + 1 and deadline < today:
            status, completed = PlanStatus.DONE.value, min(deadline - timedelta(days=rng.randint(0, 10)), today)
        elif k < len(items) - 1:
            status, completed = PlanStatus.IN_PROGRESS.value, None
        else:
            status, completed = PlanStatus.NOT_STARTED.value, None
        plan.create_item(session, actor, unit, year=year, code=str(k), content=content.format(year=year), owner=unit.name,
                         deadline=deadline, status=status, completed_at=completed,
                         evidence="Văn bản, báo cáo kết quả lưu tại đơn vị." if completed else "")
        done.plan_items += 1
    # directive documents: the yearly plans in January, the rest spread over the year so far
    numbers = iter(sorted(rng.sample(range(1, 400), len(DIRECTIVES))))
    for k, (kind, number, subject, area) in enumerate(DIRECTIVES):
        day = cal.on_or_after(start_of_year + timedelta(days=5 + 3 * k)) if k < 3 else \
            cal.on_or_after(start_of_year + timedelta(days=rng.randint(40, max(41, (today - start_of_year).days - 5))))
        if day >= today:
            continue
        directives.create_document(session, actor, unit, number=number.format(n=next(numbers), sign=sign), kind=kind.value,
                                   issued_on=day, subject=subject.format(year=year), area=area.value, is_cchc=True)
        done.documents += 1
    # inspections and communication in each of the last two quarters and in the current one so far
    for q in [*quarters, current_quarter(today)]:
        span = max(1, (min(q.end, today - timedelta(days=1)) - q.start).days)
        # the province inspects departments and communes, the others themselves
        targets = rng.sample(inspected, min(3, len(inspected))) if inspected else [unit, unit]
        for target in targets:
            day = cal.on_or_after(q.start + timedelta(days=rng.randint(0, span)))
            if day >= today:
                continue
            found = rng.randint(0, 6)
            activities.create_inspection(session, actor, unit, inspected_on=day, inspected_unit_id=target.id,
                                         issues_found=found, issues_resolved=rng.randint(0, found),
                                         note="Kiểm tra việc giải quyết thủ tục hành chính, niêm yết công khai tại Bộ phận Một cửa.")
            done.inspections += 1
        for kind, title in COMMUNICATIONS:
            day = cal.on_or_after(q.start + timedelta(days=rng.randint(0, span)))
            if day >= today:
                continue
            meeting = kind in (CommunicationKind.MEETING, CommunicationKind.OTHER)
            activities.create_activity(session, actor, unit, held_on=day, kind=kind.value, title=title,
                                       count=rng.randint(1, 12) if kind == CommunicationKind.ARTICLE else rng.randint(1, 3),
                                       participants=rng.randint(40, 300) if meeting else 0)
            done.activities += 1
    last = quarters[-1]
    for key, text in NARRATIVES.items():
        reform.set_narrative(session, actor, unit, last.start, last.end, key, text)
        done.narratives += 1
    session.flush()


# ---- reports sent up ---------------------------------------------------------------------------------------------
def _play_submissions(session: Session, cal, senders: list[Office], acceptor: User, quarters: list[Period], today: date) -> int:
    """Four reports of the last quarter only (each is built as its DOCX with charts, 2–4 s): accepted on time,
    sent on time and waiting for a decision, sent late and waiting, returned with a comment."""
    count = 0
    last = quarters[-1]
    stories = ("accepted", "submitted", "late", "returned")
    plans = [(last, i, story) for i, story in enumerate(stories) if i < len(senders)]
    for period, i, story in plans:
        leader = senders[i].leaders[0]
        unit = session.get(Unit, leader.unit_id)
        deadline = submissions.deadline_for(period)
        sent_day = deadline + timedelta(days=3) if story == "late" else _working_before(cal, deadline, 2 + i)
        sent = _at(cal, sent_day, 14)
        if sent.date() >= today:
            continue
        submissions.prepare_from_cchc(session, leader, unit, period, now=sent - timedelta(hours=4))
        sub = submissions.submit(session, leader, unit, period, acknowledge=True, now=sent)
        count += 1
        decided = cal.add_working_days(sent, 2)
        if story in ("submitted", "late") or decided.date() >= today:
            continue
        if story == "returned":
            submissions.return_(session, acceptor, sub, RETURN_COMMENT, now=decided)
        else:
            submissions.accept(session, acceptor, sub, "Đã tiếp nhận, tổng hợp vào báo cáo của tỉnh.", now=decided)
    session.flush()
    return count
