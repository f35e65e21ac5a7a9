"""«Se souvenir de moi»: the number (never the session) is remembered on this device, in
an encrypted HttpOnly cookie (nobody reading the browser's cookies reads the number),
13 months at most; the person can forget it."""
from __future__ import annotations

import base64

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, REMEMBER_COOKIE, SESSION_COOKIE,
                           VERONIQUE_NIR, VERONIQUE_PASSWORD, csrf_from, page,
                           set_cookie_headers, sign_in)

FORGET = "Oublier ce numéro"


def attributes(header: str) -> dict[str, str]:
    attrs = {}
    for part in [p.strip() for p in header.split(";")][1:]:
        name, _, value = part.partition("=")
        attrs[name.lower()] = value
    return attrs


def nir_field(client):
    p = page(client.get("/connexion"))
    return p, p.label_for("Numéro de sécurité sociale")


def has_forget_button(p) -> bool:
    return any(b.text == FORGET for b in p.all("button"))


def test_ticked_sign_in_sets_a_signed_httponly_cookie_for_13_months(client):
    response = sign_in(client, "1.75.01.69.123.045", KARIM_PASSWORD, remember=True)
    assert response.status_code == 303
    headers = set_cookie_headers(response, REMEMBER_COOKIE)
    assert len(headers) == 1
    attrs = attributes(headers[0])
    assert "httponly" in attrs
    assert attrs["samesite"] == "Lax"
    max_age = int(attrs["max-age"])
    assert 390 * 86400 <= max_age <= 396 * 86400  # about 13 months, never more
    assert attrs.get("path") == "/"
    value = client.get_cookie(REMEMBER_COOKIE).value
    assert value != KARIM_NIR
    assert_no_readable_nir(value, KARIM_NIR)


def assert_no_readable_nir(value: str, nir: str) -> None:
    """Decoded every way an attacker would try, the cookie shows no part of the number."""
    seen = [value]
    for chunk in [value, *value.split(".")]:
        for pad in ("", "=", "=="):
            try:
                seen.append(base64.urlsafe_b64decode(chunk + pad).decode("latin-1"))
            except ValueError:
                pass
    for text in seen:
        assert nir not in text and nir[:7] not in text and nir[-6:] not in text, text


def test_the_cookie_decoded_holds_no_number(client):
    for nir, password in ((KARIM_NIR, KARIM_PASSWORD), (VERONIQUE_NIR, VERONIQUE_PASSWORD)):
        sign_in(client, nir, password, remember=True)
        assert_no_readable_nir(client.get_cookie(REMEMBER_COOKIE).value, nir)
        client.delete_cookie(SESSION_COOKIE)


def test_an_old_signed_cookie_prefills_nothing(app, client):
    """The cookie of before issue 15 (the number in base64, signed): no longer read."""
    from itsdangerous import URLSafeTimedSerializer

    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="remember-nir").dumps(KARIM_NIR)
    client.set_cookie(REMEMBER_COOKIE, old)
    _, field = nir_field(client)
    assert field.get("value") in (None, "")


def test_a_cookie_older_than_13_months_prefills_nothing(app, client, monkeypatch):
    import time

    sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    client.delete_cookie(SESSION_COOKIE)
    _, field = nir_field(client)
    assert field.get("value") == "1 75 01 69 123 045"
    later = time.time() + app.config["REMEMBER_NIR_DAYS"] * 86400 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    _, field = nir_field(client)
    assert field.get("value") in (None, "")


def test_the_session_is_not_made_longer(client):
    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    session_headers = set_cookie_headers(response, SESSION_COOKIE)
    assert session_headers
    for header in session_headers:
        attrs = attributes(header)
        assert "max-age" not in attrs and "expires" not in attrs


def test_next_visit_prefills_the_formatted_number_and_offers_to_forget_it(app, client):
    sign_in(client, "175016912304505", KARIM_PASSWORD, remember=True)
    # A new visit on the same device: same cookie jar, no session.
    client.delete_cookie(SESSION_COOKIE)
    p, field = nir_field(client)
    assert field.get("value") == "1 75 01 69 123 045"
    assert p.label_for("Se souvenir de moi").has("checked")
    assert has_forget_button(p)
    # The password is never remembered.
    assert p.label_for("Mot de passe").get("value") in (None, "")
    assert KARIM_PASSWORD not in client.get("/connexion").get_data(as_text=True)


def test_without_the_cookie_nothing_is_prefilled(client):
    p, field = nir_field(client)
    assert field.get("value") in (None, "")
    assert not has_forget_button(p)


def test_a_tampered_cookie_prefills_nothing(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    value = client.get_cookie(REMEMBER_COOKIE).value
    raw = bytearray(base64.urlsafe_b64decode(value))
    raw[40] ^= 1  # one bit of the ciphertext changed
    flipped = base64.urlsafe_b64encode(bytes(raw)).decode()
    for forged in (flipped, value[:-3] + "AAA", "garbage", "A" * 2000):
        client.set_cookie(REMEMBER_COOKIE, forged)
        p, field = nir_field(client)
        assert field.get("value") in (None, ""), forged
        assert not has_forget_button(p)


def test_a_cookie_signed_with_another_secret_prefills_nothing(client):
    from services.sealing import seal

    with app_with_secret("not-the-secret").test_request_context():
        other = seal("remember-nir", KARIM_NIR)
    client.set_cookie(REMEMBER_COOKIE, other)
    p, field = nir_field(client)
    assert field.get("value") in (None, "")


def app_with_secret(secret: str):
    from flask import Flask

    other = Flask("other")
    other.config["SECRET_KEY"] = secret
    return other


def test_forget_deletes_the_cookie(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    client.delete_cookie(SESSION_COOKIE)
    sign_in_page = client.get("/connexion")
    response = client.post("/connexion/oublier-numero",
                           data={"csrf_token": csrf_from(sign_in_page)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"
    assert set_cookie_headers(response, REMEMBER_COOKIE)
    assert client.get_cookie(REMEMBER_COOKIE) is None
    p, field = nir_field(client)
    assert "Votre numéro est oublié sur cet appareil." in p.text
    assert field.get("value") in (None, "")
    assert not has_forget_button(p)


def test_unticked_sign_in_deletes_a_remembered_number(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    assert client.get_cookie(REMEMBER_COOKIE) is not None
    response = sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD, remember=False)
    assert response.status_code == 303
    assert client.get_cookie(REMEMBER_COOKIE) is None
    _, field = nir_field(client)
    assert field.get("value") in (None, "")


def test_a_failed_sign_in_remembers_nothing(client):
    response = sign_in(client, KARIM_NIR, "PasLeBon123", remember=True)
    assert response.status_code == 401
    assert not set_cookie_headers(response, REMEMBER_COOKIE)
    assert client.get_cookie(REMEMBER_COOKIE) is None


def test_remembered_number_is_another_persons_after_they_sign_in(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    sign_in(client, "2 92 09 2a 004 071", "13572468", remember=True)
    _, field = nir_field(client)
    assert field.get("value") == "2 92 09 2A 004 071"
