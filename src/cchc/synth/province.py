"""The demo province: official areas, agencies, the procedure catalogue and the officers.

Everything is created through the real actions (cchc.units.service.load_official / create_unit,
cchc.procedures.service.create_procedure / add_publication) and is idempotent: what already
exists (same code) is reused, so running the demo on a database that has the official lists
or part of a previous demo is safe.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import NotFound, ValidationError
from cchc.procedures import service as procedures_service
from cchc.procedures.models import Procedure
from cchc.synth.catalog import Catalog, ProcedureSpec
from cchc.synth.people import People
from cchc.units import service as units_service
from cchc.units.enums import LEGACY_UNTIL, TWO_TIER_FROM
from cchc.units.models import Unit, UnitSuccession
from cchc.vn import search_key

DEMO_PASSWORD = "demo123"
AREA_PREFIXES = ("Thành phố", "Thị xã", "Thị trấn", "Huyện", "Quận", "Xã", "Phường", "Tỉnh", "Đặc khu")

Progress = Callable[[str, int, int], None]


def area_phrase(name: str) -> str:
    """'Tỉnh Quảng Trị' → 'tỉnh Quảng Trị', 'Thành Phố Đồng Hới' → 'thành phố Đồng Hới' (inside a sentence)."""
    for prefix in AREA_PREFIXES:
        if name.lower().startswith(prefix.lower() + " "):
            return prefix.lower() + name[len(prefix):]
    return name


def proper_name(name: str) -> str:
    """'Thành Phố Đồng Hới' → 'Thành phố Đồng Hới' (some official names capitalise the kind)."""
    for prefix in AREA_PREFIXES:
        if name.lower().startswith(prefix.lower() + " "):
            return prefix + name[len(prefix):]
    return name


def slug(text: str) -> str:
    """'Phường Đồng Hới' → 'dongHoi'-free form: 'donghoi' (accent-free letters and digits only)."""
    key = search_key(text)
    for prefix in ("thanh pho ", "thi xa ", "thi tran ", "huyen ", "quan ", "xa ", "phuong ", "tinh ", "dac khu "):
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    return "".join(ch for ch in key if ch.isalnum())


@dataclass
class Office:
    """A unit that receives dossiers, with its officers."""

    unit: Unit
    level: str  # tinh | huyen | xa
    slug: str
    area_name: str  # the commune / district / province the office serves (for addresses)
    district_name: str = ""
    urban: bool = False
    agency_key: str = ""
    legacy: bool = False
    weight: float = 1.0
    handler_unit: Unit | None = None  # where specialists and leaders sit (PAKN of the office are addressed there)
    receiving: list[User] = field(default_factory=list)
    specialists: list[User] = field(default_factory=list)
    leaders: list[User] = field(default_factory=list)
    admins: list[User] = field(default_factory=list)


@dataclass
class DemoProvince:
    province: Unit
    legacy_provinces: list[Unit]
    agencies: dict[str, Office]  # tỉnh-level offices by agencies.yaml key
    districts: list[Office]  # legacy district offices (until 30/6/2025)
    legacy_communes: list[Office]
    communes: list[Office]  # new communes (from 1/7/2025)
    procedures: list[tuple[Procedure, ProcedureSpec]]
    citizens: list[User]
    accounts: list[tuple[str, str, str]]  # (username, role label, unit name) to print
    units_created: int = 0
    people: People | None = None
    units: list[Unit] = field(default_factory=list)  # strong references: the session's identity map is weak

    @property
    def offices(self) -> list[Office]:
        return [*self.agencies.values(), *self.districts, *self.legacy_communes, *self.communes]


class _Builder:
    def __init__(self, session: Session, catalog: Catalog, rng: random.Random, today: date, progress: Progress | None):
        self.session = session
        self.catalog = catalog
        self.rng = rng
        self.today = today
        self.progress = progress
        self.created = 0
        self.usernames: set[str] = set()
        self._hash: str | None = None
        self.people: People | None = None
        # what a previous run left (the demo is idempotent), looked up once instead of once per row
        self.users = {u.username: u for u in session.scalars(select(User))}
        self.units = {(u.code, u.valid_from): u for u in session.scalars(select(Unit).where(Unit.source == "demo"))}

    # ---- units ------------------------------------------------------------------------------
    def unit(self, *, code: str, name: str, level: str, kind: str, parent: Unit | None,
             valid_from: date | None = None, valid_to: date | None = None) -> Unit:
        found = self.units.get((code, valid_from))
        if found is not None:
            return found
        self.created += 1
        unit = units_service.create_unit(
            self.session, code=code, name=name, level=level, kind=kind, parent=parent,
            valid_from=valid_from, valid_to=valid_to, source="demo",
        )
        self.units[(code, valid_from)] = unit
        return unit

    # ---- users ------------------------------------------------------------------------------
    def password_hash(self) -> str:
        if self._hash is None:
            try:
                from cchc.auth.passwords import hash_password
            except ImportError:  # pragma: no cover - the auth package ships it
                self._hash = ""
            else:
                self._hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account (Argon2 is slow)
        return self._hash

    def user(self, username: str, full_name: str, role: Role, unit: Unit | None, **extra) -> User:
        found = self.users.get(username)
        if found is not None:
            return found
        user = User(username=username, full_name=full_name, role=role.value, unit_id=unit.id if unit else None,
                    password_hash=self.password_hash(), active=True, **extra)
        self.session.add(user)
        self.users[username] = user
        return user

    def staff(self, office: Office, person_unit: Unit, specialists: int = 1, admin: bool = True) -> None:
        """mot_cua, chuyen_vien (×n), lanh_dao and quan_tri_don_vi of an office."""
        people = self.people
        year = self.today.year

        def name() -> str:
            return people.person(self.rng, min_age=25, max_age=58, year=year).name

        # The one-stop officer belongs to the one-stop unit itself (ratings at the counter, PAKN there);
        # specialists, leaders and the administrator to the commune / district / agency above it.
        office.handler_unit = person_unit
        office.receiving.append(self.user(f"motcua.{office.slug}", name(), Role.RECEIVING, office.unit))
        for i in range(specialists):
            suffix = "" if i == 0 else str(i + 1)
            office.specialists.append(self.user(f"chuyenvien{suffix}.{office.slug}", name(), Role.SPECIALIST, person_unit))
        office.leaders.append(self.user(f"lanhdao.{office.slug}", name(), Role.LEADER, person_unit))
        if admin:
            office.admins.append(self.user(f"quantri.{office.slug}", name(), Role.UNIT_ADMIN, person_unit))


def _unique_slug(base: str, used: set[str], extra: str) -> str:
    candidate = base or "donvi"
    if candidate in used:
        candidate = f"{base}.{extra}"
    n = 2
    while candidate in used:
        candidate = f"{base}{n}.{extra}"
        n += 1
    used.add(candidate)
    return candidate


def find_province(session: Session, code: str, today: date) -> Unit:
    try:
        unit = units_service.resolve_unit(session, code, on=today)
    except NotFound:
        raise ValidationError(
            f"Không tìm thấy tỉnh, thành phố mã «{code}» trong danh mục đơn vị hành chính (ví dụ: 44 Quảng Trị, 82 Đồng Tháp)."
        ) from None
    if unit.level != "tinh" or not unit.is_area:
        raise ValidationError(f"Mã «{code}» là {unit.name}, không phải một tỉnh, thành phố trực thuộc trung ương.")
    return unit


def build_province(
    session: Session,
    catalog: Catalog,
    rng: random.Random,
    *,
    province_code: str,
    today: date,
    max_communes: int | None = None,
    citizens: int = 150,
    progress: Progress | None = None,
) -> DemoProvince:
    """Official lists, agencies, procedures, officers and citizen accounts of the demo province."""
    units_service.load_official(session, progress=(lambda d, t: progress("Danh mục đơn vị hành chính", d, t)) if progress else None)
    province = find_province(session, province_code, today)
    b = _Builder(session, catalog, rng, today, progress)
    b.people = People(catalog.people, province.code)
    pp = "".join(ch for ch in province.code if ch.isalnum())
    province_phrase = area_phrase(province.name)

    # ---- the new communes and, through the old → new links, the legacy structure ----------------
    communes = list(session.scalars(
        select(Unit).where(Unit.parent_id == province.id, Unit.level == "xa", Unit.is_area.is_(True)).order_by(Unit.code)
    ))
    communes = [c for c in communes if c.valid_on(max(today, TWO_TIER_FROM))]
    if max_communes is not None:
        communes = communes[:max_communes]
    commune_ids = [c.id for c in communes]
    old_ids = set(session.scalars(select(UnitSuccession.old_unit_id).where(UnitSuccession.new_unit_id.in_(commune_ids)))) if commune_ids else set()
    old_communes = list(session.scalars(select(Unit).where(Unit.id.in_(old_ids)).order_by(Unit.code))) if old_ids else []
    district_ids = {c.parent_id for c in old_communes if c.parent_id is not None}
    districts = list(session.scalars(select(Unit).where(Unit.id.in_(district_ids)).order_by(Unit.code))) if district_ids else []
    by_province = Counter(d.parent_id for d in districts)
    legacy_province_ids = {pid for pid, n in by_province.items() if pid is not None and n * 5 >= len(districts)}
    districts = [d for d in districts if d.parent_id in legacy_province_ids and d.level == "huyen"]
    kept_district_ids = {d.id for d in districts}
    old_communes = [c for c in old_communes if c.parent_id in kept_district_ids]
    legacy_provinces = list(session.scalars(select(Unit).where(Unit.id.in_(legacy_province_ids)).order_by(Unit.code)))
    if max_communes is None:  # every legacy commune of those districts, also the ones split elsewhere
        old_communes = list(session.scalars(
            select(Unit).where(Unit.parent_id.in_(kept_district_ids), Unit.level == "xa").order_by(Unit.code)
        )) if kept_district_ids else []
    old_communes = [c for c in old_communes if c.valid_on(LEGACY_UNTIL)]

    used_slugs: set[str] = set()
    commune_slugs = [_unique_slug(slug(c.name), used_slugs, "2025") for c in communes]
    total_steps = len(catalog.province_agencies) + len(districts) + len(old_communes) + len(communes)
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if progress:
            progress("Cơ quan, đơn vị và cán bộ", step, total_steps)

    # ---- provincial agencies ------------------------------------------------------------------
    agencies: dict[str, Office] = {}
    agency_units: dict[str, Unit] = {}
    for n, spec in enumerate(catalog.province_agencies, start=1):
        parent = agency_units.get(spec.parent) if spec.parent else province
        name = spec.name.format(province=province_phrase)
        unit = b.unit(code=f"000.00.{n:02d}.H{pp}", name=name, level="tinh", kind=spec.kind, parent=parent)
        agency_units[spec.key] = unit
        for j, phong in enumerate(spec.phong, start=1):
            b.unit(code=f"000.{j:02d}.{n:02d}.H{pp}", name=phong, level="tinh", kind="phong", parent=unit)
        office = Office(unit=unit, level="tinh", slug=_unique_slug(spec.slug, used_slugs, pp), area_name=proper_name(province.name),
                        agency_key=spec.key)
        if spec.receives:
            b.staff(office, unit, specialists=2)
            agencies[spec.key] = office
        else:  # Văn phòng UBND, Trung tâm PVHCC: a leader and a unit administrator, no dossiers of their own
            office.leaders.append(b.user(f"lanhdao.{office.slug}", b.people.person(rng, year=today.year).name, Role.LEADER, unit))
            office.admins.append(b.user(f"quantri.{office.slug}", b.people.person(rng, year=today.year).name, Role.UNIT_ADMIN, unit))
        if spec.reporting or spec.key == "vp_ubnd":
            b.user(f"baocao.{office.slug}", b.people.person(rng, year=today.year).name, Role.REPORTING, unit)
        tick()
    b.user("quantri.hethong", "Quản trị hệ thống", Role.SYSTEM_ADMIN, None)
    # the province's reporting officer: follows, accepts or returns the reports its units send up
    # (its name from a stream of its own: the names drawn after it stay those of earlier demos)
    b.user("baocao.tinh", b.people.person(random.Random(f"{province.code}:baocao"), year=today.year).name, Role.REPORTING, province)

    # ---- legacy districts (until 30/6/2025) ---------------------------------------------------
    district_offices: list[Office] = []
    district_by_id: dict[int, Unit] = {}
    district_index: dict[int, int] = {}
    for i, district in enumerate(districts, start=1):
        seg = f"{39 + i:02d}"
        phrase = area_phrase(district.name)
        ubnd = b.unit(code=f"000.00.{seg}.H{pp}", name=catalog.district["ubnd"].format(district=phrase), level="huyen",
                      kind="ubnd", parent=district, valid_to=LEGACY_UNTIL)
        one_stop = b.unit(code=f"000.01.{seg}.H{pp}", name=catalog.district["mot_cua"].format(district=phrase), level="huyen",
                          kind="bo_phan_mot_cua", parent=district, valid_to=LEGACY_UNTIL)
        for j, phong in enumerate(catalog.district["phong"], start=2):
            b.unit(code=f"000.{j:02d}.{seg}.H{pp}", name=phong, level="huyen", kind="phong", parent=ubnd, valid_to=LEGACY_UNTIL)
        office = Office(unit=one_stop, level="huyen", slug=_unique_slug(slug(district.name), used_slugs, pp), area_name=proper_name(district.name),
                        urban=district.kind in ("thanh_pho", "thi_xa", "quan"), legacy=True)
        b.staff(office, district)
        district_offices.append(office)
        district_by_id[district.id] = district
        district_index[district.id] = i
        tick()

    # ---- legacy communes ------------------------------------------------------------------------
    legacy_offices: list[Office] = []
    per_district: dict[int, int] = defaultdict(int)
    for commune in old_communes:
        district = district_by_id[commune.parent_id]
        per_district[district.id] += 1
        k = per_district[district.id]
        seg = f"{39 + district_index[district.id]:02d}"
        phrase = area_phrase(commune.name)
        b.unit(code=f"{k:03d}.00.{seg}.H{pp}", name=catalog.commune["ubnd"].format(commune=phrase), level="xa",
               kind="ubnd", parent=commune, valid_to=LEGACY_UNTIL)
        one_stop = b.unit(code=f"{k:03d}.01.{seg}.H{pp}", name=catalog.commune["legacy_mot_cua"].format(commune=phrase),
                          level="xa", kind="bo_phan_mot_cua", parent=commune, valid_to=LEGACY_UNTIL)
        office = Office(unit=one_stop, level="xa", slug=_unique_slug(slug(commune.name), used_slugs, slug(district.name)),
                        area_name=proper_name(commune.name), district_name=proper_name(district.name),
                        urban=commune.kind in ("phuong", "thi_tran"), legacy=True)
        b.staff(office, commune)
        legacy_offices.append(office)
        tick()

    # ---- new communes (from 1/7/2025) -----------------------------------------------------------
    commune_offices: list[Office] = []
    for m, commune in enumerate(communes, start=1):
        phrase = area_phrase(commune.name)
        b.unit(code=f"{m:03d}.00.00.H{pp}", name=catalog.commune["ubnd"].format(commune=phrase), level="xa",
               kind="ubnd", parent=commune, valid_from=TWO_TIER_FROM)
        center = b.unit(code=f"{m:03d}.01.00.H{pp}", name=catalog.commune["new_mot_cua"].format(commune=phrase), level="xa",
                        kind="trung_tam_hcc", parent=commune, valid_from=TWO_TIER_FROM)
        for j, phong in enumerate(catalog.commune["new_phong"], start=2):
            b.unit(code=f"{m:03d}.{j:02d}.00.H{pp}", name=phong, level="xa", kind="phong", parent=commune, valid_from=TWO_TIER_FROM)
        office = Office(unit=center, level="xa", slug=commune_slugs[m - 1],
                        area_name=proper_name(commune.name), urban=commune.kind == "phuong")
        b.staff(office, commune)
        commune_offices.append(office)
        tick()

    # Busier offices: wards and towns more than rural communes; a lognormal spread like real counters.
    # (drawn from the unit's code, so the same whatever the setup found in the database)
    for office in [*district_offices, *legacy_offices, *commune_offices]:
        office.weight = random.Random(office.unit.code).lognormvariate(0, 0.45) * (1.8 if office.urban else 1.0)
    for office in agencies.values():
        office.weight = 1.0

    procedures = build_procedures(session, catalog, rng, agency_units, today, progress)

    citizen_users = []
    for i in range(1, citizens + 1):
        person = b.people.person(rng, year=today.year)
        citizen_users.append(b.user(f"congdan{i:03d}", person.name, Role.CITIZEN, None, id_number=person.id_number,
                                    phone=person.phone))
    session.flush()

    accounts = [("quantri.hethong", Role.SYSTEM_ADMIN.label, "Toàn hệ thống"), ("baocao.tinh", Role.REPORTING.label, province.name)]
    for key in ("vp_ubnd", "snv"):
        office_slug = next(a.slug for a in catalog.province_agencies if a.key == key)
        accounts.append((f"baocao.{office_slug}", Role.REPORTING.label, agency_units[key].name))
    full = [agencies[k] for k in ("stp",) if k in agencies] + commune_offices[:1]
    for office in full:
        for user in (*office.receiving, *office.specialists[:1], *office.leaders, *office.admins):
            accounts.append((user.username, Role(user.role).label, office.unit.name))
    for office in [agencies[k] for k in ("sxd", "stc") if k in agencies] + district_offices[:1] + legacy_offices[:1]:
        accounts.append((office.receiving[0].username, Role.RECEIVING.label, office.unit.name))
    accounts.append((citizen_users[0].username, Role.CITIZEN.label, citizen_users[0].full_name) if citizen_users else ("", "", ""))
    return DemoProvince(
        province=province, legacy_provinces=legacy_provinces, agencies=agencies, districts=district_offices,
        legacy_communes=legacy_offices, communes=commune_offices, procedures=procedures, citizens=citizen_users,
        accounts=[a for a in accounts if a[0]], units_created=b.created, people=b.people,
        units=[province, *legacy_provinces, *districts, *old_communes, *communes,
               *session.scalars(select(Unit).where(Unit.source == "demo"))],
    )


def build_procedures(
    session: Session, catalog: Catalog, rng: random.Random, agency_units: dict[str, Unit], today: date,
    progress: Progress | None = None,
) -> list[tuple[Procedure, ProcedureSpec]]:
    """The catalogue through procedures.service: create, default internal process, publication decisions."""
    out = []
    existing = {p.code: p for p in session.scalars(select(Procedure))}
    total = len(catalog.procedures)
    for i, spec in enumerate(catalog.procedures, start=1):
        proc = existing.get(spec.code)
        if proc is None:
            agency = agency_units[spec.agency_key]
            has_fee = spec.fee_total > 0
            levels = spec.levels.split(",")
            data = {
                "code": spec.code,
                "name": spec.name,
                "field_code": spec.field_code,
                "field_name": spec.field_name,
                "levels": levels,
                "agency": agency.code if spec.levels == "tinh" else "Ủy ban nhân dân cấp xã",
                "time_amount": spec.time_amount,
                "time_unit": spec.time_unit,
                "cutoff_time": spec.cutoff,
                "online_level": spec.online_level,
                "eligible_full_online": spec.online_level != "khong",
                "subject": spec.subject,
                "fees": [{"kind": k, "description": d, "amount": a} for k, d, a in spec.fees],
                "has_fee": has_fee,
                "fee_online_integrated": has_fee and rng.random() < 0.8,
                "components": [{"name": c, "copies": 1} for c in spec.components],
                "result_name": spec.result,
                "paper_result": True,
                "where_to_submit": (
                    "Trung tâm Phục vụ hành chính công tỉnh hoặc trực tuyến trên Cổng Dịch vụ công quốc gia"
                    if spec.levels == "tinh" else "Bộ phận Một cửa / Trung tâm Phục vụ hành chính công cấp xã hoặc trực tuyến"
                ),
                "published_on": next((catalog.decisions[k].day + timedelta(days=3) for k in spec.decisions
                                      if catalog.decisions[k].day <= today), None),
                "legal_basis": f"Quyết định công bố số {catalog.decisions[spec.decisions[0]].number} của Chủ tịch Ủy ban nhân dân tỉnh",
            }
            proc = procedures_service.create_procedure(session, None, data)
            dated = [catalog.decisions[k] for k in spec.decisions if catalog.decisions[k].day <= today]
            for n, decision in enumerate(dated):
                if n == 0:
                    kind = "moi"
                elif decision.key.endswith("2cap") and spec.levels != "tinh":
                    kind = "sua_doi"  # moved to the communes with the two-tier government
                elif rng.random() < 0.35:
                    kind = "sua_doi"
                else:
                    continue
                procedures_service.add_publication(
                    session, None, proc, decision.number, decision.day, kind, decision.effective,
                    published_on=decision.day + timedelta(days=rng.randint(1, 6)),
                    legal_effective_date=decision.effective, today=today,
                )
        out.append((proc, spec))
        if progress:
            progress("Danh mục thủ tục hành chính", i, total)
    session.flush()
    return out
