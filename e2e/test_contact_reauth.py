"""Issue 15, items 5 and 6, in a real browser at 320 px, JavaScript on and off: Karim, signed
in more than 5 minutes ago, changes his mail; «Confirmez avec votre mot de passe» comes
first (a wrong password, then the right one), then the code step. And the page a person
gets after too many statements. axe (WCAG 2.1 A and AA), reflow and 44 px targets on each
(helpers.audit).
"""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import (KARIM_NAME, KARIM_NIR, KARIM_PASSWORD, VIEWPORTS, assert_error_state,
                         audit, button, click_and_wait, outbox, submit_sign_in)

W320 = VIEWPORTS["320"]
NEW_MAIL = "karim.nouveau@example.org"
PASSWORD_STEP = re.compile(r"/mon-compte/coordonnees/mot-de-passe$")


def sign_in_karim(page: Page) -> None:
    page.goto("/connexion")
    assert submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD).status == 303
    expect(page.locator("main")).to_contain_text(KARIM_NAME)


def karim_id(app) -> int:
    from services.accounts import find_account

    with app.app_context():
        return find_account(nir=KARIM_NIR.replace(" ", "")).id


def age_sign_in(app, account_id: int, minutes: int) -> None:
    """The server's clock: this account's sessions were signed in `minutes` earlier."""
    from datetime import timedelta

    from services.database import db

    with app.app_context():
        store = app.session_interface.store
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        for digest, owner, _, _ in store.records():
            if owner != account_id:
                continue
            record = store.get(digest)
            data = json.loads(record.data)
            data["signed_in_at"] -= minutes * 60
            record.data = json.dumps(data)
            store.put(digest, record, idle)
        db.session.commit()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_an_old_sign_in_confirms_the_new_mail_with_the_password(app, browser: Browser, new_page, js: bool,
                                                                  fresh_demo) -> None:
    page = new_page(W320, js)
    sign_in_karim(page)
    age_sign_in(app, karim_id(app), 10)
    page.goto("/mon-compte/coordonnees")
    sent_before = len(outbox(page))
    page.get_by_label("Adresse mail").fill(NEW_MAIL)
    page.get_by_label("Par mail").check()
    assert click_and_wait(page, button(page, "Recevoir un code")).status == 303

    expect(page).to_have_url(PASSWORD_STEP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez avec votre mot de passe")
    main = page.locator("main")
    expect(main).to_contain_text(f"Adresse mail : {NEW_MAIL}")
    expect(main).to_contain_text(re.compile(rf"Ensuite, nous envoyons un code de vérification par mail à "
                                            rf"l.adresse {re.escape(NEW_MAIL)}\."))
    field = page.get_by_label("Mot de passe", exact=True)
    expect(field).to_have_attribute("autocomplete", "current-password")
    assert len(outbox(page)) == sent_before  # no code before the password
    audit(browser, page, state="coordonnées : confirmer avec le mot de passe")

    field.fill("PasLeBon123")
    assert click_and_wait(page, button(page, "Continuer")).status == 401
    assert_error_state(page, "Ce mot de passe n'est pas le bon.")
    assert len(outbox(page)) == sent_before
    expect(main).to_contain_text(f"Adresse mail : {NEW_MAIL}")  # what he typed is kept
    audit(browser, page, state="coordonnées : mot de passe faux")

    page.get_by_label("Mot de passe", exact=True).fill(KARIM_PASSWORD)
    assert click_and_wait(page, button(page, "Continuer")).status == 303
    expect(page.get_by_label("Code de vérification reçu par mail")).to_be_visible()
    expect(main).to_contain_text(NEW_MAIL)
    message = outbox(page)[0]
    assert (message["to"], message["channel"]) == (NEW_MAIL, "mail")
    page.reload()  # a reload shows the same step
    expect(page.get_by_label("Code de vérification reçu par mail")).to_be_visible()

    code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
    page.get_by_label("Code de vérification reçu par mail").fill(code)
    assert click_and_wait(page, button(page, "Valider le code")).status == 303
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.get_by_role("status")).to_contain_text("Vos nouvelles coordonnées sont confirmées")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_too_many_documents_is_a_page_with_the_wait_and_the_way_back(app, browser: Browser, new_page, js: bool,
                                                                       fresh_demo, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "DOCUMENT_LIMIT_PER_ACCOUNT", "1 per hour")
    page = new_page(W320, js)
    sign_in_karim(page)
    first = page.request.get("/mon-compte/releve.pdf")  # the browser's cookies
    assert first.status == 200 and first.headers["content-type"].startswith("application/pdf")
    answer = page.goto("/mon-compte/releve.pdf")
    assert answer is not None and answer.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Trop de documents demandés")
    expect(page.locator(".wait")).to_have_text(re.compile(r"^Attendez (\d+ minutes?|\d+ secondes?)\. "
                                                          r"Ensuite, vous pourrez les demander à nouveau\.$"))
    audit(browser, page, state="trop de documents demandés")
    back = page.locator("main").get_by_role("link", name="Revenir à Mon Compte", exact=True)
    back.click()
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text(KARIM_NAME)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_five_wrong_passwords_sign_out_with_a_page_that_says_what_to_do(app, browser: Browser, new_page,
                                                                       js: bool, fresh_demo) -> None:
    page = new_page(W320, js)
    sign_in_karim(page)
    age_sign_in(app, karim_id(app), 10)
    page.goto("/mon-compte/coordonnees")
    page.get_by_label("Adresse mail").fill(NEW_MAIL)
    assert click_and_wait(page, button(page, "Recevoir un code")).status == 303
    for _ in range(5):
        page.get_by_label("Mot de passe", exact=True).fill("PasLeBon123")
        assert click_and_wait(page, button(page, "Continuer")).status == 401
    page.get_by_label("Mot de passe", exact=True).fill("PasLeBon123")
    assert click_and_wait(page, button(page, "Continuer")).status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Trop d'essais")
    expect(page.locator("main")).to_contain_text("nous vous avons déconnecté")
    audit(browser, page, state="coordonnées : trop de mots de passe faux")
    page.goto("/mon-compte")
    expect(page).to_have_url(re.compile(r"/connexion$"))
