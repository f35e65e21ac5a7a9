"""The first-login journey as one explicit state machine: the order of the steps lives here.

Routes ask `current_step()` where a person must be and `advance()` what comes next; no
route decides the next step on its own. The state is saved with the account, so a
person who closes the browser comes back to the same step.

The steppers («Étape 2 sur 4») are drawn from here too: `STAGES` gathers the steps into the
stages a person sees, `RESET_STAGES` does the same for the forgotten password, and
`position()` says which stage a page is. Their words are the guide's, in domain/guide.py.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


# --- The steppers: the stages a person sees, in order ---------------------------------------

class ResetStep(Enum):
    """The forgotten-password pages, in order. No state machine: each page checks its own
    proof (the number typed, the code, the link's token). Not a `str` like Step, so that
    ResetStep.CODE is never equal to Step.CODE."""
    NUMBER = "number"
    CODE = "code"
    PASSWORD = "password"


RESET_PAGES: dict[ResetStep, str] = {
    ResetStep.NUMBER: "password_reset.start",
    ResetStep.CODE: "password_reset.code",
    ResetStep.PASSWORD: "password_reset.choose",
}


@dataclass(frozen=True)
class Stage:
    """One item of a stepper («2 Contact»): the steps it gathers, in the journey's order."""
    key: str
    steps: tuple[Enum, ...]


@dataclass(frozen=True)
class Journey:
    key: str
    stages: tuple[Stage, ...]
    pages: Mapping[Enum, str]  # the pages that show the stepper (Flask endpoints)


# The first login as the guide's stepper shows it: «1 Mon profil 2 Contact 3 Saisie 4 Fin».
# «Fin» is Mon Compte itself: it ends the stepper but is no longer a journey page, so it
# shows none. The old screens announced a «Récapitulatif» that the journey never had.
STAGES: tuple[Stage, ...] = (
    Stage("profile", (Step.CGU, Step.PASSWORD)),
    Stage("contact", (Step.CONTACT,)),
    Stage("entry", (Step.CODE,)),
    Stage("end", (Step.DONE,)),
)

RESET_STAGES: tuple[Stage, ...] = (
    Stage("number", (ResetStep.NUMBER,)),
    Stage("code", (ResetStep.CODE,)),
    Stage("password", (ResetStep.PASSWORD,)),
)

FIRST_LOGIN = Journey("first_login", STAGES,
                      {step: page for step, page in PAGES.items() if not is_done(step)})
PASSWORD_RESET = Journey("password_reset", RESET_STAGES, RESET_PAGES)
JOURNEYS: tuple[Journey, ...] = (FIRST_LOGIN, PASSWORD_RESET)


# Routes that answer with a journey page at their own address: a refused new code or a refused
# «Modifier vos coordonnées de contact» shows the code page again (blueprints/code_step.py).
# The page keeps its stepper and its guide marker there.
SHOWN_BY: dict[str, str] = {
    "first_login.new_code": "first_login.code",
    "first_login.change_contact": "first_login.code",
    "password_reset.new_code": "password_reset.code",
}


def page_shown(endpoint: str | None) -> str | None:
    """The journey page an answer of `endpoint` shows (the endpoint itself, most often)."""
    return SHOWN_BY.get(endpoint or "", endpoint)


@dataclass(frozen=True)
class Position:
    """Where a page stands in its journey's stepper: stage `number` (from 1)."""
    journey: Journey
    number: int


def stage_of(journey: Journey, step: Enum) -> int:
    """The number (from 1) of the stage that holds `step`."""
    return next(n for n, stage in enumerate(journey.stages, 1) if step in stage.steps)


def position(endpoint: str | None) -> Position | None:
    """The stepper of a journey page (Flask endpoint); None for a page of no journey."""
    endpoint = page_shown(endpoint)
    for journey in JOURNEYS:
        for step, page in journey.pages.items():
            if page == endpoint:
                return Position(journey, stage_of(journey, step))
    return None
