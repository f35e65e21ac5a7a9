"""Issue 8: when Redis stops, the app keeps serving and nobody loses a step.

The limits count in this process's memory (Flask-Limiter's fallback, and the same for the
counters the app keeps there itself), the sessions are read from and written to the
database, and both say so once in the logs, as JSON lines. These tests point the app at a
Redis that does not answer (a closed port on loopback), so they run without one; with
TEST_REDIS_URL, a real Redis also comes back and the session store forgets what it could
not update meanwhile.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from flask_helpers import (KARIM_NIR, TEST_REDIS_URL, VERONIQUE_NIR, VERONIQUE_PASSWORD,
                           account_row, fresh_database, get_csrf, make_app,
                           session_rows, sign_in)

GONE = "redis://127.0.0.1:1/0"  # nothing listens on port 1
NEW_PASSWORD = "Soleil2Marche7"
MAIL = "veronique.f@example.org"


@pytest.fixture
def limiter_state():
    """The limiter is one object for every app of the process: its fallback flag must not
    leak into the next test."""
    from services.limiter import limiter

    yield limiter
    limiter._storage_dead = False
    if getattr(limiter, "_fallback_storage", None) is not None:
        limiter._fallback_storage.reset()


@pytest.fixture
def app_without_redis(tmp_path, template_db, limiter_state):
    from services.database import db

    app = make_app(fresh_database(tmp_path, template_db), RATELIMIT_STORAGE_URI=GONE)
    yield app
    with app.app_context():
        db.engine.dispose()


def log_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def post(client, url: str, data: dict):
    return client.post(url, data=dict(data, csrf_token=get_csrf(client, url)))


def test_a_whole_first_login_works_while_redis_is_down(app_without_redis, capsys) -> None:
    app, client = app_without_redis, app_without_redis.test_client()
    assert client.get("/connexion").status_code == 200
    response = sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    assert response.headers["Location"] == "/premiere-connexion/conditions"
    response = post(client, "/premiere-connexion/conditions", {"accept": "y"})
    assert response.headers["Location"] == "/premiere-connexion/mot-de-passe"
    response = post(client, "/premiere-connexion/mot-de-passe",
                    {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.headers["Location"] == "/premiere-connexion/coordonnees"
    response = post(client, "/premiere-connexion/coordonnees",
                    {"mobile": "", "other_phone": "", "email": MAIL, "channel": "mail"})
    assert response.headers["Location"] == "/premiere-connexion/code"
    body = client.get("/dev/messages.json").get_json()[0]["body"]
    code = re.search(r"\b(\d{6})\b", body).group(1)
    response = post(client, "/premiere-connexion/code", {"code": code})
    assert response.headers["Location"] == "/mon-compte"
    assert "VERONIQUE F." in client.get("/mon-compte").get_data(as_text=True)

    row = account_row(app, VERONIQUE_NIR)
    assert row.journey_state == "done" and row.email == MAIL
    # The session lives in the database, where the next process will find it.
    rows = session_rows(app)
    assert len(rows) == 1 and rows[0][1] == row.id

    events = [line["event"] for line in log_lines(capsys.readouterr().err)]
    # Each store says it once, as a JSON line, and then serves without a word.
    assert events.count("rate_limit_storage_fallback") == 1
    assert events.count("session_store_fallback") == 1
    assert "library" not in events


def test_a_session_written_before_redis_stopped_is_still_there(tmp_path, template_db,
                                                                limiter_state) -> None:
    # Written through to the database: Redis stopping signs nobody out.
    from services.database import db

    db_file = fresh_database(tmp_path, template_db)
    first = make_app(db_file)  # sessions in the database only
    client = first.test_client()
    assert sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD).status_code == 303
    with first.app_context():
        db.engine.dispose()
    second = make_app(db_file, RATELIMIT_STORAGE_URI=GONE)
    response = client.get("/premiere-connexion/conditions")
    assert response.status_code == 200
    with second.app_context():
        db.engine.dispose()


def test_the_limits_still_hold_in_memory(app_without_redis) -> None:
    client = app_without_redis.test_client()
    statuses = [sign_in(client, KARIM_NIR, "PasLeBon123").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_a_forgotten_password_request_works_while_redis_is_down(app_without_redis) -> None:
    # An unknown number follows the decoy, whose state is kept with the limits.
    client = app_without_redis.test_client()
    for nir in ("1990175123456", KARIM_NIR):
        client = app_without_redis.test_client()
        response = post(client, "/mot-de-passe-oublie", {"nir": nir})
        assert response.headers["Location"].endswith("/mot-de-passe-oublie/code")
        response = post(client, "/mot-de-passe-oublie/code", {"code": "000000"})
        assert response.status_code == 400
        assert "pas le bon" in response.get_data(as_text=True)


def test_health_says_degraded_but_ready(app_without_redis) -> None:
    response = app_without_redis.test_client().get("/sante")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok",
                                   "rate_limits": "down", "sessions": "down"}


def test_a_failed_csrf_check_does_not_care_where_the_limits_are(app_without_redis) -> None:
    client = app_without_redis.test_client()
    client.get("/connexion")
    response = client.post("/connexion", data={"csrf_token": "forged", "nir": KARIM_NIR,
                                               "password": "x"})
    assert response.status_code == 400
    assert session_rows(app_without_redis) == []


needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL not set")


@needs_redis
def test_the_session_store_forgets_in_redis_what_it_wrote_while_redis_was_down(app) -> None:
    import redis

    from services.database import db
    from services.models import utcnow
    from services.sessions import LayeredStore, SessionRecord

    with app.app_context():
        store = LayeredStore(TEST_REDIS_URL, timedelta(minutes=30))
        digest = "d" * 64
        store.put(digest, SessionRecord('{"step": 1}', None, utcnow()), store.idle)
        db.session.commit()
        assert store.redis.get(digest).data == '{"step": 1}'

        working = store.redis.redis
        store.redis.redis = redis.Redis.from_url(GONE, socket_connect_timeout=1)
        store.put(digest, SessionRecord('{"step": 2}', None, utcnow()), store.idle)
        db.session.commit()
        assert store.get(digest).data == '{"step": 2}'  # from the database
        store.redis.redis = working
        # Redis still holds step 1: the store tries Redis again after RETRY_SECONDS,
        # removes the stale copy first, then reads the database's and puts it back.
        store._down_until = 0
        assert store.get(digest).data == '{"step": 2}'
        assert store.redis.get(digest).data == '{"step": 2}'
        store.delete(digest)
        db.session.commit()


def test_a_failure_after_a_right_code_keeps_the_code_usable(app, monkeypatch) -> None:
    # The code is marked used in the same transaction as the step it opens: a database
    # that fails in between (make load restarts PostgreSQL) leaves the code good to type
    # again, instead of «code déjà utilisé» and a new code to ask for.
    from sqlalchemy.exc import OperationalError

    import blueprints.first_login as first_login

    client = app.test_client()
    assert sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD).status_code == 303
    post(client, "/premiere-connexion/conditions", {"accept": "y"})
    post(client, "/premiere-connexion/mot-de-passe",
         {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    response = post(client, "/premiere-connexion/coordonnees",
                    {"mobile": "", "other_phone": "", "email": MAIL, "channel": "mail"})
    assert response.headers["Location"] == "/premiere-connexion/code"
    body = client.get("/dev/messages.json").get_json()[0]["body"]
    code = re.search(r"\b(\d{6})\b", body).group(1)

    def database_gone(*_args, **_kwargs):
        raise OperationalError("UPDATE account …", {}, Exception("server closed the connection"))

    with monkeypatch.context() as patch:
        patch.setattr(first_login, "_move", database_gone)
        response = post(client, "/premiere-connexion/code", {"code": code})
    assert response.status_code == 503
    response = post(client, "/premiere-connexion/code", {"code": code})
    assert response.headers["Location"] == "/mon-compte"
    assert account_row(app, VERONIQUE_NIR).journey_state == "done"
