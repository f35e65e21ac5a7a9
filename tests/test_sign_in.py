"""Signing in with the numéro de sécurité sociale: every route, every error (issue 2).

Texts come from docs/journey.md, page 2 («Connexion»); messages from domain/nir.py
and blueprints/auth; the form rules from docs/falc.md.
"""
from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from blueprints.forms import CSRF_MESSAGE
from flask_helpers import (FAST_SCRYPT, KARIM_NIR, KARIM_PASSWORD, MARIE_ANGE_NIR, MARIE_ANGE_PASSWORD,
                           SESSION_COOKIE, VERONIQUE_NIR, VERONIQUE_PASSWORD, account_id_of,
                           csrf_from, get_csrf, normalize_text, page, session_row_for, sign_in)

WRONG = "Numéro de sécurité sociale ou mot de passe incorrect"
UNKNOWN_NIR = "2 99 12 75 123 456"  # well formed, no account

PUBLIC_PAGES = ["/", "/connexion", "/accessibilite", "/mot-de-passe-oublie",
                "/identifiant-provisoire", "/autre-mode-de-connexion"]
SIGNED_IN_PAGES = ["/mon-compte", "/mon-compte/allocations", "/mon-compte/releve.pdf",
                   "/mon-compte/attestations", "/mon-compte/courriers", "/mon-compte/coordonnees"]


def account(app, nir: str):
    from services.database import db
    from services.models import Account

    return db.session.execute(db.select(Account).filter_by(nir=nir)).scalar_one()


def update_account(app, nir: str, **values) -> None:
    from services.database import db

    with app.app_context():
        row = account(app, nir)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def at_step(app, nir: str, step: str, **values) -> None:
    """Put an account at a step of the first-login journey, terms of use accepted if the
    step is after them (so the account is really at that step)."""
    from services.models import Account

    if step != "cgu" and hasattr(Account, "cgu_version"):
        import domain.journey as journey

        values.setdefault("cgu_version", getattr(journey, "CGU_VERSION", None))
    update_account(app, nir, journey_state=step, **values)


def described_by(p, element) -> list:
    """The elements an input's aria-describedby points at (each must exist)."""
    ids = (element.get("aria-describedby") or "").split()
    known = p.ids()
    missing = [i for i in ids if i not in known]
    assert not missing, f"aria-describedby points at missing ids {missing}"
    return [p.by_id(i) for i in ids]


def description_text(p, element) -> str:
    return normalize_text(" ".join(e.text for e in described_by(p, element)))


# --- the pages a person can open -----------------------------------------------

@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_page_opens_with_accessibility_link_in_header(client, url):
    response = client.get(url)
    assert response.status_code == 200
    p = page(response)
    assert p.one("html").get("lang") == "fr"
    header = p.one("header")
    assert "Accessibilité" in normalize_text(header.text)
    assert p.link("Accessibilité").get("href") == "/accessibilite"
    assert p.title.endswith("Mon Compte Caf")
    assert not p.title.startswith("Erreur")


def test_each_public_page_has_its_own_title(client):
    titles = [page(client.get(url)).title for url in PUBLIC_PAGES]
    assert len(set(titles)) == len(titles), titles


@pytest.mark.parametrize("url", SIGNED_IN_PAGES + ["/premiere-connexion"])
def test_signed_in_pages_send_a_stranger_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in page(response).text


def test_sign_in_page_has_every_element_of_journey_page_2(client):
    response = client.get("/connexion")
    assert response.status_code == 200
    p = page(response)

    nir = p.label_for("Numéro de sécurité sociale")
    assert nir.tag == "input" and nir.get("type") == "text"
    assert nir.get("autocomplete") == "username"
    assert "13 caractères" in [normalize_text(e.text) for e in described_by(p, nir)]

    remember = p.label_for("Se souvenir de moi")
    assert remember.get("type") == "checkbox"
    assert not remember.has("checked")  # never ticked for the person

    password = p.label_for("Mot de passe")
    # Without JavaScript it stays a plain password field; the eye is added by script.
    assert password.get("type") == "password"
    assert password.get("autocomplete") == "current-password"
    assert "8 à 24 caractères" in [normalize_text(e.text) for e in described_by(p, password)]

    assert p.link("J'ai un identifiant provisoire").get("href") == "/identifiant-provisoire"
    assert p.link("Mot de passe oublié ?").get("href") == "/mot-de-passe-oublie"
    assert p.link("Autre mode de connexion ?").get("href") == "/autre-mode-de-connexion"
    button = p.button("Se connecter")
    assert button.get("type") == "submit"
    form = p.one("form", action="/connexion")
    assert form.get("method") == "post"
    # Nothing is wrong yet: no error summary, no "Erreur" in the title.
    assert not p.all(class_="error-summary")
    assert not p.title.startswith("Erreur")
    # The live region for the number exists from the start, empty, polite.
    live = p.by_id("nir-live")
    assert live.get("aria-live") == "polite" and live.text == ""


def test_valid_fields_are_not_marked_invalid(client):
    # Regression (fixed in d30b64c): aria-invalid="None" was read as "true" by screen readers.
    p = page(client.get("/connexion"))
    assert 'aria-invalid="None"' not in p.html and 'aria-describedby="None"' not in p.html
    for label in ("Numéro de sécurité sociale", "Mot de passe"):
        field = p.label_for(label)
        assert field.get("aria-invalid") in (None, "false"), (label, field.get("aria-invalid"))


def test_links_from_the_sign_in_page_open(client):
    p = page(client.get("/connexion"))
    for text in ("J'ai un identifiant provisoire", "Mot de passe oublié ?",
                 "Autre mode de connexion ?", "Accessibilité"):
        assert client.get(p.link(text).get("href")).status_code == 200, text


def test_home_page_leads_to_sign_in(client):
    p = page(client.get("/"))
    assert "Allocataire, ça veut dire que j'ai un compte Caf." in p.text
    assert p.link("Se connecter").get("href") == "/connexion"


# --- Karim signs in ---------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "1 75 01 69 123 045",
    "1750169123045",
    "1.75.01.69.123.045",
    "1-75-01-69-123-045",
    "  1 75 01 69 123 045  ",
    "1 75 01 69 123 045 05",       # all 15 characters, with the key
    "175016912304505",
])
def test_karim_reaches_mon_compte(client, typed):
    response = sign_in(client, typed, KARIM_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/mon-compte"
    home = client.get("/mon-compte")
    assert home.status_code == 200
    p = page(home)
    assert "KARIM B." in p.text
    assert "Mon dernier paiement" in p.text
    # His last payment (demo data): 5 November 2026.
    assert "05/11/2026" in p.text
    assert re.search(r"\d+,\d\d\u00a0€", home.get_data(as_text=True))
    assert p.button("Se déconnecter")


def test_karim_mon_compte_shows_his_newest_payment_amount(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    text = page(client.get("/mon-compte")).text
    assert "241,87\u00a0€" in text
    assert "Prime d'activité" in text
    assert "Versé à un tiers" not in text


def test_karim_payments_page_lists_them_newest_first(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    p = page(client.get("/mon-compte/allocations"))
    # One table per benefit, each with its 12 monthly payments, newest first.
    captions = [e.text for e in p.all("caption")]
    assert captions == ["Prime d'activité : 2\u202f906,74\u00a0€ en tout",
                        "Allocations familiales : 1\u202f782,48\u00a0€ en tout"]
    dates = [cell.text for cell in p.all("td") if cell.text.count("/") == 2]
    assert len(dates) == 24
    assert dates[0] == "05/11/2026" and dates[11] == "05/12/2025"


def test_wrong_key_is_refused_with_its_message(client):
    response = sign_in(client, "1 75 01 69 123 045 06", KARIM_PASSWORD)
    assert response.status_code == 400
    assert "La clé ne correspond pas au reste du numéro." in page(response).text


# --- the common mistakes -------------------------------------------------------------

@pytest.mark.parametrize("typed", ["1234567", "7654321", "12 34 567"])
def test_numero_allocataire_gets_its_own_message(client, typed):
    response = sign_in(client, typed, VERONIQUE_PASSWORD)
    assert response.status_code == 400
    p = page(response)
    field = p.label_for("Numéro de sécurité sociale")
    message = normalize_text(p.by_id("nir-error").text)
    assert "numéro allocataire" in message
    assert "carte Vitale" in message
    assert WRONG not in p.text
    # What the person typed stays in the field so they can see it.
    assert field.get("value") == typed


@pytest.mark.parametrize("typed", ["7 84 05 75 108 123", "8 84 05 75 108 123"])
def test_nia_explains_what_to_do_instead(client, typed):
    response = sign_in(client, typed, "whatever1")
    assert response.status_code == 400
    message = normalize_text(page(response).by_id("nir-error").text)
    assert "NIA" in message
    assert "32 30" in message
    assert "J'ai un identifiant provisoire" in message


@pytest.mark.parametrize(("typed", "words"), [
    ("1 75 01 69 123", "Le numéro a 10 caractères. Il en faut 13."),
    ("", "Écrivez votre numéro de sécurité sociale."),
    ("1 75 01 69 1X3 045", "la lettre X"),
])
def test_mistyped_numbers_say_what_is_wrong(client, typed, words):
    response = sign_in(client, typed, KARIM_PASSWORD)
    assert response.status_code == 400
    assert words in page(response).by_id("nir-error").text


def test_empty_password_is_asked_for(client):
    response = sign_in(client, KARIM_NIR, "")
    assert response.status_code == 400
    p = page(response)
    assert "Écrivez votre mot de passe." in p.by_id("password-error").text
    assert p.label_for("Mot de passe").get("aria-invalid") == "true"


def _without_volatile(html: str, typed: str) -> str:
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", html)
    return html.replace(f'value="{typed}"', 'value="TYPED"')


def test_unknown_number_and_wrong_password_look_the_same(client):
    unknown = sign_in(client, UNKNOWN_NIR, KARIM_PASSWORD)
    wrong = sign_in(client, "1 75 01 69 123 045", "PasLeBon123")
    assert unknown.status_code == wrong.status_code == 401
    for response in (unknown, wrong):
        p = page(response)
        assert WRONG in p.text
        assert normalize_text(p.by_id("password-error").text) == f"Erreur : {WRONG}"
    assert (_without_volatile(unknown.get_data(as_text=True), UNKNOWN_NIR)
            == _without_volatile(wrong.get_data(as_text=True), "1 75 01 69 123 045"))
    assert unknown.headers.get("Set-Cookie") is None or "moncompte_nir" not in str(
        unknown.headers.getlist("Set-Cookie"))


def test_failed_sign_in_keeps_the_number_but_never_the_password(client):
    response = sign_in(client, "1 75 01 69 123 045", "PasLeBon123")
    p = page(response)
    assert p.label_for("Numéro de sécurité sociale").get("value") == "1 75 01 69 123 045"
    assert p.label_for("Mot de passe").get("value") in (None, "")
    assert "PasLeBon123" not in response.get_data(as_text=True)


def test_error_page_is_accessible(client):
    response = sign_in(client, "1234567", "x")
    p = page(response)
    assert p.title.startswith("Erreur : ")
    field = p.label_for("Numéro de sécurité sociale")
    assert field.get("aria-invalid") == "true"
    described = description_text(p, field)
    assert "numéro allocataire" in described
    # The error summary's link goes to the field.
    summary = p.one(class_="error-summary")
    links = [a for a in p.all("a") if a.get("href") == "#nir"]
    assert links and "numéro allocataire" in links[0].text
    assert "numéro allocataire" in summary.text


def test_wrong_password_error_is_linked_to_the_password_field(client):
    response = sign_in(client, KARIM_NIR, "PasLeBon123")
    p = page(response)
    assert p.title.startswith("Erreur : ")
    password = p.label_for("Mot de passe")
    assert password.get("aria-invalid") == "true"
    assert WRONG in description_text(p, password)
    assert [a for a in p.all("a") if a.get("href") == "#password"]


# --- the first-login journey and the old password -----------------------------------

def first_login_landing(client, response):
    """Follow the sign-in redirect into the first-login journey; return the page reached."""
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/premiere-connexion"), location
    landing = client.get(location, follow_redirects=True)
    assert landing.status_code == 200
    assert landing.request.path.startswith("/premiere-connexion"), landing.request.path
    text = page(landing).text
    assert "Mon dernier paiement" not in text
    return location, text


@pytest.mark.parametrize("typed", ["2 84 05 75 108 123", "2 84 05 75 108 123 79"])
def test_veronique_old_password_starts_the_first_login_journey(client, typed):
    response = sign_in(client, typed, VERONIQUE_PASSWORD)
    location, _ = first_login_landing(client, response)
    # Mon Compte is not reachable before the journey is done: it sends her to her step.
    for url in SIGNED_IN_PAGES:
        home = client.get(url)
        assert home.status_code == 303, url
        assert home.headers["Location"] == location, url


@pytest.mark.parametrize("typed", ["2 92 09 2A 004 071", "2 92 09 2a 004 071", "292092a004071",
                                   "2 92 09 2A 004 071 70"])
def test_marie_ange_corsican_number_is_accepted(app, client, typed):
    response = sign_in(client, typed, MARIE_ANGE_PASSWORD)
    first_login_landing(client, response)
    # She is signed in as herself: the server-side session holds her account.
    row = session_row_for(app, client.get_cookie(SESSION_COOKIE).value)
    assert row is not None and row[1] == account_id_of(app, MARIE_ANGE_NIR)


def test_karim_on_first_login_page_goes_to_mon_compte(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD)
    response = client.get("/premiere-connexion")
    assert response.status_code == 303
    assert response.headers["Location"] == "/mon-compte"


def test_old_password_never_works_once_the_journey_is_done(app, client):
    update_account(app, KARIM_NIR, password_is_legacy=True,
                   password_hash=generate_password_hash("11223344", method=FAST_SCRYPT))
    response = sign_in(client, KARIM_NIR, "11223344")
    assert response.status_code == 401
    assert WRONG in page(response).text
    assert client.get("/mon-compte").status_code == 303


def test_veronique_old_password_refused_once_her_journey_is_done(app, client):
    at_step(app, VERONIQUE_NIR, "done")
    response = sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD)
    assert response.status_code == 401
    assert WRONG in page(response).text


def test_new_password_works_after_the_journey(app, client):
    at_step(app, VERONIQUE_NIR, "done", password_is_legacy=False,
            password_hash=generate_password_hash("Soleil2026Rue", method=FAST_SCRYPT))
    response = sign_in(client, VERONIQUE_NIR, "Soleil2026Rue")
    assert response.headers["Location"] == "/mon-compte"
    text = page(client.get("/mon-compte")).text
    assert "VERONIQUE F." in text
    assert "25/05/2021" in text
    assert "58\u00a0€" in text
    assert "Versé à un tiers" in text


# --- CSRF on every form ----------------------------------------------------------

def post_routes(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "POST" in rule.methods and rule.endpoint != "static")


def test_sign_in_post_routes_exist(app):
    assert {"/connexion", "/connexion/numero", "/connexion/oublier-numero",
            "/deconnexion"} <= set(post_routes(app))


def snapshot(app) -> dict:
    """Every table but the sessions, to prove a refused request changed nothing."""
    from sqlalchemy import select

    from services.database import db

    with app.app_context():
        return {table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
                for table in db.metadata.sorted_tables if table.name != "web_session"}


@pytest.mark.parametrize("forged", ["missing", "invented", "other session"])
def test_every_post_route_refuses_a_missing_or_forged_token(app, forged):
    """Every POST route of the app, for every kind of visitor: a request without a good
    token is a 400 with the FALC message (or, when the visitor may not use that route at
    all, a redirect), and the database is left as it was."""
    token = {"missing": None, "invented": "forged-token",
             "other session": get_csrf(app.test_client())}[forged]
    stranger = app.test_client()
    stranger.get("/connexion")
    karim = app.test_client()
    assert sign_in(karim, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    veronique = app.test_client()
    assert sign_in(veronique, VERONIQUE_NIR, VERONIQUE_PASSWORD).status_code == 303
    resetting = app.test_client()  # a forgotten-password reset under way
    assert resetting.post("/mot-de-passe-oublie", data={
        "csrf_token": get_csrf(resetting, "/mot-de-passe-oublie"),
        "nir": KARIM_NIR}).status_code == 303
    confirming = app.test_client()  # Karim on a device not seen before, a code sent
    app.config["NEW_DEVICE_CHECK"] = True
    assert sign_in(confirming, KARIM_NIR, KARIM_PASSWORD).headers["Location"].endswith(
        "/connexion/nouvel-appareil")
    app.config["NEW_DEVICE_CHECK"] = False
    from services.limiter import limiter
    limiter.reset()  # the device code and the contact code share Karim's 30 s limit
    changing = app.test_client()  # Karim changing his contact details, a code sent
    assert sign_in(changing, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    assert changing.post("/mon-compte/coordonnees", data={
        "csrf_token": get_csrf(changing, "/mon-compte/coordonnees"),
        "email": "karim.nouveau@example.org", "channel": "mail"}).status_code == 303
    reauthing = app.test_client()  # Karim signed in 10 minutes ago: his password is asked
    assert sign_in(reauthing, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    with reauthing.session_transaction() as session:
        session["signed_in_at"] -= 600
    assert reauthing.post("/mon-compte/coordonnees", data={
        "csrf_token": get_csrf(reauthing, "/mon-compte/coordonnees"),
        "email": "karim.nouveau@example.org", "channel": "mail"}).headers["Location"].endswith(
        "/mon-compte/coordonnees/mot-de-passe")
    limiter.reset()  # the codes just sent must not hide the CSRF check behind the 30 s wait
    visitors = [("stranger", stranger, None), ("karim", karim, None),
                ("resetting", resetting, None), ("confirming", confirming, None),
                ("changing", changing, None), ("reauthing", reauthing, None)]
    visitors += [(f"veronique at {step}", veronique, step)
                 for step in ("cgu", "password", "contact", "code")]

    refused_with_message = set()
    for who, client, step in visitors:
        if step:
            at_step(app, VERONIQUE_NIR, step)
        for url in post_routes(app):
            for htmx in (False, True):
                before = snapshot(app)
                data = {"nir": "1 75 01 69 123 045", "password": KARIM_PASSWORD}
                if token is not None:
                    data["csrf_token"] = token
                headers = {"HX-Request": "true"} if htmx else {}
                response = client.post(url, data=data, headers=headers)
                where = (who, url, htmx)
                assert snapshot(app) == before, where
                if response.status_code == 303 or (htmx and "HX-Redirect" in response.headers):
                    continue  # not this visitor's page: sent elsewhere, nothing done
                if "<" in url:
                    # A route that needs a signed token in its address: the literal rule
                    # is no valid token, so the link is refused before any form is read.
                    assert response.status_code == 400, where
                    assert "Ce lien ne marche plus" in page(response).text, where
                    continue
                assert response.status_code == 400, (where, response.status_code)
                body = response.get_data(as_text=True)
                if "<html" in body:
                    p = page(response)
                    assert normalize_text(CSRF_MESSAGE) in p.text, where
                    assert p.title.startswith("Erreur : "), where
                    refused_with_message.add(url)
                else:
                    # An htmx fragment (live check): refused, and never says «all is fine».
                    assert "bon nombre" not in body, where
                    refused_with_message.add(url)
    assert refused_with_message == {url for url in post_routes(app) if "<" not in url}
    # A forged sign-out did not end the sessions.
    assert karim.get("/mon-compte").status_code == 200


def test_csrf_failure_on_sign_in_keeps_the_typed_number_and_lets_the_person_resend(client):
    client.get("/connexion")
    response = client.post("/connexion", data={"nir": "1 75 01 69 123 045",
                                               "password": KARIM_PASSWORD})
    assert response.status_code == 400
    p = page(response)
    assert normalize_text(CSRF_MESSAGE) in p.text
    assert p.label_for("Numéro de sécurité sociale").get("value") == "1 75 01 69 123 045"
    # The page's fresh token works.
    again = client.post("/connexion", data={"csrf_token": csrf_from(response),
                                            "nir": "1 75 01 69 123 045",
                                            "password": KARIM_PASSWORD})
    assert again.status_code == 303
    assert again.headers["Location"] == "/mon-compte"


def test_token_from_another_session_is_refused(app, client):
    other = app.test_client()
    stolen = get_csrf(other)
    client.get("/connexion")
    response = client.post("/connexion", data={"csrf_token": stolen, "nir": KARIM_NIR,
                                               "password": KARIM_PASSWORD})
    assert response.status_code == 400
    assert normalize_text(CSRF_MESSAGE) in page(response).text


def test_csrf_failure_on_forget_keeps_the_remembered_number_cookie(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    response = client.post("/connexion/oublier-numero", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert normalize_text(CSRF_MESSAGE) in page(response).text
    assert client.get_cookie("moncompte_nir") is not None


def test_csrf_failure_on_forget_still_prefills_the_remembered_number(client):
    sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True)
    response = client.post("/connexion/oublier-numero", data={"csrf_token": "forged"})
    p = page(response)
    assert p.label_for("Numéro de sécurité sociale").get("value") == "1 75 01 69 123 045"


# --- oversized input -------------------------------------------------------------

def test_ten_thousand_character_number_is_a_clear_400(client):
    response = sign_in(client, "1" * 10_000, KARIM_PASSWORD)
    assert response.status_code == 400
    assert "trop long" in page(response).by_id("nir-error").text


def test_huge_password_is_refused_not_a_crash(client):
    response = sign_in(client, KARIM_NIR, "A1" * 5_000)
    assert 400 <= response.status_code < 500


def test_hundred_kilobyte_body_is_413_with_a_french_page(client):
    token = get_csrf(client)
    response = client.post("/connexion", data={"csrf_token": token, "nir": "1" * 100_000,
                                               "password": "x"})
    assert response.status_code == 413
    assert "trop long" in page(response).text


@pytest.mark.parametrize("url", ["/connexion/numero", "/connexion/oublier-numero", "/deconnexion"])
def test_hundred_kilobyte_body_on_other_posts_is_never_a_500(client, url):
    token = get_csrf(client)
    response = client.post(url, data={"csrf_token": token, "nir": "1" * 100_000},
                           headers={"HX-Request": "true"})
    assert 400 <= response.status_code < 500, response.status_code


def test_huge_session_cookie_is_ignored(client):
    client.set_cookie("moncompte_session", "x" * 4000)
    assert client.get("/connexion").status_code == 200
    assert client.get("/mon-compte").status_code == 303


# --- htmx live check of the number ----------------------------------------------------

def test_live_check_returns_only_a_fragment_with_the_message(client):
    token = get_csrf(client)
    response = client.post("/connexion/numero", data={"csrf_token": token, "nir": "1234567"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<body" not in body and "<input" not in body
    assert "numéro allocataire" in body
    assert "carte Vitale" in body
    assert "HX-Request" in response.headers.get("Vary", "")


def test_live_check_says_a_good_number_is_fine(client):
    token = get_csrf(client)
    response = client.post("/connexion/numero", data={"csrf_token": token,
                                                      "nir": "2 92 09 2a 004 071"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Le numéro a le bon nombre de caractères." in response.get_data(as_text=True)


def test_live_check_says_nothing_for_an_empty_field(client):
    token = get_csrf(client)
    response = client.post("/connexion/numero", data={"csrf_token": token, "nir": ""},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == ""


def test_live_check_without_htmx_goes_back_to_sign_in(client):
    token = get_csrf(client)
    response = client.post("/connexion/numero", data={"csrf_token": token, "nir": "1234567"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion"
