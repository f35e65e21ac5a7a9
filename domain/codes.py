"""Verification codes: 6 digits, valid 10 minutes, work once, 5 wrong tries kill them.

The rules are here; services/codes.py applies them as one conditional write per verdict.

Codes come from pyotp's HOTP over a fresh random secret that is never stored; only a
keyed hash of the code is kept, so a copy of the database does not reveal codes.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import Enum

import pyotp

from domain.words import plural, say

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_WRONG = 5


def new_code() -> str:
    return pyotp.HOTP(pyotp.random_base32(), digits=CODE_DIGITS).at(0)


def new_salt() -> str:
    return secrets.token_hex(16)


def digest(key: bytes, salt: str, code: str) -> str:
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def clean(raw: str) -> str:
    """What the person typed, without the spaces and dashes people add."""
    return "".join(ch for ch in raw[:40] if not ch.isspace() and ch not in "-.")


def typing_hint(raw: str) -> str:
    """Live words while typing: never says whether the code is right."""
    code = clean(raw)
    if not code:
        return ""
    if not code.isascii() or not code.isdigit():
        return say("code.hint.digits_only")
    missing = CODE_DIGITS - len(code)
    if missing > 0:
        return say(plural("code.hint.missing", missing), count=missing)
    if missing < 0:
        return say("code.hint.too_many", digits=CODE_DIGITS, count=len(code))
    return say("code.hint.complete")


class Outcome(str, Enum):
    OK = "ok"
    WRONG = "wrong"
    DEAD = "dead"        # too many wrong tries, already used, or replaced by a newer code
    EXPIRED = "expired"
    MALFORMED = "malformed"


def well_formed(code: str) -> bool:
    """A cleaned code that can be judged: 6 ASCII digits. Anything else costs no try."""
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def matches(key: bytes, salt: str, stored_digest: str, code: str) -> bool:
    return hmac.compare_digest(digest(key, salt, code), stored_digest)


def verdict_for_dead(*, used: bool, dead: bool, wrong_tries: int, sent_at: datetime,
                     now: datetime) -> Outcome:
    """Why a code can no longer be used: DEAD (used, replaced, MAX_WRONG wrong tries) comes
    before EXPIRED, as the person can do the same about both: ask for a new code."""
    if used or dead or wrong_tries >= MAX_WRONG:
        return Outcome.DEAD
    if now - sent_at > CODE_TTL:
        return Outcome.EXPIRED
    return Outcome.DEAD


