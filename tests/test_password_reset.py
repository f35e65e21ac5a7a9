"""«Mot de passe oublié ?» (issue 4, part 1), with the Flask test client.

Played as Karim (NIR 1 75 01 69 123 045, password Jardin75Bleu, verified mobile
+33612345678 with code_channel sms, mail karim.b@example.org): the number, a code sent
to his confirmed contact (partly hidden on the page), the code, a new password with the
shared live checklist, then sign-in. Also: the signed single-use token, sessions ended
by a reset, code purposes kept apart, throttling, CSRF, and no enumeration (an unknown
number and Véronique, who has no confirmed contact, see the same pages and get no code).
"""
from __future__ import annotations

import html
import re
import statistics
import time
from datetime import datetime, timedelta

import pytest

from flask_helpers import account_row, update_account, codes_of
from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, VERONIQUE_NIR, VERONIQUE_PASSWORD,
                           get_csrf, normalize_text, page, sign_in)

NEW_PASSWORD = "Riviere42Nord"
KARIM_MOBILE = "+33612345678"
KARIM_MAIL = "karim.b@example.org"
UNKNOWN_NIR = "1 80 01 69 123 045"  # well formed, nobody has it
HX = {"HX-Request": "true"}

START_URL = "/mot-de-passe-oublie"
CODE_URL = f"{START_URL}/code"
CODE_LIVE_URL = f"{CODE_URL}/saisie"
NEW_CODE_URL = f"{CODE_URL}/nouveau"
CHOOSE_PREFIX = f"{START_URL}/nouveau/"
HOME_URL = "/mon-compte"

EXPIRED_HEADING = "Ce lien ne marche plus"
WAIT_FOR_CODE = re.compile(r"Attendez (\d+) (secondes?|minutes?) avant d'en demander un autre\.")
SUCCESS = "Votre nouveau mot de passe est enregistré. Connectez-vous avec lui."
SMS_SHAPE = re.compile(r"•• •• •• •• \d\d")
MAIL_SHAPE = re.compile(r"[a-z]?•••@([a-z0-9.-]+\.[a-z]+|•••)")


# --- the database behind the pages ---------------------------------------------------------

def account(app, nir: str = KARIM_NIR):
    return account_row(app, nir)


def update(app, nir: str = KARIM_NIR, **values) -> None:
    update_account(app, nir, **values)


def codes_in_db(app, nir: str = KARIM_NIR) -> list:
    return codes_of(app, nir)


def add_code(app, nir: str, purpose: str, code: str) -> None:
    """A live code of `purpose` for the account, stored as the app stores it (keyed hash)."""
    from domain import codes
    from services.codes import _key
    from services.database import db
    from services.models import Account, VerificationCode

    with app.app_context():
        row = db.session.execute(db.select(Account).filter_by(nir=nir)).scalar_one()
        salt = codes.new_salt()
        db.session.add(VerificationCode(account_id=row.id, purpose=purpose, channel="mail",
                                        destination=row.email or "x@example.org", salt=salt,
                                        digest=codes.digest(_key(), salt, code)))
        db.session.commit()


def outbox_count(app) -> int:
    from services.database import db
    from services.models import OutboxMessage

    with app.app_context():
        return db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar_one()


def reset_limits() -> None:
    from services.limiter import limiter

    limiter.reset()


# --- what a person does ---------------------------------------------------------------------

def location(response) -> str:
    return response.headers["Location"]


def text_of(response) -> str:
    body = response.get_data(as_text=True)
    if "<body" in body:
        return page(response).text
    return normalize_text(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def post_form(client, url: str, data: dict, csrf_url: str | None = None, headers=None):
    token = get_csrf(client, csrf_url or url)
    return client.post(url, data=dict(data, csrf_token=token), headers=headers or {})


def ask_code(client, nir: str = KARIM_NIR):
    """«Mot de passe oublié ?»: type the number, press «Recevoir un code»."""
    return post_form(client, START_URL, {"nir": nir})


def type_code(client, code: str):
    return post_form(client, CODE_URL, {"code": code})


def messages_json(client) -> list[dict]:
    response = client.get("/dev/messages.json")
    assert response.status_code == 200
    return response.get_json()


def newest_code(client) -> str:
    match = re.search(r"\b(\d{6})\b", messages_json(client)[0]["body"])
    assert match
    return match.group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def at_code_step(client, nir: str = KARIM_NIR) -> None:
    response = ask_code(client, nir)
    assert (response.status_code, location(response)) == (303, CODE_URL), text_of(response)


def token_url(client) -> str:
    """Karim's reset up to the new-password page; returns its address (with the token)."""
    at_code_step(client)
    response = type_code(client, newest_code(client))
    assert response.status_code == 303, text_of(response)
    url = location(response)
    assert url.startswith(CHOOSE_PREFIX), url
    return url


def choose(client, url: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(client, url, {"new_password": new,
                                   "confirm_password": new if confirm is None else confirm})


def rule_states(response) -> dict[str, str]:
    return {li.get("data-rule"): li.get("data-valid") for li in page(response).all("li")
            if li.has("data-rule")}


def assert_expired_link(response) -> None:
    assert response.status_code == 400, response.status_code
    p = page(response)
    assert p.one("h1").text == EXPIRED_HEADING
    assert p.link("Recommencer : mot de passe oublié").get("href") == START_URL


def make_token_at(app, nir: str, seconds_ago: int) -> str:
    """A genuine token for the account, as if signed `seconds_ago` seconds ago."""
    import itsdangerous.timed
    from services.database import db
    from services.models import Account
    from services.password_reset import make_token

    stamp = int(time.time()) - seconds_ago
    original = itsdangerous.timed.TimestampSigner.get_timestamp
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: stamp
    try:
        with app.app_context():
            row = db.session.execute(db.select(Account).filter_by(nir=nir)).scalar_one()
            return make_token(row)
    finally:
        itsdangerous.timed.TimestampSigner.get_timestamp = original


# --- the whole reset, as the issue checks it ----------------------------------------------------

def test_karim_resets_his_password_and_signs_in_with_the_new_one(app, client):
    from services.accounts import verify_password as check_password_hash

    old_hash = account(app).password_hash
    response = client.get("/connexion")
    assert page(response).link("Mot de passe oublié ?").get("href") == START_URL
    start = client.get(START_URL)
    assert start.status_code == 200
    p = page(start)
    assert p.one("h1").text == "Mot de passe oublié"
    field = p.label_for("Numéro de sécurité sociale")
    assert field.get("autocomplete") == "username"
    p.button("Recevoir un code")

    response = ask_code(client, "1 75 01 69 123 045")
    assert (response.status_code, location(response)) == (303, CODE_URL)
    code = newest_code(client)

    response = type_code(client, other_code(code))
    assert response.status_code == 400
    assert "Ce code n'est pas le bon. Vérifiez le code reçu. Il vous reste 4 essais." in text_of(response)

    response = type_code(client, code)
    assert response.status_code == 303
    url = location(response)
    assert url.startswith(CHOOSE_PREFIX)
    choose_page = client.get(url)
    assert choose_page.status_code == 200
    assert page(choose_page).one("h1").text == "Mon nouveau mot de passe"

    response = choose(client, url)
    assert (response.status_code, location(response)) == (303, "/connexion")
    assert SUCCESS in text_of(client.get("/connexion"))

    row = account(app)
    assert row.password_hash != old_hash
    assert check_password_hash(row.password_hash, NEW_PASSWORD)
    assert row.password_is_legacy is False and row.journey_state == "done"

    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 401
    response = sign_in(client, KARIM_NIR, NEW_PASSWORD)
    assert (response.status_code, location(response)) == (303, HOME_URL)
    assert "KARIM B." in text_of(client.get(HOME_URL))

    # The link of the reset, replayed: it died with the old password.
    assert_expired_link(client.get(url))


def long_sentences(response) -> list[str]:
    """Sentences of <p> and <li> with more than 15 words (a word has a letter or a digit)."""
    found = []
    for element in page(response).all("p") + page(response).all("li"):
        for sentence in re.split(r"(?<=[.!?:])\s+", normalize_text(element.text)):
            words = [w for w in sentence.split() if re.search(r"\w", w)]
            if len(words) > 15:
                found.append(sentence)
    return found


def test_every_page_and_message_of_the_reset_is_short_falc_sentences(app, client):
    from blueprints import password_reset

    seen = [client.get(START_URL), ask_code(client, "")]
    at_code_step(client)
    code = newest_code(client)
    seen += [client.get(CODE_URL), type_code(client, other_code(code)),
             post_form(client, NEW_CODE_URL, {}, csrf_url=CODE_URL)]
    url = location(type_code(client, code))
    seen += [client.get(url), choose(client, url, "abc", "abc")]
    choose(client, url)
    seen += [client.get("/connexion")]
    assert [r.status_code for r in seen] == [200, 400, 200, 400, 429, 200, 400, 200]
    for response in seen:
        assert long_sentences(response) == [], page(response).title


def test_the_dead_link_page_is_short_falc_sentences(client):
    response = client.get(CHOOSE_PREFIX + "x")
    assert response.status_code == 400
    assert long_sentences(response) == []


# --- step 1: the number, the code sent ------------------------------------------------------------

def test_the_code_goes_by_sms_and_is_stored_only_hashed(app, client):
    at_code_step(client)
    [message] = messages_json(client)
    assert message["channel"] == "sms" and message["to"] == KARIM_MOBILE
    assert "pour un nouveau mot de passe" in message["body"]
    code = newest_code(client)
    [record] = codes_in_db(app)
    assert record.purpose == "reset"
    assert (record.channel, record.destination) == ("sms", KARIM_MOBILE)
    assert record.used_at is None and record.dead is False and record.wrong_tries == 0
    stored = " ".join(str(v) for v in (record.salt, record.digest, record.destination))
    assert code not in stored
    assert len(record.digest) == 64


def test_the_code_page_says_where_partly_hidden_never_the_whole_number(app, client):
    at_code_step(client)
    response = client.get(CODE_URL)
    assert response.status_code == 200
    p = page(response)
    assert p.title.startswith("Mot de passe oublié – étape 2 sur 3")
    assert "Nous venons de vous envoyer un code par SMS au numéro suivant : •• •• •• •• 78." in p.text
    body = response.get_data(as_text=True)
    for whole in ("+33612345678", "0612345678", "06 12 34 56 78", "12 34 56", "612345678", KARIM_MAIL):
        assert whole not in body, whole
    field = p.label_for("Code de vérification reçu par SMS")
    assert field.get("type") == "text"
    assert field.get("autocomplete") == "one-time-code"
    assert field.get("inputmode") == "numeric"
    assert "code-live" in field.get("aria-describedby").split()
    assert p.by_id("code-live").get("aria-live") == "polite"
    p.button("Valider le code")
    p.button("Demander l'envoi d'un nouveau code")


def test_by_mail_the_address_is_partly_hidden_too(app, client):
    update(app, code_channel="mail")
    at_code_step(client)
    [message] = messages_json(client)
    assert (message["channel"], message["to"]) == ("mail", KARIM_MAIL)
    p = page(client.get(CODE_URL))
    # example.org is no common provider: its name is hidden too (domain/masking.py).
    assert "par mail à l'adresse suivante : k•••@•••." in p.text
    assert KARIM_MAIL not in p.html
    p.label_for("Code de vérification reçu par mail")


@pytest.mark.parametrize(("typed", "words"), [
    ("", "Écrivez votre numéro de sécurité sociale."),
    ("7654321", "Ce numéro ressemble à un numéro allocataire."),
    ("1 75 01 69 123", "Le numéro a 10 caractères. Il en faut 13."),
    ("8 84 05 75 108 123", "C'est un numéro provisoire : un NIA."),
])
def test_a_mistyped_number_gets_the_sign_in_message_and_no_code(app, client, typed, words):
    response = ask_code(client, typed)
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert words in p.text
    assert p.label_for("Numéro de sécurité sociale").get("aria-invalid") == "true"
    assert outbox_count(app) == 0 and codes_in_db(app) == []


def test_the_code_page_without_a_reset_under_way_goes_to_the_start(client):
    for url in (CODE_URL,):
        response = client.get(url)
        assert (response.status_code, location(response)) == (303, START_URL)
    response = client.post(NEW_CODE_URL, data={"csrf_token": get_csrf(client, START_URL)})
    assert (response.status_code, location(response)) == (303, START_URL)


# --- step 2: the code -----------------------------------------------------------------------------

def test_the_live_code_field_says_what_is_missing_never_if_it_is_right(app, client):
    at_code_step(client)
    code = newest_code(client)
    token = get_csrf(client, CODE_URL)
    response = client.post(CODE_LIVE_URL, data={"code": code[:3], "csrf_token": token}, headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<input" not in body
    assert "Il manque 3 chiffres." in text_of(response)
    right = client.post(CODE_LIVE_URL, data={"code": code, "csrf_token": token}, headers=HX)
    wrong = client.post(CODE_LIVE_URL, data={"code": other_code(code), "csrf_token": token}, headers=HX)
    assert text_of(right) == text_of(wrong) == "Le code a bien 6 chiffres. Cliquez sur « Valider le code »."
    # Typing is not trying: the code is untouched.
    [record] = codes_in_db(app)
    assert record.wrong_tries == 0 and record.used_at is None
    # Without htmx, the live address just leads to the page.
    response = client.post(CODE_LIVE_URL, data={"code": "12", "csrf_token": token})
    assert (response.status_code, location(response)) == (303, CODE_URL)


def test_a_wrong_code_says_the_tries_left_and_is_counted(app, client):
    at_code_step(client)
    code = newest_code(client)
    response = type_code(client, other_code(code))
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert "Il vous reste 4 essais." in p.text
    assert p.label_for("Code de vérification reçu par SMS").get("aria-invalid") == "true"
    [record] = codes_in_db(app)
    assert record.wrong_tries == 1 and record.used_at is None


def test_five_wrong_codes_then_the_right_one_is_refused(app, client):
    at_code_step(client)
    code = newest_code(client)
    for attempt in range(5):
        response = type_code(client, other_code(code))
        assert response.status_code == 400, attempt
    assert "Ce code ne marche plus." in text_of(response)
    response = type_code(client, code)
    assert response.status_code == 400
    assert "Ce code ne marche plus." in text_of(response)
    assert "Demandez un nouveau code." in text_of(response)
    [record] = codes_in_db(app)
    assert record.dead is True and record.used_at is None


def test_a_contact_code_cannot_be_used_for_a_reset(app, client):
    at_code_step(client)
    reset_code = newest_code(client)
    contact_code = other_code(reset_code)
    add_code(app, KARIM_NIR, "contact", contact_code)  # live, newer than the reset code
    response = type_code(client, contact_code)
    assert response.status_code == 400
    assert "Ce code n'est pas le bon." in text_of(response)
    # The reset code itself still works: the refusal came from the purpose.
    response = type_code(client, reset_code)
    assert response.status_code == 303 and location(response).startswith(CHOOSE_PREFIX)


def test_a_reset_code_cannot_be_used_to_confirm_a_contact(app, client):
    from domain.journey import CGU_VERSION
    from services.accounts import hash_password

    update(app, VERONIQUE_NIR, journey_state="code", cgu_version=CGU_VERSION,
           cgu_accepted_at=datetime(2026, 11, 2), password_hash=hash_password("Soleil2Marche7"),
           password_is_legacy=False, email="veronique.f@example.org", code_channel="mail")
    response = sign_in(client, VERONIQUE_NIR, "Soleil2Marche7")
    assert (response.status_code, location(response)) == (303, "/premiere-connexion/code")
    add_code(app, VERONIQUE_NIR, "contact", "246810")
    add_code(app, VERONIQUE_NIR, "reset", "135791")
    response = post_form(client, "/premiere-connexion/code", {"code": "135791"})
    assert response.status_code == 400
    assert "n'est pas le bon" in text_of(response)
    assert account(app, VERONIQUE_NIR).contact_verified_at is None
    response = post_form(client, "/premiere-connexion/code", {"code": "246810"})
    assert (response.status_code, location(response)) == (303, HOME_URL)


def test_a_code_older_than_10_minutes_is_refused(app, client):
    from services.database import db
    from services.models import VerificationCode

    at_code_step(client)
    code = newest_code(client)
    with app.app_context():
        record = db.session.execute(db.select(VerificationCode)).scalar_one()
        record.sent_at -= timedelta(minutes=10, seconds=5)
        db.session.commit()
    response = type_code(client, code)
    assert response.status_code == 400
    assert "Ce code a plus de 10 minutes." in text_of(response)


def test_a_new_code_within_30_seconds_says_how_long_to_wait(app, client):
    at_code_step(client)
    response = post_form(client, NEW_CODE_URL, {}, csrf_url=CODE_URL)
    assert response.status_code == 429
    p = page(response)
    assert p.title.startswith("Erreur : Mot de passe oublié – étape 2 sur 3")
    match = WAIT_FOR_CODE.search(p.text)
    assert match, p.text
    assert match.group(2).startswith("seconde") and 1 <= int(match.group(1)) <= 30
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    p.label_for("Code de vérification reçu par SMS")  # still the code page
    assert outbox_count(app) == 1 and len(codes_in_db(app)) == 1


def test_after_the_wait_a_new_code_works_and_the_old_one_is_dead(app, client):
    at_code_step(client)
    old = newest_code(client)
    reset_limits()  # 30 seconds later
    response = post_form(client, NEW_CODE_URL, {}, csrf_url=CODE_URL)
    assert (response.status_code, location(response)) == (303, CODE_URL)
    assert "Nous vous avons envoyé un nouveau code." in text_of(client.get(CODE_URL))
    new = newest_code(client)
    first, second = codes_in_db(app)
    assert first.dead is True and second.dead is False and second.purpose == "reset"
    if old != new:  # one chance in a million that they are the same
        assert type_code(client, old).status_code == 400
    response = type_code(client, new)
    assert response.status_code == 303 and location(response).startswith(CHOOSE_PREFIX)


def test_recevoir_un_code_twice_for_the_same_number_waits(app, client):
    at_code_step(client)
    # The same person presses «Recevoir un code» again: the wait is said, no second code.
    response = ask_code(client)
    assert response.status_code == 429
    p = page(response)
    assert p.title.startswith("Erreur : ")
    match = WAIT_FOR_CODE.search(p.text)
    assert match and 1 <= int(match.group(1)) <= 30, p.text
    assert outbox_count(app) == 1
    # Someone else (a new browser) asking for the same number at once: the start page says it.
    other = app.test_client()
    response = ask_code(other)
    assert response.status_code == 429
    p = page(response)
    assert p.title == "Erreur : Mot de passe oublié – étape 1 sur 3 – Mon Compte Caf"
    p.label_for("Numéro de sécurité sociale")
    p.button("Recevoir un code")
    match = WAIT_FOR_CODE.search(p.text)
    assert match and match.group(2).startswith("seconde") and 1 <= int(match.group(1)) <= 30, p.text
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    assert outbox_count(app) == 1


def test_five_codes_an_hour_then_the_wait_in_minutes(app, client):
    app.config["CODE_LIMIT_INTERVAL"] = "1000 per second"  # only the hourly limit left
    at_code_step(client)
    for _ in range(4):
        response = post_form(client, NEW_CODE_URL, {}, csrf_url=CODE_URL)
        assert response.status_code == 303
    response = post_form(client, NEW_CODE_URL, {}, csrf_url=CODE_URL)
    assert response.status_code == 429
    match = WAIT_FOR_CODE.search(text_of(response))
    assert match and match.group(2).startswith("minute"), text_of(response)
    assert 55 <= int(match.group(1)) <= 60
    assert outbox_count(app) == 5


def test_a_successful_code_ends_the_code_step(app, client):
    at_code_step(client)
    response = type_code(client, newest_code(client))
    assert response.status_code == 303
    response = client.get(CODE_URL)
    assert (response.status_code, location(response)) == (303, START_URL)


# --- step 3: the new password -------------------------------------------------------------------

def test_the_new_password_page_reuses_the_live_checklist(app, client):
    from domain.passwords import RULES

    url = token_url(client)
    response = client.get(url)
    p = page(response)
    assert p.title.startswith("Mot de passe oublié – étape 3 sur 3")
    for label in ("Nouveau mot de passe", "Confirmation du nouveau mot de passe"):
        field = p.label_for(label)
        assert field.get("type") == "password" and field.get("autocomplete") == "new-password"
    assert p.by_id("password-rules").get("aria-live") == "polite"
    states = rule_states(response)
    assert list(states) == [rule.id for rule in RULES]
    assert set(states.values()) == {"false"}

    rules_url = url + "/regles"
    assert p.label_for("Nouveau mot de passe").get("data-hx-post") == rules_url
    response = post_form(client, rules_url, {"new_password": "abc", "confirm_password": ""},
                         csrf_url=url, headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    states = rule_states(response)
    assert (states["length"], states["uppercase"], states["digit"]) == ("false",) * 3
    assert (states["lowercase"], states["charset"]) == ("true", "true")
    assert "8 à 24 caractères : pas encore" in text_of(response)

    response = post_form(client, rules_url, {"new_password": NEW_PASSWORD,
                                             "confirm_password": NEW_PASSWORD},
                         csrf_url=url, headers=HX)
    assert set(rule_states(response).values()) == {"true"}
    assert "Les 2 mots de passe sont identiques." in text_of(response)


@pytest.mark.parametrize(("new", "confirm", "words"), [
    ("abc", "abc", "Le mot de passe doit avoir entre 8 et 24 caractères."),
    ("Password1", "Password1", "Ce mot de passe est trop connu."),
    ("Riviere42Nörd", "Riviere42Nörd", "Écrivez seulement des chiffres et des lettres sans accent."),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "Les 2 mots de passe ne sont pas identiques."),
])
def test_a_refused_new_password_is_said_and_nothing_is_saved(app, client, new, confirm, words):
    old_hash = account(app).password_hash
    url = token_url(client)
    response = choose(client, url, new, confirm)
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert words in p.text
    assert account(app).password_hash == old_hash
    # The link still works after a refusal: the password did not change.
    assert client.get(url).status_code == 200
    response = choose(client, url)
    assert (response.status_code, location(response)) == (303, "/connexion")


# --- the token that allows the reset ----------------------------------------------------------

def test_the_used_link_is_refused_on_get_and_post(app, client):
    url = token_url(client)
    assert choose(client, url).status_code == 303
    saved = account(app).password_hash
    assert_expired_link(client.get(url))
    stranger = app.test_client()
    assert_expired_link(stranger.get(url))
    response = stranger.post(url, data={"csrf_token": get_csrf(stranger, START_URL),
                                        "new_password": "Autre42Pass", "confirm_password": "Autre42Pass"})
    assert_expired_link(response)
    assert account(app).password_hash == saved
    p = page(client.get(url))
    assert "Il a plus de 10 minutes, ou votre mot de passe est déjà changé." in p.text


def test_two_links_only_one_reset(app, client):
    first = token_url(client)
    reset_limits()
    other = app.test_client()
    second = token_url(other)
    assert choose(other, second).status_code == 303
    assert_expired_link(client.get(first))


def garbled(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]


@pytest.mark.parametrize("kind", ["garbled", "truncated", "random", "empty-ish", "huge", "unicode",
                                  "other-secret", "other-salt", "not-a-dict", "no-account",
                                  "wrong-fingerprint", "string-id"])
def test_a_forged_or_garbled_token_is_a_400_never_a_500(app, client, kind):
    from itsdangerous import URLSafeTimedSerializer

    from services.password_reset import make_token

    with app.app_context():
        from services.database import db
        from services.models import Account

        karim = db.session.execute(db.select(Account).filter_by(nir=KARIM_NIR)).scalar_one()
        real = make_token(karim)
        karim_id = karim.id
    secret = app.config["SECRET_KEY"]
    reset = URLSafeTimedSerializer(secret, salt="password-reset")
    token = {
        "garbled": garbled(real),
        "truncated": real[:-5],
        "random": "eyJhIjoxfQ.ZZZZZZ.abcdefghijklmnop",
        "empty-ish": "x",
        "huge": "A" * 10_000,
        "unicode": "é" * 20,
        "other-secret": URLSafeTimedSerializer("not-the-secret", salt="password-reset").dumps(
            {"a": karim_id, "f": "0" * 32}),
        "other-salt": URLSafeTimedSerializer(secret, salt="remember-nir").dumps({"a": karim_id}),
        "not-a-dict": reset.dumps([karim_id]),
        "no-account": reset.dumps({"a": 999_999, "f": "0" * 32}),
        "wrong-fingerprint": reset.dumps({"a": karim_id, "f": "0" * 32}),
        "string-id": reset.dumps({"a": str(karim_id), "f": "0" * 32}),
    }[kind]
    old_hash = account(app).password_hash
    assert_expired_link(client.get(CHOOSE_PREFIX + token))
    response = client.post(CHOOSE_PREFIX + token, data={
        "csrf_token": get_csrf(client, START_URL), "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert_expired_link(response)
    response = client.post(CHOOSE_PREFIX + token + "/regles", data={"new_password": "abc"}, headers=HX)
    assert response.status_code in (303, 400) and response.status_code != 500
    assert account(app).password_hash == old_hash


def test_a_token_older_than_10_minutes_is_refused(app, client):
    fresh = make_token_at(app, KARIM_NIR, seconds_ago=9 * 60)
    assert client.get(CHOOSE_PREFIX + fresh).status_code == 200  # still inside the 10 minutes
    old = make_token_at(app, KARIM_NIR, seconds_ago=10 * 60 + 5)
    assert_expired_link(client.get(CHOOSE_PREFIX + old))
    old_hash = account(app).password_hash
    assert_expired_link(client.post(CHOOSE_PREFIX + old, data={
        "csrf_token": get_csrf(client, START_URL), "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD}))
    assert account(app).password_hash == old_hash


# --- sessions ---------------------------------------------------------------------------------

def test_a_reset_ends_karims_other_sessions_only(app, client):
    karim_phone = app.test_client()
    assert sign_in(karim_phone, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    assert karim_phone.get(HOME_URL).status_code == 200
    veronique = app.test_client()
    assert sign_in(veronique, VERONIQUE_NIR, VERONIQUE_PASSWORD).status_code == 303
    veronique_step = location(veronique.get(HOME_URL))

    url = token_url(client)
    assert karim_phone.get(HOME_URL).status_code == 200  # the code alone changes nothing
    assert choose(client, url).status_code == 303

    response = karim_phone.get(HOME_URL)
    assert (response.status_code, location(response)) == (303, "/connexion")
    # Another person's session is left alone.
    assert location(veronique.get(HOME_URL)) == veronique_step
    assert veronique.get(veronique_step).status_code == 200


# --- CSRF -------------------------------------------------------------------------------------

def test_every_reset_post_without_its_token_is_refused(app, client):
    from blueprints.forms import CSRF_MESSAGE

    # Step 1.
    response = client.post(START_URL, data={"nir": KARIM_NIR})
    assert response.status_code == 400
    assert CSRF_MESSAGE in text_of(response)
    assert outbox_count(app) == 0
    # Step 2: the code, a new code, the live field.
    at_code_step(client)
    code = newest_code(client)
    reset_limits()
    response = client.post(CODE_URL, data={"code": code})
    assert response.status_code == 400 and CSRF_MESSAGE in text_of(response)
    response = client.post(NEW_CODE_URL, data={})
    assert response.status_code == 400 and CSRF_MESSAGE in text_of(response)
    assert outbox_count(app) == 1
    assert client.post(CODE_LIVE_URL, data={"code": "123"}, headers=HX).status_code == 400
    [record] = codes_in_db(app)
    assert record.used_at is None and record.wrong_tries == 0
    # Step 3: the new password and its live checklist.
    response = type_code(client, code)
    url = location(response)
    old_hash = account(app).password_hash
    response = client.post(url, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 400 and CSRF_MESSAGE in text_of(response)
    assert client.post(url + "/regles", data={"new_password": "abc"}, headers=HX).status_code == 400
    assert account(app).password_hash == old_hash


# --- no enumeration -----------------------------------------------------------------------------

def _masked(text: str, destination: str) -> str:
    text = text.replace(destination, "<où>")
    text = re.sub(r"par SMS au numéro suivant|par mail à l'adresse suivante", "par <canal>", text)
    text = re.sub(r"reçu par (SMS|mail)", "reçu par <canal>", text)
    return re.sub(r"Attendez \d+ (secondes?|minutes?)", "Attendez <n>", text)


def _skeleton(response) -> list[tuple]:
    """The page's structure: every element with its id, name and type, in order."""
    return [(e.tag, e.get("id"), e.get("name"), e.get("type")) for e in page(response).all()]


def _destination(response) -> tuple[str, str]:
    text = page(response).text
    match = re.search(r"par (SMS au numéro suivant|mail à l'adresse suivante) : (.+?)\. Pour", text)
    assert match, text
    return ("sms" if "SMS" in match.group(1) else "mail"), match.group(2)


def walk(app, nir: str, wrong_code: str) -> tuple[list, str]:
    """The reset as a stranger would probe it; what they see at each step, and where it went."""
    client = app.test_client()
    seen = []
    response = ask_code(client, nir)
    seen.append(("ask", response.status_code, location(response)))
    first = client.get(CODE_URL)
    channel, destination = _destination(first)
    seen.append(("page", first.status_code, page(first).title, _masked(page(first).text, destination),
                 _skeleton(first)))
    for attempt in range(2):
        response = type_code(client, wrong_code)
        seen.append(("wrong", attempt, response.status_code, _masked(text_of(response), destination)))
    response = post_form(client, NEW_CODE_URL, {}, csrf_url=CODE_URL)
    seen.append(("new code at once", response.status_code, _masked(text_of(response), destination)))
    reset_limits()
    response = post_form(client, NEW_CODE_URL, {}, csrf_url=CODE_URL)
    seen.append(("new code later", response.status_code, location(response)))
    again = client.get(CODE_URL)
    seen.append(("page again", _masked(text_of(again), destination), _destination(again)[1] == destination))
    for attempt in range(6):
        response = type_code(client, wrong_code)
        seen.append(("wrong again", attempt, response.status_code, _masked(text_of(response), destination)))
    shape = SMS_SHAPE if channel == "sms" else MAIL_SHAPE
    assert shape.fullmatch(destination), destination
    reset_limits()
    return seen, destination


def test_unknown_number_and_no_contact_get_the_same_pages_and_no_message(app):
    known, karim_destination = walk(app, KARIM_NIR, "000000")
    sent_to_karim = outbox_count(app)
    assert sent_to_karim == 2
    if any(f"est {'000000'}" in m["body"] for m in messages_json(app.test_client())):
        pytest.skip("one chance in a million: Karim's code was 000000")
    unknown, unknown_destination = walk(app, UNKNOWN_NIR, "000000")
    assert outbox_count(app) == sent_to_karim  # nothing sent for a number without an account
    veronique, veronique_destination = walk(app, VERONIQUE_NIR, "000000")
    assert outbox_count(app) == sent_to_karim  # nor for an account without a confirmed contact
    assert karim_destination == "•• •• •• •• 78"
    for step_known, step_unknown, step_veronique in zip(known, unknown, veronique):
        assert step_unknown == step_known, step_known[0]
        assert step_veronique == step_known, step_known[0]
    assert len(known) == len(unknown) == len(veronique)


def test_the_help_for_people_without_a_confirmed_contact_is_on_the_code_page(app, client):
    at_code_step(client, VERONIQUE_NIR)
    text = text_of(client.get(CODE_URL))
    assert "Connectez-vous avec votre ancien mot de passe Caf à 8 chiffres." in text
    assert "Appelez la Caf au 32 30." in text
    assert outbox_count(app) == 0 and codes_in_db(app, VERONIQUE_NIR) == []


def test_the_made_up_destination_is_stable_for_the_same_number(app):
    def destination_for(nir: str) -> str:
        client = app.test_client()
        at_code_step(client, nir)
        reset_limits()
        return _destination(client.get(CODE_URL))[1]

    first = destination_for(UNKNOWN_NIR)
    assert destination_for("180016912304 5") == first  # the same number typed another way
    assert destination_for(UNKNOWN_NIR) == first
    assert "•••" in first or "••" in first
    others = {destination_for(n) for n in ("1 80 01 69 123 046", "2 91 12 13 055 010",
                                            "1 64 11 59 350 042", "2 70 02 06 088 001")}
    assert len(others | {first}) > 1  # made up per number, not one fixed decoy


def test_known_and_unknown_numbers_take_about_the_same_time(app):
    app.config["RESET_MIN_SECONDS"] = 0.3
    timings: dict[str, list[float]] = {KARIM_NIR: [], UNKNOWN_NIR: []}
    for _ in range(5):
        for nir in timings:
            reset_limits()
            client = app.test_client()
            token = get_csrf(client, START_URL)
            started = time.perf_counter()
            response = client.post(START_URL, data={"csrf_token": token, "nir": nir})
            timings[nir].append(time.perf_counter() - started)
            assert response.status_code == 303
    for nir, values in timings.items():
        assert min(values) >= 0.3, (nir, values)
    known, unknown = (statistics.median(v) for v in timings.values())
    assert abs(known - unknown) < 0.2, timings


def test_ten_minutes_later_a_known_and_an_unknown_number_say_the_same(app, monkeypatch):
    import services.codes

    def answer_later(nir: str) -> str:
        client = app.test_client()
        at_code_step(client, nir)
        later = datetime.utcnow() + timedelta(minutes=11)
        with monkeypatch.context() as m:
            m.setattr(services.codes, "utcnow", lambda: later)
            import blueprints.password_reset as reset_bp
            m.setattr(reset_bp, "utcnow", lambda: later, raising=False)
            response = type_code(client, "000000")
        reset_limits()
        return response.status_code, page(response).one(id="code-error").text

    assert answer_later(UNKNOWN_NIR) == answer_later(KARIM_NIR)


def test_a_new_code_from_another_browser_counts_tries_the_same_for_both(app):
    def probe(nir: str) -> list[str]:
        first, second = app.test_client(), app.test_client()
        at_code_step(first, nir)
        said = [page(type_code(first, "000000")).one(id="code-error").text]
        reset_limits()  # 30 seconds later, another browser asks a code for the same number
        at_code_step(second, nir)
        said.append(page(type_code(first, "000000")).one(id="code-error").text)
        reset_limits()
        return said

    assert probe(UNKNOWN_NIR) == probe(KARIM_NIR)


def test_the_per_address_limit_of_code_requests_says_what_happened(app, client):
    app.config["RESET_LIMIT_PER_ADDRESS"] = "2 per hour"
    for nir in (UNKNOWN_NIR, "2 91 12 13 055 010"):
        assert ask_code(app.test_client(), nir).status_code == 303
    response = ask_code(client, "1 64 11 59 350 042")
    assert response.status_code == 429
    text = page(response).text
    assert re.search(r"Attendez \d+ minutes?", text), text
    assert "essais de connexion sans succès avec ce numéro" not in text
    assert "Allez sur la page Mot de passe oublié" not in text


def test_a_reset_lifts_the_lock_of_too_many_wrong_passwords(app, client):
    for _ in range(5):
        assert sign_in(client, KARIM_NIR, "PasLeBon123").status_code == 401
    blocked = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert blocked.status_code == 429
    assert page(blocked).link("Mot de passe oublié ?").get("href") == START_URL
    url = token_url(client)
    assert choose(client, url).status_code == 303
    response = sign_in(client, KARIM_NIR, NEW_PASSWORD)
    assert (response.status_code, location(response)) == (303, HOME_URL)
    # Only the good password was let through: the old one still fails.
    assert sign_in(app.test_client(), KARIM_NIR, KARIM_PASSWORD).status_code == 401
