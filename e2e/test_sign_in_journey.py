"""Issue 2, "How we will check": signing in with the numéro de sécurité sociale, as a
person would, on phone screens, with JavaScript on and off."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import (
    VIEWPORTS,
    KARIM_NAME,
    KARIM_NIR,
    KARIM_PASSWORD,
    MARIE_ANGE_NIR,
    MARIE_ANGE_OLD_PASSWORD,
    NIR_LABEL,
    PASSWORD_LABEL,
    REMEMBER_LABEL,
    VERONIQUE_NIR,
    VERONIQUE_NUMERO_ALLOCATAIRE,
    VERONIQUE_OLD_PASSWORD,
    WRONG_CREDENTIALS,
    assert_error_state,
    audit,
    submit_sign_in,
    summary_messages,
)

SHOW_PASSWORD = "Afficher le mot de passe"
HIDE_PASSWORD = "Masquer le mot de passe"
UNKNOWN_NIR = "1 80 12 75 115 012"  # well formed, nobody has it
NIA = "7 84 05 75 108 123"  # temporary number: starts with 7
# The first-login journey starts here (its first step may have its own sub-path).
FIRST_LOGIN = r"/premiere-connexion(/[a-z-]+)?$"
FRENCH_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()


def digits_of(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def today_patterns() -> re.Pattern:
    """Today's date as a French page may write it (dd/mm/yyyy or «26 novembre 2025»),
    in any time zone a server might use."""
    days = set()
    for now in (datetime.now(), datetime.now(timezone.utc), datetime.now(ZoneInfo("Europe/Paris"))):
        days.add(now.date())
    forms = []
    for d in days:
        forms.append(re.escape(d.strftime("%d/%m/%Y")))
        forms.append(rf"{d.day}(er)?\s+{FRENCH_MONTHS[d.month - 1]}\s+{d.year}")
    return re.compile("|".join(forms), re.IGNORECASE)


def go_to_sign_in(page: Page) -> None:
    page.goto("/connexion")
    expect(page.get_by_label(NIR_LABEL)).to_be_visible()


def assert_signed_out(page: Page) -> None:
    page.goto("/mon-compte")
    expect(page).to_have_url(re.compile(r"/connexion(\?.*)?$"))
    expect(page.get_by_label(NIR_LABEL)).to_be_visible()


# --- The main path -------------------------------------------------------------------


def test_karim_signs_in_with_spaces_and_signs_out(browser: Browser, page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Se connecter", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/connexion$"))
    audit(browser, page)

    answer = submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    assert answer.status in (302, 303), f"sign-in answered {answer.status}, not a redirect"
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    main = page.locator("main")
    expect(main).to_contain_text(KARIM_NAME)
    expect(main).to_contain_text("Mon dernier paiement")
    expect(main).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4}|\d{1,2}(er)? [a-zéû]+ \d{4}"))
    expect(main).to_contain_text(re.compile(r"\d+(,\d{2})?\s?€"))
    expect(page.get_by_role("link", name="Voir le détail de mes allocations")).to_be_visible()
    expect(main).to_contain_text("Mon relevé de compte PDF")
    expect(main).to_contain_text("Mes attestations")
    expect(main).to_contain_text("Mes courriers, courriels")
    expect(page.locator("body")).to_contain_text(today_patterns())
    audit(browser, page)

    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/mon-compte$"))
    audit(browser, page)
    assert_signed_out(page)
    # «Se souvenir de moi» was not ticked: nothing is remembered.
    go_to_sign_in(page)
    expect(page.get_by_label(NIR_LABEL)).to_have_value("")
    expect(page.get_by_role("button", name="Oublier ce numéro")).to_have_count(0)


def test_sign_in_form_says_what_to_type(page: Page) -> None:
    go_to_sign_in(page)
    nir = page.get_by_label(NIR_LABEL)
    password = page.get_by_label(PASSWORD_LABEL)
    expect(nir).to_have_attribute("name", "nir")
    expect(password).to_have_attribute("name", "password")
    expect(password).to_have_attribute("type", "password")
    expect(nir).to_have_attribute("autocomplete", "username")
    expect(password).to_have_attribute("autocomplete", "current-password")
    expect(nir).to_have_accessible_description(re.compile("13 caractères"))
    expect(password).to_have_accessible_description(re.compile("8 à 24 caractères"))
    expect(page.get_by_label(REMEMBER_LABEL)).to_have_attribute("name", "remember")
    expect(page.get_by_label(REMEMBER_LABEL)).to_have_attribute("type", "checkbox")
    expect(page.get_by_role("button", name="Se connecter", exact=True)).to_be_visible()
    for name in (
        re.compile(r"^Mot de passe oublié\s?\?$"),
        re.compile(r"^J['’]ai un identifiant provisoire$"),
        re.compile(r"^Autre mode de connexion\s?\?$"),
    ):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    live = page.locator("#nir-live")
    expect(live).to_have_count(1)
    expect(live).to_have_attribute("aria-live", "polite")


@pytest.mark.parametrize(
    "link",
    [r"^Mot de passe oublié\s?\?$", r"^J['’]ai un identifiant provisoire$", r"^Autre mode de connexion\s?\?$"],
    ids=["oublie", "provisoire", "autre-mode"],
)
def test_short_pages_linked_from_sign_in(browser: Browser, page: Page, link: str) -> None:
    go_to_sign_in(page)
    with page.expect_navigation() as nav:
        page.get_by_role("link", name=re.compile(link)).click()
    assert nav.value is not None and nav.value.status == 200, f"{page.url} answered {nav.value and nav.value.status}"
    expect(page).not_to_have_url(re.compile(r"/connexion$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(browser, page)


# --- First login -------------------------------------------------------------------


def test_marie_ange_2a_number_starts_the_first_login(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    submit_sign_in(page, MARIE_ANGE_NIR, MARIE_ANGE_OLD_PASSWORD)
    expect(page).to_have_url(re.compile(FIRST_LOGIN))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(browser, page)


@pytest.mark.parametrize(
    ("nir", "password", "landing"),
    [
        (VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD, FIRST_LOGIN),
        ("2.92.09.2a.004.071", MARIE_ANGE_OLD_PASSWORD, FIRST_LOGIN),
        ("1-75-01-69-123-045", KARIM_PASSWORD, r"/mon-compte$"),
        ("1 75 01 69 123 045 05", KARIM_PASSWORD, r"/mon-compte$"),
    ],
    ids=["veronique-old-password", "lowercase-2a-dots", "dashes", "15-with-key"],
)
def test_ways_of_typing_the_number_are_accepted(new_page, nir: str, password: str, landing: str) -> None:
    page = new_page(VIEWPORTS["320"], js=False)
    go_to_sign_in(page)
    submit_sign_in(page, nir, password)
    expect(page).to_have_url(re.compile(landing))


# --- Mistakes and their messages -----------------------------------------------------


def test_numero_allocataire_gets_the_carte_vitale_message(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    answer = submit_sign_in(page, VERONIQUE_NUMERO_ALLOCATAIRE, VERONIQUE_OLD_PASSWORD)
    assert 400 <= answer.status < 500, f"answered {answer.status}"
    message = re.compile(r"numéro allocataire.*carte Vitale|carte Vitale.*numéro allocataire", re.IGNORECASE | re.DOTALL)
    assert_error_state(page, message)
    expect(page.get_by_label(NIR_LABEL)).to_have_accessible_description(re.compile("numéro allocataire", re.IGNORECASE))
    expect(page.get_by_label(NIR_LABEL)).to_have_accessible_description(re.compile("carte Vitale", re.IGNORECASE))
    audit(browser, page)


def test_temporary_number_explains_what_to_do(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    answer = submit_sign_in(page, NIA, "Jardin75Bleu")
    assert 400 <= answer.status < 500, f"answered {answer.status}"
    assert_error_state(page, re.compile(r"32\s?30"))
    audit(browser, page)


def test_unknown_number_and_wrong_password_look_the_same(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    unknown = submit_sign_in(page, UNKNOWN_NIR, KARIM_PASSWORD)
    assert_error_state(page, WRONG_CREDENTIALS)
    unknown_messages = summary_messages(page)
    unknown_title = page.title()
    audit(browser, page)

    go_to_sign_in(page)
    wrong = submit_sign_in(page, KARIM_NIR, "Jardin75Rouge")
    assert_error_state(page, WRONG_CREDENTIALS)
    wrong_messages = summary_messages(page)
    audit(browser, page)

    assert re.fullmatch(re.escape(WRONG_CREDENTIALS) + r"\.?", unknown_messages[0]), unknown_messages
    assert unknown_messages == wrong_messages, f"unknown number: {unknown_messages}; wrong password: {wrong_messages}"
    assert unknown.status == wrong.status and 400 <= unknown.status < 500, (unknown.status, wrong.status)
    assert page.title() == unknown_title


def test_empty_form_shows_errors_for_both_fields(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    answer = submit_sign_in(page, "", "")
    assert 400 <= answer.status < 500, f"answered {answer.status}"
    assert_error_state(page)
    expect(page.get_by_label(NIR_LABEL)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(PASSWORD_LABEL)).to_have_attribute("aria-invalid", "true")
    audit(browser, page)


def test_six_wrong_passwords_get_a_page_that_says_how_long_to_wait(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    for attempt in range(1, 6):
        answer = submit_sign_in(page, KARIM_NIR, f"Mauvais{attempt}mot")
        assert 400 <= answer.status < 500 and answer.status != 429, f"attempt {attempt} answered {answer.status}"
        assert_error_state(page, WRONG_CREDENTIALS)
    answer = submit_sign_in(page, KARIM_NIR, "Mauvais6mot")
    assert answer.status == 429, f"the 6th wrong password answered {answer.status}, not 429"
    expect(page.locator("main")).to_contain_text(re.compile(r"\d+\s+minutes?"))
    audit(browser, page)


# --- JavaScript enhancements ----------------------------------------------------------


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_eye_button_shows_and_hides_the_password(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    password = page.get_by_label(PASSWORD_LABEL)
    password.fill("Jardin75Bleu")
    eye = page.get_by_role("button", name=SHOW_PASSWORD, exact=True)
    expect(eye).to_be_visible()
    expect(eye).to_have_attribute("type", "button")
    audit(browser, page)

    eye.click()
    hide = page.get_by_role("button", name=HIDE_PASSWORD, exact=True)
    expect(hide).to_be_visible()
    expect(password).to_have_attribute("type", "text")
    expect(password).to_have_value("Jardin75Bleu")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.locator(".error-summary")).to_have_count(0)
    audit(browser, page)

    hide.click()
    expect(page.get_by_role("button", name=SHOW_PASSWORD, exact=True)).to_be_visible()
    expect(password).to_have_attribute("type", "password")


@pytest.mark.parametrize("js", [False], ids=["nojs"])
def test_no_eye_button_without_javascript(page: Page) -> None:
    go_to_sign_in(page)
    expect(page.get_by_role("button", name=re.compile(r"(Afficher|Masquer) le mot de passe"))).to_have_count(0)
    expect(page.get_by_label(PASSWORD_LABEL)).to_have_attribute("type", "password")


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_live_message_while_typing_the_number(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    live = page.locator("#nir-live")
    expect(live).to_have_attribute("aria-live", "polite")
    nir = page.get_by_label(NIR_LABEL)
    handle = nir.element_handle()
    nir.press_sequentially(VERONIQUE_NUMERO_ALLOCATAIRE, delay=30)
    expect(live).to_contain_text(re.compile("numéro allocataire", re.IGNORECASE), timeout=5_000)
    expect(live).to_contain_text(re.compile("carte Vitale", re.IGNORECASE))
    # Nothing was submitted, and the field the person types in was left alone.
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.locator(".error-summary")).to_have_count(0)
    assert handle.evaluate("e => e.isConnected"), "the NIR input was replaced while typing"
    expect(nir).to_have_value(VERONIQUE_NUMERO_ALLOCATAIRE)
    expect(nir).to_be_focused()
    audit(browser, page)


# --- «Se souvenir de moi» ---------------------------------------------------------------


def test_remember_me_prefills_the_number_until_forgotten(browser: Browser, page: Page) -> None:
    go_to_sign_in(page)
    submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD, remember=True)
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/mon-compte$"))
    assert_signed_out(page)

    go_to_sign_in(page)
    nir = page.get_by_label(NIR_LABEL)
    assert digits_of(nir.input_value()) == digits_of(KARIM_NIR), f"prefilled with {nir.input_value()!r}"
    forget = page.get_by_role("button", name="Oublier ce numéro", exact=True)
    expect(forget).to_be_visible()
    audit(browser, page)

    forget.click()
    expect(page.get_by_role("button", name="Oublier ce numéro", exact=True)).to_have_count(0)
    expect(page.get_by_label(NIR_LABEL)).to_have_value("")
    go_to_sign_in(page)
    expect(page.get_by_label(NIR_LABEL)).to_have_value("")
    expect(page.get_by_role("button", name="Oublier ce numéro", exact=True)).to_have_count(0)
    audit(browser, page)
