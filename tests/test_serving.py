"""Issue 8 (serving): the health endpoint, HSTS over HTTPS, the gunicorn settings."""
from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from app import create_app
from flask_helpers import TEST_REDIS_URL

ROOT = Path(__file__).resolve().parent.parent


def test_health_says_ok_when_the_database_and_limits_answer(client) -> None:
    response = client.get("/sante")
    assert response.status_code == 200
    # With the sessions in Redis (TEST_REDIS_URL), their store is checked too.
    sessions = {"sessions": "ok"} if TEST_REDIS_URL else {}
    assert response.get_json() == {"status": "ok", "database": "ok", "rate_limits": "ok", **sessions}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_says_down_with_a_503_when_the_database_is_gone(tmp_path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "t",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/t.db"})
    response = app.test_client().get("/sante")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"
    assert response.get_json()["status"] == "down"


def test_health_is_never_rate_limited(client) -> None:
    assert all(client.get("/sante").status_code == 200 for _ in range(80))


def test_hsts_only_over_https(app) -> None:
    plain = app.test_client().get("/connexion")
    assert "Strict-Transport-Security" not in plain.headers
    secure = app.test_client().get("/connexion", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_hsts_behind_the_trusted_proxy(tmp_path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "TRUSTED_PROXIES": 1,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db"})
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("env, expected", [
    ({}, {"bind": "127.0.0.1:8000", "threads": 4, "worker_class": "gthread", "accesslog": None}),
    ({"WEB_CONCURRENCY": "4", "GUNICORN_THREADS": "8", "GUNICORN_BIND": "0.0.0.0:9000"},
     {"workers": 4, "threads": 8, "bind": "0.0.0.0:9000"}),
])
def test_gunicorn_settings_come_from_the_environment(monkeypatch, env, expected) -> None:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    for key, value in expected.items():
        assert settings[key] == value
    assert 1 <= settings["workers"] <= 8


def test_a_bad_body_never_switches_the_limits_to_their_memory_fallback(app, client) -> None:
    """Flask-Limiter takes any exception raised while it counts for a dead store and goes
    on in this process's memory (per worker: an attacker could then spread his tries).
    A body too long or bad JSON is refused before the limits read the form."""
    from services.limiter import limiter

    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    huge = client.post("/connexion", data={"nir": "1" * 70_000, "password": "x"})
    assert huge.status_code == 413
    bad_json = client.post("/connexion", data=b"{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert limiter._storage_dead is False
    # The contact step's code limit reads the form (Flask-WTF takes a JSON body as the form).
    from datetime import datetime

    from domain.journey import CGU_VERSION
    from flask_helpers import VERONIQUE_NIR, VERONIQUE_PASSWORD, sign_in, update_account

    update_account(app, VERONIQUE_NIR, journey_state="contact", cgu_version=CGU_VERSION,
                   cgu_accepted_at=datetime(2026, 11, 2))
    sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    answer = client.post("/premiere-connexion/coordonnees", data=b"{not json",
                         content_type="application/json")
    assert answer.status_code == 400
    assert limiter._storage_dead is False


def test_a_database_that_does_not_answer_gets_a_503_page_not_a_500(tmp_path, capsys) -> None:
    import json

    from flask_helpers import KARIM_NIR, KARIM_PASSWORD, csrf_from

    app = create_app({"TESTING": True, "SECRET_KEY": "t",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/t.db"})
    client = app.test_client()
    # The sign-in page needs no database; its form does.
    token = csrf_from(client.get("/connexion"))
    response = client.post("/connexion", data={"csrf_token": token, "nir": KARIM_NIR,
                                               "password": KARIM_PASSWORD})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    text = response.get_data(as_text=True)
    assert "Ce n'est pas de votre faute" in text and "Essayez à nouveau" in text
    events = [json.loads(line)["event"] for line in capsys.readouterr().err.splitlines()
              if line.startswith("{")]
    assert "database_unavailable" in events


def test_a_database_lost_while_saving_the_session_gets_a_503_too(app, monkeypatch) -> None:
    # make load restarts PostgreSQL: a sign-in whose password was right, but whose session
    # could not be written after the page was made, must say «try again», not «bug».
    from sqlalchemy.exc import OperationalError

    from flask_helpers import KARIM_NIR, KARIM_PASSWORD, get_csrf

    store, failures = app.session_interface.store, []
    real_put = store.put

    def gone_once(*args, **kwargs):
        if not failures:  # the database comes back at once
            failures.append(1)
            raise OperationalError("INSERT INTO web_session …", {}, Exception("terminating"))
        return real_put(*args, **kwargs)

    monkeypatch.setattr(store, "put", gone_once)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production (TESTING turns it on)
    client = app.test_client()
    token = get_csrf(client)
    form = {"csrf_token": token, "nir": KARIM_NIR, "password": KARIM_PASSWORD}
    response = client.post("/connexion", data=form)
    assert response.status_code == 503
    assert "Location" not in response.headers
    assert "Essayez à nouveau" in response.get_data(as_text=True)
    # Nothing half-saved: pressing again with the same page works.
    response = client.post("/connexion", data=form)
    assert response.status_code == 303
