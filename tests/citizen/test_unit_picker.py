"""The online form offers the units of this province that handle the chosen procedure, nearest level first,
with an example name from this province, and refuses any other unit (issue 16 item 3)."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from sqlalchemy import select

from cchc.auth.models import User
from cchc.auth.passwords import hash_password
from cchc.db import session_factory
from cchc.procedures.models import Procedure
from cchc.synth.catalog import load_catalog
from cchc.synth.province import build_province
from cchc.units.models import Unit
from tests.web.test_citizen import as_page_user
from tests.webclient import PASSWORD, csrf_from


@pytest.fixture
def demo(committed):
    """Quảng Trị with two new communes (and their predecessors), its agencies, officers and one citizen."""
    with session_factory()() as s:
        prov = build_province(s, load_catalog(), random.Random(5), province_code="44", today=date(2026, 11, 20),
                              max_communes=2, citizens=1)
        citizen = prov.citizens[0]
        citizen.password_hash = hash_password(PASSWORD)
        s.commit()
        online = [p for p, spec in prov.procedures if p.online_level in ("toan_trinh", "mot_phan")]
        commune_proc = next(p for p in online if p.levels == "xa")
        province_proc = next(p for p in online if p.levels == "tinh" and p.agency_unit_id)
        return {
            "citizen": citizen.username, "commune_proc": commune_proc.code, "province_proc": province_proc.code,
            "agency": province_proc.agency_unit_id, "centres": sorted(o.unit.id for o in prov.communes),
            "commune_names": [o.handler_unit.name for o in prov.communes],
        }


def options(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<option value="(\d+)"', html)]


def test_commune_procedure_lists_this_provinces_centres_only(client, demo):
    as_page_user(client, demo["citizen"])
    page = client.get(f"/nop-ho-so/{demo['commune_proc']}").text
    assert sorted(options(page)) == demo["centres"]  # not 3.711 units: the two communes' centres of Quảng Trị
    assert "(2 đơn vị)" in page
    example = re.search(r'id="f-don_vi"[^>]*placeholder="VD: ([^"]+)"', page).group(1)
    assert any(name.endswith(example) for name in demo["commune_names"])
    assert "Mỹ An Hưng" not in page  # the example of another province is gone
    with session_factory()() as s:
        elsewhere = s.scalar(select(Unit).where(Unit.level == "xa", Unit.path.not_like(
            s.get(Unit, demo["centres"][0]).path.split("/")[1].join(("/", "/%")))).limit(1))
        legacy = s.scalar(select(Unit).where(Unit.kind == "bo_phan_mot_cua", Unit.level == "xa").limit(1))
    for unit in (elsewhere, legacy):
        r = client.post(f"/nop-ho-so/{demo['commune_proc']}", data={"csrf_token": csrf_from(page), "unit_id": str(unit.id),
                                                                      "name": "Nguyễn Văn An", "result_delivery": "truc_tiep"})
        assert r.status_code == 422
        message = re.search(r'id="don-vi-chon".*?<p class="field-error" role="alert">(.*?)</p>', r.text, re.S).group(1)
        assert unit.name in message and "không tiếp nhận hồ sơ thủ tục" in message and "Tỉnh Quảng Trị" in message


def test_province_procedure_lists_its_agency(client, demo):
    as_page_user(client, demo["citizen"])
    page = client.get(f"/nop-ho-so/{demo['province_proc']}").text
    assert options(page) == [demo["agency"]]


def test_nearest_level_first(client, demo):
    """A procedure of both levels: the communes' centres, then the provincial agency."""
    with session_factory()() as s:
        proc = s.scalar(select(Procedure).where(Procedure.code == demo["province_proc"]))
        proc.levels = "tinh,xa"
        s.commit()
    as_page_user(client, demo["citizen"])
    listed = options(client.get(f"/nop-ho-so/{demo['province_proc']}").text)
    assert sorted(listed[:2]) == demo["centres"] and listed[2:] == [demo["agency"]]


def test_the_api_refuses_a_unit_the_form_does_not_offer(client, demo):
    from tests.web.test_citizen import as_api_user

    as_api_user(client, demo["citizen"])
    with session_factory()() as s:
        agency_code = s.get(Unit, demo["agency"]).code
    r = client.post("/api/v1/dossiers/online", json={"procedure_code": demo["commune_proc"], "unit_code": agency_code,
                                                     "applicant": {"name": "Nguyễn Văn An", "id_number": "087090001234"}})
    assert r.status_code == 422 and r.json()["field"] == "unit_id" and "không tiếp nhận hồ sơ thủ tục" in r.json()["detail"]
