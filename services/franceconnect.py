"""FranceConnect: the State's OpenID Connect identity federation, as a client that holds
against a provider that hangs, floods or lies.

Pointing the app at FranceConnect's integration platform (or production) is a matter of
settings (FRANCECONNECT_*). In development, with none set, a local OpenID Connect
provider (oidc-provider-mock, started by `make run`) stands in for it.

The authorization-code flow with PKCE (S256), `state` and `nonce`; the HTTP calls are
ours (`requests`, bounded as below), the JOSE checks are joserfc's.

Limits (anything beyond is refused, and nothing of it is stored or shown):
- time: connect within FRANCECONNECT_CONNECT_TIMEOUT (3 s), at most
  FRANCECONNECT_READ_TIMEOUT (5 s) without a byte, and everything one page says to the
  provider (the button, the return, the logout) within FRANCECONNECT_DEADLINE (10 s). A
  watchdog shuts the connections down when the deadline passes, however slowly the bytes
  come (one byte every 2 s, in the headers or in the body);
- size: each answer (discovery, token, keys, userinfo) at most
  FRANCECONNECT_MAX_ANSWER_BYTES (64 KiB), counted while reading; no redirect followed;
  the ID token at most 8 KiB; the access token at most 4 KiB of printable ASCII;
- the discovery document: its `issuer` equal to FRANCECONNECT_ISSUER; every endpoint
  (authorization, token, userinfo, jwks, end_session) on the issuer's host and port, or
  on one of FRANCECONNECT_ALLOWED_HOSTS («host» or «host:port»), with the issuer's scheme;
  it and the key set are kept FRANCECONNECT_JWKS_SECONDS (3600 s) per app, and the key
  set is fetched again once when a signature does not check (a key rotated under the
  same `kid`);
- the ID token: RS256 or ES256 only (never `none` nor a shared secret), verified with a
  key of the provider's key set only (a token that names a key itself, in `jwk`, `jku`,
  `x5u` or `x5c`, is refused and nothing it names is fetched); `iss` the issuer, `aud`
  containing our client id, `azp` (OIDC Core §3.1.3.7) present and ours when `aud` has
  several values and ours whenever present, `exp` not passed and `iat` not in the
  future (LEEWAY_SECONDS of clock skew), `nonce` the one we sent, `acr` one we accept;
- the claims, in FranceConnect's documented formats: `sub` 1 to 255 printable ASCII
  characters (the userinfo's the same as the ID token's); `given_name`, `family_name`,
  `preferred_username` strings of at most 256 characters without control characters;
  `birthdate` YYYY-MM-DD; `gender` male or female; `birthplace` a 5-character INSEE code
  (Corsica's 2A/2B included) or empty (born abroad); `birthcountry` 5 digits; `email` at
  most 254 characters. Only sub, given_name and family_name are kept.

Every refusal is a `Failure` whose `cause` is one of CAUSES; the blueprint logs it as
`franceconnect_failed reason=<cause>` and shows the page that goes with it.
"""
from __future__ import annotations

import json
import math
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Flask, current_app
from joserfc import jws, jwt
from joserfc.errors import DecodeError, JoseError
from joserfc.jwk import KeySet
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

SCOPES = "openid given_name family_name birthdate gender birthplace birthcountry"
ALGORITHMS = ["RS256", "ES256"]
# What FranceConnect may answer in `acr` for the level we ask (eIDAS low).
ACCEPTED_ACR = {"eidas1", "eidas2", "eidas3"}
LEEWAY_SECONDS = 30
MAX_ID_TOKEN = 8 * 1024
MAX_ACCESS_TOKEN = 4 * 1024
MAX_NAME = 256
# Headers by which a token would bring or point at its own key: never trusted.
KEY_HEADERS = {"jwk", "jku", "x5u", "x5c"}

# Why an exchange stopped. timeout: the provider was too slow; unreachable: no answer,
# or an error status; too_large: an answer or a claim over its bound; bad_metadata: the
# discovery document or the key set is not the issuer's; bad_signature: the signature
# does not check with the provider's keys; bad_claims: a claim is wrong or malformed;
# denied: the provider said no; state: the return is not the one we are waiting for.
CAUSES = ("timeout", "unreachable", "too_large", "bad_metadata", "bad_signature",
          "bad_claims", "denied", "state")


class Failure(Exception):
    """The exchange with FranceConnect stopped; `cause` is one of CAUSES."""

    def __init__(self, cause: str, detail: str = "") -> None:
        assert cause in CAUSES, cause
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause


# --- the deadline and its watchdog --------------------------------------------------------

_local = threading.local()


class Deadline:
    """The time one page may spend with the provider. The sockets opened meanwhile are
    shut down when it passes: a read that the provider keeps alive byte by byte ends."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds
        self.passed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def left(self) -> float:
        """Seconds left; a Failure("timeout") once there are none."""
        left = self.ends - time.monotonic()
        if self.passed or left <= 0:
            raise Failure("timeout", "deadline")
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._timer is None:  # no thread at all for a page that needs no call
                self._timer = threading.Timer(max(self.ends - time.monotonic(), 0), self._cut)
                self._timer.daemon = True
                self._timer.start()
            self._sockets.append(sock)
            passed = self.passed
        if passed:
            _shut(sock)

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a recv() blocked in another thread
    except OSError:
        pass


def _watched(connection) -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and connection.sock is not None:
        deadline.watch(connection.sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watched(self)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watched(self)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections the current Deadline can shut down."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy, **kwargs):
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


# --- one page's exchange with the provider ------------------------------------------------

@dataclass
class _Answer:
    status: int
    content_type: str
    body: bytes

    def json(self, cause: str) -> dict:
        try:
            value = json.loads(self.body)
        except (ValueError, RecursionError) as error:
            raise Failure(cause, "not JSON") from error
        if not isinstance(value, dict):
            raise Failure(cause, "not a JSON object")
        return value


class Exchange:
    """Everything one page asks the provider: one deadline, one connection pool."""

    def __init__(self, config) -> None:
        self.config = config
        self.deadline = Deadline(config["FRANCECONNECT_DEADLINE"])
        self.keys_fetched = False  # the key set came from the provider during this exchange
        self.metadata: dict | None = None  # read once per exchange, from the cache or anew
        self._http: requests.Session | None = None

    @property
    def http(self) -> requests.Session:
        """Made at the first call: a page served from the cache makes none."""
        if self._http is None:
            self._http = requests.Session()
            adapter = _WatchedAdapter(max_retries=0)
            self._http.mount("http://", adapter)
            self._http.mount("https://", adapter)
            # No compression: what we count is what we get.
            self._http.headers.update({"Accept-Encoding": "identity",
                                       "User-Agent": "moncompte-caf"})
        return self._http

    def __enter__(self) -> Exchange:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self.deadline
        return self

    def __exit__(self, *exc) -> None:
        _local.deadline = self._outer
        self.deadline.close()
        if self._http is not None:
            self._http.close()

    def call(self, method: str, url: str, **kwargs) -> _Answer:
        left = self.deadline.left()
        timeout = (min(self.config["FRANCECONNECT_CONNECT_TIMEOUT"], left),
                   min(self.config["FRANCECONNECT_READ_TIMEOUT"], left))
        try:
            with self.http.request(method, url, timeout=timeout, stream=True,
                                   allow_redirects=False, **kwargs) as response:
                answer = _Answer(response.status_code,
                                 response.headers.get("Content-Type", "").split(";")[0].strip(),
                                 self._read(response))
            # Cut by the watchdog, what came may look like a (short) answer: it is none.
            self.deadline.left()
            return answer
        except requests.Timeout as error:
            raise Failure("timeout", type(error).__name__) from error
        except (requests.RequestException, OSError) as error:
            cause = "timeout" if self.deadline.passed else "unreachable"
            raise Failure(cause, type(error).__name__) from error

    def _read(self, response: requests.Response) -> bytes:
        limit = self.config["FRANCECONNECT_MAX_ANSWER_BYTES"]
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise Failure("too_large", "declared length")
        body = bytearray()
        for chunk in response.iter_content(chunk_size=8192):
            body += chunk
            if len(body) > limit:
                raise Failure("too_large", "answer")
            self.deadline.left()
        return bytes(body)


# --- the provider's metadata and keys, kept per app -------------------------------------------

@dataclass
class _Cache:
    metadata: dict | None = None
    metadata_at: float = 0.0
    keys: KeySet | None = None
    keys_at: float = 0.0


ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


def _issuer(config) -> str:
    return config["FRANCECONNECT_ISSUER"].rstrip("/")


def _allowed_places(config) -> set[tuple[str, str, int]]:
    """(scheme, host, port) where the provider's endpoints may be."""
    issuer = urlsplit(_issuer(config))
    default = 443 if issuer.scheme == "https" else 80
    places = {(issuer.scheme, (issuer.hostname or "").lower(), issuer.port or default)}
    for entry in config["FRANCECONNECT_ALLOWED_HOSTS"].split(","):
        entry = entry.strip().lower()
        if entry:
            extra = urlsplit("//" + entry)
            places.add((issuer.scheme, extra.hostname or "", extra.port or default))
    return places


def _endpoint_allowed(url: Any, places: set[tuple[str, str, int]]) -> bool:
    if not isinstance(url, str) or len(url) > 2048:
        return False
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    return (parts.username is None and parts.password is None
            and (parts.scheme, (parts.hostname or "").lower(), port) in places)


def check_metadata(document: dict, config) -> dict:
    """The discovery document, if it is the configured issuer's; else Failure."""
    issuer = _issuer(config)
    if document.get("issuer") not in (issuer, config["FRANCECONNECT_ISSUER"]):
        raise Failure("bad_metadata", "issuer")
    places = _allowed_places(config)
    for name in ENDPOINTS:
        if not _endpoint_allowed(document.get(name), places):
            raise Failure("bad_metadata", name)
    end_session = document.get("end_session_endpoint")
    if end_session is not None and not _endpoint_allowed(end_session, places):
        raise Failure("bad_metadata", "end_session_endpoint")
    kept = {name: document[name] for name in ENDPOINTS}
    kept["issuer"] = document["issuer"]
    if end_session:
        kept["end_session_endpoint"] = end_session
    return kept


def _cache() -> _Cache:
    return current_app.extensions["franceconnect"]


def _fresh(fetched_at: float, config) -> bool:
    return time.monotonic() - fetched_at < config["FRANCECONNECT_JWKS_SECONDS"]


def metadata(exchange: Exchange) -> dict:
    if exchange.metadata is not None:
        return exchange.metadata
    cache = _cache()
    if cache.metadata is not None and _fresh(cache.metadata_at, exchange.config):
        exchange.metadata = cache.metadata
        return cache.metadata
    answer = exchange.call("GET", f"{_issuer(exchange.config)}/.well-known/openid-configuration",
                           headers={"Accept": "application/json"})
    if answer.status != 200:
        raise Failure("unreachable", f"discovery {answer.status}")
    exchange.metadata = cache.metadata = check_metadata(answer.json("bad_metadata"),
                                                         exchange.config)
    cache.metadata_at = time.monotonic()
    return cache.metadata


def keys(exchange: Exchange, again: bool = False) -> KeySet:
    """The provider's signing keys (RSA and EC public keys only); `again` fetches them anew."""
    cache = _cache()
    if not again and cache.keys is not None and _fresh(cache.keys_at, exchange.config):
        return cache.keys
    answer = exchange.call("GET", metadata(exchange)["jwks_uri"],
                           headers={"Accept": "application/json"})
    if answer.status != 200:
        raise Failure("unreachable", f"jwks {answer.status}")
    listed = answer.json("bad_metadata").get("keys")
    if not isinstance(listed, list):
        raise Failure("bad_metadata", "jwks")
    public = [key for key in listed if isinstance(key, dict) and key.get("kty") in ("RSA", "EC")
              and key.get("use", "sig") == "sig" and "d" not in key]
    try:
        cache.keys = KeySet.import_key_set({"keys": public})
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise Failure("bad_metadata", "jwks") from error
    cache.keys_at = time.monotonic()
    exchange.keys_fetched = True
    return cache.keys


# --- checking what the provider signed -----------------------------------------------------------

def verify(exchange: Exchange, token: str) -> dict:
    """The claims of a JWT signed by the provider. When the signature does not check with
    the keys we kept, they are fetched again, once per exchange (a key rotated under the
    same `kid`); keys fetched during this exchange are not fetched twice."""
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError) as error:
        raise Failure("bad_signature", "malformed") from error
    if header.get("alg") not in ALGORITHMS:
        raise Failure("bad_signature", "algorithm")
    if KEY_HEADERS.intersection(header) or "crit" in header:
        raise Failure("bad_signature", "key in header")
    while True:
        try:
            claims = jwt.decode(token, keys(exchange), algorithms=ALGORITHMS).claims
            break
        except DecodeError as error:
            raise Failure("bad_signature", "malformed") from error
        except (JoseError, ValueError, TypeError) as error:
            if exchange.keys_fetched:
                raise Failure("bad_signature", type(error).__name__) from error
            keys(exchange, again=True)
    if not isinstance(claims, dict):
        raise Failure("bad_claims", "payload")
    return claims


def _audience_ok(claims: dict, client_id: str) -> bool:
    """OIDC Core §3.1.3.7, steps 3 to 5."""
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        return False
    if client_id not in audiences:
        return False
    if len(audiences) > 1 and claims.get("azp") != client_id:
        return False
    return "azp" not in claims or claims["azp"] == client_id


def _numeric_date(value: Any) -> bool:
    """A JSON number, finite (Python's JSON reads NaN and Infinity: an `exp` of Infinity
    would never expire)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _time_ok(claims: dict) -> bool:
    now = time.time()
    exp, iat = claims.get("exp"), claims.get("iat")
    return (_numeric_date(exp) and _numeric_date(iat)
            and exp > now - LEEWAY_SECONDS and iat <= now + LEEWAY_SECONDS)


def check_id_token(claims: dict, issuer: str, client_id: str, nonce: str) -> None:
    if claims.get("iss") != issuer:
        raise Failure("bad_claims", "iss")
    if not _audience_ok(claims, client_id):
        raise Failure("bad_claims", "aud/azp")
    if not _time_ok(claims):
        raise Failure("bad_claims", "exp/iat")
    given = claims.get("nonce")
    if not isinstance(given, str) or not secrets.compare_digest(given.encode(), nonce.encode()):
        raise Failure("bad_claims", "nonce")
    if "acr" in claims and claims["acr"] not in ACCEPTED_ACR:
        raise Failure("bad_claims", "acr")
    _check_sub(claims.get("sub"))


_SUB = re.compile(r"[\x21-\x7e]{1,255}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMATS = {
    "birthdate": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "gender": re.compile(r"male|female"),
    "birthplace": re.compile(r"(?:[0-9][0-9AB][0-9]{3})?"),
    "birthcountry": re.compile(r"\d{5}"),
}
_TEXTS = {"given_name": MAX_NAME, "family_name": MAX_NAME, "preferred_username": MAX_NAME,
          "email": 254}


def _check_sub(sub: Any) -> None:
    if not isinstance(sub, str) or not _SUB.fullmatch(sub):
        raise Failure("bad_claims", "sub")


def check_userinfo(claims: dict) -> dict:
    """The person's claims in FranceConnect's formats; only what we keep is returned."""
    _check_sub(claims.get("sub"))
    for name, longest in _TEXTS.items():
        value = claims.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or _CONTROL.search(value):
            raise Failure("bad_claims", name)
        if len(value) > longest:
            raise Failure("too_large", name)
    for name, pattern in _FORMATS.items():
        value = claims.get(name)
        if value is not None and not (isinstance(value, str) and pattern.fullmatch(value)):
            raise Failure("bad_claims", name)
    return {"sub": claims["sub"], "given_name": claims.get("given_name") or "",
            "family_name": claims.get("family_name") or ""}


# --- the flow ------------------------------------------------------------------------------

def init_franceconnect(app: Flask) -> None:
    """The provider's metadata and keys are kept per app: each app talks to its own."""
    if app.config["FRANCECONNECT_ISSUER"]:
        if app.config["FRANCECONNECT_AUTH_METHOD"] not in ("client_secret_post",
                                                           "client_secret_basic"):
            from services.config import ConfigError

            raise ConfigError("FRANCECONNECT_AUTH_METHOD must be client_secret_post or "
                              "client_secret_basic.")
        app.extensions["franceconnect"] = _Cache()


def enabled() -> bool:
    return bool(current_app.config["FRANCECONNECT_ISSUER"])


def new_nonce() -> str:
    """At least 22 characters, as FranceConnect asks: 43 here."""
    return secrets.token_urlsafe(32)


def new_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43 to 128 characters): 64 here."""
    return secrets.token_urlsafe(48)


def authorization_url(redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
    """Where the button sends the browser: FranceConnect's authorization endpoint."""
    config = current_app.config
    with Exchange(config) as exchange:
        endpoint = metadata(exchange)["authorization_endpoint"]
    return add_params_to_uri(endpoint, [
        ("response_type", "code"), ("client_id", config["FRANCECONNECT_CLIENT_ID"]),
        ("redirect_uri", redirect_uri), ("scope", SCOPES), ("state", state),
        ("nonce", nonce), ("acr_values", config["FRANCECONNECT_ACR_VALUES"]),
        ("code_challenge", create_s256_code_challenge(verifier)),
        ("code_challenge_method", "S256"),
    ])


def _token_request(exchange: Exchange, code: str, redirect_uri: str, verifier: str) -> dict:
    config = exchange.config
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    auth = None
    if config["FRANCECONNECT_AUTH_METHOD"] == "client_secret_basic":
        auth = (requests.utils.quote(config["FRANCECONNECT_CLIENT_ID"], safe=""),
                requests.utils.quote(config["FRANCECONNECT_CLIENT_SECRET"], safe=""))
    else:
        form.update(client_id=config["FRANCECONNECT_CLIENT_ID"],
                    client_secret=config["FRANCECONNECT_CLIENT_SECRET"])
    answer = exchange.call("POST", metadata(exchange)["token_endpoint"], data=form, auth=auth,
                           headers={"Accept": "application/json"})
    if answer.status in (400, 401, 403):
        raise Failure("denied", f"token {answer.status}")
    if answer.status != 200:
        raise Failure("unreachable", f"token {answer.status}")
    return answer.json("bad_claims")


def _ascii_token(value: Any, longest: int, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise Failure("bad_claims", what)
    if len(value) > longest:
        raise Failure("too_large", what)
    if not re.fullmatch(r"[\x21-\x7e]+", value):
        raise Failure("bad_claims", what)
    return value


def _userinfo(exchange: Exchange, access_token: str) -> dict:
    config = exchange.config
    answer = exchange.call("GET", metadata(exchange)["userinfo_endpoint"],
                           headers={"Authorization": f"Bearer {access_token}",
                                    "Accept": "application/json, application/jwt"})
    if answer.status in (401, 403):
        raise Failure("denied", f"userinfo {answer.status}")
    if answer.status != 200:
        raise Failure("unreachable", f"userinfo {answer.status}")
    if answer.content_type != "application/jwt":
        return answer.json("bad_claims")
    # FranceConnect v2 signs it: the provider's keys, its issuer, addressed to us.
    try:
        token = answer.body.decode("ascii").strip()
    except UnicodeError as error:
        raise Failure("bad_signature", "malformed") from error
    claims = verify(exchange, token)
    if claims.get("iss", metadata(exchange)["issuer"]) != metadata(exchange)["issuer"]:
        raise Failure("bad_claims", "userinfo iss")
    if "aud" in claims and not _audience_ok(claims, config["FRANCECONNECT_CLIENT_ID"]):
        raise Failure("bad_claims", "userinfo aud")
    return claims


def sign_in(code: str, redirect_uri: str, nonce: str, verifier: str) -> dict:
    """The return from FranceConnect: the code exchanged, the ID token and the userinfo
    checked. Returns {sub, id_token, given_name, family_name}; else raises Failure."""
    config = current_app.config
    code = _ascii_token(code, 1024, "code")
    with Exchange(config) as exchange:
        answer = _token_request(exchange, code, redirect_uri, verifier)
        id_token = _ascii_token(answer.get("id_token"), MAX_ID_TOKEN, "id_token")
        access_token = _ascii_token(answer.get("access_token"), MAX_ACCESS_TOKEN, "access_token")
        if str(answer.get("token_type", "Bearer")).lower() != "bearer":
            raise Failure("bad_claims", "token_type")
        identity = verify(exchange, id_token)
        check_id_token(identity, metadata(exchange)["issuer"],
                       config["FRANCECONNECT_CLIENT_ID"], nonce)
        userinfo = _userinfo(exchange, access_token)
    person = check_userinfo(userinfo)
    # The userinfo must speak of the person the signed ID token names.
    if person["sub"] != identity["sub"]:
        raise Failure("bad_claims", "userinfo sub")
    return {**person, "id_token": id_token}


def end_session_url(id_token: str, post_logout_redirect_uri: str, state: str) -> str:
    """Where «Se déconnecter» sends the browser after our session ended."""
    with Exchange(current_app.config) as exchange:
        endpoint = metadata(exchange).get("end_session_endpoint")
    if not endpoint:
        raise Failure("bad_metadata", "no end_session_endpoint")
    return add_params_to_uri(endpoint, [
        ("id_token_hint", id_token), ("post_logout_redirect_uri", post_logout_redirect_uri),
        ("state", state)])
