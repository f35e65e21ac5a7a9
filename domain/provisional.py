"""The provisional identifier («identifiant provisoire»), for people who have no NIR yet.

Our format: the letter P, then 8 digits, written «P 1234 5678» on the Caf's letters.
The last digit is a check digit (Luhn, over the 7 digits before it), so that one
wrong or swapped digit is caught before any look-up.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from domain.nir import normalize
from domain.words import plural, say

MAX_INPUT = 30


class ProvisionalIdError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProvisionalId:
    value: str = field(repr=False)  # "P12345678"

    @property
    def formatted(self) -> str:
        return f"{self.value[0]} {self.value[1:5]} {self.value[5:]}"


def check_digit(digits7: str) -> int:
    """Luhn check digit of 7 digits."""
    total = 0
    for position, char in enumerate(reversed(digits7)):
        n = int(char)
        if position % 2 == 0:  # doubled: the digit right of it will be the check digit
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return (10 - total % 10) % 10


def parse_provisional_id(raw: str) -> ProvisionalId:
    where = say("provisional.where")
    if len(raw) > MAX_INPUT:
        raise ProvisionalIdError(say("provisional.input_too_long", where=where))
    text = normalize(raw)
    if not text:
        raise ProvisionalIdError(say("provisional.empty", where=where))
    if text.isdigit() and len(text) in (13, 15):
        raise ProvisionalIdError(say("provisional.nir"))
    if text.isdigit() and len(text) <= 8:
        raise ProvisionalIdError(say("provisional.allocataire", where=where))
    if text[0] != "P":
        raise ProvisionalIdError(say("provisional.no_p", where=where))
    digits = text[1:]
    if not (digits.isascii() and digits.isdigit()):
        raise ProvisionalIdError(say("provisional.not_digits"))
    if len(digits) != 8:
        raise ProvisionalIdError(say(plural("provisional.digits", len(digits)),
                                     count=len(digits), where=where))
    if check_digit(digits[:7]) != int(digits[7]):
        raise ProvisionalIdError(say("provisional.check_digit"))
    return ProvisionalId(text)
