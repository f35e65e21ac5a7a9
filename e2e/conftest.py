"""Fixtures for the browser tests: a real server, one Chromium, phone-sized pages.

One browser is shared by the whole session; every test gets fresh contexts, so
cookies and cache never leak from one test to the next.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from e2e import a11y_report
from e2e.helpers import MEASURED_WEIGHTS, VIEWPORTS, build_app, serving

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Waits sized for CI's 2 cores running five pytest processes and their Chromiums: a wait
# only lasts when something is wrong, and 5–10 s failed now and then under that load.
expect.set_options(timeout=10_000)


def chromium_path() -> str | None:
    """The browser to drive: $CHROMIUM_PATH, else Debian's, else Playwright's own."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return None


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory):
    return build_app(tmp_path_factory.mktemp("e2e-db"))


@pytest.fixture(scope="session")
def base_url(app) -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture(autouse=True)
def _reset_limiter(request: pytest.FixtureRequest) -> None:
    """Every test starts with fresh rate-limit counters (only if it uses the app)."""
    if "base_url" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from services.limiter import limiter

    with app.app_context():
        limiter.reset()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Behaviour tests run at the smallest phone width. Every page state is also audited at
# 412 px by e2e/test_accessibility_audit.py (layout, touch targets, reflow, axe), and tests
# that need another width ask for it by name; running every behaviour test at both widths
# cost about 80 s of the 10-minute budget for no extra finding.
BEHAVIOUR_WIDTHS = ["320"]


@pytest.fixture(params=BEHAVIOUR_WIDTHS, ids=[f"w{v}" for v in BEHAVIOUR_WIDTHS])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return VIEWPORTS[request.param]


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture
def new_page(browser: Browser, base_url: str) -> Iterator[Callable[..., Page]]:
    """Factory: new_page(viewport, js) opens a fresh context (empty cache, no cookies)."""
    contexts = []

    def factory(viewport: dict[str, int], js: bool = True) -> Page:
        context = browser.new_context(
            viewport=viewport,
            has_touch=True,
            is_mobile=False,
            java_script_enabled=js,
            base_url=base_url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.e2e_js = js  # read by helpers.audit to pick the right axe run
        page.e2e_requests = []  # every URL asked for, checked by helpers.audit
        page.on("request", lambda r: page.e2e_requests.append(r.url))
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page], viewport: dict[str, int], js: bool) -> Page:
    """A page in one of the two phone viewports, JavaScript on or off."""
    return new_page(viewport, js)


def pytest_sessionfinish(session) -> None:
    """The axe report (e2e/a11y_report.py): reports/accessibility/axe-report.json."""
    a11y_report.write()


def pytest_terminal_summary(terminalreporter) -> None:
    if a11y_report.ENTRIES:
        terminalreporter.write_line(f"{a11y_report.one_line()} -> {a11y_report.report_dir() / a11y_report.FILE_NAME}")
    if MEASURED_WEIGHTS:
        terminalreporter.write_sep("-", "first-visit page weights (JavaScript on)")
        for key, size in sorted(MEASURED_WEIGHTS.items()):
            terminalreporter.write_line(f"{key}: {size} bytes ({size / 1024:.1f} KB)")


@pytest.fixture
def fresh_demo(app) -> Iterator[Callable[[], None]]:
    """The demo accounts as journey.md has them, and no rate-limit count, before and after
    the test; the test may call it again between two steps."""
    from services.demo import load_demo_data
    from services.limiter import limiter

    def reload() -> None:
        with app.app_context():
            load_demo_data()
            limiter.reset()

    reload()
    yield reload
    reload()
