"""Values kept outside the app that must not be read there: sealed (Fernet: AES-128-CBC
and HMAC-SHA256, with the time it was made) under a key derived from SECRET_KEY for one
purpose, so a value sealed for one use cannot be replayed in another. Used by the
«Se souvenir de moi» cookie («remember-nir») and the message queue («message-queue»,
services/queue.py)."""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


@lru_cache(maxsize=16)
def fernet(secret: str, purpose: str) -> Fernet:
    """The key of one purpose: SHA-256 of «purpose:secret»."""
    key = hashlib.sha256(purpose.encode() + b":" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(purpose: str, value: str) -> str:
    return fernet(current_app.config["SECRET_KEY"], purpose).encrypt(value.encode()).decode()


def unseal(purpose: str, token: str | None, max_age_seconds: int) -> str | None:
    """The value, if `token` was sealed by us for `purpose` less than `max_age_seconds` ago."""
    if not token or len(token) > 1000:
        return None
    try:
        data = fernet(current_app.config["SECRET_KEY"], purpose).decrypt(
            token.encode(), ttl=max_age_seconds)
    except (InvalidToken, ValueError, TypeError):
        return None
    return data.decode("utf-8", "replace")
