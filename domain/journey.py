"""The first-login journey as one explicit state machine: the order of the steps lives here.

Routes ask `page_for(state)` where a person must be, and `advance(state, event)` what comes
next; no route decides the next step on its own.
"""
from __future__ import annotations

from enum import Enum


class Step(str, Enum):
    CGU = "cgu"
    PASSWORD = "password"
    CONTACT = "contact"
    CODE = "code"
    DONE = "done"


# Each step, the event that ends it, and the step that follows.
TRANSITIONS: dict[tuple[Step, str], Step] = {
    (Step.CGU, "cgu_accepted"): Step.PASSWORD,
    (Step.PASSWORD, "password_set"): Step.CONTACT,
    (Step.CONTACT, "contact_given"): Step.CODE,
    (Step.CODE, "contact_changed"): Step.CONTACT,
    (Step.CODE, "code_confirmed"): Step.DONE,
}

# The page (Flask endpoint) that serves each step.
PAGES: dict[Step, str] = {
    Step.CGU: "first_login.start",
    Step.PASSWORD: "first_login.start",
    Step.CONTACT: "first_login.start",
    Step.CODE: "first_login.start",
    Step.DONE: "account.home",
}


class JourneyError(ValueError):
    """An event that the current step does not allow."""


def advance(state: str, event: str) -> Step:
    try:
        return TRANSITIONS[(Step(state), event)]
    except (KeyError, ValueError) as exc:
        raise JourneyError(f"{event!r} is not allowed at step {state!r}") from exc


def page_for(state: str) -> str:
    return PAGES[Step(state)]


def is_done(state: str) -> bool:
    return Step(state) is Step.DONE
