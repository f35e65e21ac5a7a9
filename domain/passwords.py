"""The password rules: one list serves the live checklist, the submit check and the tests.

The first five are the guide's; the last two are ours (the guide does not have them):
a very common password, or one holding the person's own numbers, is guessed first.
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable

MIN_LENGTH, MAX_LENGTH = 8, 24


@dataclass(frozen=True)
class Person:
    """What we know of the person that a password must not contain."""

    nir: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    label: str   # as the guide writes it, shown in the checklist
    reason: str  # FALC sentence shown when the rule is not met, after a submit
    check: Callable[[str, Person], bool]
    unmet: str = "pas encore"  # the state word when not met; «à changer» for what must go


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _personal_numbers(person: Person) -> list[str]:
    numbers = []
    if person.nir:
        numbers += [person.nir, person.nir[:7]]  # whole number; sex + birth + department
    if person.birth_date:
        d = person.birth_date
        numbers += [d.strftime("%d%m%Y"), d.strftime("%Y%m%d"), d.strftime("%d%m%y")]
    return numbers


def _not_personal(password: str, person: Person) -> bool:
    upper = password.upper()
    return not any(n in upper for n in _personal_numbers(person))


RULES: tuple[Rule, ...] = (
    Rule("length", "8 à 24 caractères",
         "Le mot de passe doit avoir entre 8 et 24 caractères.",
         lambda p, _: MIN_LENGTH <= len(p) <= MAX_LENGTH),
    Rule("lowercase", "1 lettre minuscule",
         "Ajoutez au moins 1 lettre minuscule. Par exemple : m.",
         lambda p, _: re.search(r"[a-z]", p) is not None),
    Rule("uppercase", "1 lettre majuscule",
         "Ajoutez au moins 1 lettre majuscule. Par exemple : M.",
         lambda p, _: re.search(r"[A-Z]", p) is not None),
    Rule("digit", "1 chiffre",
         "Ajoutez au moins 1 chiffre. Par exemple : 7.",
         lambda p, _: re.search(r"[0-9]", p) is not None),
    Rule("charset", "chiffres et lettres uniquement",
         "Écrivez seulement des chiffres et des lettres sans accent. "
         "Pas d'espace, pas de signe comme @ ou !.",
         lambda p, _: re.fullmatch(r"[A-Za-z0-9]*", p) is not None, "à changer"),
    Rule("common", "pas un mot de passe trop connu",
         "Ce mot de passe est trop connu. Beaucoup de personnes l'utilisent. "
         "Choisissez-en un autre.",
         lambda p, _: bool(p) and p.lower() not in common_passwords(), "à changer"),
    Rule("personal", "sans mon numéro de sécurité sociale ni ma date de naissance",
         "Le mot de passe contient votre numéro de sécurité sociale ou votre date de naissance. "
         "Choisissez-en un autre.",
         lambda p, person: bool(p) and _not_personal(p, person), "à changer"),
)


def evaluate(password: str, person: Person) -> list[tuple[Rule, bool]]:
    """Every rule with whether the password meets it, in the order they are shown."""
    return [(rule, rule.check(password, person)) for rule in RULES]


def failures(password: str, person: Person) -> list[Rule]:
    return [rule for rule, ok in evaluate(password, person) if not ok]
