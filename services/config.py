"""Settings read from the environment, with safe defaults for development."""
from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET = "dev-secret-not-for-production"
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")


class ConfigError(RuntimeError):
    """The app refuses to start with a dangerous setting."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(instance_path: str, env: str | None = None) -> dict:
    """Every setting the app reads, with its default for the environment `env`."""
    env = env or os.environ.get("APP_ENV", "development")
    production = env == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "moncompte.db")
    limits_uri = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    return {
        "APP_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        # A connection left from before a database restart is tested (and replaced) before
        # use, so requests recover on their own (`make load` restarts PostgreSQL).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Limits, code counters and the password-reset decoy: in this process's memory by
        # default; redis://host:6379/0 so that they hold across processes and hosts.
        "RATELIMIT_STORAGE_URI": limits_uri,
        # If Redis stops, the limits go on in memory (per process) and the log says so.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Server-side sessions: in the database by default, in Redis when the limits are
        # there (or SESSION_STORE_URI=redis://…); SESSION_STORE_URI=database keeps the DB.
        # Empty: follow RATELIMIT_STORAGE_URI (services/sessions.py, session_store_uri).
        "SESSION_STORE_URI": os.environ.get("SESSION_STORE_URI", ""),
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Numbers from journey.md; each can be changed without touching code.
        "LOGIN_LIMIT_PER_NIR": os.environ.get("LOGIN_LIMIT_PER_NIR", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 10 minutes"),
        "REMEMBER_NIR_DAYS": int(os.environ.get("REMEMBER_NIR_DAYS", "395")),  # 13 months
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        # New-device confirmation (issue 8): a sign-in from a device not seen before asks
        # for a code sent to the verified contact. On in production, off in development so
        # that the demo stays simple. A confirmed device is remembered KNOWN_DEVICE_DAYS.
        "NEW_DEVICE_CHECK": _bool("NEW_DEVICE_CHECK", production),
        "KNOWN_DEVICE_DAYS": int(os.environ.get("KNOWN_DEVICE_DAYS", "30")),
        # Number of reverse proxies in front of the app, to read the real client address.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_NAME": "moncompte_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        # The CSRF token lives as long as the server-side session, not a fixed hour.
        "WTF_CSRF_TIME_LIMIT": None,
        # Static files under their hashed name are kept a year (services/web.py); under
        # their plain name (manifest icons), an hour.
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        "SERVER_TIMING": _bool("SERVER_TIMING", False),
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript",
                               "application/javascript", "application/json", "image/svg+xml"],
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "DEV_TOOLS": _bool("DEV_TOOLS", not production),
        # Messages: the outbox in development, SMTP and an HTTP SMS gateway in production.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if production else "outbox"),
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", "http" if production else "outbox"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Mon Compte Caf <ne-pas-repondre@localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", production),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
        # The queue messages leave through (services/queue.py): Redis when the limits are
        # there, else a SQLite file beside the database; `immediate` runs the sending
        # inside the request (tests only). The worker tries MESSAGE_SEND_ATTEMPTS times,
        # MESSAGE_RETRY_SECONDS apart, then twice as long each time.
        "QUEUE_URI": os.environ.get("QUEUE_URI") or (
            limits_uri if limits_uri.startswith(REDIS_SCHEMES)
            else "sqlite:///" + str(Path(instance_path) / "queue.db")),
        "MESSAGE_SEND_ATTEMPTS": int(os.environ.get("MESSAGE_SEND_ATTEMPTS", "3")),
        "MESSAGE_RETRY_SECONDS": float(os.environ.get("MESSAGE_RETRY_SECONDS", "2")),
        "CODE_LIMIT_INTERVAL": os.environ.get("CODE_LIMIT_INTERVAL", "1 per 30 seconds"),
        "CODE_LIMIT_HOURLY": os.environ.get("CODE_LIMIT_HOURLY", "5 per hour"),
        # Forgotten password: requests from one address, and the shortest answer time.
        "RESET_LIMIT_PER_ADDRESS": os.environ.get("RESET_LIMIT_PER_ADDRESS", "30 per hour"),
        "RESET_MIN_SECONDS": float(os.environ.get("RESET_MIN_SECONDS", "0.5")),
        # FranceConnect (OpenID Connect). Development defaults point at the local provider
        # that `make run` starts; production has none until FRANCECONNECT_ISSUER is set.
        "FRANCECONNECT_ISSUER": os.environ.get(
            "FRANCECONNECT_ISSUER", "" if production else "http://127.0.0.1:9400"),
        "FRANCECONNECT_CLIENT_ID": os.environ.get("FRANCECONNECT_CLIENT_ID", "moncompte-caf-dev"),
        "FRANCECONNECT_CLIENT_SECRET": os.environ.get("FRANCECONNECT_CLIENT_SECRET",
                                                      "" if production else "dev-client-secret"),
        "FRANCECONNECT_AUTH_METHOD": os.environ.get("FRANCECONNECT_AUTH_METHOD",
                                                    "client_secret_post"),
        "FRANCECONNECT_ACR_VALUES": os.environ.get("FRANCECONNECT_ACR_VALUES", "eidas1"),
        # Absolute addresses registered at FranceConnect; built from the request if unset.
        "FRANCECONNECT_REDIRECT_URI": os.environ.get("FRANCECONNECT_REDIRECT_URI", ""),
        "FRANCECONNECT_POST_LOGOUT_REDIRECT_URI": os.environ.get(
            "FRANCECONNECT_POST_LOGOUT_REDIRECT_URI", ""),
    }


def check_settings(config: dict) -> None:
    """Refuse to run production with development secrets."""
    if config.get("APP_ENV") == "production":
        if config.get("SECRET_KEY") in (None, "", DEV_SECRET) or len(config["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be set to a long random value in production.")
        if not config.get("SESSION_COOKIE_SECURE"):
            raise ConfigError("SESSION_COOKIE_SECURE must be on in production.")
        if config.get("DEV_TOOLS") or "outbox" in (config.get("MAIL_BACKEND"), config.get("SMS_BACKEND")):
            raise ConfigError("The development outbox cannot run in production.")
        if config.get("QUEUE_URI") == "immediate" and not config.get("TESTING_QUEUE"):
            raise ConfigError("QUEUE_URI=immediate sends inside the request: tests only. "
                              "Use redis://… (or sqlite:///… on one machine) and run the worker.")
        if config.get("SMS_BACKEND") == "http" and not config.get("SMS_GATEWAY_URL"):
            raise ConfigError("SMS_GATEWAY_URL must be set in production.")
        if config.get("FRANCECONNECT_ISSUER") and not config.get("FRANCECONNECT_CLIENT_SECRET"):
            raise ConfigError("FRANCECONNECT_CLIENT_SECRET must be set with FRANCECONNECT_ISSUER.")
