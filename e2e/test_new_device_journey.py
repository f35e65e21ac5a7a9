"""Issue 8, item 5: new-device confirmation, as production has it (NEW_DEVICE_CHECK on).
Karim signs in on a 320 px and a 412 px phone, JavaScript on and off: «Confirmer cet appareil», a wrong
code, the right one with «Se souvenir de cet appareil», Mon Compte; signed out, he signs in
again and goes straight to Mon Compte. Every state audited (axe, touch targets, reflow)."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import (KARIM_NAME, KARIM_NIR, KARIM_PASSWORD, VIEWPORTS, assert_error_state, audit,
                         build_app, is_document_post, serving, submit_sign_in)

DEVICE_PAGE = "/connexion/nouvel-appareil"
CODE_LABEL = "Code de vérification reçu par SMS"
REMEMBER_DEVICE = "Se souvenir de cet appareil pendant 30 jours"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return build_app(tmp_path_factory.mktemp("e2e-device-db"), NEW_DEVICE_CHECK=True)


@pytest.fixture(scope="module")
def base_url(app) -> Iterator[str]:
    with serving(app) as url:
        yield url


def newest_code(page: Page) -> str:
    messages = page.request.get("/dev/messages.json").json()
    assert "nouvel appareil" in messages[0]["body"], messages[0]
    return re.search(r"\b(\d{6})\b", messages[0]["body"]).group(1)


def press(page: Page, name: str) -> int:
    with page.expect_navigation(wait_until="load"), page.expect_response(is_document_post) as answer:
        page.locator("main").get_by_role("button", name=name, exact=True).click()
    return answer.value.status


# A page that came after the catalogue of e2e/test_accessibility_audit.py: audited here at
# both phone widths (issue 7: every page and every state at 320 and 412 px).
@pytest.mark.parametrize("viewport", [VIEWPORTS["320"], VIEWPORTS["412"]], ids=["w320", "w412"])
def test_karim_confirms_his_new_phone_then_is_not_asked_again(browser: Browser, page: Page):
    page.goto("/connexion")
    assert submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD).status == 303
    expect(page).to_have_url(re.compile(DEVICE_PAGE + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer cet appareil")
    expect(page.locator("main")).to_contain_text("•• •• •• •• 78")
    expect(page.get_by_label(REMEMBER_DEVICE)).not_to_be_checked()
    audit(browser, page, "device-check")

    code = newest_code(page)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label(CODE_LABEL).fill(wrong)
    assert press(page, "Valider le code") == 400
    assert_error_state(page, "Ce code n'est pas le bon. Vérifiez le code reçu. Il vous reste 4 essais.")
    audit(browser, page, "device-check-error-wrong")

    field = page.get_by_label(CODE_LABEL)
    field.fill("")
    field.press_sequentially(code[:3])
    if page.e2e_js:
        expect(page.locator("#code-live")).to_contain_text("Il manque 3 chiffres.")
    field.press_sequentially(code[3:])
    page.get_by_label(REMEMBER_DEVICE).check()
    assert press(page, "Valider le code") == 303
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text(KARIM_NAME)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["moncompte_device"]["httpOnly"] is True
    assert cookies["moncompte_device"]["sameSite"] == "Lax"

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Se déconnecter").first.click()
    expect(page).to_have_url(re.compile(r"/connexion$"))
    assert submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD).status == 303
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text(KARIM_NAME)
    audit(browser, page, "device-known")
