"""Issue 15, item 6: the costly pages (a PDF made for each statement or attestation) are
limited, per account (DOCUMENT_LIMIT_PER_ACCOUNT, 30 per hour) and per address
(DOCUMENT_LIMIT_PER_ADDRESS, 120 per hour), one limit shared by both kinds of document.
The next one gets a 429 page that says how long to wait and keeps the way back to Mon Compte.

The first part plays with the Flask test client; the last one fires requests at once at
gunicorn with 4 workers × 4 threads, the limits in Redis (the stack of
test_attack_concurrency.py), and counts the PDFs made.
"""
from __future__ import annotations

import os
import shutil

import pytest

from flask_helpers import (log_events, KARIM_NIR, KARIM_PASSWORD, TEST_DATABASE_URL, VERONIQUE_NIR, get_csrf,
                           page, sign_in)

HOME = "/mon-compte"
STATEMENT = "/mon-compte/releve.pdf"
ATTESTATIONS = "/mon-compte/attestations"


def words(response) -> str:
    return page(response).text.replace("\u00a0", " ").replace("\u202f", " ")


def attestation_rows(app) -> int:
    from services.database import db
    from services.models import Attestation

    with app.app_context():
        return len(db.session.execute(db.select(Attestation)).scalars().all())


def new_attestation(client):
    return client.post(ATTESTATIONS, data={"csrf_token": get_csrf(client, ATTESTATIONS)})


@pytest.fixture
def karim(client):
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).headers["Location"] == HOME
    return client


@pytest.fixture
def veronique(app):
    """Véronique after her first-login journey, on another browser of the same address."""
    from datetime import datetime

    from werkzeug.security import generate_password_hash

    from domain.journey import CGU_VERSION
    from flask_helpers import FAST_SCRYPT, update_account

    update_account(app, VERONIQUE_NIR, journey_state="done", cgu_version=CGU_VERSION,
                   cgu_accepted_at=datetime(2026, 11, 2), password_is_legacy=False,
                   password_hash=generate_password_hash("Soleil2Marche7", method=FAST_SCRYPT),
                   email="veronique.f@example.org", code_channel="mail",
                   contact_verified_at=datetime(2026, 11, 2))
    client = app.test_client()
    assert sign_in(client, VERONIQUE_NIR, "Soleil2Marche7").headers["Location"] == HOME
    return client


def assert_limit_page(response, per_address: bool) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    p = page(response)
    assert p.title == "Trop de documents demandés – Mon Compte Caf"
    text = words(response)
    if per_address:
        assert "Il y a eu beaucoup de demandes de documents depuis ce lieu." in text
    else:
        assert "Vous avez demandé beaucoup de relevés et d'attestations en peu de temps." in text
    assert "Ensuite, vous pourrez les demander à nouveau." in text
    assert "Attendez " in text and ("minute" in text or "seconde" in text)
    # The way back, and still signed in (the sign-out button of every Mon Compte page).
    assert p.link("Revenir à Mon Compte").get("href") == HOME
    assert p.button("Se déconnecter")


def test_the_31st_statement_of_the_hour_is_a_429_page_with_the_way_back(app, karim, capsys):
    for _ in range(30):
        assert karim.get(STATEMENT).mimetype == "application/pdf"
    response = karim.get(STATEMENT)
    assert_limit_page(response, per_address=False)
    assert karim.get(HOME).status_code == 200  # the rest of Mon Compte still works
    [event] = log_events(capsys, "document_limit")
    assert event["limit"] == "per_account" and "account" in event


def test_statements_and_attestations_share_one_limit_and_a_refused_one_makes_no_row(app, karim):
    for _ in range(20):
        assert karim.get(STATEMENT).status_code == 200
    for _ in range(10):
        assert new_attestation(karim).mimetype == "application/pdf"
    assert attestation_rows(app) == 10
    assert_limit_page(new_attestation(karim), per_address=False)
    assert_limit_page(karim.get(STATEMENT), per_address=False)
    assert attestation_rows(app) == 10


def test_what_made_no_pdf_is_not_counted(app, karim):
    """A wrong period or a missing token makes no PDF: it takes nothing from the limit."""
    for _ in range(40):
        assert karim.get(STATEMENT + "?du=hier&au=demain").status_code == 400
        assert karim.post(ATTESTATIONS, data={}).status_code == 400
    for _ in range(30):
        assert karim.get(STATEMENT).status_code == 200
    assert karim.get(STATEMENT).status_code == 429


def test_a_stranger_is_sent_to_sign_in_and_takes_nothing(app, client, karim):
    stranger = app.test_client()
    for _ in range(40):
        assert stranger.get(STATEMENT).headers["Location"] == "/connexion"
    for _ in range(30):
        assert karim.get(STATEMENT).status_code == 200


def test_the_limit_per_address_counts_two_accounts_together(app, karim, veronique):
    app.config["DOCUMENT_LIMIT_PER_ADDRESS"] = "40 per hour"
    for _ in range(30):
        assert karim.get(STATEMENT).status_code == 200
    for _ in range(10):
        assert new_attestation(veronique).status_code == 200
    # Véronique has made 10 of her 30, but this address has made 40.
    assert_limit_page(veronique.get(STATEMENT), per_address=True)
    assert attestation_rows(app) == 10
    # From another address, she goes on.
    assert veronique.get(STATEMENT, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


def test_the_default_numbers_are_the_settings(app):
    assert app.config["DOCUMENT_LIMIT_PER_ACCOUNT"] == "30 per hour"
    assert app.config["DOCUMENT_LIMIT_PER_ADDRESS"] == "120 per hour"


# --- at once, against gunicorn with several workers and the limits in Redis ------------------

needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None and not os.environ.get("TEST_REDIS_URL"),
                                 reason="needs redis-server (scripts/services.sh installs it)")
# The limits do not depend on the database: the first run (SQLite) checks them, as
# test_attack_concurrency.py does its own.
first_run_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="checked in the first run")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from test_attack_concurrency import Stack

    made = Stack(tmp_path_factory.mktemp("documents"))
    made.env.update({"NEW_DEVICE_CHECK": "0", "DOCUMENT_LIMIT_PER_ACCOUNT": "30 per hour",
                     "DOCUMENT_LIMIT_PER_ADDRESS": "120 per hour"})
    try:
        made.start()
        _accept_cgu(made)
        yield made
    finally:
        made.close()


def _accept_cgu(stack) -> None:
    """The stack's test people have done their journey but not read the current CGU."""
    from sqlalchemy import create_engine, text

    from domain.journey import CGU_VERSION

    engine = create_engine(stack.db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE account SET cgu_version = :v, cgu_accepted_at = CURRENT_TIMESTAMP"
                          " WHERE journey_state = 'done'"), {"v": CGU_VERSION})
    engine.dispose()


def signed_in(stack, n: int):
    """Test person n of the stack (Karim's password), signed in on a browser of their own."""
    from test_attack_concurrency import Browser, person

    browser = Browser(stack.base)
    answer = browser.go("POST", "/connexion", data={"csrf_token": browser.csrf("/connexion"),
                                                    "nir": person(n)[0], "password": KARIM_PASSWORD})
    assert (answer.status_code, answer.headers["Location"]) == (303, HOME), answer.status_code
    return browser


def forget_document_limits(stack) -> None:
    with stack.redis() as client:
        for key in client.scan_iter("LIMITS:*documents*"):
            client.delete(key)


def window(stack, spec: str, key: str, scope: str) -> int:
    """How many slots that limit's moving window holds now, read in Redis."""
    from limits import parse

    with stack.redis() as client:
        return client.llen("LIMITS:" + parse(spec).key_for(key, scope))


@needs_redis
@first_run_only
def test_45_documents_asked_at_once_by_one_account_make_exactly_30(stack, capsys):
    from test_attack_concurrency import at_once, person

    forget_document_limits(stack)
    browser = signed_in(stack, 0)
    token = browser.csrf(ATTESTATIONS)

    def ask(i: int):
        answer = (browser.go("GET", STATEMENT) if i % 3 else
                  browser.go("POST", ATTESTATIONS, data={"csrf_token": token}))
        return i % 3 == 0, answer.status_code, answer.headers.get("Content-Type", "")

    answers = at_once(45, ask)
    statuses = sorted(status for _, status, _ in answers)
    made = [kind for kind, status, ctype in answers if status == 200 and ctype == "application/pdf"]
    assert statuses == [200] * 30 + [429] * 15, statuses
    assert len(made) == 30
    # Only the attestations that were made are in the database.
    [(account_id,)] = stack.sql("SELECT id FROM account WHERE nir = :nir", nir=person(0)[0][:13])
    [(rows,)] = stack.sql("SELECT count(*) FROM attestation WHERE account_id = :id", id=account_id)
    assert rows == sum(made)
    assert window(stack, "30 per hour", f"account:{account_id}", "documents") == 30
    # The 15 refused by the account's limit gave back the address's slot they had taken.
    assert window(stack, "120 per hour", "127.0.0.1", "documents-address") == 30
    print(f"one account, 45 at once: {statuses.count(200)} × 200, {statuses.count(429)} × 429")


@needs_redis
@first_run_only
def test_150_documents_asked_at_once_by_five_accounts_of_one_address_make_exactly_120(stack):
    from test_attack_concurrency import at_once

    forget_document_limits(stack)
    browsers = [signed_in(stack, 10 + n) for n in range(5)]
    answers = at_once(150, lambda i: browsers[i % 5].go("GET", STATEMENT).status_code)
    assert sorted(answers) == [200] * 120 + [429] * 30, sorted(answers)
    assert window(stack, "120 per hour", "127.0.0.1", "documents-address") == 120
    print(f"five accounts, 150 at once: {answers.count(200)} × 200, {answers.count(429)} × 429")
