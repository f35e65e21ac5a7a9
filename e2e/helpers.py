"""Checks shared by every browser test: accessibility, layout, weight, sign-in.

Each check asserts what a person (or an auditor) would notice, and says on failure
exactly which element or request is at fault.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect

from e2e import a11y_report

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
MAX_PAGE_BYTES = 30 * 1024
VIEWPORTS = {"320": {"width": 320, "height": 568}, "412": {"width": 412, "height": 915}}
MIN_TARGET_PX = 44

# The demo accounts of docs/journey.md.
KARIM_NIR = "1 75 01 69 123 045"
KARIM_PASSWORD = "Jardin75Bleu"
KARIM_NAME = "KARIM B."
VERONIQUE_NIR = "2 84 05 75 108 123"
VERONIQUE_OLD_PASSWORD = "24681357"
VERONIQUE_NUMERO_ALLOCATAIRE = "1234567"
MARIE_ANGE_NIR = "2 92 09 2A 004 071"
MARIE_ANGE_OLD_PASSWORD = "13572468"
VERONIQUE_MAIL = "veronique.f@example.org"

# Exact texts of the first-login and code pages (docs/journey.md), shared by the e2e files.
# Straight or typographic apostrophes.
A = "['’]"
CGU_CHECKBOX = re.compile(rf"^J{A}ai pris connaissance des conditions générales d{A}utilisation et je les accepte$")
NEW_PASSWORD_LABEL = "Nouveau mot de passe"
CONFIRM_LABEL = "Confirmation du nouveau mot de passe"
CODE_LABEL = re.compile(r"^Code de vérification reçu par (mail|SMS)$")

# Exact visible texts (docs/journey.md). Labels are matched from their start so a
# button called «Afficher le mot de passe» never answers for the field «Mot de passe».
NIR_LABEL = re.compile(r"^Numéro de sécurité sociale", re.IGNORECASE)
PASSWORD_LABEL = re.compile(r"^Mot de passe", re.IGNORECASE)
REMEMBER_LABEL = "Se souvenir de moi"
WRONG_CREDENTIALS = "Numéro de sécurité sociale ou mot de passe incorrect"
ERROR_TITLE = re.compile(r"^Erreur\s?:\s")

_axe = Axe()

# Layout checks in the page itself. They only read the DOM synchronously, which
# Playwright can do even when the page's own JavaScript is switched off.
_TOUCH_TARGETS_JS = r"""
(min) => {
  const hidden = (el, r) => {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') return true;
    if (r.width <= 1 || r.height <= 1) return true;        // visually hidden text
    if (r.right <= 0 || r.bottom <= 0) return true;        // parked off-screen
    for (let n = el.parentElement; n; n = n.parentElement) {  // inside a visually hidden box
      const b = n.getBoundingClientRect(), c = getComputedStyle(n);
      if ((c.overflow !== 'visible' || c.clip !== 'auto') && (b.width <= 1 || b.height <= 1)) return true;
    }
    return false;
  };
  // WCAG 2.5.5 exception: a link inside a sentence (p or li with words around it).
  const inSentence = (a) => {
    const block = a.parentElement && a.parentElement.closest('p, li');
    if (!block) return false;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!a.contains(n) && /[\p{L}\p{N}]/u.test(n.textContent)) return true;
    }
    return false;
  };
  const describe = (el, r) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .replace(/\s+/g, ' ').trim().slice(0, 60);
    const id = el.id ? '#' + el.id : '';
    const name = el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '';
    return `<${el.tagName.toLowerCase()}${id}${name}> "${text}" is ${Math.round(r.width)}x${Math.round(r.height)}`;
  };
  const bad = [];
  const sel = 'a[href], button, summary, select, textarea, input:not([type=hidden])';
  for (const el of document.querySelectorAll(sel)) {
    let r = el.getBoundingClientRect();
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (el.tagName === 'INPUT' && (type === 'checkbox' || type === 'radio')) {
      // The clickable area is the label together with the box.
      let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
      const parts = [...(el.labels || [])].map(l => l.getBoundingClientRect());
      if (!hidden(el, r)) parts.push(r);
      const shown = parts.filter(p => p.width > 1 && p.height > 1);
      if (!shown.length) continue;
      for (const p of shown) {
        left = Math.min(left, p.left); top = Math.min(top, p.top);
        right = Math.max(right, p.right); bottom = Math.max(bottom, p.bottom);
      }
      const w = right - left, h = bottom - top;
      if (w < min - 0.5 || h < min - 0.5) bad.push(describe(el, {width: w, height: h}) + ' (label + box)');
      continue;
    }
    if (hidden(el, r)) continue;
    if (el.tagName === 'A' && inSentence(el)) continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) bad.push(describe(el, r));
  }
  return bad;
}
"""

_STYLE_JS = """() => [...document.querySelectorAll('body, main, h1, h2, p, a, button, label, input, li')]
  .map(e => { const c = getComputedStyle(e);
              return [e.tagName, c.color, c.backgroundColor, c.fontSize, c.display, c.minHeight].join(' '); })
  .join('|')"""

_SCROLL_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"

_FOCUS_JS = r"""
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
  const shadow = cs.boxShadow && cs.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.id || '')
    .replace(/\s+/g, ' ').trim().slice(0, 50);
  return {
    label: `<${el.tagName.toLowerCase()}> "${text}"`,
    visible: outline || shadow,
    onScreen: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    key: el.outerHTML.slice(0, 200),
  };
}
"""


def _format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(", ".join(n["target"]) for n in v["nodes"])
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} -> {targets}")
    return "\n".join(lines)


# E2E_AXE=off: the journeys run without axe. Only `make test`'s second run (PostgreSQL and
# Redis, scripts/test-both.sh) sets it: its pages are the same HTML as the first run's,
# which runs axe on every one of them.
AXE_ON = os.environ.get("E2E_AXE", "on") != "off"


def check_axe(page: Page, state: str | None = None) -> None:
    """axe-core, WCAG 2.1 A and AA rules, on a page whose JavaScript runs. Each run is
    recorded in the suite's report (e2e/a11y_report.py) under `state`, if given."""
    if not AXE_ON:
        return
    response = _axe.run(page, options=AXE_OPTIONS).response
    a11y_report.record(page, response, state=state, js=True, tags=AXE_OPTIONS["runOnly"]["values"])
    violations = response["violations"]
    assert not violations, f"axe violations on {page.url}:\n{_format_violations(violations)}"


def _static_copy(html: str, url: str) -> str:
    """The HTML as a no-JS browser sees it: no scripts, <noscript> content shown."""
    html = re.sub(r"<script\b[^>]*>.*?</script\s*>", "", html, flags=re.IGNORECASE | re.DOTALL)
    html = re.sub(r"</?noscript\b[^>]*>", "", html, flags=re.IGNORECASE)
    base = f'<base href="{url}">'
    if re.search(r"<head\b[^>]*>", html, flags=re.IGNORECASE):
        return re.sub(r"(<head\b[^>]*>)", lambda m: m.group(1) + base, html, count=1, flags=re.IGNORECASE)
    return base + html


# One JS-enabled "copy" page per browser and viewport, reused by check_axe_nojs.
_copy_pages: dict[tuple, Page] = {}


def _copy_page(browser: Browser, viewport: dict[str, int]) -> Page:
    key = (id(browser), viewport["width"], viewport["height"])
    page = _copy_pages.get(key)
    if page is None or page.is_closed():
        context = browser.new_context(viewport=viewport, has_touch=True)
        context.route("**/*.js", lambda route: route.abort())
        page = _copy_pages[key] = context.new_page()
    return page


def check_axe_nojs(browser: Browser, page: Page, state: str | None = None) -> None:
    """axe on a page seen with JavaScript off.

    axe itself needs JavaScript (it hangs in a page where scripts are off), so the
    page's HTML is copied into a JS-enabled page where every script request is
    aborted and inline scripts are removed: the copy shows what the no-JS visitor
    got. Reflow is checked there too.
    """
    if not AXE_ON:
        return
    copy = _copy_page(browser, page.viewport_size)
    copy.set_content(_static_copy(page.content(), page.url), wait_until="load")
    # The copy must be styled like the real page, or contrast checks mean nothing.
    assert copy.evaluate(_STYLE_JS) == page.evaluate(_STYLE_JS), f"the no-JS copy of {page.url} lost its styles"
    response = _axe.run(copy, options=AXE_OPTIONS).response
    a11y_report.record(copy, response, state=state, js=False, tags=AXE_OPTIONS["runOnly"]["values"],
                       url=page.url, title=page.title())
    violations = response["violations"]
    assert not violations, f"axe violations on {page.url} (JavaScript off):\n{_format_violations(violations)}"
    assert_no_sideways_scroll(copy, label=f"{page.url} (JavaScript off copy)")


def assert_no_sideways_scroll(page: Page, label: str | None = None) -> None:
    scroll_width, inner_width = page.evaluate(_SCROLL_JS)
    assert scroll_width <= inner_width, (
        f"{label or page.url} scrolls sideways: content is {scroll_width}px wide "
        f"in a {inner_width}px window"
    )


def assert_touch_targets(page: Page) -> None:
    """Every visible link, button, field, summary and checkbox label is 44x44 CSS px
    at least, except links inside running text."""
    bad = page.evaluate(_TOUCH_TARGETS_JS, MIN_TARGET_PX)
    width = page.viewport_size["width"] if page.viewport_size else "?"
    assert not bad, f"touch targets under {MIN_TARGET_PX}px on {page.url} at {width}px:\n" + "\n".join(bad)


def assert_keyboard_focus_visible(page: Page, max_tabs: int = 40) -> int:
    """Tab through the page: each focused element shows an outline (or ring) and is on
    screen. Returns how many elements were reached."""
    seen: list[str] = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        info = page.evaluate(_FOCUS_JS)
        if info is None or (seen and info["key"] == seen[0]):
            break
        assert info["visible"], f"no visible focus indicator on {info['label']} ({page.url})"
        assert info["onScreen"], f"focused element {info['label']} is off-screen ({page.url})"
        seen.append(info["key"])
    assert seen, f"Tab reaches nothing on {page.url}"
    return len(seen)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def assert_own_origin(urls: list[str], base_url: str) -> None:
    own = _origin(base_url)
    foreign = [u for u in urls if not u.startswith(("data:", "blob:")) and _origin(u) != own]
    assert not foreign, f"requests to other sites: {foreign}"


# Filled by first_visit_weight, printed at the end of the run by conftest.
MEASURED_WEIGHTS: dict[str, int] = {}


def first_visit_weight(
    browser: Browser,
    url: str,
    viewport: dict[str, int],
    storage_state: dict | None = None,
    label: str | None = None,
    prepare: Callable[[BrowserContext], None] | None = None,
) -> int:
    """Bytes on the wire (encoded bodies + response headers) for a first visit with an
    empty cache and JavaScript on. Asserts that every request stays on the app's
    origin. `prepare` may set up the fresh context (routes) before the visit."""
    context = browser.new_context(viewport=viewport, has_touch=True, storage_state=storage_state)
    try:
        if prepare:
            prepare(context)
        page = context.new_page()
        requests: list[str] = []
        responses: list[Response] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: responses.append(r))
        response = page.goto(url, wait_until="networkidle")
        assert response is not None and response.ok, f"{url} answered {response and response.status}"
        assert_own_origin(requests, url)
        total = 0
        parts = []
        for r in responses:
            sizes = r.request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            parts.append(f"{urlsplit(r.url).path} {size}")
            total += size
    finally:
        context.close()
    key = f"{label or urlsplit(url).path} @{viewport['width']}px"
    MEASURED_WEIGHTS[key] = total
    print(f"{key}: {total} bytes ({', '.join(parts)})")
    return total


def assert_common_layout(page: Page) -> None:
    """What every page of the service has: French, a title, the «Accessibilité» link
    in the header, one main region."""
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fr"))
    expect(page).to_have_title(re.compile(r"\S"))
    expect(page.locator("header").get_by_role("link", name="Accessibilité", exact=True)).to_be_visible()
    expect(page.locator("main")).to_have_count(1)


def assert_requests_own_origin(page: Page) -> None:
    urls = getattr(page, "e2e_requests", None)
    if urls:
        assert_own_origin(list(urls), page.url)


def audit(browser: Browser, page: Page, state: str | None = None) -> None:
    """Everything checked on every page visited: layout, reflow, touch targets,
    third-party requests, and axe (with the page's JavaScript state)."""
    page.wait_for_load_state("load")
    assert_common_layout(page)
    assert_no_sideways_scroll(page)
    assert_touch_targets(page)
    assert_requests_own_origin(page)
    if getattr(page, "e2e_js", True):
        check_axe(page, state)
    else:
        check_axe_nojs(browser, page, state)


def is_document_post(response: Response) -> bool:
    return response.request.method == "POST" and response.request.resource_type == "document"


def submit_sign_in(page: Page, nir: str, password: str, remember: bool = False) -> Response:
    """Fill the sign-in form as a person would and press «Se connecter».
    Returns the answer to the form post (before any redirect)."""
    page.get_by_label(NIR_LABEL).fill(nir)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    if remember:
        page.get_by_label(REMEMBER_LABEL).check()
    with page.expect_navigation(wait_until="load"), page.expect_response(is_document_post) as answer:
        page.get_by_role("button", name="Se connecter", exact=True).click()
    return answer.value


def assert_error_state(page: Page, *messages: str | re.Pattern) -> None:
    """The failed-submit pattern of falc.md: «Erreur : » title, a focused summary
    «Il y a un problème» whose links go to the fields, each field marked invalid and
    described by its message."""
    expect(page).to_have_title(ERROR_TITLE)
    summary = page.locator(".error-summary")
    expect(summary).to_have_count(1)
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="Il y a un problème")).to_be_visible()
    if getattr(page, "e2e_js", True):
        expect(summary).to_be_focused()
    for message in messages:
        expect(summary).to_contain_text(message)
    links = summary.get_by_role("link")
    assert links.count() >= 1, "the error summary has no link to a field"
    for i in range(links.count()):
        link = links.nth(i)
        href = link.get_attribute("href") or ""
        assert href.startswith("#"), f"summary link {link.inner_text()!r} goes to {href!r}, not a field"
        field = page.locator(f'[id="{href[1:]}"]')
        expect(field).to_have_count(1)
        assert field.evaluate("e => e.tagName") in ("INPUT", "SELECT", "TEXTAREA"), (
            f"summary link {href} does not point at a form field"
        )
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby") or ""
        texts = " ".join(
            page.locator(f'[id="{ref}"]').inner_text() for ref in described.split() if ref
        )
        link_text = " ".join(link.inner_text().split())
        assert link_text in " ".join(texts.split()), (
            f"field {href} is not described by its message {link_text!r} (aria-describedby text: {texts!r})"
        )


# --- small steps a person takes, shared by the journey files ------------------------------

def button(page: Page, name: str | re.Pattern) -> Locator:
    """A button of the page's main content, by its exact name (or a pattern)."""
    return page.locator("main").get_by_role("button", name=name,
                                            exact=None if isinstance(name, re.Pattern) else True)


def click_and_wait(page: Page, target: Locator) -> Response:
    """Press a form button as a person would; the answer to the form post (before redirects)."""
    with page.expect_navigation(wait_until="load"), page.expect_response(is_document_post) as answer:
        target.click()
    return answer.value


def sign_in(page: Page, nir: str, password: str, remember: bool = False) -> Response:
    """Open the sign-in page and sign in; the answer to the form post."""
    page.goto("/connexion")
    expect(page.get_by_label(NIR_LABEL)).to_be_visible()
    return submit_sign_in(page, nir, password, remember=remember)


def outbox(page: Page) -> list[dict]:
    """What the person's phone or mailbox received (the development outbox), newest first."""
    answer = page.request.get("/dev/messages.json")
    assert answer.ok, f"/dev/messages.json answered {answer.status}"
    messages = answer.json()
    assert isinstance(messages, list), f"/dev/messages.json is not a list: {messages!r}"
    return messages


def summary_messages(page: Page) -> list[str]:
    links = page.locator(".error-summary").get_by_role("link")
    return [" ".join(t.split()) for t in links.all_inner_texts()]


# --- the app under test ----------------------------------------------------------------

# PostgreSQL and Redis (scripts/services.sh prints these) instead of a SQLite file per app
# and the in-memory limiter.
E2E_DATABASE_URL = os.environ.get("E2E_DATABASE_URL", "")
E2E_REDIS_URL = os.environ.get("E2E_REDIS_URL", "")
_built = []


def _database_for(tmp: Path) -> str:
    """A SQLite file in `tmp`; on PostgreSQL, a new empty schema of E2E_DATABASE_URL (one
    per app, as apps of several modules live at once)."""
    if not E2E_DATABASE_URL:
        return f"sqlite:///{tmp}/e2e.db"
    from sqlalchemy import create_engine

    schema = f"e2e_{len(_built)}"
    engine = create_engine(E2E_DATABASE_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    return E2E_DATABASE_URL + ("&" if "?" in E2E_DATABASE_URL else "?") + \
        f"options=-csearch_path%3D{schema}"


def build_app(tmp: Path, **extra):
    """The app on a fresh database (a SQLite file in `tmp`, or E2E_DATABASE_URL), with the
    schema and the demo accounts; its limits and sessions in E2E_REDIS_URL if set."""
    from app import create_app
    from services.database import create_schema
    from services.demo import load_demo_data

    config = {"TESTING": True, "SECRET_KEY": "e2e", "SESSION_COOKIE_SECURE": False,
              "SQLALCHEMY_DATABASE_URI": _database_for(tmp),
              # Messages sent inside the request, as the worker would (services/queue.py).
              "QUEUE_URI": "immediate", "MESSAGE_RETRY_SECONDS": 0}
    if E2E_REDIS_URL:
        config["RATELIMIT_STORAGE_URI"] = E2E_REDIS_URL
        if not _built:
            import redis

            with redis.Redis.from_url(E2E_REDIS_URL) as client:
                client.flushdb()
    _built.append(tmp)
    app = create_app({**config, **extra})
    with app.app_context():
        create_schema()
        load_demo_data()
    return app


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve the app on a free local port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def age_sessions(app, minutes: int, account_id: int | None = None) -> int:
    """The server's clock: the stored sessions (of `account_id`, or all) were last used
    `minutes` earlier, in the database or in Redis. Returns how many."""
    from datetime import timedelta

    from services.database import db

    with app.app_context():
        store = app.session_interface.store
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        changed = 0
        for digest, owner, _, _ in store.records():
            if account_id is not None and owner != account_id:
                continue
            record = store.get(digest)
            record.last_seen_at -= timedelta(minutes=minutes)
            store.put(digest, record, idle)
            changed += 1
        db.session.commit()
        return changed
