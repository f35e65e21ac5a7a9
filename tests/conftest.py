"""Fixtures for the Flask test-client tests: a fresh app and database per test.

The schema and the demo accounts are made once per test session (the Alembic upgrade
and password hashing are the slow part) into a template SQLite file; each test gets its
own copy, so a test may change the database freely. With TEST_DATABASE_URL (PostgreSQL),
the schema is made once in that database and every table is emptied and refilled from a
snapshot before each test; with TEST_REDIS_URL, the limits and sessions are in Redis,
emptied (FLUSHDB) before each test.

Helpers (read a page, get its CSRF token, sign in) live in flask_helpers.py so that test
modules can import them: e2e/ has a conftest.py of its own, and two modules named
`conftest` cannot both be imported by name.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from flask_helpers import (DEMO_PASSWORDS, FAST_SCRYPT, TEST_DATABASE_URL,  # noqa: F401
                           app_on_copy, flush_redis, fresh_database, get_csrf, make_app, page, reset_schema, sign_in,
                           take_snapshot)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the schema and the demo accounts of journey.md, made once."""
    from services.accounts import hash_password
    from services.database import create_schema, db
    from services.demo import load_demo_data

    if TEST_DATABASE_URL:
        reset_schema(TEST_DATABASE_URL)
        db_file = TEST_DATABASE_URL
    else:
        db_file = tmp_path_factory.mktemp("template") / "template.db"
    app = make_app(db_file)
    with app.app_context():
        create_schema()
        for account in load_demo_data():
            # Same passwords, the tests' cheaper Argon2id parameters (BASE_CONFIG): a
            # sign-in in a test then costs about a millisecond instead of ~30 ms. The real
            # cost of the hashes that the demo-data command makes is checked in test_cli.py.
            account.password_hash = hash_password(
                DEMO_PASSWORDS[account.nir or account.provisional_id])
        db.session.commit()
        db.engine.dispose()
    if TEST_DATABASE_URL:
        take_snapshot(TEST_DATABASE_URL)
    return db_file


@pytest.fixture(autouse=True)
def _empty_redis():
    """With TEST_REDIS_URL: each test starts with no limits, counters or sessions."""
    flush_redis()


@pytest.fixture
def app(tmp_path: Path, template_db: Path):
    """create_app() on a copy of the template database, with the rate limits emptied."""
    yield from app_on_copy(tmp_path, template_db)


@pytest.fixture
def client(app):
    return app.test_client()
