"""Finding and checking accounts in the database."""
from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from domain.accounts import MAX_PASSWORD, password_may_sign_in
from domain.journey import Step, current_step
from services.database import db
from services.models import Account

# scrypt with N = 2^15, r = 8, p = 1 (werkzeug's default today, written out so that an
# upgrade cannot change it unseen; the README states it). Hashes made with other
# parameters still verify: werkzeug reads them from the hash.
HASH_METHOD = "scrypt:32768:8:1"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checked when no account matches, so that unknown numbers take as long as known ones.
    return hash_password("not-a-real-password")


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
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(account.password_hash, password):
        return None
    if not password_may_sign_in(account.password_is_legacy, account.journey_state):
        return None
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
