"""The accessibility audit: every page and every state, on a 320 px and a 412 px phone.

A catalogue of named page states (the empty page, each error, each live message, the
session warning, the 429 page…), each reached as a person would (clicks and typing),
each checked with helpers.audit(): layout, reflow, touch targets, own-origin requests
and axe (WCAG 2.1 A/AA). The form states are also checked with JavaScript off. Every axe
run lands in the suite's report, reports/accessibility/axe-report.json (e2e/a11y_report.py).

To stay cheap, one test per journey walks through many states (one sign-in serves a
dozen states), and each state is audited at 320 px, then the window is turned to 412 px
and it is audited again (Walk). The titles seen on the way are kept (SEEN) and checked at
the end: one title per page, «Erreur : » on error states, journey pages say the step.
Known faults of the app are not hidden here: each has its own strict xfail test.

The module runs its app with FranceConnect pointed at the local stand-in provider, as
production has it (the sign-in pages then show the FranceConnect block).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from e2e.helpers import button, outbox, sign_in  # small steps shared by the e2e files
from e2e.helpers import A, CODE_LABEL, VERONIQUE_MAIL  # exact texts shared by the e2e files
from e2e.helpers import (
    age_sessions,
    ERROR_TITLE,
    KARIM_NIR,
    KARIM_PASSWORD,
    NIR_LABEL,
    PASSWORD_LABEL,
    VERONIQUE_NIR,
    VERONIQUE_NUMERO_ALLOCATAIRE,
    VERONIQUE_OLD_PASSWORD,
    VIEWPORTS,
    audit,
    is_document_post,
    submit_sign_in,
)
from e2e.fc_app import app, base_url, fc_provider  # noqa: F401  (module fixtures)
from tests.fc_provider import KARIM_SUB

W320, W412 = VIEWPORTS["320"], VIEWPORTS["412"]

NIA = "7 84 05 75 108 123"
AMINATA_ID = "P 2024 0016"
NEW_PASSWORD = "Soleil2Mars"
RESET_PASSWORD = "Riviere42Nord"
KARIM_NEW_MAIL = "karim.nouveau@example.org"
NEW_CODE = re.compile(rf"^Demander l{A}envoi d{A}un nouveau code$")
FC_BUTTON = re.compile(rf"^S{A}identifier avec FranceConnect$")
GUIDE_TITLE = re.compile(r"^Comment je fais pour me connecter\s?\?")
HELPER_TITLE = re.compile(rf"^J{A}aide une personne à se connecter")


# --- the module's app: FranceConnect on, as in production (e2e/fc_app.py) ---




# --- the catalogue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    state: str
    path: str  # URL path, ids and tokens replaced by <…>
    title: str
    h1: str
    error_summary: bool
    journey: bool  # a step of a multi-step journey: its title must say the step
    width: int
    js: bool


SEEN: list[Seen] = []


def page_path(url: str) -> str:
    path = urlsplit(url).path
    path = re.sub(r"^/mot-de-passe-oublie/nouveau/[^/]+", "/mot-de-passe-oublie/nouveau/<jeton>", path)
    return re.sub(r"/\d+(?=/|$)", "/<n>", path)


_SEEN_JS = """() => {
  const h = document.querySelector('h1');
  return [document.title, h ? h.innerText.replace(/\\s+/g, ' ').trim() : '',
          !!document.querySelector('.error-summary')];
}"""


class Walk:
    """Names the states of one walk through the app and audits each in both phone sizes:
    the state is reached once, audited, the window turned to the other size and audited
    again (the walk goes on in that size): half the sign-ins and typing of one walk per
    size. With `audit_pages` off it only notes the titles (the title tests on their own)."""

    def __init__(self, browser: Browser, page: Page, audit_pages: bool = True,
                 widths: tuple[int, ...] = (320, 412), only: set[str] | None = None) -> None:
        self.browser, self.page, self.audit_pages = browser, page, audit_pages
        self.widths, self.only = widths, only

    def __call__(self, state: str, journey: bool = False) -> None:
        page = self.page
        if self.only is not None and state not in self.only:
            return
        page.wait_for_load_state("load")
        title, heading, error_summary = page.evaluate(_SEEN_JS)
        first = page.viewport_size["width"]
        sizes = sorted(self.widths, key=lambda w: w != first) if self.audit_pages else [first]
        for width in sizes:
            if width != page.viewport_size["width"]:
                page.set_viewport_size(VIEWPORTS[str(width)])
            SEEN.append(Seen(state=state, path=page_path(page.url), title=title, h1=heading,
                             error_summary=error_summary, journey=journey, width=width,
                             js=getattr(page, "e2e_js", True)))
            if self.audit_pages:
                audit(self.browser, page, state=state)


# --- small steps, as a person does them ----------------------------------------------------------


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def main(page: Page) -> Locator:
    return page.locator("main")


def link(page: Page, name: str | re.Pattern) -> Locator:
    return page.get_by_role("link", name=name, exact=None if isinstance(name, re.Pattern) else True).first


# A form post answered with a page (not a redirect) shows at the post's address: that
# page is still the page of the form (/premiere-connexion/code/nouveau is the code page).
FORM_PAGE_OF: dict[str, str] = {}


def press(page: Page, target: Locator) -> Response:
    """Press a form button; the answer to the form post (before redirects)."""
    before = page_path(page.url)
    with page.expect_navigation(wait_until="load"), page.expect_response(is_document_post) as answer:
        target.click()
    after = page_path(page.url)
    if after != before and not 300 <= answer.value.status < 400:
        FORM_PAGE_OF.setdefault(after, FORM_PAGE_OF.get(before, before))
    return answer.value


def follow(page: Page, target: Locator) -> None:
    with page.expect_navigation(wait_until="load"):
        target.click()


def to_sign_in(page: Page) -> None:
    page.goto("/connexion")
    expect(page.get_by_label(NIR_LABEL)).to_be_visible()


def last_code(page: Page, to_ending: str) -> str:
    for message in outbox(page):
        if re.sub(r"\D", "", message["to"]).endswith(to_ending) or message["to"] == to_ending:
            return re.search(r"(?<!\d)\d{6}(?!\d)", message["body"]).group(0)
    raise AssertionError(f"no message to {to_ending} in the outbox")


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def type_slowly(field: Locator, text: str) -> None:
    field.click()
    field.fill("")
    field.press_sequentially(text, delay=10)


def open_from(page: Page, path: str) -> None:
    """Follow a link of the page to `path` if the page has one; else type the address."""
    links = page.locator(f'a[href="{path}"], a[href^="{path}#"], a[href^="{path}?"]')
    for i in range(links.count()):
        if links.nth(i).is_visible():
            follow(page, links.nth(i))
            return
    page.goto(path)


# --- the walks ----------------------------------------------------------------------------------


def walk_public_pages(walk: Walk) -> None:
    page = walk.page
    page.goto("/")
    expect(h1(page)).to_be_visible()
    walk("accueil")
    follow(page, page.locator("header").get_by_role("link", name="Accessibilité", exact=True))
    expect(h1(page)).to_contain_text(re.compile("accessibilité", re.IGNORECASE))
    walk("accessibilité")
    follow(page, main(page).get_by_role("link", name=re.compile(r"^Voir les \d+ critères, un par un$")))
    expect(page).to_have_url(re.compile(r"/accessibilite/criteres$"))
    walk("accessibilité : les critères un par un")

    to_sign_in(page)
    follow(page, link(page, re.compile(r"^Autre mode de connexion\s?\?$")))
    expect(h1(page)).to_have_text("Autre mode de connexion")
    walk("autre mode de connexion")
    for name, slug, state in (
        (rf"^Je n{A}ai pas de téléphone portable$", "pas-de-telephone-portable", "aide : pas de portable"),
        (rf"^Je n{A}ai plus accès à mon adresse mail$", "plus-acces-adresse-mail", "aide : plus accès au mail"),
        (rf"^J{A}ai oublié mon numéro de sécurité sociale$", "numero-de-securite-sociale-oublie",
         "aide : numéro de sécurité sociale oublié"),
    ):
        to_sign_in(page)
        follow(page, link(page, re.compile(name)))
        expect(page).to_have_url(re.compile(f"/aide/{slug}$"))
        walk(state)

    page.goto("/installer-l-application")
    expect(h1(page)).to_have_text(re.compile(rf"^Installer l{A}application"))
    walk("installer l'application")
    page.goto("/hors-ligne")
    expect(h1(page)).to_have_text("Pas de connexion internet")
    walk("hors ligne")

    page.goto("/verifier-une-attestation")
    walk("vérifier une attestation")
    page.get_by_label(re.compile(rf"^Référence de l{A}attestation")).fill("ABCD-EFGH-JKLM")
    follow(page, button(page, "Vérifier"))
    expect(page.locator(".error-summary")).to_be_visible()
    walk("vérifier une attestation : référence inconnue")

    response = page.goto("/une-page-qui-n-existe-pas")
    assert response is not None and response.status == 404
    expect(h1(page)).to_have_text("Page introuvable")
    walk("page introuvable (404)")


def walk_new_guide_pages(walk: Walk) -> None:
    page = walk.page
    page.goto("/")
    open_from(page, "/guide")
    expect(page).to_have_title(GUIDE_TITLE)
    walk("guide : comment je fais pour me connecter")
    open_from(page, "/aider-une-personne")
    expect(page).to_have_title(HELPER_TITLE)
    walk("j'aide une personne à se connecter")


def walk_sign_in(walk: Walk) -> None:
    page = walk.page
    js = getattr(page, "e2e_js", True)
    to_sign_in(page)
    walk("connexion")

    if js:  # the number is checked while typing (htmx, polite live region)
        live = page.locator("#nir-live")
        nir = page.get_by_label(NIR_LABEL)
        type_slowly(nir, "2 84 05 75 108")
        expect(live).to_contain_text("Il en faut 13")
        walk("connexion : message direct, numéro trop court")
        type_slowly(nir, VERONIQUE_NUMERO_ALLOCATAIRE)
        expect(live).to_contain_text(re.compile("numéro allocataire", re.IGNORECASE))
        walk("connexion : message direct, numéro allocataire")
        type_slowly(nir, KARIM_NIR)
        expect(live).to_contain_text("bon nombre de caractères")
        walk("connexion : message direct, numéro bien écrit")

    submit_sign_in(page, "", "")
    expect(page).to_have_title(ERROR_TITLE)
    walk("connexion : erreur, champs vides")
    submit_sign_in(page, "2 84 05 75 108", VERONIQUE_OLD_PASSWORD)
    expect(page.locator(".error-summary")).to_contain_text("Il en faut 13")
    walk("connexion : erreur, numéro trop court")
    submit_sign_in(page, VERONIQUE_NUMERO_ALLOCATAIRE, VERONIQUE_OLD_PASSWORD)
    expect(page.locator(".error-summary")).to_contain_text(re.compile("numéro allocataire", re.IGNORECASE))
    walk("connexion : erreur, numéro allocataire")
    submit_sign_in(page, NIA, KARIM_PASSWORD)
    expect(page.locator(".error-summary")).to_contain_text("NIA")
    walk("connexion : erreur, NIA")
    follow(page, main(page).get_by_role("link", name=re.compile(r"^Que faire avec un NIA\s?\?$")))
    expect(page).to_have_url(re.compile(r"/aide/nia$"))
    walk("aide : que faire avec un NIA")

    to_sign_in(page)
    submit_sign_in(page, KARIM_NIR, "Mauvais1mot")
    expect(page.locator(".error-summary")).to_contain_text("mot de passe incorrect")
    walk("connexion : erreur, mot de passe incorrect")
    for attempt in range(2, 6):
        assert submit_sign_in(page, KARIM_NIR, f"Mauvais{attempt}mot").status == 401
    answer = submit_sign_in(page, KARIM_NIR, "Mauvais6mot")
    assert answer.status == 429, f"the 6th wrong password answered {answer.status}"
    expect(main(page)).to_contain_text(re.compile(r"\d+\s+minutes?"))
    walk("trop d'essais (429)")

    to_sign_in(page)
    follow(page, link(page, re.compile(rf"^J{A}ai un identifiant provisoire$")))
    expect(page).to_have_url(re.compile(r"/identifiant-provisoire$"))
    walk("identifiant provisoire")
    field, password = page.get_by_label(re.compile(r"^Identifiant provisoire$")), page.get_by_label(PASSWORD_LABEL)
    field.fill("P 2024 0017")
    password.fill("86420975")
    press(page, button(page, "Se connecter"))
    expect(page.locator(".error-summary")).to_contain_text(re.compile(rf"chiffre de l{A}identifiant"))
    walk("identifiant provisoire : erreur, chiffre de contrôle")
    page.get_by_label(re.compile(r"^Identifiant provisoire$")).fill(AMINATA_ID)
    page.get_by_label(PASSWORD_LABEL).fill("12345678")
    press(page, button(page, "Se connecter"))
    expect(page.locator(".error-summary")).to_contain_text("mot de passe incorrect")
    walk("identifiant provisoire : erreur, mot de passe incorrect")


def walk_first_login(walk: Walk) -> None:
    page = walk.page
    js = getattr(page, "e2e_js", True)
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    expect(h1(page)).to_have_text(re.compile(rf"^Conditions générales d{A}utilisation$"))
    walk("CGU", journey=True)
    press(page, button(page, "Quitter"))
    expect(main(page)).to_contain_text(re.compile("déconnecté", re.IGNORECASE))
    walk("connexion : après «Quitter»")

    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    press(page, button(page, "Continuer"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("CGU : erreur, case non cochée", journey=True)
    page.get_by_label(re.compile(r"^J.ai pris connaissance")).check()
    press(page, button(page, "Continuer"))
    expect(h1(page)).to_have_text("Mon mot de passe")
    walk("mot de passe (première connexion)", journey=True)

    new = page.get_by_label("Nouveau mot de passe", exact=True)
    confirm = page.get_by_label("Confirmation du nouveau mot de passe", exact=True)
    if js:
        type_slowly(new, "abc")
        expect(page.locator('[data-rule][data-valid="true"]')).not_to_have_count(0)
        walk("mot de passe : règles en partie remplies (direct)", journey=True)
        type_slowly(confirm, "abd")
        expect(page.locator("#password-match")).to_contain_text(re.compile("pas (encore )?identiques"))
        walk("mot de passe : pas identiques (direct)", journey=True)
    new.fill("Password1")
    confirm.fill("Password1")
    press(page, button(page, "Continuer"))
    expect(page.locator(".error-summary")).to_contain_text("trop connu")
    walk("mot de passe : erreur, trop connu", journey=True)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe", exact=True).fill(NEW_PASSWORD + "x")
    press(page, button(page, "Continuer"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("mot de passe : erreur, pas identiques", journey=True)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    press(page, button(page, "Continuer"))
    expect(h1(page)).to_have_text("Coordonnées de contact")
    walk("coordonnées de contact", journey=True)

    press(page, button(page, "Continuer"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("coordonnées de contact : erreur, rien écrit", journey=True)
    page.get_by_label("Téléphone portable", exact=True).fill("06 12 34")
    press(page, button(page, "Continuer"))
    expect(page.locator(".error-summary")).to_contain_text("téléphone")
    walk("coordonnées de contact : erreur, téléphone", journey=True)
    page.get_by_label("Téléphone portable", exact=True).fill("")
    page.get_by_label("Adresse mail", exact=True).fill("veronique@")
    press(page, button(page, "Continuer"))
    expect(page.locator(".error-summary")).to_contain_text("mail")
    walk("coordonnées de contact : erreur, adresse mail", journey=True)
    page.get_by_label("Adresse mail", exact=True).fill(VERONIQUE_MAIL)
    press(page, button(page, "Continuer"))
    code_field = page.get_by_label(CODE_LABEL)
    expect(code_field).to_be_visible()
    walk("vérification du code", journey=True)

    code = last_code(page, VERONIQUE_MAIL)
    if js:
        type_slowly(code_field, "12")
        expect(page.locator("#code-live")).to_contain_text("Il manque 4 chiffres")
        walk("vérification du code : message direct", journey=True)
        code_field.fill("")
    page.get_by_label(CODE_LABEL).fill(other_code(code))
    press(page, button(page, "Valider le code"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("vérification du code : erreur, mauvais code", journey=True)
    answer = press(page, button(page, NEW_CODE))
    assert answer.status == 429, f"a new code at once answered {answer.status}"
    expect(page.locator(".error-summary")).to_contain_text(re.compile(r"Attendez \d+ secondes?"))
    walk("vérification du code : attendre avant un nouveau code", journey=True)
    page.get_by_label(CODE_LABEL).fill(code)
    press(page, button(page, "Valider le code"))
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(main(page)).to_contain_text("VERONIQUE F.")
    walk("Mon Compte : fin de la première connexion (versé à un tiers)")


def walk_password_reset(walk: Walk) -> None:
    page = walk.page
    js = getattr(page, "e2e_js", True)
    to_sign_in(page)
    follow(page, link(page, re.compile(r"^Mot de passe oublié\s?\?$")))
    expect(h1(page)).to_have_text("Mot de passe oublié")
    walk("mot de passe oublié", journey=True)
    press(page, button(page, "Recevoir un code"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("mot de passe oublié : erreur, rien écrit", journey=True)
    nir = page.get_by_label(NIR_LABEL)
    if js:
        type_slowly(nir, "7654321")
        expect(page.locator("#nir-live")).to_contain_text(re.compile("numéro allocataire", re.IGNORECASE))
        walk("mot de passe oublié : message direct", journey=True)
    nir.fill(KARIM_NIR)
    press(page, button(page, "Recevoir un code"))
    expect(h1(page)).to_have_text("Le code reçu")
    walk("mot de passe oublié : le code", journey=True)
    code = last_code(page, "612345678")
    field = page.get_by_label(CODE_LABEL)
    if js:
        type_slowly(field, "123")
        expect(page.locator("#code-live")).to_contain_text("Il manque 3 chiffres")
        walk("mot de passe oublié : le code, message direct", journey=True)
    field.fill(other_code(code))
    press(page, button(page, "Valider le code"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("mot de passe oublié : erreur, mauvais code", journey=True)
    answer = press(page, button(page, NEW_CODE))
    assert answer.status == 429, f"a new code at once answered {answer.status}"
    walk("mot de passe oublié : attendre avant un nouveau code", journey=True)
    page.get_by_label(CODE_LABEL).fill(code)
    press(page, button(page, "Valider le code"))
    expect(h1(page)).to_have_text("Mon nouveau mot de passe")
    reset_url = page.url
    walk("mot de passe oublié : nouveau mot de passe", journey=True)

    new = page.get_by_label("Nouveau mot de passe", exact=True)
    confirm = page.get_by_label("Confirmation du nouveau mot de passe", exact=True)
    if js:
        type_slowly(new, "riviere")
        expect(page.locator('[data-rule][data-valid="true"]')).not_to_have_count(0)
        walk("mot de passe oublié : règles en partie remplies (direct)", journey=True)
    new.fill(RESET_PASSWORD)
    confirm.fill(RESET_PASSWORD + "x")
    press(page, button(page, "Enregistrer mon mot de passe"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("mot de passe oublié : erreur, pas identiques", journey=True)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(RESET_PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe", exact=True).fill(RESET_PASSWORD)
    press(page, button(page, "Enregistrer mon mot de passe"))
    expect(main(page)).to_contain_text("Votre nouveau mot de passe est enregistré")
    walk("connexion : mot de passe changé")
    page.goto(reset_url)  # the address, opened again from the history
    expect(h1(page)).to_have_text("Ce lien ne marche plus")
    walk("mot de passe oublié : lien qui ne marche plus")


def walk_account(walk: Walk, app) -> None:
    page = walk.page
    page.clock.install()  # the page's own clock, so the session warning can be brought forward
    sign_in(page, KARIM_NIR, KARIM_PASSWORD, remember=True)
    expect(h1(page)).to_have_text("Mon Compte")
    walk("Mon Compte")

    follow(page, link(page, "Voir le détail de mes allocations"))
    expect(h1(page)).to_have_text("Détail de mes allocations")
    walk("détail de mes allocations")
    page.get_by_label("Du mois de").select_option(index=2)
    page.get_by_label("Au mois de").select_option(index=0)
    follow(page, button(page, "Voir cette période"))
    walk("détail de mes allocations : période choisie")
    page.goto(re.sub(r"\?.*$", "", page.url) + "?du=2026-13&au=2026-01")  # a mistyped address
    expect(page).to_have_title(ERROR_TITLE)
    walk("détail de mes allocations : erreur, période")

    page.goto("/mon-compte")
    follow(page, link(page, "Mes attestations"))
    expect(h1(page)).to_have_text("Mes attestations")
    walk("mes attestations")

    page.goto("/mon-compte")
    follow(page, main(page).get_by_role("link", name=re.compile(r"^Mes courriers, courriels")))
    expect(h1(page)).to_have_text("Mes courriers, courriels")
    walk("mes courriers")
    follow(page, main(page).locator("li.letter a").first)
    walk("un courrier")
    follow(page, link(page, "Revenir à mes courriers"))
    walk("mes courriers : après lecture")

    page.goto("/mon-compte")
    follow(page, main(page).get_by_role("link", name="Mes coordonnées", exact=True))
    expect(h1(page)).to_have_text("Mes coordonnées")
    walk("mes coordonnées", journey=True)
    page.get_by_label("Adresse mail").fill("karim@")
    press(page, button(page, "Recevoir un code"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("mes coordonnées : erreur, adresse mail", journey=True)
    page.get_by_label("Adresse mail").fill(KARIM_NEW_MAIL)
    page.get_by_label("Par mail").check()
    press(page, button(page, "Recevoir un code"))
    field = page.get_by_label("Code de vérification reçu par mail")
    expect(field).to_be_visible()
    walk("mes coordonnées : le code", journey=True)
    code = last_code(page, KARIM_NEW_MAIL)
    if getattr(page, "e2e_js", True):
        type_slowly(field, "1234")
        expect(page.locator("#code-live")).to_contain_text("Il manque 2 chiffres")
        walk("mes coordonnées : le code, message direct", journey=True)
    field.fill(other_code(code))
    press(page, button(page, "Valider le code"))
    expect(page).to_have_title(ERROR_TITLE)
    walk("mes coordonnées : erreur, mauvais code", journey=True)
    page.get_by_label("Code de vérification reçu par mail").fill(code)
    press(page, button(page, "Valider le code"))
    expect(page.get_by_role("status")).to_contain_text("Vos nouvelles coordonnées sont confirmées")
    walk("Mon Compte : coordonnées confirmées")

    if getattr(page, "e2e_js", True):
        page.goto("/mon-compte")
        warning = page.locator("#session-warning")
        page.clock.fast_forward("28:30")
        expect(warning).to_be_visible()
        expect(warning.get_by_role("button", name="Rester connecté", exact=True)).to_be_focused()
        walk("Mon Compte : la session va se fermer")
        with page.expect_response(lambda r: r.url.endswith("/session/prolonger")):
            warning.get_by_role("button", name="Rester connecté", exact=True).click()
        expect(warning).to_be_hidden()

    press(page, page.get_by_role("button", name="Se déconnecter", exact=True))
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.get_by_role("button", name="Oublier ce numéro", exact=True)).to_be_visible()
    walk("connexion : déconnecté, numéro retenu")

    if getattr(page, "e2e_js", True):  # the session ends: the page leaves the personal data
        submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
        expect(page).to_have_url(re.compile(r"/mon-compte$"))
        page.wait_for_load_state("networkidle")
        age_sessions(app, 31)
        page.clock.fast_forward("30:01")
        expect(page).to_have_url(re.compile(r"/connexion$"))
        expect(main(page)).to_contain_text("session s'est fermée")
        walk("connexion : session fermée")


def walk_two_tabs(walk: Walk) -> None:
    """A shared computer: one browser, two tabs; what was done in one makes the other's
    forms stale («la page a expiré»)."""
    first = walk.page
    sign_in(first, KARIM_NIR, KARIM_PASSWORD)
    expect(first).to_have_url(re.compile(r"/mon-compte$"))
    second = first.context.new_page()
    second.e2e_js, second.e2e_requests = getattr(first, "e2e_js", True), []
    second.on("request", lambda r: second.e2e_requests.append(r.url))
    second.goto("/mon-compte")
    press(second, second.get_by_role("button", name="Se déconnecter", exact=True))
    expect(second).to_have_url(re.compile(r"/connexion$"))

    first.bring_to_front()
    answer = press(first, first.get_by_role("button", name="Se déconnecter", exact=True))
    assert answer.status == 400, f"a stale «Se déconnecter» answered {answer.status}"
    expect(first).to_have_title(ERROR_TITLE)
    walk("déconnexion : page expirée")
    press(first, button(first, "Se déconnecter"))
    expect(first).to_have_url(re.compile(r"/connexion$"))

    second.bring_to_front()
    walk.page = second
    answer = submit_sign_in(second, KARIM_NIR, KARIM_PASSWORD)
    assert answer.status == 400, f"a stale sign-in form answered {answer.status}"
    expect(second.locator(".error-summary")).to_contain_text("la page a expiré")
    walk("connexion : erreur, page expirée")
    walk.page = first


def walk_franceconnect(walk: Walk, fc_issuer: str, base_url: str) -> None:
    page = walk.page
    page.context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())

    def on_navigated(frame) -> None:  # audit() checks the requests of our page only
        if frame == page.main_frame and frame.url.startswith(base_url + "/"):
            page.e2e_requests.clear()

    page.on("framenavigated", on_navigated)
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/franceconnect/retour?" in r.url else None)

    page.goto("/autre-mode-de-connexion")
    page.get_by_role("button", name=FC_BUTTON).click()
    expect(page).to_have_url(re.compile("^" + re.escape(fc_issuer)))
    page.get_by_role("button", name="Deny").click()
    expect(h1(page)).to_have_text("Connexion avec FranceConnect annulée")
    walk("FranceConnect : connexion annulée")

    follow(page, link(page, "Se connecter"))
    page.get_by_role("button", name=FC_BUTTON).click()
    page.get_by_role("button", name=KARIM_SUB, exact=True).click()
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(main(page)).to_contain_text("Vous êtes identifié avec FranceConnect")
    walk("connexion : relier FranceConnect")
    submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    expect(main(page)).to_contain_text(re.compile(r"FranceConnect est maintenant relié"))
    walk("Mon Compte : FranceConnect relié")

    follow(page, button(page, "Délier FranceConnect"))  # (routing on: the service worker hides the post)
    expect(main(page)).to_contain_text("FranceConnect n'est plus relié")
    walk("Mon Compte : FranceConnect délié")
    assert callbacks, "no return from FranceConnect was seen"
    page.goto(callbacks[-1])  # the return address, opened again from the history
    expect(h1(page)).to_have_text("Cette connexion ne marche plus")
    walk("FranceConnect : connexion qui ne marche plus")


# --- the tests: one per journey, JavaScript on, each state at 320 and 412 px --------------------


def test_public_pages(browser: Browser, new_page) -> None:
    walk_public_pages(Walk(browser, new_page(W320, True)))


def test_new_guide_pages(browser: Browser, new_page) -> None:
    """/guide and /aider-une-personne (added by another change)."""
    walk_new_guide_pages(Walk(browser, new_page(W320, True)))


def test_sign_in_states(browser: Browser, new_page, fresh_demo) -> None:
    walk_sign_in(Walk(browser, new_page(W320, True)))


def test_first_login_states(browser: Browser, new_page, fresh_demo) -> None:
    walk_first_login(Walk(browser, new_page(W320, True)))


def test_password_reset_states(browser: Browser, new_page, fresh_demo) -> None:
    walk_password_reset(Walk(browser, new_page(W320, True)))


def test_account_states(browser: Browser, new_page, app, fresh_demo) -> None:
    walk_account(Walk(browser, new_page(W320, True)), app)
    walk_two_tabs(Walk(browser, new_page(W320, True)))


def test_franceconnect_states(browser: Browser, new_page, fc_provider, base_url, fresh_demo) -> None:
    walk_franceconnect(Walk(browser, new_page(W320, True)), fc_provider.issuer, base_url)


# --- the form states with JavaScript off (axe on the script-free copy), at 320 px -----------------

NOJS_FORM_STATES = {
    "connexion", "connexion : erreur, champs vides", "connexion : erreur, numéro trop court",
    "connexion : erreur, numéro allocataire", "connexion : erreur, NIA",
    "connexion : erreur, mot de passe incorrect", "trop d'essais (429)", "identifiant provisoire",
    "identifiant provisoire : erreur, chiffre de contrôle",
    "identifiant provisoire : erreur, mot de passe incorrect",
    "CGU", "CGU : erreur, case non cochée", "mot de passe (première connexion)",
    "mot de passe : erreur, trop connu", "mot de passe : erreur, pas identiques",
    "coordonnées de contact", "coordonnées de contact : erreur, rien écrit",
    "coordonnées de contact : erreur, téléphone", "coordonnées de contact : erreur, adresse mail",
    "vérification du code", "vérification du code : erreur, mauvais code",
    "vérification du code : attendre avant un nouveau code",
    "mot de passe oublié", "mot de passe oublié : erreur, rien écrit", "mot de passe oublié : le code",
    "mot de passe oublié : erreur, mauvais code", "mot de passe oublié : attendre avant un nouveau code",
    "mot de passe oublié : nouveau mot de passe", "mot de passe oublié : erreur, pas identiques",
    "détail de mes allocations", "détail de mes allocations : erreur, période",
    "mes coordonnées", "mes coordonnées : erreur, adresse mail", "mes coordonnées : le code",
    "mes coordonnées : erreur, mauvais code",
}


def nojs_walk(browser: Browser, page: Page) -> Walk:
    return Walk(browser, page, widths=(320,), only=NOJS_FORM_STATES)


def test_sign_in_and_first_login_forms_without_javascript(browser: Browser, new_page, fresh_demo) -> None:
    walk = nojs_walk(browser, new_page(W320, False))
    walk_sign_in(walk)
    fresh_demo()
    walk_first_login(walk)


def test_password_reset_and_account_forms_without_javascript(browser: Browser, new_page, app,
                                                              fresh_demo) -> None:
    walk = nojs_walk(browser, new_page(W320, False))
    walk_password_reset(walk)
    fresh_demo()
    walk.page = new_page(W320, False)
    walk_account(walk, app)


# --- titles ---------------------------------------------------------------------------------------


SUFFIX = re.compile(r"\s*[–-]\s*Mon Compte Caf$")


def norm(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.replace("’", "'").split())).casefold()


def bare_title(title: str) -> str:
    return SUFFIX.sub("", ERROR_TITLE.sub("", title, count=1))


# Titles that break the rules (the templates are not ours to change here): each has its
# own strict xfail test below, and the general tests leave it aside.
KNOWN_STEPLESS_TITLES = {
    # templates/account/contact_code.html: its title once said neither the step nor the
    # heading; fixed, kept as a regression test below.
    "mes coordonnées : le code",
    "mes coordonnées : le code, message direct",
    "mes coordonnées : erreur, mauvais code",
}


def all_seen(request: pytest.FixtureRequest) -> list[Seen]:
    """The states the walks of this run noted; the walks are run (titles only, 412 px,
    JavaScript on) if this test runs on its own."""
    if not any(s.state == "Mon Compte : coordonnées confirmées" for s in SEEN):
        browser = request.getfixturevalue("browser")
        new_page = request.getfixturevalue("new_page")
        fresh_demo = request.getfixturevalue("fresh_demo")
        app = request.getfixturevalue("app")
        provider = request.getfixturevalue("fc_provider")
        base_url = request.getfixturevalue("base_url")
        for run in (
            lambda w: walk_public_pages(w),
            lambda w: walk_sign_in(w),
            lambda w: walk_first_login(w),
            lambda w: walk_password_reset(w),
            lambda w: walk_account(w, app),
            lambda w: walk_two_tabs(w),
            lambda w: walk_franceconnect(w, provider.issuer, base_url),
        ):
            fresh_demo()
            run(Walk(browser, new_page(W412, True), audit_pages=False))
        try:
            walk_new_guide_pages(Walk(browser, new_page(W412, True), audit_pages=False))
        except AssertionError:
            pass  # not there yet: test_new_guide_pages says so
    return list(SEEN)


def test_every_page_has_its_own_title_and_errors_say_so(request: pytest.FixtureRequest) -> None:
    seen = all_seen(request)
    states = {s.state for s in seen}
    assert len(states) >= 35, f"only {len(states)} states in the catalogue"
    problems = []
    paths_of: dict[str, set[str]] = {}
    for s in seen:
        if not s.title.strip():
            problems.append(f"{s.state}: no title")
        if s.error_summary and not ERROR_TITLE.match(s.title):
            problems.append(f"{s.state}: an error state whose title does not start with «Erreur : » ({s.title!r})")
        if not s.error_summary and ERROR_TITLE.match(s.title):
            problems.append(f"{s.state}: «Erreur : » in the title of a page without error ({s.title!r})")
        paths_of.setdefault(norm(bare_title(s.title)), set()).add(FORM_PAGE_OF.get(s.path, s.path))
    for title, paths in sorted(paths_of.items()):
        if len(paths) > 1:
            problems.append(f"the title {title!r} is shared by {sorted(paths)}")
    assert not problems, "\n".join(problems)


def says_the_step(s: Seen) -> bool:
    title = norm(bare_title(s.title))
    return "étape" in title or (bool(s.h1) and norm(s.h1) in title)


def test_journey_titles_say_the_step(request: pytest.FixtureRequest) -> None:
    seen = [s for s in all_seen(request) if s.journey and s.state not in KNOWN_STEPLESS_TITLES]
    assert len({s.state for s in seen}) >= 20, sorted({s.state for s in seen})
    bad = sorted({f"{s.state} ({s.path}): title {s.title!r}, heading {s.h1!r}"
                  for s in seen if not says_the_step(s)})
    assert not bad, "journey pages whose title does not say the step:\n" + "\n".join(bad)


def test_title_of_the_mes_coordonnees_code_page_says_the_step(request: pytest.FixtureRequest) -> None:
    seen = [s for s in all_seen(request) if s.state in KNOWN_STEPLESS_TITLES]
    assert seen
    bad = [f"{s.state}: {s.title!r} / {s.h1!r}" for s in seen if not says_the_step(s)]
    assert not bad, bad
