"""Accueil and the layout every page shares: skip link, «Accessibilité», reflow,
touch targets, visible focus, page weight, no third-party request."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import (
    VIEWPORTS,
    KARIM_NIR,
    KARIM_PASSWORD,
    MAX_PAGE_BYTES,
    NIR_LABEL,
    assert_keyboard_focus_visible,
    assert_no_sideways_scroll,
    audit,
    first_visit_weight,
    submit_sign_in,
)


def test_home_explains_the_change_and_leads_to_sign_in(browser: Browser, page: Page) -> None:
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Je suis allocataire de la Caf")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Allocataire, ça veut dire que j['’]ai un compte Caf\."))).to_be_visible()
    audit(browser, page)

    page.get_by_role("link", name="Se connecter", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.get_by_label(NIR_LABEL)).to_be_visible()
    audit(browser, page)


def test_skip_link_goes_to_the_main_content(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_count(1)
    assert skip.evaluate("e => e.tagName") == "A", "the first Tab does not land on a link"
    href = skip.get_attribute("href") or ""
    assert href.startswith("#") and len(href) > 1, f"first link goes to {href!r}, not to the content"
    target = page.locator(f'[id="{href[1:]}"]')
    expect(target).to_have_count(1)
    assert target.evaluate("e => e.tagName === 'MAIN' || !!e.closest('main')"), (
        f"skip link target {href} is not the main content"
    )
    # While focused it is visible on screen, and big enough to tap.
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44, f"focused skip link is {box}"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')"), (
        "after the skip link, Tab does not go to the main content but to "
        + page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    )


@pytest.mark.parametrize("start", ["/", "/connexion"])
def test_accessibility_link_in_header(browser: Browser, page: Page, start: str) -> None:
    page.goto(start)
    page.locator("header").get_by_role("link", name="Accessibilité", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accessibilite$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")
    audit(browser, page)


@pytest.mark.parametrize("path", ["/", "/connexion"])
def test_keyboard_focus_is_visible(page: Page, path: str) -> None:
    page.goto(path)
    reached = assert_keyboard_focus_visible(page)
    assert reached >= 3, f"only {reached} elements reachable with Tab on {path}"


def test_page_titles_are_unique(new_page) -> None:
    page = new_page(VIEWPORTS["320"], js=False)
    titles = {}
    for path in ["/", "/connexion", "/accessibilite"]:
        page.goto(path)
        titles[path] = page.title()
    page.goto("/connexion")
    submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    titles["/mon-compte"] = page.title()
    assert all(titles.values()), titles
    assert len(set(titles.values())) == len(titles), f"pages share a title: {titles}"


@pytest.mark.parametrize("path", ["/", "/connexion", "/accessibilite"])
def test_first_visit_weighs_30_kb_at_most(browser: Browser, base_url: str, viewport, path: str) -> None:
    size = first_visit_weight(browser, base_url + path, viewport)
    assert size <= MAX_PAGE_BYTES, f"{path} weighs {size} bytes on a first visit (limit {MAX_PAGE_BYTES})"


def test_signed_in_account_page_weighs_30_kb_at_most(browser: Browser, base_url: str, new_page, viewport) -> None:
    page = new_page(viewport, js=False)
    page.goto("/connexion")
    submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    state = page.context.storage_state()
    size = first_visit_weight(browser, base_url + "/mon-compte", viewport, storage_state=state, label="/mon-compte (signed in)")
    assert size <= MAX_PAGE_BYTES, f"/mon-compte weighs {size} bytes on a first visit (limit {MAX_PAGE_BYTES})"


@pytest.mark.parametrize("path", ["/", "/connexion", "/accessibilite"])
def test_no_sideways_scroll_with_text_at_200_percent(new_page, path: str) -> None:
    """falc.md: nothing scrolls sideways at 200 % text zoom. Checked on the 412 px
    phone, as an Android phone with its font size set to 200 % shows the page."""
    page = new_page(VIEWPORTS["412"], js=True)
    page.goto(path)
    before = page.evaluate("() => getComputedStyle(document.body).fontSize")
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    after = page.evaluate("() => getComputedStyle(document.body).fontSize")
    assert float(after[:-2]) >= 2 * float(before[:-2]) - 0.5, (
        f"body text does not follow the root size ({before} -> {after}): use rem/em so text zoom works"
    )
    assert_no_sideways_scroll(page, label=f"{path} with text at 200%")
