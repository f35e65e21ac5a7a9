"""Verification codes: 6 digits, valid 10 minutes, work once, 5 wrong tries kill them.

Codes come from pyotp's HOTP over a fresh random secret that is never stored; only a
keyed hash of the code is kept, so a copy of the database does not reveal codes.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import pyotp

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
        return "Écrivez seulement des chiffres."
    missing = CODE_DIGITS - len(code)
    if missing > 0:
        return f"Il manque {missing} chiffre{'s' if missing > 1 else ''}."
    if missing < 0:
        return f"Le code a {CODE_DIGITS} chiffres. Vous en avez écrit {len(code)}."
    return "Le code a bien 6 chiffres. Cliquez sur « Valider le code »."


class Outcome(str, Enum):
    OK = "ok"
    WRONG = "wrong"
    DEAD = "dead"        # too many wrong tries, already used, or replaced by a newer code
    EXPIRED = "expired"
    MALFORMED = "malformed"


@dataclass
class CodeState:
    salt: str
    digest: str
    sent_at: datetime
    wrong_tries: int = 0
    used: bool = False
    dead: bool = False


def check(state: CodeState, typed: str, key: bytes, now: datetime) -> Outcome:
    """Judge a typed code; the caller saves `state` (wrong_tries, used, dead) afterwards."""
    code = clean(typed)
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        return Outcome.MALFORMED
    if state.used or state.dead or state.wrong_tries >= MAX_WRONG:
        return Outcome.DEAD
    if now - state.sent_at > CODE_TTL:
        return Outcome.EXPIRED
    if not hmac.compare_digest(digest(key, state.salt, code), state.digest):
        state.wrong_tries += 1
        if state.wrong_tries >= MAX_WRONG:
            state.dead = True
            return Outcome.DEAD
        return Outcome.WRONG
    state.used = True
    return Outcome.OK
