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

from domain.words import say

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
    # The state word when not met; «à changer» (password.state.to_change) for what must go.
    unmet: str = say("password.state.not_yet")


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


_TO_CHANGE = say("password.state.to_change")

# Their words are in domain/words.py, under password.<id>.label and password.<id>.reason.
RULES: tuple[Rule, ...] = (
    Rule("length", say("password.length.label"), say("password.length.reason"),
         lambda p, _: MIN_LENGTH <= len(p) <= MAX_LENGTH),
    Rule("lowercase", say("password.lowercase.label"), say("password.lowercase.reason"),
         lambda p, _: re.search(r"[a-z]", p) is not None),
    Rule("uppercase", say("password.uppercase.label"), say("password.uppercase.reason"),
         lambda p, _: re.search(r"[A-Z]", p) is not None),
    Rule("digit", say("password.digit.label"), say("password.digit.reason"),
         lambda p, _: re.search(r"[0-9]", p) is not None),
    Rule("charset", say("password.charset.label"), say("password.charset.reason"),
         lambda p, _: re.fullmatch(r"[A-Za-z0-9]*", p) is not None, _TO_CHANGE),
    Rule("common", say("password.common.label"), say("password.common.reason"),
         lambda p, _: bool(p) and p.lower() not in common_passwords(), _TO_CHANGE),
    Rule("personal", say("password.personal.label"), say("password.personal.reason"),
         lambda p, person: bool(p) and _not_personal(p, person), _TO_CHANGE),
)


def evaluate(password: str, person: Person) -> list[tuple[Rule, bool]]:
    """Every rule with whether the password meets it, in the order they are shown."""
    return [(rule, rule.check(password, person)) for rule in RULES]


def failures(password: str, person: Person) -> list[Rule]:
    return [rule for rule, ok in evaluate(password, person) if not ok]
