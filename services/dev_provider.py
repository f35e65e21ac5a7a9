"""The local OpenID Connect provider that stands in for FranceConnect in development.

`make run` starts it on 127.0.0.1:9400 when FRANCECONNECT_ISSUER is not set, with two
FranceConnect identities to click: Karim's and Véronique's (not linked yet: the first
FranceConnect sign-in asks each to link it once with their numéro de sécurité sociale).
"""
from __future__ import annotations

import os

import uvicorn
from oidc_provider_mock import User, app

PORT = 9400
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
