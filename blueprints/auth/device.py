"""New-device confirmation (issue 8, item 5; what the Caf added in December 2024 after
account thefts): a sign-in from a device not seen before asks for a code sent to the
verified contact. A confirmed device may be remembered KNOWN_DEVICE_DAYS by a signed cookie.

Not asked:
- accounts still in their first login: they have no verified contact yet, and the code of
  their first login proves the contact they give;
- FranceConnect sign-ins (blueprints/franceconnect): FranceConnect is already a strong
  sign-in. Linking FranceConnect with the number and password IS asked: it is a password
  sign-in, and the FranceConnect identity does not prove it is the account's owner.
"""
from __future__ import annotations

import secrets
from typing import Callable

from flask import Response, current_app, flash, redirect, request, session, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import BooleanField

from blueprints.code_step import CodeForm, CodeStep, Visit
from domain import masking
from domain.journey import Step
from domain.words import say
from services.accounts import get_account
from services.audit_log import security_event
from services.codes import destination, send_code
from services.database import db
from services.limiter import claim_code_sending, wait_words
from services.models import Account

DEVICE_COOKIE = "moncompte_device"
PENDING = "device_check"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _max_age() -> int:
    return current_app.config["KNOWN_DEVICE_DAYS"] * 86400


def is_known_device(account: Account) -> bool:
    """A valid, recent enough cookie signed by us for THIS account, made after its last
    password change or reset (a thief's confirmed device ends with the reset); anything
    else is unknown."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or len(cookie) > 500:
        return False
    try:
        payload, made = _serializer().loads(cookie, max_age=_max_age(), return_timestamp=True)
    except BadData:
        return False
    if not isinstance(payload, dict) or payload.get("a") != account.id:
        return False
    changed = account.password_changed_at
    if changed is not None and made.replace(tzinfo=None) <= changed:
        return False
    return True


def _remember_device(response: Response, account_id: int) -> None:
    response.set_cookie(
        DEVICE_COOKIE, _serializer().dumps({"a": account_id, "d": secrets.token_urlsafe(16)}),
        max_age=_max_age(), httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")


def needs_check(account: Account) -> bool:
    """Whether this password sign-in must first confirm the device."""
    if not current_app.config["NEW_DEVICE_CHECK"]:
        return False
    # First login not finished, or no verified contact: not asked (see the module's note).
    if account.journey_state != Step.DONE.value or account.contact_verified_at is None:
        return False
    return not is_known_device(account)


def _limit_key(account_id) -> str:
    # The same key as «Mes coordonnées»: one person's codes share one limit.
    return f"account:{account_id}"


def start_check(account: Account) -> Response:
    """Keep the sign-in pending (the account, never the password), send the code, go to
    the device page."""
    session.pop(PENDING, None)
    wait = claim_code_sending(_limit_key(account.id))
    if wait is None:
        send_code(account, purpose="device")
    else:
        # Codes asked too often: the last code sent still works for its 10 minutes.
        flash(say("code.wait", wait=wait_words(wait)))
    session[PENDING] = {"account_id": account.id}
    security_event("new_device_check", account, code_sent=wait is None)
    return redirect(url_for("auth.new_device"), code=303)


def _pending_account() -> Account | None:
    state = session.get(PENDING)
    if not isinstance(state, dict):
        return None
    return get_account(state.get("account_id"))


def _code_visit() -> Visit | None:
    account = _pending_account()
    if account is None:
        return None
    # Not signed in yet: partly hidden as on the forgotten-password pages.
    channel, address = destination(account)
    return Visit(account, channel, masking.mask(channel, address),
                 {"days": current_app.config["KNOWN_DEVICE_DAYS"]})


class DeviceCodeForm(CodeForm):
    remember_device = BooleanField()  # its words: say("device.remember")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.remember_device.label.text = say(
            "device.remember", days=current_app.config["KNOWN_DEVICE_DAYS"])


def register(bp, finish: Callable[[Account], Response]) -> CodeStep:
    """Add the device page's routes to the auth blueprint; `finish(account)` signs in."""

    def confirmed(visit: Visit, form: DeviceCodeForm) -> Response:
        db.session.commit()  # the code is used (services/codes.py)
        response = finish(visit.account)  # a new session (new identifier): the pending state goes
        if form.remember_device.data:
            _remember_device(response, visit.account.id)
            security_event("device_remembered", visit.account, days=_max_age() // 86400)
        return response

    return CodeStep(
        bp, purpose="device", url="/connexion/nouvel-appareil", template="auth/new_device.html",
        endpoints=("new_device", "new_device_live", "new_device_code"), visit=_code_visit,
        away=lambda: redirect(url_for("auth.sign_in"), code=303),
        send=lambda visit: send_code(visit.account, purpose="device"),
        limit_key=lambda: _limit_key((session.get(PENDING) or {}).get("account_id")),
        done=confirmed, form=DeviceCodeForm)
