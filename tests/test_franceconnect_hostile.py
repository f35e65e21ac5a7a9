"""Issue 15, item 3: the FranceConnect client holds against a hostile provider.

The provider is ours (tests/hostile_provider.py): on 127.0.0.1, threaded, one mode per
attack. Each test plays the dance (our button → the provider's page → our return) with
the Flask test client, and checks what the person sees (title, message, status), that
nobody is signed in, and the cause class logged (`franceconnect_failed reason=…`).

Most tests shorten the deadline (2 s) to stay fast; one keeps the real 10 s for a
provider that drips a byte every 2 s, and one serves the app in a threaded server to
show that other pages keep answering while two returns hang.
"""
from __future__ import annotations

import json
import re
import secrets
import sys
import threading
import time

import pytest
import requests

from flask_helpers import app_on_copy, page, session_rows
from hostile_provider import CLIENT_ID, CLIENT_SECRET, running_hostile

PUBLIC_URL = "http://localhost"
FAILED = ("FranceConnect n'a pas pu vous connecter",
          "FranceConnect n'a pas pu confirmer qui vous êtes.")
UNAVAILABLE = ("FranceConnect ne répond pas", "FranceConnect ne répond pas pour le moment.")
STATE = ("Cette connexion ne marche plus",
         "Cette page de FranceConnect a déjà servi. Ou elle ne vient pas de vous.")
LINKING = "Pour relier FranceConnect à votre compte Caf, connectez-vous une seule fois"
FAST = {"FRANCECONNECT_DEADLINE": 2, "FRANCECONNECT_READ_TIMEOUT": 1,
        "FRANCECONNECT_CONNECT_TIMEOUT": 1}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider():
    with running_hostile() as hostile:
        yield hostile


@pytest.fixture
def hostile(provider):
    provider.reset()
    yield provider
    provider.reset()


def _app(tmp_path, template_db, hostile, **config):
    settings = dict(FAST, FRANCECONNECT_ISSUER=hostile.issuer, PUBLIC_URL=PUBLIC_URL)
    settings.update(config)
    return app_on_copy(tmp_path, template_db, "hostile.db", **settings)


@pytest.fixture
def settings():
    """What a test changes in the app's settings (before the app is made)."""
    return {}


@pytest.fixture
def app(tmp_path, template_db, hostile, settings):
    yield from _app(tmp_path, template_db, hostile, **settings)


@pytest.fixture
def client(app):
    return app.test_client()


class Logs:
    """The «moncompte» lines written on stderr since the test began (as in
    tests/test_audit_log.py)."""

    def __init__(self, capsys) -> None:
        self.capsys = capsys
        self.raw = ""

    def events(self, name: str) -> list[dict]:
        captured = self.capsys.readouterr()
        self.raw += captured.err
        sys.stdout.write(captured.out)  # the timings printed, kept for -rA
        return [line for line in map(_json_line, self.raw.splitlines())
                if line and line.get("event") == name]

    def clear(self) -> None:
        self.events("")
        self.raw = ""

    def causes(self) -> list[str]:
        return [line.get("reason") for line in self.events("franceconnect_failed")]


def _json_line(text: str) -> dict | None:
    return json.loads(text) if text.startswith("{") else None


@pytest.fixture
def logs(app, capsys) -> Logs:
    capsys.readouterr()  # what the app's creation wrote
    return Logs(capsys)


# --- the dance ------------------------------------------------------------------------------------


def start(client) -> str:
    response = client.get("/franceconnect/connexion")
    assert response.status_code == 302, (response.status_code, page(response).text[:300])
    return response.headers["Location"]


def come_back(client, hostile, url: str | None = None):
    """Press the button, sign in at the provider, come back; returns (answer, seconds)."""
    callback = url or hostile.authorize(start(client))
    began = time.monotonic()
    response = client.get(callback)
    seconds = time.monotonic() - began
    print(f"return: {response.status_code} in {seconds:.2f} s")  # shown by -rA
    return response, seconds


def assert_page(response, status: int, words: tuple[str, str]) -> None:
    title, message = words
    shown = page(response)
    assert response.status_code == status, (response.status_code, shown.text[:400])
    assert shown.one("h1").text == title
    assert shown.title.startswith(title)
    assert message in shown.text
    assert shown.link("Se connecter").get("href") == "/connexion"


def assert_nobody_signed_in(app, client) -> None:
    answer = client.get("/mon-compte")
    assert answer.status_code in (302, 303) and answer.headers["Location"].endswith("/connexion")
    rows = session_rows(app)
    assert all(row[1] is None for row in rows), "a session is signed in"
    assert all(len(row[2] or "") < 4096 for row in rows), "something big in a session"
    assert "fc_pending" not in "".join(row[2] or "" for row in rows)
    assert LINKING not in page(client.get("/connexion")).text
    from services.database import db
    from services.models import Account

    with app.app_context():
        linked = db.session.execute(db.select(Account.franceconnect_sub)
                                    .where(Account.franceconnect_sub.is_not(None))).all()
    assert not linked


def assert_refused(app, client, logs, response, status, words, cause) -> None:
    assert_page(response, status, words)
    assert_nobody_signed_in(app, client)
    assert logs.causes() == [cause], logs.causes()


# --- the honest provider: the checks do not refuse what is right ----------------------------------


def test_an_honest_provider_signs_in_with_pkce_and_the_secret_only_at_its_token_endpoint(
        client, hostile, app, logs):
    authorize_url = start(client)
    assert "code_challenge_method=S256" in authorize_url
    response, seconds = come_back(client, hostile, hostile.authorize(authorize_url))
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    assert "Vous êtes identifié avec FranceConnect : Karim B." in page(client.get("/connexion")).text
    token_calls = [r for r in hostile.received if r.path == "/token"]
    assert len(token_calls) == 1
    form = token_calls[0].form
    assert form["client_secret"] == CLIENT_SECRET and form["grant_type"] == "authorization_code"
    assert 43 <= len(form["code_verifier"]) <= 128  # and the provider checked it (S256)
    assert form["redirect_uri"] == f"{PUBLIC_URL}/franceconnect/retour"
    others = [r for r in hostile.received if r.path != "/token"]
    assert not [r for r in others if CLIENT_SECRET in r.body.decode() + json.dumps(r.headers)]
    assert logs.causes() == []
    assert seconds < 2


def test_metadata_and_keys_are_kept_between_sign_ins(tmp_path, template_db, hostile, app):
    for _ in range(3):
        response, _ = come_back(app.test_client(), hostile)
        assert response.status_code == 303
    assert hostile.paths().count("/.well-known/openid-configuration") == 1
    assert hostile.paths().count("/jwks") == 1


@pytest.mark.parametrize("aud", [[CLIENT_ID, "another-client"], CLIENT_ID])
def test_an_audience_list_with_us_and_our_azp_is_accepted(client, hostile, aud):
    hostile.id_token_claims = {"aud": aud, "azp": CLIENT_ID}
    response, _ = come_back(client, hostile)
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"


# --- the ID token ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["alg_none", "hs256_client_secret", "key_in_header"])
def test_a_token_not_signed_by_the_provider_keys_is_refused(client, hostile, app, logs, mode):
    hostile.mode = mode
    response, _ = come_back(client, hostile)
    assert_refused(app, client, logs, response, 400, FAILED, "bad_signature")
    # The key the token names is never fetched, nor used.
    assert "/attacker-jwks" not in hostile.paths()


def _now() -> int:
    return int(time.time())


CLAIMS = {
    "wrong_iss": lambda: {"iss": "http://127.0.0.1:1/another-issuer"},
    "wrong_aud_with_our_azp": lambda: {"aud": "another-client", "azp": CLIENT_ID},
    "aud_list_without_us": lambda: {"aud": ["another-client", "a-third"], "azp": "another-client"},
    "aud_list_with_us_without_azp": lambda: {"aud": [CLIENT_ID, "another-client"]},
    "azp_of_another_client": lambda: {"azp": "another-client"},
    "expired": lambda: {"iat": _now() - 600, "exp": _now() - 120},
    "iat_in_the_future": lambda: {"iat": _now() + 600, "exp": _now() + 900},
    "no_exp": lambda: {"exp": None},
    "exp_infinite": lambda: {"exp": float("inf")},
    "iat_a_string": lambda: {"iat": str(_now())},
    "nonce_missing": lambda: {"nonce": None},
    "nonce_different": lambda: {"nonce": secrets.token_urlsafe(32)},
    "acr_unknown": lambda: {"acr": "eidas0"},
    "sub_not_ascii": lambda: {"sub": "fc-karim-é"},
}


@pytest.mark.parametrize("case", CLAIMS)
def test_an_id_token_with_wrong_claims_is_refused(client, hostile, app, logs, case):
    hostile.id_token_claims = CLAIMS[case]()
    response, _ = come_back(client, hostile)
    assert_refused(app, client, logs, response, 400, FAILED, "bad_claims")
    assert "/userinfo" not in hostile.paths()


def test_a_key_rotated_under_the_same_kid_is_fetched_again_once(tmp_path, template_db, hostile, app, logs):
    first, _ = come_back(app.test_client(), hostile)
    assert first.status_code == 303
    assert hostile.paths().count("/jwks") == 1
    hostile.rotate()
    second, _ = come_back(app.test_client(), hostile)
    assert second.status_code == 303 and second.headers["Location"] == "/connexion"
    assert hostile.paths().count("/jwks") == 2
    third, _ = come_back(app.test_client(), hostile)
    assert third.status_code == 303
    assert hostile.paths().count("/jwks") == 2  # the new key set is kept
    assert logs.causes() == []


# --- the return: state, replay -------------------------------------------------------------------


def test_a_state_that_is_not_ours_is_refused_before_any_call(client, hostile, app, logs):
    callback = hostile.authorize(start(client))
    forged = re.sub(r"state=[^&]+", "state=" + secrets.token_urlsafe(32), callback)
    response, _ = come_back(client, hostile, forged)
    assert_refused(app, client, logs, response, 400, STATE, "state")
    assert "/token" not in hostile.paths()


def test_a_replayed_callback_is_refused(client, hostile, app, logs):
    callback = hostile.authorize(start(client))
    first, _ = come_back(client, hostile, callback)
    assert first.status_code == 303
    client.post("/franceconnect/annuler-liaison", data={"csrf_token": _csrf(client)})
    again, _ = come_back(client, hostile, callback)
    assert_refused(app, client, logs, again, 400, STATE, "state")
    assert hostile.paths().count("/token") == 1


def _csrf(client) -> str:
    from flask_helpers import get_csrf

    return get_csrf(client)


# --- the userinfo ------------------------------------------------------------------------------


def test_a_userinfo_about_someone_else_is_refused(client, hostile, app, logs):
    hostile.userinfo_claims = {"sub": "fc-veronique-f", "given_name": "Véronique"}
    response, _ = come_back(client, hostile)
    assert_refused(app, client, logs, response, 400, FAILED, "bad_claims")
    assert "Véronique" not in page(client.get("/connexion")).text


FORMATS = {
    "birthdate": "23/01/1975", "gender": "M", "birthplace": "Lyon 3e", "birthcountry": "France",
    "given_name": ["Karim"], "family_name": "B.\u0000",
}


@pytest.mark.parametrize("claim", FORMATS)
def test_claims_out_of_franceconnect_formats_are_refused(client, hostile, app, logs, claim):
    hostile.userinfo_claims = {claim: FORMATS[claim]}
    response, _ = come_back(client, hostile)
    assert_refused(app, client, logs, response, 400, FAILED, "bad_claims")


def test_an_empty_birthplace_born_abroad_is_accepted(client, hostile):
    hostile.userinfo_claims = {"birthplace": "", "birthcountry": "99350"}
    response, _ = come_back(client, hostile)
    assert response.status_code == 303


def test_a_name_longer_than_its_bound_is_refused(client, hostile, app, logs):
    hostile.userinfo_claims = {"given_name": "Karim" * 60}  # 300 characters, 1 KB answer
    response, _ = come_back(client, hostile)
    assert_refused(app, client, logs, response, 400, FAILED, "too_large")


@pytest.mark.parametrize("mode,path", [("token_10mb", "/token"), ("id_token_10mb", "/token"),
                                       ("userinfo_10mb", "/userinfo")])
def test_10_mb_answers_and_claims_are_refused_without_reading_them(client, hostile, app, logs,
                                                                 mode, path):
    hostile.mode = mode
    response, seconds = come_back(client, hostile)
    assert_refused(app, client, logs, response, 400, FAILED, "too_large")
    assert seconds < 2
    assert len(response.get_data()) < 30_000
    # We stopped reading at 64 KiB (the Content-Length said more): the provider could not
    # send it all. Its thread learns so when a write fails, which may come a moment after
    # our answer on a loaded machine (it flaked once): wait for it, a few seconds at most.
    deadline = time.monotonic() + 5
    while path not in hostile.sent_whole and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hostile.sent_whole.get(path) is False, hostile.sent_whole


# --- the discovery document --------------------------------------------------------------------


def test_a_discovery_document_of_another_issuer_is_refused(client, hostile, app, logs):
    hostile.discovery = {"issuer": "http://127.0.0.1:1/another-issuer"}
    response = client.get("/franceconnect/connexion")
    assert_refused(app, client, logs, response, 503, UNAVAILABLE, "bad_metadata")


@pytest.mark.parametrize("endpoint", ["authorization_endpoint", "userinfo_endpoint", "jwks_uri",
                                      "end_session_endpoint"])
def test_an_endpoint_on_another_host_is_refused(client, hostile, app, logs, endpoint):
    hostile.discovery = {endpoint: f"http://localhost:{hostile.port}/elsewhere"}
    response = client.get("/franceconnect/connexion")
    assert_refused(app, client, logs, response, 503, UNAVAILABLE, "bad_metadata")


@pytest.fixture
def elsewhere():
    """A second server of ours: a token endpoint on another host."""
    with running_hostile() as other:
        yield other


@pytest.mark.parametrize("settings", [{"FRANCECONNECT_JWKS_SECONDS": 0}])
def test_a_token_endpoint_on_another_host_never_gets_our_secret(client, hostile, app, logs,
                                                               elsewhere):
    foreign = {"token_endpoint": f"http://localhost:{elsewhere.port}/token"}
    # Announced from the start: the button already refuses the provider.
    hostile.discovery = foreign
    assert_page(client.get("/franceconnect/connexion"), 503, UNAVAILABLE)
    assert logs.causes() == ["bad_metadata"]
    logs.clear()
    # Announced between the button and the return (the metadata is read again each time
    # here, FRANCECONNECT_JWKS_SECONDS=0): the return refuses it.
    hostile.discovery = {}
    authorize_url = start(client)
    hostile.discovery = foreign
    response, _ = come_back(client, hostile, hostile.authorize(authorize_url))
    assert_refused(app, client, logs, response, 503, UNAVAILABLE, "bad_metadata")
    assert elsewhere.received == [], "the other host received something"
    assert not [r for r in hostile.received if CLIENT_SECRET in r.body.decode()]


def test_a_listed_host_may_hold_the_token_endpoint(tmp_path, template_db, hostile, elsewhere):
    """FRANCECONNECT_ALLOWED_HOSTS: the same provider, its token endpoint on a second host."""
    hostile.discovery = {"token_endpoint": f"http://localhost:{elsewhere.port}/token"}
    elsewhere.issuer, elsewhere.codes = hostile.issuer, hostile.codes
    elsewhere.access_tokens = hostile.access_tokens
    made = _app(tmp_path, template_db, hostile,
                FRANCECONNECT_ALLOWED_HOSTS=f"other.example, localhost:{elsewhere.port}")
    app = next(made)
    try:
        response, _ = come_back(app.test_client(), hostile)
        assert response.status_code == 303 and response.headers["Location"] == "/connexion"
        assert [r.path for r in elsewhere.received] == ["/token"]
        assert "/token" not in hostile.paths()
    finally:
        next(made, None)


# --- a provider that hangs or drips ------------------------------------------------------------


@pytest.mark.parametrize("settings", [{"FRANCECONNECT_DEADLINE": 2,
                                       "FRANCECONNECT_READ_TIMEOUT": 5}])
def test_a_token_endpoint_that_hangs_ends_on_the_deadline(client, hostile, app, logs):
    hostile.mode = "token_hangs"
    response, seconds = come_back(client, hostile)
    assert_refused(app, client, logs, response, 504, UNAVAILABLE, "timeout")
    assert 1.8 <= seconds < 3, seconds


def test_a_discovery_that_hangs_gives_the_button_a_504_on_the_deadline(client, hostile, app, logs):
    hostile.mode = "discovery_hangs"
    began = time.monotonic()
    response = client.get("/franceconnect/connexion")
    seconds = time.monotonic() - began
    print(f"button: {response.status_code} in {seconds:.2f} s")
    assert_refused(app, client, logs, response, 504, UNAVAILABLE, "timeout")
    assert seconds < 2.5, seconds


@pytest.mark.parametrize("settings", [{"FRANCECONNECT_DEADLINE": 3,
                                       "FRANCECONNECT_READ_TIMEOUT": 5}])
def test_a_token_endpoint_that_drips_its_headers_is_cut_at_the_deadline(client, hostile, app, logs):
    hostile.mode = "token_drips_headers"
    response, seconds = come_back(client, hostile)
    assert_refused(app, client, logs, response, 504, UNAVAILABLE, "timeout")
    assert 2.8 <= seconds < 4, seconds


@pytest.mark.parametrize("settings", [{"FRANCECONNECT_DEADLINE": 10,
                                       "FRANCECONNECT_READ_TIMEOUT": 5,
                                       "FRANCECONNECT_CONNECT_TIMEOUT": 3}])
def test_a_token_endpoint_that_drips_a_byte_every_2_s_ends_within_12_s(client, hostile, app, logs):
    """The real settings: 10 s for the whole return, 5 s between two bytes."""
    hostile.mode = "token_drips"
    response, seconds = come_back(client, hostile)
    assert_refused(app, client, logs, response, 504, UNAVAILABLE, "timeout")
    assert 9.5 <= seconds < 12, seconds


def _serving(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


@pytest.mark.parametrize("settings", [{"FRANCECONNECT_DEADLINE": 4,
                                       "FRANCECONNECT_READ_TIMEOUT": 5}])
def test_other_pages_keep_answering_while_two_returns_hang(client, hostile, app, logs):
    server, thread, base = _serving(app)
    try:
        browsers = [requests.Session() for _ in range(2)]
        callbacks = []
        for browser in browsers:
            answer = browser.get(base + "/franceconnect/connexion", allow_redirects=False,
                                 timeout=5)
            assert answer.status_code == 302
            callbacks.append(hostile.authorize(answer.headers["Location"]))
        hostile.mode = "token_hangs"
        results: list[tuple[int, float, str]] = []

        def come_back_hung(browser, callback) -> None:
            began = time.monotonic()
            answer = browser.get(base + callback, allow_redirects=False, timeout=20)
            results.append((answer.status_code, time.monotonic() - began, answer.text))

        hung = [threading.Thread(target=come_back_hung, args=pair)
                for pair in zip(browsers, callbacks)]
        for t in hung:
            t.start()
        time.sleep(0.3)
        waits = []
        while any(t.is_alive() for t in hung):
            began = time.monotonic()
            answer = requests.get(base + "/connexion", timeout=5)
            waits.append(time.monotonic() - began)
            assert answer.status_code == 200
            time.sleep(0.2)
        for t in hung:
            t.join()
        print(f"returns: {[(s, round(t, 2)) for s, t, _ in results]}; /connexion meanwhile: "
              f"{len(waits)} answers, slowest {max(waits):.3f} s")
        assert len(waits) >= 5, waits
        assert max(waits) < 1, waits
        assert [status for status, _, _ in results] == [504, 504]
        assert all(seconds < 5 for _, seconds, _ in results), results
        assert all(UNAVAILABLE[0] in text for _, _, text in results)
        assert logs.causes() == ["timeout", "timeout"]
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert_nobody_signed_in(app, client)
