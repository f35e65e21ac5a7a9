"""Rules that do not need a database: the journey, the old password, how money and
dates are written. (The NIR rules are in test_nir.py.)"""
from __future__ import annotations

from datetime import date

import pytest

from domain.accounts import password_may_sign_in
from domain.formatting import euros, long_date, short_date
from domain.journey import PAGES, JourneyError, Step, advance, is_done, page_for

NBSP = "\u00a0"


# --- journey ---------------------------------------------------------------------

def test_the_whole_journey_in_order():
    state = Step.CGU
    for event, expected in [("cgu_accepted", Step.PASSWORD), ("password_set", Step.CONTACT),
                            ("contact_given", Step.CODE), ("code_confirmed", Step.DONE)]:
        state = advance(state.value, event)
        assert state is expected


def test_changing_contact_at_the_code_step_goes_back_to_contact():
    assert advance("code", "contact_changed") is Step.CONTACT


@pytest.mark.parametrize(("state", "event"), [
    ("cgu", "password_set"),          # a step cannot be skipped
    ("cgu", "code_confirmed"),
    ("password", "code_confirmed"),
    ("contact", "code_confirmed"),
    ("contact", "password_set"),      # no going back by a wrong event
    ("done", "code_confirmed"),       # nothing after the end
    ("done", "password_set"),
    ("cgu", "no_such_event"),
    ("code", ""),
])
def test_events_a_step_does_not_allow_raise_journey_error(state, event):
    with pytest.raises(JourneyError):
        advance(state, event)


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError):
        advance("nowhere", "cgu_accepted")


def test_journey_error_is_a_value_error():
    assert issubclass(JourneyError, ValueError)


def test_every_step_has_a_page():
    assert set(PAGES) == set(Step)
    assert page_for(Step.DONE) == "account.home"
    for step in (Step.CGU, Step.PASSWORD, Step.CONTACT, Step.CODE):
        assert page_for(step).startswith("first_login."), step


def test_every_journey_page_is_a_route_of_the_app(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for step in Step:
        assert page_for(step) in endpoints, step


def test_only_the_last_step_is_done():
    assert is_done(Step.DONE)
    for step in (Step.CGU, Step.PASSWORD, Step.CONTACT, Step.CODE):
        assert not is_done(step), step


# --- the old password ---------------------------------------------------------------

@pytest.mark.parametrize(("legacy", "state", "allowed"), [
    (True, "cgu", True),        # the old password opens the first-login journey
    (True, "password", True),
    (True, "code", True),
    (True, "done", False),      # …never a finished account
    (False, "done", True),
    (False, "cgu", True),
])
def test_password_may_sign_in(legacy, state, allowed):
    assert password_may_sign_in(legacy, state) is allowed


# --- money and dates ------------------------------------------------------------------

@pytest.mark.parametrize(("cents", "text"), [
    (5800, f"58{NBSP}€"),
    (24187, f"241,87{NBSP}€"),
    (5, f"0,05{NBSP}€"),
    (0, f"0{NBSP}€"),
    (100, f"1{NBSP}€"),
    (123456789, f"1\u202f234\u202f567,89{NBSP}€"),
    (-1250, f"-12,50{NBSP}€"),
])
def test_euros_the_french_way(cents, text):
    assert euros(cents) == text


def test_euros_never_has_a_breakable_space():
    assert " " not in euros(123456789)


@pytest.mark.parametrize(("day", "text"), [
    (date(2021, 5, 25), "25 mai 2021"),
    (date(2021, 5, 1), "1er mai 2021"),
    (date(2026, 2, 2), "2 février 2026"),
    (date(2026, 8, 15), "15 août 2026"),
    (date(2026, 12, 31), "31 décembre 2026"),
    (date(2026, 1, 1), "1er janvier 2026"),
])
def test_long_date(day, text):
    assert long_date(day) == text


def test_short_date():
    assert short_date(date(2021, 5, 25)) == "25/05/2021"
    assert short_date(date(2026, 1, 1)) == "01/01/2026"
