"""The first-login journey as one explicit state machine: the order of the steps lives here.

Routes ask `current_step()` where a person must be and `advance()` what comes next; no
route decides the next step on its own. The state is saved with the account, so a
person who closes the browser comes back to the same step.
"""
from __future__ import annotations

from enum import Enum

# The terms of use in force. A newer version makes everyone accept again at next sign-in.
CGU_VERSION = "2026-11-01"


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
    Step.CGU: "first_login.cgu",
    Step.PASSWORD: "first_login.password",
    Step.CONTACT: "first_login.contact",
    Step.CODE: "first_login.code",
    Step.DONE: "account.home",
}


class JourneyError(ValueError):
    """An event that the current step does not allow."""


def current_step(state: str, cgu_version: str | None) -> Step:
    """Where the person must be: new terms of use come before anything else."""
    if cgu_version != CGU_VERSION:
        return Step.CGU
    return Step(state)


def advance(state: str, event: str) -> Step:
    step = Step(state)
    if event == "cgu_accepted" and step is not Step.CGU:
        return step  # accepting newer terms later in life does not move the journey
    try:
        return TRANSITIONS[(step, event)]
    except KeyError as exc:
        raise JourneyError(f"{event!r} is not allowed at step {state!r}") from exc


def page_for(step: Step) -> str:
    return PAGES[step]


def is_done(step: Step) -> bool:
    return step is Step.DONE
