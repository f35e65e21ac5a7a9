"""Issue 5: «S'identifier avec FranceConnect» (OpenID Connect, authorization-code flow).

The app (Flask test client) talks to a real OpenID Connect provider: oidc-provider-mock,
started in this process on a free port (tests/fc_provider.py). The person's side of the
dance on the provider's pages is played with `requests`; the app's own calls (token,
JWKS, userinfo, metadata) go to the provider over the network, as in production.

Each test builds the app on a copy of the demo database with
FRANCECONNECT_ISSUER=<the provider>; changes to accounts die with the copy.
"""
from __future__ import annotations

import base64
import json
import re
import secrets

import pytest

from fc_provider import (KARIM_SUB, VERONIQUE_SUB, closed_port_issuer, path_and_query, query,
                         running_provider)
from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, SESSION_COOKIE, VERONIQUE_NIR,
                           VERONIQUE_PASSWORD, app_on_copy, change_session, cookie_value, fresh_database, get_csrf,
                           make_app, page,
                           session_row_for, session_rows, sign_in)

CALLBACK = "http://localhost/franceconnect/retour"
LOGGED_OUT = "http://localhost/franceconnect/deconnexion-terminee"
FC_SCOPES = {"openid", "given_name", "family_name", "birthdate", "gender", "birthplace",
             "birthcountry"}
FC_BUTTON = "S'identifier avec FranceConnect"
LINKING = "Pour relier FranceConnect à votre compte Caf, connectez-vous une seule fois"
NO_LINK_BUTTON = "Ne pas relier FranceConnect"
UNLINK_BUTTON = "Délier FranceConnect"
STATE_PROBLEM = "Cette connexion ne marche plus"
REFUSED = "Connexion avec FranceConnect annulée"
FAILED = "FranceConnect n'a pas pu vous connecter"
UNAVAILABLE = "FranceConnect ne répond pas"
LOGGED_OUT_MESSAGE = "Vous êtes déconnecté de Mon Compte et de FranceConnect"


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def fc(provider):
    """The provider, behaving, and answering FranceConnect's scopes as FranceConnect does."""
    provider.reset()
    yield provider
    provider.reset()


# Our absolute addresses (the redirect URIs) come from PUBLIC_URL, never the Host header.
PUBLIC_URL = "http://localhost"


def _app_on(tmp_path, template_db, issuer: str | None, **config):
    db_file = fresh_database(tmp_path, template_db, "fc.db")
    config.setdefault("PUBLIC_URL", PUBLIC_URL)
    if issuer is not None:
        config["FRANCECONNECT_ISSUER"] = issuer
    return make_app(db_file, **config)


@pytest.fixture
def app(tmp_path, template_db, fc):
    """The app on a copy of the demo database, FranceConnect = the local provider."""
    yield from app_on_copy(tmp_path, template_db, "fc.db", FRANCECONNECT_ISSUER=fc.issuer,
                           PUBLIC_URL=PUBLIC_URL)


@pytest.fixture
def client(app):
    return app.test_client()


# --- steps -------------------------------------------------------------------------------


def start(client) -> str:
    """Press «S'identifier avec FranceConnect»: where our app sends the browser."""
    response = client.get("/franceconnect/connexion")
    assert response.status_code in (302, 303), (
        f"/franceconnect/connexion answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return response.headers["Location"]


def come_back(client, fc, sub: str = KARIM_SUB, deny: bool = False):
    """The whole dance: our button, the provider's page, back to our callback.
    Returns (our callback's response, the callback URL)."""
    callback_url = fc.authorize(start(client), sub=sub, deny=deny)
    assert callback_url.startswith(CALLBACK + "?"), callback_url
    return client.get(path_and_query(callback_url)), callback_url


def fc_sign_in(client, fc, sub: str = KARIM_SUB):
    response, _ = come_back(client, fc, sub)
    assert response.status_code == 303, (
        f"callback answered {response.status_code}: {page(response).text[:300]}")
    return response


def linked_sub(app, nir: str) -> str | None:
    from services.database import db
    from services.models import Account

    with app.app_context():
        return db.session.execute(db.select(Account.franceconnect_sub).filter_by(nir=nir)).scalar_one()


def link_in_db(app, nir: str, sub: str) -> None:
    from services.database import db
    from services.models import Account

    with app.app_context():
        account = db.session.execute(db.select(Account).filter_by(nir=nir)).scalar_one()
        account.franceconnect_sub = sub
        db.session.commit()


def assert_signed_out(client) -> None:
    response = client.get("/mon-compte")
    assert response.status_code in (302, 303), f"/mon-compte answered {response.status_code}"
    assert response.headers["Location"].endswith("/connexion")


def assert_problem_page(response, status: int, title: str) -> None:
    """A FALC page: the status, the words, and the NIR sign-in offered instead."""
    assert response.status_code == status, (
        f"expected {status} «{title}», got {response.status_code}: {page(response).text[:400]}")
    shown = page(response)
    assert shown.one("h1").text == title
    assert shown.title.startswith(title)
    assert shown.link("Se connecter").get("href") == "/connexion"


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- the request to FranceConnect ------------------------------------------------------------


def test_the_button_sends_an_authorization_code_request_to_franceconnect(client, fc, app):
    url = start(client)
    assert url.startswith(f"{fc.issuer}/oauth2/authorize?")
    params = query(url)
    assert params["response_type"] == "code"
    assert params["client_id"] == app.config["FRANCECONNECT_CLIENT_ID"]
    assert params["redirect_uri"] == CALLBACK
    assert set(params["scope"].split()) >= FC_SCOPES, params["scope"]
    assert params["acr_values"] == "eidas1"
    assert len(params["state"]) >= 22, params["state"]
    assert len(params["nonce"]) >= 22, params["nonce"]
    # Random each time, and kept on the server, not in the cookie.
    again = query(start(client))
    assert again["state"] != params["state"] and again["nonce"] != params["nonce"]
    token = cookie_value(client, SESSION_COOKIE)
    assert params["state"] not in token and params["nonce"] not in token
    row = session_row_for(app, token)
    assert params["state"] in row[2] and params["nonce"] in row[2]


def test_the_button_and_its_help_link_on_sign_in_and_other_ways(client):
    for url in ("/connexion", "/autre-mode-de-connexion"):
        shown = page(client.get(url))
        button = shown.button(FC_BUTTON)
        form = [f for f in shown.all("form") if f.get("action") == "/franceconnect/connexion"]
        assert len(form) == 1 and form[0].get("method") == "get", url
        help_link = shown.link("Qu'est-ce que FranceConnect ? (nouvelle fenêtre)")
        assert help_link.get("target") == "_blank"
        assert "noopener" in (help_link.get("rel") or "")
        assert button is not None
    # On the sign-in page: FranceConnect first, then «ou», then the NIR form.
    shown = page(client.get("/connexion"))
    order = shown.elements.index
    separator = [p for p in shown.all("p") if p.text == "ou"]
    assert len(separator) == 1, "no «ou» between FranceConnect and the NIR form"
    nir_form = shown.one("form", action="/connexion")
    assert order(shown.button(FC_BUTTON)) < order(separator[0]) < order(nir_form)


# --- linking ---------------------------------------------------------------------------------


def test_first_franceconnect_sign_in_asks_to_link_and_shows_the_names(client, fc, app):
    response = fc_sign_in(client, fc)
    assert response.headers["Location"] == "/connexion"
    shown = page(client.get("/connexion"))
    assert "Vous êtes identifié avec FranceConnect : Karim B." in shown.text
    assert LINKING in shown.text
    shown.button(NO_LINK_BUTTON)
    assert FC_BUTTON not in shown.text  # no second way in while one is waiting
    assert linked_sub(app, KARIM_NIR) is None
    assert_signed_out(client)


def test_linking_once_with_the_nir_then_franceconnect_alone_signs_in(client, fc, app):
    fc_sign_in(client, fc)
    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/mon-compte"
    assert linked_sub(app, KARIM_NIR) == KARIM_SUB
    home = page(client.get("/mon-compte"))
    assert home.one("h1").text == "Mon Compte"
    assert "Votre compte FranceConnect est maintenant relié à votre compte Caf." in home.text
    home.button(UNLINK_BUTTON)

    # Another day, another device: FranceConnect alone, straight to «Mon Compte».
    other = app.test_client()
    response = fc_sign_in(other, fc)
    assert response.headers["Location"] == "/mon-compte"
    home = page(other.get("/mon-compte"))
    assert home.one("h1").text == "Mon Compte"
    assert "KARIM B." in home.text
    assert LINKING not in home.text


def test_a_wrong_password_links_nothing(client, fc, app):
    fc_sign_in(client, fc)
    response = sign_in(client, KARIM_NIR, "Mauvais12345")
    assert response.status_code == 401
    assert linked_sub(app, KARIM_NIR) is None
    assert LINKING in page(response).text  # still waiting, the person can try again


def test_veronique_links_on_her_old_password_and_goes_through_the_first_login_journey(client, fc, app):
    fc_sign_in(client, fc, VERONIQUE_SUB)
    assert "Véronique F." in page(client.get("/connexion")).text
    response = sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/premiere-connexion")
    cgu = client.get(response.headers["Location"], follow_redirects=True)
    assert page(cgu).one("h1").text == "Conditions générales d'utilisation"
    assert linked_sub(app, VERONIQUE_NIR) == VERONIQUE_SUB
    # FranceConnect alone now signs her in, but the journey is not skipped.
    other = app.test_client()
    response = fc_sign_in(other, fc, VERONIQUE_SUB)
    assert response.headers["Location"].startswith("/premiere-connexion")
    assert page(other.get(response.headers["Location"], follow_redirects=True)).one("h1").text == (
        "Conditions générales d'utilisation")


# --- refusals: every one a FALC page that offers the NIR sign-in, never a 500 -----------


def test_a_replayed_callback_is_refused(client, fc):
    first, url = come_back(client, fc)
    assert first.status_code == 303
    again = client.get(path_and_query(url))  # the same return address, a second time
    assert_problem_page(again, 400, STATE_PROBLEM)
    assert "a déjà servi" in page(again).text


def test_a_replayed_callback_after_linking_does_not_sign_in_again(client, fc, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    first, url = come_back(client, fc)
    assert first.headers["Location"] == "/mon-compte"
    client.post("/deconnexion", data={"csrf_token": get_csrf(client, "/mon-compte")})
    assert_signed_out(client)
    again = client.get(path_and_query(url))
    assert_problem_page(again, 400, STATE_PROBLEM)
    assert_signed_out(client)


def test_a_forged_state_is_refused(client, fc):
    callback_url = fc.authorize(start(client))
    params = query(callback_url)
    forged = f"/franceconnect/retour?code={params['code']}&state={secrets.token_urlsafe(22)}"
    assert_problem_page(client.get(forged), 400, STATE_PROBLEM)
    assert_signed_out(client)
    assert LINKING not in page(client.get("/connexion")).text


def test_a_return_address_made_for_another_browser_is_refused(client, fc, app):
    """Login CSRF: someone sends their own callback link to another person."""
    callback_url = fc.authorize(start(app.test_client()))
    assert_problem_page(client.get(path_and_query(callback_url)), 400, STATE_PROBLEM)
    assert LINKING not in page(client.get("/connexion")).text


def test_a_callback_without_parameters_is_refused(client):
    assert_problem_page(client.get("/franceconnect/retour"), 400, STATE_PROBLEM)


def test_deny_at_the_provider_shows_the_cancelled_page(client, fc):
    response, url = come_back(client, fc, deny=True)
    assert query(url)["error"] == "access_denied"
    assert_problem_page(response, 400, REFUSED)
    assert "Vous avez annulé la connexion avec FranceConnect." in page(response).text
    assert_signed_out(client)


@pytest.mark.parametrize("error", ["server_error", "invalid_scope", "temporarily_unavailable"])
def test_other_errors_from_the_provider_show_a_falc_page(client, fc, error):
    state = query(start(client))["state"]
    response = client.get(f"/franceconnect/retour?error={error}&state={state}")
    assert_problem_page(response, 400, FAILED)


def test_provider_down_when_pressing_the_button_is_a_503_falc_page(tmp_path, template_db):
    app = _app_on(tmp_path, template_db, closed_port_issuer())
    response = app.test_client().get("/franceconnect/connexion")
    assert_problem_page(response, 503, UNAVAILABLE)
    assert "ne répond pas pour le moment" in page(response).text


@pytest.mark.parametrize("path", ["/oauth2/token", "/jwks", "/userinfo"])
def test_provider_failing_after_the_return_is_a_falc_page(client, fc, path):
    fc.broken = {path}
    response, _ = come_back(client, fc)
    assert response.status_code in (400, 503), f"{path} broken: {response.status_code}"
    title = page(response).one("h1").text
    assert title in (FAILED, UNAVAILABLE)
    assert page(response).link("Se connecter").get("href") == "/connexion"
    assert_signed_out(client)
    assert LINKING not in page(client.get("/connexion")).text


def _change_stored_nonce(app, client, state: str) -> None:
    """The nonce our server remembers for this state, changed in the session row: the
    signed ID token then carries a nonce we never sent."""
    token = cookie_value(client, SESSION_COOKIE)
    row = session_row_for(app, token)
    data = json.loads(row[2])
    assert data["fc_flows"][state]["nonce"], data
    data["fc_flows"][state]["nonce"] = secrets.token_urlsafe(32)
    change_session(app, row[0], data=data)


def test_an_id_token_with_another_nonce_is_refused(client, fc, app):
    url = start(client)
    _change_stored_nonce(app, client, query(url)["state"])
    response = client.get(path_and_query(fc.authorize(url)))
    assert_problem_page(response, 400, FAILED)
    assert_signed_out(client)
    assert LINKING not in page(client.get("/connexion")).text


def _other_key_set(same_kid_as: dict | None) -> dict:
    from joserfc.jwk import KeySet, RSAKey

    key = RSAKey.generate_key(2048, private=True)
    public = key.as_dict(private=False)
    if same_kid_as is not None:
        public["kid"] = same_kid_as["keys"][0]["kid"]
    return KeySet.import_key_set({"keys": [public]}).as_dict(private=False)


@pytest.mark.parametrize("kid", ["same-kid", "other-kid"])
def test_an_id_token_signed_by_another_key_is_refused(client, fc, kid):
    real = fc.public_keys()
    assert real["keys"][0].get("kid"), real
    fc.jwks = _other_key_set(real if kid == "same-kid" else None)
    response, _ = come_back(client, fc)
    assert_problem_page(response, 400, FAILED)
    assert_signed_out(client)
    assert LINKING not in page(client.get("/connexion")).text


def test_the_untouched_key_set_is_accepted(client, fc):
    """The counterpart of the test above: the same dance with the real keys works."""
    fc.jwks = fc.public_keys()
    assert fc_sign_in(client, fc).headers["Location"] == "/connexion"


def test_a_userinfo_about_someone_else_is_refused(client, fc, app):
    fc.userinfo = {"sub": VERONIQUE_SUB, "given_name": "Véronique", "family_name": "F."}
    response, _ = come_back(client, fc, KARIM_SUB)
    assert_problem_page(response, 400, FAILED)
    assert_signed_out(client)
    shown = page(client.get("/connexion"))
    assert LINKING not in shown.text and "Véronique" not in shown.text


def test_a_userinfo_about_someone_else_is_refused_even_when_linked(client, fc, app):
    link_in_db(app, VERONIQUE_NIR, VERONIQUE_SUB)
    fc.userinfo = {"sub": VERONIQUE_SUB}
    response, _ = come_back(client, fc, KARIM_SUB)
    assert_problem_page(response, 400, FAILED)
    assert_signed_out(client)


def _signed_userinfo(fc, claims: dict, key: str = "provider") -> str:
    """A userinfo JWT signed with the provider's own key, another RSA key, or a shared
    secret (HS256)."""
    from joserfc import jwt
    from joserfc.jwk import OctKey, RSAKey

    if key == "HS256":
        return jwt.encode({"alg": "HS256"}, claims, OctKey.generate_key(256))
    signer = fc.signing_key() if key == "provider" else RSAKey.generate_key(2048, private=True)
    return jwt.encode({"alg": "RS256"}, claims, signer)


def _userinfo_claims(fc, app, **changes) -> dict:
    claims = {"iss": fc.issuer, "aud": app.config["FRANCECONNECT_CLIENT_ID"], "sub": KARIM_SUB,
              "given_name": "Karim", "family_name": "B."}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_userinfo_sent_as_a_signed_jwt_is_read(client, fc, app):
    """FranceConnect v2 sends the userinfo as a JWT signed with the provider's keys."""
    fc.userinfo = _signed_userinfo(fc, _userinfo_claims(fc, app, given_name="Karim-JWT"))
    assert fc_sign_in(client, fc).headers["Location"] == "/connexion"
    assert "Vous êtes identifié avec FranceConnect : Karim-JWT B." in page(client.get("/connexion")).text


@pytest.mark.parametrize("case", ["other-key", "HS256", "other-issuer", "other-audience",
                                  "other-sub"])
def test_a_signed_userinfo_that_does_not_check_out_is_refused(client, fc, app, case):
    changes = {"other-issuer": {"iss": "https://attacker.example"},
               "other-audience": {"aud": "another-client"},
               "other-sub": {"sub": VERONIQUE_SUB}}.get(case, {})
    key = case if case in ("other-key", "HS256") else "provider"
    fc.userinfo = _signed_userinfo(fc, _userinfo_claims(fc, app, **changes), key)
    response, _ = come_back(client, fc)
    assert_problem_page(response, 400, FAILED)
    assert_signed_out(client)
    assert LINKING not in page(client.get("/connexion")).text


# --- «Délier FranceConnect» and «Ne pas relier FranceConnect» ------------------------------


def test_unlink_from_mon_compte_then_franceconnect_asks_to_link_again(client, fc, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    assert fc_sign_in(client, fc).headers["Location"] == "/mon-compte"
    csrf = get_csrf(client, "/mon-compte")
    response = client.post("/franceconnect/delier", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/mon-compte"
    assert linked_sub(app, KARIM_NIR) is None
    home = page(client.get("/mon-compte"))
    assert "FranceConnect n'est plus relié à votre compte." in home.text
    assert UNLINK_BUTTON not in home.text

    other = app.test_client()
    assert fc_sign_in(other, fc).headers["Location"] == "/connexion"
    assert LINKING in page(other.get("/connexion")).text


def test_unlink_without_csrf_token_is_refused_and_keeps_the_link(client, fc, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    for data in ({}, {"csrf_token": "not-the-token"}):
        response = client.post("/franceconnect/delier", data=data)
        assert response.status_code == 400
        assert page(response).one("h1").text == "Page expirée"
    assert linked_sub(app, KARIM_NIR) == KARIM_SUB


def test_unlink_when_signed_out_changes_nothing(client, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    response = client.post("/franceconnect/delier", data={"csrf_token": get_csrf(client)})
    assert response.status_code in (302, 303) and response.headers["Location"] == "/connexion"
    assert linked_sub(app, KARIM_NIR) == KARIM_SUB


def test_do_not_link_forgets_the_waiting_identity(client, fc, app):
    fc_sign_in(client, fc)
    csrf = get_csrf(client)
    response = client.post("/franceconnect/annuler-liaison", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    shown = page(client.get("/connexion"))
    assert LINKING not in shown.text and "Karim B." not in shown.text
    shown.button(FC_BUTTON)  # the way in is offered again
    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert response.headers["Location"] == "/mon-compte"
    assert linked_sub(app, KARIM_NIR) is None
    assert "maintenant relié" not in page(client.get("/mon-compte")).text


def test_do_not_link_without_csrf_token_is_refused(client, fc, app):
    fc_sign_in(client, fc)
    for data in ({}, {"csrf_token": "not-the-token"}):
        response = client.post("/franceconnect/annuler-liaison", data=data)
        assert response.status_code == 400
        assert page(response).one("h1").text == "Page expirée"
    assert LINKING in page(client.get("/connexion")).text


# --- logout -----------------------------------------------------------------------------------


def _sign_out(client):
    return client.post("/deconnexion", data={"csrf_token": get_csrf(client, "/mon-compte")})


def test_logout_of_a_franceconnect_session_passes_by_the_provider(client, fc, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    fc_sign_in(client, fc)
    account_rows = [r for r in session_rows(app) if r[1] is not None]
    assert len(account_rows) == 1
    karim_id = account_rows[0][1]

    response = _sign_out(client)
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.startswith(f"{fc.issuer}/oauth2/end_session?"), location
    params = query(location)
    assert params["post_logout_redirect_uri"] == LOGGED_OUT
    assert len(params["state"]) >= 22
    claims = jwt_claims(params["id_token_hint"])
    assert claims["sub"] == KARIM_SUB and claims["iss"] == fc.issuer
    assert claims["aud"] in (app.config["FRANCECONNECT_CLIENT_ID"], [app.config["FRANCECONNECT_CLIENT_ID"]])
    # Ours is already over, before the provider is even reached.
    assert not [r for r in session_rows(app) if r[1] == karim_id]
    assert_signed_out(client)

    back = fc.end_session(location)
    assert back.startswith(LOGGED_OUT + "?") and query(back)["state"] == params["state"]
    response = client.get(path_and_query(back))
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    assert LOGGED_OUT_MESSAGE in page(client.get("/connexion")).text
    # The way back works once.
    assert_problem_page(client.get(path_and_query(back)), 400, STATE_PROBLEM)


def test_logout_right_after_linking_also_passes_by_the_provider(client, fc):
    fc_sign_in(client, fc)
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    location = _sign_out(client).headers["Location"]
    assert location.startswith(f"{fc.issuer}/oauth2/end_session?"), location
    assert jwt_claims(query(location)["id_token_hint"])["sub"] == KARIM_SUB


@pytest.mark.parametrize("state", ["wrong", None])
def test_coming_back_from_logout_with_a_wrong_state_is_refused(client, fc, app, state):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    fc_sign_in(client, fc)
    location = _sign_out(client).headers["Location"]
    back = fc.end_session(location)
    url = "/franceconnect/deconnexion-terminee"
    if state == "wrong":
        url += "?state=" + secrets.token_urlsafe(32)
    response = client.get(url)
    assert_problem_page(response, 400, STATE_PROBLEM)
    assert LOGGED_OUT_MESSAGE not in page(client.get("/connexion")).text
    assert back  # the real way back was there, and was not used


def _restarted_with_provider_down(app, client):
    """The same database and the same browser, after the app restarted while FranceConnect
    cannot be reached (nothing loaded from the provider yet)."""
    restarted = make_app(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                         FRANCECONNECT_ISSUER=closed_port_issuer())
    browser = restarted.test_client()
    browser.set_cookie(SESSION_COOKIE, cookie_value(client, SESSION_COOKIE))
    return restarted, browser


def test_logout_when_the_provider_cannot_be_reached_still_ends_our_session(client, fc, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    fc_sign_in(client, fc)
    csrf = get_csrf(client, "/mon-compte")
    restarted, browser = _restarted_with_provider_down(app, client)
    response = browser.post("/deconnexion", data={"csrf_token": csrf})
    assert response.status_code != 500, "«Se déconnecter» answered the generic error page"
    assert not [r for r in session_rows(app) if r[1] is not None], "our session is still there"
    assert_signed_out(browser)


def test_coming_back_from_logout_while_the_provider_is_down_is_not_an_error(client, fc, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)
    fc_sign_in(client, fc)
    back = fc.end_session(_sign_out(client).headers["Location"])
    restarted, browser = _restarted_with_provider_down(app, client)
    response = browser.get(path_and_query(back))
    assert response.status_code == 303 and response.headers["Location"] == "/connexion", (
        f"{response.status_code}: {page(response).text[:300]}")
    assert LOGGED_OUT_MESSAGE in page(browser.get("/connexion")).text


def test_logout_of_a_nir_session_does_not_pass_by_the_provider(client, fc, app):
    link_in_db(app, KARIM_NIR, KARIM_SUB)  # linked, but this time signed in with the NIR
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    response = _sign_out(client)
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    shown = page(client.get("/connexion"))
    assert "Vous êtes déconnecté. À bientôt !" in shown.text
    assert LOGGED_OUT_MESSAGE not in shown.text
    assert_signed_out(client)


# --- production and configuration -----------------------------------------------------------


LONG_SECRET = "q7Vt2mXc9LpR4sWz8NbK1hJf6GdY3eTa5UoPiE0rQwZx"


def _production_app(tmp_path, template_db, monkeypatch, **config):
    for name in ("FRANCECONNECT_ISSUER", "APP_ENV", "SECRET_KEY", "DEV_TOOLS", "MAIL_BACKEND",
                 "SMS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    settings = dict(APP_ENV="production", SECRET_KEY=LONG_SECRET, SESSION_COOKIE_SECURE=True,
                    SMS_GATEWAY_URL="https://sms.invalid/send", SMS_GATEWAY_TOKEN="token",
                    PUBLIC_URL="https://moncompte.example", TESTING=False)
    settings.update(config)
    return _app_on(tmp_path, template_db, None, **settings)


def test_production_without_issuer_has_no_franceconnect(tmp_path, template_db, monkeypatch):
    app = _production_app(tmp_path, template_db, monkeypatch)
    assert app.config["FRANCECONNECT_ISSUER"] == ""
    client = app.test_client()
    for url in ("/franceconnect/connexion", "/franceconnect/retour?code=x&state=y",
                "/franceconnect/deconnexion-terminee?state=y"):
        assert client.get(url, base_url="https://localhost").status_code == 404, url
    for url in ("/franceconnect/delier", "/franceconnect/annuler-liaison"):
        assert client.post(url, base_url="https://localhost").status_code == 404, url
    response = client.get("/connexion", base_url="https://localhost")
    assert response.status_code == 200
    assert FC_BUTTON not in page(response).text
    assert "Qu'est-ce que FranceConnect" not in page(response).text
    other = page(client.get("/autre-mode-de-connexion", base_url="https://localhost"))
    assert FC_BUTTON not in other.text
    csp = response.headers["Content-Security-Policy"]
    assert re.search(r"form-action 'self';", csp), csp


def test_the_csp_lets_forms_lead_to_the_issuer_origin_only_when_configured(tmp_path, template_db, monkeypatch):
    issuer = "https://fcp.integ01.dev-franceconnect.fr/api/v1"
    app = _production_app(tmp_path, template_db, monkeypatch, FRANCECONNECT_ISSUER=issuer,
                          FRANCECONNECT_CLIENT_SECRET="s" * 40,
                          FRANCECONNECT_REDIRECT_URI="https://moncompte.example/franceconnect/retour")
    csp = app.test_client().get("/connexion", base_url="https://localhost").headers["Content-Security-Policy"]
    assert "form-action 'self' https://fcp.integ01.dev-franceconnect.fr;" in csp, csp
    assert "/api/v1" not in csp


def test_the_csp_of_the_test_app_allows_the_local_provider(client, fc):
    csp = client.get("/connexion").headers["Content-Security-Policy"]
    assert f"form-action 'self' {fc.issuer};" in csp, csp


# --- app bugs pinned -------------------------------------------------------------------------


def test_each_app_talks_to_its_own_issuer(tmp_path, template_db, fc):
    first = _app_on(tmp_path, template_db, fc.issuer)
    assert start(first.test_client()).startswith(fc.issuer)
    (tmp_path / "second").mkdir()
    second = _app_on(tmp_path / "second", template_db, closed_port_issuer())
    response = second.test_client().get("/franceconnect/connexion")
    assert not response.headers.get("Location", "").startswith(fc.issuer), (
        "the second app sent the person to the first app's provider")
    assert response.status_code == 503


def test_the_development_provider_gives_the_names_for_franceconnect_scopes(provider, tmp_path, template_db):
    import services.dev_provider  # noqa: F401  (anything it sets up on import)

    provider.reset()
    app = _app_on(tmp_path, template_db, provider.issuer)
    client = app.test_client()
    fc_sign_in(client, provider)
    text = page(client.get("/connexion")).text
    assert LINKING in text
    assert "Vous êtes identifié avec FranceConnect : Karim B." in text
