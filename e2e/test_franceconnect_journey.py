"""Issue 5, "How we will check": «S'identifier avec FranceConnect» in a real browser, on a
phone screen (320 CSS px), against a real OpenID Connect provider (oidc-provider-mock,
the stand-in `make run` uses, started here on a free port).

The full redirect dance: our button → the provider's page → pick the identity → back to
linking on our sign-in page → NIR + password → «Mon Compte»; «Se déconnecter» → the
provider's end-session page → back to our sign-in page; a second FranceConnect sign-in
goes straight to «Mon Compte»; «Deny» at the provider; a replayed return address.

Every page of OUR app goes through audit() (axe, reflow, touch targets, requests); the
provider's pages are not ours and are never audited. e2e/conftest.py builds its app with
fixed settings, so this module has its own `app` and `base_url` (same pattern) with
FRANCECONNECT_ISSUER pointing at the provider.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import A  # exact texts shared by the e2e files
from e2e.helpers import KARIM_NAME, KARIM_NIR, KARIM_PASSWORD, VIEWPORTS, audit, submit_sign_in
from e2e.fc_app import app, base_url, fc_provider  # noqa: F401  (module fixtures)
from tests.fc_provider import KARIM_SUB, VERONIQUE_SUB

W320 = VIEWPORTS["320"]
FC_BUTTON = re.compile(rf"^S{A}identifier avec FranceConnect$")
FC_HELP = re.compile(rf"^Qu{A}est-ce que FranceConnect \?")
LINKING = re.compile(r"Pour relier FranceConnect à votre compte Caf, connectez-vous une seule fois")
NO_LINK = "Ne pas relier FranceConnect"
LINKED = re.compile(r"Votre compte FranceConnect est maintenant relié à votre compte Caf")
LOGGED_OUT = "Vous êtes déconnecté de Mon Compte et de FranceConnect"
STATE_PROBLEM = "Cette connexion ne marche plus"
REFUSED = "Connexion avec FranceConnect annulée"


# --- fixtures: the provider, the app + server pointed at it (e2e/fc_app.py) --------------


@pytest.fixture
def phone(new_page, base_url: str, fc_provider) -> Callable[..., Page]:
    """new_page(W320, js) that also logs the requests and the pages opened in order, and
    never waits for the provider's stylesheet from a CDN (not ours, and offline here)."""

    def factory(js: bool = True) -> Page:
        page = new_page(W320, js)
        page.context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
        page.fc_log = []  # ("page", url) when the tab shows a new document, ("request", url)
        page.fc_callbacks = []

        def on_request(request) -> None:
            page.fc_log.append(("request", request.url))
            if "/franceconnect/retour?" in request.url:
                page.fc_callbacks.append(request.url)

        def on_navigated(frame) -> None:
            if frame == page.main_frame:
                page.fc_log.append(("page", frame.url))

        page.on("request", on_request)
        page.on("framenavigated", on_navigated)
        page.fc_base_url = base_url
        page.fc_issuer = fc_provider.issuer
        return page

    return factory


# --- steps ------------------------------------------------------------------------------------


def audit_ours(browser: Browser, page: Page) -> None:
    """audit() on a page of our app. Its third-party check then sees the requests made since
    this page was opened: the provider's pages, visited before, are not ours. (Navigations
    answered by our service worker do not show as page requests, so the start of the page
    is taken from the tab's own navigation.)"""
    ours = page.fc_base_url + "/"
    assert page.url.startswith(ours), f"not our page: {page.url}"
    opened = [i for i, (kind, url) in enumerate(page.fc_log) if kind == "page" and url.startswith(ours)]
    assert opened, "no page of ours was opened"
    page.e2e_requests = [url for kind, url in page.fc_log[opened[-1]:] if kind == "request"]
    audit(browser, page)


def press_franceconnect(page: Page) -> None:
    """Our button, and we are on the provider's authorization page."""
    page.get_by_role("button", name=FC_BUTTON).click()
    expect(page).to_have_url(re.compile("^" + re.escape(page.fc_issuer + "/oauth2/authorize?")))


def pick_identity(page: Page, sub: str) -> None:
    """On the provider's page: the button of a predefined identity."""
    page.get_by_role("button", name=sub, exact=True).click()
    expect(page).to_have_url(re.compile("^" + re.escape(page.fc_base_url + "/")))


def assert_franceconnect_block(page: Page) -> None:
    expect(page.get_by_role("button", name=FC_BUTTON)).to_be_visible()
    help_link = page.get_by_role("link", name=FC_HELP)
    expect(help_link).to_be_visible()
    expect(help_link).to_have_attribute("target", "_blank")
    expect(help_link).to_have_accessible_name(re.compile(r"nouvelle fenêtre"))


# --- the journeys -------------------------------------------------------------------------------


def test_link_once_then_franceconnect_alone_and_logout_at_the_provider(
        browser: Browser, phone, fresh_demo) -> None:
    page = phone(js=True)
    page.goto("/connexion")
    assert_franceconnect_block(page)
    audit_ours(browser, page)

    # First time: the provider, Karim's identity, back to linking on our sign-in page.
    press_franceconnect(page)
    pick_identity(page, KARIM_SUB)
    expect(page).to_have_url(re.compile(r"/connexion$"))
    notice = page.locator("main")
    expect(notice).to_contain_text("Vous êtes identifié avec FranceConnect : Karim B.")
    expect(notice).to_contain_text(LINKING)
    expect(page.get_by_role("button", name=NO_LINK)).to_be_visible()
    audit_ours(browser, page)

    submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.get_by_role("heading", level=1, name="Mon Compte")).to_be_visible()
    expect(page.locator("main")).to_contain_text(KARIM_NAME)
    expect(page.locator("main")).to_contain_text(LINKED)
    expect(page.get_by_role("button", name="Délier FranceConnect")).to_be_visible()
    audit_ours(browser, page)

    # «Se déconnecter» passes by the provider's logout, then back to us.
    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    expect(page).to_have_url(re.compile("^" + re.escape(page.fc_issuer + "/oauth2/end_session?")))
    assert "id_token_hint=" in page.url and "state=" in page.url and "post_logout_redirect_uri=" in page.url
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.locator("main")).to_contain_text(LOGGED_OUT)
    audit_ours(browser, page)
    page.goto("/mon-compte")
    expect(page).to_have_url(re.compile(r"/connexion$"))

    # Second time: FranceConnect alone, straight to «Mon Compte».
    press_franceconnect(page)
    pick_identity(page, KARIM_SUB)
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text(KARIM_NAME)
    expect(page.locator("main")).not_to_contain_text(LINKED)
    audit_ours(browser, page)

    # The return address of that sign-in, opened again: refused in plain words.
    assert page.fc_callbacks, "no return from the provider was seen"
    replay = page.goto(page.fc_callbacks[-1])
    assert replay is not None and replay.status == 400, replay and replay.status
    expect(page.get_by_role("heading", level=1, name=STATE_PROBLEM)).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter", exact=True)).to_have_attribute("href", "/connexion")
    audit_ours(browser, page)

    # «Délier FranceConnect» on «Mon Compte».
    page.goto("/mon-compte")
    page.get_by_role("button", name="Délier FranceConnect").click()
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text("FranceConnect n'est plus relié à votre compte")
    expect(page.get_by_role("button", name="Délier FranceConnect")).to_have_count(0)
    audit_ours(browser, page)


def test_linking_works_without_javascript(browser: Browser, phone, fresh_demo) -> None:
    page = phone(js=False)
    page.goto("/connexion")
    assert_franceconnect_block(page)
    audit_ours(browser, page)
    press_franceconnect(page)
    pick_identity(page, KARIM_SUB)
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.locator("main")).to_contain_text(LINKING)
    audit_ours(browser, page)
    submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text(LINKED)
    audit_ours(browser, page)


def test_deny_at_the_provider_from_other_ways(browser: Browser, phone) -> None:
    page = phone(js=True)
    page.goto("/autre-mode-de-connexion")
    assert_franceconnect_block(page)
    audit_ours(browser, page)
    press_franceconnect(page)
    with page.expect_response(lambda r: "/franceconnect/retour?" in r.url) as answer:
        page.get_by_role("button", name="Deny").click()
    assert answer.value.status == 400, answer.value.status
    assert "error=access_denied" in answer.value.url
    expect(page.get_by_role("heading", level=1, name=REFUSED)).to_be_visible()
    audit_ours(browser, page)
    page.get_by_role("link", name="Se connecter", exact=True).click()
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.get_by_role("button", name=FC_BUTTON)).to_be_visible()


def test_do_not_link_forgets_the_franceconnect_identity(browser: Browser, phone, fresh_demo) -> None:
    page = phone(js=True)
    page.goto("/connexion")
    press_franceconnect(page)
    pick_identity(page, VERONIQUE_SUB)
    expect(page.locator("main")).to_contain_text("Vous êtes identifié avec FranceConnect : Véronique F.")
    page.get_by_role("button", name=NO_LINK).click()
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.locator("main")).not_to_contain_text(LINKING)
    expect(page.get_by_role("button", name=FC_BUTTON)).to_be_visible()
    audit_ours(browser, page)


def test_the_franceconnect_block_reflows_with_text_at_200_percent(new_page, fc_provider) -> None:
    """falc.md: nothing scrolls sideways at 200 % text zoom (the 412 px phone, as in
    e2e/test_home_and_layout.py)."""
    from e2e.helpers import assert_no_sideways_scroll

    page = new_page(VIEWPORTS["412"], True)
    page.goto("/autre-mode-de-connexion")
    expect(page.get_by_role("button", name=FC_BUTTON)).to_be_visible()
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    assert_no_sideways_scroll(page, label="/autre-mode-de-connexion with text at 200%")
