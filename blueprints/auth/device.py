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

from flask import (Response, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from itsdangerous import BadData, URLSafeTimedSerializer

from blueprints import code_entry
from blueprints.code_entry import CodeForm
from blueprints.forms import ActionForm
from domain import codes
from domain.journey import Step
from services.accounts import get_account
from services.audit_log import security_event
from domain import masking
from services.codes import check_code, delivery_failed, destination, latest_code, send_code
from services.database import db
from services.limiter import claim_code_sending, code_sending_limit, wait_words
from services.models import Account
from wtforms import BooleanField

DEVICE_COOKIE = "moncompte_device"
PENDING = "device_check"


class DeviceCodeForm(CodeForm):
    remember_device = BooleanField("Se souvenir de cet appareil pendant 30 jours")


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
        flash(f"Vous avez déjà demandé un code. Attendez {wait_words(wait)} "
              "avant d'en demander un autre.")
    session[PENDING] = {"account_id": account.id}
    security_event("new_device_check", account, code_sent=wait is None)
    return redirect(url_for("auth.new_device"), code=303)


def _pending_account() -> Account | None:
    state = session.get(PENDING)
    if not isinstance(state, dict):
        return None
    return get_account(state.get("account_id"))


def _code_page(form: CodeForm, errors: list, status: int = 200):
    account = _pending_account()
    if not isinstance(form, DeviceCodeForm):
        form = DeviceCodeForm(formdata=None)
    # Not signed in yet: partly hidden as on the forgotten-password pages.
    channel, address = destination(account)
    shown = masking.mask(channel, address)
    days = current_app.config["KNOWN_DEVICE_DAYS"]
    form.code.label.text = code_entry.label_for(channel)
    form.remember_device.label.text = f"Se souvenir de cet appareil pendant {days} jours"
    # After the password: saying that the message did not leave tells nothing new.
    errors = code_entry.with_delivery(errors, account, "device")
    return render_template("auth/new_device.html", form=form, errors=errors, channel=channel,
                           destination=shown, action_form=ActionForm(),
                           minutes=int(codes.CODE_TTL.total_seconds() // 60),
                           days=days), status


def _breached(wait: str) -> Response:
    message = f"Vous avez déjà demandé un code. Attendez {wait} avant d'en demander un autre."
    if _pending_account() is None:
        return redirect(url_for("auth.sign_in"), code=303)
    return make_response(_code_page(DeviceCodeForm(formdata=None), [(None, message)])[0], 429)


code_sending = code_sending_limit(
    lambda: _limit_key((session.get(PENDING) or {}).get("account_id")), _breached)


def register(bp, finish) -> None:
    """Add the device page's routes to the auth blueprint; `finish(account)` signs in."""

    @bp.route("/connexion/nouvel-appareil", methods=["GET", "POST"])
    def new_device():
        account = _pending_account()
        if account is None:
            return redirect(url_for("auth.sign_in"), code=303)
        form = DeviceCodeForm()
        if request.method == "GET":
            return _code_page(form, [])
        if not form.validate_on_submit():
            return _code_page(form, form.summary(), 400)
        outcome = check_code(account, form.code.data or "", purpose="device")
        if outcome is not codes.Outcome.OK:
            record = latest_code(account, "device")
            form.code.errors = [code_entry.message_for(outcome, record.wrong_tries if record else 0)]
            return _code_page(form, form.summary(), 400)
        db.session.commit()  # the code is used (services/codes.py)
        remember = bool(form.remember_device.data)
        response = finish(account)  # a new session (new identifier): the pending state goes
        if remember:
            _remember_device(response, account.id)
            security_event("device_remembered", account, days=_max_age() // 86400)
        return response

    @bp.post("/connexion/nouvel-appareil/saisie")
    def new_device_live():
        if not request.htmx or _pending_account() is None:
            return redirect(url_for("auth.new_device"), code=303)
        return code_entry.live_hint(not_sent=delivery_failed(_pending_account(), "device"))

    @bp.post("/connexion/nouvel-appareil/nouveau")
    @code_sending
    def new_device_code():
        account = _pending_account()
        if account is None:
            return redirect(url_for("auth.sign_in"), code=303)
        return code_entry.resend(lambda: send_code(account, purpose="device"), _code_page,
                                 url_for("auth.new_device"))
