"""A FranceConnect stand-in for the tests: oidc-provider-mock, in this process, on a free port.

Used by tests/test_franceconnect.py (Flask test client + `requests` for the provider's
pages) and by e2e/test_franceconnect_journey.py (a real browser).

- `running_provider()` starts the mock with the two identities of services.dev_provider
  (the ones `make run` offers), with `require_nonce=True`, on `localhost` and a free port.
  Its issuer is built from the request host, so the app must be given exactly
  `provider.issuer` (same host name everywhere).
- The provider can be made to misbehave, as a broken or hostile one would: serve another
  key set at /jwks (`provider.jwks`), another userinfo (`provider.userinfo`), or an error
  page on some path (`provider.broken`).
"""
from __future__ import annotations

import html
import json
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

HOST = "localhost"
KARIM_SUB = "fc-karim-b"
VERONIQUE_SUB = "fc-veronique-f"


def fc_users():
    """The identities `make run` offers (services.dev_provider), Karim first."""
    from services.dev_provider import USERS

    return list(USERS)


class Provider:
    """The running mock, wrapped so that a test can make it misbehave."""

    def __init__(self, server) -> None:
        self.server = server
        self.issuer = f"http://{HOST}:{server.server_port}"
        self._wsgi = server.app
        server.app = self  # werkzeug reads server.app on every request
        self.reset()

    def reset(self) -> None:
        self.jwks: dict | None = None        # served at /jwks instead of the real key set
        self.userinfo: dict | str | None = None  # served at /userinfo instead (str: a JWT)
        self.broken: set[str] = set()        # paths answered with a 502 error page

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path in self.broken:
            start_response("502 Bad Gateway", [("Content-Type", "text/html")])
            return [b"<html><body>Bad gateway</body></html>"]
        override = {"/jwks": self.jwks, "/userinfo": self.userinfo}.get(path)
        if override is not None:
            # A str is a signed JWT (FranceConnect v2 sends its userinfo so).
            jwt = isinstance(override, str)
            body = override.encode() if jwt else json.dumps(override).encode()
            start_response("200 OK", [("Content-Type", "application/jwt" if jwt else "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        return self._wsgi(environ, start_response)

    # --- what the person does on the provider's pages ------------------------------

    def authorize(self, authorize_url: str, sub: str | None = KARIM_SUB, deny: bool = False) -> str:
        """Press an identity's button (or «Deny») on the authorization page; return where
        the provider sends the browser back (our callback URL)."""
        assert authorize_url.startswith(self.issuer + "/"), (
            f"expected a redirect to the provider {self.issuer}, got {authorize_url}")
        page = requests.get(authorize_url, timeout=5)
        assert page.status_code == 200, f"the provider refused the request: {page.text[:500]}"
        data = {"action": "deny"} if deny else {"sub": sub}
        answer = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
        assert answer.status_code in (302, 303), f"provider answered {answer.status_code}: {answer.text[:300]}"
        return answer.headers["Location"]

    def end_session(self, end_session_url: str) -> str:
        """Open the end-session page and press «End session»; return where the provider
        sends the browser back."""
        assert end_session_url.startswith(self.issuer + "/"), (
            f"expected a redirect to the provider {self.issuer}, got {end_session_url}")
        page = requests.get(end_session_url, timeout=5)
        assert page.status_code == 200, page.text[:300]
        match = re.search(r'name="redirect_uri" value="([^"]*)"', page.text)
        assert match, "the end-session page has no way back (no post_logout_redirect_uri?)"
        answer = requests.post(f"{self.issuer}/oauth2/end_session/confirm",
                               data={"redirect_uri": html.unescape(match.group(1))},
                               allow_redirects=False, timeout=5)
        assert answer.status_code in (302, 303)
        return answer.headers["Location"]

    def public_keys(self) -> dict:
        return requests.get(f"{self.issuer}/jwks", timeout=5).json()

    def signing_key(self):
        """The provider's own private key (a joserfc RSAKey), to sign as it would."""
        import flask
        from joserfc.jwk import RSAKey

        app = self._wsgi  # the mock's Flask app; its storage is set per request
        with app.test_request_context():
            app.preprocess_request()
            key = flask.g.oidc_provider_mock_storage.jwk
        return RSAKey.import_key(key.as_dict(is_private=True))


@contextmanager
def running_provider(users=None) -> Iterator[Provider]:
    """oidc-provider-mock on a free port, as `make run` configures it (require_nonce)."""
    from oidc_provider_mock import run_server_in_thread

    with pytest.MonkeyPatch.context() as mp:
        # The mock is an OAuth server on plain HTTP (loopback only).
        mp.setitem(os.environ, "AUTHLIB_INSECURE_TRANSPORT", "1")
        with run_server_in_thread(port=0, require_nonce=True,
                                  user_claims=fc_users() if users is None else users) as server:
            yield Provider(server)


def closed_port_issuer() -> str:
    """An issuer address where nothing listens."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    return f"http://{HOST}:{port}"


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
