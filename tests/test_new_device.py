"""New-device confirmation (issue 8, item 5): off in development, on in production; when on,
a password sign-in from an unknown device asks for a code sent to the verified contact, and
«Se souvenir de cet appareil» keeps the device known KNOWN_DEVICE_DAYS by a signed cookie."""
from __future__ import annotations

import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from flask_helpers import (app_on_copy, fresh_database, KARIM_NIR, KARIM_PASSWORD, VERONIQUE_NIR, VERONIQUE_PASSWORD,
                           account_id_of, codes_of, get_csrf, make_app, normalize_text, page,
                           session_rows, set_cookie_headers, sign_in, update_account)

DEVICE_PAGE = "/connexion/nouvel-appareil"
DEVICE_COOKIE = "moncompte_device"
KARIM_MOBILE = "+33612345678"


@pytest.fixture
def device_app(tmp_path, template_db):
    yield from app_on_copy(tmp_path, template_db, "device.db", NEW_DEVICE_CHECK=True)


@pytest.fixture
def dclient(device_app):
    return device_app.test_client()


def outbox(client) -> list[dict]:
    return client.get("/dev/messages.json").get_json()


def newest_code(client) -> str:
    return re.search(r"\b(\d{6})\b", outbox(client)[0]["body"]).group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def send_code(client, code: str, remember: bool = False, **extra):
    data = {"csrf_token": get_csrf(client, DEVICE_PAGE), "code": code}
    if remember:
        data["remember_device"] = "y"
    data.update(extra)
    return client.post(DEVICE_PAGE, data=data)


def karim_sessions(app) -> list:
    karim = account_id_of(app, KARIM_NIR)
    return [row for row in session_rows(app) if row[1] == karim]


def confirmed(app, remember: bool):
    """A client on which Karim signed in and confirmed the device."""
    client = app.test_client()
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).headers["Location"].endswith(DEVICE_PAGE)
    response = send_code(client, newest_code(client), remember=remember)
    assert response.status_code == 303 and response.headers["Location"].endswith("/mon-compte")
    return client, response


def sign_out(client) -> None:
    assert client.post("/deconnexion", data={
        "csrf_token": get_csrf(client, "/mon-compte")}).status_code == 303


# --- the setting ---------------------------------------------------------------------------

def test_off_by_default_in_development_karim_signs_straight_in(app, client):
    assert app.config["NEW_DEVICE_CHECK"] is False
    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/mon-compte")
    assert client.get("/mon-compte").status_code == 200
    assert not codes_of(app, KARIM_NIR)


def test_production_settings_turn_it_on_and_keep_30_days(tmp_path, monkeypatch):
    from services.config import settings_from_env

    monkeypatch.delenv("NEW_DEVICE_CHECK", raising=False)
    monkeypatch.delenv("KNOWN_DEVICE_DAYS", raising=False)
    production = settings_from_env(str(tmp_path), env="production")
    assert production["NEW_DEVICE_CHECK"] is True
    assert production["KNOWN_DEVICE_DAYS"] == 30
    assert settings_from_env(str(tmp_path), env="development")["NEW_DEVICE_CHECK"] is False
    monkeypatch.setenv("NEW_DEVICE_CHECK", "1")
    assert settings_from_env(str(tmp_path), env="development")["NEW_DEVICE_CHECK"] is True
    monkeypatch.setenv("NEW_DEVICE_CHECK", "0")
    assert settings_from_env(str(tmp_path), env="production")["NEW_DEVICE_CHECK"] is False


# --- on: the code ------------------------------------------------------------------------

def test_sign_in_from_an_unknown_device_asks_for_a_code_and_signs_nobody_in(device_app, dclient):
    response = sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(DEVICE_PAGE)
    assert karim_sessions(device_app) == []
    for row in session_rows(device_app):
        assert KARIM_PASSWORD not in row[2]
    assert dclient.get("/mon-compte").headers["Location"].endswith("/connexion")
    [message] = outbox(dclient)
    assert message["to"] == KARIM_MOBILE and message["channel"] == "sms"
    assert "pour confirmer un nouvel appareil" in message["body"]
    assert [c.purpose for c in codes_of(device_app, KARIM_NIR)] == ["device"]

    p = page(dclient.get(DEVICE_PAGE))
    assert p.one("h1").text == "Confirmer cet appareil"
    assert "Vous vous connectez depuis un appareil que nous ne connaissons pas." in p.text
    assert "nous avons envoyé un code par SMS à •• •• •• •• 78." in p.text
    code = p.label_for("Code de vérification reçu par SMS")
    assert code.get("autocomplete") == "one-time-code"
    assert code.get("data-hx-post") == DEVICE_PAGE + "/saisie"
    remember = p.label_for("Se souvenir de cet appareil pendant 30 jours")
    assert remember.get("type") == "checkbox" and not remember.has("checked")
    assert "Ne cochez pas sur un ordinateur partagé." in p.text
    assert "Vous n'avez rien reçu ?" in p.text
    p.button("Demander l'envoi d'un nouveau code")


def test_a_wrong_code_says_so_with_the_tries_left(device_app, dclient):
    sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    response = send_code(dclient, other_code(newest_code(dclient)))
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert "Ce code n'est pas le bon. Vérifiez le code reçu. Il vous reste 4 essais." in p.text
    assert karim_sessions(device_app) == []
    assert codes_of(device_app, KARIM_NIR)[-1].wrong_tries == 1


def test_five_wrong_codes_kill_it_even_the_right_one_after(device_app, dclient):
    sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    code = newest_code(dclient)
    for _ in range(5):
        response = send_code(dclient, other_code(code))
    assert "Ce code ne marche plus." in page(response).text
    response = send_code(dclient, code)
    assert response.status_code == 400
    assert "Demandez un nouveau code." in page(response).text
    assert karim_sessions(device_app) == []


def test_the_right_code_signs_in_with_a_new_session_and_no_cookie_unless_ticked(device_app, dclient):
    sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    before = dclient.get_cookie("moncompte_session").value
    response = send_code(dclient, newest_code(dclient))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/mon-compte")
    assert set_cookie_headers(response, DEVICE_COOKIE) == []
    assert dclient.get_cookie("moncompte_session").value != before
    assert dclient.get("/mon-compte").status_code == 200
    assert len(karim_sessions(device_app)) == 1
    assert "device_check" not in karim_sessions(device_app)[0][2]
    sign_out(dclient)
    assert sign_in(dclient, KARIM_NIR, KARIM_PASSWORD).headers["Location"].endswith(DEVICE_PAGE)


def test_ticked_the_device_is_remembered_and_the_next_sign_in_goes_straight_in(device_app):
    client, response = confirmed(device_app, remember=True)
    [header] = set_cookie_headers(response, DEVICE_COOKIE)
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Max-Age=2592000" in header  # 30 days
    sign_out(client)
    sent = len(outbox(client))
    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert response.headers["Location"].endswith("/mon-compte")
    assert len(outbox(client)) == sent
    assert client.get("/mon-compte").status_code == 200


def test_the_cookie_is_secure_when_session_cookies_are(tmp_path, template_db):
    app = make_app(fresh_database(tmp_path, template_db, "s.db"), NEW_DEVICE_CHECK=True, SESSION_COOKIE_SECURE=True)
    client = app.test_client(use_cookies=True)
    client.environ_base["wsgi.url_scheme"] = "https"
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    code = newest_code(client)
    response = client.post(DEVICE_PAGE, data={"csrf_token": get_csrf(client, DEVICE_PAGE),
                                              "code": code, "remember_device": "y"},
                           base_url="https://localhost")
    [header] = set_cookie_headers(response, DEVICE_COOKIE)
    assert "Secure" in header


def _forged(device_app, payload, secret="test", salt="known-device") -> str:
    return URLSafeTimedSerializer(secret, salt=salt).dumps(payload)


@pytest.mark.parametrize("kind", ["garbage", "other secret", "other salt", "other account",
                                  "expired"])
def test_a_forged_foreign_or_expired_cookie_counts_as_unknown(device_app, dclient, kind,
                                                              monkeypatch):
    karim = account_id_of(device_app, KARIM_NIR)
    if kind == "expired":
        # Signed 31 days ago: itsdangerous reads the signing time from the value.
        real_time = time.time
        monkeypatch.setattr(time, "time", lambda: real_time() - 31 * 86400)
        value = _forged(device_app, {"a": karim, "d": "x"})
        monkeypatch.setattr(time, "time", real_time)
    else:
        value = {"garbage": "not-a-cookie",
                 "other secret": _forged(device_app, {"a": karim, "d": "x"}, secret="other"),
                 "other salt": _forged(device_app, {"a": karim, "d": "x"}, salt="remember-nir"),
                 "other account": _forged(device_app, {"a": account_id_of(device_app, VERONIQUE_NIR),
                                                       "d": "x"}),
                 }[kind]
    dclient.set_cookie(DEVICE_COOKIE, value)
    response = sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    assert response.headers["Location"].endswith(DEVICE_PAGE)
    assert karim_sessions(device_app) == []


def test_a_fresh_cookie_signed_like_ours_is_known(device_app, dclient):
    """The control of the test above: the same making, for Karim, now."""
    dclient.set_cookie(DEVICE_COOKIE, _forged(device_app, {"a": account_id_of(device_app, KARIM_NIR),
                                                           "d": "x"}))
    assert sign_in(dclient, KARIM_NIR, KARIM_PASSWORD).headers["Location"].endswith("/mon-compte")


def test_another_accounts_confirmed_device_still_asks(device_app):
    """Karim remembered this device; Véronique, once her journey is done, is asked."""
    client, _ = confirmed(device_app, remember=True)
    sign_out(client)
    update_account(device_app, VERONIQUE_NIR, journey_state="done", cgu_version="2026-11-01",
                   password_is_legacy=False,
                   email="veronique.f@example.org", code_channel="mail",
                   contact_verified_at=codes_of(device_app, KARIM_NIR)[-1].sent_at)
    response = sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    assert response.headers["Location"].endswith(DEVICE_PAGE)
    assert "nous avons envoyé un code par mail à" in page(client.get(DEVICE_PAGE)).text
    assert outbox(client)[0]["to"] == "veronique.f@example.org"


def test_first_login_accounts_are_not_asked(device_app, dclient):
    response = sign_in(dclient, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    assert response.headers["Location"].endswith("/premiere-connexion/conditions")
    assert not codes_of(device_app, VERONIQUE_NIR)


# --- resend, limits, CSRF ------------------------------------------------------------------

def test_resend_waits_30_seconds_then_sends_a_new_code(device_app, dclient):
    from services.limiter import limiter

    sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    first = newest_code(dclient)
    token = get_csrf(dclient, DEVICE_PAGE)
    response = dclient.post(DEVICE_PAGE + "/nouveau", data={"csrf_token": token})
    assert response.status_code == 429
    assert "Vous avez déjà demandé un code. Attendez" in page(response).text
    assert len(outbox(dclient)) == 1
    limiter.reset()
    response = dclient.post(DEVICE_PAGE + "/nouveau", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(DEVICE_PAGE)
    assert len(outbox(dclient)) == 2
    assert "L'ancien code ne marche plus." in normalize_text(page(dclient.get(DEVICE_PAGE)).text)
    assert send_code(dclient, first).status_code == 400
    assert send_code(dclient, newest_code(dclient)).status_code == 303


def test_signing_in_again_within_30_seconds_sends_no_second_code(device_app, dclient):
    sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    code = newest_code(dclient)
    response = sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    assert response.headers["Location"].endswith(DEVICE_PAGE)
    assert len(outbox(dclient)) == 1
    assert "Attendez" in page(dclient.get(DEVICE_PAGE)).text
    assert send_code(dclient, code).status_code == 303


def test_the_live_hint_counts_the_digits(device_app, dclient):
    sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    response = dclient.post(DEVICE_PAGE + "/saisie", headers={"HX-Request": "true"}, data={
        "csrf_token": get_csrf(dclient, DEVICE_PAGE), "code": "123"})
    assert response.status_code == 200
    assert "Il manque 3 chiffres." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [DEVICE_PAGE, DEVICE_PAGE + "/nouveau"])
def test_a_missing_csrf_token_is_refused_and_changes_nothing(device_app, dclient, url):
    from services.limiter import limiter

    sign_in(dclient, KARIM_NIR, KARIM_PASSWORD)
    code = newest_code(dclient)
    limiter.reset()  # else the 30 s wait answers before the form is read
    response = dclient.post(url, data={"code": code, "remember_device": "y"})
    assert response.status_code == 400
    assert page(response).title.startswith("Erreur : ")
    assert set_cookie_headers(response, DEVICE_COOKIE) == []
    assert karim_sessions(device_app) == []
    assert len(outbox(dclient)) == 1
    assert codes_of(device_app, KARIM_NIR)[-1].used_at is None


def test_the_device_page_without_a_pending_sign_in_goes_back_to_sign_in(dclient):
    assert dclient.get(DEVICE_PAGE).headers["Location"].endswith("/connexion")


# --- a password reset ends every device confirmation (issue 15) ---------------------------

def test_a_device_confirmed_before_a_reset_must_confirm_again(device_app):
    """A thief who confirmed his device keeps no way in once the owner resets the password:
    the device cookie, replayed after the reset, counts as unknown."""
    from test_password_reset import NEW_PASSWORD, choose, token_url

    thief, _ = confirmed(device_app, remember=True)
    stolen_cookie = thief.get_cookie(DEVICE_COOKIE).value
    sign_out(thief)
    assert sign_in(thief, KARIM_NIR, KARIM_PASSWORD).headers["Location"].endswith("/mon-compte")
    sign_out(thief)

    owner = device_app.test_client()
    response = choose(owner, token_url(owner))
    assert response.status_code == 303, response.get_data(as_text=True)
    with device_app.app_context():
        from services.database import db
        from services.models import Account

        karim = db.session.execute(db.select(Account).filter_by(nir=KARIM_NIR)).scalar_one()
        assert karim.password_changed_at is not None

    replay = device_app.test_client()
    replay.set_cookie(DEVICE_COOKIE, stolen_cookie)
    response = sign_in(replay, KARIM_NIR, NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(DEVICE_PAGE)
    assert replay.get("/mon-compte").status_code in (302, 303)  # not signed in

