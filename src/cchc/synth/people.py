"""Realistic Vietnamese applicants: names, identity numbers, phones, addresses, organisations.

Everything is drawn from the `random.Random` passed in, so the same seed gives the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from cchc.vn import search_key


@dataclass(frozen=True)
class Person:
    name: str
    male: bool
    birth_year: int
    id_number: str
    phone: str


class People:
    """Draws people and organisations from the lists of people.yaml."""

    def __init__(self, data: dict, province_code: str):
        families = data["family_names"]
        self.family_names = list(families)
        self.family_cum = list(accumulate(float(w) for w in families.values()))
        self.middle = data["middle_names"]
        self.given = data["given_names"]
        self.org = data["organisations"]
        hamlets = data["hamlets"]
        self.hamlet_words = hamlets["south"] if province_code in hamlets["south_province_codes"] else hamlets["other"]
        self.reasons = data["reasons"]
        digits = "".join(ch for ch in province_code if ch.isdigit()) or "0"
        self.place_code = digits[-3:].rjust(3, "0")

    def person(self, rng: random.Random, *, min_age: int = 18, max_age: int = 80, year: int = 2025) -> Person:
        male = rng.random() < 0.5
        family = rng.choices(self.family_names, cum_weights=self.family_cum)[0]
        middle = rng.choice(self.middle["male" if male else "female"])
        given = rng.choice(self.given["male" if male else "female"])
        birth_year = year - rng.randint(min_age, max_age)
        century = 0 if birth_year < 2000 else 2
        gender_digit = century + (0 if male else 1)
        id_number = f"{self.place_code}{gender_digit}{birth_year % 100:02d}{rng.randrange(10**6):06d}"
        prefix = rng.choice(("090", "091", "093", "094", "097", "098", "086", "035", "036", "038", "070", "077", "083", "088"))
        phone = f"{prefix}{rng.randrange(10**7):07d}"
        return Person(f"{family} {middle} {given}", male, birth_year, id_number, phone)

    def organisation(self, rng: random.Random) -> str:
        form = rng.choice(self.org["forms"])
        if form == "Hợp tác xã":
            return f"{form} {rng.choice(('Nông nghiệp', 'Dịch vụ', 'Thủy sản'))} {rng.choice(self.org['words'])}"
        return f"{form} {rng.choice(self.org['trades'])} {rng.choice(self.org['words'])}"

    def address(self, rng: random.Random, commune_name: str, district_name: str, province_name: str, urban: bool) -> str:
        word = self.hamlet_words["urban" if urban else "rural"]
        parts = [f"{word} {rng.randint(1, 12)}", commune_name]
        if district_name:
            parts.append(district_name)
        parts.append(province_name)
        return ", ".join(parts)

    def reason(self, rng: random.Random, kind: str) -> str:
        return rng.choice(self.reasons[kind])


def email_of(name: str, rng: random.Random) -> str:
    """An e-mail address made from a name ('Nguyễn Văn An' → 'annguyenvan123@gmail.com')."""
    words = search_key(name).split()
    local = (words[-1] + "".join(words[:-1])) if words else "congdan"
    return f"{local}{rng.randint(1, 999)}@{rng.choice(('gmail.com', 'gmail.com', 'yahoo.com', 'outlook.com'))}"
