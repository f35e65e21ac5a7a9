"""The numéro de sécurité sociale (NIR): normalize what a person typed, check it,
and explain each mistake in easy-to-read French (FALC, see docs/falc.md).

One source for the NIR rule: the sign-in form, the «Se souvenir de moi» cookie and
the demo data all go through `parse_nir`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from domain.words import say

MAX_INPUT = 40  # longer raw input is refused before any work

NirCode = Literal[
    "empty", "allocataire", "nia", "too_short", "too_long", "characters", "sex", "key"
]

_DIGITS = frozenset("0123456789")  # str.isdigit() would also accept «²» or «٣»

# 13 characters: sex, year, month, department (2A/2B for Corsica), commune, order.
_SHAPE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}")

# Corsica departments replaced by numbers for the key, as INSEE defines it.
_CORSICA = {"2A": "19", "2B": "18"}

# What a French AZERTY keyboard types on the digit row without the Shift key
# (uppercased, as `normalize` leaves it); «-» and «_» are already removed.
_AZERTY_UNSHIFTED = frozenset("&É\"'(ÈÇÀ")

# Letters a person may read instead of a digit on the card.
_LOOKALIKE_DIGIT = {"O": "0", "I": "1"}



class NirError(ValueError):
    """A typed number that is not a usable NIR; `message` is shown to the person."""

    def __init__(self, code: NirCode, message: str) -> None:
        super().__init__(message)
        self.code: NirCode = code
        self.message = message


@dataclass(frozen=True)
class Nir:
    # Kept out of repr so the number does not end up in logs and tracebacks.
    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not (_SHAPE.fullmatch(self.value) and self.value[0] in "12"):
            raise ValueError("Nir needs 13 normalized characters; use parse_nir()")

    @property
    def key(self) -> int:
        return nir_key(self.value)

    @property
    def formatted(self) -> str:
        v = self.value
        return " ".join((v[0], v[1:3], v[3:5], v[5:7], v[7:10], v[10:13]))

    @property
    def birth_year_2digits(self) -> str:
        return self.value[1:3]

    @property
    def birth_month(self) -> str:
        return self.value[3:5]


def _is_separator(char: str) -> bool:
    # People copy the number from letters, web pages and the card: any space
    # (tab, non-breaking, narrow non-breaking), dot, slash, underscore, and every
    # dash-like sign, including the minus sign and the invisible soft hyphen.
    return (
        char.isspace()
        or char in "._/\u2212\u00ad"
        or unicodedata.category(char) == "Pd"
    )


def normalize(raw: str) -> str:
    """Remove separators (which also strips both ends) and uppercase, so «2a» is «2A»."""
    return "".join(c for c in raw if not _is_separator(c)).upper()


def nir_key(value13: str) -> int:
    """The 2-digit control key: 97 − (number mod 97), with 2A → 19 and 2B → 18."""
    if not _SHAPE.fullmatch(value13):
        raise ValueError("nir_key needs 13 normalized characters")
    number = value13[:5] + _CORSICA.get(value13[5:7], value13[5:7]) + value13[7:]
    return 97 - int(number) % 97


def _is_allowed(text: str, index: int) -> bool:
    char = text[index]
    # Only the department (index 5-6) may hold a letter, and only as 2A or 2B.
    return char in _DIGITS or (index == 6 and char in "AB" and text[5] == "2")


def _characters_message(char: str) -> str:
    if char in _AZERTY_UNSHIFTED:
        return say("nir.shifted")
    if char.isalpha():
        # Naming an A-Z letter shows where it is; other letters could be
        # unreadable or change the direction of the text.
        letter = say("nir.letter.named", letter=char) if "A" <= char <= "Z" \
            else say("nir.letter.other")
        message = say("nir.letter", letter=letter)
        if char in _LOOKALIKE_DIGIT:
            message += " " + say("nir.letter.lookalike", digit=_LOOKALIKE_DIGIT[char])
        return message
    return say("nir.sign")


def _check_length(text: str) -> None:
    count = len(text)
    if count < 13:
        raise NirError("too_short", say("nir.too_short", count=count, where=say("nir.where")))
    if count == 14:
        raise NirError("too_long", say("nir.fourteen", where=say("nir.where")))
    if count > 15:
        raise NirError("too_long", say("nir.too_long", count=count, where=say("nir.where")))


def parse_nir(raw: str) -> Nir:
    """Return the Nir for what the person typed, or raise NirError with the reason.

    Accepts 13 characters, or 15 with a correct key; the Nir keeps the 13.
    """
    if len(raw) > MAX_INPUT:
        raise NirError("too_long", say("nir.input_too_long", where=say("nir.where")))
    text = normalize(raw)
    if not text:
        raise NirError("empty", say("nir.empty"))
    # Since the change, the old 1-to-8-digit identifier is the most common
    # mistake; it is checked before the NIA so that 7654321 is called what it is.
    if len(text) <= 8 and all(c in _DIGITS for c in text):
        raise NirError("allocataire", say("nir.allocataire"))
    if text[0] in "78" and len(text) >= 9:
        raise NirError("nia", say("nir.nia", first=text[0]))
    if text[0] == "P" and text[1:].isdigit():
        raise NirError("characters", say("nir.provisional"))
    for index, char in enumerate(text):
        if not _is_allowed(text, index):
            raise NirError("characters", _characters_message(char))
    _check_length(text)
    if text[0] not in "12":
        raise NirError("sex", say("nir.sex", first=text[0], where=say("nir.where")))
    if len(text) == 15 and int(text[13:]) != nir_key(text[:13]):
        raise NirError("key", say("nir.key"))
    return Nir(text[:13])
