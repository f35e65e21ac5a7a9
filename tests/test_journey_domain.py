"""The first-login journey as a state machine (domain/journey.py), without Flask or storage."""
from __future__ import annotations

import itertools

import pytest

from domain import journey
from domain.accounts import password_may_sign_in
from domain.journey import (CGU_VERSION, PAGES, TRANSITIONS, JourneyError, Step, advance,
                            current_step, is_done, page_for)

EVENTS = ("cgu_accepted", "password_set", "contact_given", "contact_changed", "code_confirmed")

# What the issue asks for, written out by hand so that a change in TRANSITIONS is caught.
EXPECTED = {
    ("cgu", "cgu_accepted"): "password",
    ("password", "password_set"): "contact",
    ("contact", "contact_given"): "code",
    ("code", "contact_changed"): "contact",
    ("code", "code_confirmed"): "done",
}


def test_the_steps_are_the_five_of_the_issue_in_order():
    assert [s.value for s in Step] == ["cgu", "password", "contact", "code", "done"]


def test_the_transition_table_is_exactly_the_expected_one():
    assert {(s.value, e): t.value for (s, e), t in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("state", "event", "target"),
                         [(s, e, t) for (s, e), t in EXPECTED.items()])
def test_every_allowed_transition(state, event, target):
    assert advance(state, event) is Step(target)


def test_the_happy_path_goes_from_cgu_to_done():
    state = "cgu"
    for event in ("cgu_accepted", "password_set", "contact_given", "code_confirmed"):
        state = advance(state, event).value
    assert state == "done"
    assert is_done(Step(state))


def test_changing_the_contact_then_giving_it_again_comes_back_to_the_code():
    state = advance("code", "contact_changed")
    assert state is Step.CONTACT
    assert advance(state.value, "contact_given") is Step.CODE


# Every (step, event) pair that is not a transition, except accepting newer CGU (below).
REFUSED = [
    (s.value, e) for s, e in itertools.product(Step, EVENTS)
    if (s.value, e) not in EXPECTED and e != "cgu_accepted"
]


@pytest.mark.parametrize(("state", "event"), REFUSED)
def test_refused_events_raise_journey_error(state, event):
    with pytest.raises(JourneyError):
        advance(state, event)


def test_refused_events_include_skipping_steps():
    # The ones a person typing a URL by hand would try: jumping ahead.
    assert ("cgu", "password_set") in REFUSED
    assert ("cgu", "code_confirmed") in REFUSED
    assert ("password", "contact_given") in REFUSED
    assert ("contact", "code_confirmed") in REFUSED
    assert ("done", "code_confirmed") in REFUSED
    assert ("done", "contact_changed") in REFUSED


def test_an_unknown_event_is_refused():
    with pytest.raises(JourneyError):
        advance("cgu", "anything")


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError):
        advance("nowhere", "cgu_accepted")


@pytest.mark.parametrize("state", ["password", "contact", "code", "done"])
def test_accepting_new_cgu_later_does_not_move_the_journey(state):
    assert advance(state, "cgu_accepted") is Step(state)


def test_journey_error_is_a_value_error():
    assert issubclass(JourneyError, ValueError)


@pytest.mark.parametrize("state", [s.value for s in Step])
def test_current_step_follows_the_state_when_the_cgu_are_current(state):
    assert current_step(state, CGU_VERSION) is Step(state)


@pytest.mark.parametrize("state", [s.value for s in Step])
@pytest.mark.parametrize("version", [None, "", "2001-01-01", CGU_VERSION + "x"])
def test_current_step_sends_to_the_cgu_when_the_version_differs(state, version):
    assert current_step(state, version) is Step.CGU


def test_current_step_reads_the_version_in_force(monkeypatch):
    monkeypatch.setattr(journey, "CGU_VERSION", "2099-01-01")
    assert current_step("done", CGU_VERSION) is Step.CGU
    assert current_step("done", "2099-01-01") is Step.DONE


def test_each_step_has_its_page():
    assert {s: page_for(s) for s in Step} == {
        Step.CGU: "first_login.cgu",
        Step.PASSWORD: "first_login.password",
        Step.CONTACT: "first_login.contact",
        Step.CODE: "first_login.code",
        Step.DONE: "account.home",
    }
    assert set(PAGES) == set(Step)


def test_only_done_is_done():
    assert [s for s in Step if is_done(s)] == [Step.DONE]


@pytest.mark.parametrize(("legacy", "state", "allowed"), [
    (True, "cgu", True), (True, "password", True),
    # An inconsistent row (old password, journey finished) never signs in.
    (True, "done", False),
    (False, "contact", True), (False, "code", True), (False, "done", True),
])
def test_the_old_password_only_opens_the_journey(legacy, state, allowed):
    assert password_may_sign_in(legacy, state) is allowed
