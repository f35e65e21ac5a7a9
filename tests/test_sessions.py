"""Server-side sessions: the cookie carries an opaque token, the data stays in
`web_session`; a new token at sign-in; «Se déconnecter» ends it on the server."""
from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, SESSION_COOKIE, VERONIQUE_NIR,
                           VERONIQUE_PASSWORD, account_id_of, change_session, csrf_from,
                           page, session_row_for, session_rows, set_cookie_headers, sign_in,
                           token_digest)


def cookie_attributes(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")]
    attrs = {}
    for part in parts[1:]:
        name, _, value = part.partition("=")
        attrs[name.lower()] = value
    return attrs


def set_last_seen(app, token: str, ago: timedelta) -> None:
    from services.models import utcnow

    row = session_row_for(app, token)
    change_session(app, token_digest(token), back=ago - (utcnow() - row[3]))


def token(client) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def test_session_cookie_is_httponly_lax_and_ends_with_the_browser(client):
    response = client.get("/connexion")
    headers = set_cookie_headers(response, SESSION_COOKIE)
    assert len(headers) == 1
    attrs = cookie_attributes(headers[0])
    assert "httponly" in attrs
    assert attrs["samesite"] == "Lax"
    assert "max-age" not in attrs and "expires" not in attrs
    assert "secure" not in attrs  # development setting of the tests


def test_cookie_is_an_opaque_token_and_the_data_is_in_the_database(app, client):
    response = sign_in(client, "1 75 01 69 123 045", KARIM_PASSWORD)
    assert response.status_code == 303
    value = token(client)
    karim_id = account_id_of(app, KARIM_NIR)
    # Not Flask's signed cookie (payload.timestamp.signature), not JSON, no account id.
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,100}", value), value
    assert "{" not in value and "account" not in value
    decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert b"account" not in decoded and b"csrf" not in decoded
    # The database holds the data, under a hash of the token only.
    row = session_row_for(app, value)
    assert row is not None
    assert row[1] == karim_id
    assert json.loads(row[2])["account_id"] == karim_id
    assert all(r[0] != value for r in session_rows(app))


def test_a_visitor_writes_nothing_on_the_server(app, client):
    # A first visit (or a bot) holds only a CSRF token: it travels in a signed cookie.
    client.get("/connexion")
    value = token(client)
    assert value.startswith("c.")
    assert session_rows(app) == []
    payload = value[2:].split(".")[0]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) == {"csrf_token"}
    # The form of that visit still works: the token in the page matches the cookie's.
    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert response.status_code == 303
    assert len(session_rows(app)) == 1


def test_a_forged_visitor_cookie_is_worth_nothing(app, client):
    from itsdangerous import URLSafeSerializer

    client.get("/connexion")
    csrf = csrf_from(client.get("/connexion"))
    # Signed with another key, or with the right key but holding more than a visitor may.
    for data, key in (({"csrf_token": "x"}, "not-the-key"),
                      ({"csrf_token": "x", "account_id": 1}, app.secret_key),
                      ({"csrf_token": "x", "reset": {"nir": KARIM_NIR}}, app.secret_key)):
        forged = "c." + URLSafeSerializer(key, salt="moncompte-visitor-session").dumps(data)
        client.set_cookie(SESSION_COOKIE, forged)
        assert client.get("/mon-compte").headers["Location"] == "/connexion"
        response = client.post("/connexion", data={"csrf_token": csrf, "nir": KARIM_NIR,
                                                   "password": KARIM_PASSWORD})
        assert response.status_code == 400
        assert session_rows(app) == []
    client.set_cookie(SESSION_COOKIE, "c." + "A" * 3000)
    assert client.get("/connexion").status_code == 200


def test_sign_in_gives_a_new_token_and_deletes_the_old_row(app, client):
    # A forgotten-password request under way keeps its step on the server.
    response = client.post("/mot-de-passe-oublie", data={
        "csrf_token": csrf_from(client.get("/mot-de-passe-oublie")), "nir": KARIM_NIR})
    assert response.headers["Location"].endswith("/mot-de-passe-oublie/code")
    before = token(client)
    assert not before.startswith("c.")
    assert session_row_for(app, before) is not None
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    after = token(client)
    assert after != before
    assert session_row_for(app, before) is None
    assert session_row_for(app, after)[1] == account_id_of(app, KARIM_NIR)


def test_a_token_fixed_before_sign_in_gives_no_access_after(app, client):
    # An attacker plants a token in a shared computer's browser, then the person signs in.
    client.get("/connexion")
    planted = token(client)
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    attacker = app.test_client()
    attacker.set_cookie(SESSION_COOKIE, planted)
    response = attacker.get("/mon-compte")
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"


def test_sign_out_ends_the_session_on_the_server(app, client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    home = client.get("/mon-compte")
    signed_in = token(client)
    p = page(home)
    assert p.button("Se déconnecter").get("type") == "submit"
    form = p.one("form", action="/deconnexion")
    assert form.get("method") == "post"

    response = client.post("/deconnexion", data={"csrf_token": csrf_from(home)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"
    assert session_row_for(app, signed_in) is None
    karim_id = account_id_of(app, KARIM_NIR)
    assert all(row[1] != karim_id for row in session_rows(app))
    # The person is told, in plain words.
    assert "Vous êtes déconnecté" in page(client.get("/connexion")).text
    assert client.get("/mon-compte").status_code == 303

    # Someone who copied the old cookie cannot come back in with it.
    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, signed_in)
    response = replay.get("/mon-compte")
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"


def test_sign_out_with_a_get_changes_nothing(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    response = client.get("/deconnexion")  # Enter in the address bar: back to a page
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert client.get("/mon-compte").status_code == 200


def test_idle_session_is_signed_out(app, client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    value = token(client)
    idle = app.config["SESSION_IDLE_MINUTES"]
    set_last_seen(app, value, timedelta(minutes=idle + 1))
    response = client.get("/mon-compte")
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"
    assert session_row_for(app, value) is None


def test_session_just_inside_the_idle_time_is_kept_and_refreshed(app, client):
    from services.models import utcnow

    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    value = token(client)
    idle = app.config["SESSION_IDLE_MINUTES"]
    set_last_seen(app, value, timedelta(minutes=idle - 2))
    assert client.get("/mon-compte").status_code == 200
    last_seen = session_row_for(app, value)[3]
    assert utcnow() - last_seen < timedelta(minutes=1)


def test_idle_time_comes_from_the_setting(app, client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    value = token(client)
    set_last_seen(app, value, timedelta(minutes=3))
    app.config["SESSION_IDLE_MINUTES"] = 2
    assert client.get("/mon-compte").status_code == 303


def test_an_invented_token_opens_nothing(app, client):
    client.set_cookie(SESSION_COOKIE, "A" * 43)
    assert client.get("/mon-compte").status_code == 303
    assert session_row_for(app, "A" * 43) is None


def test_signed_in_pages_are_never_cached(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    response = client.get("/mon-compte")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_new_password_in_the_first_login_signs_out_the_other_devices(app, client):
    """Someone signed in elsewhere with the old password loses that session when the
    owner chooses a new password; the owner goes on, under a new session identifier."""
    from flask_helpers import get_csrf

    intruder = app.test_client()
    sign_in(intruder, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    assert intruder.get("/premiere-connexion/conditions").status_code == 200
    sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    client.post("/premiere-connexion/conditions",
                data={"csrf_token": get_csrf(client, "/premiere-connexion/conditions"), "accept": "y"})
    before = token(client)
    response = client.post("/premiere-connexion/mot-de-passe", data={
        "csrf_token": get_csrf(client, "/premiere-connexion/mot-de-passe"),
        "new_password": "Soleil2Mars", "confirm_password": "Soleil2Mars"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/premiere-connexion/coordonnees"
    after = token(client)
    assert after != before and session_row_for(app, before) is None
    assert client.get("/premiere-connexion/coordonnees").status_code == 200
    assert intruder.get("/premiere-connexion/coordonnees").status_code == 303
    rows = [r for r in session_rows(app) if r[1] == account_id_of(app, VERONIQUE_NIR)]
    assert len(rows) == 1
