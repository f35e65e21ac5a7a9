"""Forgotten password: who can get a code, what the page shows, the token that allows a reset.

No enumeration: for a number without an account (or without a confirmed contact) the
pages say the same thing, with a made-up but stable hidden destination, and no code is sent.
"""
from __future__ import annotations

import calendar
import hashlib
import hmac
from datetime import datetime

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from domain.accounts import reset_possible
from domain import codes
from domain.codes import CODE_TTL
from domain import masking
from services.accounts import find_account, get_account
from services.codes import destination
from services.limiter import resilient
from services.limiter import storage as limits_storage
from services.models import Account


def _key(purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + current_app.config["SECRET_KEY"].encode()).digest()


def _find(identifier: str) -> Account | None:
    """A NIR, or a provisional identifier (they start with P)."""
    if identifier.startswith("P"):
        return find_account(provisional_id=identifier)
    return find_account(nir=identifier)


def resettable_account(nir: str) -> Account | None:
    account = _find(nir)
    if account and reset_possible(account.journey_state, account.contact_verified_at is not None):
        return account
    return None


def shown_destination(nir: str, account: Account | None) -> tuple[str, str]:
    """(channel, partly hidden address): the real one, or a stable decoy for the number,
    masked so that the two cannot be told apart (domain/masking.py says the rule)."""
    if account is not None:
        channel, address = destination(account)
        return channel, masking.mask(channel, address)
    return masking.decoy(hmac.new(_key(b"reset-decoy:"), nir.encode(), hashlib.sha256).digest())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(account: Account) -> str:
    # Bound to the current password: the token dies as soon as the password changes.
    return hmac.new(_key(b"reset-token:"), account.password_hash.encode(),
                    hashlib.sha256).hexdigest()[:32]


def make_token(account: Account) -> str:
    return _serializer().dumps({"a": account.id, "f": _fingerprint(account)})


def account_for_token(token: str) -> Account | None:
    """The account a token allows to reset, if the token is genuine, recent and unused."""
    try:
        data = _serializer().loads(token, max_age=int(CODE_TTL.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    account = get_account(data.get("a") if isinstance(data.get("a"), int) else None)
    if account is None or not hmac.compare_digest(str(data.get("f")), _fingerprint(account)):
        return None
    return account


# The decoy's state (when it was "sent", how many wrong tries) lives in the limiter's
# storage, shared by every browser and server, like a real code's state in the database:
# otherwise two browsers could tell a decoy from a real code.
def _decoy_keys(identifier: str) -> tuple[str, str]:
    tag = hmac.new(_key(b"reset-decoy-state:"), identifier.encode(), hashlib.sha256).hexdigest()
    return f"reset-decoy:{tag}:sent", f"reset-decoy:{tag}:tries"


def decoy_sent(identifier: str, now: datetime) -> None:
    sent, tries = _decoy_keys(identifier)

    def write() -> None:
        store = limits_storage()
        store.clear(sent)
        store.clear(tries)
        store.incr(sent, expiry=3600, amount=calendar.timegm(now.timetuple()))

    resilient(write)


def decoy_check(identifier: str, typed: str, now: datetime) -> tuple[codes.Outcome, int]:
    """No code exists: judge the typed code as a real one would be judged, never OK."""
    sent_key, tries_key = _decoy_keys(identifier)

    def judge() -> tuple[codes.Outcome, int]:
        store = limits_storage()
        tries = store.get(tries_key)
        cleaned = codes.clean(typed)
        if len(cleaned) != codes.CODE_DIGITS or not (cleaned.isascii() and cleaned.isdigit()):
            return codes.Outcome.MALFORMED, tries
        if tries >= codes.MAX_WRONG:
            return codes.Outcome.DEAD, tries
        sent = store.get(sent_key)
        if not sent or calendar.timegm(now.timetuple()) - sent > codes.CODE_TTL.total_seconds():
            return codes.Outcome.EXPIRED, tries
        tries = store.incr(tries_key, expiry=3600)
        return (codes.Outcome.DEAD if tries >= codes.MAX_WRONG else codes.Outcome.WRONG), tries

    return resilient(judge)
