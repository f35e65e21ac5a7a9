"""Settings: development defaults; production refuses to start with dangerous ones."""
from __future__ import annotations


import pytest

from flask_helpers import SESSION_COOKIE, fresh_database, set_cookie_headers

LONG_SECRET = "k" * 20 + "Zq7" * 6 + "xy"  # 40 characters
ENV_VARS = ("APP_ENV", "SECRET_KEY", "SESSION_COOKIE_SECURE", "DEV_TOOLS", "DATABASE_URL", "SMS_GATEWAY_URL",
            "MAIL_BACKEND", "SMS_BACKEND")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def production(tmp_path, **config):
    from app import create_app

    settings = {"APP_ENV": "production", "SMS_GATEWAY_URL": "https://sms.invalid/send",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.db"}
    settings.update(config)
    return create_app(settings)


def test_production_refuses_the_development_secret(tmp_path):
    from services.config import DEV_SECRET, ConfigError

    with pytest.raises(ConfigError):
        production(tmp_path)
    with pytest.raises(ConfigError):
        production(tmp_path, SECRET_KEY=DEV_SECRET, SESSION_COOKIE_SECURE=True)


def test_production_refuses_a_short_secret(tmp_path):
    from services.config import ConfigError

    with pytest.raises(ConfigError):
        production(tmp_path, SECRET_KEY="short-secret", SESSION_COOKIE_SECURE=True)


def test_production_refuses_cookies_without_secure(tmp_path):
    from services.config import ConfigError

    with pytest.raises(ConfigError):
        production(tmp_path, SECRET_KEY=LONG_SECRET, SESSION_COOKIE_SECURE=False)


def test_production_refuses_the_secret_from_the_environment_too(tmp_path, monkeypatch):
    from services.config import DEV_SECRET, ConfigError

    monkeypatch.setenv("SECRET_KEY", DEV_SECRET)
    with pytest.raises(ConfigError):
        production(tmp_path, SESSION_COOKIE_SECURE=True)


def test_production_starts_with_a_long_secret_and_secure_cookies(tmp_path, template_db):
    db_file = str(fresh_database(tmp_path, template_db, "prod.db"))
    app = production(tmp_path, SECRET_KEY=LONG_SECRET, SESSION_COOKIE_SECURE=True,
                     SQLALCHEMY_DATABASE_URI=db_file if "://" in db_file else f"sqlite:///{db_file}")
    assert app.config["APP_ENV"] == "production"
    response = app.test_client().get("/connexion", base_url="https://localhost")
    assert response.status_code == 200
    headers = set_cookie_headers(response, SESSION_COOKIE)
    assert headers and "Secure" in headers[0] and "HttpOnly" in headers[0]


def test_production_environment_variable_makes_cookies_secure_by_default(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", LONG_SECRET)
    monkeypatch.setenv("SMS_GATEWAY_URL", "https://sms.invalid/send")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.db"})
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


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/from-env.db")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/from-env.db"


def test_production_refuses_to_start_without_an_sms_gateway(tmp_path):
    from services.config import ConfigError

    with pytest.raises(ConfigError, match="SMS_GATEWAY_URL"):
        production(tmp_path, SECRET_KEY=LONG_SECRET, SESSION_COOKIE_SECURE=True, SMS_GATEWAY_URL="")
