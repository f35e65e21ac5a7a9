"""Structured logs (issue 8): one JSON line on stderr per request and per security event,
and no personal data in them beyond pseudonyms (services/audit_log.py).

The lines are read where they really go: the «moncompte» handler writes to whatever
sys.stderr is when it writes, so pytest's `capsys` holds exactly what an operator would see.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, SESSION_COOKIE, VERONIQUE_NIR,
                           VERONIQUE_PASSWORD, account_id_of, cookie_value, csrf_from, get_csrf,
                           sign_in, update_account)

NEW_PASSWORD = "Soleil2Marche7"
MAIL = "veronique.f@example.org"
MOBILE = "06 12 34 56 78"
UNKNOWN_NIR = "2 99 12 75 123 456"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


# --- reading the lines ---------------------------------------------------------------------

class Logs:
    """Everything written to stderr since the test began, kept across reads."""

    def __init__(self, capsys) -> None:
        self.capsys = capsys
        self.raw = ""

    def read(self) -> str:
        self.raw += self.capsys.readouterr().err
        return self.raw

    def lines(self) -> list[dict]:
        found = []
        for line in self.read().splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))  # every line of ours is valid JSON
        return found

    def events(self, name: str) -> list[dict]:
        return [line for line in self.lines() if line["event"] == name]

    def one(self, name: str, **expected) -> dict:
        found = self.events(name)
        assert len(found) == 1, (name, found)
        for key, value in expected.items():
            assert found[0].get(key) == value, (name, key, found[0])
        return found[0]

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict]:
        return [line for line in self.events("request")
                if (method is None or line["method"] == method)
                and (path is None or line["path"] == path)]

    def clear(self) -> None:
        self.read()
        self.raw = ""


@pytest.fixture
def logs(app, capsys) -> Logs:
    capsys.readouterr()  # what the app's creation may have written
    return Logs(capsys)


def who(app, identifier: str) -> str:
    from services.audit_log import normalized_identifier, pseudonym

    with app.app_context():
        return pseudonym(normalized_identifier(identifier))


def post_form(client, url: str, data: dict, csrf_url: str | None = None):
    return client.post(url, data=dict(data, csrf_token=get_csrf(client, csrf_url or url)))


def newest_code(client) -> str:
    body = client.get("/dev/messages.json").get_json()[0]["body"]
    return re.search(r"\b(\d{6})\b", body).group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def veronique_at_contact(app, client) -> None:
    """Véronique signed in, her CGU accepted and her new password chosen, as she would."""
    assert sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD).status_code == 303
    post_form(client, "/premiere-connexion/conditions", {"accept": "y"})
    response = post_form(client, "/premiere-connexion/mot-de-passe",
                         {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.headers["Location"] == "/premiere-connexion/coordonnees"


def give_contact(client, channel: str = "mail", mobile: str = ""):
    return post_form(client, "/premiere-connexion/coordonnees",
                     {"mobile": mobile, "other_phone": "", "email": MAIL, "channel": channel})


def karim_reset_link(client) -> str:
    """Karim's forgotten password up to the new-password page; its address (with the token)."""
    post_form(client, "/mot-de-passe-oublie", {"nir": KARIM_NIR})
    response = post_form(client, "/mot-de-passe-oublie/code", {"code": newest_code(client)})
    assert response.status_code == 303
    return response.headers["Location"]


# --- the format ------------------------------------------------------------------------------

def test_one_request_line_per_page_with_status_duration_and_a_request_id(client, logs):
    response = client.get("/connexion?ref=ATT-2026-ABCDEF")
    lines = logs.lines()
    assert len(lines) == 1
    line = lines[0]
    assert list(line)[:3] == ["ts", "level", "event"]
    assert ISO_MS.match(line["ts"])
    assert line["level"] == "info" and line["event"] == "request"
    assert line["method"] == "GET" and line["path"] == "/connexion"
    assert line["endpoint"] == "auth.sign_in" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and 0 < line["duration_ms"] < 5000
    assert line["bytes"] == len(response.get_data())
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert response.headers["X-Request-Id"] == line["request_id"]
    assert re.fullmatch(r"[0-9a-f]{16}", line["client"])
    assert "ATT-2026" not in logs.raw and "ref=" not in logs.raw


def test_a_redirect_a_404_and_a_post_each_have_their_line_and_static_files_none(client, logs):
    client.get("/premiere-connexion")             # a redirect
    client.get("/page-qui-n-existe-pas")          # a 404
    client.post("/connexion", data={"nir": "", "password": ""})  # a refused form
    client.get("/static/app.css")                 # a static file: no line
    lines = logs.requests()
    assert [(line["method"], line["status"]) for line in lines] == [
        ("GET", 303), ("GET", 404), ("POST", 400)]
    assert lines[1]["endpoint"] is None and lines[1]["path"] == "/page-qui-n-existe-pas"
    assert len({line["request_id"] for line in lines}) == 3


def test_the_compressed_size_is_logged(client, logs):
    response = client.get("/connexion", headers={"Accept-Encoding": "br"})
    assert response.headers.get("Content-Encoding") == "br"
    assert logs.one("request")["bytes"] == len(response.get_data())


def test_a_sane_request_id_from_the_proxy_is_kept_any_other_is_replaced(client, logs):
    given = "5f0c2a9e-8c1d-4f7a-9b3e-2a6d0c1e4b77"
    def answered_id(sent: str) -> str:
        return client.get("/connexion", headers={"X-Request-Id": sent}).headers["X-Request-Id"]

    assert answered_id(given) == given
    for bad in ("short", VERONIQUE_NIR, MAIL, "x" * 65, "a b c d e f g h i j"):
        assert answered_id(bad) != bad
    ids = [line["request_id"] for line in logs.requests()]
    assert ids[0] == given and len(set(ids)) == 6


def test_route_variables_and_unknown_addresses_do_not_reach_the_logs(client, logs):
    client.get("/mot-de-passe-oublie/nouveau/a-secret-reset-token-value")
    client.get(f"/inconnu/{VERONIQUE_NIR}/{MAIL}")
    paths = [line["path"] for line in logs.requests()]
    assert paths == ["/mot-de-passe-oublie/nouveau/<token>", "/inconnu/*/*"]
    assert "a-secret-reset-token" not in logs.raw


def test_the_healthy_health_check_writes_nothing(client, logs):
    assert client.get("/sante").status_code == 200
    assert logs.lines() == []


def test_the_handler_is_added_once_however_many_apps(app, tmp_path):
    import logging

    from flask_helpers import make_app
    from services.audit_log import _StderrHandler

    make_app(tmp_path / "a.db")
    make_app(tmp_path / "b.db")
    logger = logging.getLogger("moncompte")
    # (pytest adds capture handlers of its own; ours is there once.)
    assert sum(isinstance(h, _StderrHandler) for h in logger.handlers) == 1
    assert logger.propagate is False


def test_text_format_for_development_and_a_wrong_format_refused(tmp_path, capsys):
    from flask_helpers import make_app
    from services.audit_log import security_event
    from services.config import ConfigError

    try:
        app = make_app(tmp_path / "a.db", LOG_FORMAT="text")
        with app.test_request_context("/"):
            security_event("sign_out", "nir:" + KARIM_NIR)
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert re.match(r"^\d{4}-\d\d-\d\dT[\d:.]+Z info +sign_out who=[0-9a-f]{16} ", line)
        with pytest.raises(ConfigError):
            make_app(tmp_path / "b.db", LOG_FORMAT="xml")
    finally:
        make_app(tmp_path / "c.db")  # back to JSON for the tests that follow


def test_a_field_named_like_personal_data_is_refused(app):
    from services.audit_log import security_event

    with app.app_context(), pytest.raises(TypeError):
        security_event("code_sent", phone=MOBILE)


# --- signing in -------------------------------------------------------------------------------

def test_a_successful_sign_in(app, client, logs):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    event = logs.one("sign_in_ok", level="info", who=who(app, KARIM_NIR),
                     account=account_id_of(app, KARIM_NIR), method="password")
    post_line = logs.requests("POST", "/connexion")[0]
    assert event["request_id"] == post_line["request_id"] and event["client"] == post_line["client"]
    assert logs.events("sign_in_failed") == []


def test_the_same_person_has_the_same_who_however_the_number_is_typed(app, client, logs):
    sign_in(client, "1 75 01 69 123 045", "PasLeBon123")
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert logs.one("sign_in_failed")["who"] == logs.one("sign_in_ok")["who"]


def test_a_wrong_password_and_an_unknown_number_give_the_same_reason(app, client, logs):
    assert sign_in(client, KARIM_NIR, "PasLeBon123").status_code == 401
    assert sign_in(client, UNKNOWN_NIR, "PasLeBon123").status_code == 401
    wrong, unknown = logs.events("sign_in_failed")
    assert wrong["who"] == who(app, KARIM_NIR) and unknown["who"] == who(app, "2991275123456")
    for event in (wrong, unknown):
        assert event["level"] == "warning" and event["reason"] == "unknown_or_wrong"
        assert "account" not in event
    assert set(wrong) == set(unknown)
    assert logs.events("sign_in_ok") == []


def test_a_wrong_provisional_identifier_password(app, client, logs):
    response = post_form(client, "/identifiant-provisoire",
                         {"provisional_id": "P 2024 0016", "password": "PasLeBon123"})
    assert response.status_code == 401
    logs.one("sign_in_failed", who=who(app, "P20240016"), reason="unknown_or_wrong")


def test_the_lock_after_five_wrong_passwords(app, client, logs):
    token = get_csrf(client)
    for _ in range(5):
        client.post("/connexion", data={"csrf_token": token, "nir": KARIM_NIR,
                                        "password": "PasLeBon123"})
    assert logs.events("sign_in_locked") == []
    blocked = client.post("/connexion", data={"csrf_token": token, "nir": KARIM_NIR,
                                              "password": "PasLeBon123"})
    assert blocked.status_code == 429
    assert len(logs.events("sign_in_failed")) == 5
    event = logs.one("sign_in_locked", level="warning", who=who(app, KARIM_NIR),
                     limit="per_identifier")
    assert event["request_id"] == logs.requests("POST", "/connexion")[-1]["request_id"]
    assert logs.requests("POST", "/connexion")[-1]["status"] == 429


def test_the_lock_of_one_address(app, client, logs):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 10 minutes"
    token = get_csrf(client)
    for nir in ("2 99 12 75 123 456", "1 88 03 13 055 010", "2 01 07 33 063 120"):
        client.post("/connexion", data={"csrf_token": token, "nir": nir, "password": "x1234567"})
    event = logs.one("sign_in_locked", limit="per_address")
    assert event["client"] == logs.requests("POST")[-1]["client"]


# --- codes -------------------------------------------------------------------------------------

def test_a_code_sent_by_mail_then_a_wrong_code_then_the_right_one(app, client, logs):
    veronique_at_contact(app, client)
    account = account_id_of(app, VERONIQUE_NIR)
    mine = who(app, VERONIQUE_NIR)
    assert give_contact(client).status_code == 303
    logs.one("code_sent", who=mine, account=account, channel="mail", purpose="contact")
    code = newest_code(client)
    post_form(client, "/premiere-connexion/code", {"code": other_code(code)})
    logs.one("code_wrong", level="warning", who=mine, purpose="contact", wrong_tries=1)
    post_form(client, "/premiere-connexion/code", {"code": "12"})  # mistyped: no event
    assert len(logs.events("code_wrong")) == 1 and logs.events("code_dead") == []
    assert logs.events("code_confirmed") == []
    post_form(client, "/premiere-connexion/code", {"code": code})
    logs.one("code_confirmed", level="info", who=mine, purpose="contact", channel="mail")


def test_a_code_sent_by_sms(app, client, logs):
    veronique_at_contact(app, client)
    assert give_contact(client, channel="sms", mobile=MOBILE).status_code == 303
    logs.one("code_sent", channel="sms", purpose="contact")


def test_a_code_that_could_not_be_sent(app, client, logs, monkeypatch):
    from services import messages

    def broken(message):
        raise messages.SendError("gateway down")

    veronique_at_contact(app, client)
    monkeypatch.setitem(messages.BACKENDS, "outbox", broken)
    assert give_contact(client).status_code == 303  # the page does not wait for the worker
    logs.one("code_queued", who=who(app, VERONIQUE_NIR), channel="mail", purpose="contact")
    logs.one("code_send_failed", level="warning", who=who(app, VERONIQUE_NIR),
             channel="mail", purpose="contact", reason="gateway down", attempts=3)
    assert logs.events("code_sent") == []


def test_five_wrong_codes_kill_it(app, client, logs):
    veronique_at_contact(app, client)
    give_contact(client)
    wrong = other_code(newest_code(client))
    for _ in range(5):
        post_form(client, "/premiere-connexion/code", {"code": wrong})
    assert len(logs.events("code_wrong")) == 4
    logs.one("code_dead", reason="too_many_tries", wrong_tries=5, purpose="contact")


def test_an_expired_code(app, client, logs):
    from services.database import db
    from services.models import VerificationCode

    veronique_at_contact(app, client)
    give_contact(client)
    code = newest_code(client)
    with app.app_context():
        db.session.execute(db.update(VerificationCode).values(
            sent_at=datetime.utcnow() - timedelta(minutes=11)))
        db.session.commit()
    post_form(client, "/premiere-connexion/code", {"code": code})
    logs.one("code_dead", reason="expired", purpose="contact")


# --- passwords, resets, sign-out ----------------------------------------------------------------

def test_a_password_changed_in_the_first_login(app, client, logs):
    veronique_at_contact(app, client)
    event = logs.one("password_changed", who=who(app, VERONIQUE_NIR),
                     account=account_id_of(app, VERONIQUE_NIR), where="first_login")
    line = logs.requests("POST", "/premiere-connexion/mot-de-passe")[-1]
    assert line["status"] == 303 and event["request_id"] == line["request_id"]


def test_a_password_changed_by_reset_and_the_sessions_ended(app, client, logs):
    elsewhere = app.test_client()
    sign_in(elsewhere, KARIM_NIR, KARIM_PASSWORD)
    link = karim_reset_link(client)
    mine, account = who(app, KARIM_NIR), account_id_of(app, KARIM_NIR)
    logs.one("password_reset_requested", who=mine, known=True)
    logs.one("code_sent", who=mine, channel="sms", purpose="reset")
    logs.one("code_confirmed", who=mine, purpose="reset", channel="sms")
    post_form(client, link, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    logs.one("password_changed", who=mine, account=account, where="reset")
    logs.one("sessions_ended", who=mine, account=account, count=1)
    names = [line["event"] for line in logs.lines() if line["event"] != "request"]
    assert names.index("password_changed") < names.index("sessions_ended")


def test_a_reset_for_a_number_without_account_is_logged_as_unknown(app, client, logs):
    response = post_form(client, "/mot-de-passe-oublie", {"nir": UNKNOWN_NIR})
    assert response.status_code == 303
    logs.one("password_reset_requested", who=who(app, "2991275123456"), known=False)
    assert logs.events("code_sent") == []


def test_a_sign_out(app, client, logs):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    home = client.get("/mon-compte")
    client.post("/deconnexion", data={"csrf_token": csrf_from(home)})
    event = logs.one("sign_out", who=who(app, KARIM_NIR), account=account_id_of(app, KARIM_NIR))
    assert event["request_id"] == logs.requests("POST", "/deconnexion")[0]["request_id"]
    client.post("/deconnexion", data={"csrf_token": get_csrf(client)})  # signed out already
    assert len(logs.events("sign_out")) == 1


def test_franceconnect_unlinked_and_failed(app, client, logs):
    update_account(app, KARIM_NIR, franceconnect_sub="fc-karim-b")
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    client.post("/franceconnect/delier", data={"csrf_token": get_csrf(client, "/mon-compte")})
    logs.one("franceconnect_unlinked", who=who(app, KARIM_NIR))
    client.get("/franceconnect/retour?error=access_denied")
    logs.one("franceconnect_failed", level="warning", reason="denied")
    assert "fc-karim-b" not in logs.raw


# --- privacy --------------------------------------------------------------------------------------

def test_no_personal_data_in_veroniques_whole_first_login(app, client, logs):
    """Véronique's whole first login, every line captured: none of what she typed or
    received, nor her address, is in the logs; only pseudonyms are."""
    response = sign_in(client, "2 84 05 75 108 123", VERONIQUE_PASSWORD, remember=True)
    assert response.headers["Location"] == "/premiere-connexion/conditions"
    post_form(client, "/premiere-connexion/conditions", {"accept": "y"})
    post_form(client, "/premiere-connexion/mot-de-passe",
              {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert give_contact(client, channel="sms", mobile=MOBILE).status_code == 303
    code = newest_code(client)
    post_form(client, "/premiere-connexion/code", {"code": other_code(code)})
    response = post_form(client, "/premiere-connexion/code", {"code": code})
    assert response.headers["Location"] == "/mon-compte"
    home = client.get("/mon-compte")
    secrets = [cookie_value(client, SESSION_COOKIE), cookie_value(client, "moncompte_nir"),
               csrf_from(home)]
    client.post("/deconnexion", data={"csrf_token": csrf_from(home)})

    names = {line["event"] for line in logs.lines()}
    assert {"sign_in_ok", "password_changed", "code_sent", "code_wrong", "code_confirmed",
            "sign_out", "request"} <= names
    text = logs.read()
    forbidden = ["2 84 05 75 108 123", VERONIQUE_NIR, "28405751081", VERONIQUE_PASSWORD,
                 NEW_PASSWORD, MOBILE, "0612345678", "612345678", "+336", MAIL, "veronique",
                 "VERONIQUE", "Véronique", code, other_code(code), "127.0.0.1", *secrets]
    for value in forbidden:
        assert value and value not in text, value


def test_no_personal_data_in_karims_reset(app, client, logs):
    link = karim_reset_link(client)
    token = link.rsplit("/", 1)[-1]
    post_form(client, link, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    sign_in(client, KARIM_NIR, NEW_PASSWORD)
    text = logs.read()
    assert logs.events("password_changed")
    for value in (KARIM_NIR, "1 75 01 69 123 045", KARIM_PASSWORD, NEW_PASSWORD, token,
                  "+33612345678", "karim", "127.0.0.1"):
        assert value not in text, value


def test_the_new_device_check_and_a_remembered_device_are_logged(tmp_path, capsys) -> None:
    """With NEW_DEVICE_CHECK on: the check starts (a code sent), then the device is remembered."""
    import json as _json

    from app import create_app
    from flask_helpers import KARIM_NIR, KARIM_PASSWORD, csrf_from, sign_in
    from services.database import create_schema
    from services.demo import load_demo_data

    app = create_app({"TESTING": True, "SECRET_KEY": "t" * 32, "NEW_DEVICE_CHECK": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db",
                      "QUEUE_URI": "immediate", "MESSAGE_RETRY_SECONDS": 0})
    with app.app_context():
        create_schema()
        load_demo_data()
    client = app.test_client()
    capsys.readouterr()
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    with app.app_context():
        from services.models import OutboxMessage
        from services.database import db
        body = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first().body
    import re as _re
    code = _re.search(r"\b(\d{6})\b", body).group(1)
    page = client.get("/connexion/nouvel-appareil")
    client.post("/connexion/nouvel-appareil", data={"csrf_token": csrf_from(page), "code": code,
                                                   "remember_device": "y"})
    lines = [_json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    events = [line["event"] for line in lines]
    assert "new_device_check" in events and "device_remembered" in events
    check = next(line for line in lines if line["event"] == "new_device_check")
    assert check["code_sent"] is True and len(check["who"]) == 16
    assert events.index("new_device_check") < events.index("sign_in_ok") < events.index("device_remembered")


def test_every_other_logger_writes_through_the_one_handler_of_the_root(app, capsys):
    """Flask's `app` logger, Flask-Limiter, Alembic, Werkzeug, huey: no handler of their own
    writes to the terminal; the root's handler writes their lines as JSON (issue 15)."""
    import logging

    from flask.logging import default_handler

    from services.audit_log import _StderrHandler

    root = logging.getLogger()
    assert sum(isinstance(h, _StderrHandler) for h in root.handlers) == 1
    assert default_handler not in app.logger.handlers
    for name in (app.logger.name, "flask-limiter", "alembic", "werkzeug", "huey"):
        library = logging.getLogger(name)
        assert library.propagate, name
        assert not [h for h in library.handlers if isinstance(h, logging.StreamHandler)], name
    capsys.readouterr()
    logging.getLogger("some.library").warning("for %s", MAIL)
    line = json.loads(capsys.readouterr().err)
    assert (line["event"], line["source"], line["message"]) == ("library", "some.library",
                                                                "for [email]")
