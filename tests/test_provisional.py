"""«J'ai un identifiant provisoire» (issue 4, part 2), with the Flask test client.

Our format (domain/provisional.py, README): the letter P and 8 digits, the last a Luhn
check digit. The demo account AMINATA D. has P 2024 0016 and the old Caf password
86420975: she signs in from /identifiant-provisoire and goes through the first-login
journey. Wrong passwords share the sign-in limits (per identifier, and per address with
the NIR form).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_helpers import (AMINATA_PASSWORD, KARIM_NIR, get_csrf, normalize_text, page, sign_in)

PROVISIONAL_URL = "/identifiant-provisoire"
CGU_URL = "/premiere-connexion/conditions"
AMINATA_TYPED = "p 2024 0016"
WRONG = "Identifiant provisoire ou mot de passe incorrect"
NEW_PASSWORD = "Baobab7Vert"
MAIL = "aminata.d@example.org"
ROOT = Path(__file__).resolve().parent.parent


def location(response) -> str:
    return response.headers["Location"]


def provisional_sign_in(client, identifier: str, password: str, token: str | None = None):
    token = token or get_csrf(client, PROVISIONAL_URL)
    return client.post(PROVISIONAL_URL, data={"csrf_token": token, "provisional_id": identifier,
                                              "password": password})


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def assert_falc(message: str) -> None:
    for sentence in sentences(message):
        assert len(sentence.split()) <= 15, f"{len(sentence.split())} words: {sentence!r}"


# --- the format, in domain/ ------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["P 2024 0016", "p 2024 0016", "P20240016", "p20240016",
                                   " P-2024-0016 ", "P.2024.0016", "P\u00a02024\u00a00016",
                                   "P 2 0 2 4 0 0 1 6"])
def test_ways_of_typing_aminatas_identifier_are_accepted(typed):
    from domain.provisional import parse_provisional_id

    parsed = parse_provisional_id(typed)
    assert parsed.value == "P20240016"
    assert parsed.formatted == "P 2024 0016"
    assert "20240016" not in repr(parsed)  # kept out of logs, like the NIR


def test_the_check_digit_is_luhn_over_the_7_digits_before_it():
    from domain.provisional import check_digit

    assert check_digit("2024001") == 6
    assert check_digit("0000000") == 0
    assert check_digit("1234567") == 4  # Luhn of 12345674


@pytest.mark.parametrize(("typed", "words"), [
    ("P 2024 0017", "Un chiffre de l'identifiant n'est pas bon. Vérifiez sur votre courrier."),
    ("P 2024 0061", "Un chiffre de l'identifiant n'est pas bon."),  # two digits swapped
    ("P 2024 001", "Après la lettre P, il y a 7 chiffres. Il en faut 8."),
    ("P 2024 00166", "Après la lettre P, il y a 9 chiffres. Il en faut 8."),
    ("1 75 01 69 123 045", "Ce numéro ressemble à un numéro de sécurité sociale."),
    ("1 75 01 69 123 045 05", "Ce numéro ressemble à un numéro de sécurité sociale."),
    ("7654321", "Ce numéro ressemble à un numéro allocataire."),
    ("1", "Ce numéro ressemble à un numéro allocataire."),
    ("12345678", "Ce numéro ressemble à un numéro allocataire."),
    ("", "Écrivez votre identifiant provisoire. Il commence par la lettre P."),
    ("   ", "Écrivez votre identifiant provisoire."),
    ("A 2024 0016", "L'identifiant provisoire commence par la lettre P."),
    ("P 2024 OO16", "Après la lettre P, il faut seulement des chiffres."),
    ("P 2024 ００16", "Après la lettre P, il faut seulement des chiffres."),
    ("P" * 10_000, "Ce que vous avez écrit est trop long."),
    ("P 2024 0016" + " " * 30, "Ce que vous avez écrit est trop long."),
])
def test_each_mistake_gets_its_own_short_falc_message(typed, words):
    from domain.provisional import ProvisionalIdError, parse_provisional_id

    with pytest.raises(ProvisionalIdError) as caught:
        parse_provisional_id(typed)
    message = caught.value.message
    assert message.startswith(words) or words in message, message
    assert_falc(message)
    assert "P 2024" not in message  # never echoes the identifier back


def test_where_it_is_written_is_said_when_the_letter_or_length_is_wrong():
    from domain.provisional import ProvisionalIdError, parse_provisional_id

    for typed in ("", "A 2024 0016", "P 2024 001", "7654321"):
        with pytest.raises(ProvisionalIdError) as caught:
            parse_provisional_id(typed)
        assert "Il est écrit en haut des courriers de la Caf." in caught.value.message, typed


def test_one_digit_is_said_in_the_singular():
    from domain.provisional import ProvisionalIdError, parse_provisional_id

    with pytest.raises(ProvisionalIdError) as caught:
        parse_provisional_id("P 1")
    assert "il y a 1 chiffre." in caught.value.message


# --- the page --------------------------------------------------------------------------------

def test_the_sign_in_page_links_to_the_provisional_page(client):
    p = page(client.get("/connexion"))
    assert p.link("J'ai un identifiant provisoire").get("href") == PROVISIONAL_URL


def test_the_provisional_page_explains_who_has_one_and_where_it_is_written(client):
    response = client.get(PROVISIONAL_URL)
    assert response.status_code == 200
    p = page(response)
    assert p.one("h1").text == "J'ai un identifiant provisoire"
    assert "identifiant provisoire" in p.title.lower()
    main = normalize_text(p.one("main").text)
    assert "pas encore de numéro de sécurité sociale" in main
    assert "lettre P" in main and "8 chiffres" in main
    assert "Il est écrit en haut des courriers de la Caf." in main
    assert "Tous les champs sont obligatoires, sauf mention contraire." in main
    for paragraph in p.all("p"):
        assert_falc(normalize_text(paragraph.text))
    field = p.label_for("Identifiant provisoire")
    assert field.get("autocomplete") == "username" and field.get("type") == "text"
    assert "La lettre P et 8 chiffres" in " ".join(
        p.by_id(i).text for i in field.get("aria-describedby").split())
    password = p.label_for("Mot de passe")
    assert password.get("type") == "password" and password.get("autocomplete") == "current-password"
    p.button("Se connecter")
    assert p.link("Mot de passe oublié ?").get("href") == "/mot-de-passe-oublie"
    assert p.link("Revenir à la connexion").get("href") == "/connexion"


def test_the_demo_account_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "P 2024 0016" in readme and AMINATA_PASSWORD in readme


# --- signing in --------------------------------------------------------------------------------

def test_aminata_signs_in_and_lands_on_the_cgu_page(app, client):
    response = provisional_sign_in(client, AMINATA_TYPED, AMINATA_PASSWORD)
    assert (response.status_code, location(response)) == (303, CGU_URL)
    cgu = client.get(CGU_URL)
    assert cgu.status_code == 200
    assert page(cgu).one("h1").text == "Conditions générales d'utilisation"


def test_aminata_goes_through_the_whole_first_login_journey(app, client):
    def post(url: str, data: dict):
        return client.post(url, data=dict(data, csrf_token=get_csrf(client, url)))

    assert provisional_sign_in(client, "P20240016", AMINATA_PASSWORD).status_code == 303
    response = post(CGU_URL, {"accept": "y"})
    assert (response.status_code, location(response)) == (303, "/premiere-connexion/mot-de-passe")
    response = post("/premiere-connexion/mot-de-passe", {"new_password": NEW_PASSWORD,
                                                         "confirm_password": NEW_PASSWORD})
    assert (response.status_code, location(response)) == (303, "/premiere-connexion/coordonnees")
    response = post("/premiere-connexion/coordonnees", {"mobile": "", "other_phone": "",
                                                        "email": MAIL, "channel": "mail"})
    assert (response.status_code, location(response)) == (303, "/premiere-connexion/code")
    [message] = client.get("/dev/messages.json").get_json()
    assert message["to"] == MAIL
    code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
    response = post("/premiere-connexion/code", {"code": code})
    assert (response.status_code, location(response)) == (303, "/mon-compte")
    assert "AMINATA D." in page(client.get("/mon-compte")).text

    # The next sign-in: the identifier and the new password; the old one no longer works.
    other = app.test_client()
    assert provisional_sign_in(other, AMINATA_TYPED, AMINATA_PASSWORD).status_code == 401
    response = provisional_sign_in(other, AMINATA_TYPED, NEW_PASSWORD)
    assert (response.status_code, location(response)) == (303, "/mon-compte")


def test_a_wrong_password_is_one_message_for_both_fields(client):
    response = provisional_sign_in(client, AMINATA_TYPED, "12345678")
    assert response.status_code == 401
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert WRONG in p.text
    assert p.label_for("Mot de passe").get("aria-invalid") == "true"
    # What was typed stays, except the password.
    assert p.label_for("Identifiant provisoire").get("value") == AMINATA_TYPED
    assert not p.label_for("Mot de passe").get("value")


def test_an_unknown_identifier_gets_the_same_message(client):
    # P 2024 0024: a good check digit, nobody has it.
    from domain.provisional import check_digit

    assert check_digit("2024002") == 4
    unknown = provisional_sign_in(client, "P 2024 0024", AMINATA_PASSWORD)
    wrong = provisional_sign_in(client, AMINATA_TYPED, "12345678")
    assert unknown.status_code == wrong.status_code == 401
    assert page(unknown).title == page(wrong).title
    assert WRONG in page(unknown).text


@pytest.mark.parametrize(("typed", "words"), [
    ("P 2024 0017", "Un chiffre de l'identifiant n'est pas bon."),
    ("1 75 01 69 123 045", "Ce numéro ressemble à un numéro de sécurité sociale."),
    ("", "Écrivez votre identifiant provisoire."),
])
def test_a_mistyped_identifier_is_said_on_its_field(client, typed, words):
    response = provisional_sign_in(client, typed, AMINATA_PASSWORD)
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert words in p.text
    assert p.label_for("Identifiant provisoire").get("aria-invalid") == "true"


def test_a_missing_token_is_refused(client):
    from blueprints.forms import CSRF_MESSAGE

    response = client.post(PROVISIONAL_URL, data={"provisional_id": AMINATA_TYPED,
                                                  "password": AMINATA_PASSWORD})
    assert response.status_code == 400
    assert CSRF_MESSAGE in page(response).text
    assert client.get("/mon-compte").status_code == 303


# --- limits ----------------------------------------------------------------------------------

def test_six_wrong_passwords_are_blocked_then_even_the_right_one(client):
    token = get_csrf(client, PROVISIONAL_URL)
    for attempt in range(5):
        response = provisional_sign_in(client, AMINATA_TYPED, f"Mauvais{attempt}", token)
        assert response.status_code == 401, attempt
    blocked = provisional_sign_in(client, "P20240016", "Mauvais6", token)  # typed another way
    assert blocked.status_code == 429
    p = page(blocked)
    assert p.title.startswith("Trop d'essais")
    assert re.search(r"Attendez \d+ minutes?\.", p.text), p.text
    assert 0 < int(blocked.headers["Retry-After"]) <= 16 * 60
    assert provisional_sign_in(client, AMINATA_TYPED, AMINATA_PASSWORD, token).status_code == 429


def test_a_locked_provisional_identifier_does_not_lock_a_nir(client):
    token = get_csrf(client, PROVISIONAL_URL)
    for attempt in range(6):
        provisional_sign_in(client, AMINATA_TYPED, f"Mauvais{attempt}", token)
    from flask_helpers import KARIM_PASSWORD

    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 303


@pytest.mark.parametrize("order", ["nir-first", "provisional-first"])
def test_the_per_address_limit_is_shared_with_the_nir_form(app, client, order):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    sign_in_token = get_csrf(client, "/connexion")
    provisional_token = get_csrf(client, PROVISIONAL_URL)

    def wrong_nir():
        return client.post("/connexion", data={"csrf_token": sign_in_token, "nir": KARIM_NIR,
                                               "password": "PasLeBon123"})

    def wrong_provisional():
        return provisional_sign_in(client, AMINATA_TYPED, "PasLeBon123", provisional_token)

    first, second = (wrong_nir, wrong_provisional) if order == "nir-first" else (wrong_provisional, wrong_nir)
    assert first().status_code == 401
    assert first().status_code == 401
    assert second().status_code == 401  # the 3rd failure from this address, on the other form
    for blocked in (second(), first()):
        assert blocked.status_code == 429
        assert "depuis ce lieu" in page(blocked).text


def test_a_person_with_a_provisional_identifier_can_reset_a_forgotten_password(app, client):
    from datetime import datetime

    from domain.journey import CGU_VERSION
    from services.database import db
    from services.models import Account

    with app.app_context():  # Aminata finished her first login, with a confirmed mail
        row = db.session.execute(db.select(Account).filter_by(provisional_id="P20240016")).scalar_one()
        row.journey_state, row.cgu_version = "done", CGU_VERSION
        row.password_is_legacy, row.email, row.code_channel = False, MAIL, "mail"
        row.contact_verified_at = datetime(2026, 11, 2)
        db.session.commit()
    link = page(client.get(PROVISIONAL_URL)).link("Mot de passe oublié ?").get("href")
    form_page = page(client.get(link))
    form = form_page.one("form", method="post")
    fields = [e for e in form_page.all("input") if e.get("type") != "hidden"]
    data = {"csrf_token": get_csrf(client, link), fields[0].get("name"): AMINATA_TYPED}
    response = client.post(form.get("action"), data=data)
    assert response.status_code == 303, page(response).text
    [message] = client.get("/dev/messages.json").get_json()
    assert message["to"] == MAIL
