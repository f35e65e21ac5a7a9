"""The first-login journey as a person's browser walks it, page by page, without a browser.

One definition serves the locust virtual people (load/locustfile.py) and the people of
the fault phases (load/faults.py): each gives a `Transport` that sends one request and
says whether the answer is the right page (`verdict`); the journey reads CSRF tokens
from the pages, sends the live checks htmx would send while the person types, and reads
the code from the outbox (the local mail server and SMS gateway) as a phone would.

Every request has a page name («connexion GET», «code POST»…), so the figures are per page.
An answer is right only if it has the expected status AND is the expected page (its <h1>,
a redirect to the next step's address); a 303 back to /connexion means the person lost
their place.
"""
from __future__ import annotations

import html
import json
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Callable, Protocol

# The page each step must show (templates/…, exact <h1> texts).
H1 = {
    "connexion": "<h1>Connexion à Mon Compte</h1>",
    "conditions": "<h1>Conditions générales d",
    "mot-de-passe": "<h1>Mon mot de passe</h1>",
    "coordonnees": "<h1>Coordonnées de contact</h1>",
    "code": "<h1>Vérification de vos coordonnées de contact</h1>",
    "appareil": "Confirmer cet appareil",
    "mon-compte": "<h1>Mon Compte</h1>",
}
WELCOME = "Vos coordonnées sont confirmées"
WRONG = "Numéro de sécurité sociale ou mot de passe incorrect"
SIGNED_OUT = "Vous êtes déconnecté"

CONNEXION = "/connexion"
CGU = "/premiere-connexion/conditions"
PASSWORD = "/premiere-connexion/mot-de-passe"
CONTACT = "/premiere-connexion/coordonnees"
CODE = "/premiere-connexion/code"
DEVICE = "/connexion/nouvel-appareil"
HOME = "/mon-compte"

_CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]+)"')
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_SUMMARY_ITEM = re.compile(r'class="error-summary".*?<li>(.*?)</li>', re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Answer:
    status: int
    location: str = ""          # the path of the Location header, "" when none
    text: str = ""
    hx_redirect: str = ""       # htmx's «move the whole page» header
    error: str = ""             # a connection error or timeout: no answer at all
    ms: float = 0.0


@dataclass(frozen=True)
class Expect:
    status: int
    location: tuple[str, ...] = ()      # a redirect must go to one of these paths
    contains: tuple[str, ...] = ()      # the page must contain each of these


class StepFailed(RuntimeError):
    def __init__(self, name: str, reason: str, answer: Answer | None = None) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self.reason, self.answer = name, reason, answer


def title_of(text: str) -> str:
    found = _TITLE.search(text or "")
    return html.unescape(" ".join(found.group(1).split())) if found else ""


def summary_of(text: str) -> str:
    """The first message of the page's error summary («Il y a un problème»), if any."""
    found = _SUMMARY_ITEM.search(text or "")
    return html.unescape(" ".join(_TAG.sub("", found.group(1)).split())) if found else ""


def verdict(answer: Answer, expect: Expect) -> str | None:
    """None when the answer is the expected page; else why not, in a few words."""
    if answer.error:
        return f"no answer ({answer.error})"
    if answer.status >= 500:
        return f"{answer.status} ({title_of(answer.text) or 'no title'})"
    if answer.hx_redirect:
        lost = " — sent back to sign-in" if answer.hx_redirect.startswith(CONNEXION) else ""
        return f"htmx redirect to {answer.hx_redirect}{lost}"
    if answer.status != expect.status:
        where = f" → {answer.location}" if answer.location else ""
        lost = " — sent back to sign-in" if answer.location.startswith(CONNEXION) and \
            CONNEXION not in expect.location else ""
        title = title_of(answer.text)
        said = summary_of(answer.text)
        return (f"{answer.status}{where} instead of {expect.status}" + (f" ({title})" if title else "")
                + (f": «{said[:120]}»" if said else "") + lost)
    if expect.location and answer.location not in expect.location:
        lost = " — sent back to sign-in" if answer.location.startswith(CONNEXION) else ""
        return f"redirect to {answer.location or 'nowhere'} instead of {' or '.join(expect.location)}{lost}"
    for text in expect.contains:
        if text not in answer.text:
            return f"wrong page: «{text}» missing ({title_of(answer.text) or 'no title'})"
    return None


def csrf_of(text: str) -> str:
    found = _CSRF_INPUT.search(text or "")
    value = _VALUE.search(found.group(0)) if found else None
    if not value:
        raise ValueError("no CSRF token in the page")
    return html.unescape(value.group(1))


def code_in(body: str) -> str:
    found = _CODE.findall(body or "")
    if not found:
        raise ValueError("no 6-digit code in the message")
    return found[0]


def path_of(location: str) -> str:
    return urllib.parse.urlsplit(location).path if location else ""


def browser_headers(host: str, client_ip: str, referer_path: str | None, htmx: bool) -> dict:
    """What the trusted proxy in front of the app passes on: the person's own address
    (X-Forwarded-For) and HTTPS (X-Forwarded-Proto); and what the browser sends: the
    Referer of the page the form is on (Flask-WTF checks it over HTTPS)."""
    headers = {"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https",
               "Accept-Language": "fr-FR,fr;q=0.9",
               "User-Agent": "Mozilla/5.0 (Linux; Android 12) moncompte-load"}
    if referer_path is not None:
        headers["Referer"] = f"https://{host}{referer_path}"
    if htmx:
        headers.update({"HX-Request": "true", "HX-Current-URL": f"https://{host}{referer_path or '/'}"})
    return headers


class Cookies:
    """A browser's cookies for the app, kept by hand: the session cookie is Secure, and the
    browser sends it since HTTPS ends at the trusted proxy (X-Forwarded-Proto: https);
    the HTTP clients' own jars rightly refuse to send a Secure cookie over plain HTTP."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def header(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.values.items())} if self.values else {}

    def keep(self, set_cookie: list[str]) -> None:
        for value in set_cookie:
            jar = SimpleCookie()
            try:
                jar.load(value)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.values.pop(name, None)
                else:
                    self.values[name] = morsel.value


class Transport(Protocol):
    def send(self, method: str, path: str, name: str, expect: Expect, data: dict | None = None,
             htmx: bool = False, referer: str | None = None) -> Answer:
        """Send one request; record it under `name`; raise StepFailed unless it is right."""


class Outbox:
    """The messages the local mail server and SMS gateway received, read over HTTP from the
    orchestrator (load/stack.py) as a phone or a mailbox would show them."""

    def __init__(self, url: str, timeout: float = 15.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _get(self, address: str) -> dict:
        query = urllib.parse.urlencode({"to": address})
        with urllib.request.urlopen(f"{self.url}/messages?{query}", timeout=5) as answer:
            return json.loads(answer.read())

    def count(self, address: str) -> int:
        return int(self._get(address)["count"])

    def wait_code(self, address: str, since: int, sleep: Callable[[float], None] = time.sleep) -> str:
        """The code of the first message to `address` after the first `since` ones."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = self._get(address)
            if found["count"] > since:
                return code_in(found["messages"][since]["body"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"no message to {address} within {self.timeout:.0f} s")
            sleep(0.2)


@dataclass
class Journey:
    """One person's first login, step by step (each step a method, so a fault phase can
    stop between two steps)."""

    transport: Transport
    person: object               # load.people.Person
    provisional_password: str
    outbox: Outbox
    pause: Callable[[], None] = lambda: None
    sleep: Callable[[float], None] = time.sleep
    csrf: str = ""
    page: str = CONNEXION
    done: list[str] = field(default_factory=list)
    before: int = 0              # messages the person had before the one awaited

    STEPS = ("sign_in", "cgu", "password", "contact", "code", "finish")

    def _send(self, method: str, path: str, name: str, expect: Expect, data: dict | None = None,
              htmx: bool = False) -> Answer:
        if data is not None:
            data = {**data, "csrf_token": self.csrf}
        answer = self.transport.send(method, path, name, expect, data, htmx, referer=self.page)
        if method == "GET":
            self.page = path
            try:
                self.csrf = csrf_of(answer.text)
            except ValueError:
                pass
        return answer

    def run(self, steps: tuple[str, ...] | None = None) -> None:
        for step in steps or self.STEPS:
            getattr(self, step)()
            self.done.append(step)

    def sign_in(self) -> None:
        p = self.person
        self._send("GET", CONNEXION, "connexion GET", Expect(200, contains=(H1["connexion"],)))
        self.pause()
        # The live check htmx sends while the number is typed (half of it, then all of it).
        self._send("POST", "/connexion/numero", "connexion numéro (htmx)",
                   Expect(200, contains=("live-msg--warn",)), {"nir": p.typed_nir[:9]}, htmx=True)
        self._send("POST", "/connexion/numero", "connexion numéro (htmx)",
                   Expect(200, contains=("live-msg--ok",)), {"nir": p.typed_nir}, htmx=True)
        self.pause()
        self.before = self.outbox.count(p.address) if p.address else 0
        answer = self._send("POST", CONNEXION, "connexion POST", Expect(303, location=(CGU, DEVICE)),
                            {"nir": p.typed_nir, "password": self.provisional_password})
        if answer.location == DEVICE:  # NEW_DEVICE_CHECK: the sign-in sent a code
            self.new_device()

    def new_device(self) -> None:
        p = self.person
        self._send("GET", DEVICE, "nouvel appareil GET", Expect(200, contains=(H1["appareil"],)))
        code = self.outbox.wait_code(p.address, self.before, self.sleep)
        self._send("POST", DEVICE, "nouvel appareil POST", Expect(303, location=(CGU, HOME)),
                   {"code": code})

    def cgu(self) -> None:
        self._send("GET", CGU, "conditions GET", Expect(200, contains=(H1["conditions"],)))
        self.pause()
        self._send("POST", CGU, "conditions POST", Expect(303, location=(PASSWORD,)), {"accept": "y"})

    def password(self) -> None:
        new = self.person.new_password
        self._send("GET", PASSWORD, "mot de passe GET", Expect(200, contains=(H1["mot-de-passe"],)))
        live = Expect(200, contains=('id="password-match"',))
        self._send("POST", PASSWORD + "/regles", "mot de passe règles (htmx)", live,
                   {"new_password": new[:5], "confirm_password": ""}, htmx=True)
        self._send("POST", PASSWORD + "/regles", "mot de passe règles (htmx)", live,
                   {"new_password": new, "confirm_password": new}, htmx=True)
        self.pause()
        self._send("POST", PASSWORD, "mot de passe POST", Expect(303, location=(CONTACT,)),
                   {"new_password": new, "confirm_password": new})

    def contact(self) -> None:
        p = self.person
        self._send("GET", CONTACT, "coordonnées GET", Expect(200, contains=(H1["coordonnees"],)))
        self.pause()
        self.before = self.outbox.count(p.address)
        self._send("POST", CONTACT, "coordonnées POST", Expect(303, location=(CODE,)),
                   {"mobile": p.mobile, "other_phone": "", "email": p.email, "channel": p.channel})

    def code(self) -> None:
        p = self.person
        self._send("GET", CODE, "code GET", Expect(200, contains=(H1["code"],)))
        code = self.outbox.wait_code(p.address, self.before, self.sleep)
        self._send("POST", CODE + "/saisie", "code saisie (htmx)", Expect(200), {"code": code[:3]},
                   htmx=True)
        self.pause()
        self._send("POST", CODE, "code POST", Expect(303, location=(HOME,)), {"code": code})

    def finish(self) -> None:
        self._send("GET", HOME, "mon compte GET", Expect(200, contains=(H1["mon-compte"], WELCOME)))
        self.pause()
        self._send("POST", "/deconnexion", "déconnexion POST", Expect(303, location=(CONNEXION,)), {})
        self._send("GET", CONNEXION, "connexion GET (déconnecté)",
                   Expect(200, contains=(H1["connexion"], SIGNED_OUT)))
