"""Verification codes (domain/codes.py): 6 digits, 10 minutes, once, 5 wrong tries kill them."""
from __future__ import annotations

import inspect
from datetime import datetime, timedelta

import pytest

from domain import codes
from domain.codes import CodeState, Outcome, check, clean, digest, new_code, new_salt, typing_hint

KEY = b"k" * 32
SENT = datetime(2026, 11, 20, 10, 0, 0)
NOW = SENT + timedelta(minutes=1)


def state_for(code: str, key: bytes = KEY) -> CodeState:
    salt = new_salt()
    return CodeState(salt=salt, digest=digest(key, salt, code), sent_at=SENT)


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


def test_the_right_code_works_once_then_is_dead():
    state = state_for("482913")
    assert check(state, "482913", KEY, NOW) is Outcome.OK
    assert state.used is True
    assert check(state, "482913", KEY, NOW) is Outcome.DEAD


def test_five_wrong_codes_kill_it_even_for_the_right_code_after():
    state = state_for("482913")
    outcomes = [check(state, "000000", KEY, NOW) for _ in range(5)]
    assert outcomes == [Outcome.WRONG] * 4 + [Outcome.DEAD]
    assert state.wrong_tries == 5 and state.dead is True
    assert check(state, "482913", KEY, NOW) is Outcome.DEAD


def test_four_wrong_codes_still_leave_the_right_one_working():
    state = state_for("482913")
    for _ in range(4):
        assert check(state, "111111", KEY, NOW) is Outcome.WRONG
    assert check(state, "482913", KEY, NOW) is Outcome.OK


def test_a_code_is_valid_10_minutes_then_expired():
    state = state_for("482913")
    assert check(state, "482913", KEY, SENT + timedelta(minutes=10, seconds=1)) is Outcome.EXPIRED
    assert state.used is False
    assert check(state_for("482913"), "482913", KEY, SENT + timedelta(minutes=10)) is Outcome.OK
    assert check(state_for("482913"), "482913", KEY, SENT + timedelta(minutes=9, seconds=59)) is Outcome.OK


def test_a_code_checked_with_another_key_is_wrong():
    state = state_for("482913", key=b"first")
    assert check(state, "482913", b"second", NOW) is Outcome.WRONG


@pytest.mark.parametrize("typed", ["482 913", " 482913 ", "48 29 13", "482-913", "482.913", "4 8 2 9 1 3",
                                   "482\u00a0913", "482\t913"])
def test_spaces_and_separators_are_accepted(typed):
    assert check(state_for("482913"), typed, KEY, NOW) is Outcome.OK


@pytest.mark.parametrize("typed", ["", "48291", "4829134", "abcdef", "48291a", "４８２９１３", "٤٨٢٩١٣",
                                   "4" * 10_000])
def test_malformed_input_is_not_a_try(typed):
    state = state_for("482913")
    assert check(state, typed, KEY, NOW) is Outcome.MALFORMED
    assert state.wrong_tries == 0 and not state.used and not state.dead


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
