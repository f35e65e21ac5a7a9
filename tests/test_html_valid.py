"""Every page passes the W3C Nu HTML checker (vnu.jar), in every state a person can see.

The Flask test client draws every page: each GET route that answers HTML, for each demo
account at each step of its journey, the error states (bad data POSTed with a valid CSRF
token), the 404, 405 and 429 pages, the FranceConnect pages, and the htmx fragments
(wrapped in a minimal valid document, so that their own markup is checked).

All documents are written to a temporary folder and checked by ONE run of vnu.jar
(one JVM start, ~1 s); then one test per document asserts that vnu found no error and
no warning (except the few in WARNINGS_ALLOWED, each with its reason).

The checker comes from npm: `npm ci --ignore-scripts` at the repository root installs
vnu-jar (package.json pins it) into node_modules/. It needs Java (17 here). If Java or
the jar is missing, every test here FAILS with a message that says how to install it:
CI must really run the checker, never skip it.

DOCUMENTS lists every document by name, in the order the script below makes them: the
list is known when pytest collects, the pages are drawn once per module. A name missing
from the script, or a page the script draws but DOCUMENTS does not list, fails a test.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flask_helpers import (fresh_database, AMINATA_PASSWORD, AMINATA_PROVISIONAL_ID, KARIM_NIR, KARIM_PASSWORD,
                           MARIE_ANGE_NIR, MARIE_ANGE_PASSWORD, VERONIQUE_NIR,
                           VERONIQUE_PASSWORD, account_row, csrf_from, get_csrf, make_app,
                           sign_in, update_account)

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HELP = ("Install it with `npm ci --ignore-scripts` at the repository root "
                "(package.json pins vnu-jar), and Java 17+ (`apt-get install default-jre-headless`).")

# Warnings vnu may give that we accept, as (regular expression on the message, reason).
# Keep it short: every entry must say why the markup is right as it is.
WARNINGS_ALLOWED: list[tuple[str, str]] = []

# GET routes that do not answer an HTML page, with what they answer instead.
NOT_HTML = {
    "static": "CSS, JavaScript, icons",
    "pages.manifest": "the web app manifest (JSON)",
    "pages.service_worker": "the service worker (JavaScript)",
    "dev.messages_json": "the development outbox as JSON",
    "account.statement": "the statement as a PDF",
    "first_login.start": "only redirects to the person's current step",
    "pages.health": "the health check for the load balancer (JSON)",
}

# The pages of issue 7, listed by address, so that the test fails (never skips) unless
# they answer 200.
NEW_PAGES = {"guide": "/guide", "aider-une-personne": "/aider-une-personne"}

FRAGMENT_PAGE = ('<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
                 "<title>Fragment htmx</title>\n</head>\n<body>\n<main>\n{}\n</main>\n"
                 "</body>\n</html>\n")

UNKNOWN_NIR = "1850175123456"   # right shape, no account: sign-in failures and the decoy
HTMX = {"HX-Request": "true"}

DOCUMENTS = [
    # Pages anyone can open.
    "home", "accessibility", "accessibility-criteria", "other-ways", "offline", "install",
    "help-nia", "help-pas-de-telephone-portable", "help-plus-acces-adresse-mail",
    "help-numero-de-securite-sociale-oublie", *NEW_PAGES,
    "check-attestation", "check-attestation-error", "not-found", "method-not-allowed",
    "dev-messages-empty",
    # Connexion.
    "sign-in", "sign-in-error-empty", "sign-in-error-allocataire", "sign-in-error-nia",
    "sign-in-error-wrong-password", "fragment-nir-ok", "fragment-nir-error",
    "fragment-nir-nia", "fragment-nir-provisional-ok",
    "provisional", "provisional-error-empty", "provisional-error-wrong-password",
    "too-many-tries-per-number",
    # Véronique: the first-login journey, by mail.
    "cgu", "cgu-error-unchecked", "password", "password-error-mismatch",
    "password-error-rules", "fragment-password-rules-todo", "fragment-password-rules-match",
    "contact", "contact-error-bad-phone", "contact-error-nothing", "contact-error-bad-mail",
    "code-mail", "code-error-wrong", "code-error-malformed", "fragment-code-live",
    "code-new-code-too-soon", "code-new-code-sent", "account-home-welcome",
    "account-home-third-party", "payments-third-party", "letter-unread",
    # Marie-Ange: the code by SMS; «Quitter».
    "code-sms", "sign-in-after-quit",
    # Aminata: the provisional identifier, on to the CGU.
    "cgu-provisional",
    # Karim: Mon Compte.
    "account-home", "payments", "payments-error-period", "payments-empty-period",
    "attestations", "attestations-error-expired", "attestations-issued",
    "check-attestation-found", "letters", "letter", "account-contact",
    "account-contact-error", "account-contact-code-sms", "account-contact-code-error",
    "fragment-account-code-live", "account-contact-too-soon", "account-contact-code-mail",
    "account-home-contact-kept", "account-contact-password", "account-contact-password-error",
    "account-documents-limit", "session-extend-expired", "sign-out-failed",
    "sign-in-remembered", "sign-in-signed-out", "dev-messages",
    # Mot de passe oublié.
    "reset-start", "reset-error-empty", "reset-error-nia", "reset-code-sms",
    "reset-code-error-wrong", "fragment-reset-code-live", "reset-code-too-soon",
    "reset-code-new-code-sent", "reset-choose", "reset-choose-error-mismatch",
    "fragment-reset-rules", "reset-expired-link", "reset-code-unknown-number",
    # FranceConnect switched on (an issuer where nothing answers).
    "fc-sign-in", "fc-other-ways", "fc-unavailable", "fc-refused", "fc-logged-out-state",
    "fc-sign-in-pending", "fc-account-home-linked", "too-many-tries-per-address",
    # New-device confirmation switched on (as in production).
    "device-check-sms", "device-check-error-wrong", "device-check-error-empty",
    "fragment-device-code-live", "device-check-too-soon", "device-check-new-code-sent",
    "device-check-mail",
]


@dataclass
class Document:
    name: str
    html: str
    url: str
    endpoint: str | None
    status: int
    expected_status: int
    content_type: str
    fragment: bool = False
    problems: list[dict] = field(default_factory=list)


class Recorder:
    """Takes the HTML answers of the script, with the endpoint that drew each one."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.last_endpoint: str | None = None

    def watch(self, app) -> None:
        from flask import request

        @app.after_request
        def remember_endpoint(response):
            self.last_endpoint = request.endpoint
            return response

    def take(self, name: str, response, status: int = 200, fragment: bool = False) -> None:
        assert name not in self.documents, f"two documents named {name}"
        body = response.get_data(as_text=True)
        self.documents[name] = Document(
            name=name, html=FRAGMENT_PAGE.format(body) if fragment else body,
            url=response.request.path if response.request else "?",
            endpoint=self.last_endpoint, status=response.status_code, expected_status=status,
            content_type=response.mimetype, fragment=fragment)


# --- the script: every page in every state ------------------------------------------------


def _post(client, url: str, data: dict, csrf_url: str | None = None, headers=None):
    """Send a form with the CSRF token of the page at `csrf_url` (default `url`)."""
    token = get_csrf(client, csrf_url or url)
    return client.post(url, data=dict(data, csrf_token=token), headers=headers or {})


def _newest_code(client) -> str:
    messages = client.get("/dev/messages.json").get_json()
    match = re.search(r"\b(\d{6})\b", messages[0]["body"])
    assert match, messages[0]
    return match.group(1)


def _other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _redirected(response, where: str) -> None:
    assert response.status_code in (302, 303), (
        response.status_code, response.request.path, response.get_data(as_text=True)[-3000:])
    assert response.headers["Location"].endswith(where), response.headers["Location"]


def _public_pages(rec: Recorder, client) -> None:
    rec.take("home", client.get("/"))
    rec.take("accessibility", client.get("/accessibilite"))
    rec.take("accessibility-criteria", client.get("/accessibilite/criteres"))
    rec.take("other-ways", client.get("/autre-mode-de-connexion"))
    rec.take("offline", client.get("/hors-ligne"))
    rec.take("install", client.get("/installer-l-application"))
    for slug in ("nia", "pas-de-telephone-portable", "plus-acces-adresse-mail",
                 "numero-de-securite-sociale-oublie"):
        rec.take(f"help-{slug}", client.get(f"/aide/{slug}"))
    for name, url in NEW_PAGES.items():
        rec.take(name, client.get(url))
    rec.take("check-attestation", client.get("/verifier-une-attestation"))
    rec.take("check-attestation-error", client.get("/verifier-une-attestation?reference=ABCD-EFGH-JKLM"), 404)
    rec.take("not-found", client.get("/cette-page-n-existe-pas"), 404)
    rec.take("method-not-allowed", client.put("/deconnexion"), 405)
    rec.take("dev-messages-empty", client.get("/dev/messages"))


def _sign_in_pages(rec: Recorder, client) -> None:
    rec.take("sign-in", client.get("/connexion"))
    rec.take("sign-in-error-empty", _post(client, "/connexion", {"nir": "", "password": ""}), 400)
    rec.take("sign-in-error-allocataire",
             _post(client, "/connexion", {"nir": "1234567", "password": "x"}), 400)
    rec.take("sign-in-error-nia",
             _post(client, "/connexion", {"nir": "7 84 05 75 108 123", "password": "x"}), 400)
    rec.take("sign-in-error-wrong-password", sign_in(client, KARIM_NIR, "Pas-le-bon-1"), 401)
    for name, data in (("fragment-nir-ok", {"nir": VERONIQUE_NIR}),
                       ("fragment-nir-error", {"nir": "2 84 05"}),
                       ("fragment-nir-nia", {"nir": "7840575108123"}),
                       ("fragment-nir-provisional-ok",
                        {"nir": "P 2024 0016", "accept": "provisional"})):
        rec.take(name, _post(client, "/connexion/numero", data, "/connexion", HTMX),
                 fragment=True)
    rec.take("provisional", client.get("/identifiant-provisoire"))
    rec.take("provisional-error-empty", _post(client, "/identifiant-provisoire",
                                              {"provisional_id": "", "password": ""}), 400)
    rec.take("provisional-error-wrong-password",
             _post(client, "/identifiant-provisoire",
                   {"provisional_id": AMINATA_PROVISIONAL_ID, "password": "00000000"}), 401)
    for _ in range(5):
        assert sign_in(client, UNKNOWN_NIR, "Pas-le-bon-1").status_code == 401
    rec.take("too-many-tries-per-number", sign_in(client, UNKNOWN_NIR, "Pas-le-bon-1"), 429)


def _first_login_by_mail(rec: Recorder, app, client) -> None:
    """Véronique, from the old password to Mon Compte, with every mistake on the way."""
    from services.limiter import limiter

    _redirected(sign_in(client, VERONIQUE_NIR, VERONIQUE_PASSWORD), "/premiere-connexion/conditions")
    cgu = "/premiere-connexion/conditions"
    rec.take("cgu", client.get(cgu))
    rec.take("cgu-error-unchecked", _post(client, cgu, {}), 400)
    _redirected(_post(client, cgu, {"accept": "y"}), "/premiere-connexion/mot-de-passe")

    password = "/premiere-connexion/mot-de-passe"
    rec.take("password", client.get(password))
    rec.take("password-error-mismatch", _post(client, password, {
        "new_password": "Lune42Verte", "confirm_password": "Lune42Rouge"}), 400)
    rec.take("password-error-rules", _post(client, password, {
        "new_password": "abc", "confirm_password": "abc"}), 400)
    rules = password + "/regles"
    rec.take("fragment-password-rules-todo", _post(client, rules, {
        "new_password": "abc", "confirm_password": "ab"}, password, HTMX), fragment=True)
    rec.take("fragment-password-rules-match", _post(client, rules, {
        "new_password": "Lune42Verte", "confirm_password": "Lune42Verte"}, password, HTMX),
        fragment=True)
    _redirected(_post(client, password, {"new_password": "Lune42Verte",
                                         "confirm_password": "Lune42Verte"}),
                "/premiere-connexion/coordonnees")

    contact = "/premiere-connexion/coordonnees"
    rec.take("contact", client.get(contact))
    empty = {"mobile": "", "other_phone": "", "email": "", "channel": "mail"}
    rec.take("contact-error-bad-phone", _post(client, contact, dict(empty, mobile="06 12")), 400)
    rec.take("contact-error-nothing", _post(client, contact, empty), 400)
    rec.take("contact-error-bad-mail", _post(client, contact, dict(empty, email="veronique")), 400)
    _redirected(_post(client, contact, dict(empty, email="veronique.f@example.org")),
                "/premiere-connexion/code")

    code_url = "/premiere-connexion/code"
    rec.take("code-mail", client.get(code_url))
    code = _newest_code(client)
    rec.take("code-error-wrong", _post(client, code_url, {"code": _other_code(code)}), 400)
    rec.take("code-error-malformed", _post(client, code_url, {"code": "12"}), 400)
    rec.take("fragment-code-live", _post(client, code_url + "/saisie", {"code": "123"},
                                         code_url, HTMX), fragment=True)
    rec.take("code-new-code-too-soon", _post(client, code_url + "/nouveau", {}, code_url), 429)
    limiter.reset()
    _redirected(_post(client, code_url + "/nouveau", {}, code_url), code_url)
    rec.take("code-new-code-sent", client.get(code_url))
    _redirected(_post(client, code_url, {"code": _newest_code(client)}), "/mon-compte")
    rec.take("account-home-welcome", client.get("/mon-compte"))
    rec.take("account-home-third-party", client.get("/mon-compte"))
    rec.take("payments-third-party", client.get("/mon-compte/allocations"))
    unread = [letter for letter in account_row(app, VERONIQUE_NIR).letters if letter.read_at is None]
    rec.take("letter-unread", client.get(f"/mon-compte/courriers/{unread[0].id}"))


def _first_login_others(rec: Recorder, client_marie, client_aminata) -> None:
    """Marie-Ange gets her code by SMS, then quits; Aminata signs in with P 2024 0016."""
    client = client_marie
    _redirected(sign_in(client, MARIE_ANGE_NIR, MARIE_ANGE_PASSWORD), "/premiere-connexion/conditions")
    _post(client, "/premiere-connexion/conditions", {"accept": "y"})
    _post(client, "/premiere-connexion/mot-de-passe", {"new_password": "Soleil7Corse",
                                                       "confirm_password": "Soleil7Corse"})
    _redirected(_post(client, "/premiere-connexion/coordonnees", {
        "mobile": "07 81 22 33 44", "other_phone": "04 95 12 34 56", "email": "",
        "channel": "sms"}), "/premiere-connexion/code")
    rec.take("code-sms", client.get("/premiere-connexion/code"))
    _redirected(_post(client, "/premiere-connexion/code/modifier-coordonnees", {},
                      "/premiere-connexion/code"), "/premiere-connexion/coordonnees")
    _redirected(_post(client, "/premiere-connexion/coordonnees", {"quitter": "1"}), "/connexion")
    rec.take("sign-in-after-quit", client.get("/connexion"))

    client = client_aminata
    _redirected(_post(client, "/identifiant-provisoire", {
        "provisional_id": "P 2024 0016", "password": AMINATA_PASSWORD}),
        "/premiere-connexion/conditions")
    rec.take("cgu-provisional", client.get("/premiere-connexion/conditions"))


def _mon_compte(rec: Recorder, client) -> None:
    """Karim, whose journey is done: every Mon Compte page, and changing his contact."""
    from services.limiter import limiter

    _redirected(sign_in(client, KARIM_NIR, KARIM_PASSWORD, remember=True), "/mon-compte")
    rec.take("account-home", client.get("/mon-compte"))
    rec.take("payments", client.get("/mon-compte/allocations"))
    rec.take("payments-error-period", client.get("/mon-compte/allocations?du=hier&au=demain"), 400)
    rec.take("payments-empty-period", client.get("/mon-compte/allocations?du=2001-01&au=2001-03"))
    rec.take("attestations", client.get("/mon-compte/attestations"))
    rec.take("attestations-error-expired",
             client.post("/mon-compte/attestations", data={"csrf_token": "expired"}), 400)
    pdf = _post(client, "/mon-compte/attestations", {})
    assert pdf.mimetype == "application/pdf", pdf.status_code
    rec.take("attestations-issued", client.get("/mon-compte/attestations"))
    reference = re.search(r"attestation-paiement-([A-Z0-9-]+)\.pdf",
                          pdf.headers["Content-Disposition"]).group(1)
    rec.take("check-attestation-found",
             client.get(f"/verifier-une-attestation?reference={reference.lower()}"))
    rec.take("letters", client.get("/mon-compte/courriers"))
    letters = client.get("/mon-compte/courriers").get_data(as_text=True)
    first = re.search(r'href="(/mon-compte/courriers/\d+)"', letters).group(1)
    rec.take("letter", client.get(first))

    contact = "/mon-compte/coordonnees"
    rec.take("account-contact", client.get(contact))
    rec.take("account-contact-error", _post(client, contact, {
        "mobile": "01 23 45 67 89", "other_phone": "12", "email": "karim@", "channel": "sms"}), 400)
    new_contact = {"mobile": "07 98 76 54 32", "other_phone": "", "email": "karim.b@example.org",
                   "channel": "sms"}
    _redirected(_post(client, contact, new_contact), contact + "/code")
    code_url = contact + "/code"
    rec.take("account-contact-code-sms", client.get(code_url))
    code = _newest_code(client)
    rec.take("account-contact-code-error", _post(client, code_url, {"code": _other_code(code)}), 400)
    rec.take("fragment-account-code-live", _post(client, code_url + "/saisie", {"code": "1234567"},
                                                 code_url, HTMX), fragment=True)
    rec.take("account-contact-too-soon", _post(client, contact, new_contact), 429)
    limiter.reset()
    _redirected(_post(client, contact, dict(new_contact, channel="mail")), code_url)
    rec.take("account-contact-code-mail", client.get(code_url))
    _redirected(_post(client, contact + "/annuler", {}, code_url), "/mon-compte")
    rec.take("account-home-contact-kept", client.get("/mon-compte"))
    with client.session_transaction() as session:  # signed in 10 minutes ago
        session["signed_in_at"] -= 600
    password_url = contact + "/mot-de-passe"
    _redirected(_post(client, contact, dict(new_contact, email="karim.nouveau@example.org")),
                password_url)
    rec.take("account-contact-password", client.get(password_url))
    rec.take("account-contact-password-error", _post(client, password_url,
                                                     {"password": "PasLeBon123"}), 401)
    _redirected(_post(client, contact + "/annuler", {}, password_url), "/mon-compte")
    limiter.reset()
    app = client.application
    app.config["DOCUMENT_LIMIT_PER_ACCOUNT"] = "1 per hour"
    assert client.get("/mon-compte/releve.pdf").mimetype == "application/pdf"
    rec.take("account-documents-limit", client.get("/mon-compte/releve.pdf"), 429)
    app.config["DOCUMENT_LIMIT_PER_ACCOUNT"] = "30 per hour"
    rec.take("session-extend-expired",
             client.post("/session/prolonger", data={"csrf_token": "expired"}), 400)
    rec.take("sign-out-failed", client.post("/deconnexion", data={"csrf_token": "expired"}), 400)
    rec.take("sign-in-remembered", client.get("/connexion"))
    _redirected(_post(client, "/deconnexion", {}, "/mon-compte"), "/connexion")
    rec.take("sign-in-signed-out", client.get("/connexion"))
    rec.take("dev-messages", client.get("/dev/messages"))


def _password_reset(rec: Recorder, client) -> None:
    """Karim forgot his password: the number, the code by SMS, the new password (not saved)."""
    from services.limiter import limiter

    start = "/mot-de-passe-oublie"
    rec.take("reset-start", client.get(start))
    rec.take("reset-error-empty", _post(client, start, {"nir": ""}), 400)
    rec.take("reset-error-nia", _post(client, start, {"nir": "8 84 05 75 108 123"}), 400)
    _redirected(_post(client, start, {"nir": KARIM_NIR}), start + "/code")
    code_url = start + "/code"
    rec.take("reset-code-sms", client.get(code_url))
    code = _newest_code(client)
    rec.take("reset-code-error-wrong", _post(client, code_url, {"code": _other_code(code)}), 400)
    rec.take("fragment-reset-code-live", _post(client, code_url + "/saisie", {"code": "12a"},
                                               code_url, HTMX), fragment=True)
    rec.take("reset-code-too-soon", _post(client, code_url + "/nouveau", {}, code_url), 429)
    limiter.reset()
    _redirected(_post(client, code_url + "/nouveau", {}, code_url), code_url)
    rec.take("reset-code-new-code-sent", client.get(code_url))
    response = _post(client, code_url, {"code": _newest_code(client)})
    assert "/mot-de-passe-oublie/nouveau/" in response.headers.get("Location", ""), response.status_code
    choose = response.headers["Location"].split("localhost", 1)[-1]
    rec.take("reset-choose", client.get(choose))
    rec.take("reset-choose-error-mismatch", _post(client, choose, {
        "new_password": "Lune42Verte", "confirm_password": "Lune42"}), 400)
    rec.take("fragment-reset-rules", _post(client, choose + "/regles", {
        "new_password": "lune", "confirm_password": ""}, choose, HTMX), fragment=True)
    rec.take("reset-expired-link", client.get(start + "/nouveau/ce-lien-est-faux"), 400)
    _redirected(_post(client, start, {"nir": UNKNOWN_NIR}), code_url)
    rec.take("reset-code-unknown-number", client.get(code_url))


def _franceconnect(rec: Recorder, app) -> None:
    """FranceConnect switched on; its issuer does not answer, which is enough for our pages."""
    client = app.test_client()
    rec.take("fc-sign-in", client.get("/connexion"))
    rec.take("fc-other-ways", client.get("/autre-mode-de-connexion"))
    rec.take("fc-unavailable", client.get("/franceconnect/connexion"), 503)
    rec.take("fc-refused", client.get("/franceconnect/retour?error=access_denied&state=x"), 400)
    rec.take("fc-logged-out-state", client.get("/franceconnect/deconnexion-terminee?state=x"), 400)
    with client.session_transaction() as session:
        session["fc_pending"] = {"sub": "fc-veronique-f", "id_token": "x",
                                 "given_name": "Véronique", "family_name": "F."}
    rec.take("fc-sign-in-pending", client.get("/connexion"))

    update_account(app, KARIM_NIR, franceconnect_sub="fc-karim-b")
    karim = app.test_client()
    _redirected(sign_in(karim, KARIM_NIR, KARIM_PASSWORD), "/mon-compte")
    rec.take("fc-account-home-linked", karim.get("/mon-compte"))

    # A public office: many failed sign-ins from one address (the limit is 3 in this app).
    office = app.test_client()
    office.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    for n in range(3):
        assert sign_in(office, f"18501751234{n:02d}", "Pas-le-bon-1").status_code == 401
    rec.take("too-many-tries-per-address", sign_in(office, "1850175123499", "Pas-le-bon-1"), 429)


def _new_device(rec: Recorder, app) -> None:
    """NEW_DEVICE_CHECK on: Karim (SMS) on a device not seen before, then Véronique (mail)."""
    from services.limiter import limiter

    client = app.test_client()
    url = "/connexion/nouvel-appareil"
    _redirected(sign_in(client, KARIM_NIR, KARIM_PASSWORD), url)
    rec.take("device-check-sms", client.get(url))
    code = _newest_code(client)
    rec.take("device-check-error-wrong", _post(client, url, {"code": _other_code(code),
                                                             "remember_device": "y"}), 400)
    rec.take("device-check-error-empty", _post(client, url, {"code": ""}), 400)
    rec.take("fragment-device-code-live", _post(client, url + "/saisie", {"code": "12"}, url, HTMX),
             fragment=True)
    rec.take("device-check-too-soon", _post(client, url + "/nouveau", {}, url), 429)
    limiter.reset()
    _redirected(_post(client, url + "/nouveau", {}, url), url)
    rec.take("device-check-new-code-sent", client.get(url))
    _redirected(_post(client, url, {"code": _newest_code(client)}), "/mon-compte")

    update_account(app, VERONIQUE_NIR, journey_state="done", password_is_legacy=False,
                   email="veronique.f@example.org", code_channel="mail",
                   contact_verified_at=account_row(app, KARIM_NIR).contact_verified_at)
    veronique = app.test_client()
    _redirected(sign_in(veronique, VERONIQUE_NIR, VERONIQUE_PASSWORD), url)
    rec.take("device-check-mail", veronique.get(url))


def _draw_every_page(tmp_path_factory, template_db) -> tuple[dict[str, Document], list, set]:
    from services.database import db
    from services.limiter import limiter
    from fc_provider import closed_port_issuer

    folder = tmp_path_factory.mktemp("html-valid")
    main_db = fresh_database(folder, template_db, "main.db")
    fc_db = fresh_database(folder, template_db, "fc.db")
    device_db = fresh_database(folder, template_db, "device.db")
    app = make_app(main_db)
    fc_app = make_app(fc_db, FRANCECONNECT_ISSUER=closed_port_issuer(),
                      FRANCECONNECT_CLIENT_ID="caf-test", FRANCECONNECT_CLIENT_SECRET="secret",
                      LOGIN_LIMIT_PER_ADDRESS="3 per 10 minutes")
    device_app = make_app(device_db, NEW_DEVICE_CHECK=True)
    rec = Recorder()
    rec.watch(app)
    rec.watch(fc_app)
    rec.watch(device_app)
    limiter.reset()
    try:
        _public_pages(rec, app.test_client())
        _sign_in_pages(rec, app.test_client())
        _first_login_by_mail(rec, app, app.test_client())
        _first_login_others(rec, app.test_client(), app.test_client())
        _mon_compte(rec, app.test_client())
        _password_reset(rec, app.test_client())
        _franceconnect(rec, fc_app)
        limiter.reset()
        _new_device(rec, device_app)
    finally:
        limiter.reset()
        for each in (app, fc_app, device_app):
            with each.app_context():
                db.engine.dispose()
    rules = [(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
             if "GET" in rule.methods]
    drawn = {d.endpoint for d in rec.documents.values() if d.content_type == "text/html"}
    return rec.documents, rules, drawn


def _run_vnu(documents: dict[str, Document], folder: Path) -> str | None:
    """Check every document with ONE run of vnu.jar; None, or why it could not run."""
    java = shutil.which("java")
    if java is None:
        return f"Java is not installed: the W3C Nu HTML checker needs it. {INSTALL_HELP}"
    if not VNU_JAR.is_file():
        return f"vnu.jar is missing at {VNU_JAR}. {INSTALL_HELP}"
    files = {}
    for number, doc in enumerate(documents.values()):
        path = folder / f"{number:03d}-{doc.name}.html"
        path.write_text(doc.html, encoding="utf-8")
        files[path.name] = doc
    run = subprocess.run(
        [java, "-Xss4m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU_JAR),
         "--format", "json", "--exit-zero-always", *(str(folder / name) for name in files)],
        capture_output=True, text=True, timeout=120)
    try:
        report = json.loads(run.stderr or run.stdout)
    except json.JSONDecodeError:
        return (f"vnu.jar did not answer JSON (exit {run.returncode}): "
                f"{(run.stderr + run.stdout)[-2000:]}")
    for message in report.get("messages", []):
        name = message.get("url", "").rsplit("/", 1)[-1]
        if message.get("type") == "non-document-error":
            return f"vnu.jar could not read {name}: {message.get('message')}"
        if name in files:
            files[name].problems.append(message)
    return None


@dataclass
class Checked:
    documents: dict[str, Document]
    rules: list[tuple[str, str]]
    drawn: set[str]
    problem: str | None
    seconds: float


@pytest.fixture(scope="module")
def checked(tmp_path_factory, template_db) -> Checked:
    started = time.monotonic()
    documents, rules, drawn = _draw_every_page(tmp_path_factory, template_db)
    problem = _run_vnu(documents, tmp_path_factory.mktemp("vnu"))
    return Checked(documents, rules, drawn, problem, time.monotonic() - started)


def _allowed(message: dict) -> bool:
    return any(re.search(pattern, message.get("message", "")) for pattern, _ in WARNINGS_ALLOWED)


def _describe(doc: Document, message: dict) -> str:
    extract = " ".join(message.get("extract", "").split())
    kind = message.get("subType") or message.get("type")
    return f"{doc.name}:{message.get('lastLine', '?')}: {kind}: {message.get('message')}  [{extract}]"


# --- the tests ---------------------------------------------------------------------------


def _checker_ran(checked: Checked) -> None:
    if checked.problem:
        pytest.fail(checked.problem, pytrace=False)


def test_the_checker_is_installed(checked):
    _checker_ran(checked)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_document_is_valid_html(checked, name):
    _checker_ran(checked)
    doc = checked.documents.get(name)
    assert doc is not None, f"the script drew no document named {name}"
    assert doc.status == doc.expected_status, (
        f"{doc.url} answered {doc.status}, expected {doc.expected_status}")
    assert doc.content_type == "text/html", f"{doc.url} answered {doc.content_type}"
    found = [_describe(doc, m) for m in doc.problems
             if (m.get("type") == "error" or m.get("subType") == "warning") and not _allowed(m)]
    if found:
        pytest.fail(f"{doc.url}: the W3C Nu checker found:\n" + "\n".join(found), pytrace=False)


def test_documents_lists_every_page_the_script_draws(checked):
    assert list(checked.documents) == DOCUMENTS


def test_every_route_that_answers_html_is_checked(checked):
    missing = sorted(f"{endpoint} ({rule})" for endpoint, rule in checked.rules
                     if endpoint not in NOT_HTML and endpoint not in checked.drawn)
    assert not missing, "GET routes with no document in this test: " + ", ".join(missing)
