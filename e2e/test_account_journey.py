"""Issue 6, "How we will check": «Mon Compte» as a new user would, signed in as Karim on a
320 px phone (and 412 px for Mon Compte itself), JavaScript on and off: every link leads to
real content, the PDFs are PDFs, the details table has headers and fits, the session warning
appears and «Rester connecté» works, the app installs and has an offline page; axe and the
layout checks (helpers.audit) on every page and state.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import outbox  # small steps shared by the e2e files
from e2e.helpers import (
    age_sessions,
    KARIM_NAME,
    KARIM_NIR,
    KARIM_PASSWORD,
    VIEWPORTS,
    assert_error_state,
    assert_no_sideways_scroll,
    audit,
    is_document_post,
    submit_sign_in,
)

W320, W412 = VIEWPORTS["320"], VIEWPORTS["412"]
HOME = "/mon-compte"
PROLONG = "/session/prolonger"
NEW_MAIL = "karim.nouveau@example.org"


# --- fixtures and small steps ---------------------------------------------------------------

@pytest.fixture
def restore_demo(app) -> Iterator[None]:
    """Karim's letters, attestations and contact details as the demo data has them, after."""
    yield
    from services.demo import load_demo_data
    from services.limiter import limiter

    with app.app_context():
        load_demo_data()
        limiter.reset()


def sign_in_karim(page: Page) -> None:
    page.goto("/connexion")
    answer = submit_sign_in(page, KARIM_NIR, KARIM_PASSWORD)
    assert answer.status == 303, f"sign-in answered {answer.status}"
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("main")).to_contain_text(KARIM_NAME)


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def main_links(page: Page) -> list[tuple[str, str]]:
    """(words, address) of every link in <main>, in order."""
    return page.locator("main a[href]").evaluate_all(
        "els => els.map(a => [a.innerText.replace(/\\s+/g, ' ').trim(), a.getAttribute('href')])")


def click_form_button(page: Page, name: str | re.Pattern) -> int:
    """Press a form button; returns the status of the form post (before redirects)."""
    with page.expect_navigation(wait_until="load"), page.expect_response(is_document_post) as answer:
        page.locator("main").get_by_role("button", name=name).click()
    return answer.value.status


def assert_pdf(page: Page, href: str) -> None:
    response = page.request.get(href)
    assert response.status == 200, f"{href} answered {response.status}"
    assert response.headers["content-type"].startswith("application/pdf"), response.headers["content-type"]
    body = response.body()
    assert body.startswith(b"%PDF-"), f"{href} is not a PDF"
    assert b"/Lang (fr" in body


def assert_tables_fit(page: Page) -> None:
    """Each payments table: a caption, 3 column headers, and nothing past the window's edge."""
    tables = page.locator("main table")
    assert tables.count() >= 1
    width = page.viewport_size["width"]
    for i in range(tables.count()):
        table = tables.nth(i)
        expect(table.locator("caption")).to_be_visible()
        headers = table.get_by_role("columnheader")
        expect(headers).to_have_text(["Date", "Montant", "Versé à"])
        right = table.evaluate("t => t.getBoundingClientRect().right")
        assert right <= width + 0.5, f"table {i + 1} ends at {right}px in a {width}px window"
        for cell in ("caption", "th", "td"):
            clipped = table.locator(cell).evaluate_all(
                "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")
            assert not clipped, f"cut text in table {i + 1}: {clipped}"
    assert_no_sideways_scroll(page)


# --- every link of Mon Compte -----------------------------------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_every_link_of_mon_compte_leads_to_real_content_at_320(browser: Browser, new_page, js: bool,
                                                               restore_demo) -> None:
    page = new_page(W320, js)
    sign_in_karim(page)
    main = page.locator("main")
    expect(main).to_contain_text("Mon dernier paiement")
    expect(main).to_contain_text(re.compile(r"Mon relevé de compte PDF\s*\(PDF, \d+ Ko\)"))
    expect(page.get_by_text("Pour votre sécurité, la session se ferme après 30 minutes")).to_be_visible()
    expect(page.locator("#session-warning")).to_be_hidden()
    audit(browser, page)

    links = main_links(page)
    hrefs = [href for _, href in links]
    for needed in ("/mon-compte/allocations", "/mon-compte/releve.pdf", "/mon-compte/attestations",
                   "/mon-compte/courriers", "/mon-compte/coordonnees", "/installer-l-application"):
        assert needed in hrefs, f"Mon Compte has no link to {needed}: {links}"
    headings = {
        "/mon-compte/allocations": "Détail de mes allocations",
        "/mon-compte/attestations": "Mes attestations",
        "/mon-compte/courriers": "Mes courriers, courriels",
        "/mon-compte/coordonnees": "Mes coordonnées",
        "/installer-l-application": "Installer l'application Caf-Mon Compte",
    }
    for words, href in links:
        if href.endswith(".pdf"):
            assert_pdf(page, href)
            continue
        page.goto(href)
        expect(h1(page)).to_have_text(headings[href])
        audit(browser, page)
        if href == "/mon-compte/allocations":
            assert_tables_fit(page)
            expect(page.locator("main table")).to_have_count(2)
            expect(page.locator("main table").first.locator("tbody tr")).to_have_count(12)
            pdf = page.get_by_role("link", name="Télécharger ce relevé en PDF")
            assert_pdf(page, pdf.get_attribute("href"))
        if href == "/mon-compte/courriers":
            expect(main).to_contain_text("Pas encore lu.")
            first = main.locator("li.letter a").first
            subject = first.inner_text()
            first.click()
            expect(h1(page)).to_have_text(subject)
            audit(browser, page)
            page.get_by_role("link", name="Revenir à mes courriers").click()
            expect(main).not_to_contain_text("Pas encore lu.")
            audit(browser, page)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_mon_compte_and_the_details_at_412(browser: Browser, new_page, js: bool) -> None:
    page = new_page(W412, js)
    sign_in_karim(page)
    audit(browser, page)
    page.get_by_role("link", name="Voir le détail de mes allocations").click()
    expect(h1(page)).to_have_text("Détail de mes allocations")
    assert_tables_fit(page)
    audit(browser, page)


# --- the details: choosing a period, and a bad one ----------------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_choosing_a_period_of_the_details(browser: Browser, new_page, js: bool) -> None:
    page = new_page(W320, js)
    sign_in_karim(page)
    page.goto("/mon-compte/allocations")
    page.get_by_label("Du mois de").select_option("2026-01")
    page.get_by_label("Au mois de").select_option("2026-03")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Voir cette période").click()
    expect(page).to_have_url(re.compile(r"du=2026-01&au=2026-03"))
    expect(page.locator("main")).to_contain_text("du 1er janvier 2026 au 31 mars 2026")
    for i in range(2):
        expect(page.locator("main table").nth(i).locator("tbody tr")).to_have_count(3)
    expect(page.get_by_label("Du mois de")).to_have_value("2026-01")
    assert_tables_fit(page)
    audit(browser, page)

    page.goto("/mon-compte/allocations?du=2026-13&au=2026-01")
    assert_error_state(page, "Choisissez un mois dans la liste.")
    audit(browser, page)


# --- the attestation: download, then a landlord checks it ---------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_attestation_download_and_check_by_a_landlord(browser: Browser, new_page, js: bool,
                                                      restore_demo) -> None:
    page = new_page(W320, js)
    sign_in_karim(page)
    page.goto("/mon-compte/attestations")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger mon attestation (PDF)").click()
    download = download_info.value
    name = download.suggested_filename
    match = re.fullmatch(r"attestation-paiement-([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\.pdf", name)
    assert match, name
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    reference = match.group(1)
    page.reload()
    expect(page.locator("main")).to_contain_text(reference)
    audit(browser, page)

    landlord = new_page(W320, js)
    landlord.goto("/verifier-une-attestation")
    audit(browser, landlord)
    landlord.get_by_label("Référence de l'attestation").fill(reference.lower().replace("-", ""))
    with landlord.expect_navigation(wait_until="load"):
        landlord.get_by_role("button", name="Vérifier").click()
    expect(landlord.get_by_role("status")).to_contain_text("Cette attestation est vraie.")
    expect(landlord.get_by_role("status")).to_contain_text(KARIM_NAME)
    audit(browser, landlord)

    landlord.get_by_label("Référence de l'attestation").fill("ABCD-EFGH-JKLM")
    with landlord.expect_navigation(wait_until="load") as nav:
        landlord.get_by_role("button", name="Vérifier").click()
    assert nav.value.status == 404
    expect(landlord).to_have_title(re.compile(r"^Erreur\s?:\s"))
    expect(landlord.locator(".error-summary")).to_contain_text("Cette référence ne correspond à aucune attestation.")
    expect(landlord.get_by_label("Référence de l'attestation")).to_have_attribute("aria-invalid", "true")
    audit(browser, landlord)


# --- «Mes coordonnées»: a change confirmed by a code ----------------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_changing_the_mail_with_a_code(browser: Browser, new_page, js: bool, restore_demo) -> None:
    page = new_page(W320, js)
    sign_in_karim(page)
    page.goto("/mon-compte/coordonnees")
    page.get_by_label("Adresse mail").fill(NEW_MAIL)
    page.get_by_label("Par mail").check()
    assert click_form_button(page, "Recevoir un code") == 303
    expect(page.get_by_label("Code de vérification reçu par mail")).to_be_visible()
    expect(page.locator("main")).to_contain_text(NEW_MAIL)
    audit(browser, page)

    message = outbox(page)[0]
    assert (message["to"], message["channel"]) == (NEW_MAIL, "mail")
    code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("Code de vérification reçu par mail").fill(wrong)
    assert click_form_button(page, "Valider le code") == 400
    assert_error_state(page, "Ce code n'est pas le bon")
    expect(page.locator(".error-summary")).to_contain_text("Il vous reste 4 essais.")
    audit(browser, page)

    page.get_by_label("Code de vérification reçu par mail").fill(code)
    assert click_form_button(page, "Valider le code") == 303
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.get_by_role("status")).to_contain_text("Vos nouvelles coordonnées sont confirmées")
    audit(browser, page)
    told = outbox(page)[0]
    assert (told["to"], told["channel"]) == ("+33612345678", "sms")
    assert "ont changé" in told["body"]


# --- the session warning (JavaScript on: the page's own clock, made fast) --------------------------

def test_session_warning_appears_and_rester_connecte_keeps_the_session(app, browser: Browser, new_page) -> None:
    page = new_page(W320, True)
    page.clock.install()
    sign_in_karim(page)
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("27:50")
    expect(warning).to_be_hidden()  # not before 28 minutes
    page.clock.fast_forward("00:40")
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("Votre session va se fermer dans 2 minutes")
    stay = warning.get_by_role("button", name="Rester connecté", exact=True)
    expect(stay).to_be_focused()
    audit(browser, page)

    with page.expect_response(lambda r: r.url.endswith(PROLONG)) as answer:
        stay.click()
    assert answer.value.status == 204, f"«Rester connecté» answered {answer.value.status}"
    assert answer.value.request.method == "POST"
    expect(warning).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    audit(browser, page)
    # The page's clock started again: no warning 27 minutes later, one again at 28.
    page.clock.fast_forward("27:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("01:30")
    expect(warning).to_be_visible()
    # Still signed in on the server.
    assert page.request.get(HOME, max_redirects=0).status == 200


def test_at_the_end_of_the_session_the_page_leaves_personal_data(app, browser: Browser, new_page) -> None:
    from services.database import db
    from services.models import Account

    page = new_page(W320, True)
    page.clock.install()
    sign_in_karim(page)
    # Let the page settle first (the service worker fetches /hors-ligne when it installs),
    # so the first request after the time-out is the page's own.
    page.evaluate("() => 'serviceWorker' in navigator ? navigator.serviceWorker.ready.then(() => true) : true")
    page.wait_for_load_state("networkidle")
    # The server's clock: the session was last used 31 minutes ago.
    with app.app_context():
        karim_id = db.session.execute(db.select(Account.id).filter_by(nir=KARIM_NIR.replace(" ", ""))).scalar_one()
    assert age_sessions(app, 31, karim_id)
    page.clock.fast_forward("30:01")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.locator("main")).to_contain_text("votre session s'est fermée après 30 minutes")
    expect(page.locator("main")).not_to_contain_text(KARIM_NAME)
    audit(browser, page)


def test_without_script_the_time_limit_is_said_and_no_warning_shows(browser: Browser, new_page) -> None:
    page = new_page(W320, False)
    sign_in_karim(page)
    expect(page.get_by_text("la session se ferme après 30 minutes sans activité")).to_be_visible()
    expect(page.locator("#session-warning")).to_be_hidden()


# --- the installable app ------------------------------------------------------------------------

def test_install_help_and_manifest(browser: Browser, new_page) -> None:
    page = new_page(W320, True)
    page.goto("/installer-l-application")
    expect(h1(page)).to_have_text("Installer l'application Caf-Mon Compte")
    expect(page.get_by_role("heading", name="Sur un téléphone Android")).to_be_visible()
    expect(page.get_by_role("heading", name="Sur un iPhone")).to_be_visible()
    audit(browser, page)
    href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text())
    assert manifest["lang"] == "fr" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert page.request.get(icon["src"]).ok, icon["src"]


def test_offline_page(browser: Browser, new_page) -> None:
    page = new_page(W320, True)
    page.goto("/hors-ligne")
    expect(h1(page)).to_have_text("Pas de connexion internet")
    audit(browser, page)


def test_service_worker_shows_the_offline_page_without_network(browser: Browser, new_page) -> None:
    page = new_page(W412, True)
    sign_in_karim(page)
    supported = page.evaluate("() => 'serviceWorker' in navigator")
    if not supported:
        pytest.skip("this headless Chromium has no service worker support")
    active = page.evaluate("""() => Promise.race([
        navigator.serviceWorker.ready.then(r => !!r.active),
        new Promise(resolve => setTimeout(() => resolve(false), 5000))])""")
    assert active, "the service worker did not register and activate from Mon Compte"
    scopes = page.evaluate("() => navigator.serviceWorker.getRegistrations().then(rs => rs.map(r => r.scope))")
    assert any(s.rstrip("/").endswith(page.url.split("/mon-compte")[0].rstrip("/")) for s in scopes), scopes
    page.reload()
    assert page.evaluate("() => !!navigator.serviceWorker.controller"), "the page is not controlled after a reload"
    # Only the offline page is kept on the phone: no account data.
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
        }
        return urls; }""")
    assert cached == ["/hors-ligne"], cached

    page.context.set_offline(True)
    try:
        try:
            page.goto("/mon-compte/courriers")
        except Exception as error:  # the browser's own error page: the SW did not answer
            pytest.fail(f"offline navigation was not answered by the service worker: {error}")
        expect(h1(page)).to_have_text("Pas de connexion internet")
        expect(page.locator("main")).not_to_contain_text(KARIM_NAME)
        audit(browser, page)
    finally:
        page.context.set_offline(False)
