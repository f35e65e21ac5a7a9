"""Structured logs: one JSON line per request, per security event and per line of any
other logger, on stderr.

Two kinds of lines of our own, from the logger «moncompte»:

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

Every other logger of the process writes through one handler on the root logger, in the
same format (configure_logging; gunicorn.conf.py's logconfig_dict for gunicorn's master,
services/worker.py for huey's consumer, services/migrations/env.py for Alembic): Flask's
`app` logger (event `flask`), Flask-Limiter (`library`, `rate_limit_exceeded` with its
key as pseudonyms), gunicorn (`server`), Alembic (`migration`), huey (`worker`),
Werkzeug's development server (`dev_server`, `dev_server_request` without the address or
query string), any other (`library`). Their free text is `message`, scrubbed (scrub():
NIR, phone, mail, codes, addresses, tokens, query strings replaced by «[nir]»…). An
exception, ours (`unhandled_error` in a request, `uncaught_exception` from sys.excepthook
and threading.excepthook) or a library's, is written as `error` (its class), `where`
(file:line:function of the innermost frame of our code) and `error_message` (scrubbed);
never its traceback or locals.

`LOG_FORMAT=json` (the default) or `text` (one readable line, for development).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import sys
import threading
import time
import traceback
import warnings
from datetime import datetime, timezone
from functools import lru_cache, partial
from pathlib import Path
from types import TracebackType
from typing import Any

from pythonjsonlogger import json as jsonlogger

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
             "franceconnect_failed", "contact_change_reauth_locked", "document_limit"}
# Field names that would mean personal data is about to be written: refused outright.
_FORBIDDEN = {"nir", "provisional_id", "identifier", "phone", "mobile", "email", "address",
              "name", "password", "code", "token", "cookie", "csrf", "ip", "sub", "to"}


# --- the lines ------------------------------------------------------------------------
#
# Every logger of the process writes through one of the two formatters below, on stderr:
# ours («moncompte») as they are; any other (Flask's `app`, Flask-Limiter, gunicorn,
# Alembic, Werkzeug, huey, a warning from any library) as a line of the same shape whose
# free text has been scrubbed (see «libraries' lines»). An exception is written as its
# class and the place it was raised in our code, never its message, traceback or locals.

def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _exception_fields(exc_info) -> dict[str, Any]:
    """An exception as its class, where it was raised in our code, and its message once
    scrubbed (`error_message`); never its traceback or locals, which may quote anything."""
    if not exc_info or exc_info[0] is None:
        return {}
    fields = {"error": exc_info[0].__name__, "where": where(exc_info[2])}
    try:
        text = str(exc_info[1]) if exc_info[1] is not None else ""
    except Exception:  # noqa: BLE001 - an exception whose str() fails: its class is enough
        text = ""
    if text:
        fields["error_message"] = scrub(text)[:_MESSAGE_CHARS]
    return fields


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = dict(getattr(record, "fields", None) or {})
    for key, value in _exception_fields(record.exc_info).items():
        fields.setdefault(key, value)
    return fields


def _is_ours(record: logging.LogRecord) -> bool:
    return record.name == LOGGER_NAME


def _line(record: logging.LogRecord) -> tuple[str, dict[str, Any]]:
    """(event, fields) of any record: ours as written; another logger's made safe."""
    if _is_ours(record):
        return str(record.msg), _fields(record)
    return _library_line(record)


_compact_json = partial(json.dumps, separators=(",", ":"))


class JsonFormatter(jsonlogger.JsonFormatter):
    """One compact JSON object per line: ts, level, event, then the event's fields; the
    same for every logger (python-json-logger does the serialising)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_default", str)
        kwargs.setdefault("json_serializer", _compact_json)
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        # Not the base class's format(): it would add the formatted traceback (or the text
        # another handler cached in record.exc_text) and every attribute of the record.
        line: dict[str, Any] = {}
        self.add_fields(line, record, {})
        return self.serialize_log_record(self.process_log_record(line))

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord,
                   message_dict: dict[str, Any]) -> None:
        event, fields = _line(record)
        log_data.update(ts=_timestamp(record), level=record.levelname.lower(), event=event)
        for key, value in fields.items():
            log_data.setdefault(key, value)


class TextFormatter(logging.Formatter):
    """For development: `2026-11-02T09:14:03.120Z info  sign_in_ok who=… account=3`."""

    def format(self, record: logging.LogRecord) -> str:
        event, fields = _line(record)
        pairs = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"{_timestamp(record)} {record.levelname.lower():<7} {event} {pairs}"


def make_formatter(log_format: str | None = None) -> logging.Formatter:
    """The formatter of LOG_FORMAT (`json`, the default, or `text`); for gunicorn's
    logconfig_dict too, which runs before any app is made."""
    log_format = (log_format or os.environ.get("LOG_FORMAT") or "json").strip().lower()
    return TextFormatter() if log_format == "text" else JsonFormatter()


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


def stderr_handler() -> logging.Handler:
    """Our handler, for gunicorn's logconfig_dict (`"()": "services.audit_log.stderr_handler"`)."""
    return _StderrHandler()


# --- where an exception was raised ------------------------------------------------------

_ROOT = Path(__file__).resolve().parent.parent
_NOT_OURS = ("/.venv/", "/site-packages/", "/dist-packages/", "/node_modules/")


@lru_cache(maxsize=512)
def _our_file(filename: str) -> str | None:
    """`services/web.py` for a file of this repository, None for any other."""
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return None
    text = path.as_posix()
    if any(part in text for part in _NOT_OURS) or not path.is_relative_to(_ROOT):
        return None
    return path.relative_to(_ROOT).as_posix()


def where(tb: TracebackType | None) -> str | None:
    """`file:line:function` of the innermost frame of our code in a traceback (of the
    innermost frame at all, by its file's name, if none is ours)."""
    found = last = None
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        last = f"{Path(code.co_filename).name}:{lineno}:{code.co_name}"
        mine = _our_file(code.co_filename)
        if mine is not None:
            found = f"{mine}:{lineno}:{code.co_name}"
    return found or last

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


def _safe_path(path: str) -> str:
    """A path as typed, without its query string, any part that could be personal data
    (5 digits or more, an @, a long run) replaced by «*»."""
    parts = [("*" if len(part) > 40 or "@" in part or sum(c.isdigit() for c in part) >= 5
              else part) for part in path.split("?", 1)[0][:400].split("/")]
    return "/".join(parts)


def _path() -> str:
    """The path without its query string; a route's variable parts (the reset token) as the
    route's rule. An unknown address (a 404) is written as typed, made safe (_safe_path)."""
    rule = request.url_rule
    if rule is not None:
        return rule.rule
    return _safe_path(request.path)


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


# --- libraries' lines: scrubbed free text ---------------------------------------------------
#
# What a library writes is free text we do not control: a rate limit's key, a request
# line, an address to listen on, a task's id. It is written as `message`, after every run
# that could be personal data has been replaced by what it was: «[nir]», «[phone]»…

_S = r"[ .\-]?"  # one optional separator, as people type numbers
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w+/=\-])"
_D = _S + r"\d"
_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A URL's query string (an attestation's reference, a search): never worth keeping.
    (re.compile(r"(?<=[\w/])\?[^\s\"'<>]+"), "?[query]"),
    (re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+"), "[email]"),
    # Tokens, digests, base64: runs of 20 letters and digits (both), of 40 with «/» (a
    # path, which starts with «/», is left to the rules below).
    # A UUID (a huey task's id, a proxy's request id) is random and says nothing: kept.
    (re.compile(rf"(?<![\w+/=\-])(?!{_UUID})(?=[\w+/=\-]*\d)[\w+=\-][\w+/=\-]{{39,}}"), "[token]"),
    (re.compile(rf"(?<![\w+=\-])(?!{_UUID})(?=[\w+=\-]*\d)(?=[\w+=\-]*[A-Za-z])[\w+=\-]{{20,}}"),
     "[token]"),
    # NIR: 13 characters (department 2A/2B in Corsica), 15 with the key, spaced any way.
    (re.compile(rf"(?<!\w)[1-478](?:{_D}){{4}}{_S}(?:\d{_S}\d|2{_S}[AaBb])(?:{_D}){{6}}"
                rf"(?:{_D}{_D})?(?!\w)"), "[nir]"),
    (re.compile(rf"(?<!\w)[Pp]{_S}\d{{4}}{_S}\d{{4}}(?!\w)"), "[provisional_id]"),
    # French phone numbers: +33 / 0033 (with or without the (0)), 0X, or X with separators.
    (re.compile(rf"(?<![\w+])(?:\+|00){_S}33{_S}(?:\(0\){_S})?[1-9](?:{_S}\d\d){{4}}(?!\w)"
                rf"|(?<![\w+])0{_S}[1-9](?:{_S}\d\d){{4}}(?!\w)"
                rf"|(?<![\w+])[1-9](?:[ .\-]\d\d){{4}}(?!\w)"), "[phone]"),
    # IPv6 (with «::» or eight groups; a scope «%eth0»), then IPv4.
    (re.compile(r"(?<![\w:])(?=[0-9A-Fa-f:.]*::|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f])"
                r"[0-9A-Fa-f:.]*[0-9A-Fa-f:](?:%\w+)?(?![\w:])"), "[ip]"),
    (re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)"), "[ip]"),
    (re.compile(r"\d{9,}"), "[number]"),
    # Codes (6 digits), old passwords of digits, allocataire numbers (7): 6 to 8 digits.
    # (Not the microseconds of a time, «17:15:50.123456».)
    (re.compile(r"(?<!\d)(?<!\d\d:\d\d\.)\d{6,8}(?!\d)"), "[code]"),
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MESSAGE_CHARS = 300


def scrub(text: str) -> str:
    """Free text with every run that could be personal data replaced by its kind."""
    text = _ANSI.sub("", text)
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


def _message(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:  # noqa: BLE001 - a library's bad format string: its template only
        text = str(record.msg)
    return scrub(text)[:_MESSAGE_CHARS]  # scrubbed first: a cut must not split a number


# The two Flask-Limiter lines that matter to an operator get an event name (the words are
# Flask-Limiter's, see services/limiter.py).
_LIBRARY_EVENTS = {
    "Rate limit storage unreachable - falling back to in-memory storage":
        "rate_limit_storage_fallback",
    "Rate limit storage recovered": "rate_limit_storage_recovered",
}
_LIMIT_EXCEEDED = "ratelimit %s (%s) exceeded at endpoint: %s"  # Flask-Limiter's words
# The event of the other lines, by where they come from («library» for any other).
_SOURCE_EVENTS = (("alembic", "migration"), ("flask_migrate", "migration"),
                  ("gunicorn", "server"), ("huey", "worker"), ("werkzeug", "dev_server"))
_FLASK_LOGGERS: set[str] = set()  # each app's `app.logger` (named after the app): «flask»
_WERKZEUG_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")  # «127.0.0.1 - - [date] »
_WERKZEUG_REQUEST = '"%s" %s %s'


def _limit_key(key: str) -> dict[str, Any]:
    """A limit's key («nir:…», «reset:…», an address) as pseudonyms: `who` and `client` as
    in the security events, so an operator can follow them; `key` for any other."""
    if not has_app_context():
        return {"key": scrub(key)}
    scope, sep, value = key.rpartition(":")
    if scope.lower() in ("nir", "pid"):
        return {"who": pseudonym(normalized_identifier(key))}
    try:
        ipaddress.ip_address(key)
    except ValueError:
        return {"key": (scope + sep if scope.isalpha() else "") + pseudonym(key, b"limit")}
    return {"client": pseudonym(key, b"client")}


def _special_line(record: logging.LogRecord, fields: dict[str, Any]) -> str | None:
    """The event of a library line we know the shape of (its fields added), or None."""
    args = record.args if isinstance(record.args, tuple) else ()
    if record.msg == _LIMIT_EXCEEDED and len(args) == 3:
        fields.update(limit=str(args[0]), **_limit_key(str(args[1])), endpoint=str(args[2]))
        return "rate_limit_exceeded"
    if (record.name == "werkzeug" and isinstance(record.msg, str) and len(args) == 3
            and record.msg.endswith(_WERKZEUG_REQUEST)):
        # The development server's request line, without the client's address or the
        # query string; the app's own request line says the rest.
        method, _, rest = _ANSI.sub("", str(args[0])).partition(" ")
        fields.update(method=method[:10], path=scrub(_safe_path(rest.rsplit(" ", 1)[0])),
                      status=int(args[1]) if str(args[1]).isdigit() else None)
        return "dev_server_request"
    return None


def _source_event(name: str) -> str:
    if name in _FLASK_LOGGERS:
        return "flask"
    for prefix, event in _SOURCE_EVENTS:
        if name == prefix or name.startswith(prefix + "."):
            return event
    return "library"


def _library_line(record: logging.LogRecord) -> tuple[str, dict[str, Any]]:
    fields: dict[str, Any] = {"source": record.name}
    event = _special_line(record, fields)
    if event is None:
        text = _message(record)
        if record.name == "werkzeug":
            text = _WERKZEUG_PREFIX.sub("", text)
        event = _LIBRARY_EVENTS.get(text)
        if event is None:
            event, fields["message"] = _source_event(record.name), text
    fields.update(_exception_fields(record.exc_info))
    if has_request_context():
        fields["request_id"] = g.get("request_id")
    return event, fields


# --- exceptions nobody caught --------------------------------------------------------------

def unhandled_error(error: BaseException) -> None:
    """An exception raised in a request that no handler expected: its class, where it was
    raised in our code, its message scrubbed, and the request (its id, as on its request
    line); never its traceback or locals, which may quote what a person typed."""
    fields = _exception_fields((type(error), error, error.__traceback__))
    if has_request_context():
        fields.update(method=request.method, path=_path(), endpoint=request.endpoint,
                      request_id=g.get("request_id"))
    logger.error("unhandled_error", extra={"fields": fields})


def _excepthook(kind, value, tb) -> None:
    # Ctrl-C is how a developer stops a command: said, not shouted.
    level = logging.INFO if issubclass(kind, KeyboardInterrupt) else logging.CRITICAL
    logger.log(level, "uncaught_exception", exc_info=(kind, value, tb))


def _thread_excepthook(args) -> None:
    if args.exc_type is SystemExit:
        return
    logger.error("uncaught_exception", exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
                 extra={"fields": {"thread": scrub(getattr(args.thread, "name", "") or "")}})


def _install_excepthooks() -> None:
    # Only over Python's own hooks: a test runner's or a debugger's are left in place.
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _excepthook
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = _thread_excepthook


def _capture_warnings() -> None:
    # A library's warning (Flask-Limiter's about memory storage): a line of ours, not
    # Python's two lines of plain text. Not while a test runner records warnings itself.
    shown_by_python = getattr(getattr(warnings, "_showwarnmsg_impl", None), "__module__", "")
    if shown_by_python == "warnings":
        logging.captureWarnings(True)


# --- setting up -------------------------------------------------------------------------

# Loggers whose INFO lines are worth keeping (the root writes WARNING and above of any).
_INFO_LOGGERS = ("flask-limiter", "alembic", "werkzeug", "huey")
_TERMINALS = ("stderr", "stdout", "__stderr__", "__stdout__")


def _writes_to_terminal(handler: logging.Handler) -> bool:
    """A handler of a library or a default set-up that writes plain text to stderr or
    stdout (Flask's default handler, Alembic's fileConfig, huey's consumer, basicConfig)."""
    from flask.logging import default_handler

    if handler is default_handler or type(handler).__name__ == "_ColorStreamHandler":
        return True  # Flask's and Werkzeug's own, added when nothing else would write
    if isinstance(handler, _StderrHandler) or isinstance(handler, logging.FileHandler):
        return False
    stream = getattr(handler, "stream", None)
    return isinstance(handler, logging.StreamHandler) and any(
        stream is getattr(sys, name) for name in _TERMINALS)


def configure_logging(log_format: str | None = None, loggers: tuple[str, ...] = ()) -> None:
    """Every logger of the process through our handler on the root logger, in LOG_FORMAT:
    any other handler writing to the terminal (on the root, `loggers` and ours) is removed,
    so that every line on stderr is one of ours. Idempotent."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(make_formatter(log_format))
    for name in ("", *_INFO_LOGGERS, *loggers):
        library = logging.getLogger(name)
        for other in [h for h in library.handlers if _writes_to_terminal(h)]:
            library.removeHandler(other)
        if name:
            library.propagate = True
    for name in _INFO_LOGGERS:
        library = logging.getLogger(name)
        if library.level == logging.NOTSET or library.level > logging.INFO:
            library.setLevel(logging.INFO)
    _capture_warnings()
    _install_excepthooks()


def init_logging(app: Flask) -> None:
    """The «moncompte» logger on stderr in LOG_FORMAT, every other logger of the process
    on the root logger's handler in the same format, and the request line. Idempotent:
    the handlers are made once per process, whatever the number of apps (tests make many)."""
    log_format = app.config.get("LOG_FORMAT", os.environ.get("LOG_FORMAT", "json")).strip().lower()
    if log_format not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}.")
    app.config["LOG_FORMAT"] = log_format
    _FLASK_LOGGERS.add(app.logger.name)
    configure_logging(log_format, loggers=(app.logger.name,))
    handler = next((h for h in logger.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        logger.addHandler(handler)
    handler.setFormatter(make_formatter(log_format))
    logger.setLevel(logging.INFO)
    # Our own lines only once, whatever a server or library does with the root logger.
    logger.propagate = False
    # First before_request hook (before the limiter's, which may refuse the request), and
    # last after_request hook (Flask runs them in reverse), to see the compressed size.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _log_request)
