"""Account rules that do not depend on storage."""
from __future__ import annotations

import re

from domain.journey import Step

# The old Caf password: exactly 8 digits.
LEGACY_PASSWORD = re.compile(r"\d{8}")
MAX_PASSWORD = 128  # longer input is cut before hashing: no real password is that long


def reset_possible(journey_state: str, contact_verified: bool) -> bool:
    """A forgotten password can be reset only with a contact the person confirmed."""
    return Step(journey_state) is Step.DONE and contact_verified


def password_may_sign_in(password_is_legacy: bool, journey_state: str) -> bool:
    """The old 8-digit password only opens the first-login journey, never a finished account."""
    return not (password_is_legacy and Step(journey_state) is Step.DONE)
