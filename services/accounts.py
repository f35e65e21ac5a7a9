"""Finding and checking accounts in the database."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash

from domain.accounts import MAX_PASSWORD, password_may_sign_in
from domain.journey import Step, current_step
from services.audit_log import security_event
from services.database import db
from services.models import Account

# Argon2id (argon2-cffi), at OWASP's minimum by default: 19 MiB, 2 passes, 1 lane
# (ARGON2_* settings; the README states them). A hash records its own parameters, so a
# hash made with others still verifies, and is made again at the next sign-in. Hashes of
# before issue 15 are werkzeug's scrypt («scrypt:32768:8:1$…»): checked the old way, then
# replaced by an Argon2id hash in the same transaction as the sign-in.
LEGACY_PREFIXES = ("scrypt:", "pbkdf2:")


@lru_cache(maxsize=8)
def _hasher_for(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib,
                          parallelism=parallelism, hash_len=32, salt_len=16, type=Type.ID)


DEFAULT_PARAMETERS = (19456, 2, 1)  # memory KiB, passes, lanes: as services/config.py


def _parameters() -> tuple[int, int, int]:
    if not has_app_context():  # a script or test hashing outside the app
        return DEFAULT_PARAMETERS
    config = current_app.config
    return (config["ARGON2_MEMORY_KIB"], config["ARGON2_TIME_COST"],
            config["ARGON2_PARALLELISM"])


def hasher() -> PasswordHasher:
    return _hasher_for(*_parameters())


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    if stored.startswith(LEGACY_PREFIXES):
        try:
            return check_password_hash(stored, password)
        except ValueError:  # a damaged hash: no password matches it
            return False
    try:
        return hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return stored.startswith(LEGACY_PREFIXES) or hasher().check_needs_rehash(stored)


def password_matches(account: Account, password: str) -> bool:
    """Whether `password` is this account's (whatever scheme its hash was made with)."""
    return verify_password(account.password_hash, password[:MAX_PASSWORD])


def set_password(account: Account, chosen: str) -> None:
    """A new password, chosen by the person (first login, reset): hashed with today's
    parameters; every device confirmation made before now ends (blueprints/auth/device.py).
    Part of the caller's transaction."""
    from services.models import utcnow

    account.password_hash = hash_password(chosen)
    account.password_is_legacy = False
    account.password_changed_at = utcnow()


def change_password(account: Account, chosen: str, *, where: str,
                    keep_this_session: bool) -> None:
    """The whole change, the same after the first login and after a reset: the new password
    is saved (with whatever the caller changed on the account, in one transaction), every
    other signed-in device is signed out (this one too unless `keep_this_session`), and the
    wrong tries counted against the number no longer block its owner."""
    from services.limiter import forgive_sign_in_failures
    from services.sessions import end_other_sessions, end_sessions_of

    set_password(account, chosen)
    if keep_this_session:
        end_other_sessions(account.id)  # part of this transaction
    db.session.commit()
    security_event("password_changed", account, where=where)
    if not keep_this_session:
        end_sessions_of(account.id)
    forgive_sign_in_failures(f"nir:{account.nir}" if account.nir
                             else f"pid:{account.provisional_id}")


def _dummy_hash() -> str:
    # Checked when no account matches, so that unknown numbers take as long as known ones
    # (made with the same parameters as real hashes).
    return _dummy_for(*_parameters())


@lru_cache(maxsize=8)
def _dummy_for(memory_kib: int, time_cost: int, parallelism: int) -> str:
    return _hasher_for(memory_kib, time_cost, parallelism).hash("not-a-real-password")


def find_account(**identifier: str) -> Account | None:
    """The account with this nir=… or provisional_id=…, if any."""
    return db.session.execute(db.select(Account).filter_by(**identifier)).scalar_one_or_none()


def authenticate(password: str, **identifier: str) -> Account | None:
    """The account if the identifier (nir=… or provisional_id=…) and password match and may
    sign in; None otherwise.

    The same work is done whether or not the account exists, so the answer time does
    not tell a stranger which numbers have an account.
    """
    password = password[:MAX_PASSWORD]
    account = find_account(**identifier)
    if account is None:
        verify_password(_dummy_hash(), password)
        return None
    if not password_matches(account, password):
        return None
    if not password_may_sign_in(account.password_is_legacy, account.journey_state):
        return None
    if needs_rehash(account.password_hash):
        # An old scrypt hash (or old parameters): made again now that we hold the right
        # password, committed with this sign-in.
        old_scheme = (account.password_hash.split(":", 1)[0]
                      if account.password_hash.startswith(LEGACY_PREFIXES) else "argon2id")
        account.password_hash = hash_password(password)
        db.session.commit()
        security_event("password_rehashed", account, old=old_scheme)
    return account


def get_account(account_id: int | None) -> Account | None:
    return db.session.get(Account, account_id) if account_id else None


def step_of(account: Account) -> Step:
    """Where this person must be in the first-login journey."""
    return current_step(account.journey_state, account.cgu_version)


def link_franceconnect(account: Account, sub: str) -> bool:
    """Link a FranceConnect identity to the account, unless another account already has it."""
    other = find_account(franceconnect_sub=sub)
    if other is not None and other.id != account.id:
        return False
    account.franceconnect_sub = sub
    db.session.commit()
    return True
