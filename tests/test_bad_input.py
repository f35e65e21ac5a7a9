"""Bad input on every form and htmx endpoint (issue 8, item 6), property-based (hypothesis).

Arbitrary text, raw bytes under odd Content-Types, huge, empty, missing, duplicated and
unknown fields, missing / empty / random / another session's / valid CSRF tokens, with and
without `HX-Request: true`, and wrong methods. For every request:

- never a 5xx; a 4xx HTML page (not an htmx fragment) is a FALC page: an <h1>, no traceback;
- a request without this session's valid CSRF token changes nothing in the database
  (accounts' credentials, journey and contact, sessions of signed-in people and the
  journey data kept in every existing session, verification codes, outbox, attestations).
  Creating or refreshing the session row of an anonymous visitor (to hold a CSRF token) is
  not a change of state: new rows without an account are allowed;
- with a valid token, a refused request (4xx) leaves the person's journey, credentials and
  contact, the sessions' owners, the codes, the outbox and the attestations as they were.

The endpoints come from `app.url_map`: a POST route missing from POST_STATES (how to reach
the state where it means something) fails the meta-test, so a new route is covered.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, SESSION_COOKIE, VERONIQUE_NIR,
                           VERONIQUE_PASSWORD, csrf_from, fresh_database, get_csrf, make_app,
                           sign_in, update_account)

MAX_CONTENT_LENGTH = 64 * 1024
_BASE = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])


def fuzz(examples: int) -> settings:
    """Reproducible in CI (derandomize), sized so that the whole file runs in about 15 s (the suite has a 10-minute budget)."""
    return settings(_BASE, max_examples=examples)

# --- the states where each endpoint means something ------------------------------------

# State name → the page whose form gives this session's CSRF token.
STATE_PAGES = {
    "anon": "/connexion",
    "fc_pending": "/connexion",
    "cgu": "/premiere-connexion/conditions",
    "password": "/premiere-connexion/mot-de-passe",
    "contact": "/premiere-connexion/coordonnees",
    "code": "/premiere-connexion/code",
    "done": "/mon-compte/attestations",
    "contact_change": "/mon-compte/coordonnees/code",
    "contact_reauth": "/mon-compte/coordonnees/mot-de-passe",
    "reset": "/mot-de-passe-oublie/code",
    "reset_token": None,  # /mot-de-passe-oublie/nouveau/<token>
    "device": "/connexion/nouvel-appareil",
}

# Every endpoint that takes a POST → the state in which it is meaningful.
POST_STATES = {
    "auth.sign_in": "anon",
    "auth.provisional_sign_in": "anon",
    "auth.check_nir": "anon",
    "auth.forget_nir": "anon",
    "auth.sign_out": "done",
    "auth.stay_signed_in": "done",
    "auth.new_device": "device",
    "auth.new_device_live": "device",
    "auth.new_device_code": "device",
    "first_login.cgu": "cgu",
    "first_login.password": "password",
    "first_login.password_rules": "password",
    "first_login.contact": "contact",
    "first_login.code": "code",
    "first_login.code_live": "code",
    "first_login.new_code": "code",
    "first_login.change_contact": "code",
    "account.new_attestation": "done",
    "account.contact": "done",
    "account.contact_password": "contact_reauth",
    "account.contact_code": "contact_change",
    "account.contact_code_live": "contact_change",
    "account.contact_new_code": "contact_change",
    "account.contact_cancel": "contact_change",
    "password_reset.start": "anon",
    "password_reset.code": "reset",
    "password_reset.code_live": "reset",
    "password_reset.new_code": "reset",
    "password_reset.choose": "reset_token",
    "password_reset.choose_rules": "reset_token",
    "franceconnect.cancel_link": "fc_pending",
    "franceconnect.unlink": "done",
}

# GET routes that read what the visitor typed (query arguments or the path).
GET_ARGS = {
    "pages.check_attestation": ("anon", ["reference"]),
    "account.payments": ("done", ["du", "au"]),
    "account.statement": ("done", ["du", "au"]),
    "password_reset.choose": ("anon", ["<token>"]),
    "pages.help_page": ("anon", ["<slug>"]),
    "auth.new_device": ("device", []),
    "franceconnect.callback": ("anon", ["error", "state", "code"]),
}

# Harmless values for the path variables of routes, for the wrong-method sweep.
PATH_DEFAULTS = {"token": "x", "slug": "nia", "letter_id": 1, "filename": "css/app.css"}

FIELD_NAMES = ["nir", "password", "remember", "provisional_id", "accept", "new_password",
               "confirm_password", "mobile", "other_phone", "email", "channel", "code",
               "remember_device", "quitter", "du", "au", "reference"]

FC_PENDING = {"sub": "fc-test-sub", "id_token": "not.a.token", "given_name": "Karim",
              "family_name": "B"}


# --- apps and database ----------------------------------------------------------------------

class Env:
    """One app per module on its own database (a SQLite file, or a PostgreSQL schema),
    restored from the template per example."""

    def __init__(self, app, tmp: Path, name: str, template) -> None:
        self.app, self.tmp, self.name, self.template = app, tmp, name, template

    def fresh(self) -> None:
        from services.database import db
        from services.limiter import limiter

        with self.app.app_context():
            db.engine.dispose()
            limiter.reset()  # this app's own limit store
        fresh_database(self.tmp, self.template, self.name)


@pytest.fixture(scope="module")
def envs(tmp_path_factory, template_db):
    from services.database import db

    made = {}
    for name, extra in (("main", {}), ("device", {"NEW_DEVICE_CHECK": True})):
        tmp, db_name = tmp_path_factory.mktemp(f"bad-input-{name}"), f"bad_input_{name}.db"
        db_file = fresh_database(tmp, template_db, db_name)
        made[name] = Env(make_app(db_file, **extra), tmp, db_name, template_db)
    yield made
    for env in made.values():
        with env.app.app_context():
            db.engine.dispose()


def _session_data(app, client, **values) -> None:
    """Put `values` into this client's session (as another page would), through the app's
    own session interface: on the server, or in the visitor's signed cookie."""
    with client.session_transaction() as session:
        session.update(values)


def reach(envs, state: str):
    """A fresh database and a client in `state`: (app, client, csrf token, path kwargs)."""
    env = envs["device" if state == "device" else "main"]
    env.fresh()
    app, client, kwargs = env.app, env.app.test_client(), {}
    if state in ("cgu", "password", "contact", "code"):
        from domain.journey import CGU_VERSION

        if state != "cgu":
            update_account(app, VERONIQUE_NIR, cgu_version=CGU_VERSION,
                           journey_state="contact" if state == "code" else state)
        assert sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD).status_code == 303
        if state == "code":
            response = client.post("/premiere-connexion/coordonnees", data={
                "csrf_token": get_csrf(client, "/premiere-connexion/coordonnees"),
                "mobile": "", "email": "veronique@example.org", "channel": "mail"})
            assert response.headers["Location"].endswith("/premiere-connexion/code")
    elif state in ("done", "contact_change", "contact_reauth", "device"):
        update_account(app, KARIM_NIR, franceconnect_sub="fc-karim-b")
        response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
        assert response.status_code == 303
        if state == "device":
            assert response.headers["Location"].endswith("/connexion/nouvel-appareil")
        if state == "contact_change":
            response = client.post("/mon-compte/coordonnees", data={
                "csrf_token": get_csrf(client, "/mon-compte/coordonnees"),
                "mobile": "07 81 23 45 67", "email": "", "channel": "sms"})
            assert response.headers["Location"].endswith("/mon-compte/coordonnees/code")
        if state == "contact_reauth":  # signed in 10 minutes ago: the password is asked
            _session_data(app, client, signed_in_at=time.time() - 600)
            response = client.post("/mon-compte/coordonnees", data={
                "csrf_token": get_csrf(client, "/mon-compte/coordonnees"),
                "mobile": "07 81 23 45 67", "email": "", "channel": "sms"})
            assert response.headers["Location"].endswith("/mon-compte/coordonnees/mot-de-passe")
    elif state == "reset":
        response = client.post("/mot-de-passe-oublie", data={
            "csrf_token": get_csrf(client, "/mot-de-passe-oublie"), "nir": KARIM_NIR})
        assert response.headers["Location"].endswith("/mot-de-passe-oublie/code")
    elif state == "reset_token":
        from services.accounts import find_account
        from services.password_reset import make_token

        with app.app_context():
            kwargs["token"] = make_token(find_account(nir=KARIM_NIR))
    page_url = STATE_PAGES[state] or f"/mot-de-passe-oublie/nouveau/{kwargs['token']}"
    token = get_csrf(client, page_url)
    if state == "fc_pending":
        _session_data(app, client, fc_pending=FC_PENDING)
    return app, client, token, kwargs


def other_sessions_token(envs, state: str) -> str:
    """A valid CSRF token, of another (anonymous) session of the same app."""
    app = envs["device" if state == "device" else "main"].app
    return get_csrf(app.test_client(), "/connexion")


# --- what must not change ---------------------------------------------------------------

IGNORED_SESSION_KEYS = {"csrf_token", "_flashes"}


def snapshot(app) -> dict:
    from services.database import db

    def rows(sql):
        return [tuple(r) for r in db.session.execute(db.text(sql)).all()]

    with app.app_context():
        shot = {
            "accounts": rows("SELECT id, password_hash, journey_state, email, mobile_phone, "
                             "contact_verified_at, cgu_version, franceconnect_sub "
                             "FROM account ORDER BY id"),
            "sessions": {r[0]: (r[1], r[2]) for r in rows(
                "SELECT id, account_id, data FROM web_session")},
            "codes": rows("SELECT id, account_id, purpose, wrong_tries, used_at, dead "
                          "FROM verification_code ORDER BY id"),
            "outbox": rows("SELECT count(*) FROM outbox_message")[0][0],
            "attestations": rows("SELECT count(*) FROM attestation")[0][0],
        }
        db.session.remove()
    return shot


def _journey_data(data: str) -> dict:
    return {k: v for k, v in json.loads(data).items() if k not in IGNORED_SESSION_KEYS}


def assert_nothing_changed(before: dict, after: dict) -> None:
    """No valid request: nothing of anyone's state may change (new anonymous rows aside)."""
    for key in ("accounts", "codes", "outbox", "attestations"):
        assert after[key] == before[key], key
    for sid, (account_id, data) in before["sessions"].items():
        assert sid in after["sessions"], "a session was ended"
        assert after["sessions"][sid][0] == account_id
        assert _journey_data(after["sessions"][sid][1]) == _journey_data(data)
    for sid in after["sessions"].keys() - before["sessions"].keys():
        assert after["sessions"][sid][0] is None, "a signed-in session appeared"


def assert_refused_changed_nothing(before: dict, after: dict) -> None:
    """A valid token but a refused request: journey, credentials, contact, owners kept."""
    for key in ("accounts", "outbox", "attestations"):
        assert after[key] == before[key], key
    assert len(after["codes"]) == len(before["codes"])
    owners = lambda shot: {s: a for s, (a, _) in shot["sessions"].items() if a is not None}  # noqa: E731
    assert owners(after) == owners(before)


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line")


def assert_good_answer(response, htmx: bool) -> None:
    assert response.status_code < 500, response.status_code
    body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
    assert not TRACEBACK.search(body)
    if 400 <= response.status_code < 500 and response.mimetype == "text/html" and not htmx:
        assert "<h1" in body, f"{response.status_code} page without <h1>"


# --- the table covers every route -----------------------------------------------------------

def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_post_endpoint_has_a_state(envs):
    posts = {r.endpoint for r in _rules(envs["main"].app) if "POST" in r.methods}
    assert posts - POST_STATES.keys() == set(), "add the new POST route to POST_STATES"
    assert POST_STATES.keys() - posts == set(), "POST_STATES names a route that is gone"
    assert set(POST_STATES.values()) <= STATE_PAGES.keys()


def test_every_get_route_with_a_path_variable_is_fuzzed(envs):
    variable = {r.endpoint for r in _rules(envs["main"].app)
                if r.arguments and "GET" in r.methods and "POST" not in r.methods}
    # account.letter takes only an int (the converter refuses the rest): fuzzed below too.
    assert variable - GET_ARGS.keys() - {"account.letter"} == set()


# --- fields -----------------------------------------------------------------------------------

odd_text = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So", "Mn"]), max_size=30),
    st.sampled_from(["", " ", "\x00", "\u202egnp.exe", "\u200f\u05e9\u05dc\u05d5\u05dd", "👨‍👩‍👧🙂",
                     "0" * 300, "y", "on", "sms", "mail", "quitter", "123456", "1234567",
                     KARIM_NIR, "2 84 05 75 108 123", "P 2024 0016", "P20240016",
                     "Jardin75Bleu", "06 12 34 56 78", "a@b", "x@example.org",
                     "2024-13", "0000-00", "9999-12", "-1", "%00", "<script>", "{{7*7}}",
                     "' OR 1=1 --"]),
)

field_value = st.one_of(odd_text.map(lambda v: [v]), st.lists(odd_text, min_size=2, max_size=3))

fields = st.dictionaries(
    st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=12)),
    field_value, max_size=6)

CSRF_MODES = ["missing", "empty", "random", "other_session", "duplicated", "valid"]


def csrf_values(mode: str, valid: str, other: str, random_token: str) -> list[str]:
    return {"missing": [], "empty": [""], "random": [random_token], "other_session": [other],
            "duplicated": [other, valid], "valid": [valid]}[mode]


def _url(app, endpoint: str, kwargs: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **kwargs)


# --- forms and htmx endpoints --------------------------------------------------------------

@fuzz(300)
@given(endpoint=st.sampled_from(sorted(POST_STATES)), form=fields,
       csrf=st.sampled_from(CSRF_MODES), random_token=odd_text, htmx=st.booleans())
def test_forms_refuse_bad_input(envs, endpoint, form, csrf, random_token, htmx):
    state = POST_STATES[endpoint]
    app, client, valid, kwargs = reach(envs, state)
    other = other_sessions_token(envs, state)
    data = MultiDict()
    for name, values in form.items():
        if name != "csrf_token":
            for value in values:
                data.add(name, value)
    for value in csrf_values(csrf, valid, other, random_token):
        data.add("csrf_token", value)
    before = snapshot(app)
    response = client.post(_url(app, endpoint, kwargs), data=data,
                           headers={"HX-Request": "true"} if htmx else {})
    after = snapshot(app)
    assert_good_answer(response, htmx)
    if csrf != "valid":
        assert_nothing_changed(before, after)
    elif response.status_code >= 400:
        assert_refused_changed_nothing(before, after)


RAW_TYPES = ["multipart/form-data; boundary=xYzZY", "multipart/form-data",
             "application/json", "text/plain; charset=utf-8",
             "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
             "application/octet-stream", "text/html; charset=utf-16", "image/png", ""]

raw_body = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"%", b"nir=%zz&password=%E9%", b"=&=&&==", b"\xff\xfe\x00n\x00i",
                     b'{"csrf_token": null, "nir": [1, 2]}', b"[]", b"null",
                     b"--xYzZY\r\nContent-Disposition: form-data; name=\"nir\"\r\n\r\n1\r\n",
                     b"--xYzZY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.exe\""
                     b"\r\n\r\n\x00\x01\r\n--xYzZY--\r\n", b"--xYzZY--"]),
)


@fuzz(120)
@given(endpoint=st.sampled_from(sorted(POST_STATES)), content_type=st.sampled_from(RAW_TYPES),
       body=raw_body, with_token=st.booleans(), htmx=st.booleans())
def test_raw_bodies_with_odd_content_types(envs, endpoint, content_type, body, with_token, htmx):
    state = POST_STATES[endpoint]
    app, client, valid, kwargs = reach(envs, state)
    if with_token and content_type.startswith("application/x-www-form-urlencoded"):
        # A valid token, then broken percent-encoding: still nothing valid to act on.
        body = f"csrf_token={quote(valid)}&".encode() + body + b"&code=%G1%2"
    else:
        with_token = False
    headers = {"HX-Request": "true"} if htmx else {}
    if content_type:
        headers["Content-Type"] = content_type
    before = snapshot(app)
    response = client.post(_url(app, endpoint, kwargs), data=body, headers=headers)
    after = snapshot(app)
    assert_good_answer(response, htmx)
    if not with_token:
        assert_nothing_changed(before, after)
    elif response.status_code >= 400:
        assert_refused_changed_nothing(before, after)


@pytest.mark.parametrize("endpoint", sorted(POST_STATES))
def test_a_body_over_the_limit_gets_the_plain_413_page(envs, endpoint):
    state = POST_STATES[endpoint]
    app, client, valid, kwargs = reach(envs, state)
    huge = "7" * (MAX_CONTENT_LENGTH + 1)
    before = snapshot(app)
    response = client.post(_url(app, endpoint, kwargs), data={"csrf_token": valid, "code": huge,
                                                             "nir": huge[:100]},
                           headers={"HX-Request": "true"} if endpoint.endswith(
                               ("_live", "_rules", "check_nir")) else {})
    after = snapshot(app)
    assert response.status_code == 413, response.status_code
    assert "<h1>Demande impossible</h1>" in response.get_data(as_text=True)
    assert "trop long" in response.get_data(as_text=True)
    assert_nothing_changed(before, after)


def test_wrong_methods_get_405_pages_and_a_get_of_a_form_address_leads_back(envs):
    app, client, _, _ = reach(envs, "done")
    checked = led_back = 0
    for rule in _rules(app):
        url = _url(app, rule.endpoint, {k: PATH_DEFAULTS[k] for k in rule.arguments})
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            if method in rule.methods:
                continue
            # Another rule may take this method on the same address (GET/POST pairs).
            if any(url == _url(app, r.endpoint, {k: PATH_DEFAULTS[k] for k in r.arguments})
                   and method in r.methods for r in _rules(app)):
                continue
            before = snapshot(app)
            response = client.open(url, method=method, data={"nir": KARIM_NIR})
            if method == "GET":
                # A reload, or Enter in the address bar, on a form's address: back to the
                # nearest page above it (Post/Redirect/Get), never «Demande impossible».
                assert response.status_code == 303, (url, response.status_code)
                back = response.headers["Location"]
                assert url.startswith(back.rstrip("/")) and back != url, (url, back)
                assert client.get(back).status_code in (200, 303, 400), back  # 400: a dead link
                led_back += 1
            else:
                assert response.status_code == 405, (method, url, response.status_code)
                assert "<h1>" in response.get_data(as_text=True)
            assert_nothing_changed(before, snapshot(app))
            checked += 1
    assert checked > 40
    assert led_back >= 18  # every address that only takes a form


# --- GET routes that read what was typed ------------------------------------------------------

query_value = st.one_of(odd_text, st.sampled_from(["2024-01", "2023-12", "ABCD-EFGH-JKLM",
                                                   "abcd efgh jklm", "x" * 5000]))


@fuzz(100)
@given(endpoint=st.sampled_from(sorted(GET_ARGS)), data=st.data(), htmx=st.booleans())
def test_get_routes_with_typed_arguments(envs, endpoint, data, htmx):
    state, names = GET_ARGS[endpoint]
    app, client, _, _ = reach(envs, state)
    path = {"token": "x", "slug": "nia"}
    args = []
    for name in names:
        if name.startswith("<"):
            path[name[1:-1]] = data.draw(odd_text.filter(bool), label=name)
        else:
            for value in data.draw(st.lists(query_value, max_size=2), label=name):
                args.append((name, value))
    args += data.draw(st.lists(st.tuples(st.text(max_size=8), odd_text), max_size=2), label="extra")
    url = _url(app, endpoint, {k: v for k, v in path.items()
                               if k in {"token", "slug"} and f"<{k}>" in names})
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in args)
    before = snapshot(app)
    response = client.get(url + ("?" + query if query else ""),
                          headers={"HX-Request": "true"} if htmx else {})
    after = snapshot(app)
    assert_good_answer(response, htmx)
    assert_nothing_changed(before, after)


@fuzz(25)
@given(letter_id=st.integers(min_value=0, max_value=2**70))
def test_letters_of_others_or_unknown_are_404(envs, letter_id):
    app, client, _, _ = reach(envs, "done")
    before = snapshot(app)
    response = client.get(f"/mon-compte/courriers/{letter_id}")
    assert_good_answer(response, False)
    assert_nothing_changed(before, snapshot(app))


def test_broken_percent_encoding_in_the_query(envs):
    app, client, _, _ = reach(envs, "done")
    for url in ("/verifier-une-attestation?reference=%zz%E9%", "/mon-compte/allocations?du=%&au=%FF",
                "/mon-compte/releve.pdf?du=%C3%28&au=2024-01&du=x",
                "/mot-de-passe-oublie/nouveau/%FF%FE"):
        before = snapshot(app)
        assert_good_answer(client.get(url), False)
        assert_nothing_changed(before, snapshot(app))
