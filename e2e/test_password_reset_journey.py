"""Issue 4, "How we will check": «Mot de passe oublié ?», as a person would do it on phone
screens, with JavaScript on and off.

Karim clicks «Mot de passe oublié ?» on the sign-in page, types his NIR, reads the code in
/dev/messages.json, types it, makes `Riviere42Nord` (with JavaScript on, the checklist
updates live), is told it worked and signs in with it; his old password fails; the reset
address replayed fails. An unknown NIR gets the same page and no message is sent.
Every page and every state met on the way goes through audit().

The demo data is recreated before and after each test that changes Karim (`fresh_demo`).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from e2e.helpers import button, click_and_wait, outbox  # small steps shared by the e2e files
from e2e.helpers import CODE_LABEL, NEW_PASSWORD_LABEL, CONFIRM_LABEL  # exact texts shared by the e2e files
from e2e.helpers import (
    KARIM_NAME,
    KARIM_NIR,
    KARIM_PASSWORD,
    NIR_LABEL,
    VIEWPORTS,
    WRONG_CREDENTIALS,
    assert_error_state,
    audit,
    submit_sign_in,
)

W320, W412 = VIEWPORTS["320"], VIEWPORTS["412"]
NEW_PASSWORD = "Riviere42Nord"
UNKNOWN_NIR = "1 80 01 69 123 045"  # well formed, nobody has it
KARIM_MOBILE_DIGITS = "612345678"

FORGOTTEN_LINK = re.compile(r"^Mot de passe oublié\s?\?$")
START_HEADING = "Mot de passe oublié"
CODE_HEADING = "Le code reçu"
CHOOSE_HEADING = "Mon nouveau mot de passe"
EXPIRED_HEADING = "Ce lien ne marche plus"
SENT_TO = re.compile(r"par (SMS au numéro suivant|mail à l['’]adresse suivante)\s?:\s?(\S+(?: •• •• •• \d\d)?)")
# The shapes domain/masking.py gives real contacts and decoys alike.
SMS_SHAPE = re.compile(r"•• •• •• •• \d\d")
MAIL_SHAPE = re.compile(r"[a-z]?•••@([a-z0-9.-]+\.[a-z]+|•••)")
SUCCESS = re.compile(r"Votre nouveau mot de passe est enregistré")
RULES = ("8 à 24 caractères", "1 lettre minuscule", "1 lettre majuscule", "1 chiffre",
         "chiffres et lettres uniquement")


# --- Fixtures and small steps ----------------------------------------------------------------


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def code_in(message: dict) -> str:
    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", message["body"])
    assert len(codes) == 1, f"no single 6-digit code in {message['body']!r}"
    return codes[0]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def rule(page: Page, label: str) -> Locator:
    item = page.locator("[data-rule]").filter(has_text=re.compile(rf"^\s*{re.escape(label)}(?![\w])"))
    expect(item).to_have_count(1)
    return item


def sent_to(page: Page) -> tuple[str, str]:
    """(channel, the partly hidden destination) the code page names."""
    text = " ".join(page.locator("main").inner_text().split())
    match = SENT_TO.search(text)
    assert match, f"the code page does not say where the code went: {text!r}"
    return ("sms" if "SMS" in match.group(1) else "mail"), match.group(2).rstrip(".")


def open_start_from_sign_in(browser: Browser, page: Page) -> None:
    page.goto("/connexion")
    expect(page.get_by_label(NIR_LABEL)).to_be_visible()
    audit(browser, page)
    page.get_by_role("link", name=FORGOTTEN_LINK).click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie$"))
    expect(h1(page)).to_have_text(START_HEADING)


def ask_code(page: Page, nir: str) -> Response:
    page.get_by_label(NIR_LABEL).fill(nir)
    return click_and_wait(page, button(page, "Recevoir un code"))


def code_page_shape(page: Page) -> dict:
    """What a stranger could compare between two numbers on the code page."""
    channel, destination = sent_to(page)
    main = page.locator("main")
    return {
        "title": re.sub(r"SMS|mail", "<canal>", page.title()),
        "h1": h1(page).inner_text(),
        "headings": main.get_by_role("heading").all_inner_texts(),
        "buttons": main.get_by_role("button").all_inner_texts(),
        "links": main.get_by_role("link").all_inner_texts(),
        "fields": main.locator("input:not([type=hidden])").count(),
        "text": " ".join(main.inner_text().replace(destination, "<où>").split())
        .replace("SMS au numéro suivant", "<canal>").replace("mail à l'adresse suivante", "<canal>")
        .replace("reçu par SMS", "reçu par <canal>").replace("reçu par mail", "reçu par <canal>"),
        "shape": bool((SMS_SHAPE if channel == "sms" else MAIL_SHAPE).fullmatch(destination)),
    }


# --- The main path --------------------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [(W320, True), (W320, False)], ids=["w320-js", "w320-nojs"])
def test_karim_resets_his_password_and_signs_in_with_it(browser: Browser, page: Page, js: bool,
                                                        fresh_demo) -> None:
    open_start_from_sign_in(browser, page)
    expect(page.get_by_label(NIR_LABEL)).to_have_attribute("autocomplete", "username")
    audit(browser, page)

    # A mistake first: nothing typed.
    answer = click_and_wait(page, button(page, "Recevoir un code"))
    assert answer.status == 400, f"an empty number answered {answer.status}"
    assert_error_state(page, re.compile("Écrivez votre numéro de sécurité sociale"))
    audit(browser, page)

    before = outbox(page)
    answer = ask_code(page, KARIM_NIR)
    assert answer.status in (302, 303), f"«Recevoir un code» answered {answer.status}"
    expect(h1(page)).to_have_text(CODE_HEADING)
    channel, destination = sent_to(page)
    assert (channel, destination) == ("sms", "•• •• •• •• 78"), (channel, destination)
    content = page.content()
    for whole in ("06 12 34 56 78", "0612345678", KARIM_MOBILE_DIGITS, "karim.b@example.org"):
        assert whole not in content, f"the code page shows {whole!r}"
    field = page.get_by_label(CODE_LABEL)
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("type", "text")
    audit(browser, page)

    new = [m for m in outbox(page) if m not in before]
    assert len(new) == 1, f"expected one message, got {new!r}"
    assert new[0]["channel"] == "sms" and new[0]["to"].endswith(KARIM_MOBILE_DIGITS), new[0]
    code = code_in(new[0])

    if js:  # the live field says what is missing while typing, never whether it is right
        live = page.locator("#code-live")
        expect(live).to_have_attribute("aria-live", "polite")
        field.press_sequentially(code[:3], delay=40)
        expect(live).to_contain_text("Il manque 3 chiffres.")
        expect(page.locator(".error-summary")).to_have_count(0)
        audit(browser, page)
        field.fill("")

    field.fill(other_code(code))
    answer = click_and_wait(page, button(page, "Valider le code"))
    assert answer.status == 400, f"a wrong code answered {answer.status}"
    assert_error_state(page, re.compile(r"n['’]est pas le bon.*Il vous reste 4 essais"))
    audit(browser, page)

    page.get_by_label(CODE_LABEL).fill(code)
    answer = click_and_wait(page, button(page, "Valider le code"))
    assert answer.status in (302, 303), f"the right code answered {answer.status}"
    expect(h1(page)).to_have_text(CHOOSE_HEADING)
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/nouveau/[^/]+$"))
    reset_url = page.url
    for label in RULES:
        expect(rule(page, label)).to_have_attribute("data-valid", "false")
    audit(browser, page)

    new_field = page.get_by_label(NEW_PASSWORD_LABEL, exact=True)
    confirm = page.get_by_label(CONFIRM_LABEL, exact=True)
    if js:  # the shared checklist follows the typing
        new_field.click()
        new_field.press_sequentially("riviere", delay=40)
        expect(rule(page, "1 lettre minuscule")).to_have_attribute("data-valid", "true")
        for label in ("8 à 24 caractères", "1 lettre majuscule", "1 chiffre"):
            expect(rule(page, label)).to_have_attribute("data-valid", "false")
        audit(browser, page)
        new_field.fill("")
        new_field.press_sequentially(NEW_PASSWORD, delay=30)
        for label in RULES:
            expect(rule(page, label)).to_have_attribute("data-valid", "true")
        expect(new_field).to_be_focused()
        confirm.press_sequentially(NEW_PASSWORD, delay=20)
        expect(page.locator("#password-match")).to_contain_text("Les 2 mots de passe sont identiques.")
        audit(browser, page)
    else:  # without JavaScript, the rules are checked when the form is sent
        new_field.fill(NEW_PASSWORD)
        confirm.fill(NEW_PASSWORD + "x")
        answer = click_and_wait(page, button(page, "Enregistrer mon mot de passe"))
        assert answer.status == 400, f"two different passwords answered {answer.status}"
        assert_error_state(page, re.compile("pas identiques"))
        for label in RULES:
            expect(rule(page, label)).to_have_attribute("data-valid", "true")
        audit(browser, page)
        page.get_by_label(NEW_PASSWORD_LABEL, exact=True).fill(NEW_PASSWORD)
        page.get_by_label(CONFIRM_LABEL, exact=True).fill(NEW_PASSWORD)

    answer = click_and_wait(page, button(page, "Enregistrer mon mot de passe"))
    assert answer.status in (302, 303), f"«{NEW_PASSWORD}» answered {answer.status}"
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.locator("main")).to_contain_text(SUCCESS)
    audit(browser, page)

    # The old password no longer works…
    answer = submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    assert answer.status == 401, f"the old password answered {answer.status}"
    assert_error_state(page, WRONG_CREDENTIALS)
    # …the new one does.
    answer = submit_sign_in(page, KARIM_NIR, NEW_PASSWORD)
    assert answer.status in (302, 303), f"the new password answered {answer.status}"
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text(KARIM_NAME)

    # The reset address, replayed, is dead.
    response = page.goto(reset_url)
    assert response is not None and response.status == 400, f"the replayed link answered {response and response.status}"
    expect(h1(page)).to_have_text(EXPIRED_HEADING)
    expect(page.get_by_role("link", name=re.compile(r"^Recommencer"))).to_be_visible()
    audit(browser, page)


@pytest.mark.parametrize(("viewport", "js"), [(W320, False), (W412, True)], ids=["w320-nojs", "w412-js"])
def test_an_unknown_number_gets_the_same_page_and_no_message(browser: Browser, page: Page, new_page,
                                                             viewport, js: bool, fresh_demo) -> None:
    # Karim first, in a browser of his own.
    karim = new_page(viewport, js)
    karim.goto("/mot-de-passe-oublie")
    before = outbox(karim)
    ask_code(karim, KARIM_NIR)
    expect(h1(karim)).to_have_text(CODE_HEADING)
    karim_shape = code_page_shape(karim)
    assert len(outbox(karim)) == len(before) + 1

    open_start_from_sign_in(browser, page)
    audit(browser, page)
    if js:  # the number is checked live, as on the sign-in page
        field = page.get_by_label(NIR_LABEL)
        field.press_sequentially("7654321", delay=30)
        expect(page.locator("#nir-live")).to_contain_text(re.compile("numéro allocataire", re.IGNORECASE))
        expect(page.locator(".error-summary")).to_have_count(0)
        expect(field).to_be_focused()
        audit(browser, page)
    before = outbox(page)
    answer = ask_code(page, UNKNOWN_NIR)
    assert answer.status in (302, 303), f"an unknown number answered {answer.status}"
    expect(h1(page)).to_have_text(CODE_HEADING)
    unknown_shape = code_page_shape(page)
    assert unknown_shape["shape"], f"the made-up destination looks different: {sent_to(page)}"
    assert unknown_shape == karim_shape
    audit(browser, page)

    # A code typed: the same answer as a wrong code for Karim.
    page.get_by_label(CODE_LABEL).fill("123456")
    answer = click_and_wait(page, button(page, "Valider le code"))
    assert answer.status == 400
    assert_error_state(page, re.compile(r"n['’]est pas le bon.*Il vous reste 4 essais"))
    audit(browser, page)
    assert outbox(page) == before, "a message was sent for a number without an account"


@pytest.mark.parametrize(("viewport", "js"), [(W412, False)], ids=["w412-nojs"])
def test_new_code_at_once_says_the_wait(browser: Browser, page: Page, fresh_demo) -> None:
    page.goto("/mot-de-passe-oublie")
    audit(browser, page)
    ask_code(page, KARIM_NIR)
    expect(h1(page)).to_have_text(CODE_HEADING)
    audit(browser, page)
    answer = click_and_wait(page, button(page, "Demander l'envoi d'un nouveau code"))
    assert answer.status == 429, f"a new code at once answered {answer.status}"
    expect(page.locator(".error-summary")).to_contain_text(re.compile(r"Attendez \d+ secondes?"))
    expect(page.get_by_label(CODE_LABEL)).to_be_visible()
    audit(browser, page)
