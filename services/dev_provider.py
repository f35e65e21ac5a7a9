"""The local OpenID Connect provider that stands in for FranceConnect in development.

`make run` starts it on 127.0.0.1:9400 when FRANCECONNECT_ISSUER is not set, with two
FranceConnect identities to click: Karim's and Véronique's (not linked yet: the first
FranceConnect sign-in asks each to link it once with their numéro de sécurité sociale).
"""
from __future__ import annotations

import os

import uvicorn
from oidc_provider_mock import User, _app, _storage, app

PORT = 9400
FRANCECONNECT_SCOPES = ("given_name", "family_name", "birthdate", "gender", "birthplace",
                        "birthcountry")


def _know_franceconnect_scopes() -> None:
    """FranceConnect asks one scope per claim; the stand-in only knows OpenID's grouped
    scopes (profile, email…). Teach it FranceConnect's, so that names come back."""
    supported = _storage.Client.SCOPES_SUPPORTED
    _storage.Client.SCOPES_SUPPORTED = tuple(dict.fromkeys([*supported, *FRANCECONNECT_SCOPES]))
    for scope in FRANCECONNECT_SCOPES:
        _app._SCOPES_TO_CLAIMS[scope] = [scope]


_know_franceconnect_scopes()
USERS = [
    User(sub="fc-karim-b", claims={
        "given_name": "Karim", "family_name": "B.", "birthdate": "1975-01-23", "gender": "male",
        "birthplace": "69123", "birthcountry": "99100"}),
    User(sub="fc-veronique-f", claims={
        "given_name": "Véronique", "family_name": "F.", "birthdate": "1984-05-14",
        "gender": "female", "birthplace": "75108", "birthcountry": "99100"}),
]


def main() -> None:
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on loopback, development only
    uvicorn.run(app(user_claims=USERS, require_nonce=True), interface="wsgi",
                host="127.0.0.1", port=PORT, log_level="warning")


if __name__ == "__main__":
    main()
