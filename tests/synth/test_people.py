"""Applicants: Vietnamese names, valid identity numbers and phones, same seed → same people."""

from __future__ import annotations

import random

from cchc.dossiers.schemas import parse_applicant
from cchc.synth.catalog import load_catalog
from cchc.synth.people import People, email_of


def test_people_are_deterministic_and_valid_applicants():
    data = load_catalog().people
    rng1, rng2 = random.Random(9), random.Random(9)
    people = People(data, "44")
    first = [people.person(rng1, year=2026) for _ in range(200)]
    second = [people.person(rng2, year=2026) for _ in range(200)]
    assert first == second
    for p in first:
        assert len(p.name.split()) >= 3
        assert p.id_number.startswith("044") and len(p.id_number) == 12
        applicant = parse_applicant({"name": p.name, "id_number": p.id_number, "phone": p.phone,
                                     "email": email_of(p.name, rng1)})
        assert applicant.name == p.name
    families = {p.name.split()[0] for p in first}
    assert "Nguyễn" in families and len(families) > 8


def test_addresses_follow_the_region():
    data = load_catalog().people
    south = People(data, "82").address(random.Random(1), "Phường Mỹ Tho", "", "Tỉnh Đồng Tháp", urban=True)
    north = People(data, "44").address(random.Random(1), "Xã Cam Lộ", "", "Tỉnh Quảng Trị", urban=False)
    assert south.startswith("Khu phố ") and south.endswith("Phường Mỹ Tho, Tỉnh Đồng Tháp")
    assert north.startswith("Thôn ")
