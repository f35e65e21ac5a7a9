"""Verification codes (domain/codes.py): 6 digits, 10 minutes, once, 5 wrong tries kill them.\nHow they are judged in the database, one at a time and at once: tests/test_code_check.py."""
from __future__ import annotations

import inspect
from datetime import datetime, timedelta

import pytest

from domain import codes
from domain.codes import (Outcome, clean, digest, matches, new_code, new_salt, typing_hint,
                          verdict_for_dead, well_formed)

KEY = b"k" * 32
SENT = datetime(2026, 11, 20, 10, 0, 0)
NOW = SENT + timedelta(minutes=1)


def test_the_numbers_of_journey_md():
    assert codes.CODE_DIGITS == 6
    assert codes.CODE_TTL == timedelta(minutes=10)
    assert codes.MAX_WRONG == 5


def test_new_code_is_six_ascii_digits_and_varies():
    made = [new_code() for _ in range(200)]
    for code in made:
        assert len(code) == 6 and code.isascii() and code.isdigit(), code
    assert len(set(made)) > 150  # random, not a counter or a constant


def test_the_digest_is_keyed_and_salted_and_hides_the_code():
    salt = new_salt()
    assert digest(KEY, salt, "123456") == digest(KEY, salt, "123456")
    assert digest(KEY, salt, "123456") != digest(b"other", salt, "123456")
    assert digest(KEY, salt, "123456") != digest(KEY, new_salt(), "123456")
    assert "123456" not in digest(KEY, "0" * 32, "123456")  # checked once: a fixed salt


def test_a_code_matches_only_with_its_key_and_salt():
    salt = new_salt()
    stored = digest(KEY, salt, "482913")
    assert matches(KEY, salt, stored, "482913")
    assert not matches(KEY, salt, stored, "482914")
    assert not matches(b"second", salt, stored, "482913")
    assert not matches(KEY, new_salt(), stored, "482913")


def _dead(**changes) -> Outcome:
    state = {"used": False, "dead": False, "wrong_tries": 0, "sent_at": SENT, "now": NOW}
    return verdict_for_dead(**{**state, **changes})


def test_why_a_code_no_longer_works():
    assert _dead(used=True) is Outcome.DEAD
    assert _dead(dead=True) is Outcome.DEAD
    assert _dead(wrong_tries=5) is Outcome.DEAD
    assert _dead(now=SENT + timedelta(minutes=10, seconds=1)) is Outcome.EXPIRED
    # Used or killed and also old: «ask for a new code» either way, dead first.
    assert _dead(used=True, now=SENT + timedelta(hours=1)) is Outcome.DEAD


@pytest.mark.parametrize("typed", ["482 913", " 482913 ", "48 29 13", "482-913", "482.913", "4 8 2 9 1 3",
                                   "482\u00a0913", "482\t913"])
def test_spaces_and_separators_are_accepted(typed):
    assert well_formed(clean(typed)) and clean(typed) == "482913"


@pytest.mark.parametrize("typed", ["", "48291", "4829134", "abcdef", "48291a", "４８２９１３", "٤٨٢٩١٣",
                                   "4" * 10_000])
def test_malformed_input_cannot_be_judged(typed):
    assert not well_formed(clean(typed))


def test_clean_keeps_the_digits_and_bounds_the_length():
    assert clean(" 12 34-56 ") == "123456"
    assert len(clean("1" * 10_000)) == 40


def test_typing_hint_never_sees_the_real_code():
    # It has no way to know the code: its only input is what was typed.
    assert list(inspect.signature(typing_hint).parameters) == ["raw"]


@pytest.mark.parametrize(("typed", "hint"), [
    ("", ""),
    ("   ", ""),
    ("4", "Il manque 5 chiffres."),
    ("48 29", "Il manque 2 chiffres."),
    ("48291", "Il manque 1 chiffre."),
    ("482913", "Le code a bien 6 chiffres. Cliquez sur « Valider le code »."),
    ("000000", "Le code a bien 6 chiffres. Cliquez sur « Valider le code »."),
    ("4829135", "Le code a 6 chiffres. Vous en avez écrit 7."),
    ("48a", "Écrivez seulement des chiffres."),
    ("４８２", "Écrivez seulement des chiffres."),
])
def test_typing_hint_says_what_is_missing(typed, hint):
    assert typing_hint(typed) == hint


def test_typing_hint_is_the_same_for_every_complete_code():
    assert len({typing_hint(f"{n:06d}") for n in range(0, 1_000_000, 9973)}) == 1
