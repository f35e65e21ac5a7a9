"""Server time of the live checks, without the throttled browser.

A plain HTTP client walks Marie-Ange's first login (her code goes by SMS, through the
local gateway) and at each live step sends the same POST htmx would send, many times,
with a valid session and CSRF token, as if she typed: the value grows one character at
a time. The figure kept is the median of the app's own `Server-Timing: app;dur=…`.

The session cookie is Secure and this client talks plain HTTP on loopback, so cookies
are kept by hand (a cookie jar would rightly refuse to send a Secure cookie over HTTP).
"""
from __future__ import annotations

import re
import statistics
import time
from http.cookies import SimpleCookie

import requests

from bench.servers import Inbox
from bench.walk import server_ms

MARIE_ANGE_NIR = "2 92 09 2A 004 071"
MARIE_ANGE_OLD_PASSWORD = "13572468"
MARIE_ANGE_MOBILE = "06 12 34 56 78"
NEW_PASSWORD = "Printemps7Vert"
WARM_UP = 10
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


class Client:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}

    def _keep(self, response: requests.Response) -> None:
        for header in response.raw.headers.getlist("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method: str, path: str, data: dict | None = None,
                htmx: bool = False) -> requests.Response:
        headers = {"Accept-Encoding": "br, gzip", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if htmx:
            headers.update({"HX-Request": "true", "HX-Current-URL": self.base + path})
        response = self.http.request(method, self.base + path, data=data, headers=headers,
                                     allow_redirects=False, timeout=30)
        self._keep(response)
        return response

    def page(self, path: str) -> str:
        """GET a page; its CSRF token."""
        response = self.request("GET", path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        found = _CSRF.search(response.text)
        if not found:
            raise RuntimeError(f"GET {path}: no CSRF token in the page")
        return _VALUE.search(found.group(0)).group(1)

    def post(self, path: str, data: dict, expect: str | None = None) -> requests.Response:
        response = self.request("POST", path, data)
        where = response.headers.get("Location", "")
        if response.status_code != 303 or (expect and not where.endswith(expect)):
            raise RuntimeError(f"POST {path} answered {response.status_code} → {where!r}, expected {expect}")
        return response


def _hammer(client: Client, path: str, forms: list[dict], count: int) -> dict:
    """`count` live POSTs (after a few not counted); Server-Timing median and friends."""
    timings: list[float] = []
    round_trips: list[float] = []
    sizes: list[int] = []
    missing = 0
    for i in range(WARM_UP + count):
        form = forms[i % len(forms)]
        started = time.perf_counter()
        response = client.request("POST", path, form, htmx=True)
        spent = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"live POST {path} answered {response.status_code}")
        if i < WARM_UP:
            continue
        round_trips.append(spent)
        sizes.append(len(response.content))
        value = server_ms({k.lower(): v for k, v in response.headers.items()})
        if value is None:
            missing += 1
        else:
            timings.append(value)
    return {
        "path": path, "requests": count, "warm_up_not_counted": WARM_UP,
        "server_ms_median": round(statistics.median(timings), 3) if timings else None,
        "server_ms_p90": round(statistics.quantiles(timings, n=10)[-1], 3) if len(timings) >= 10 else None,
        "server_ms_max": round(max(timings), 3) if timings else None,
        "without_server_timing": missing,
        "round_trip_ms_median": round(statistics.median(round_trips), 3),
        "raw_bytes_median": statistics.median(sizes),
    }


def _prefixes(text: str) -> list[str]:
    return [text[:i] for i in range(1, len(text) + 1)]


def measure(base_url: str, inbox: Inbox, count: int = 200) -> dict:
    """Direct server times for the three live checks, along Marie-Ange's journey."""
    client = Client(base_url)
    out: dict = {}
    csrf = client.page("/connexion")
    out["nir"] = _hammer(client, "/connexion/numero",
                         [{"nir": t, "csrf_token": csrf} for t in _prefixes(MARIE_ANGE_NIR)], count)

    client.post("/connexion", {"nir": MARIE_ANGE_NIR, "password": MARIE_ANGE_OLD_PASSWORD,
                               "csrf_token": csrf}, "/premiere-connexion/conditions")
    csrf = client.page("/premiere-connexion/conditions")
    client.post("/premiere-connexion/conditions", {"accept": "y", "csrf_token": csrf},
                "/premiere-connexion/mot-de-passe")

    csrf = client.page("/premiere-connexion/mot-de-passe")
    typing = ([{"new_password": t, "confirm_password": "", "csrf_token": csrf} for t in _prefixes(NEW_PASSWORD)]
              + [{"new_password": NEW_PASSWORD, "confirm_password": t, "csrf_token": csrf}
                 for t in _prefixes(NEW_PASSWORD)])
    out["password_rules"] = _hammer(client, "/premiere-connexion/mot-de-passe/regles", typing, count)
    client.post("/premiere-connexion/mot-de-passe", {"new_password": NEW_PASSWORD,
                                                     "confirm_password": NEW_PASSWORD, "csrf_token": csrf},
                "/premiere-connexion/coordonnees")

    csrf = client.page("/premiere-connexion/coordonnees")
    before = inbox.count()
    client.post("/premiere-connexion/coordonnees", {"mobile": MARIE_ANGE_MOBILE, "other_phone": "",
                                                    "email": "", "channel": "sms", "csrf_token": csrf},
                "/premiere-connexion/code")
    sms = inbox.wait_new(before)
    code = re.findall(r"(?<!\d)\d{6}(?!\d)", sms["body"])[0]

    csrf = client.page("/premiere-connexion/code")
    out["code"] = _hammer(client, "/premiere-connexion/code/saisie",
                          [{"code": t, "csrf_token": csrf} for t in _prefixes("123456")], count)
    client.post("/premiere-connexion/code", {"code": code, "csrf_token": csrf}, "/mon-compte")
    out["journey_by_sms"] = {"channel": sms["channel"], "reached_mon_compte": True}
    return out
