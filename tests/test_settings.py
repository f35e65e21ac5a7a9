"""Settings: development defaults; production refuses to start with dangerous ones. Each
refusal is one test, tried the way an operator would get it wrong."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from flask_helpers import SESSION_COOKIE, fresh_database, set_cookie_headers

ROOT = Path(__file__).resolve().parent.parent
LONG_SECRET = secrets.token_urlsafe(32)
ENV_VARS = ("APP_ENV", "SECRET_KEY", "SESSION_COOKIE_SECURE", "DEV_TOOLS", "DATABASE_URL",
            "SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "MAIL_BACKEND", "SMS_BACKEND", "PUBLIC_URL",
            "RATELIMIT_STORAGE_URI", "WEB_CONCURRENCY", "WORKER_PROCESSES", "SMTP_HOST",
            "SMTP_STARTTLS", "FRANCECONNECT_ISSUER", "FRANCECONNECT_REDIRECT_URI",
            "FRANCECONNECT_CLIENT_SECRET", "VOICE_GATEWAY_URL", "VOICE_GATEWAY_TOKEN", "QUEUE_URI")
# Everything production needs, right: each test below changes one thing.
GOOD = {"APP_ENV": "production", "SECRET_KEY": LONG_SECRET,
        "SMS_GATEWAY_URL": "https://sms.invalid/send", "SMS_GATEWAY_TOKEN": "gateway-token",
        "SMTP_HOST": "smtp.invalid", "SMTP_STARTTLS": True,
        "PUBLIC_URL": "https://moncompte.example"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def production(tmp_path, **config):
    from app import create_app

    settings = dict(GOOD, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db")
    settings.update(config)
    return create_app({k: v for k, v in settings.items() if v is not None})


def refused(tmp_path, match: str, **config) -> str:
    from services.config import ConfigError

    with pytest.raises(ConfigError, match=match) as raised:
        production(tmp_path, **config)
    return str(raised.value)


def test_the_good_production_settings_start(tmp_path):
    app = production(tmp_path)
    assert app.config["APP_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEV_TOOLS"] is False


# --- APP_ENV: exactly one of three -------------------------------------------------------

@pytest.mark.parametrize("value", ["prod", "Production", " production", "production ",
                                   "PRODUCTION", "dev", ""])
def test_app_env_other_than_the_three_words_refuses_to_start(tmp_path, monkeypatch, value):
    from app import create_app
    from services.config import ConfigError

    monkeypatch.setenv("APP_ENV", value)
    with pytest.raises(ConfigError, match="APP_ENV must be exactly one of"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


@pytest.mark.parametrize("value", ["development", "test"])
def test_app_env_development_and_test_start(tmp_path, monkeypatch, value):
    from app import create_app

    monkeypatch.setenv("APP_ENV", value)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["APP_ENV"] == value


# --- the secret --------------------------------------------------------------------------

def test_production_refuses_the_development_secret(tmp_path):
    from services.config import DEV_SECRET

    refused(tmp_path, "known, public value", SECRET_KEY=DEV_SECRET)


def test_production_refuses_no_secret_at_all(tmp_path):
    refused(tmp_path, "known, public value", SECRET_KEY=None)


def test_production_refuses_a_short_secret(tmp_path):
    refused(tmp_path, "fewer than 128", SECRET_KEY="short-secret-value")


@pytest.mark.parametrize("weak", ["a" * 32, "a" * 200, "p" * 40, "abcdefgh" * 4,
                                  "0123456789" * 3, "k" * 20 + "Zq7" * 6 + "xy"])
def test_production_refuses_a_long_secret_with_little_chance_in_it(tmp_path, weak):
    refused(tmp_path, "fewer than 128", SECRET_KEY=weak)


@pytest.mark.parametrize("known", ["changeme", "secret", "dev-client-secret", "CHANGEME"])
def test_production_refuses_a_known_secret(tmp_path, known):
    refused(tmp_path, "known, public value", SECRET_KEY=known)


@pytest.mark.parametrize("good", [secrets.token_hex(16), secrets.token_hex(32),
                                  secrets.token_urlsafe(32), secrets.token_urlsafe(64)])
def test_random_secrets_of_128_bits_or_more_are_accepted(tmp_path, good):
    assert production(tmp_path, SECRET_KEY=good).config["SECRET_KEY"] == good


def test_production_refuses_the_secret_from_the_environment_too(tmp_path, monkeypatch):
    from app import create_app
    from services.config import DEV_SECRET, ConfigError

    for name, value in GOOD.items():
        monkeypatch.setenv(name, str(value) if value is not True else "1")
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET)
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.db"})


# --- cookies and the outbox ----------------------------------------------------------------

def test_production_refuses_cookies_without_secure(tmp_path):
    refused(tmp_path, "SESSION_COOKIE_SECURE", SESSION_COOKIE_SECURE=False)


def test_production_refuses_the_outbox(tmp_path):
    refused(tmp_path, "outbox", MAIL_BACKEND="outbox")


# --- limits shared by every process ----------------------------------------------------------

def test_production_refuses_memory_limits_with_several_worker_processes(tmp_path):
    message = refused(tmp_path, "memory://", WORKER_PROCESSES=4)
    assert "redis://" in message and "WEB_CONCURRENCY=1" in message  # how to fix it


def test_web_concurrency_counts_as_the_worker_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    refused(tmp_path, "memory://")


def test_memory_limits_with_one_worker_or_redis_with_several_start(tmp_path):
    assert production(tmp_path, WORKER_PROCESSES=1)
    assert production(tmp_path, WORKER_PROCESSES=4,
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                      QUEUE_URI=f"sqlite:///{tmp_path}/queue.db")


def gunicorn_start(tmp_path, **env) -> subprocess.CompletedProcess:
    """gunicorn with the project's gunicorn.conf.py, as production starts it."""
    base = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    base.update({k: ("1" if v is True else str(v)) for k, v in GOOD.items()})
    base.update(DATABASE_URL=f"sqlite:///{tmp_path}/g.db", GUNICORN_BIND="127.0.0.1:0",
                QUEUE_URI=f"sqlite:///{tmp_path}/q.db")
    base.update(env)
    return subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                           "app:create_app()"], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=60)


def test_gunicorn_with_four_workers_and_memory_limits_refuses_before_any_worker(tmp_path):
    done = gunicorn_start(tmp_path, WEB_CONCURRENCY="4")
    assert done.returncode != 0
    assert "Refusing to start" in done.stderr and "RATELIMIT_STORAGE_URI" in done.stderr
    assert "Booting worker" not in done.stderr


# --- messages -----------------------------------------------------------------------------

def test_production_refuses_to_start_without_an_sms_gateway(tmp_path):
    refused(tmp_path, "SMS_GATEWAY_URL", SMS_GATEWAY_URL="")


def test_production_refuses_an_http_sms_gateway(tmp_path):
    refused(tmp_path, "SMS_GATEWAY_URL must be https", SMS_GATEWAY_URL="http://sms.example/send")


def test_an_http_relay_on_this_host_is_accepted(tmp_path):
    assert production(tmp_path, SMS_GATEWAY_URL="http://127.0.0.1:8025/sms")


@pytest.mark.parametrize("token", ["", "   "])
def test_production_refuses_an_empty_gateway_token(tmp_path, token):
    refused(tmp_path, "SMS_GATEWAY_TOKEN", SMS_GATEWAY_TOKEN=token)


def test_production_refuses_an_http_voice_gateway(tmp_path):
    refused(tmp_path, "VOICE_GATEWAY_URL must be https", VOICE_GATEWAY_URL="http://voice.example",
            VOICE_GATEWAY_TOKEN="t")


def test_production_refuses_a_voice_gateway_without_token(tmp_path):
    refused(tmp_path, "VOICE_GATEWAY_TOKEN", VOICE_GATEWAY_URL="https://voice.example/call")


def test_production_refuses_smtp_without_starttls_to_another_host(tmp_path):
    refused(tmp_path, "SMTP_STARTTLS", SMTP_STARTTLS=False, SMTP_HOST="smtp.example")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_smtp_without_starttls_to_this_host_is_accepted(tmp_path, host):
    assert production(tmp_path, SMTP_STARTTLS=False, SMTP_HOST=host)


# --- addresses --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["", "http://moncompte.example", "moncompte.example"])
def test_production_refuses_a_missing_or_plain_public_url(tmp_path, url):
    refused(tmp_path, "PUBLIC_URL", PUBLIC_URL=url)


def test_absolute_urls_come_from_public_url_never_the_host_header(tmp_path, template_db):
    from services.web import absolute_url

    db_file = str(fresh_database(tmp_path, template_db, "prod.db"))
    app = production(tmp_path, SQLALCHEMY_DATABASE_URI=db_file if "://" in db_file
                     else f"sqlite:///{db_file}")
    with app.test_request_context("/", base_url="https://evil.example"):
        assert absolute_url("pages.check_attestation") == \
            "https://moncompte.example/verifier-une-attestation"


def test_production_refuses_franceconnect_without_redirect_uri(tmp_path):
    refused(tmp_path, "FRANCECONNECT_REDIRECT_URI",
            FRANCECONNECT_ISSUER="https://fcp.integ01.dev-franceconnect.fr/api/v2",
            FRANCECONNECT_CLIENT_SECRET="s" * 10)


def test_production_refuses_franceconnect_without_client_secret(tmp_path):
    refused(tmp_path, "FRANCECONNECT_CLIENT_SECRET",
            FRANCECONNECT_ISSUER="https://fcp.integ01.dev-franceconnect.fr/api/v2",
            FRANCECONNECT_CLIENT_SECRET="",
            FRANCECONNECT_REDIRECT_URI="https://moncompte.example/franceconnect/retour")


def test_production_refuses_a_plain_http_franceconnect_issuer(tmp_path):
    refused(tmp_path, "FRANCECONNECT_ISSUER must be https",
            FRANCECONNECT_ISSUER="http://fc.example", FRANCECONNECT_CLIENT_SECRET="s" * 10,
            FRANCECONNECT_REDIRECT_URI="https://moncompte.example/franceconnect/retour")


# --- what production gives, and development --------------------------------------------------

def test_production_starts_with_a_long_secret_and_secure_cookies(tmp_path, template_db):
    db_file = str(fresh_database(tmp_path, template_db, "prod.db"))
    app = production(tmp_path, SQLALCHEMY_DATABASE_URI=db_file if "://" in db_file
                     else f"sqlite:///{db_file}")
    response = app.test_client().get("/connexion", base_url="https://localhost")
    assert response.status_code == 200
    headers = set_cookie_headers(response, SESSION_COOKIE)
    assert headers and "Secure" in headers[0] and "HttpOnly" in headers[0]


def test_production_environment_variable_makes_cookies_secure_by_default(tmp_path, monkeypatch):
    from app import create_app

    for name, value in GOOD.items():
        monkeypatch.setenv(name, "1" if value is True else str(value))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.db"})
    assert app.config["APP_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_defaults(tmp_path):
    from app import create_app
    from services.config import DEV_SECRET

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.db"})
    assert app.config["APP_ENV"] == "development"
    assert app.config["SECRET_KEY"] == DEV_SECRET
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/from-env.db")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/from-env.db"
