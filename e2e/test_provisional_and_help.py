"""Issue 4, "How we will check": the provisional identifier, the NIA and the help pages, as a
person would use them on phone screens, with JavaScript on and off.

AMINATA D. (identifiant provisoire P 2024 0016, old Caf password 86420975) signs in from
«J'ai un identifiant provisoire» and lands on the CGU page. A NIA on the sign-in page
leads to «Que faire avec un NIA ?»; the three help links of the sign-in page open short
answers. Every page and every state goes through audit().
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from e2e.helpers import click_and_wait  # small steps shared by the e2e files
from e2e.helpers import A  # exact texts shared by the e2e files
from e2e.helpers import (
    NIR_LABEL,
    VIEWPORTS,
    assert_error_state,
    audit,
    submit_sign_in,
)

W320, W412 = VIEWPORTS["320"], VIEWPORTS["412"]
PROVISIONAL_LINK = re.compile(rf"^J{A}ai un identifiant provisoire$")
PROVISIONAL_LABEL = re.compile(r"^Identifiant provisoire$")
PASSWORD_LABEL = re.compile(r"^Mot de passe$")
AMINATA_ID = "p 2024 0016"
AMINATA_PASSWORD = "86420975"
WRONG_PROVISIONAL = "Identifiant provisoire ou mot de passe incorrect"
CGU_HEADING = re.compile(rf"^Conditions générales d{A}utilisation$")
NIA = "7 84 05 75 108 123"
NIA_LINK = re.compile(r"^Que faire avec un NIA\s?\?$")
HELP_LINKS = {
    re.compile(rf"^Je n{A}ai pas de téléphone portable$"): ("/aide/pas-de-telephone-portable", "32 30"),
    re.compile(rf"^Je n{A}ai plus accès à mon adresse mail$"): ("/aide/plus-acces-adresse-mail", "32 30"),
    re.compile(rf"^J{A}ai oublié mon numéro de sécurité sociale$"): (
        "/aide/numero-de-securite-sociale-oublie", "carte Vitale"),
}


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def go_to_sign_in(page: Page) -> None:
    page.goto("/connexion")
    expect(page.get_by_label(NIR_LABEL)).to_be_visible()


def provisional_sign_in(page: Page, identifier: str, password: str) -> Response:
    page.get_by_label(PROVISIONAL_LABEL).fill(identifier)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    return click_and_wait(page, page.locator("main").get_by_role("button", name="Se connecter", exact=True))


# --- Identifiant provisoire ------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [(W320, True), (W320, False), (W412, True)],
                         ids=["w320-js", "w320-nojs", "w412-js"])
def test_aminata_signs_in_from_the_provisional_page(browser: Browser, page: Page, fresh_demo) -> None:
    go_to_sign_in(page)
    page.get_by_role("link", name=PROVISIONAL_LINK).click()
    expect(page).to_have_url(re.compile(r"/identifiant-provisoire$"))
    expect(h1(page)).to_have_text(PROVISIONAL_LINK)
    main = page.locator("main")
    expect(main).to_contain_text("lettre P")
    expect(main).to_contain_text(re.compile(r"courriers de la Caf"))
    field = page.get_by_label(PROVISIONAL_LABEL)
    expect(field).to_have_attribute("autocomplete", "username")
    expect(field).to_have_accessible_description(re.compile("lettre P et 8 chiffres"))
    expect(page.get_by_label(PASSWORD_LABEL)).to_have_attribute("type", "password")
    audit(browser, page)

    answer = provisional_sign_in(page, "P 2024 0017", AMINATA_PASSWORD)
    assert answer.status == 400, f"a wrong check digit answered {answer.status}"
    assert_error_state(page, re.compile(r"Un chiffre de l['’]identifiant n['’]est pas bon"))
    audit(browser, page)

    answer = provisional_sign_in(page, AMINATA_ID, "12345678")
    assert answer.status == 401, f"a wrong password answered {answer.status}"
    assert_error_state(page, WRONG_PROVISIONAL)
    expect(page.get_by_label(PROVISIONAL_LABEL)).to_have_value(AMINATA_ID)
    audit(browser, page)

    answer = provisional_sign_in(page, AMINATA_ID, AMINATA_PASSWORD)
    assert answer.status in (302, 303), f"Aminata's sign-in answered {answer.status}"
    expect(page).to_have_url(re.compile(r"/premiere-connexion/conditions$"))
    expect(h1(page)).to_have_text(CGU_HEADING)
    audit(browser, page)


# --- NIA ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [(W320, True), (W320, False)], ids=["w320-js", "w320-nojs"])
def test_a_nia_leads_to_its_help_page(browser: Browser, page: Page, fresh_demo) -> None:
    go_to_sign_in(page)
    answer = submit_sign_in(page, NIA, "Jardin75Bleu")
    assert answer.status == 400, f"a NIA answered {answer.status}"
    assert_error_state(page, re.compile(r"NIA"))
    link = page.locator("main").get_by_role("link", name=NIA_LINK)
    expect(link).to_be_visible()
    audit(browser, page)

    link.click()
    expect(page).to_have_url(re.compile(r"/aide/nia$"))
    expect(h1(page)).to_have_text(NIA_LINK)
    main = page.locator("main")
    for words in (re.compile(rf"numéro d{A}identification d{A}attente"), "7 ou 8", "identifiant provisoire", "32 30"):
        expect(main).to_contain_text(words)
    expect(main.get_by_role("link", name=PROVISIONAL_LINK)).to_be_visible()
    audit(browser, page)

    main.get_by_role("link", name=PROVISIONAL_LINK).click()
    expect(page).to_have_url(re.compile(r"/identifiant-provisoire$"))


# --- Help for people who are stuck ---------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [(W320, True), (W320, False)], ids=["w320-js", "w320-nojs"])
def test_the_help_links_open_short_answers(browser: Browser, page: Page) -> None:
    for name, (path, words) in HELP_LINKS.items():
        go_to_sign_in(page)
        with page.expect_navigation() as navigation:
            page.get_by_role("link", name=name).click()
        response = navigation.value
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(h1(page)).to_have_text(name)
        expect(page.locator("main")).to_contain_text(words)
        expect(page.locator("main").get_by_role("link", name="Revenir à la connexion")).to_be_visible()
        audit(browser, page)


@pytest.mark.parametrize(("viewport", "js"), [(W320, False)], ids=["w320-nojs"])
def test_an_unknown_help_page_is_a_plain_404(browser: Browser, page: Page) -> None:
    response = page.goto("/aide/xyz")
    assert response is not None and response.status == 404, f"/aide/xyz answered {response and response.status}"
    expect(h1(page)).to_have_text("Page introuvable")
    expect(page.get_by_role("link", name=re.compile(r"^Aller à l['’]accueil$"))).to_be_visible()
    audit(browser, page)
