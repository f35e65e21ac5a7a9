"""Rate limiting (Flask-Limiter). In memory by default; RATELIMIT_STORAGE_URI=redis://… at scale."""
from __future__ import annotations

import math
import time

from typing import Callable, TypeVar

from flask import Response, current_app, g
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse_many

limiter = Limiter(key_func=get_remote_address, default_limits=[])
SIGN_IN_IDENTIFIER_SCOPE = "sign-in-identifier"
# Flask-Limiter's own words when its storage stops answering (services/audit_log.py turns
# them into the event «rate_limit_storage_fallback»).
FALLBACK_MESSAGE = "Rate limit storage unreachable - falling back to in-memory storage"
T = TypeVar("T")


def storage():
    """The storage the limits use now: Redis at scale, or this process's memory while Redis
    does not answer (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED)."""
    if limiter._storage_dead and getattr(limiter, "_fallback_storage", None) is not None:
        return limiter._fallback_storage
    return limiter.storage


def resilient(action: Callable[[], T]) -> T:
    """Run `action`, which reads or counts in the limits' storage (through `storage()` or
    `limiter.limiter`). Flask-Limiter falls back to memory for the limits it checks itself;
    this does the same for the counters the app keeps there (codes sent, the reset decoy,
    forgiven failures): if the storage fails, the fallback is switched on, logged with
    Flask-Limiter's own words, and `action` runs again in memory. Flask-Limiter has no
    public switch for this; it reads the same private flag again at its next check and
    goes back to Redis when Redis answers."""
    try:
        return action()
    except Exception:
        if limiter._storage_dead or not limiter._in_memory_fallback_enabled:
            raise
        limiter.logger.warning(FALLBACK_MESSAGE)
        limiter._storage_dead = True
        return action()


def seconds_to_wait() -> int:
    """How long the person must wait before the limit that was just hit lets them in."""
    current = limiter.current_limit
    if current is None:
        return 60
    # window.reset_time, not reset_at: the latter adds a second for HTTP headers.
    return max(1, math.ceil(current.window.reset_time - time.time()))


def code_sending_limit(key_func: Callable[[], str], on_breach: Callable[[str], Response],
                       exempt_when: Callable[[], bool] | None = None):
    """New codes: 30 s apart at least and 5 per hour per person (journey.md), shared by every
    route that sends one. Only a code really sent counts (the view sets g.code_sent).
    `on_breach` receives the wait in words and returns the page that says it."""

    def breached(limit: RequestLimit) -> Response:
        seconds = max(1, math.ceil(limit.window.reset_time - time.time()))
        return on_breach(wait_words(seconds))

    return limiter.shared_limit(
        lambda: f"{current_app.config['CODE_LIMIT_INTERVAL']};{current_app.config['CODE_LIMIT_HOURLY']}",
        scope="code-sending", key_func=key_func, methods=["POST"], exempt_when=exempt_when,
        deduct_when=lambda response: bool(g.get("code_sent")), on_breach=breached,
    )


def count_code_sending(key: str) -> int | None:
    """For a code sent outside a route wrapped by code_sending_limit (the new-device code,
    sent by the sign-in itself): None and the sending is counted, or the seconds to wait."""
    items = parse_many(f"{current_app.config['CODE_LIMIT_INTERVAL']};"
                       f"{current_app.config['CODE_LIMIT_HOURLY']}")
    args = _args(key, "code-sending")

    def count() -> int | None:
        waits = []
        for item in items:
            if not limiter.limiter.test(item, *args):
                reset_time = limiter.limiter.get_window_stats(item, *args).reset_time
                waits.append(max(1, math.ceil(reset_time - time.time())))
        if waits:
            return max(waits)
        for item in items:
            limiter.limiter.hit(item, *args)
        return None

    return resilient(count)


def wait_words(seconds: int) -> str:
    """«15 minutes», «1 minute», «30 secondes»: a wait said in words."""
    if seconds < 60:
        return f"{seconds} seconde" + ("s" if seconds > 1 else "")
    minutes = -(-seconds // 60)
    return f"{minutes} minute" + ("s" if minutes > 1 else "")


def _args(key: str, scope: str) -> list[str]:
    """The parts of a storage key, as Flask-Limiter builds those of the routes' limits."""
    return [limiter._key_prefix, key, scope] if limiter._key_prefix else [key, scope]


def claim_sign_in_try(identifier: str) -> int | None:
    """Count one sign-in try against `identifier` («nir:…» or «pid:…») before its password
    is checked: None, go on; or the seconds to wait.

    The route's limit (LOGIN_LIMIT_PER_NIR) refuses at once an identifier already at its
    limit, but it can only count a failure after the answer: tries sent at the same moment
    to several workers would all pass before any was counted (`make load` saw 17 of 100
    get through). One atomic increment per try, before the check, lets exactly the
    allowed number through. A right password gives the tries back
    (forgive_sign_in_failures), so signing in often never locks anyone out."""
    items = parse_many(current_app.config["LOGIN_LIMIT_PER_NIR"])
    args = _args(identifier, SIGN_IN_IDENTIFIER_SCOPE)

    def claim() -> int | None:
        for item in items:
            if not limiter.limiter.hit(item, *args):
                reset_time = limiter.limiter.get_window_stats(item, *args).reset_time
                return max(1, math.ceil(reset_time - time.time()))
        return None

    return resilient(claim)


def forgive_sign_in_failures(identifier: str) -> None:
    """After a right password or a password reset, the tries counted against this
    identifier («nir:…» or «pid:…») no longer block its owner, who knows the password."""
    args = _args(identifier, SIGN_IN_IDENTIFIER_SCOPE)

    def forgive() -> None:
        for item in parse_many(current_app.config["LOGIN_LIMIT_PER_NIR"]):
            limiter.limiter.clear(item, *args)

    resilient(forgive)
