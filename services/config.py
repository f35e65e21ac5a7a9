"""Settings read from the environment, with safe defaults for development."""
from __future__ import annotations

import ipaddress
import math
import os
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from domain.words import say

DEV_SECRET = "dev-secret-not-for-production"
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")
# The only values APP_ENV may take: «prod», «Production» or « production» refuse to start
# rather than run in development mode by accident.
ENVIRONMENTS = ("development", "test", "production")
# Secrets that are public (in this repository, its docs, or any tutorial): refused in
# production whatever their length.
KNOWN_SECRETS = frozenset({
    DEV_SECRET, "dev-client-secret", "changeme", "change-me", "secret", "secret-key",
    "your-secret-key", "please-change-me", "test", "t", "setup", "development",
})
MIN_SECRET_BITS = 128


class ConfigError(RuntimeError):
    """The app refuses to start with a dangerous setting."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(instance_path: str, env: str | None = None) -> dict:
    """Every setting the app reads, with its default for the environment `env`."""
    env = env if env is not None else os.environ.get("APP_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be exactly one of {', '.join(ENVIRONMENTS)} "
                          f"(lower case, no spaces), not {env!r}.")
    production = env == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "moncompte.db")
    limits_uri = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    return {
        "APP_ENV": env,
        # The site's address as people reach it (https://moncompte.caf.fr): every absolute
        # URL (the attestation's check address, FranceConnect's return) is built from it,
        # never from the request's Host header. Required in production.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "" if production else "http://127.0.0.1:5000"),
        # Worker processes serving this app (gunicorn.conf.py sets it from its own count):
        # more than one needs limits in Redis (check_settings).
        "WORKER_PROCESSES": int(os.environ.get("WORKER_PROCESSES")
                                or os.environ.get("WEB_CONCURRENCY") or "1"),
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
        "MAIL_FROM": os.environ.get("MAIL_FROM", f"{say('app.name')} <ne-pas-repondre@localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", production),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
        # The voice-call gateway (issue 17), same rules as the SMS gateway.
        "VOICE_GATEWAY_URL": os.environ.get("VOICE_GATEWAY_URL", ""),
        "VOICE_GATEWAY_TOKEN": os.environ.get("VOICE_GATEWAY_TOKEN", ""),
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
        # Costly pages (a PDF is made for each): statements and attestations, per account
        # and per address (services/limiter.py, blueprints/account).
        "DOCUMENT_LIMIT_PER_ACCOUNT": os.environ.get("DOCUMENT_LIMIT_PER_ACCOUNT", "30 per hour"),
        "DOCUMENT_LIMIT_PER_ADDRESS": os.environ.get("DOCUMENT_LIMIT_PER_ADDRESS", "120 per hour"),
        # Passwords: Argon2id (services/accounts.py); OWASP's minimum is 19 MiB, 2 passes,
        # 1 lane. Old scrypt hashes are replaced at the next successful sign-in.
        "ARGON2_MEMORY_KIB": int(os.environ.get("ARGON2_MEMORY_KIB", "19456")),
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "2")),
        "ARGON2_PARALLELISM": int(os.environ.get("ARGON2_PARALLELISM", "1")),
        # Changing the mobile or the mail asks the password again unless the person signed
        # in less than this many minutes ago.
        "REAUTH_MINUTES": int(os.environ.get("REAUTH_MINUTES", "5")),
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
        # Against a provider that hangs or floods (services/franceconnect.py): seconds to
        # connect and between two bytes, the whole callback's deadline, the largest answer.
        "FRANCECONNECT_CONNECT_TIMEOUT": float(os.environ.get("FRANCECONNECT_CONNECT_TIMEOUT", "3")),
        "FRANCECONNECT_READ_TIMEOUT": float(os.environ.get("FRANCECONNECT_READ_TIMEOUT", "5")),
        "FRANCECONNECT_DEADLINE": float(os.environ.get("FRANCECONNECT_DEADLINE", "10")),
        "FRANCECONNECT_MAX_ANSWER_BYTES": int(os.environ.get("FRANCECONNECT_MAX_ANSWER_BYTES",
                                                             str(64 * 1024))),
        # Hosts besides the issuer's that the provider's endpoints may sit on (comma list).
        "FRANCECONNECT_ALLOWED_HOSTS": os.environ.get("FRANCECONNECT_ALLOWED_HOSTS", ""),
        # The provider's keys are kept this long, and fetched again once if a signature fails.
        "FRANCECONNECT_JWKS_SECONDS": int(os.environ.get("FRANCECONNECT_JWKS_SECONDS", "3600")),
    }


def secret_bits(secret: str) -> float:
    """A cautious estimate of a secret's entropy, in bits: the smallest of
    - its length × log2 of the alphabet its characters come from (hex, letters, digits,
      symbols), what a random string of that alphabet would hold;
    - its length × its Shannon entropy per character × 2 (a repeated «a» holds nothing);
    - its zlib-compressed size × 8 (a repeated pattern compresses away)."""
    if not secret:
        return 0.0
    alphabet = 0
    if set(secret) <= set("0123456789abcdef") or set(secret) <= set("0123456789ABCDEF"):
        alphabet = 16
    else:
        alphabet += 26 if any(c.islower() for c in secret) else 0
        alphabet += 26 if any(c.isupper() for c in secret) else 0
        alphabet += 10 if any(c.isdigit() for c in secret) else 0
        alphabet += 33 if any(not c.isalnum() for c in secret) else 0
    length = len(secret)
    by_alphabet = length * math.log2(max(alphabet, 2))
    counts = Counter(secret)
    shannon = -sum(n / length * math.log2(n / length) for n in counts.values())
    compressed = (len(zlib.compress(secret.encode(), 9)) - 8) * 8
    return max(0.0, min(by_alphabet, length * shannon * 2, compressed))


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_memory(uri: str) -> bool:
    return (uri or "memory://").startswith("memory://")


def check_processes(config: dict, workers: int) -> None:
    """Limits, code counters and the reset decoy must be shared by every worker process."""
    if workers > 1 and _is_memory(config.get("RATELIMIT_STORAGE_URI", "memory://")):
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI is memory:// with {workers} worker processes: each would "
            "count on its own (an attacker gets the limit once per process). Set "
            "RATELIMIT_STORAGE_URI=redis://host:6379/0, or run one worker (WEB_CONCURRENCY=1).")


def check_settings(config: dict) -> None:
    """Refuse to run production with development or unsafe settings: each refusal says
    what is wrong and how to put it right."""
    if config.get("APP_ENV") not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be exactly one of {', '.join(ENVIRONMENTS)}, "
                          f"not {config.get('APP_ENV')!r}.")
    if config.get("APP_ENV") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret.strip().lower() in KNOWN_SECRETS or secret in KNOWN_SECRETS:
        raise ConfigError("SECRET_KEY is a known, public value. Set a random one: "
                          "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'.")
    if secret_bits(secret) < MIN_SECRET_BITS:
        raise ConfigError(f"SECRET_KEY holds about {secret_bits(secret):.0f} bits of chance, "
                          f"fewer than {MIN_SECRET_BITS}. Set a random one: "
                          "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'.")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigError("SESSION_COOKIE_SECURE must be on in production.")
    if config.get("DEV_TOOLS") or "outbox" in (config.get("MAIL_BACKEND"), config.get("SMS_BACKEND")):
        raise ConfigError("The development outbox cannot run in production.")
    check_processes(config, int(config.get("WORKER_PROCESSES") or 1))
    if config.get("QUEUE_URI") == "immediate" and not config.get("TESTING_QUEUE"):
        raise ConfigError("QUEUE_URI=immediate sends inside the request: tests only. "
                          "Use redis://… (or sqlite:///… on one machine) and run the worker.")
    if config.get("SMS_BACKEND") == "http" and not config.get("SMS_GATEWAY_URL"):
        raise ConfigError("SMS_GATEWAY_URL must be set in production.")
    for kind in ("SMS", "VOICE"):
        url = config.get(f"{kind}_GATEWAY_URL") or ""
        if not url:
            continue
        parts = urlsplit(url)
        # http:// only to a relay on this very host (the codes do not leave the machine).
        if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
            raise ConfigError(f"{kind}_GATEWAY_URL must be https:// in production: the "
                              "messages carry codes and the token would travel in clear.")
        if not (config.get(f"{kind}_GATEWAY_TOKEN") or "").strip():
            raise ConfigError(f"{kind}_GATEWAY_TOKEN must be set with {kind}_GATEWAY_URL.")
    if (config.get("MAIL_BACKEND") == "smtp" and not config.get("SMTP_STARTTLS")
            and not _loopback(config.get("SMTP_HOST"))):
        raise ConfigError("SMTP_STARTTLS must be on to send mail to another host "
                          f"({config.get('SMTP_HOST')!r}): the codes would travel in clear. "
                          "Turn it on, or relay through a server on this host (127.0.0.1).")
    public = urlsplit(config.get("PUBLIC_URL") or "")
    if public.scheme != "https" or not public.hostname:
        raise ConfigError("PUBLIC_URL must be set to the site's https:// address in "
                          "production (every absolute URL is built from it, never from "
                          "the request's Host header).")
    if config.get("FRANCECONNECT_ISSUER"):
        if not config.get("FRANCECONNECT_CLIENT_SECRET"):
            raise ConfigError("FRANCECONNECT_CLIENT_SECRET must be set with FRANCECONNECT_ISSUER.")
        if not config.get("FRANCECONNECT_REDIRECT_URI"):
            raise ConfigError("FRANCECONNECT_REDIRECT_URI must be set with FRANCECONNECT_ISSUER "
                              "(the exact address registered at FranceConnect).")
        issuer = urlsplit(config["FRANCECONNECT_ISSUER"])
        if issuer.scheme != "https" and not _loopback(issuer.hostname):
            raise ConfigError("FRANCECONNECT_ISSUER must be https:// in production.")
