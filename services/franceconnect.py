"""FranceConnect: the State's OpenID Connect identity federation, through Authlib.

Pointing the app at FranceConnect's integration platform (or production) is a matter of
settings (FRANCECONNECT_*). In development, with none set, a local OpenID Connect
provider (oidc-provider-mock, started by `make run`) stands in for it.
"""
from __future__ import annotations

import secrets

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

SCOPES = "openid given_name family_name birthdate gender birthplace birthcountry"
ALGORITHMS = ["RS256", "ES256"]
# What FranceConnect may answer in `acr` for the level we ask (eIDAS low).
ACCEPTED_ACR = {"eidas1", "eidas2", "eidas3"}


def init_franceconnect(app: Flask) -> None:
    """One OAuth registry per app, so that each app talks to its own provider."""
    issuer = app.config["FRANCECONNECT_ISSUER"].rstrip("/")
    if not issuer:
        return
    oauth = OAuth(app)
    app.extensions["franceconnect"] = oauth
    oauth.register(
        "franceconnect",
        client_id=app.config["FRANCECONNECT_CLIENT_ID"],
        client_secret=app.config["FRANCECONNECT_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "timeout": 10,
                       "token_endpoint_auth_method": app.config["FRANCECONNECT_AUTH_METHOD"]},
    )


def enabled() -> bool:
    return bool(current_app.config["FRANCECONNECT_ISSUER"])


def bare_client():
    """The client without its metadata: enough to check a state kept in our own session."""
    return current_app.extensions["franceconnect"].create_client("franceconnect")


def client():
    """The FranceConnect client, its provider metadata loaded, signatures limited to
    RS256 and ES256 whatever the provider announces (never "none" nor a shared secret)."""
    fc = bare_client()
    metadata = fc.load_server_metadata()
    announced = metadata.get("id_token_signing_alg_values_supported") or ALGORITHMS
    metadata["id_token_signing_alg_values_supported"] = [
        alg for alg in announced if alg in ALGORITHMS] or ALGORITHMS
    return fc


def fetch_userinfo(token: dict) -> dict:
    """The userinfo, as JSON or, as FranceConnect v2 sends it, a JWT signed by the provider
    (checked against its keys and issuer, and addressed to us)."""
    fc = client()
    metadata = fc.load_server_metadata()
    response = fc.get(metadata["userinfo_endpoint"], token=token)
    response.raise_for_status()
    if not response.headers.get("Content-Type", "").startswith("application/jwt"):
        return dict(response.json())
    keys = KeySet.import_key_set(fc.fetch_jwk_set())
    claims = jwt.decode(response.text.strip(), keys,
                        registry=JWSRegistry(algorithms=ALGORITHMS)).claims
    if claims.get("iss", metadata.get("issuer")) != metadata.get("issuer"):
        raise ValueError("userinfo from another issuer")
    audience = claims.get("aud", fc.client_id)
    if fc.client_id not in (audience if isinstance(audience, list) else [audience]):
        raise ValueError("userinfo for another client")
    return dict(claims)


def new_nonce() -> str:
    """At least 22 characters, as FranceConnect asks: 43 here."""
    return secrets.token_urlsafe(32)
