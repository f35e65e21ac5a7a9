"""Passwords with Argon2id (issue 15, item 4): new hashes at OWASP's parameters or
stronger; a scrypt hash of before is replaced at the next successful sign-in, in the same
transaction; a wrong password changes nothing."""
from __future__ import annotations

import time

import pytest
from werkzeug.security import generate_password_hash

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, account_row, app_on_copy, sign_in,
                           update_account)

OWASP_MIN = {"m": 19456, "t": 2, "p": 1}
# The production parameters (the other tests use cheaper ones: flask_helpers.BASE_CONFIG).
REAL_COST = {"ARGON2_MEMORY_KIB": 19456, "ARGON2_TIME_COST": 2, "ARGON2_PARALLELISM": 1}


@pytest.fixture
def app(tmp_path, template_db):
    yield from app_on_copy(tmp_path, template_db, "hashing.db", **REAL_COST)


@pytest.fixture
def client(app):
    return app.test_client()


def parameters(stored: str) -> dict[str, int]:
    assert stored.startswith("$argon2id$v=19$"), stored
    fields = stored.split("$")[3]
    return {k: int(v) for k, v in (part.split("=") for part in fields.split(","))}


def test_new_hashes_are_argon2id_at_owasps_minimum_or_stronger(app):
    from services.accounts import hash_password

    with app.app_context():
        stored = hash_password("Soleil2Mars")
    found = parameters(stored)
    assert found["m"] >= OWASP_MIN["m"] and found["t"] >= OWASP_MIN["t"]
    assert found["p"] >= OWASP_MIN["p"]
    salt, digest = stored.split("$")[4:6]
    assert len(salt) >= 22 and len(digest) >= 43  # 16-byte salt, 32-byte hash (base64)


def test_the_default_parameters_are_owasps_in_every_environment(tmp_path):
    from services.config import settings_from_env

    for env in ("development", "test", "production"):
        config = settings_from_env(str(tmp_path), env)
        assert (config["ARGON2_MEMORY_KIB"], config["ARGON2_TIME_COST"],
                config["ARGON2_PARALLELISM"]) == (19456, 2, 1), env


def test_the_demo_accounts_are_stored_with_argon2id(app):
    assert account_row(app, KARIM_NIR).password_hash.startswith("$argon2id$")


def test_an_argon2id_hash_of_cheaper_parameters_is_made_again_at_real_cost(app, client):
    """The tests' template hashes are cheap: signing in under production parameters
    brings them up to those."""
    assert parameters(account_row(app, KARIM_NIR).password_hash)["m"] < OWASP_MIN["m"]
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    assert parameters(account_row(app, KARIM_NIR).password_hash) == OWASP_MIN


def test_an_old_scrypt_hash_is_replaced_at_the_next_sign_in(app, client):
    old = generate_password_hash(KARIM_PASSWORD, method="scrypt:32768:8:1")
    update_account(app, KARIM_NIR, password_hash=old)

    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert response.status_code == 303
    assert client.get("/mon-compte").status_code == 200
    stored = account_row(app, KARIM_NIR).password_hash
    assert stored != old and parameters(stored)["m"] >= OWASP_MIN["m"]

    # The new hash works for the next sign-in, and is not made again.
    client2 = app.test_client()
    assert sign_in(client2, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    assert account_row(app, KARIM_NIR).password_hash == stored


def test_a_wrong_password_leaves_the_old_hash_as_it_was(app, client):
    old = generate_password_hash(KARIM_PASSWORD, method="scrypt:32768:8:1")
    update_account(app, KARIM_NIR, password_hash=old)
    assert sign_in(client, KARIM_NIR, "PasLeBon123").status_code == 401
    assert account_row(app, KARIM_NIR).password_hash == old


def test_a_hash_with_weaker_argon2_parameters_is_made_again(app, client):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(KARIM_PASSWORD)
    update_account(app, KARIM_NIR, password_hash=weak)
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    assert parameters(account_row(app, KARIM_NIR).password_hash)["m"] == OWASP_MIN["m"]


@pytest.mark.parametrize("garbage", ["", "not-a-hash", "$argon2id$v=19$m=1$broken",
                                     "scrypt:1:1:1$x$y"])
def test_a_broken_stored_hash_is_a_wrong_password_never_a_500(app, client, garbage):
    update_account(app, KARIM_NIR, password_hash=garbage)
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 401


def test_checking_costs_what_owasp_asks_not_more_than_a_tenth_of_a_second(app):
    from services.accounts import verify_password, hash_password

    with app.app_context():
        stored = hash_password("Soleil2Mars")
        started = time.perf_counter()
        assert verify_password(stored, "Soleil2Mars")
        spent = time.perf_counter() - started
    assert 0.005 < spent < 0.5, spent  # ~25 ms here: slow for a guesser, quick for a person
