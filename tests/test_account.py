"""«Mon Compte» (issue 6, guide step 10): every link leads to real content, the payments per
benefit, the letters, «Mes coordonnées» confirmed by a code, and the installable app.

Played with the Flask test client, mostly as Karim (NIR 1 75 01 69 123 045, Jardin75Bleu);
Véronique (payments in 2020–2021, the last one «Versé à un tiers») is signed in after her
journey is set as done in the database. Each test has its own copy of the database.
The PDFs and the attestation check are in test_documents.py, the session clock in
test_session_timeout.py, the period rules in test_statements.py.
"""
from __future__ import annotations

import json
import re
import struct
from datetime import date, datetime

import pytest
from werkzeug.security import generate_password_hash

from flask_helpers import account_row, update_account
from flask_helpers import (FAST_SCRYPT, KARIM_NIR, KARIM_PASSWORD, VERONIQUE_NIR, Page,
                           get_csrf, normalize_text, page, sign_in)

HOME = "/mon-compte"
PAYMENTS = "/mon-compte/allocations"
STATEMENT = "/mon-compte/releve.pdf"
ATTESTATIONS = "/mon-compte/attestations"
LETTERS = "/mon-compte/courriers"
CONTACT = "/mon-compte/coordonnees"
CONTACT_CODE = "/mon-compte/coordonnees/code"
CONTACT_LIVE = "/mon-compte/coordonnees/code/saisie"
CONTACT_NEW_CODE = "/mon-compte/coordonnees/code/nouveau"
CONTACT_CANCEL = "/mon-compte/coordonnees/annuler"
INSTALL = "/installer-l-application"
OFFLINE = "/hors-ligne"
CSRF_WORDS = "la page a expiré"
HX = {"HX-Request": "true"}

VERONIQUE_NEW_PASSWORD = "Soleil2Marche7"
KARIM_MOBILE = "+33612345678"
KARIM_MAIL = "karim.b@example.org"
NEW_MAIL = "karim.nouveau@example.org"
NEW_MOBILE = "+33698765432"


# --- the database behind the pages ------------------------------------------------------

def account(app, nir: str = KARIM_NIR):
    return account_row(app, nir)


def update(app, nir: str, **values) -> None:
    update_account(app, nir, **values)


def outbox(app) -> list:
    """Every message the development outbox holds, oldest first, detached."""
    from services.database import db
    from services.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        db.session.expunge_all()
        return rows


def letters_of(app, nir: str = KARIM_NIR) -> list:
    return account(app, nir).letters


def six_digits(body: str) -> str:
    match = re.search(r"\b(\d{6})\b", body)
    assert match, body
    return match.group(1)


def words(response_or_text) -> str:
    """Visible words, no-break and narrow no-break spaces made plain spaces."""
    text = response_or_text if isinstance(response_or_text, str) else page(response_or_text).text
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def tables(response) -> list[Page]:
    body = response.get_data(as_text=True)
    return [Page(t) for t in re.findall(r"<table\b.*?</table>", body, flags=re.DOTALL)]


def body_rows(table: Page) -> list[list[str]]:
    """The cells of each row of <tbody>, as words."""
    html = table.html
    tbody = re.search(r"<tbody>(.*?)</tbody>", html, flags=re.DOTALL)
    assert tbody, "no <tbody>"
    rows = re.findall(r"<tr\b.*?</tr>", tbody.group(1), flags=re.DOTALL)
    return [[words(c.text) for c in Page(r).all("td")] for r in rows]


def fr_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def euros_text(cents: int) -> str:
    from domain.formatting import euros

    return words(euros(cents))


# --- who is signed in ---------------------------------------------------------------------

@pytest.fixture
def karim(client):
    response = sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == HOME
    return client


@pytest.fixture
def veronique(app, client):
    """Véronique after her first-login journey: journey done, CGU current, new password."""
    from domain.journey import CGU_VERSION

    update(app, VERONIQUE_NIR, journey_state="done", cgu_version=CGU_VERSION,
           cgu_accepted_at=datetime(2026, 11, 2), password_is_legacy=False,
           password_hash=generate_password_hash(VERONIQUE_NEW_PASSWORD, method=FAST_SCRYPT),
           email="veronique.f@example.org", code_channel="mail",
           contact_verified_at=datetime(2026, 11, 2))
    response = sign_in(client, VERONIQUE_NIR, VERONIQUE_NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == HOME
    return client


# --- only for the person, signed in -------------------------------------------------------

PRIVATE_GETS = [HOME, PAYMENTS, f"{PAYMENTS}?du=2026-01&au=2026-03", STATEMENT, ATTESTATIONS,
                LETTERS, f"{LETTERS}/1", CONTACT, CONTACT_CODE]
PRIVATE_POSTS = [ATTESTATIONS, CONTACT, CONTACT_CODE, CONTACT_NEW_CODE, CONTACT_CANCEL, CONTACT_LIVE]


@pytest.mark.parametrize("url", PRIVATE_GETS)
def test_a_stranger_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"


@pytest.mark.parametrize("url", PRIVATE_POSTS)
def test_a_strangers_post_changes_nothing_and_goes_to_sign_in(app, client, url):
    from services.database import db
    from services.models import Attestation

    token = get_csrf(client)
    response = client.post(url, data={"csrf_token": token, "code": "123456", "mobile": "06 98 76 54 32",
                                      "email": NEW_MAIL, "channel": "mail"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"
    assert outbox(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Attestation)).first() is None


def test_a_person_in_the_middle_of_the_first_login_journey_goes_back_to_her_step(client):
    from flask_helpers import VERONIQUE_PASSWORD

    sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    for url in (HOME, PAYMENTS, STATEMENT, LETTERS, CONTACT):
        response = client.get(url)
        assert response.status_code == 303, url
        assert response.headers["Location"].startswith("/premiere-connexion"), url


# --- the Mon Compte page -----------------------------------------------------------------

def test_mon_compte_shows_the_guides_step_10_for_karim(app, karim):
    response = karim.get(HOME)
    assert response.status_code == 200
    p = page(response)
    assert p.title.startswith("Mon Compte")
    text = words(p.text)
    last = account(app).payments[0]
    assert "KARIM B." in text
    assert "Mon dernier paiement" in text
    assert f"le {fr_date(last.paid_on)}" in text
    assert fr_date(last.paid_on) == "05/11/2026"
    assert euros_text(last.amount_cents) in text and "241,87 €" in text
    assert last.benefit in text
    assert "Versé à un tiers" not in text  # Karim's money comes to him
    assert f"Date courante : {fr_date(date.today())}" in text
    for link in ("Voir le détail de mes allocations", "Mes attestations", "Mes coordonnées",
                 "Installer l'application Caf-Mon Compte"):
        assert p.link(link).get("href"), link
    assert re.search(r"Mon relevé de compte PDF \(PDF, \d+ Ko\)", text)
    assert re.search(r"Mes courriers, courriels \(1 non lu\)", text)
    assert p.button("Se déconnecter").get("type") == "submit"


def test_mon_compte_links_each_answer_200_with_real_content(app, karim):
    home = page(karim.get(HOME))
    main = Page(re.search(r"<main\b.*</main>", home.html, flags=re.DOTALL).group(0))
    links = {a.get("href"): normalize_text(a.text) for a in main.all("a") if a.get("href")}
    expected = {  # address → words the page it leads to must hold
        PAYMENTS: ["Détail de mes allocations", "Prime d'activité", "Allocations familiales", "241,87 €"],
        STATEMENT: None,  # a PDF: checked below and in test_documents.py
        ATTESTATIONS: ["Mes attestations", "Télécharger mon attestation (PDF)", "propriétaire"],
        LETTERS: ["Mes courriers, courriels", "Votre paiement du 5 novembre", "Pas encore lu"],
        CONTACT: ["Mes coordonnées", "06 12 34 56 78", KARIM_MAIL, "Recevoir un code"],
        INSTALL: ["Installer l'application Caf-Mon Compte", "Android", "iPhone"],
    }
    assert set(expected) <= set(links), f"Mon Compte links: {links}"
    for href in links:
        response = karim.get(href)
        assert response.status_code == 200, f"{links[href]!r} → {href} answered {response.status_code}"
        if href == STATEMENT:
            assert response.mimetype == "application/pdf"
            assert response.data.startswith(b"%PDF-")
            continue
        text = words(response)
        assert page(response).all("h1"), href
        for expected_words in expected.get(href) or []:
            assert expected_words in text, f"{href} lacks {expected_words!r}"
        # «Revenir à Mon Compte» and every other link of the page lead somewhere real too.
        for a in page(response).all("a"):
            target = a.get("href") or ""
            if target.startswith("/") and not target.startswith(("/static/", "/mon-compte/releve.pdf")):
                assert karim.get(target).status_code == 200, f"{href}: link {a.text!r} → {target}"


def test_mon_compte_says_veroniques_last_payment_was_paid_to_a_third_party(veronique):
    text = words(veronique.get(HOME))
    assert "VERONIQUE F." in text
    assert "le 25/05/2021" in text
    assert re.search(r"58 €\*? ", text)
    assert "Versé à un tiers" in text
    assert "propriétaire" in text


# --- «Voir le détail de mes allocations» --------------------------------------------------

def assert_accessible_table(table: Page) -> None:
    caption = table.one("caption")
    assert caption.text, "a table without its caption"
    headers = table.all("th")
    assert [normalize_text(h.text) for h in headers] == ["Date", "Montant", "Versé à"]
    assert all(h.get("scope") == "col" for h in headers)
    assert table.all("thead") and table.all("tbody")


def test_details_show_one_table_per_benefit_for_the_latest_12_months(app, karim):
    from domain.statements import in_period, latest_period

    response = karim.get(PAYMENTS)
    assert response.status_code == 200
    p = page(response)
    assert p.title.startswith("Détail de mes allocations")
    text = words(p.text)
    assert "du 1er décembre 2025 au 30 novembre 2026" in text
    found = tables(response)
    assert len(found) == 2
    karim_row = account(app)
    period = latest_period(karim_row.payments, date.today())
    for table, benefit in zip(found, ["Prime d'activité", "Allocations familiales"]):
        assert_accessible_table(table)
        expected = [p for p in in_period(karim_row.payments, period) if p.benefit == benefit]
        assert len(expected) == 12
        caption = words(table.one("caption").text)
        assert caption == f"{benefit} : {euros_text(sum(p.amount_cents for p in expected))} en tout"
        rows = body_rows(table)
        assert rows == [[fr_date(p.paid_on), euros_text(p.amount_cents), "vous"] for p in expected]
        assert rows[0][0] == "05/11/2026" and rows[-1][0] == "05/12/2025"
    total = sum(p.amount_cents for p in in_period(karim_row.payments, period))
    assert f"Total : {euros_text(total)}" in text
    assert "4 689,22 €" in text
    # The PDF of the same months is one link away.
    assert p.link("Télécharger ce relevé en PDF").get("href") == f"{STATEMENT}?du=2025-12&au=2026-11"


def test_details_the_period_form_lists_the_months_and_says_the_chosen_ones(karim):
    p = page(karim.get(PAYMENTS))
    form = p.one("form", method="get")
    assert form.get("action") == PAYMENTS
    du, au = p.label_for("Du mois de"), p.label_for("Au mois de")
    assert du.tag == au.tag == "select"
    options = [o for o in p.all("option")]
    values = [o.get("value") for o in options]
    assert "2026-11" in values and "2025-12" in values
    selected = [o.get("value") for o in options if o.has("selected")]
    assert selected == ["2025-12", "2026-11"]
    assert "novembre 2026" in [normalize_text(o.text) for o in options]
    assert p.button("Voir cette période")


@pytest.mark.parametrize("query, months", [
    ("du=2026-01&au=2026-03", ["03/2026", "02/2026", "01/2026"]),
    ("du=2026-03&au=2026-01", ["03/2026", "02/2026", "01/2026"]),  # typed the wrong way round
    ("du=2026-11&au=2026-11", ["11/2026"]),
])
def test_details_choosing_a_period_shows_only_its_months(karim, query, months):
    response = karim.get(f"{PAYMENTS}?{query}")
    assert response.status_code == 200
    found = tables(response)
    assert len(found) == 2
    for table in found:
        assert_accessible_table(table)
        assert [row[0][3:] for row in body_rows(table)] == months
    p = page(response)
    selected = [o.get("value") for o in p.all("option") if o.has("selected")]
    first, last = months[-1], months[0]
    assert selected == [f"{first[3:]}-{first[:2]}", f"{last[3:]}-{last[:2]}"]
    assert p.link("Télécharger ce relevé en PDF").get("href") == (
        f"{STATEMENT}?du={first[3:]}-{first[:2]}&au={last[3:]}-{last[:2]}")


def test_details_a_period_without_payments_says_so(karim):
    response = karim.get(f"{PAYMENTS}?du=2020-01&au=2020-03")
    assert response.status_code == 200
    assert tables(response) == []
    assert "Aucun paiement pendant cette période." in words(response)


BAD_PERIODS = ["du=bad&au=2026-01", "du=2026-13&au=2026-01", "du=2026-01", "au=2026-01",
               "du=&au=", "du=2026-1&au=2026-02", "du=1999-12&au=2026-01",
               "du=" + "9" * 5000 + "&au=2026-01", "du=2026-01&au=2026-01%00"]


@pytest.mark.parametrize("query", BAD_PERIODS)
@pytest.mark.parametrize("url", [PAYMENTS, STATEMENT])
def test_a_bad_period_is_a_falc_error_never_a_crash(karim, url, query):
    response = karim.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    p = page(response)
    assert p.title.startswith("Erreur : ")
    summary = p.one(class_="error-summary")
    assert "Il y a un problème" in summary.text
    assert p.one("a", href="#du").text == "Choisissez un mois dans la liste."
    select = p.by_id("du")
    assert select.get("aria-invalid") == "true"
    assert "du-error" in (select.get("aria-describedby") or "").split()
    assert p.by_id("du-error")
    assert tables(response) == []


@pytest.mark.parametrize("url", [PAYMENTS, STATEMENT])
def test_a_period_with_superscript_digits_is_a_falc_error_not_a_500(karim, url):
    response = karim.get(f"{url}?du=%C2%B2026-01&au=2026-01")
    assert response.status_code == 400
    assert page(response).title.startswith("Erreur : ")


def test_details_explain_paid_to_a_third_party_for_veronique(veronique):
    response = veronique.get(PAYMENTS)
    assert response.status_code == 200
    text = words(response)
    # Her payments stopped in 2021: the latest 12 months follow her last payment.
    assert "du 1er juin 2020 au 31 mai 2021" in text
    found = tables(response)
    assert len(found) == 2
    apl = next(t for t in found if "logement" in t.one("caption").text)
    assert_accessible_table(apl)
    rows = body_rows(apl)
    assert len(rows) == 12
    assert rows[0] == ["25/05/2021", "58 €", "votre propriétaire"]
    assert all(row[2] == "votre propriétaire" for row in rows)
    family = next(t for t in found if t is not apl)
    assert all(row[2] == "vous" for row in body_rows(family))
    assert "Versé à un tiers : qu'est-ce que c'est ?" in text
    assert "Parfois, la Caf paie une autre personne à votre place. C'est un tiers." in text
    assert "propriétaire" in text.split("Versé à un tiers : qu'est-ce que c'est ?")[1]


def test_details_do_not_explain_third_party_when_there_is_none(karim):
    assert "qu'est-ce que c'est" not in words(karim.get(PAYMENTS))


# --- «Mes courriers, courriels» ------------------------------------------------------------

def letter_items(response) -> list[tuple[str, str]]:
    """(subject, words around it) for each letter of the list."""
    body = response.get_data(as_text=True)
    items = re.findall(r"<li class=\"letter[^\"]*\">.*?</li>", body, flags=re.DOTALL)
    out = []
    for item in items:
        p = Page(item)
        out.append((normalize_text(p.one("a").text), normalize_text(p.elements[0].text)))
    return out


def test_letters_list_says_read_and_unread_in_words(app, karim):
    response = karim.get(LETTERS)
    assert response.status_code == 200
    items = letter_items(response)
    db_letters = letters_of(app)
    assert [s for s, _ in items] == [letter.subject for letter in db_letters]
    assert len(items) == 3
    for (subject, text), letter in zip(items, db_letters):
        if letter.read_at is None:
            assert "Pas encore lu." in text and "Déjà lu." not in text, subject
        else:
            assert "Déjà lu." in text and "Pas encore lu." not in text, subject
    assert sum("Pas encore lu." in t for _, t in items) == 1
    assert "Courriel du 6 novembre 2026." in items[0][1]


def test_opening_a_letter_shows_it_and_marks_it_read(app, karim):
    unread = next(letter for letter in letters_of(app) if letter.read_at is None)
    response = karim.get(f"{LETTERS}/{unread.id}")
    assert response.status_code == 200
    p = page(response)
    assert normalize_text(p.one("h1").text) == unread.subject
    assert p.title.startswith(unread.subject)
    text = words(p.text)
    assert "Le 5 novembre 2026, nous avons versé 241,87 € de prime d'activité" in text
    assert len(p.all("article")) == 1 and len(p.all("p")) >= 4
    assert p.link("Revenir à mes courriers")
    # In the database, and on the list and Mon Compte.
    read = next(letter for letter in letters_of(app) if letter.id == unread.id)
    assert read.read_at is not None
    assert all("Pas encore lu." not in t for _, t in letter_items(karim.get(LETTERS)))
    assert "non lu" not in words(karim.get(HOME))
    # Opening it again keeps the first reading time.
    karim.get(f"{LETTERS}/{unread.id}")
    assert next(x for x in letters_of(app) if x.id == unread.id).read_at == read.read_at


@pytest.mark.parametrize("whose", ["veronique", "nobody"])
def test_another_persons_letter_is_not_found(app, karim, whose):
    if whose == "veronique":
        letter_id = letters_of(app, VERONIQUE_NIR)[0].id
    else:
        letter_id = 999_999
    response = karim.get(f"{LETTERS}/{letter_id}")
    assert response.status_code == 404
    p = page(response)
    assert p.title.startswith("Page introuvable")
    assert "Votre aide au logement" not in p.text
    if whose == "veronique":
        assert all(letter.read_at is None for letter in letters_of(app, VERONIQUE_NIR)
                   if letter.id == letter_id)


# --- «Mes coordonnées» ---------------------------------------------------------------------

def send_contact(client, mobile: str = "06 12 34 56 78", email: str = NEW_MAIL, channel: str = "mail",
                 other_phone: str = "", csrf: bool = True):
    data = {"mobile": mobile, "other_phone": other_phone, "email": email, "channel": channel}
    if csrf:
        data["csrf_token"] = get_csrf(client, CONTACT)
    return client.post(CONTACT, data=data)


def type_code(client, code: str, csrf: bool = True):
    data = {"code": code}
    if csrf:
        data["csrf_token"] = get_csrf(client, CONTACT_CODE)
    return client.post(CONTACT_CODE, data=data)


def test_contact_page_shows_todays_details_and_a_filled_form(karim):
    response = karim.get(CONTACT)
    assert response.status_code == 200
    p = page(response)
    text = words(p.text)
    assert "Téléphone portable : 06 12 34 56 78" in text
    assert f"Adresse mail : {KARIM_MAIL}" in text
    assert words(p.label_for("Téléphone portable").get("value")) == "06 12 34 56 78"
    assert p.label_for("Adresse mail").get("value") == KARIM_MAIL
    assert p.label_for("Adresse mail").get("autocomplete") == "email"
    assert "Nous envoyons un code pour vérifier. Nous prévenons aussi votre ancien contact." in text
    assert p.button("Recevoir un code").get("type") == "submit"


def test_new_mail_the_code_goes_to_the_new_address_and_the_old_mobile_is_told(app, karim):
    before = account(app)
    response = send_contact(karim)
    assert response.status_code == 303
    assert response.headers["Location"] == CONTACT_CODE
    sent = outbox(app)
    assert len(sent) == 1
    assert (sent[0].to, sent[0].channel) == (NEW_MAIL, "mail")
    code = six_digits(sent[0].body)
    # Nothing changes before the code.
    assert account(app).email == KARIM_MAIL
    code_page = karim.get(CONTACT_CODE)
    assert code_page.status_code == 200
    assert NEW_MAIL in words(code_page)
    assert page(code_page).label_for("Code de vérification reçu par mail").get("autocomplete") == "one-time-code"

    response = type_code(karim, code)
    assert response.status_code == 303
    assert response.headers["Location"] == HOME
    after = account(app)
    assert after.email == NEW_MAIL
    assert after.mobile_phone == KARIM_MOBILE
    assert after.code_channel == "mail"
    assert after.contact_verified_at is not None and after.contact_verified_at > before.contact_verified_at
    sent = outbox(app)
    assert len(sent) == 2
    told = sent[1]
    assert (told.to, told.channel) == (KARIM_MOBILE, "sms")
    assert "coordonnées de contact ont changé" in told.body
    assert "32 30" in told.body
    assert not re.search(r"\b\d{6}\b", told.body)  # no code to the old contact
    assert "Vos nouvelles coordonnées sont confirmées et enregistrées." in words(karim.get(HOME))
    assert NEW_MAIL in words(karim.get(CONTACT))


def test_new_mobile_the_code_goes_by_sms_to_it_and_the_old_mobile_is_told(app, karim):
    response = send_contact(karim, mobile="06 98 76 54 32", email=KARIM_MAIL, channel="sms")
    assert response.status_code == 303
    sent = outbox(app)
    assert [(m.to, m.channel) for m in sent] == [(NEW_MOBILE, "sms")]
    code_page = karim.get(CONTACT_CODE)
    assert page(code_page).label_for("Code de vérification reçu par SMS")
    assert "06 12 34 56 78" not in words(code_page)
    assert type_code(karim, six_digits(sent[0].body)).status_code == 303
    assert account(app).mobile_phone == NEW_MOBILE
    told = outbox(app)[1:]
    assert [(m.to, m.channel) for m in told] == [(KARIM_MOBILE, "sms")]
    assert "ont changé" in told[0].body


def test_a_wrong_code_says_so_with_the_tries_left_and_changes_nothing(app, karim):
    send_contact(karim)
    code = six_digits(outbox(app)[0].body)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = type_code(karim, wrong)
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    text = words(p.text)
    assert "Ce code n'est pas le bon." in text
    assert "Il vous reste 4 essais." in text
    field = p.label_for("Code de vérification reçu par mail")
    assert field.get("aria-invalid") == "true"
    assert account(app).email == KARIM_MAIL
    assert len(outbox(app)) == 1  # the old contact is told nothing
    response = type_code(karim, wrong)
    assert "Il vous reste 3 essais." in words(response)
    # The right code still works after the wrong ones.
    assert type_code(karim, code).status_code == 303
    assert account(app).email == NEW_MAIL


def test_annuler_keeps_the_old_details_and_the_code_is_of_no_more_use(app, karim):
    send_contact(karim)
    code = six_digits(outbox(app)[0].body)
    token = get_csrf(karim, CONTACT_CODE)
    assert page(karim.get(CONTACT_CODE)).button("Annuler : garder mes anciennes coordonnées")
    response = karim.post(CONTACT_CANCEL, data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == HOME
    assert "Rien n'a changé. Vos coordonnées sont les mêmes." in words(karim.get(HOME))
    kept = account(app)
    assert (kept.email, kept.mobile_phone, kept.code_channel) == (KARIM_MAIL, KARIM_MOBILE, "sms")
    # The code page is gone, and the code sent before changes nothing.
    assert karim.get(CONTACT_CODE).headers["Location"] == CONTACT
    response = karim.post(CONTACT_CODE, data={"csrf_token": token, "code": code})
    assert response.status_code == 303
    assert account(app).email == KARIM_MAIL
    assert len(outbox(app)) == 1


def test_a_contact_form_without_mobile_or_mail_is_a_falc_error(app, karim):
    response = send_contact(karim, mobile="", email="")
    assert response.status_code == 400
    p = page(response)
    assert p.title.startswith("Erreur : ")
    assert "Écrivez au moins votre téléphone portable ou votre adresse mail." in words(p.text)
    assert outbox(app) == []


# --- every new POST needs its CSRF token ---------------------------------------------------

def test_attestation_without_token_is_refused(app, karim):
    from services.database import db
    from services.models import Attestation

    response = karim.post(ATTESTATIONS, data={})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert page(response).title.startswith("Erreur : ")
    assert CSRF_WORDS in words(response)
    with app.app_context():
        assert db.session.execute(db.select(Attestation)).first() is None


def test_contact_change_without_token_is_refused(app, karim):
    response = send_contact(karim, csrf=False)
    assert response.status_code == 400
    assert page(response).title.startswith("Erreur : ")
    assert CSRF_WORDS in words(response)
    assert outbox(app) == []


@pytest.mark.parametrize("url", [CONTACT_CODE, CONTACT_NEW_CODE, CONTACT_CANCEL])
def test_code_page_posts_without_token_are_refused(app, karim, url):
    from services.limiter import limiter

    send_contact(karim)
    code = six_digits(outbox(app)[0].body)
    with app.app_context():
        limiter.reset()  # past the 30 s between two codes: only the token is missing
    response = karim.post(url, data={"code": code})
    assert response.status_code == 400
    assert page(response).title.startswith("Erreur : ")
    assert CSRF_WORDS in words(response)
    assert account(app).email == KARIM_MAIL
    assert len(outbox(app)) == 1
    # The change is still pending: the right code, with its token, still confirms it.
    assert karim.get(CONTACT_CODE).status_code == 200
    assert type_code(karim, code).status_code == 303
    assert account(app).email == NEW_MAIL


def test_live_code_hint_without_token_is_refused(app, karim):
    send_contact(karim)
    response = karim.post(CONTACT_LIVE, data={"code": "12"}, headers=HX)
    assert response.status_code == 400
    token = get_csrf(karim, CONTACT_CODE)
    response = karim.post(CONTACT_LIVE, data={"code": "12", "csrf_token": token}, headers=HX)
    assert response.status_code == 200


def test_a_new_code_right_away_says_how_long_to_wait_and_sends_nothing(app, karim):
    send_contact(karim)
    response = karim.post(CONTACT_NEW_CODE, data={"csrf_token": get_csrf(karim, CONTACT_CODE)})
    assert response.status_code == 429
    assert "Attendez" in words(response)
    assert len(outbox(app)) == 1


def test_a_new_code_with_its_token_goes_to_the_new_address_and_kills_the_old_one(app, karim):
    from services.limiter import limiter

    send_contact(karim)
    first = six_digits(outbox(app)[0].body)
    with app.app_context():
        limiter.reset()  # as if the 30 seconds between two codes had passed
    response = karim.post(CONTACT_NEW_CODE, data={"csrf_token": get_csrf(karim, CONTACT_CODE)})
    assert response.status_code == 303
    assert response.headers["Location"] == CONTACT_CODE
    sent = outbox(app)
    assert [(m.to, m.channel) for m in sent] == [(NEW_MAIL, "mail")] * 2
    second = six_digits(sent[1].body)
    if second != first:
        response = type_code(karim, first)
        assert response.status_code == 400
        assert "Ce code ne marche plus" in words(response)
    assert type_code(karim, second).status_code == 303
    assert account(app).email == NEW_MAIL


# --- the installable app ------------------------------------------------------------------

def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR", "no IHDR chunk first"
    return struct.unpack(">II", data[16:24])


def test_manifest_is_valid_json_for_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Caf-Mon Compte"
    assert manifest["short_name"] and len(manifest["short_name"]) <= 15
    assert manifest["lang"] == "fr"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == HOME
    assert client.get(manifest["start_url"]).status_code in (200, 303)
    sizes = {}
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        image = client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        assert image.mimetype == "image/png"
        width, height = png_size(image.data)
        assert icon["sizes"] == f"{width}x{height}", icon
        sizes.setdefault(icon.get("purpose", "any"), set()).add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes["any"]


def test_every_page_links_the_manifest_and_an_icon(client):
    p = page(client.get("/"))
    assert p.one("link", rel="manifest").get("href") == "/manifest.webmanifest"
    for link in p.all("link", rel="apple-touch-icon"):
        image = client.get(link.get("href"))
        assert image.status_code == 200 and png_size(image.data)[0] >= 180
    # The tab's icon is small: every first visit downloads it.
    for link in p.all("link", rel="icon"):
        image = client.get(link.get("href"))
        width, height = png_size(image.data)
        assert image.status_code == 200 and link.get("sizes") == f"{width}x{height}"
        assert len(image.data) <= 600


def test_service_worker_is_javascript_never_cached_and_caches_only_the_offline_page(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert "no-cache" in response.headers["Cache-Control"]
    script = response.get_data(as_text=True)
    assert '"/hors-ligne"' in script
    assert "addEventListener(\"fetch\"" in script
    # Nothing but the offline page goes in the cache: no account data on the phone.
    assert script.count("cache.add(") == 1 and "cache.put(" not in script and "addAll" not in script


def test_mon_compte_registers_the_service_worker(karim):
    p = page(karim.get(HOME))
    assert p.one("body").has("data-sw")


def test_offline_page_says_what_to_do_in_falc(client):
    response = client.get(OFFLINE)
    assert response.status_code == 200
    p = page(response)
    assert p.title.startswith("Pas de connexion internet")
    assert normalize_text(p.one("h1").text) == "Pas de connexion internet"
    text = p.text
    assert "Vérifiez le wifi ou les données mobiles. Puis essayez à nouveau." in text
    assert p.link("Essayer à nouveau").get("href") == "/"
    # Shown by the service worker without the network: it needs no script.
    assert not p.all("script")


def test_install_help_gives_android_and_iphone_steps(client):
    response = client.get(INSTALL)
    assert response.status_code == 200
    p = page(response)
    assert p.title.startswith("Installer l'application Caf-Mon Compte")
    headings = [normalize_text(h.text) for h in p.all("h2")]
    assert "Sur un téléphone Android" in headings
    assert "Sur un iPhone" in headings
    steps = [Page(ol) for ol in re.findall(r"<ol class=\"steps\">.*?</ol>", p.html, flags=re.DOTALL)]
    assert len(steps) == 2
    android, iphone = (" ".join(normalize_text(li.text) for li in s.all("li")) for s in steps)
    assert "Chrome" in android and "Installer" in android
    assert "Safari" in iphone and "Sur l'écran d'accueil" in iphone
    assert all(len(s.all("li")) >= 3 for s in steps)
    # FALC: short sentences.
    for li in p.all("li"):
        for sentence in re.split(r"(?<=[.!?])\s+", normalize_text(li.text)):
            assert len(sentence.split()) <= 15, sentence
