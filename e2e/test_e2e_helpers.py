"""The checks in helpers.py can fail: each is shown a tiny page that breaks its rule.

These pages are served by Playwright itself (no app needed), so a helper that
silently passes everything is caught here, not in a green run that means nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from e2e.helpers import (
    VIEWPORTS,
    assert_no_sideways_scroll,
    assert_touch_targets,
    check_axe,
    check_axe_nojs,
    first_visit_weight,
)

SITE = "http://helpers.test"
STYLE = "<style>body{font:16px/1.5 sans-serif;margin:0;padding:8px}</style>"


def html(body: str, head: str = "") -> str:
    return f'<!doctype html><html lang="fr"><head><title>Essai</title>{STYLE}{head}</head><body><main>{body}</main></body></html>'


@pytest.fixture
def static_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """static_page(body, js=True, head="", extra={path: (content_type, text)})."""
    contexts = []

    def open_page(body: str, js: bool = True, head: str = "", extra: dict | None = None) -> Page:
        context = browser.new_context(viewport=VIEWPORTS["320"], has_touch=True, java_script_enabled=js)
        contexts.append(context)
        files = {"/": ("text/html", html(body, head)), **(extra or {})}

        def serve(route):
            path = route.request.url[len(SITE):] or "/"
            kind, text = files.get(path, ("text/plain", ""))
            route.fulfill(status=200 if path in files else 404, content_type=kind, body=text)

        context.route(f"{SITE}/**", serve)
        page = context.new_page()
        page.goto(SITE + "/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_axe_finds_an_image_without_text(static_page) -> None:
    page = static_page('<img src="/a.png">')
    with pytest.raises(AssertionError, match="image-alt"):
        check_axe(page)


def test_axe_passes_a_clean_page(static_page) -> None:
    check_axe(static_page("<h1>Bonjour</h1><p>Un texte simple.</p>"))


def test_axe_without_js_sees_what_scripts_would_have_fixed(browser: Browser, static_page) -> None:
    body = '<h1>Essai</h1><img src="/a.png"><script>document.querySelector("img").alt = "Un dessin";</script>'
    check_axe(static_page(body, js=True))  # with JavaScript the script fixes it
    with pytest.raises(AssertionError, match="image-alt"):
        check_axe_nojs(browser, static_page(body, js=False))


def test_axe_without_js_audits_noscript_content(browser: Browser, static_page) -> None:
    page = static_page('<h1>Essai</h1><noscript><img src="/a.png"></noscript>', js=False)
    with pytest.raises(AssertionError, match="image-alt"):
        check_axe_nojs(browser, page)


def test_axe_without_js_checks_contrast_in_the_copy(browser: Browser, static_page) -> None:
    page = static_page("<h1>Essai</h1><p>Texte trop pâle.</p>", js=False, head="<style>p { color: #bbb; }</style>")
    with pytest.raises(AssertionError, match="color-contrast"):
        check_axe_nojs(browser, page)


def test_axe_without_js_refuses_an_unstyled_copy(browser: Browser, static_page) -> None:
    # The copy's context cannot reach helpers.test, so the stylesheet is lost there.
    css = {"/s.css": ("text/css", "p { color: #333; font-size: 20px; }")}
    page = static_page("<h1>Essai</h1><p>Texte.</p>", js=False, head='<link rel="stylesheet" href="/s.css">', extra=css)
    with pytest.raises(AssertionError, match="lost its styles"):
        check_axe_nojs(browser, page)


def test_sideways_scroll_is_caught(static_page) -> None:
    page = static_page('<div style="width:600px">Trop large</div>')
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_no_sideways_scroll(page)
    assert_no_sideways_scroll(static_page("<p>Étroit</p>"))


def test_small_targets_are_caught(static_page) -> None:
    page = static_page('<button style="height:30px">OK</button>')
    with pytest.raises(AssertionError, match="button"):
        assert_touch_targets(page)
    page = static_page('<ul><li><a href="/x">Seul dans la liste</a></li></ul>')
    with pytest.raises(AssertionError, match="Seul dans la liste"):
        assert_touch_targets(page)
    page = static_page('<input type="checkbox" id="c"><label for="c">Petit</label>')
    with pytest.raises(AssertionError, match="label"):
        assert_touch_targets(page)


def test_allowed_targets_pass(static_page) -> None:
    page = static_page(
        '<a href="#main" style="position:absolute;left:-9999px">Aller au contenu</a>'
        '<p>Un texte avec <a href="/x">un lien</a> au milieu.</p>'
        '<div style="display:flex;align-items:center"><input type="checkbox" id="c">'
        '<label for="c" style="min-height:44px;display:flex;align-items:center">Se souvenir</label></div>'
        '<button style="min-height:44px;min-width:44px">OK</button>'
        '<span style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)"><a href="/y">caché</a></span>'
    )
    assert_touch_targets(page)


def _serve(files: dict[str, str]):
    def prepare(context) -> None:
        def serve(route):
            text = files.get(route.request.url)
            if text is None:
                route.fulfill(status=404, body="")
            else:
                route.fulfill(status=200, content_type="text/html", body=text)

        context.route("**/*", serve)

    return prepare


def test_weight_counts_the_bytes(browser: Browser) -> None:
    page_html = html("<p>" + "Bonjour. " * 300 + "</p>")
    size = first_visit_weight(browser, SITE + "/", VIEWPORTS["320"], prepare=_serve({SITE + "/": page_html}), label="helper self-test")
    assert size >= len(page_html.encode()), f"{size} bytes counted for a {len(page_html)}-byte page"


def test_weight_flags_requests_to_other_sites(browser: Browser) -> None:
    files = {
        SITE + "/": html('<p>Bonjour</p><img alt="" src="http://other.test/pixel.png">'),
        "http://other.test/pixel.png": "",
    }
    with pytest.raises(AssertionError, match="other.test"):
        first_visit_weight(browser, SITE + "/", VIEWPORTS["320"], prepare=_serve(files), label="helper self-test")
