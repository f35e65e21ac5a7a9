"""Issue 15, item 5: a new mobile or mail asks the password again, unless the person signed
in less than REAUTH_MINUTES (5) ago. A session alone (left open, or stolen) is not enough
to send the codes elsewhere.

Played as Karim (mobile 06 12 34 56 78, mail karim.b@example.org, codes by SMS). The sign-in
is made old by writing `signed_in_at` back in time through the app's own session interface.
Checked from the outside (pages, status) and the inside (the account row, the outbox, the
codes made, the security log).
"""
from __future__ import annotations

import re
import time

import pytest

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, account_row, codes_of, get_csrf, log_events,
                           page, sign_in)

HOME = "/mon-compte"
CONTACT = "/mon-compte/coordonnees"
PASSWORD = "/mon-compte/coordonnees/mot-de-passe"
CODE = "/mon-compte/coordonnees/code"
CANCEL = "/mon-compte/coordonnees/annuler"
KARIM_MOBILE, KARIM_MAIL = "+33612345678", "karim.b@example.org"
NEW_MAIL, NEW_MOBILE = "karim.nouveau@example.org", "+33698765432"
WRONG_WORDS = ("Ce mot de passe n'est pas le bon. "
               "Écrivez le mot de passe que vous utilisez pour vous connecter.")


def words(response) -> str:
    return page(response).text.replace("\u00a0", " ").replace("\u202f", " ")


def outbox(app) -> list:
    from services.database import db
    from services.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        db.session.expunge_all()
        return rows


def six_digits(body: str) -> str:
    return re.search(r"\b(\d{6})\b", body).group(1)


def age_sign_in(client, minutes: float, key: str = "signed_in_at") -> None:
    """As if the sign-in (or the password given here) was `minutes` ago."""
    with client.session_transaction() as session:
        session[key] = time.time() - minutes * 60


def send_contact(client, mobile: str = "06 12 34 56 78", email: str = NEW_MAIL,
                 channel: str = "mail", other_phone: str = ""):
    return client.post(CONTACT, data={"csrf_token": get_csrf(client, CONTACT), "mobile": mobile,
                                      "other_phone": other_phone, "email": email,
                                      "channel": channel})


def give_password(client, password: str):
    return client.post(PASSWORD, data={"csrf_token": get_csrf(client, PASSWORD),
                                       "password": password})


def type_code(client, code: str):
    return client.post(CODE, data={"csrf_token": get_csrf(client, CODE), "code": code})


def unchanged(app) -> bool:
    row = account_row(app, KARIM_NIR)
    return (row.mobile_phone, row.email, row.code_channel) == (KARIM_MOBILE, KARIM_MAIL, "sms")


@pytest.fixture
def karim(client):
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).headers["Location"] == HOME
    return client


@pytest.fixture
def old_karim(karim):
    """Karim signed in 10 minutes ago, his session still open."""
    age_sign_in(karim, 10)
    return karim


# --- who is asked ---------------------------------------------------------------------------

def test_an_old_sign_in_asks_the_password_before_any_code(app, old_karim):
    response = send_contact(old_karim)
    assert (response.status_code, response.headers["Location"]) == (303, PASSWORD)
    assert outbox(app) == [] and codes_of(app, KARIM_NIR) == []
    assert unchanged(app)
    # The code step cannot be reached before the password.
    assert old_karim.get(CODE).headers["Location"] == CONTACT

    shown = old_karim.get(PASSWORD)
    assert shown.status_code == 200
    p = page(shown)
    assert p.title == "Confirmez avec votre mot de passe – Mes coordonnées – Mon Compte Caf"
    assert p.one("h1").text == "Confirmez avec votre mot de passe"
    text = words(shown)
    assert ("Vous changez votre téléphone portable ou votre adresse mail. "
            "Pour votre sécurité, écrivez votre mot de passe.") in text
    # What he typed is kept, and he is told where the code will go.
    assert f"Adresse mail : {NEW_MAIL}" in text
    assert f"Ensuite, nous envoyons un code de vérification par mail à l'adresse {NEW_MAIL}." in text
    field = p.label_for("Mot de passe")
    assert (field.get("type"), field.get("autocomplete"), field.get("name")) == (
        "password", "current-password", "password")
    assert "Vous avez 5 essais. Après, nous vous déconnectons." in text
    assert p.button("Continuer").get("type") == "submit"
    assert p.link("Mot de passe oublié ?").get("href") == "/mot-de-passe-oublie"
    # A reload shows the same step.
    assert old_karim.get(PASSWORD).status_code == 200


def test_the_right_password_then_the_code_changes_the_mail_and_tells_the_old_mobile(app, old_karim, capsys):
    send_contact(old_karim)
    response = give_password(old_karim, KARIM_PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (303, CODE)
    sent = outbox(app)
    assert [(m.to, m.channel) for m in sent] == [(NEW_MAIL, "mail")]
    assert unchanged(app)  # nothing changes before the code
    assert NEW_MAIL in words(old_karim.get(CODE))
    # The password step is over: going back to it leads on to the code.
    assert old_karim.get(PASSWORD).headers["Location"] == CODE

    response = type_code(old_karim, six_digits(sent[0].body))
    assert (response.status_code, response.headers["Location"]) == (303, HOME)
    row = account_row(app, KARIM_NIR)
    assert (row.email, row.mobile_phone, row.code_channel) == (NEW_MAIL, KARIM_MOBILE, "mail")
    told = outbox(app)[1:]
    assert [(m.to, m.channel) for m in told] == [(KARIM_MOBILE, "sms")]
    assert "ont changé" in told[0].body
    [event] = log_events(capsys, "contact_change_reauth")
    assert event["ok"] is True and event["account"] == row.id
    assert not {"password", "email", "mobile", "to"} & set(event)


def test_a_fresh_sign_in_skips_the_step(app, karim):
    age_sign_in(karim, 4)
    response = send_contact(karim, mobile="06 98 76 54 32", email=KARIM_MAIL, channel="sms")
    assert (response.status_code, response.headers["Location"]) == (303, CODE)
    assert [(m.to, m.channel) for m in outbox(app)] == [(NEW_MOBILE, "sms")]


def test_the_right_password_counts_as_a_fresh_sign_in_for_5_minutes(app, old_karim):
    send_contact(old_karim)
    give_password(old_karim, KARIM_PASSWORD)
    old_karim.post(CANCEL, data={"csrf_token": get_csrf(old_karim, CODE)})
    # Another change within 5 minutes: no password again.
    from services.limiter import limiter

    with app.app_context():
        limiter.reset()  # past the 30 s between two codes
    assert send_contact(old_karim, email="autre@example.org").headers["Location"] == CODE
    # 6 minutes later, it is asked again.
    age_sign_in(old_karim, 6, key="reauth_at")
    assert send_contact(old_karim, email="encore@example.org").headers["Location"] == PASSWORD


def test_a_session_without_its_sign_in_time_counts_as_old(karim):
    with karim.session_transaction() as session:
        session.pop("signed_in_at")
    assert send_contact(karim).headers["Location"] == PASSWORD


@pytest.mark.parametrize("changed", [
    {"other_phone": "01 23 45 67 89", "email": KARIM_MAIL},  # only the other phone
    {"email": KARIM_MAIL, "channel": "mail"},  # the codes to the mail he already has
])
def test_no_new_mobile_or_mail_asks_no_password_the_code_goes_to_a_contact_he_has(app, old_karim, changed):
    response = send_contact(old_karim, **changed)
    assert (response.status_code, response.headers["Location"]) == (303, CODE)
    [sent] = outbox(app)
    assert sent.to in (KARIM_MOBILE, KARIM_MAIL)


def test_a_new_mobile_alone_asks_the_password_too(app, old_karim):
    response = send_contact(old_karim, mobile="06 98 76 54 32", email=KARIM_MAIL, channel="sms")
    assert response.headers["Location"] == PASSWORD
    text = words(old_karim.get(PASSWORD))
    assert "Téléphone portable : 06 98 76 54 32" in text
    assert "par SMS au numéro 06 98 76 54 32" in text
    assert outbox(app) == []


# --- a wrong password, a stolen session ----------------------------------------------------

def test_a_wrong_password_is_a_falc_error_and_changes_nothing(app, old_karim, capsys):
    send_contact(old_karim)
    response = give_password(old_karim, "PasLeBon123")
    assert response.status_code == 401
    p = page(response)
    assert p.title.startswith("Erreur : Confirmez avec votre mot de passe")
    assert WRONG_WORDS in words(response)
    assert p.label_for("Mot de passe").get("aria-invalid") == "true"
    assert not p.label_for("Mot de passe").get("value")  # the password is never written back
    assert p.one(class_="error-summary").has("autofocus")
    assert unchanged(app) and outbox(app) == [] and codes_of(app, KARIM_NIR) == []
    # What he typed is still there: the right password goes on.
    assert f"Adresse mail : {NEW_MAIL}" in words(old_karim.get(PASSWORD))
    [event] = log_events(capsys, "contact_change_reauth")
    assert event["ok"] is False
    assert give_password(old_karim, KARIM_PASSWORD).headers["Location"] == CODE


def test_an_empty_password_says_what_to_do_and_is_not_counted(app, old_karim):
    send_contact(old_karim)
    for _ in range(7):
        response = give_password(old_karim, "")
        assert response.status_code == 400
        assert "Écrivez votre mot de passe." in words(response)
    assert give_password(old_karim, KARIM_PASSWORD).headers["Location"] == CODE


def test_a_change_tried_with_only_a_stolen_session_changes_nothing(app, old_karim):
    """The thief has the session cookie, not the password: every way round the step fails."""
    send_contact(old_karim)
    # Straight to the code step, with a made-up code, and with a new code asked.
    assert old_karim.get(CODE).headers["Location"] == CONTACT
    assert type_code_without_page(old_karim, "123456").headers["Location"] == CONTACT
    response = old_karim.post("/mon-compte/coordonnees/code/nouveau",
                              data={"csrf_token": get_csrf(old_karim, CONTACT)})
    assert response.headers["Location"] == CONTACT
    # The same form again, and with the mail and the channel changed one at a time.
    assert send_contact(old_karim).headers["Location"] == PASSWORD
    assert send_contact(old_karim, mobile="06 98 76 54 32", email=KARIM_MAIL,
                        channel="sms").headers["Location"] == PASSWORD
    assert unchanged(app) and outbox(app) == [] and codes_of(app, KARIM_NIR) == []


def type_code_without_page(client, code: str):
    """A code posted to the code step without its page (that would redirect)."""
    return client.post(CODE, data={"csrf_token": get_csrf(client, CONTACT), "code": code})


def test_five_wrong_passwords_then_the_session_ends_and_nothing_changed(app, old_karim, capsys):
    send_contact(old_karim)
    for _ in range(5):
        assert give_password(old_karim, "PasLeBon123").status_code == 401
    response = give_password(old_karim, KARIM_PASSWORD)  # even the right one: it is not checked
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    p = page(response)
    assert p.title == "Trop d'essais – Mes coordonnées – Mon Compte Caf"
    text = words(response)
    assert "Vous avez écrit 5 fois un mot de passe qui n'est pas le bon." in text
    assert "Pour votre sécurité, nous vous avons déconnecté. Vos coordonnées n'ont pas changé." in text
    assert re.search(r"Attendez 1[45] minutes\. Ensuite, vous pouvez vous connecter à nouveau\.", text)
    assert p.link("Revenir à la connexion").get("href") == "/connexion"
    assert p.link("Mot de passe oublié ?")
    # Signed out: the session is of no more use.
    assert old_karim.get(HOME).headers["Location"] == "/connexion"
    assert unchanged(app) and outbox(app) == [] and codes_of(app, KARIM_NIR) == []
    events = log_events(capsys, "contact_change_reauth")
    assert [e["ok"] for e in events] == [False] * 5
    # The owner signs in again: a fresh sign-in needs no password here.
    assert sign_in(old_karim, KARIM_NIR, KARIM_PASSWORD).headers["Location"] == HOME
    assert send_contact(old_karim).headers["Location"] == CODE


def test_wrong_passwords_of_another_session_lock_the_step_but_do_not_sign_this_one_out(app, old_karim):
    thief = app.test_client()
    sign_in(thief, KARIM_NIR, KARIM_PASSWORD)
    age_sign_in(thief, 10)
    send_contact(thief)
    for _ in range(5):
        give_password(thief, "PasLeBon123")
    send_contact(old_karim)
    response = give_password(old_karim, KARIM_PASSWORD)
    assert response.status_code == 429
    assert re.search(r"Il y a eu trop d'essais de mot de passe\. Attendez 1[45] minutes\. "
                     r"Ensuite, essayez à nouveau\.", words(response))
    assert old_karim.get(HOME).status_code == 200  # still signed in
    assert unchanged(app) and outbox(app) == []


def test_the_right_password_forgives_the_wrong_ones(app, old_karim):
    send_contact(old_karim)
    for _ in range(4):
        give_password(old_karim, "PasLeBon123")
    assert give_password(old_karim, KARIM_PASSWORD).headers["Location"] == CODE
    old_karim.post(CANCEL, data={"csrf_token": get_csrf(old_karim, CODE)})
    age_sign_in(old_karim, 10, key="reauth_at")
    send_contact(old_karim, email="autre@example.org")
    for _ in range(5):
        assert give_password(old_karim, "PasLeBon123").status_code == 401


def test_the_right_password_soon_after_a_code_says_when_a_new_one_can_go(app, old_karim):
    """The new-code limit (30 s between two codes) is claimed once the password is right:
    a wrong password is still judged, and the right one then waits, counted as no wrong try."""
    send_contact(old_karim)
    give_password(old_karim, KARIM_PASSWORD)
    old_karim.post(CANCEL, data={"csrf_token": get_csrf(old_karim, CODE)})
    age_sign_in(old_karim, 10, key="reauth_at")
    send_contact(old_karim, email="autre@example.org")
    assert give_password(old_karim, "PasLeBon123").status_code == 401
    response = give_password(old_karim, KARIM_PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 30
    assert re.search(r"Vous avez déjà demandé un code\. Attendez \d+ secondes? avant d'en demander un autre\.",
                     words(response))
    assert [m.to for m in outbox(app)] == [NEW_MAIL]  # only the first change's code
    from services.limiter import limiter

    with app.app_context():
        limiter.reset()  # as if the 30 seconds had passed
    assert give_password(old_karim, KARIM_PASSWORD).headers["Location"] == CODE
    assert [m.to for m in outbox(app)] == [NEW_MAIL, "autre@example.org"]


# --- the ways out ---------------------------------------------------------------------------

def test_annuler_on_the_password_step_keeps_everything(app, old_karim):
    send_contact(old_karim)
    shown = page(old_karim.get(PASSWORD))
    assert shown.button("Annuler : garder mes anciennes coordonnées")
    response = old_karim.post(CANCEL, data={"csrf_token": get_csrf(old_karim, PASSWORD)})
    assert (response.status_code, response.headers["Location"]) == (303, HOME)
    assert "Rien n'a changé. Vos coordonnées sont les mêmes." in words(old_karim.get(HOME))
    assert old_karim.get(PASSWORD).headers["Location"] == CONTACT
    assert unchanged(app) and outbox(app) == []


def test_modifier_goes_back_to_the_form_with_what_he_typed(old_karim):
    send_contact(old_karim, other_phone="01 23 45 67 89")
    assert page(old_karim.get(PASSWORD)).link("Modifier vos coordonnées de contact").get("href") == CONTACT
    form = page(old_karim.get(CONTACT))
    assert form.label_for("Adresse mail").get("value") == NEW_MAIL
    assert form.label_for("Autre téléphone").get("value").replace("\u00a0", " ") == "01 23 45 67 89"


def test_the_password_post_needs_its_token(app, old_karim):
    send_contact(old_karim)
    response = old_karim.post(PASSWORD, data={"password": KARIM_PASSWORD})
    assert response.status_code == 400
    assert "la page a expiré" in words(response)
    assert outbox(app) == []


def test_the_password_step_without_a_change_goes_to_the_form(karim):
    assert karim.get(PASSWORD).headers["Location"] == CONTACT
    response = karim.post(PASSWORD, data={"csrf_token": get_csrf(karim, CONTACT),
                                          "password": KARIM_PASSWORD})
    assert response.headers["Location"] == CONTACT


def test_a_stranger_is_sent_to_sign_in(client):
    assert client.get(PASSWORD).headers["Location"] == "/connexion"
    assert client.post(PASSWORD, data={"password": KARIM_PASSWORD}).headers["Location"] == "/connexion"
