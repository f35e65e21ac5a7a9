"""Issue 15, item 2: every line written to stderr, by every logger, is JSON and free of
personal data (services/audit_log.py).

In this process: errors raised in routes whose messages quote a NIR, a phone, a mail, a
code and addresses; every limit of the app reached, and Flask-Limiter's own limits; a
whole first login and a password reset; the development server. Everything written to
file descriptor 2 is read (capfd: Python's sys.stderr and anything below it). In other
processes, as production runs them: gunicorn with gunicorn.conf.py, `flask init-db`, the
message worker, uncaught exceptions in a thread and in the main program.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from flask_helpers import (KARIM_NIR, MARIE_ANGE_NIR, VERONIQUE_NIR, VERONIQUE_PASSWORD,
                           SESSION_COOKIE, cookie_value, csrf_from, get_csrf)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

NEW_PASSWORD = "Soleil2Marche7"
MAIL = "veronique.f@example.org"
MOBILE = "06 12 34 56 78"
CLIENT_IP = "203.0.113.45"
CLIENT_IPV6 = "2001:db8::7"
ATTESTATION_REFERENCE = "K7Q2-M9XW-4TZP"
UNKNOWN_NIRS = ["2 99 12 75 123 456", "1 88 03 13 055 010", "2 01 07 33 063 120",
                "1 64 11 59 350 042"]


# --- what must never be read ------------------------------------------------------------------

def nir_pattern(nir13: str) -> str:
    """A NIR (13 characters) written in any spacing, with or without its key."""
    from domain.nir import nir_key

    separators = r"[^0-9A-Za-z]{0,3}"
    body = separators.join(re.escape(c) for c in nir13)
    key = separators.join(f"{nir_key(nir13):02d}")
    return rf"{body}(?:{separators}{key})?"


def digits_pattern(digits: str) -> str:
    return r"[^0-9]{0,3}".join(digits)


# +33 / 0033 as the start of a number, not four digits inside a random hex id (a
# request id «…eb0033718b…» is not a phone).
PHONE_PATTERNS = [digits_pattern("612345678"), r"\+33", r"(?<![0-9A-Za-z])0033"]


def personal_patterns(*literals: str) -> list[str]:
    """Regular expressions of every personal value of these tests, and the literals."""
    nirs = [VERONIQUE_NIR, KARIM_NIR, MARIE_ANGE_NIR, *(n.replace(" ", "") for n in UNKNOWN_NIRS)]
    patterns = [nir_pattern(n) for n in nirs] + PHONE_PATTERNS
    patterns += [re.escape(v) for v in (MAIL, "veronique", "example.org", "127.0.0.1",
                                        CLIENT_IP, CLIENT_IPV6, ATTESTATION_REFERENCE,
                                        VERONIQUE_PASSWORD, NEW_PASSWORD, *literals) if v]
    return patterns


def check_lines(text: str, patterns: list[str], where: str) -> list[dict]:
    """Every line of `text` parses as one JSON object with ts, level and event, and none
    matches a personal pattern (case-insensitive). Returns the lines."""
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            pytest.fail(f"{where}: a line that is not JSON: {raw!r}")
        assert isinstance(line, dict) and {"ts", "level", "event"} <= set(line), (where, raw)
        for pattern in patterns:
            assert not re.search(pattern, raw, re.IGNORECASE), (where, pattern, raw)
        lines.append(line)
    assert lines, f"{where}: nothing written"
    print(f"{where}: {len(lines)} lines, each JSON, none matching {len(patterns)} patterns")
    return lines


# --- the scrubber ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("292092A004071", "[nir]"), ("2 92 09 2A 004 071", "[nir]"), ("2 92 09 2b 004 071 70", "[nir]"),
    ("1.75.01.69.123.045", "[nir]"), ("1-75-01-69-123-045-05", "[nir]"), ("175016912304505", "[nir]"),
    ("1 75 01 971 23 045", "[nir]"),
    ("06 12 34 56 78", "[phone]"), ("06.12.34.56.78", "[phone]"), ("0612345678", "[phone]"),
    ("+33 6 12 34 56 78", "[phone]"), ("+33612345678", "[phone]"), ("0033 6 12 34 56 78", "[phone]"),
    ("+33 (0)6 12 34 56 78", "[phone]"), ("6 12 34 56 78", "[phone]"), ("612345678", "[number]"),
    ("veronique.f@example.org", "[email]"), ("Karim.B+caf@mail.example.fr", "[email]"),
    ("123456", "[code]"), ("1234567", "[code]"), ("24681357", "[code]"),
    ("P 2024 0016", "[provisional_id]"), ("P20240016", "[provisional_id]"),
    ("127.0.0.1", "[ip]"), ("203.0.113.45", "[ip]"), ("::1", "[ip]"), ("2001:db8::7", "[ip]"),
    ("fe80::1%eth0", "[ip]"), ("2001:db8:85a3:0:0:8a2e:370:7334", "[ip]"), ("::ffff:127.0.0.1", "[ip]"),
    ("hA3kq8Zp0LmNw2Rt5Vb7Cd9F", "[token]"), ("a9" * 32, "[token]"),
    ("aGVsbG8gd2/9ybGQgaGVsbG8+gd29ybGQgaGVsbG8gd29y==", "[token]"),
    ("/mot-de-passe-oublie/nouveau/Xy3kq8Zp0LmNw2Rt5Vb7Cd9FgH", "/mot-de-passe-oublie/nouveau/[token]"),
    ("/test-after/2840575108123", "/test-after/[nir]"),
    ("/x?reference=K7Q2-M9XW-4TZP", "/x?[query]"),
])
def test_the_scrubber_replaces_each_kind(text, kind):
    from services.audit_log import scrub

    assert scrub(f"before {text} after") == f"before {kind} after"


def test_the_scrubber_keeps_what_says_nothing_of_a_person():
    from services.audit_log import scrub

    for text in ("Running upgrade 0006 -> 0007, account.password_changed_at",
                 "Booting worker with pid: 4242", "at 09:14:03.120",
                 "eta 2026-12-02 17:15:50.311524",
                 "Executing services.queue.deliver: 5c1f7a4e-9d2b-4e8a-a0f3-1b2c3d4e5f60", "ratelimit 5 per 15 minutes",
                 "Rate limit storage unreachable - falling back to in-memory storage"):
        assert scrub(text) == text


def test_flask_limiters_line_comes_out_with_its_key_pseudonymised(app, capfd):
    """The attacker's line: «ratelimit 5 per 15 minutes (nir:292092A004071) exceeded at
    endpoint: auth.sign_in». The key becomes the same `who` as the security events."""
    from services.audit_log import normalized_identifier, pseudonym
    from services.limiter import limiter

    with app.test_request_context("/connexion", environ_base={"REMOTE_ADDR": CLIENT_IP}):
        limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", "5 per 15 minutes",
                            "nir:" + MARIE_ANGE_NIR, "auth.sign_in")
        limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", "30 per hour",
                            "reset:" + KARIM_NIR, "password_reset.start")
        limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", "60 per hour",
                            "127.0.0.1", "pages.check_attestation")
        who = pseudonym(normalized_identifier("nir:" + MARIE_ANGE_NIR))
        client = pseudonym("127.0.0.1", b"client")
    lines = check_lines(capfd.readouterr().err, personal_patterns(), "flask-limiter")
    nir, reset, address = lines
    assert nir["event"] == "rate_limit_exceeded" and nir["source"] == "flask-limiter"
    assert nir["who"] == who and nir["limit"] == "5 per 15 minutes"
    assert nir["endpoint"] == "auth.sign_in" and nir["level"] == "info"
    assert re.fullmatch(r"reset:[0-9a-f]{16}", reset["key"])
    assert address["client"] == client


# --- in this process: errors, every limit, a whole journey -----------------------------------

def _register_test_routes(app):
    """Routes of this test only: errors quoting personal data, and Flask-Limiter limits of
    its own (keyed as the attacker saw them), so that its own «exceeded» line is written."""
    from services.limiter import limiter

    def boom(kind: str):
        if kind == "value":
            raise ValueError(f"NIR 2 92 09 2A 004 071 tel {MOBILE} mail {MAIL} code 482913 "
                             f"from {CLIENT_IP} and 127.0.0.1")
        if kind == "key":
            raise KeyError(MAIL)
        raise RuntimeError(f"token {secrets.token_urlsafe(24)} from {CLIENT_IPV6}, +33612345678")

    app.add_url_rule("/test-boom/<kind>", "test_boom", boom)
    app.add_url_rule("/test-after/<anything>", "test_after", lambda anything: "fine")

    @app.after_request
    def fail_after(response):
        # An error outside any view: Flask's own `app` logger writes «Exception on <path>».
        if request_path().startswith("/test-after/"):
            raise OSError(f"disk full for {KARIM_NIR}")
        return response

    @app.route("/test-app-logger")
    def app_logger():
        app.logger.warning("sign-in of %s from %s, code %s", "2 84 05 75 108 123", CLIENT_IP,
                           "482913")
        return "logged"

    for name, key in (("nir", lambda: "nir:" + MARIE_ANGE_NIR), ("reset", lambda: "reset:" + KARIM_NIR),
                      ("address", None)):
        view = (lambda: "ok")
        view.__name__ = f"test_limited_{name}"
        kwargs = {"key_func": key} if key else {}
        app.add_url_rule(f"/test-limited/{name}", view.__name__,
                         limiter.limit("1 per minute", **kwargs)(view))


def request_path() -> str:
    from flask import request

    return request.path


def _post(client, url: str, data: dict, csrf_url: str | None = None):
    return client.post(url, data=dict(data, csrf_token=get_csrf(client, csrf_url or url)))


def _newest_code(client) -> str:
    body = client.get("/dev/messages.json").get_json()[0]["body"]
    return re.search(r"\b(\d{6})\b", body).group(1)


def _first_login(client) -> list[str]:
    """Véronique's whole first login (CGU, new password, contact, code), with a code asked
    too soon on the way; returns what she received or held (code, cookie, CSRF token)."""
    sign_in = _post(client, "/connexion", {"nir": "2 84 05 75 108 123", "password": VERONIQUE_PASSWORD,
                                           "remember": "y"})
    assert sign_in.headers["Location"] == "/premiere-connexion/conditions"
    _post(client, "/premiere-connexion/conditions", {"accept": "y"})
    _post(client, "/premiere-connexion/mot-de-passe",
          {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    contact = _post(client, "/premiere-connexion/coordonnees",
                    {"mobile": MOBILE, "other_phone": "", "email": MAIL, "channel": "sms"})
    assert contact.status_code == 303
    code = _newest_code(client)
    too_soon = _post(client, "/premiere-connexion/code/nouveau", {}, "/premiere-connexion/code")
    assert too_soon.status_code == 429  # the code-sending limit (1 per 30 seconds)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    _post(client, "/premiere-connexion/code", {"code": wrong})
    done = _post(client, "/premiere-connexion/code", {"code": code})
    assert done.headers["Location"] == "/mon-compte"
    home = client.get("/mon-compte")
    held = [code, wrong, cookie_value(client, SESSION_COOKIE), cookie_value(client, "moncompte_nir"),
            csrf_from(home)]
    client.post("/deconnexion", data={"csrf_token": csrf_from(home)})
    return held


def _reset(client) -> list[str]:
    """Karim's forgotten password: a code, a second one asked too soon, the link's token."""
    _post(client, "/mot-de-passe-oublie", {"nir": "1 75 01 69 123 045"})
    code = _newest_code(client)
    assert _post(client, "/mot-de-passe-oublie/code/nouveau", {},
                 "/mot-de-passe-oublie/code").status_code == 429
    link = _post(client, "/mot-de-passe-oublie/code", {"code": code}).headers["Location"]
    token = link.rsplit("/", 1)[-1]
    _post(client, link, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    return [code, token]


def test_every_line_of_errors_limits_and_a_whole_journey_is_json_without_personal_data(app, capfd):
    _register_test_routes(app)
    app.config.update(LOGIN_LIMIT_PER_ADDRESS="7 per 10 minutes", RESET_LIMIT_PER_ADDRESS="3 per hour",
                      PROPAGATE_EXCEPTIONS=False)
    capfd.readouterr()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    held = _first_login(client)
    held += _reset(client)
    statuses = {}

    # Errors in routes, in an after_request hook, and Flask's logger used directly.
    for kind in ("value", "key", "runtime"):
        statuses[f"boom {kind}"] = client.get(f"/test-boom/{kind}?nir=2840575108123").status_code
    statuses["after"] = client.get("/test-after/2840575108123").status_code
    statuses["app logger"] = client.get("/test-app-logger").status_code

    # Every limit of the app: sign-in per number, per address, code sending (above), reset
    # per address, the attestation check; and Flask-Limiter's own, keyed three ways.
    token = get_csrf(client)
    wrong = [client.post("/connexion", data={"csrf_token": token, "nir": "1 75 01 69 123 045",
                                             "password": "PasLeBon123"}).status_code
             for _ in range(6)]
    statuses["per number"] = wrong[-1]
    per_address = [client.post("/connexion", data={"csrf_token": token, "nir": nir,
                                                   "password": "PasLeBon123"}).status_code
                   for nir in UNKNOWN_NIRS]
    statuses["per address"] = per_address[-1]
    resets = [_post(client, "/mot-de-passe-oublie", {"nir": nir}).status_code for nir in UNKNOWN_NIRS]
    statuses["reset per address"] = resets[-1]
    checks = [client.get(f"/verifier-une-attestation?reference={ATTESTATION_REFERENCE}").status_code
              for _ in range(61)]
    statuses["attestation"] = checks[-1]
    for name in ("nir", "reset", "address"):
        client.get(f"/test-limited/{name}")
        statuses[f"flask-limiter {name}"] = client.get(f"/test-limited/{name}").status_code
    ipv6 = app.test_client()
    ipv6.environ_base["REMOTE_ADDR"] = CLIENT_IPV6
    ipv6.get("/test-limited/address")
    statuses["flask-limiter ipv6"] = ipv6.get("/test-limited/address").status_code
    app.test_client().get("/connexion")  # from 127.0.0.1

    assert statuses == {"boom value": 500, "boom key": 500, "boom runtime": 500, "after": 500,
                        "app logger": 200, "per number": 429, "per address": 429,
                        "reset per address": 429, "attestation": 429, "flask-limiter nir": 429,
                        "flask-limiter reset": 429, "flask-limiter address": 429,
                        "flask-limiter ipv6": 429}
    captured = capfd.readouterr()
    lines = check_lines(captured.err, personal_patterns(*held), "in-process")
    assert captured.out == ""

    events = [line["event"] for line in lines]
    assert {"sign_in_ok", "password_changed", "code_sent", "code_wrong", "code_confirmed",
            "sign_out", "password_reset_requested", "sign_in_failed", "sign_in_locked",
            "unhandled_error", "rate_limit_exceeded", "request"} <= set(events)
    locks = {line["limit"] for line in lines if line["event"] == "sign_in_locked"}
    assert locks == {"per_identifier", "per_address"}
    errors = [line for line in lines if line["event"] == "unhandled_error"]
    assert [e["error"] for e in errors] == ["ValueError", "KeyError", "RuntimeError"]
    for error in errors:
        assert error["where"].startswith("tests/test_logs_no_personal_data.py:")
        assert error["where"].endswith(":boom") and error["path"] == "/test-boom/<kind>"
        assert re.fullmatch(r"[0-9a-f]{32}", error["request_id"])
        assert "traceback" not in json.dumps(error).lower()
    assert errors[0]["error_message"] == ("NIR [nir] tel [phone] mail [email] code [code] "
                                          "from [ip] and [ip]")
    request_ids = {line["request_id"] for line in lines if line["event"] == "request"}
    assert {e["request_id"] for e in errors} <= request_ids
    flask_lines = {line["message"]: line for line in lines if line.get("source") == "app"}
    assert "sign-in of [nir] from [ip], code [code]" in flask_lines, flask_lines
    after = flask_lines["Exception on /test-after/[nir] [GET]"]
    assert after["error"] == "OSError" and after["error_message"] == "disk full for [nir]"
    assert after["where"].endswith(":fail_after")
    exceeded = [line for line in lines if line["event"] == "rate_limit_exceeded"]
    assert len(exceeded) == 4 and all(line["endpoint"].startswith("test_limited_") for line in exceeded)
    assert {key for line in exceeded for key in ("who", "key", "client") if key in line} == \
        {"who", "key", "client"}
    refused = {line["path"] for line in lines if line["event"] == "request" and line["status"] == 429}
    assert {"/connexion", "/premiere-connexion/code/nouveau", "/mot-de-passe-oublie",
            "/mot-de-passe-oublie/code/nouveau", "/verifier-une-attestation"} <= refused


def test_the_development_server_writes_json_without_the_address(app, capfd):
    """Werkzeug's request lines carry the client's address and the query string: a JSON
    line without them (the app's own request line says the rest)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        server.log_startup()
        base = f"http://127.0.0.1:{server.port}"
        urllib.request.urlopen(f"{base}/connexion?nir=2840575108123&mail={MAIL}").read()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/inconnu/2840575108123/{MAIL}")
    finally:
        server.shutdown()
        thread.join(5)
    lines = check_lines(capfd.readouterr().err, personal_patterns(), "werkzeug")
    served = [line for line in lines if line["event"] == "dev_server_request"]
    assert [(line["method"], line["path"], line["status"]) for line in served] == [
        ("GET", "/connexion", 200), ("GET", "/inconnu/*/*", 404)]
    assert all(line["source"] == "werkzeug" for line in served)
    assert {line["event"] for line in lines if line.get("source") == "werkzeug"} == \
        {"dev_server_request", "dev_server"}
    assert any(line.get("source") == "werkzeug" and "[ip]" in line.get("message", "")
               for line in lines)  # «Running on http://[ip]:port»


def test_library_lines_in_the_text_format_for_development(tmp_path, capfd):
    from flask_helpers import make_app
    from services.limiter import limiter

    try:
        app = make_app(tmp_path / "a.db", LOG_FORMAT="text")
        capfd.readouterr()
        with app.test_request_context("/"):
            limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", "5 per 15 minutes",
                                "nir:" + MARIE_ANGE_NIR, "auth.sign_in")
            app.logger.error("for %s", MAIL)
        err = capfd.readouterr().err.strip().splitlines()
        assert re.match(r"^\S+Z info +rate_limit_exceeded source=flask-limiter limit=5 per 15 "
                        r"minutes who=[0-9a-f]{16} endpoint=auth.sign_in", err[0]), err
        assert re.match(r"^\S+Z error +flask source=app message=for \[email\]", err[1]), err
        assert MARIE_ANGE_NIR not in "".join(err) and MAIL not in "".join(err)
    finally:
        make_app(tmp_path / "c.db")  # back to JSON for the tests that follow


# --- other processes, as production runs them -------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Production settings (one worker, limits in memory, the queue in SQLite), and a
    database made by `flask init-db`, whose output is kept for its test."""
    tmp = tmp_path_factory.mktemp("production")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "SMTP_", "SMS_", "MAIL_", "FRANCECONNECT_", "GUNICORN_",
                                "SESSION_", "RATELIMIT_", "LOGIN_", "CODE_", "RESET_", "QUEUE_",
                                "MESSAGE_", "TEST_", "E2E_", "LOG_", "DATABASE_"))}
    env.update({
        "APP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32),
        "PUBLIC_URL": "https://moncompte.example", "DATABASE_URL": f"sqlite:///{tmp / 'p.db'}",
        "QUEUE_URI": f"sqlite:///{tmp / 'queue.db'}", "WEB_CONCURRENCY": "1",
        "SMS_GATEWAY_URL": "https://sms.example/send", "SMS_GATEWAY_TOKEN": secrets.token_urlsafe(16),
        "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()),
        "FRANCECONNECT_ISSUER": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    init_db = subprocess.run([str(BIN / "flask"), "--app", "app", "init-db", "--demo-if-empty"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert init_db.returncode == 0, init_db.stderr
    return env, tmp, init_db


def test_flask_init_db_writes_json_lines(production):
    _, _, init_db = production
    lines = check_lines(init_db.stderr, personal_patterns(), "flask init-db")
    upgrades = [line for line in lines if line.get("source") == "alembic.runtime.migration"]
    assert any(line["message"].startswith("Running upgrade") for line in upgrades), lines
    assert {line["event"] for line in upgrades} == {"migration"}
    assert init_db.stdout.strip() == "Demo accounts created."  # what the command says, on stdout


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> str:
    """Stop the process (its group) as a supervisor would; what it wrote."""
    os.killpg(process.pid, sig)
    try:
        out, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
    return (out or "") + (err or "")


def test_gunicorn_with_its_conf_writes_json_lines_only(production):
    env, _, _ = production
    port = free_port()
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
                                "--no-control-socket", "app:create_app()"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/connexion", timeout=5).read()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
        for path in (f"/inconnu/2840575108123?mail={MAIL}", f"/verifier-une-attestation?reference={ATTESTATION_REFERENCE}"):
            try:
                urllib.request.urlopen(base + path, timeout=10).read()
            except urllib.error.HTTPError:
                pass
        # A request gunicorn itself refuses: its warning quotes the address and the line.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(f"GET /x?nir=2840575108123 HTTP/1.1\r\nHost: a\r\nBad header {MAIL}\r\n\r\n".encode())
            raw.recv(1000)
    finally:
        err = _stop(process)
    lines = check_lines(err, personal_patterns(), "gunicorn")
    sources = {line.get("source") for line in lines}
    assert "gunicorn.error" in sources
    assert {line["event"] for line in lines if line.get("source") == "gunicorn.error"} == {"server"}
    assert any(line["event"] == "request" and line["path"] == "/connexion" for line in lines)
    assert any("Listening at: http://[ip]:" in line.get("message", "") for line in lines)
    assert any(line.get("level") == "warning" and "Invalid request" in line.get("message", "")
               for line in lines), lines
    assert not any(line.get("source") == "gunicorn.access" for line in lines)


ENQUEUE = f"""
from app import create_app
from services.messages import Message
from services.queue import enqueue
app = create_app()
with app.test_request_context():
    enqueue(Message(to="{MAIL}", channel="mail", body="Votre code : 482913", subject="Code"),
            "contact", None)
"""


def test_the_message_worker_writes_json_lines(production):
    """The worker as production starts it, with a message to a mail server that refuses
    it (tried twice), then interrupted (Ctrl-C, as `make run` stops it)."""
    env, tmp, _ = production
    env = dict(env, MESSAGE_RETRY_SECONDS="0.1", MESSAGE_SEND_ATTEMPTS="2")
    queued = subprocess.run([sys.executable, "-c", ENQUEUE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert queued.returncode == 0, queued.stderr
    output = tmp / "worker.log"
    with output.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "services.worker", "-k", "thread",
                                    "-w", "2"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while '"code_send_failed"' not in output.read_text() and time.monotonic() < deadline:
        assert process.poll() is None, output.read_text()
        time.sleep(0.1)
    _stop(process, signal.SIGINT)
    lines = check_lines(output.read_text(), personal_patterns("482913"), "worker")
    failed = [line for line in lines if line["event"] == "code_send_failed"]
    assert [(f["reason"], f["channel"], f["attempts"]) for f in failed] == [("refused", "mail", 2)]
    messages = [line.get("message", "") for line in lines if line.get("source", "").startswith("huey")]
    assert any(m.startswith("Huey consumer started") for m in messages), lines
    assert {line["event"] for line in lines if line.get("source", "").startswith("huey")} == {"worker"}
    assert any("Consumer exiting" in m or "Shutting down" in m for m in messages), lines


UNCAUGHT = f"""
import threading
from app import create_app
create_app()
def work():
    raise ValueError("thread for {MAIL} at {CLIENT_IP}")
thread = threading.Thread(target=work)
thread.start()
thread.join()
raise RuntimeError("main for 2 84 05 75 108 123, {MOBILE}")
"""


def test_uncaught_exceptions_in_a_thread_and_in_the_program(production):
    env, _, _ = production
    result = subprocess.run([sys.executable, "-c", UNCAUGHT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = check_lines(result.stderr, personal_patterns(), "uncaught")
    thread, main = [line for line in lines if line["event"] == "uncaught_exception"]
    assert thread["error"] == "ValueError" and thread["error_message"] == "thread for [email] at [ip]"
    assert thread["where"] == "<string>:6:work" or thread["where"].endswith(":work")
    assert main["level"] == "critical" and main["error"] == "RuntimeError"
    assert main["error_message"] == "main for [nir], [phone]"
