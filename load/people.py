"""The virtual people: accounts in first-login state, like the demo account Véronique
(a NIR and the old 8-digit Caf password, terms not accepted, no password chosen, no
verified contact), each with a new password and a contact of its own.

Everything here is derived from an index, so a person's NIR, phone, mail and address are
unique and the same on both sides (the seeding in the database and the locust process).
"""
from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass
from datetime import date

from domain.nir import nir_key, parse_nir

# Words without accents: the password rules accept letters A-Z, a-z and digits only.
_WORDS = ("Soleil", "Jardin", "Riviere", "Montagne", "Nuage", "Orange", "Printemps", "Bleu",
          "Vert", "Rouge", "Foret", "Lune", "Etoile", "Plage", "Violon", "Cerise", "Tulipe",
          "Olivier", "Hiver", "Colline", "Marron", "Renard", "Abeille", "Castor")


@dataclass(frozen=True)
class Person:
    index: int
    nir: str            # 13 characters, as stored
    typed_nir: str      # as a person types it from the card: spaces and the key
    birth_date: str     # ISO
    new_password: str
    channel: str        # "sms" or "mail"
    mobile: str         # as typed in the form («06 12 00 01 23»), "" when by mail
    email: str          # "" when by SMS
    address: str        # where the code arrives: E.164 phone or the mail
    client_ip: str      # the person's own address, sent as X-Forwarded-For

    def as_dict(self) -> dict:
        return asdict(self)


def make_nir(index: int) -> str:
    """A NIR that passes domain/nir.py, unique for every index below 998 001."""
    if not 0 <= index < 999 * 999:
        raise ValueError("index out of range")
    sex = 1 + index % 2
    year = 40 + index % 50
    month = 1 + index % 12
    commune, order = 1 + index // 999, 1 + index % 999
    value = f"{sex}{year:02d}{month:02d}75{commune:03d}{order:03d}"
    return parse_nir(value).value  # the app's own check, so a bad NIR fails here


def typed(nir: str) -> str:
    """«1 40 01 75 001 001 42»: the number as printed on the carte Vitale, key included."""
    key = nir_key(nir)
    return " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], f"{key:02d}"))


def new_password(rng: random.Random) -> str:
    """Two words and digits, «Soleil7Marron42»: every rule of domain/passwords.py holds
    (8-24 characters, lower, upper, digit, letters and digits only, not common, no NIR or
    birth date in it: at most 2 digits in a row)."""
    first, second = rng.sample(_WORDS, 2)
    return f"{first}{rng.randint(1, 9)}{second}{rng.randint(10, 99)}"[:24]


def person(index: int, rng: random.Random | None = None) -> Person:
    rng = rng or random.Random(index)
    nir = make_nir(index)
    birth = date(1900 + int(nir[1:3]), int(nir[3:5]), 1 + index % 28)
    if index % 2 == 0:  # half by SMS, half by mail: both ways out are used
        local = f"{index:06d}"
        mobile = f"06 12 {local[0:2]} {local[2:4]} {local[4:6]}"
        channel, email, address = "sms", "", f"+33612{local}"
    else:
        mobile, channel = "", "mail"
        email = address = f"personne{index}@example.org"
    n = index + 1  # 10.0.0.1 onwards
    ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    return Person(index, nir, typed(nir), birth.isoformat(), new_password(rng), channel,
                  mobile, email, address, ip)


def people(start: int, count: int, seed: int | None = None) -> list[Person]:
    rng = random.Random(seed)
    return [person(i, random.Random(rng.random())) for i in range(start, start + count)]


def provisional_password() -> str:
    """The old 8-digit Caf password, the same for every seeded account (hashed once)."""
    return f"{secrets.randbelow(10**8):08d}"


def seed(database_url: str, everyone: list[Person], password_hash: str) -> int:
    """Insert the accounts in bulk, in first-login state. Returns how many."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    rows = [{"nir": p.nir, "display_name": f"PERSONNE {p.index}", "birth_date": p.birth_date,
             "password_hash": password_hash} for p in everyone]
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO account (nir, display_name, birth_date, password_hash, "
                "password_is_legacy, journey_state, created_at) VALUES "
                "(:nir, :display_name, CAST(:birth_date AS DATE), :password_hash, TRUE, 'cgu', "
                "now() AT TIME ZONE 'utc')"), rows)
            return conn.execute(text("SELECT count(*) FROM account")).scalar_one()
    finally:
        engine.dispose()
