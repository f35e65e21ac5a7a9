"""Rate limits: one mechanism for every limit of the app, on Flask-Limiter's storage.

Each limit *claims its slot before acting*: one atomic take in the storage (the moving
window's Lua script in Redis, a lock in memory) before the password is checked, the code
is sent or the page is made, then the slot is given back if the action did not count (a
right password, a form with mistakes, a code that was not sent). Testing first and
counting after lets every request that arrives at the same moment through, on several
workers or hosts (NIST 800-63B §5.2.2; GOV.UK One Login and login.gov count the same way).

The storage is this process's memory by default and Redis with RATELIMIT_STORAGE_URI=redis://…;
only Redis holds a limit across workers, which production needs.
"""
from __future__ import annotations

import math
import time
from functools import wraps
from typing import Callable, TypeVar

from flask import Response, current_app, g, make_response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage

from domain.words import plural, say

limiter = Limiter(key_func=get_remote_address, default_limits=[])
SIGN_IN_IDENTIFIER_SCOPE = "sign-in-identifier"
CODE_SENDING_SCOPE = "code-sending"
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
    `limiter.limiter`). If the storage fails, Flask-Limiter's fallback to memory is switched
    on, logged with Flask-Limiter's own words, and `action` runs again in memory.
    Flask-Limiter has no public switch for this; it reads the same private flag again at
    its next check and goes back to Redis when Redis answers."""
    try:
        return action()
    except Exception:
        if limiter._storage_dead or not limiter._in_memory_fallback_enabled:
            raise
        limiter.logger.warning(FALLBACK_MESSAGE)
        limiter._storage_dead = True
        return action()


def _args(key: str, scope: str) -> list[str]:
    """The parts of a storage key, as Flask-Limiter builds those of its own limits."""
    return [limiter._key_prefix, key, scope] if limiter._key_prefix else [key, scope]


def _items(spec: str) -> list[RateLimitItem]:
    # The shortest window first: a request refused by it takes nothing from the longer ones.
    return sorted(parse_many(spec), key=lambda item: item.get_expiry())


def _wait(item: RateLimitItem, args: list[str]) -> int:
    reset_time = limiter.limiter.get_window_stats(item, *args).reset_time
    return max(1, math.ceil(reset_time - time.time()))


def _give_back_one(item: RateLimitItem, args: list[str]) -> None:
    """Take back the newest slot of a moving window. `limits` has no call for it: its two
    storages keep a window as a list of times, newest first, which this shortens by one."""
    store, key = storage(), item.key_for(*args)
    if isinstance(store, RedisStorage):
        store.get_connection().lpop(store.prefixed_key(key))
    elif isinstance(store, MemoryStorage):
        with store.locks[key]:
            if store.events.get(key):
                store.events[key].pop(0)
    else:  # pragma: no cover - configuration refuses other storages
        raise TypeError(f"no way to give a slot back in {type(store).__name__}")


def claim(spec: str, scope: str, key: str) -> int | None:
    """Take one slot of each limit in `spec` («5 per 15 minutes», or several separated by
    «;») for (scope, key), before the action they allow: None, go on; or the seconds to
    wait, and nothing was taken."""
    args = _args(key, scope)

    def take() -> int | None:
        taken: list[RateLimitItem] = []
        for item in _items(spec):
            if not limiter.limiter.hit(item, *args):
                for earlier in taken:
                    _give_back_one(earlier, args)
                return _wait(item, args)
            taken.append(item)
        return None

    return resilient(take)


def give_back(spec: str, scope: str, key: str) -> None:
    """The action a claim allowed did not count (a right password, nothing sent)."""
    args = _args(key, scope)
    resilient(lambda: [_give_back_one(item, args) for item in _items(spec)])


def clear(spec: str, scope: str, key: str) -> None:
    """Every slot of (scope, key) is free again."""
    args = _args(key, scope)
    resilient(lambda: [limiter.limiter.clear(item, *args) for item in _items(spec)])


def claimed_limit(spec: Callable[[], str], scope: str, key_func: Callable[[], str],
                  on_breach: Callable[[int], Response | tuple], *,
                  exempt_when: Callable[[], bool] | None = None,
                  keep_when: Callable[[Response], bool] | None = None,
                  methods: tuple[str, ...] = ("POST",)):
    """A route's limit: claim a slot before the view runs; refused, `on_breach(seconds)` is
    the answer (with Retry-After). After the view, `keep_when(response)` false gives the
    slot back. A view that raises keeps it: an error is no reason to allow more tries."""

    def decorator(view):
        @wraps(view)
        def limited(*args, **kwargs):
            if request.method not in methods or (exempt_when is not None and exempt_when()):
                return view(*args, **kwargs)
            limits, key = spec(), key_func()
            wait = claim(limits, scope, key)
            if wait is not None:
                refused = make_response(on_breach(wait))
                refused.headers["Retry-After"] = str(wait)
                return refused
            response = make_response(view(*args, **kwargs))
            if keep_when is not None and not keep_when(response):
                give_back(limits, scope, key)
            return response

        return limited

    return decorator


def wait_words(seconds: int) -> str:
    """«15 minutes», «1 minute», «30 secondes»: a wait said in words."""
    if seconds < 60:
        return say(plural("wait.seconds", seconds), count=seconds)
    minutes = -(-seconds // 60)
    return say(plural("wait.minutes", minutes), count=minutes)


# New codes: 30 s apart at least and 5 per hour per person (journey.md), shared by every
# route that sends one, counted whether a real code or the reset's decoy «leaves».
def code_sending_spec() -> str:
    config = current_app.config
    return f"{config['CODE_LIMIT_INTERVAL']};{config['CODE_LIMIT_HOURLY']}"


def code_sending_limit(key_func: Callable[[], str], on_breach: Callable[[str], Response],
                       exempt_when: Callable[[], bool] | None = None):
    """The new-code limit of a route that sends one: the slot is kept only if the view sent
    a code (it sets g.code_sent). `on_breach` receives the wait in words."""
    return claimed_limit(code_sending_spec, CODE_SENDING_SCOPE, key_func,
                         lambda seconds: on_breach(wait_words(seconds)),
                         exempt_when=exempt_when, keep_when=lambda _: bool(g.get("code_sent")))


def claim_code_sending(key: str) -> int | None:
    """For a code sent outside such a route (the new-device code, sent by the sign-in
    itself): None, and the sending is counted; or the seconds to wait."""
    return claim(code_sending_spec(), CODE_SENDING_SCOPE, key)


def forgive_sign_in_failures(identifier: str) -> None:
    """After a right password or a password reset, the tries counted against this
    identifier («nir:…» or «pid:…») no longer block its owner, who knows the password."""
    clear(current_app.config["LOGIN_LIMIT_PER_NIR"], SIGN_IN_IDENTIFIER_SCOPE, identifier)
