"""Structured logs: one JSON line per request and per security event, on stderr.

Two kinds of lines, both from the logger «moncompte»:

- `event="request"`: one per page, fragment or redirect (method, path, endpoint, status,
  duration_ms, bytes, request_id, client);
- security events, written by `security_event()` where the thing happens: sign-ins,
  locks, codes, password changes, resets, sign-outs, FranceConnect.

No personal data leaves in clear. An identifier (NIR or provisional identifier) is
written as `who`, the first 16 hex digits of an HMAC-SHA256 under a key derived from
SECRET_KEY: stable, so an operator can follow one account's events, and useless
without the key (a bare hash of a NIR could be reversed by trying every NIR). The client
address is written the same way as `client` (with a key of its own: there are only 2³²
IPv4 addresses). Changing SECRET_KEY changes every pseudonym.

The account's database id is written in clear as `account`: an integer the database
hands out, which says nothing of the person without the database; whoever can read the
database already reads the person's data there. It lets an operator go from a log line
to the row in an incident, which `who` alone would only allow with the key.

Never written: NIR, provisional identifier, phone, mail, name, password, code, token,
cookie, CSRF token, IP address, query string (it can carry an attestation reference),
the FranceConnect `sub`. A route's variable parts (the reset token) are written as the
route's rule (`/mot-de-passe-oublie/nouveau/<token>`).

`LOG_FORMAT=json` (the default) or `text` (one readable line, for development).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import time
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request

from services.config import ConfigError

LOGGER_NAME = "moncompte"
logger = logging.getLogger(LOGGER_NAME)

FORMATS = ("json", "text")
_STARTED = "moncompte.started"  # key in request.environ
# A request id from a proxy (nginx's $request_id, a UUID): letters, digits, dashes only,
# long enough that it cannot be a NIR (13 to 15 characters) or a phone number.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{16,64}$")
# Events an operator should see first.
_WARNINGS = {"sign_in_failed", "sign_in_locked", "code_send_failed", "code_wrong", "code_dead",
             "session_store_fallback", "database_unavailable", "message_queue_unavailable",
             "franceconnect_failed"}
# Field names that would mean personal data is about to be written: refused outright.
_FORBIDDEN = {"nir", "provisional_id", "identifier", "phone", "mobile", "email", "address",
              "name", "password", "code", "token", "cookie", "csrf", "ip", "sub", "to"}


# --- the lines ------------------------------------------------------------------------

def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = dict(getattr(record, "fields", None) or {})
    if record.exc_info and record.exc_info[0] is not None:
        # The exception's class only: its message or traceback may quote personal data.
        fields.setdefault("error", record.exc_info[0].__name__)
    return fields


class JsonFormatter(logging.Formatter):
    """One compact JSON object per line: ts, level, event, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": _timestamp(record), "level": record.levelname.lower(),
                "event": record.getMessage()}
        for key, value in _fields(record).items():
            line.setdefault(key, value)
        return json.dumps(line, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """For development: `2026-11-02T09:14:03.120Z info  sign_in_ok who=… account=3`."""

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{key}={value}" for key, value in _fields(record).items())
        return f"{_timestamp(record)} {record.levelname.lower():<7} {record.getMessage()} {pairs}"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (as logging's last resort does), so a
    test that captures stderr sees the lines, and a handler made once serves every app."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


# --- pseudonyms -------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _key(secret: str, purpose: bytes) -> bytes:
    # Keys of their own, derived from the app secret: log pseudonyms share nothing with
    # cookies, codes or reset tokens.
    return hashlib.sha256(b"audit-log:" + purpose + b":" + secret.encode()).digest()


def pseudonym(value: str, purpose: bytes = b"who") -> str:
    """The first 16 hex digits of HMAC-SHA256(key derived from SECRET_KEY, value)."""
    key = _key(current_app.config["SECRET_KEY"], purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


def normalized_identifier(identifier: str) -> str:
    """«nir:2840575108123» or «pid:P20240016», whichever way the identifier came: the same
    account gives the same `who` on every event. Callers pass the parsed value (Nir.value,
    the provisional identifier's value) or the account."""
    value = re.sub(r"\s+", "", identifier)
    prefix = value[:4].lower()
    if prefix in ("nir:", "pid:"):
        return prefix + value[4:].upper()
    value = value.upper()
    return ("pid:" if value.startswith("P") else "nir:") + value


def _identifier_of(account) -> str | None:
    if getattr(account, "nir", None):
        return "nir:" + account.nir
    if getattr(account, "provisional_id", None):
        return "pid:" + account.provisional_id
    return None


def _client() -> str | None:
    address = request.remote_addr
    return pseudonym(address, b"client") if address else None


# --- security events --------------------------------------------------------------------

def security_event(name: str, identifier=None, **fields: Any) -> None:
    """Write one security event. `identifier` is the account (its id is written as
    `account`), an account id, or the identifier typed (NIR or provisional, parsed); it is
    written only as the `who` pseudonym. `fields` must carry no personal data."""
    forbidden = _FORBIDDEN.intersection(fields)
    if forbidden:
        raise TypeError(f"personal data in a log field: {sorted(forbidden)}")
    line: dict[str, Any] = {}
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        from services.accounts import get_account  # here: accounts does not need the logs

        line["account"] = identifier
        identifier = get_account(identifier) if has_app_context() else None
    if identifier is not None and not isinstance(identifier, str):  # an Account
        line["account"] = getattr(identifier, "id", None)
        identifier = _identifier_of(identifier)
    if identifier and has_app_context():
        line = {"who": pseudonym(normalized_identifier(identifier)), **line}
    line.update(fields)
    if has_request_context():
        line["request_id"] = g.get("request_id")
        line["client"] = _client()
    level = logging.WARNING if name in _WARNINGS else logging.INFO
    logger.log(level, name, extra={"fields": line})


# --- one line per request ------------------------------------------------------------------

def _request_id() -> str:
    given = request.headers.get("X-Request-Id", "")
    return given if _SANE_REQUEST_ID.match(given) else secrets.token_hex(16)


def _path() -> str:
    """The path without its query string; a route's variable parts (the reset token) as the
    route's rule. An unknown address (a 404) is written as typed, any part that could be
    personal data (5 digits or more, an @, a long run) replaced by «*»."""
    rule = request.url_rule
    if rule is not None:
        return rule.rule
    parts = [("*" if len(part) > 40 or "@" in part or sum(c.isdigit() for c in part) >= 5
              else part) for part in request.path[:400].split("/")]
    return "/".join(parts)


def _start() -> None:
    request.environ[_STARTED] = time.perf_counter()
    g.request_id = _request_id()


def _log_request(response: Response) -> Response:
    # Static files (styles, scripts, images) get no line: they are fetched by the browser
    # alongside the page that is already logged, say nothing about what a person did, and
    # would double the volume. One line per page, fragment or redirect is enough. Nor
    # does the load balancer's health poll while it is healthy (every few seconds, by a
    # machine); a failing one (503) is logged.
    if request.endpoint == "static" or (request.endpoint == "pages.health"
                                        and response.status_code == 200):
        return response
    started = request.environ.get(_STARTED)
    request_id = g.get("request_id") or secrets.token_hex(16)
    response.headers["X-Request-Id"] = request_id
    size = response.content_length
    logger.info("request", extra={"fields": {
        "method": request.method, "path": _path(), "endpoint": request.endpoint,
        "status": response.status_code,
        # From the first before_request hook to the last after_request hook: the session's
        # loading and saving are not in it (Server-Timing measures those, see web.py).
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "bytes": size if size is not None else response.calculate_content_length(),
        "request_id": request_id, "client": _client(),
    }})
    return response


# --- libraries' lines ----------------------------------------------------------------------

# Flask-Limiter's own lines, in the same format as ours; the two that matter to an operator
# get an event name (the words are Flask-Limiter's, see services/limiter.py).
_LIBRARY_LOGGERS = ("flask-limiter",)
_LIBRARY_EVENTS = {
    "Rate limit storage unreachable - falling back to in-memory storage":
        "rate_limit_storage_fallback",
    "Rate limit storage recovered": "rate_limit_storage_recovered",
}


def _library_line(record: logging.LogRecord) -> bool:
    text = record.getMessage()
    fields = {"source": record.name}
    event = _LIBRARY_EVENTS.get(text)
    if event is None:
        event, fields["message"] = "library", text[:200]
    if has_request_context():
        fields["request_id"] = g.get("request_id")
    record.msg, record.args, record.fields = event, (), fields
    return True


# --- setting up -------------------------------------------------------------------------

def init_logging(app: Flask) -> None:
    """The «moncompte» logger on stderr in LOG_FORMAT, and the request line. Idempotent:
    the handler is made once per process, whatever the number of apps (tests make many)."""
    log_format = app.config.get("LOG_FORMAT", os.environ.get("LOG_FORMAT", "json")).strip().lower()
    if log_format not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}.")
    app.config["LOG_FORMAT"] = log_format
    handler = next((h for h in logger.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        logger.addHandler(handler)
    handler.setFormatter(TextFormatter() if log_format == "text" else JsonFormatter())
    logger.setLevel(logging.INFO)
    # Our own lines only once, whatever a server or library does with the root logger.
    logger.propagate = False
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library_handler = next((h for h in library.handlers if isinstance(h, _StderrHandler)),
                               None)
        if library_handler is None:
            library_handler = _StderrHandler()
            library_handler.addFilter(_library_line)
            library.addHandler(library_handler)
        library_handler.setFormatter(handler.formatter)
        library.setLevel(logging.INFO)
        library.propagate = False
    # First before_request hook (before the limiter's, which may refuse the request), and
    # last after_request hook (Flask runs them in reverse), to see the compressed size.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _log_request)
