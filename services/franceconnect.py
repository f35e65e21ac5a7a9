"""FranceConnect: the State's OpenID Connect identity federation, through Authlib.

Pointing the app at FranceConnect's integration platform (or production) is a matter of
settings (FRANCECONNECT_*). In development, with none set, a local OpenID Connect
provider (oidc-provider-mock, started by `make run`) stands in for it.
"""
from __future__ import annotations

import secrets

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

SCOPES = "openid given_name family_name birthdate gender birthplace birthcountry"

oauth = OAuth()


def init_franceconnect(app: Flask) -> None:
    issuer = app.config["FRANCECONNECT_ISSUER"].rstrip("/")
    if not issuer:
        return
    oauth.init_app(app)
    oauth.register(
        "franceconnect",
        client_id=app.config["FRANCECONNECT_CLIENT_ID"],
        client_secret=app.config["FRANCECONNECT_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "timeout": 10,
                       "token_endpoint_auth_method": app.config["FRANCECONNECT_AUTH_METHOD"]},
        # The ID token must be signed by the provider's key (RS256 or ES256, never "none").
        id_token_signing_alg_values_supported=["RS256", "ES256"],
    )


def enabled() -> bool:
    return bool(current_app.config["FRANCECONNECT_ISSUER"])


def client():
    return oauth.create_client("franceconnect")


def new_nonce() -> str:
    """At least 22 characters, as FranceConnect asks: 43 here."""
    return secrets.token_urlsafe(32)
