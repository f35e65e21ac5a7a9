"""Issue 3, "How we will check": the first sign-in after the change (guide steps 4–10).

CGU → new password (live checklist) → contact details → verification code → «Mon Compte»,
as a new user would do it on phone screens, with JavaScript on and off. Every page and
every state met on the way (each error, each live message, the 429) goes through audit().

The demo accounts are created once per session; every test that moves Véronique or
Marie-Ange along the journey uses `fresh_demo`, which recreates them before and after.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from e2e.helpers import button, click_and_wait, outbox, sign_in  # small steps shared by the e2e files
from e2e.helpers import A, CGU_CHECKBOX, CODE_LABEL, NEW_PASSWORD_LABEL, CONFIRM_LABEL, VERONIQUE_MAIL  # exact texts shared by the e2e files
from e2e.helpers import (
    MARIE_ANGE_NIR,
    MARIE_ANGE_OLD_PASSWORD,
    NIR_LABEL,
    VERONIQUE_NIR,
    VERONIQUE_OLD_PASSWORD,
    VIEWPORTS,
    WRONG_CREDENTIALS,
    ERROR_TITLE,
    assert_error_state,
    audit,
    is_document_post,
    )

W320, W412 = VIEWPORTS["320"], VIEWPORTS["412"]

NEW_PASSWORD = "Soleil2Mars"
COMMON_PASSWORD = "Password1"
MARIE_ANGE_MOBILE = "06 12 34 56 78"

# Exact visible texts (journey.md pages 3–7). Straight or typographic apostrophes.
CGU_HEADING = re.compile(rf"^Conditions générales d{A}utilisation$")
REQUIRED_SENTENCE = "Tous les champs sont obligatoires, sauf mention contraire."
PASSWORD_HEADING = "Mon mot de passe"
CONTACT_HEADING = "Coordonnées de contact"
MAIL_PRIVACY = re.compile(
    r"En aucun cas, votre adresse mail ne sera transmise à des tiers ou utilisée à des fins commerciales\."
)
CODE_SENT_BY_MAIL = re.compile(rf"Nous venons de vous envoyer un code de vérification par mail à l{A}adresse suivante")
CODE_LABEL_MAIL = "Code de vérification reçu par mail"
CODE_LABEL_SMS = "Code de vérification reçu par SMS"
NOTHING_RECEIVED = re.compile(rf"^Vous n{A}avez rien reçu\s?\?$")
NEW_CODE_BUTTON = re.compile(rf"^Demander l{A}envoi d{A}un nouveau code$")
CHANGE_CONTACT_BUTTON = re.compile(r"^Modifier vos coordonnées de contact$")
EYE = re.compile(r"^(Afficher|Masquer) le mot de passe$")
WAIT_IN_WORDS = re.compile(r"Attendez\s+(\d+)\s+secondes?")
DEAD_CODE = re.compile(r"ne marche plus", re.IGNORECASE)
# The four rules that `abc` shows, by their exact label in the checklist.
RULE_LENGTH, RULE_LOWER, RULE_UPPER, RULE_DIGIT = (
    "8 à 24 caractères", "1 lettre minuscule", "1 lettre majuscule", "1 chiffre")

JS_320, JS_412, NOJS_320, NOJS_412 = (
    (W320, True), (W412, True), (W320, False), (W412, False))


# --- Fixtures and small steps --------------------------------------------------------------


@pytest.fixture
def reset_limiter(app) -> Callable[[], None]:
    """Forget every rate-limit counter (the server runs in this process)."""
    from services.limiter import limiter

    def reset() -> None:
        with app.app_context():
            limiter.reset()

    return reset


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def expect_cgu(page: Page) -> None:
    expect(h1(page)).to_have_text(CGU_HEADING)


def expect_password_page(page: Page) -> None:
    expect(h1(page)).to_have_text(PASSWORD_HEADING)


def expect_contact_page(page: Page) -> None:
    expect(h1(page)).to_have_text(CONTACT_HEADING)


def expect_code_page(page: Page) -> None:
    expect(page.get_by_label(CODE_LABEL)).to_be_visible()


def expect_mon_compte(page: Page, name: str = "VERONIQUE F.") -> None:
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(h1(page)).to_have_text("Mon Compte")
    expect(page.locator("main")).to_contain_text(name)


def accept_cgu(page: Page) -> None:
    expect_cgu(page)
    page.get_by_label(CGU_CHECKBOX).check()
    click_and_wait(page, button(page, "Continuer"))
    expect_password_page(page)


def let_live_requests_settle(page: Page) -> None:
    """A person takes longer than the live debounce (300 ms) to reach the button: wait for
    the live request the last keystroke started, so that it never races the form post
    (that race is test_live_request_does_not_race_the_form_post)."""
    if getattr(page, "e2e_js", True):
        page.wait_for_timeout(400)
        page.wait_for_function("() => !document.querySelector('.htmx-request')")


def choose_password(page: Page, password: str, confirm: str | None = None) -> Response:
    page.get_by_label(NEW_PASSWORD_LABEL, exact=True).fill(password)
    page.get_by_label(CONFIRM_LABEL, exact=True).fill(password if confirm is None else confirm)
    let_live_requests_settle(page)
    return click_and_wait(page, button(page, "Continuer"))


def give_contact(page: Page, mail: str = "", mobile: str = "") -> Response:
    page.get_by_label("Téléphone portable", exact=True).fill(mobile)
    page.get_by_label("Adresse mail", exact=True).fill(mail)
    return click_and_wait(page, button(page, "Continuer"))


def submit_code(page: Page, code: str) -> Response:
    page.get_by_label(CODE_LABEL).fill(code)
    let_live_requests_settle(page)
    return click_and_wait(page, button(page, "Valider le code"))


def to_code_page(page: Page, nir: str = VERONIQUE_NIR, old: str = VERONIQUE_OLD_PASSWORD,
                 mail: str = VERONIQUE_MAIL, mobile: str = "") -> list[dict]:
    """Straight to the verification page, no checks on the way; the outbox as it was before
    the code was sent."""
    sign_in(page, nir, old)
    accept_cgu(page)
    choose_password(page, NEW_PASSWORD)
    expect_contact_page(page)
    before = outbox(page)
    give_contact(page, mail=mail, mobile=mobile)
    expect_code_page(page)
    return before


# --- The development outbox --------------------------------------------------------------


def sent_since(page: Page, before: list[dict]) -> list[dict]:
    """Messages that were not in the outbox before, newest first."""
    return [m for m in outbox(page) if m not in before]


def code_in(message: dict) -> str:
    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", message["body"])
    assert len(codes) == 1, f"no single 6-digit code in the message: {message['body']!r}"
    return codes[0]


def new_code_sent(page: Page, before: list[dict], to: str, channel: str = "mail") -> str:
    """The code of the one message sent since `before`, checking where it went."""
    new = sent_since(page, before)
    assert len(new) == 1, f"expected 1 new message in the outbox, found {len(new)}: {new!r}"
    message = new[0]
    for key in ("to", "channel", "body", "sent_at"):
        assert key in message, f"outbox message has no {key!r}: {message!r}"
    assert message["channel"] == channel, f"sent by {message['channel']!r}, expected {channel!r}"
    if channel == "mail":
        assert message["to"] == to, f"sent to {message['to']!r}, expected {to!r}"
    else:
        assert re.sub(r"\D", "", message["to"]).endswith(re.sub(r"\D", "", to)[1:]), (
            f"SMS sent to {message['to']!r}, expected {to!r}")
    return code_in(message)


def other_code(code: str, k: int = 1) -> str:
    return f"{(int(code) + k) % 1_000_000:06d}"


# --- Live regions ----------------------------------------------------------------------


def live_region_of(page: Page, field: Locator) -> Locator:
    """The polite live region the field is described by (it exists from page load)."""
    ids = (field.get_attribute("aria-describedby") or "").split()
    for ref in ids:
        region = page.locator(f'[id="{ref}"]')
        if region.count() and region.get_attribute("aria-live") == "polite":
            return region
    raise AssertionError(f"field {field.get_attribute('id')!r} is described by no aria-live=polite region ({ids})")


def visible_text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def type_and_read_live(page: Page, field: Locator, text: str, live: Locator, path: str) -> tuple[str, str]:
    """Type `text` in the field; wait for the live answer about exactly that text.
    Returns (the server's fragment, the live region's text once swapped in)."""
    field.fill("")
    with page.expect_response(
        lambda r: path in r.url and r.request.method == "POST"
        and f"code={text}" in (r.request.post_data or "")
    ) as answer:
        field.press_sequentially(text, delay=40)
    body = answer.value.text()
    expect(live).to_have_text(visible_text(body))
    return body, " ".join(live.inner_text().split())


def rule(page: Page, label: str) -> Locator:
    item = page.locator("[data-rule]").filter(has_text=re.compile(rf"^\s*{re.escape(label)}(?![\w])"))
    expect(item).to_have_count(1)
    return item


def state_words(item: Locator, label: str) -> str:
    """What the rule says besides its label: its state in words."""
    text = " ".join(item.inner_text().split())
    return text.replace(label, "", 1).strip(" :")


# --- 1. CGU -------------------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, JS_412, NOJS_320, NOJS_412],
                         ids=["w320-js", "w412-js", "w320-nojs", "w412-nojs"])
def test_cgu_refused_until_ticked_then_keyboard_tick_continues(
        browser: Browser, page: Page, fresh_demo) -> None:
    answer = sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    assert answer.status in (302, 303), f"sign-in answered {answer.status}"
    expect_cgu(page)
    main = page.locator("main")
    expect(page).to_have_title(re.compile(rf"Conditions générales d{A}utilisation"))
    expect(page).to_have_title(re.compile(r"^Étape 1 sur 4"))
    expect(main.locator('[aria-current="step"]')).to_contain_text("Mon profil")
    expect(main).to_contain_text(REQUIRED_SENTENCE)
    checkbox = page.get_by_label(CGU_CHECKBOX)
    expect(checkbox).to_have_attribute("type", "checkbox")
    expect(checkbox).not_to_be_checked()
    expect(button(page, "Quitter")).to_be_visible()
    expect(button(page, "Continuer")).to_be_visible()
    audit(browser, page)

    answer = click_and_wait(page, button(page, "Continuer"))
    assert 400 <= answer.status < 500, f"«Continuer» without the tick answered {answer.status}"
    expect_cgu(page)
    assert_error_state(page, re.compile("coch", re.IGNORECASE))
    expect(page).to_have_title(ERROR_TITLE)
    expect(page.get_by_label(CGU_CHECKBOX)).to_have_attribute("aria-invalid", "true")
    audit(browser, page)

    # With the keyboard only: Space ticks the box, Tab goes to «Continuer», Enter sends.
    checkbox = page.get_by_label(CGU_CHECKBOX)
    checkbox.focus()
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    page.keyboard.press("Tab")
    expect(button(page, "Continuer")).to_be_focused()
    with page.expect_navigation(wait_until="load"), page.expect_response(is_document_post) as sent:
        page.keyboard.press("Enter")
    assert sent.value.status in (302, 303), f"ticked CGU answered {sent.value.status}"
    expect_password_page(page)
    expect(page).not_to_have_title(ERROR_TITLE)
    audit(browser, page)


# --- 2. The new password -----------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, JS_412], ids=["w320-js", "w412-js"])
def test_password_checklist_is_live_while_typing(browser: Browser, page: Page, fresh_demo) -> None:
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    accept_cgu(page)
    field = page.get_by_label(NEW_PASSWORD_LABEL, exact=True)
    confirm = page.get_by_label(CONFIRM_LABEL, exact=True)
    for f in (field, confirm):
        expect(f).to_have_attribute("type", "password")
        expect(f).to_have_attribute("autocomplete", "new-password")
    rules_region = live_region_of(page, field)
    match_region = live_region_of(page, confirm)
    assert rules_region.get_attribute("id") != match_region.get_attribute("id")
    expect(page.locator("[data-rule]")).not_to_have_count(0)
    expect(rule(page, RULE_LOWER)).to_have_attribute("data-valid", "false")  # nothing typed yet
    # Both fields have their own eye.
    eyes = page.locator("main").get_by_role("button", name="Afficher le mot de passe", exact=True)
    expect(eyes).to_have_count(2)
    controlled = sorted(eyes.nth(i).get_attribute("aria-controls") or "" for i in range(2))
    assert controlled == sorted([field.get_attribute("id"), confirm.get_attribute("id")]), (
        f"the eyes control {controlled}, not both password fields")
    audit(browser, page)

    handle = field.element_handle()
    field.click()
    field.press_sequentially("abc", delay=150)
    lower = rule(page, RULE_LOWER)
    expect(lower).to_have_attribute("data-valid", "true")
    for label in (RULE_LENGTH, RULE_UPPER, RULE_DIGIT):
        expect(rule(page, label)).to_have_attribute("data-valid", "false")
    # Nothing was submitted, and the field the person types in was left alone.
    expect(page.locator(".error-summary")).to_have_count(0)
    expect_password_page(page)
    assert handle.evaluate("e => e.isConnected"), "the password input was replaced while typing"
    assert handle.evaluate("e => e === document.activeElement"), "focus left the password field"
    expect(field).to_be_focused()
    expect(field).to_have_value("abc")
    # Each state in words, not only in colour: met and not met read differently.
    met = state_words(rule(page, RULE_LOWER), RULE_LOWER)
    for label in (RULE_LENGTH, RULE_UPPER, RULE_DIGIT):
        unmet = state_words(rule(page, label), label)
        assert unmet and re.search(r"\w", unmet), f"rule «{label}» shows no words for its state"
        assert unmet != met, f"rule «{label}» (not met) says {unmet!r}, like a met rule"
    assert met and re.search(r"\w", met), f"rule «{RULE_LOWER}» shows no words for its state"
    audit(browser, page)

    # The confirmation tells live whether both match.
    confirm_handle = confirm.element_handle()
    confirm.click()
    confirm.press_sequentially("abd", delay=120)
    expect(match_region).to_contain_text(re.compile(r"pas (encore )?identiques", re.IGNORECASE))
    mismatch = " ".join(match_region.inner_text().split())
    audit(browser, page)
    confirm.press("Backspace")
    confirm.press_sequentially("c", delay=50)
    expect(match_region).to_contain_text(re.compile(r"identiques", re.IGNORECASE))
    expect(match_region).not_to_contain_text(re.compile(r"\bpas\b", re.IGNORECASE))
    assert " ".join(match_region.inner_text().split()) != mismatch
    assert confirm_handle.evaluate("e => e.isConnected"), "the confirmation input was replaced while typing"
    expect(confirm).to_be_focused()
    expect_password_page(page)
    audit(browser, page)

    # The eye shows the password and hides it again.
    eyes.first.click()
    expect(field).to_have_attribute("type", "text")
    expect(field).to_have_value("abc")
    page.locator("main").get_by_role("button", name="Masquer le mot de passe", exact=True).click()
    expect(field).to_have_attribute("type", "password")


@pytest.mark.parametrize(("viewport", "js"), [NOJS_320, NOJS_412], ids=["w320-nojs", "w412-nojs"])
def test_password_rules_checked_on_submit_without_javascript(browser: Browser, page: Page, fresh_demo) -> None:
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    accept_cgu(page)
    expect(page.locator("main").get_by_role("button", name=EYE)).to_have_count(0)
    field = page.get_by_label(NEW_PASSWORD_LABEL, exact=True)
    field.fill("abc")
    page.wait_for_timeout(700)  # longer than any debounce: nothing may change without a submit
    expect(rule(page, RULE_LOWER)).to_have_attribute("data-valid", "false")

    answer = choose_password(page, "abc")
    assert 400 <= answer.status < 500, f"«abc» answered {answer.status}"
    expect_password_page(page)
    assert_error_state(page, re.compile(r"24 caractères"), re.compile("majuscule"), re.compile("chiffre"))
    expect(rule(page, RULE_LOWER)).to_have_attribute("data-valid", "true")
    for label in (RULE_LENGTH, RULE_UPPER, RULE_DIGIT):
        expect(rule(page, label)).to_have_attribute("data-valid", "false")
        assert state_words(rule(page, label), label) != state_words(rule(page, RULE_LOWER), RULE_LOWER)
    expect(page.locator("main").get_by_role("button", name=EYE)).to_have_count(0)
    audit(browser, page)

    answer = choose_password(page, COMMON_PASSWORD)
    assert 400 <= answer.status < 500, f"«{COMMON_PASSWORD}» answered {answer.status}"
    assert_error_state(page, re.compile("trop connu"))
    audit(browser, page)

    answer = choose_password(page, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert 400 <= answer.status < 500, f"two different passwords answered {answer.status}"
    assert_error_state(page)
    expect(page.get_by_label(CONFIRM_LABEL, exact=True)).to_have_attribute("aria-invalid", "true")
    audit(browser, page)

    choose_password(page, NEW_PASSWORD)
    expect_contact_page(page)


# --- 3 + 4. The whole journey ------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, JS_412, NOJS_320], ids=["w320-js", "w412-js", "w320-nojs"])
def test_veronique_first_login_to_mon_compte(browser: Browser, page: Page, js: bool, fresh_demo) -> None:
    main = page.locator("main")
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    expect_cgu(page)
    audit(browser, page)
    click_and_wait(page, button(page, "Continuer"))
    assert_error_state(page)
    accept_cgu(page)
    audit(browser, page)

    # Mon mot de passe: `abc` live (JavaScript on), `Password1` refused as too common.
    field = page.get_by_label(NEW_PASSWORD_LABEL, exact=True)
    if js:
        field.press_sequentially("abc", delay=120)
        for label in (RULE_LENGTH, RULE_UPPER, RULE_DIGIT):
            expect(rule(page, label)).to_have_attribute("data-valid", "false")
        expect(rule(page, RULE_LOWER)).to_have_attribute("data-valid", "true")
        expect(page.locator(".error-summary")).to_have_count(0)
        audit(browser, page)
    answer = choose_password(page, COMMON_PASSWORD)
    assert 400 <= answer.status < 500, f"«{COMMON_PASSWORD}» answered {answer.status}"
    expect_password_page(page)
    assert_error_state(page, re.compile("trop connu"))
    audit(browser, page)
    answer = choose_password(page, NEW_PASSWORD)
    assert answer.status in (302, 303), f"«{NEW_PASSWORD}» answered {answer.status}"

    # Coordonnées de contact.
    expect_contact_page(page)
    expect(page).to_have_title(re.compile(r"Étape 2 sur 4"))
    stepper = main.locator("nav, ol").filter(has_text="Mon profil").first
    expect(stepper).to_contain_text(re.compile(r"1\s*Mon profil[\s\S]*2\s*Contact[\s\S]*3\s*Saisie[\s\S]*4\s*Fin"))
    expect(main).to_contain_text("Étape 2 sur 4")
    expect(main.locator('[aria-current="step"]')).to_contain_text("Contact")
    for label in ("Téléphone portable", "Autre téléphone", "Adresse mail"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_label("Téléphone portable", exact=True)).to_have_attribute("autocomplete", "tel")
    expect(page.get_by_label("Adresse mail", exact=True)).to_have_attribute("autocomplete", "email")
    expect(main).to_contain_text(MAIL_PRIVACY)
    expect(main).to_contain_text(REQUIRED_SENTENCE)
    expect(button(page, "Quitter")).to_be_visible()
    audit(browser, page)

    before = outbox(page)
    answer = give_contact(page)
    assert 400 <= answer.status < 500, f"an empty contact form answered {answer.status}"
    expect_contact_page(page)
    assert_error_state(page, re.compile("portable"), re.compile("mail"))
    expect(page).to_have_title(re.compile(r"^Erreur\s?:.*Étape 2 sur 4"))
    assert sent_since(page, before) == [], "an empty contact form sent a message"
    audit(browser, page)

    answer = give_contact(page, mail=VERONIQUE_MAIL)
    assert answer.status in (302, 303), f"the contact form answered {answer.status}"

    # Vérification.
    expect_code_page(page)
    stepper = main.locator("nav, ol").filter(has_text="Mon profil").first
    expect(stepper).to_contain_text(re.compile(r"1\s*Mon profil[\s\S]*2\s*Contact[\s\S]*3\s*Saisie[\s\S]*4\s*Fin"))
    expect(main).to_contain_text("Étape 3 sur 4")
    expect(main.locator('[aria-current="step"]')).to_contain_text("Saisie")
    expect(page).to_have_title(re.compile(r"Étape 3 sur 4"))
    expect(main).to_contain_text(CODE_SENT_BY_MAIL)
    expect(main).to_contain_text(VERONIQUE_MAIL)
    code_field = page.get_by_label(CODE_LABEL_MAIL, exact=True)
    expect(code_field).to_be_visible()
    expect(code_field).to_have_attribute("type", "text")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(button(page, "Valider le code")).to_be_visible()
    expect(main.get_by_text(NOTHING_RECEIVED)).to_be_visible()
    expect(button(page, NEW_CODE_BUTTON)).to_be_visible()
    expect(button(page, CHANGE_CONTACT_BUTTON)).to_be_visible()
    audit(browser, page)
    code = new_code_sent(page, before, VERONIQUE_MAIL)
    wrong = other_code(code)

    if js:
        live = live_region_of(page, code_field)
        handle = code_field.element_handle()
        code_field.click()
        code_field.press_sequentially("12", delay=120)
        expect(live).to_contain_text("Il manque 4 chiffres")
        assert handle.evaluate("e => e.isConnected"), "the code input was replaced while typing"
        expect(code_field).to_be_focused()
        expect(page.locator(".error-summary")).to_have_count(0)
        audit(browser, page)
        # The live words never tell whether the code is right.
        wrong_body, wrong_text = type_and_read_live(page, code_field, wrong, live, "/saisie")
        right_body, right_text = type_and_read_live(page, code_field, code, live, "/saisie")
        assert right_text == wrong_text, (
            f"the live message tells the right code ({right_text!r}) from a wrong one ({wrong_text!r})")
        assert right_body == wrong_body, "the live answer for the right code differs from a wrong one"
        expect(page).not_to_have_url(re.compile(r"/mon-compte$"))
        audit(browser, page)

    answer = submit_code(page, wrong)
    assert 400 <= answer.status < 500, f"a wrong code answered {answer.status}"
    expect_code_page(page)
    assert_error_state(page)
    audit(browser, page)

    answer = submit_code(page, code)
    assert answer.status in (302, 303), f"the right code answered {answer.status}"
    expect_mon_compte(page)
    expect(main).to_contain_text(re.compile(r"(?<!\d)58(,00)?\s?€"))
    audit(browser, page)

    # After the journey the old password no longer works; the new one does.
    click_and_wait(page, page.get_by_role("button", name="Se déconnecter", exact=True))
    expect(page).to_have_url(re.compile(r"/connexion$"))
    answer = sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    assert 400 <= answer.status < 500, f"the old password answered {answer.status}"
    assert_error_state(page, WRONG_CREDENTIALS)
    audit(browser, page)
    answer = sign_in(page, VERONIQUE_NIR, NEW_PASSWORD)
    assert answer.status in (302, 303), f"the new password answered {answer.status}"
    expect_mon_compte(page)
    expect(main).to_contain_text(re.compile(r"(?<!\d)58(,00)?\s?€"))


# --- 5. Resuming after the password step -------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, NOJS_320], ids=["w320-js", "w320-nojs"])
def test_closing_after_the_password_resumes_at_contact(
        browser: Browser, new_page, viewport, js: bool, fresh_demo) -> None:
    page = new_page(viewport, js)
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    accept_cgu(page)
    choose_password(page, NEW_PASSWORD)
    expect_contact_page(page)
    page.context.close()  # the person closes the browser

    page = new_page(viewport, js)
    answer = sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    assert 400 <= answer.status < 500, f"the old password still works once the new one exists ({answer.status})"
    assert_error_state(page, WRONG_CREDENTIALS)
    answer = sign_in(page, VERONIQUE_NIR, NEW_PASSWORD)
    assert answer.status in (302, 303), f"the new password answered {answer.status}"
    expect_contact_page(page)
    audit(browser, page)
    # Typing another step's address by hand leads back to the current step.
    for path in ("/premiere-connexion/conditions", "/premiere-connexion/mot-de-passe",
                 "/premiere-connexion/code", "/mon-compte"):
        page.goto(path)
        expect_contact_page(page)


# --- 6. Five wrong codes kill the code -----------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, NOJS_320], ids=["w320-js", "w320-nojs"])
def test_five_wrong_codes_kill_the_code(browser: Browser, page: Page, fresh_demo, reset_limiter) -> None:
    before = to_code_page(page)
    code = new_code_sent(page, before, VERONIQUE_MAIL)
    for k in range(1, 6):
        answer = submit_code(page, other_code(code, k))
        assert 400 <= answer.status < 500, f"wrong code {k} answered {answer.status}"
        expect_code_page(page)
        assert_error_state(page)
        if k == 1:
            audit(browser, page)

    answer = submit_code(page, code)
    assert 400 <= answer.status < 500, f"the right code after 5 wrong ones answered {answer.status}"
    expect(page).not_to_have_url(re.compile(r"/mon-compte$"))
    expect_code_page(page)
    assert_error_state(page, DEAD_CODE)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(re.compile(r"nouveau code", re.IGNORECASE))
    new_code = button(page, NEW_CODE_BUTTON)
    expect(new_code).to_be_visible()
    audit(browser, page)
    page.goto("/mon-compte")
    expect_code_page(page)

    # The new code offered works (the limiter is reset: the first code was sent seconds ago).
    reset_limiter()
    before = outbox(page)
    answer = click_and_wait(page, button(page, NEW_CODE_BUTTON))
    assert answer.status in (302, 303), f"«Demander l'envoi d'un nouveau code» answered {answer.status}"
    expect_code_page(page)
    audit(browser, page)
    fresh = new_code_sent(page, before, VERONIQUE_MAIL)
    answer = submit_code(page, fresh)
    assert answer.status in (302, 303), f"the new code answered {answer.status}"
    expect_mon_compte(page)


# --- 6b. A message that did not leave (issue 14) -----------------------------------------
NOT_SENT = re.compile(rf"Le message n{A}est pas parti\. Demandez un nouveau code\.")


@pytest.mark.parametrize(("viewport", "js"), [JS_320, NOJS_320], ids=["w320-js", "w320-nojs"])
def test_a_message_that_did_not_leave_is_said_and_a_new_code_goes(
        browser: Browser, page: Page, app, js: bool, fresh_demo, reset_limiter) -> None:
    """The mail server does not answer: the worker gives up after its tries; the code page
    says so, on load and (JS) in the live check; once it answers, a new code goes."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=closed,
                      SMTP_STARTTLS=False)
    try:
        to_code_page(page)
    finally:
        app.config.update(saved)
    expect(page.locator(".error-summary")).to_contain_text(NOT_SENT)
    audit(browser, page)
    if js:
        page.get_by_label(CODE_LABEL_MAIL).press_sequentially("12", delay=30)
        expect(page.locator("#code-live")).to_contain_text(NOT_SENT)
        audit(browser, page)
    page.reload()
    expect(page.locator(".error-summary")).to_contain_text(NOT_SENT)

    reset_limiter()
    before = outbox(page)
    answer = click_and_wait(page, button(page, NEW_CODE_BUTTON))
    assert answer.status in (302, 303), f"«Demander l'envoi d'un nouveau code» answered {answer.status}"
    expect_code_page(page)
    expect(page.get_by_text(NOT_SENT)).to_have_count(0)
    audit(browser, page)
    answer = submit_code(page, new_code_sent(page, before, VERONIQUE_MAIL))
    assert answer.status in (302, 303), f"the new code answered {answer.status}"
    expect_mon_compte(page)


# --- 7. New codes at least 30 s apart ----------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, JS_412, NOJS_320], ids=["w320-js", "w412-js", "w320-nojs"])
def test_second_new_code_within_30_seconds_is_refused_with_the_wait(
        browser: Browser, page: Page, fresh_demo, reset_limiter) -> None:
    to_code_page(page)
    reset_limiter()  # the contact form just sent a code; start the 30 s from the first click

    before = outbox(page)
    answer = click_and_wait(page, button(page, NEW_CODE_BUTTON))
    assert answer.status in (302, 303), f"the first new-code request answered {answer.status}"
    expect_code_page(page)
    first = new_code_sent(page, before, VERONIQUE_MAIL)

    before = outbox(page)
    answer = click_and_wait(page, button(page, NEW_CODE_BUTTON))
    assert answer.status == 429, f"a second new-code request within 30 s answered {answer.status}, not 429"
    main = page.locator("main")
    expect(main).to_contain_text(WAIT_IN_WORDS)
    seconds = int(WAIT_IN_WORDS.search(main.inner_text()).group(1))
    assert 1 <= seconds <= 30, f"the page asks to wait {seconds} seconds"
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(WAIT_IN_WORDS)
    if getattr(page, "e2e_js", True):
        expect(summary).to_be_focused()
    expect(page).to_have_title(ERROR_TITLE)
    assert sent_since(page, before) == [], "the refused request sent a message anyway"
    audit(browser, page)

    # Enter in the address bar (a GET of the form's address), then a reload of the page it
    # leads to: always the code field and the wait, never «Demande impossible» (issue 16).
    assert page.url.endswith("/code/nouveau"), page.url
    answer = page.goto(page.url)
    assert answer is not None and answer.status == 200, f"Enter on the form's address answered {answer.status}"
    assert answer.request.redirected_from is not None, "a GET of the form's address must redirect"
    expect(page).to_have_url(re.compile(r"/premiere-connexion/code$"))
    expect(page.locator("main")).not_to_contain_text("Demande impossible")
    expect(page.locator(".error-summary")).to_contain_text(WAIT_IN_WORDS)
    audit(browser, page)
    page.reload()
    expect(page.locator(".error-summary")).to_contain_text(WAIT_IN_WORDS)
    assert sent_since(page, before) == [], "a reload sent a message"

    # The page is still usable: the code of the first click works.
    expect_code_page(page)
    answer = submit_code(page, first)
    assert answer.status in (302, 303), f"the code after a 429 answered {answer.status}"
    expect_mon_compte(page)


# --- 8. «Quitter» ----------------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, NOJS_320], ids=["w320-js", "w320-nojs"])
def test_quitter_signs_out_and_the_next_sign_in_resumes(browser: Browser, page: Page, fresh_demo) -> None:
    def quit_and_check(check_page: bool = False) -> None:
        answer = click_and_wait(page, button(page, "Quitter"))
        assert answer.status in (302, 303), f"«Quitter» answered {answer.status}"
        expect(page).to_have_url(re.compile(r"/connexion$"))
        expect(page.get_by_label(NIR_LABEL)).to_be_visible()
        expect(page.locator("main")).to_contain_text(re.compile("déconnecté", re.IGNORECASE))
        if check_page:
            audit(browser, page)
        page.goto("/premiere-connexion")
        expect(page).to_have_url(re.compile(r"/connexion$"))

    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    expect_cgu(page)
    audit(browser, page)
    quit_and_check(check_page=True)
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    expect_cgu(page)

    # What was done is kept: quitting at the password step comes back there.
    accept_cgu(page)
    quit_and_check()
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    expect_password_page(page)
    choose_password(page, NEW_PASSWORD)
    expect_contact_page(page)
    quit_and_check()
    sign_in(page, VERONIQUE_NIR, NEW_PASSWORD)
    expect_contact_page(page)


# --- 9. The code by SMS ------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320, NOJS_320], ids=["w320-js", "w320-nojs"])
def test_marie_ange_gets_her_code_by_sms(browser: Browser, page: Page, fresh_demo) -> None:
    before = to_code_page(page, MARIE_ANGE_NIR, MARIE_ANGE_OLD_PASSWORD, mail="", mobile=MARIE_ANGE_MOBILE)
    field = page.get_by_label(CODE_LABEL_SMS, exact=True)
    expect(field).to_be_visible()
    expect(page.get_by_label(CODE_LABEL_MAIL, exact=True)).to_have_count(0)
    main = page.locator("main")
    sentence = main.locator("p").filter(has_text="SMS").filter(has_text=re.compile(r"envoyer un code")).first
    expect(sentence).to_be_visible()
    text = " ".join(sentence.inner_text().split())
    assert re.search(r"78", text), f"the SMS sentence does not show any of the mobile: {text!r}"
    whole_number = re.compile(r"(\+\s?33\s?|0)6[\s.\-]?12[\s.\-]?34[\s.\-]?56[\s.\-]?78")
    assert not whole_number.search(main.inner_text()), "the whole mobile number is on the page"
    assert not whole_number.search(page.content()), "the whole mobile number is in the page's HTML"
    audit(browser, page)

    code = new_code_sent(page, before, MARIE_ANGE_MOBILE, channel="sms")
    answer = submit_code(page, code)
    assert answer.status in (302, 303), f"the SMS code answered {answer.status}"
    expect_mon_compte(page, "MARIE-ANGE S.")


# --- A live request must not race the form post ----------------------------------------------


@pytest.mark.parametrize(("viewport", "js"), [JS_320], ids=["w320-js"])
def test_live_request_does_not_race_the_form_post(page: Page, fresh_demo) -> None:
    sign_in(page, VERONIQUE_NIR, VERONIQUE_OLD_PASSWORD)
    accept_cgu(page)

    def slow_network(route) -> None:
        """The server gets the post at once; its answer takes 1 s to come back."""
        if route.request.method != "POST" or route.request.resource_type != "document":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        time.sleep(1.0)
        try:
            route.fulfill(response=answer)
        except Exception:  # the browser gave up on this navigation meanwhile
            pass

    page.route(re.compile(r"/premiere-connexion/mot-de-passe$"), slow_network)
    events: list[str] = []
    page.on("request", lambda r: events.append(f"{r.method} {urlsplit(r.url).path} ({r.resource_type})"))
    page.get_by_label(NEW_PASSWORD_LABEL, exact=True).fill(NEW_PASSWORD)
    page.get_by_label(CONFIRM_LABEL, exact=True).fill(NEW_PASSWORD)
    button(page, "Continuer").click()  # at once, as a person pressing Enter would
    expect_contact_page(page)
    page.wait_for_timeout(300)
    posted = next(i for i, e in enumerate(events) if e.startswith("POST") and "(document)" in e)
    late = [e for e in events[posted + 1:] if "/regles" in e]
    assert late == [], f"live requests sent after «Continuer» was pressed: {late} (all requests: {events})"
    documents = [e for e in events[posted + 1:] if "(document)" in e]
    assert len(documents) == 1, f"the next page was loaded more than once: {documents}"
