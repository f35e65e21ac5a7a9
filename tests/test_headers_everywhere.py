"""Issue 8 (hardening): the security headers and cookie flags on every response.

Over HTTPS with production cookies, a visitor, a person in the middle of the first login
and a person whose account is ready each follow every link and asset of every page they
reach; then come the answers that are not pages: redirects, refused forms, live
fragments, files, the 404, 405, 413 and 429 pages, and every cookie the app sets or
deletes. Each answer must carry the same headers, each cookie the same flags.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from flask_helpers import (KARIM_NIR, KARIM_PASSWORD, VERONIQUE_NIR, VERONIQUE_PASSWORD,
                           app_on_copy, csrf_from)

HTTPS = "https://localhost"
HSTS = "max-age=63072000; includeSubDomains"
LINK = re.compile(r'(?:href|src|action)="(/[^"#?]*)')
# GET addresses that end the visit or leave for another site: reached by their own steps.
NOT_CRAWLED = ("/deconnexion", "/franceconnect")


@pytest.fixture
def app(tmp_path, template_db):
    yield from app_on_copy(tmp_path, template_db, SESSION_COOKIE_SECURE=True,
                           NEW_DEVICE_CHECK=True)


class Browser:
    """A test client that always speaks HTTPS and records every answer it gets."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.answers: list[tuple[str, str, object, bool]] = []

    def get(self, url: str, **kwargs):
        response = self.client.get(url, base_url=HTTPS, **kwargs)
        self.answers.append(("GET", url, response, "HX-Request" in kwargs.get("headers", {})))
        return response

    def open(self, url: str, method: str, **kwargs):
        response = self.client.open(url, method=method, base_url=HTTPS, **kwargs)
        self.answers.append((method, url, response, False))
        return response

    def post(self, url: str, data=None, **kwargs):
        response = self.client.post(url, base_url=HTTPS, data=data, **kwargs)
        self.answers.append(("POST", url, response, "HX-Request" in kwargs.get("headers", {})))
        return response

    def form(self, url: str, data: dict, page: str | None = None, **kwargs):
        token = csrf_from(self.get(page or url))
        return self.post(url, dict(data, csrf_token=token), **kwargs)

    def crawl(self, start: str, limit: int = 150) -> set[str]:
        """Every same-site address reachable by links, assets and redirects from `start`."""
        seen: set[str] = set()
        queue = [start]
        while queue and len(seen) < limit:
            url = queue.pop(0)
            if url in seen or url.startswith(NOT_CRAWLED):
                continue
            seen.add(url)
            response = self.get(url)
            if response.status_code in (301, 302, 303, 307, 308):
                queue.append(urlsplit(response.headers["Location"]).path)
            elif response.mimetype == "text/html":
                queue.extend(LINK.findall(response.get_data(as_text=True)))
        return seen


def sign_in(browser: Browser, nir: str, password: str, **extra):
    return browser.form("/connexion", {"nir": nir, "password": password, **extra})


def check(method: str, url: str, response, fragment: bool) -> None:
    where = f"{method} {url} ({response.status_code})"
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Strict-Transport-Security") == HSTS, where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("Permissions-Policy") == "camera=(), microphone=(), geolocation=()", where
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert "unsafe" not in csp, where
    if url.startswith("/static/") or fragment:
        # Never shown as a page: nothing may load or run.
        assert directives == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}, where
    else:
        assert directives.get("default-src") == ["'self'"], where
        assert directives.get("script-src") == ["'self'"], where
        assert directives.get("style-src") == ["'self'"], where
    if not url.startswith("/static/"):
        assert headers.get("Cache-Control") == "no-store", where
    for cookie in headers.getlist("Set-Cookie"):
        flags = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= set(flags), f"{where}: {cookie}"
        assert flags["samesite"].split("=")[1].strip() == "Lax", f"{where}: {cookie}"


def test_every_answer_carries_the_security_headers_and_every_cookie_its_flags(app) -> None:
    browsers = []

    # A visitor, everywhere a link leads.
    visitor = Browser(app)
    browsers.append(visitor)
    public = visitor.crawl("/")
    visitor.crawl("/static/manifest.webmanifest")
    assert visitor.get("/nulle-part").status_code == 404
    assert visitor.get("/deconnexion").status_code == 303  # a form's address leads back (PRG)
    assert visitor.open("/deconnexion", "PUT").status_code == 405
    assert visitor.post("/connexion", data={"nir": "x" * 70_000}).status_code == 413
    assert visitor.post("/connexion", data={"nir": KARIM_NIR}).status_code == 400  # no token
    token = csrf_from(visitor.get("/connexion"))
    live = visitor.post("/connexion/numero", data={"nir": "2 84 05", "csrf_token": token},
                        headers={"HX-Request": "true"})
    assert live.status_code == 200
    statuses = [sign_in(visitor, "1990175123456", "PasLeBon123").status_code for _ in range(6)]
    assert statuses[-1] == 429

    # Véronique in the middle of her first login, remembered on this device.
    veronique = Browser(app)
    browsers.append(veronique)
    response = sign_in(veronique, VERONIQUE_NIR, VERONIQUE_PASSWORD, remember="y")
    assert response.headers["Location"] == "/premiere-connexion/conditions"
    journey = veronique.crawl("/premiere-connexion/conditions")
    forget = veronique.form("/connexion/oublier-numero", {}, page="/connexion")
    assert forget.status_code == 303

    # Karim on a new phone: the device check, then Mon Compte, then sign-out.
    karim = Browser(app)
    browsers.append(karim)
    response = sign_in(karim, KARIM_NIR, KARIM_PASSWORD)
    assert response.headers["Location"] == "/connexion/nouvel-appareil"
    body = karim.get("/dev/messages.json").get_json()[0]["body"]
    code = re.search(r"\b(\d{6})\b", body).group(1)
    response = karim.form("/connexion/nouvel-appareil", {"code": code, "remember_device": "y"})
    assert response.headers["Location"] == "/mon-compte"
    account = karim.crawl("/mon-compte")
    home = karim.get("/mon-compte")
    assert karim.post("/deconnexion", data={"csrf_token": csrf_from(home)}).status_code == 303

    answers = [answer for browser in browsers for answer in browser.answers]
    for method, url, response, fragment in answers:
        check(method, url, response, fragment)

    # What was covered, so that a crawl that stops early cannot pass unnoticed.
    assert len(answers) >= 120, len(answers)
    assert any(fragment for *_, fragment in answers)
    assert {"/", "/connexion", "/guide", "/aider-une-personne", "/accessibilite"} <= public
    assert {"/premiere-connexion/conditions", "/mon-compte/attestations"} & (journey | account)
    assert any(url.startswith("/static/css/") for url in public)
    assert any(url.startswith("/static/js/") for url in public | journey | account)
    statuses = {response.status_code for _, _, response, _ in answers}
    assert {200, 303, 400, 401, 404, 405, 413, 429} <= statuses, statuses
    cookies = {c.split("=")[0] for _, _, r, _ in answers for c in r.headers.getlist("Set-Cookie")}
    assert {"moncompte_session", "moncompte_nir", "moncompte_device"} <= cookies, cookies
    deleted = [c for _, _, r, _ in answers for c in r.headers.getlist("Set-Cookie")
               if "Max-Age=0" in c or "expires=Thu, 01 Jan 1970" in c]
    assert "moncompte_nir" in {c.split("=")[0] for c in deleted}
