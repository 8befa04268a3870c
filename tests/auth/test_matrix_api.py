"""Every cell of the permission matrix (src/cchc/auth/permissions.yaml), performed through the HTTP interface.

For each action and each role: where the cell allows it, the role's officer does it on a record of their own
unit (or province) and gets a 2xx (303 for a page form); on a record out of reach — another commune, for a
province-wide role another province, for a citizen another person's dossier — and wherever the cell is «none»,
the answer is a 403 with a Vietnamese message (404 where the route hides records out of reach) and the database
is exactly as before. The expected answer is read from the matrix itself, so the file and the code cannot drift.

The world is built once for the module inside one transaction; each test runs in a savepoint rolled back after
it, and the application's sessions are bound to that transaction (their commits are savepoints).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cchc import clock
from cchc import db as cchc_db
from cchc.auth import permissions
from cchc.auth.enums import Role
from cchc.auth.passwords import hash_password
from cchc.db import Base
from cchc.app.main import create_app
from tests.conftest import rolled_back_connection
from tests.dossiers.factories import APPLICANT, make_unit, make_user
from tests.procedures.factories import procedure_data
from tests.webclient import PASSWORD

MATRIX = permissions.matrix()
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
# Tables that a log-in or a page view may write whatever the action (sessions, throttling, an audit trail).
VOLATILE = re.compile(r"session|login_attempt|audit", re.I)
VOLATILE_COLUMNS = {"last_login_at"}


# ---------------------------------------------------------------------------------------------- the world
@dataclass
class World:
    units: dict[str, str] = field(default_factory=dict)  # key → unit code
    dossiers: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, unit key) → dossier code
    feedback: dict[tuple[str, str], str] = field(default_factory=dict)
    tasks: dict[tuple[str, str], str] = field(default_factory=dict)
    submissions: dict[str, int] = field(default_factory=dict)
    procedure: str = ""
    owned: dict[str, str] = field(default_factory=dict)  # unit key → code of a procedure it owns
    component_id: int = 0
    narrative_key: str = ""


# The officer who acts for each role: of commune C; the reporting officer of the Sở Nội vụ (province-wide for
# dossiers, only their own unit and below for figures), so that «province» and «subtree» give different answers.
ACTOR = {
    Role.CITIZEN: "mx.congdan", Role.RECEIVING: "mx.motcua", Role.SPECIALIST: "mx.chuyenvien", Role.LEADER: "mx.lanhdao",
    Role.UNIT_ADMIN: "mx.quantri", Role.REPORTING: "mx.baocao", Role.SYSTEM_ADMIN: "mx.hethong",
}


def _build(s: Session) -> World:
    from cchc.dossiers import service as dossiers
    from cchc.feedback import service as feedback
    from cchc.periods import resolve_period
    from cchc.procedures import service as procedures
    from cchc.reform import service as reform
    from cchc.submissions import service as submissions
    from cchc.tasks import service as tasks

    w = World()
    province = make_unit(s, "MX87", "Tỉnh Đồng Tháp", "tinh", kind="tinh")
    c = make_unit(s, "MX87.01", "Xã Mỹ An Hưng", "xa", province)
    c2 = make_unit(s, "MX87.02", "Xã Tân Khánh Trung", "xa", province)
    home_affairs = make_unit(s, "MX87.SNV", "Sở Nội vụ", "tinh", province, is_area=False, kind="so")
    section = make_unit(s, "MX87.SNV.01", "Phòng Cải cách hành chính", "tinh", home_affairs, is_area=False, kind="phong")
    office = make_unit(s, "MX87.VP", "Văn phòng UBND tỉnh Đồng Tháp", "tinh", province, is_area=False, kind="van_phong")
    province2 = make_unit(s, "MX83", "Tỉnh Bến Tre", "tinh", kind="tinh")
    c3 = make_unit(s, "MX83.01", "Xã Phú Thuận", "xa", province2)
    units = {"P": province, "C": c, "C2": c2, "SNV": home_affairs, "SNV.01": section, "VP": office, "P2": province2, "C3": c3}
    w.units = {k: u.code for k, u in units.items()}

    people = {}
    for name, role, unit in (
        ("mx.congdan", Role.CITIZEN, None), ("mx.congdan2", Role.CITIZEN, None),
        ("mx.motcua", Role.RECEIVING, c), ("mx.motcua2", Role.RECEIVING, c2), ("mx.motcua3", Role.RECEIVING, c3),
        ("mx.chuyenvien", Role.SPECIALIST, c), ("mx.chuyenvien.b", Role.SPECIALIST, c), ("mx.chuyenvien2", Role.SPECIALIST, c2),
        ("mx.lanhdao", Role.LEADER, c), ("mx.lanhdao2", Role.LEADER, c2), ("mx.lanhdao3", Role.LEADER, c3),
        ("mx.quantri", Role.UNIT_ADMIN, c), ("mx.quantri.tinh", Role.UNIT_ADMIN, province),
        ("mx.baocao", Role.REPORTING, home_affairs), ("mx.baocao.tinh", Role.REPORTING, province),
        ("mx.baocao.vp", Role.REPORTING, office), ("mx.quantri.vp", Role.UNIT_ADMIN, office),
        ("mx.hethong", Role.SYSTEM_ADMIN, None),
    ):
        people[name] = make_user(s, name, role, unit)
    hashed = hash_password(PASSWORD)
    for user in people.values():
        user.password_hash = hashed
    s.flush()

    proc = procedures.create_procedure(s, None, procedure_data(
        code="1.900001", name="Đăng ký hộ kinh doanh", agency="Ủy ban nhân dân cấp xã", time_amount=10,
        components=[{"name": "Giấy đề nghị đăng ký hộ kinh doanh", "copies": 1}],
        steps="mot_cua:4:0; chuyen_vien:24:1; lanh_dao:8:1; van_thu:4:0; mot_cua:4:0"))
    w.procedure, w.component_id = proc.code, proc.components[0].id
    for key, code in (("C", "1.900002"), ("C2", "1.900003")):
        owned = procedures.create_procedure(s, None, procedure_data(code=code, name=f"Chứng thực tại {units[key].name}",
                                                                     agency=units[key].code, online_level="khong"))
        w.owned[key] = owned.code

    def receive(key: str):
        owner = people["mx.congdan"] if key == "C" else people["mx.congdan2"]
        return dossiers.receive(s, None, procedure=proc, unit=units[key], channel=1, applicant=APPLICANT, owner=owner)

    for key in ("C", "C2", "C3"):
        w.dossiers["spec", key] = receive(key).code
    for key in ("C", "C2"):
        lead = receive(key)
        dossiers.forward(s, None, lead, "")
        w.dossiers["lead", key] = lead.code
        clerk = receive(key)
        dossiers.forward(s, None, clerk, "")
        dossiers.forward(s, None, clerk, "")
        w.dossiers["clerk", key] = clerk.code
        done = receive(key)
        dossiers.forward(s, None, done, "")
        dossiers.finish(s, None, done, result_number="01/GCN", result_summary="Giấy chứng nhận đăng ký hộ kinh doanh")
        w.dossiers["done", key] = done.code

    for key, handler in (("C", "mx.motcua"), ("C2", "mx.motcua2")):
        new = feedback.receive(s, people["mx.congdan"], unit_id=units[key].id, content="Thủ tục chậm trả kết quả.",
                               category="quy_dinh_tthc", channel="cong_dvc", sender_name="Nguyễn Văn An")
        w.feedback["new", key] = new.code
        ready = feedback.receive(s, people["mx.congdan"], unit_id=units[key].id, content="Đề nghị niêm yết phí.",
                                 category="quy_dinh_tthc", channel="cong_dvc", sender_name="Nguyễn Văn An")
        feedback.answer(s, people[handler], ready, "Đã niêm yết phí tại Bộ phận Một cửa.")
        w.feedback["ready", key] = ready.code
    s.flush()

    today = clock.today()
    for key, leader in (("C", "mx.lanhdao"), ("C2", "mx.lanhdao2")):
        for kind in ("waiting", "doing"):
            task = tasks.assign(s, people["mx.hethong"], document_number=f"{len(w.tasks) + 1}/UBND-KSTT", document_date=today,
                                issuer_level="ubnd_tinh", title="Rà soát thủ tục hành chính", lead_unit=units[key],
                                deadline=today + timedelta(days=60))
            if kind == "doing":
                tasks.accept(s, people[leader], task)
            w.tasks[kind, key] = task.code

    draft = resolve_period("2025-Q3")
    submissions.prepare_from_cchc(s, None, c, draft)
    sent = resolve_period("2025-Q4")
    # the report sent up by commune C, and the one of the section under the Sở Nội vụ (filed under «SNV»: below it)
    for key, unit in (("C", c), ("SNV", section)):
        submissions.prepare_from_cchc(s, None, unit, sent)
        w.submissions[key] = submissions.submit(s, None, unit, sent, acknowledge=True).id
    w.narrative_key = reform.narrative_keys()[0]
    s.flush()
    return w


@pytest.fixture(scope="module")
def connection(engine):
    with rolled_back_connection(engine) as conn:
        yield conn


@pytest.fixture(scope="module")
def world(connection) -> World:
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        built = _build(session)
        session.commit()
    finally:
        session.close()
    return built


@pytest.fixture(scope="module")
def matrix_app(world):
    return create_app()


@pytest.fixture
def http(connection, world, matrix_app, monkeypatch):
    """A client whose requests run in the module's transaction; everything they write is rolled back after the test."""
    savepoint = connection.begin_nested()
    monkeypatch.setattr(cchc_db, "_factory", sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                                                          expire_on_commit=False))
    try:
        with TestClient(matrix_app) as client:
            yield client
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def snapshot(connection) -> dict[str, list]:
    """Every row of every table (but sessions, throttling, audit and last-login times), to prove nothing changed."""
    out = {}
    for table in Base.metadata.sorted_tables:
        if VOLATILE.search(table.name):
            continue
        columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
        out[table.name] = sorted(map(repr, connection.execute(select(*columns)).all()))
    return out


def login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]


# ---------------------------------------------------------------------------------------------- the actions
@dataclass
class Request:
    method: str
    url: str
    json: object = None
    data: dict | None = None
    params: dict | None = None
    ok: tuple[int, ...] = (200, 201)
    verify: Callable | None = None  # (response) -> None, on success


HOME = {"mx.baocao": "SNV", "mx.baocao.tinh": "P", "mx.quantri.tinh": "P", "mx.baocao.vp": "VP", "mx.quantri.vp": "VP"}


def targets(actor: str, scope: str) -> tuple[str, str | None]:
    """(the farthest unit the cell reaches, the nearest it does not) for this officer, so that a scope one step too
    wide or too narrow gives another answer: for the Sở Nội vụ's subtree the commune C is in the province but not
    under it; for a commune officer's province the other commune C2 is in, another province out."""
    home = HOME.get(actor, "C")
    if scope == "system":
        return "C", None
    if home == "P":
        return "C", "C3"
    if home in ("SNV", "VP"):  # a provincial body under the province
        return ("C", "C3") if scope == "province" else (home, "C")
    return ("C2", "C3") if scope == "province" else ("C", "C2")


def _dossier_action(kind_of: Callable[[Role], str], action: str, body: dict, verify=None):
    def make(w: World, role: Role, actor: str, where: str) -> Request:
        kind = kind_of(role)
        code = w.dossiers[kind, where]
        return Request("post", f"/api/v1/dossiers/{code}/{action}", json=body(w, where) if callable(body) else body, verify=verify)

    return make


def _step_kind(role: Role) -> str:
    return {Role.RECEIVING: "clerk", Role.SPECIALIST: "spec", Role.LEADER: "lead"}.get(role, "spec")


def _finished(r) -> None:
    assert r.json()["state_label"] == "Đã xử lý xong", r.json()["state_label"]


def _returned(r) -> None:
    assert r.json()["state_label"] == "Đã trả kết quả", r.json()["state_label"]


def _docx_codes(r) -> str:
    from docx import Document

    doc = Document(io.BytesIO(r.content))
    return " ".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)


def _register(w: World, role: Role, actor: str, where: str) -> Request:
    day = clock.today()
    inside, outside = targets(actor, MATRIX.scope(role, "ho_so.xuat"))

    def verify(r):
        text = _docx_codes(r)
        assert w.dossiers["spec", inside] in text
        if outside is not None:
            assert w.dossiers["spec", outside] not in text, f"{w.dossiers['spec', outside]} (ngoài phạm vi) có trong sổ"

    return Request("get", "/can-bo/so-theo-doi", params={"tu_ngay": f"{day:%d/%m/%Y}", "den_ngay": f"{day:%d/%m/%Y}",
                                                        "dinh_dang": "docx"}, ok=(200,), verify=verify)


def _grant(target: Role):
    def make(w: World, role: Role, actor: str, where: str) -> Request:
        unit = None if target in (Role.CITIZEN, Role.SYSTEM_ADMIN) else w.units[where]

        def verify(r):
            assert r.json()["role"] == target.value and r.json()["unit_code"] == unit

        return Request("post", "/api/v1/users", json={"username": f"moi.{target.value}", "full_name": "Người Mới Tạo",
                                                      "role": target.value, "unit_code": unit}, verify=verify)

    return make


def _page_form(url: str, data: Callable[[World, str], dict]):
    def make(w: World, role: Role, actor: str, where: str) -> Request:
        return Request("post", url, data=data(w, where), ok=(303,))

    return make


ACTIONS: dict[str, Callable[[World, Role, str, str], Request]] = {
    "ho_so.nop_truc_tuyen": lambda w, role, actor, where: Request(
        "post", "/api/v1/dossiers/online", json={"procedure_code": w.procedure, "unit_code": w.units[where], "applicant": APPLICANT,
                                                 "components": [{"component_id": w.component_id}]}),
    "ho_so.tiep_nhan": lambda w, role, actor, where: Request(
        "post", "/api/v1/dossiers", json={"procedure_code": w.procedure, "unit_code": w.units[where], "channel": 1,
                                          "applicant": APPLICANT, "components": [{"component_id": w.component_id}]},
        verify=lambda r: r.json()["code"].startswith(w.units[where])),
    "ho_so.xu_ly": _dossier_action(_step_kind, "forward", {"note": ""}),
    "ho_so.phe_duyet": _dossier_action(lambda role: "lead", "finish", {"result_number": "15/GCN", "result_summary": "Cấp giấy"},
                                       verify=_finished),
    "ho_so.phan_cong": _dossier_action(lambda role: "spec", "assign",
                                       lambda w, where: {"username": "mx.chuyenvien.b" if where == "C" else "mx.chuyenvien2"}),
    "ho_so.tra_ket_qua": _dossier_action(lambda role: "done", "return-result", {"note": ""}, verify=_returned),
    "ho_so.xem": lambda w, role, actor, where: Request(
        "get", f"/api/v1/dossiers/{w.dossiers['spec', where]}", ok=(200,),
        verify=lambda r: r.json()["applicant_id_number"] == APPLICANT["id_number"]),
    "ho_so.xuat": _register,
    **{f"nguoi_dung.cap.{r.value}": _grant(r) for r in Role},
    "thu_tuc.sua": lambda w, role, actor, where: Request(
        "patch", f"/api/v1/procedures/{w.owned[where]}", json={"time_amount": 2},
        verify=lambda r: r.json()["time_amount"] == "2.00"),
    "thu_tuc.linh_vuc": lambda w, role, actor, where: Request("put", "/api/v1/fields/HT", json={"name": "Hộ tịch, chứng thực"}),
    "don_vi.them": _page_form("/quan-tri/don-vi", lambda w, where: {
        "parent": w.units[where], "code": f"{w.units[where]}.MC", "name": "Bộ phận Một cửa", "level": "xa", "kind": "bo_phan_mot_cua"}),
    "lich.sua": _page_form("/quan-tri/lich/ngay", lambda w, where: {
        "day": f"{clock.today().year + 1}-12-31", "kind": "off", "name": "Nghỉ thử nghiệm", "legal_ref": "Thông báo số 01/TB"}),
    "cai_cach.so_lieu": _page_form("/bao-cao/noi-dung", lambda w, where: {
        "don_vi": w.units[where], "ky": "2025-Q1", f"muc_{w.narrative_key}": "Đã rà soát toàn bộ thủ tục."}),
    "cai_cach.so_theo_doi": lambda w, role, actor, where: Request(
        "post", "/api/v1/reform/ke-hoach", params={"don_vi": w.units[where]},
        json={"year": 2025, "code": "1", "content": "Rà soát, đơn giản hóa thủ tục hành chính"}),
    "bao_cao_gui.lap": lambda w, role, actor, where: Request("post", "/api/v1/submissions/prepare", json={"period": "2025-Q2"},
                                                             verify=lambda r: r.json()["state"] == "draft"),
    "bao_cao_gui.gui": lambda w, role, actor, where: Request("post", "/api/v1/submissions/submit",
                                                             json={"period": "2025-Q3", "acknowledge": True}),
    "bao_cao_gui.duyet": lambda w, role, actor, where: Request(
        "post", f"/api/v1/submissions/{w.submissions[where]}/accept", json={"comment": ""},
        verify=lambda r: r.json()["state"] == "accepted"),
    "thong_ke.xem": lambda w, role, actor, where: Request("get", "/api/v1/stats", params={"unit": w.units[where], "period": "2025-Q1"},
                                                          ok=(200,)),
    "pakn.xu_ly": lambda w, role, actor, where: Request("post", f"/api/v1/feedback/{w.feedback['new', where]}/accept", json={"note": ""}),
    "pakn.cong_khai": lambda w, role, actor, where: Request("post", f"/api/v1/feedback/{w.feedback['ready', where]}/publish",
                                                            json={"note": ""}),
    "nhiem_vu.giao": lambda w, role, actor, where: Request("post", "/api/v1/tasks", json={
        "document_number": "99/UBND-KSTT", "document_date": clock.today().isoformat(), "issuer_level": "ubnd_tinh",
        "title": "Kiểm tra công tác cải cách hành chính", "lead_unit_code": w.units[where],
        "deadline": (clock.today() + timedelta(days=30)).isoformat()}),
    "nhiem_vu.tiep_nhan": lambda w, role, actor, where: Request("post", f"/api/v1/tasks/{w.tasks['waiting', where]}/accept", json={}),
    "nhiem_vu.bao_cao": lambda w, role, actor, where: Request(
        "post", f"/api/v1/tasks/{w.tasks['doing', where]}/report-done", json={"note": "Đã hoàn thành rà soát"}),
}

# Actions whose routes answer 404 for a record out of reach, so as not to reveal that it exists.
HIDDEN_OUT_OF_REACH = {"bao_cao_gui.duyet"}
# Actions with no record to choose: the role's own unit (or account) is the only one there is.
OWN_UNIT_ONLY = {"ho_so.nop_truc_tuyen", "bao_cao_gui.lap", "bao_cao_gui.gui", "thu_tuc.linh_vuc", "lich.sua"}
# The officer who meets a cell's condition, where the default one does not.
# (Of the Văn phòng UBND tỉnh, under the province: «province» and «subtree» give different answers there too.)
QUALIFIED = {("nhiem_vu.giao", Role.UNIT_ADMIN): "mx.quantri.vp", ("nhiem_vu.giao", Role.REPORTING): "mx.baocao.vp"}


def test_every_action_of_the_matrix_is_performed_here():
    assert set(ACTIONS) == set(MATRIX.actions)


def _perform(client: TestClient, request: Request):
    return client.request(request.method, request.url, json=request.json, data=request.data, params=request.params,
                          follow_redirects=False)


def _message(r) -> str:
    if r.headers.get("content-type", "").startswith("application/json"):
        return str(r.json().get("detail", ""))
    return r.text


def assert_refused(http: TestClient, connection, request: Request, statuses=(403,)) -> None:
    before = snapshot(connection)
    r = _perform(http, request)
    assert r.status_code in statuses, f"{request.method.upper()} {request.url}: {r.status_code} {r.text[:400]}"
    assert VIETNAMESE.search(_message(r)), f"no Vietnamese message: {r.text[:300]}"
    after = snapshot(connection)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"a refused {request.method.upper()} {request.url} changed {changed}"


def assert_done(http: TestClient, request: Request) -> None:
    r = _perform(http, request)
    assert r.status_code in request.ok, f"{request.method.upper()} {request.url}: {r.status_code} {r.text[:600]}"
    if request.verify is not None:
        request.verify(r)


def _refused_request(w: World, key: str, role: Role, actor: str) -> Request:
    """A «none» cell is tried where the role would act if it were allowed — its own reach (for the Sở Nội vụ's
    reporting officer, the Sở's section), or commune C where the world has no such record there."""
    try:
        return ACTIONS[key](w, role, actor, targets(actor, "subtree")[0])
    except KeyError:
        return ACTIONS[key](w, role, actor, "C")


CELLS = [(key, role) for key in MATRIX.actions for role in MATRIX.roles]


@pytest.mark.parametrize("key, role", CELLS, ids=[f"{k}-{r.value}" for k, r in CELLS])
def test_cell(http, connection, world, key, role):
    cell = MATRIX.action(key).cell(role)
    actor = QUALIFIED.get((key, role), ACTOR[role])
    login(http, actor)
    make = ACTIONS[key]
    if cell.scope == "none":
        assert_refused(http, connection, _refused_request(world, key, role, actor))
        return
    inside, outside = targets(actor, cell.scope)
    if outside is not None and key not in OWN_UNIT_ONLY:
        if key == "ho_so.xuat":  # a register of one's reach: what lies outside is left out (checked), not refused
            pass
        else:
            assert_refused(http, connection, make(world, role, actor, outside),
                           (403, 404) if key in HIDDEN_OUT_OF_REACH else (403,))
    assert_done(http, make(world, role, actor, inside))


def test_condition_co_quan_giao_is_enforced(http, connection, world):
    """A unit administrator of a commune, a reporting officer of a Sở: no assigning body, refused by the condition;
    the officers of the province itself are one."""
    for role in (Role.UNIT_ADMIN, Role.REPORTING):
        login(http, ACTOR[role])
        assert_refused(http, connection, ACTIONS["nhiem_vu.giao"](world, role, ACTOR[role], "C"))
    for role, actor in ((Role.UNIT_ADMIN, "mx.quantri.tinh"), (Role.REPORTING, "mx.baocao.tinh")):
        login(http, actor)
        assert_refused(http, connection, ACTIONS["nhiem_vu.giao"](world, role, actor, "C3"))
        assert_done(http, ACTIONS["nhiem_vu.giao"](world, role, actor, "C"))


def test_condition_cap_duoi_is_enforced(http, connection, world):
    """A reporting officer does not accept their own unit's report: only the units below."""
    from cchc.periods import resolve_period
    from cchc.submissions import service as submissions
    from cchc.units.models import Unit

    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    home = session.scalar(select(Unit).where(Unit.code == world.units["SNV"]))
    submissions.prepare_from_cchc(session, None, home, resolve_period("2025-Q4"))
    own = submissions.submit(session, None, home, resolve_period("2025-Q4"), acknowledge=True).id
    session.commit()
    session.close()
    login(http, ACTOR[Role.REPORTING])
    assert_refused(http, connection, Request("post", f"/api/v1/submissions/{own}/accept", json={"comment": ""}))
