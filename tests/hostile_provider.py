"""A hostile OpenID Connect provider for the tests: ours, threaded, on 127.0.0.1 and a free
port. Used by tests/test_franceconnect_hostile.py.

It behaves (discovery, /authorize, /token with PKCE checked, /jwks, /userinfo) until a
test switches it to one attack:

- `mode`: "discovery_hangs" (the discovery document never comes), "token_hangs" (the
  token endpoint never answers), "token_drips" (its headers,
  then one byte of body every DRIP_SECONDS), "token_drips_headers" (its status line, then
  one byte of headers every DRIP_SECONDS), "token_10mb" (a 10 MB token answer),
  "userinfo_10mb" (a 10 MB given_name in the userinfo), "id_token_10mb" (a 10 MB claim in
  the ID token), "alg_none", "hs256_client_secret" (an ID token signed with our client
  secret as an HMAC key), "key_in_header" (signed by the attacker's key, which it carries
  in `jwk` and points at in `jku`);
- `discovery`, `id_token_claims`, `userinfo_claims`: what to change in those documents
  (a value None removes the claim);
- `rotate()`: a new signing key under the same `kid`, the key set serving only it.

Everything it receives is kept in `received` (method, path, headers, body), so a test can
say what reached it, and what never did.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

CLIENT_ID = "moncompte-caf-dev"          # the app's development defaults (services/config.py)
CLIENT_SECRET = "dev-client-secret"
KID = "hostile-1"
DRIP_SECONDS = 2
TEN_MB = 10 * 1024 * 1024
KARIM_SUB = "fc-karim-b"
USERINFO = {"given_name": "Karim", "family_name": "B.", "birthdate": "1975-01-23",
            "gender": "male", "birthplace": "69123", "birthcountry": "99100"}

_KEYS: dict[str, RSAKey] = {}


def rsa_key(name: str) -> RSAKey:
    """A 2048-bit key made once per test run and name (making one takes a while)."""
    if name not in _KEYS:
        _KEYS[name] = RSAKey.generate_key(2048, private=True)
    return _KEYS[name]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("latin-1")).items()}


class Hostile:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.hostile = self
        self.port = self.server.server_port
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.release = threading.Event()
        self.reset()

    def reset(self) -> None:
        self.release.set()  # frees whatever still hangs from the test before
        self.release = threading.Event()
        self.mode = "honest"
        self.discovery: dict = {}
        self.id_token_claims: dict = {}
        self.userinfo_claims: dict = {}
        self.received: list[Received] = []
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.signing_key = rsa_key("provider")
        self.served_keys = [self.signing_key]
        self.sent_whole: dict[str, bool] = {}  # path → the whole big answer left

    def rotate(self) -> None:
        """Another key under the same kid; only it is served and signs from now on."""
        self.signing_key = rsa_key("rotated")
        self.served_keys = [self.signing_key]

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    # --- what the browser does at the provider ----------------------------------------

    def authorize(self, authorize_url: str, sub: str = KARIM_SUB) -> str:
        """The person signs in at the provider: returns our callback's path and query."""
        parts = urlsplit(authorize_url)
        assert f"{parts.scheme}://{parts.netloc}" == self.issuer, authorize_url
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": params.get("nonce"), "sub": sub,
                            "challenge": params.get("code_challenge"),
                            "method": params.get("code_challenge_method"),
                            "redirect_uri": params["redirect_uri"]}
        callback = urlsplit(params["redirect_uri"])
        return f"{callback.path}?code={code}&state={params['state']}"

    # --- documents ----------------------------------------------------------------------

    def discovery_document(self) -> dict:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/session/end",
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256", "none"],
        }
        return _changed(document, self.discovery)

    def key_set(self) -> dict:
        keys = []
        for key in self.served_keys:
            public = key.as_dict(private=False)
            public.update(kid=KID, use="sig", alg="RS256")
            keys.append(public)
        return {"keys": keys}

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": grant["sub"], "aud": CLIENT_ID, "iat": now,
                  "exp": now + 60, "nonce": grant["nonce"], "acr": "eidas1"}
        claims = _changed(claims, self.id_token_claims)
        if self.mode == "id_token_10mb":
            claims["given_name"] = "A" * TEN_MB
        if self.mode == "alg_none":
            header = _b64(json.dumps({"alg": "none", "kid": KID}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        if self.mode == "hs256_client_secret":
            return jwt.encode({"alg": "HS256", "kid": KID}, claims,
                              OctKey.import_key(CLIENT_SECRET), algorithms=["HS256"])
        if self.mode == "key_in_header":
            attacker = rsa_key("attacker")
            header = {"alg": "RS256", "kid": KID, "jku": f"{self.issuer}/attacker-jwks",
                      "jwk": {**attacker.as_dict(private=False), "kid": KID}}
            return jwt.encode(header, claims, attacker)
        return jwt.encode({"alg": "RS256", "kid": KID, "typ": "JWT"}, claims, self.signing_key)

    def userinfo(self, sub: str) -> dict:
        claims = _changed({"sub": sub, **USERINFO}, self.userinfo_claims)
        if self.mode == "userinfo_10mb":
            claims["given_name"] = "A" * TEN_MB
        return claims


def _changed(document: dict, changes: dict) -> dict:
    document = {**document, **changes}
    return {k: v for k, v in document.items() if v is not None}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def hostile(self) -> Hostile:
        return self.server.hostile

    def _record(self) -> Received:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        received = Received(self.command, urlsplit(self.path).path, dict(self.headers), body)
        self.hostile.received.append(received)
        return received

    def do_GET(self) -> None:
        self._route(self._record())

    def do_POST(self) -> None:
        self._route(self._record())

    def _route(self, received: Received) -> None:
        hostile = self.hostile
        if received.path == "/.well-known/openid-configuration":
            if hostile.mode == "discovery_hangs":
                hostile.release.wait(60)
                return None
            return self._json(hostile.discovery_document())
        if received.path == "/jwks":
            return self._json(hostile.key_set())
        if received.path == "/attacker-jwks":
            return self._json({"keys": [rsa_key("attacker").as_dict(private=False)]})
        if received.path == "/token":
            return self._token(received)
        if received.path == "/userinfo":
            return self._userinfo(received)
        self._json({"error": "not_found"}, 404)

    def _token(self, received: Received) -> None:
        hostile = self.hostile
        if hostile.mode == "token_hangs":
            hostile.release.wait(60)
            return
        if hostile.mode in ("token_drips", "token_drips_headers"):
            return self._drip(headers_too=hostile.mode == "token_drips_headers")
        form = received.form
        grant = hostile.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("client_id") != CLIENT_ID \
                or form.get("client_secret") != CLIENT_SECRET:
            return self._json({"error": "invalid_grant"}, 400)
        verifier = form.get("code_verifier", "")
        if grant["method"] != "S256" or _b64(hashlib.sha256(verifier.encode()).digest()) \
                != grant["challenge"]:
            return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        access_token = secrets.token_urlsafe(24)
        hostile.access_tokens[access_token] = grant["sub"]
        answer = {"access_token": access_token, "token_type": "Bearer", "expires_in": 60,
                  "id_token": hostile.id_token(grant)}
        if hostile.mode == "token_10mb":
            answer["padding"] = "A" * TEN_MB
        self._json(answer)

    def _userinfo(self, received: Received) -> None:
        hostile = self.hostile
        token = received.headers.get("Authorization", "").removeprefix("Bearer ")
        sub = hostile.access_tokens.get(token)
        if sub is None:
            return self._json({"error": "invalid_token"}, 401)
        self._json(hostile.userinfo(sub))

    def _json(self, document: dict, status: int = 200) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        whole = True
        try:
            for start in range(0, len(body), 65536):
                self.wfile.write(body[start:start + 65536])
        except OSError:  # the client went away before the end (as it should, for 10 MB)
            whole = False
        if len(body) > 65536:
            self.hostile.sent_whole[urlsplit(self.path).path] = whole

    def _drip(self, headers_too: bool) -> None:
        """One byte every DRIP_SECONDS, for as long as the client listens."""
        head = b"HTTP/1.1 200 OK\r\n"
        if not headers_too:
            head += b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        try:
            self.wfile.write(head)
            self.wfile.flush()
            while not self.hostile.release.wait(DRIP_SECONDS):
                self.wfile.write(b"X" if headers_too else b" ")
                self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True


@contextmanager
def running_hostile():
    hostile = Hostile()
    thread = threading.Thread(target=hostile.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hostile
    finally:
        hostile.release.set()
        hostile.server.shutdown()
        hostile.server.server_close()
        thread.join(timeout=5)
