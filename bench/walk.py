"""The first-login journey on a throttled phone, measured page by page.

Playwright drives Chromium; a DevTools (CDP) session of our own throttles the network and
the CPU and records every network event, so each page's weight is what Chromium counts
on the wire (`Network.loadingFinished.encodedDataLength`: headers + compressed body).

Visits (the `visit` of each page record):
- **first**: the browser's HTTP cache is emptied (`Network.clearBrowserCache`) just
  before the page is asked for, so it comes with every static file it needs: a phone
  that opens the accueil, or /connexion straight from a bookmark, for the first time.
- **journey**: the first-login pages as a person walks them after /connexion: seen for
  the first time, but the static files (app.css, app.js, htmx) are already cached. They
  are reached by a form, so they are timed from the form post, 303 redirect included.
  Their cold-cache weight is also given, computed (`cold_bytes_estimate`): their HTML
  plus each static file they use at the size it had when it travelled uncached.
- **later**: /connexion and the accueil again after signing out: only the HTML travels.

Service workers are blocked so that every request is seen by this page's session (Mon
Compte registers one that only serves an offline page).
"""
from __future__ import annotations

import os
import re
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext, Page, Response, sync_playwright

from bench.servers import Inbox

# The browser: $CHROMIUM_PATH, else Debian's, else Playwright's own (as the e2e tests).
CHROMIUM = os.environ.get("CHROMIUM_PATH") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# The phone: a small Android screen on a slow mobile network.
PROFILE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "fr-FR",
    # Chrome's `latency` is the minimum time from a request being sent to its response
    # headers arriving, added to every request: it is a round-trip time (RTT), 400 ms.
    "latency_ms": 400,
    "download_bytes_per_s": 400_000 // 8,   # 400 kbit/s = 50 000 bytes/s
    "upload_bytes_per_s": 400_000 // 8,     # 400 kbit/s as well
    "cpu_slowdown": 4,
    "typing_delay_ms": 350,  # about 3 characters a second, a person on a phone keyboard
}

VERONIQUE_NIR = "2 84 05 75 108 123"
VERONIQUE_OLD_PASSWORD = "24681357"
VERONIQUE_MAIL = "veronique.f@example.org"
NEW_PASSWORD = "Soleil2Mars"

LIVE_PATHS = {
    "/connexion/numero": "nir",
    "/premiere-connexion/mot-de-passe/regles": "password_rules",
    "/premiere-connexion/code/saisie": "code",
}

_METRICS_JS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    fcp_ms: fcp ? fcp.startTime : null,
    ready_ms: n ? n.domContentLoadedEventEnd : null,
    dom_interactive_ms: n ? n.domInteractive : null,
    response_start_ms: n ? n.responseStart : null,
    redirect_ms: n && n.redirectCount ? n.redirectEnd - n.redirectStart : 0,
    load_ms: n ? n.loadEventEnd : null,
    redirects: n ? n.redirectCount : null,
    htmx: !!document.querySelector('script[src*="/static/js/htmx"]'),
    live_fields: document.querySelectorAll('[data-hx-post], [hx-post]').length,
    path: location.pathname,
    title: document.title,
  };
}"""


def server_ms(headers: dict[str, str]) -> float | None:
    """`app;dur=1.23` from a Server-Timing header, in ms; None when there is none."""
    value = headers.get("server-timing")
    if not value:
        return None
    for metric in value.split(","):
        name, _, rest = metric.strip().partition(";")
        if name.strip() == "app":
            found = re.search(r"dur=([0-9.]+)", rest)
            return float(found.group(1)) if found else None
    return None


class NetLog:
    """Every CDP network event of the page, in order; a page's share is a slice of it."""

    EVENTS = ("Network.requestWillBeSent", "Network.responseReceived",
              "Network.loadingFinished", "Network.loadingFailed",
              "Network.requestServedFromCache")

    def __init__(self, cdp) -> None:
        self.events: list[tuple[str, dict]] = []
        for name in self.EVENTS:
            cdp.on(name, lambda params, name=name: self.events.append((name, params)))

    def mark(self) -> int:
        return len(self.events)

    def requests(self, start: int) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for name, p in self.events[start:]:
            rid = p.get("requestId")
            if name == "Network.requestWillBeSent":
                r = found.setdefault(rid, {"url": p["request"]["url"], "method": p["request"]["method"],
                                           "loader": p.get("loaderId"),
                                           "type": p.get("type"), "bytes": 0, "redirect_bytes": 0,
                                           "redirects": 0, "from_cache": False, "done": False,
                                           "failed": False, "status": None})
                if p.get("redirectResponse"):
                    r["redirects"] += 1
                    r["redirect_bytes"] += int(p["redirectResponse"].get("encodedDataLength") or 0)
                    r["url"], r["method"] = p["request"]["url"], p["request"]["method"]
            elif rid not in found:
                continue
            elif name == "Network.responseReceived":
                resp = p["response"]
                found[rid]["status"] = resp.get("status")
                if resp.get("fromDiskCache") or resp.get("fromPrefetchCache"):
                    found[rid]["from_cache"] = True
            elif name == "Network.requestServedFromCache":
                found[rid]["from_cache"] = True
            elif name == "Network.loadingFinished":
                found[rid]["bytes"] = int(p.get("encodedDataLength") or 0)
                found[rid]["done"] = True
            elif name == "Network.loadingFailed":
                found[rid]["done"] = found[rid]["failed"] = True
        return found


@dataclass
class Walk:
    base_url: str
    inbox: Inbox
    pages: list[dict] = field(default_factory=list)
    live: list[dict] = field(default_factory=list)
    aborted_live: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    secure_cookie: dict = field(default_factory=dict)
    chromium_version: str = ""

    # --- one page -------------------------------------------------------------------
    def _page_requests(self, start: int, timeout: float = 10.0) -> list[dict]:
        """The page's requests (live checks apart), once each has finished or failed."""
        deadline = time.monotonic() + timeout
        while True:
            requests = [r for r in self.net.requests(start).values()
                        if r["type"] not in ("XHR", "Fetch")]
            # Only the new document and what it asked for: a late request of the page
            # before (its favicon, say) has that page's loader id.
            loaders = [r["loader"] for r in requests if r["type"] == "Document"]
            if loaders:
                requests = [r for r in requests if r["loader"] == loaders[-1]]
            if all(r["done"] for r in requests) or time.monotonic() > deadline:
                return requests
            self.page.wait_for_timeout(50)

    def _measure(self, name: str, visit: str, start: int) -> dict:
        page = self.page
        page.wait_for_load_state("load")
        try:
            page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0",
                                   timeout=10_000)
        except Exception:  # noqa: BLE001 - recorded as null
            self.notes.append(f"{name}: no first-contentful-paint entry")
        metrics = page.evaluate(_METRICS_JS)
        requests = self._page_requests(start)
        record = {
            "page": name, "visit": visit, "path": metrics["path"], "title": metrics["title"],
            "bytes": sum(r["bytes"] + r["redirect_bytes"] for r in requests),
            "requests": sum(1 + r["redirects"] for r in requests),
            "from_cache": sum(1 for r in requests if r["from_cache"]),
            "htmx": metrics["htmx"],
            "live_fields": metrics["live_fields"],
            "fcp_ms": _round(metrics["fcp_ms"]),
            "ready_ms": _round(metrics["ready_ms"]),
            "dom_interactive_ms": _round(metrics["dom_interactive_ms"]),
            "ttfb_ms": _round(metrics["response_start_ms"]),
            "redirect_ms": _round(metrics["redirect_ms"]),
            "load_ms": _round(metrics["load_ms"]),
            "redirects": metrics["redirects"],
            "resources": [{"url": urlsplit(r["url"]).path, "method": r["method"], "type": r["type"],
                           "status": r["status"], "bytes": r["bytes"] + r["redirect_bytes"],
                           "from_cache": r["from_cache"], "failed": r["failed"]}
                          for r in requests],
        }
        self.pages.append(record)
        print(f"  {name:<28} {visit:<6} {record['bytes'] / 1024:6.1f} KB {record['requests']:3d} req "
              f"FCP {record['fcp_ms']} ms  ready {record['ready_ms']} ms", flush=True)
        return record

    def _goto(self, path: str, name: str, visit: str) -> dict:
        if visit == "first":  # an empty cache
            self.cdp.send("Network.clearBrowserCache")
        start = self.net.mark()
        self.page.goto(self.base_url + path, wait_until="load")
        return self._measure(name, visit, start)

    def _submit(self, button, name: str, visit: str = "journey") -> dict:
        """Press a form button; measure the page it leads to (timed from the post)."""
        self._settle_live()
        start = self.net.mark()
        with self.page.expect_navigation(wait_until="load"):
            button.click()
        return self._measure(name, visit, start)

    # --- live checks ----------------------------------------------------------------
    def _on_response(self, response: Response) -> None:
        path = urlsplit(response.url).path
        if path in LIVE_PATHS and response.request.method == "POST":
            self._responses.append(response)

    def _on_failed(self, request) -> None:
        path = urlsplit(request.url).path
        if path in LIVE_PATHS:
            check = LIVE_PATHS[path]
            self.aborted_live[check] = self.aborted_live.get(check, 0) + 1

    def _settle_live(self) -> None:
        """Wait for the live request the last keystroke started (a person takes longer
        than the debounce to reach the button), then record every live answer so far."""
        self.page.wait_for_timeout(800)
        try:
            self.page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=10_000)
        except Exception:  # noqa: BLE001
            self.notes.append("a live request was still running after 10 s")
        for response in self._responses:
            try:
                body = response.body()
                sizes = response.request.sizes()
            except Exception as error:  # noqa: BLE001 - the page moved on meanwhile
                self.notes.append(f"live answer {response.url} unreadable: {error}")
                continue
            headers = response.headers
            sent = parse_qs(response.request.post_data or "")
            self.live.append({
                "check": LIVE_PATHS[urlsplit(response.url).path],
                "status": response.status,
                "typed_length": max((len(v[0]) for k, v in sent.items() if k != "csrf_token"), default=0),
                "encoded_bytes": sizes["responseBodySize"],
                "header_bytes": sizes["responseHeadersSize"],
                "raw_bytes": len(body),
                "content_encoding": headers.get("content-encoding"),
                "server_ms": server_ms(headers),
            })
        self._responses = []

    def _type(self, locator, text: str) -> None:
        locator.click()
        self.page.keyboard.type(text, delay=PROFILE["typing_delay_ms"])

    # --- the journey ----------------------------------------------------------------
    def run(self) -> "Walk":
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            self.chromium_version = browser.version
            try:
                context = browser.new_context(
                    viewport=PROFILE["viewport"], device_scale_factor=PROFILE["device_scale_factor"],
                    is_mobile=PROFILE["is_mobile"], has_touch=PROFILE["has_touch"],
                    locale=PROFILE["locale"], timezone_id="Europe/Paris", service_workers="block")
                context.set_default_timeout(30_000)
                self._journey(context)
            finally:
                browser.close()
        return self

    def _throttle(self, context: BrowserContext, page: Page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.net = NetLog(self.cdp)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False,
            "latency": PROFILE["latency_ms"],
            "downloadThroughput": PROFILE["download_bytes_per_s"],
            "uploadThroughput": PROFILE["upload_bytes_per_s"],
            "connectionType": "cellular3g",
        })
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": PROFILE["cpu_slowdown"]})

    def _journey(self, context: BrowserContext) -> None:
        page = self.page = context.new_page()
        self._responses: list[Response] = []
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)
        self._throttle(context, page)
        main = page.locator("main")

        def button(name: str):
            return main.get_by_role("button", name=name, exact=True)

        print("Walk (throttled phone):", flush=True)
        self._goto("/", "accueil", "first")
        self._goto("/connexion", "connexion", "first")
        cookies = {c["name"]: c for c in context.cookies()}
        session_cookie = cookies.get("moncompte_session", {})
        self.secure_cookie = {"origin": self.base_url, "cookie_set": bool(session_cookie),
                              "secure": bool(session_cookie.get("secure"))}

        # Connexion: the number typed like a person (live check), the password filled.
        self._type(page.get_by_label(re.compile(r"^Numéro de sécurité sociale")), VERONIQUE_NIR)
        page.get_by_label(re.compile(r"^Mot de passe")).fill(VERONIQUE_OLD_PASSWORD)
        self._submit(button("Se connecter"), "cgu")
        self.secure_cookie["signed_in"] = urlsplit(page.url).path.startswith("/premiere-connexion")

        page.get_by_label(re.compile(r"^J.ai pris connaissance")).check()
        self._submit(button("Continuer"), "mot-de-passe")

        self._type(page.get_by_label("Nouveau mot de passe", exact=True), NEW_PASSWORD)
        self._type(page.get_by_label("Confirmation du nouveau mot de passe", exact=True), NEW_PASSWORD)
        self._submit(button("Continuer"), "coordonnees")

        page.get_by_label("Adresse mail", exact=True).fill(VERONIQUE_MAIL)
        before = self.inbox.count()
        self._submit(button("Continuer"), "code")
        message = self.inbox.wait_new(before)
        code = re.findall(r"(?<!\d)\d{6}(?!\d)", message["body"])[0]
        self.code_message = {"channel": message["channel"], "to": message["to"]}

        self._type(page.get_by_label(re.compile(r"^Code de vérification reçu")), code)
        self._submit(button("Valider le code"), "mon-compte")
        if urlsplit(page.url).path != "/mon-compte":
            raise RuntimeError(f"the journey did not reach Mon Compte (at {page.url})")

        # Sign out (it lands on /connexion and fills the cache), then the later visits.
        self._settle_live()
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name="Se déconnecter", exact=True).click()
        self._goto("/connexion", "connexion", "later")
        self._goto("/", "accueil", "later")


def add_cold_estimates(pages: list[dict]) -> None:
    """`cold_bytes_estimate` for each page: its documents as measured, plus each static
    file it asked for at the size that file had when it came over the network in this run."""
    uncached: dict[str, int] = {}
    for page in pages:
        for r in page["resources"]:
            if r["type"] != "Document" and not r["from_cache"] and r["bytes"] > 0:
                uncached[r["url"]] = max(uncached.get(r["url"], 0), r["bytes"])
    for page in pages:
        documents = sum(r["bytes"] for r in page["resources"] if r["type"] == "Document")
        statics = {r["url"] for r in page["resources"] if r["type"] != "Document"}
        page["cold_bytes_estimate"] = documents + sum(uncached.get(url, 0) for url in statics)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summarize_live(live: list[dict]) -> dict[str, dict]:
    """Per live check: how many answers, their sizes, the server time seen by the phone."""
    out: dict[str, dict] = {}
    for check in LIVE_PATHS.values():
        rows = [r for r in live if r["check"] == check]
        timed = [r["server_ms"] for r in rows if r["server_ms"] is not None]
        out[check] = {
            "answers": len(rows),
            "encoded_bytes_max": max((r["encoded_bytes"] for r in rows), default=None),
            "encoded_bytes_median": _median([r["encoded_bytes"] for r in rows]),
            "raw_bytes_max": max((r["raw_bytes"] for r in rows), default=None),
            "server_ms_median": _median(timed),
            "server_ms_max": max(timed, default=None),
        }
    return out


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None
