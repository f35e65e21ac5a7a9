"""«Mes coordonnées»: see them, change them; a change is confirmed by a code sent to the new
contact, and the old contact is told (so a stranger cannot quietly take the account over).

A new mobile or mail also asks the password again, unless the person signed in (or gave it
here) less than REAUTH_MINUTES ago, as GOV.UK One Login and login.gov do: a session left
open on a shared computer, or stolen, is not enough to send the codes elsewhere. The other
phone alone, or the choice between two contacts already there, asks nothing more: the code
then goes to a contact the account already has, which the holder of a stolen session does
not read.
"""
from __future__ import annotations

import time

from flask import (Response, current_app, flash, g, make_response, redirect, render_template,
                   request, session, url_for)
from limits import parse_many

from blueprints.account import account_required, bp
from blueprints.account.forms import ReauthForm
from blueprints.code_step import CodeStep, Visit
from blueprints.contact_form import ContactForm
from blueprints.forms import ActionForm
from domain.contact import hide_phone, show_phone
from domain.words import say
from services.accounts import password_matches
from services.audit_log import security_event
from services.codes import destination, send_code
from services.database import db
from services.limiter import (claim_code_sending, claimed_limit, clear, code_sending_limit,
                              wait_words)
from services.messages import Message
from services.models import utcnow
from services.queue import enqueue
from services.sessions import end_signed_in

# Wrong passwords at this step: the sign-in's numbers (5 per 15 minutes), counted per
# account in a scope of their own, so that a stranger's tries on the sign-in page never
# lock the owner out of this page.
REAUTH_SCOPE = "contact-reauth"
AWAITING_PASSWORD = "contact_change_unconfirmed"


def _pending() -> dict | None:
    """The change whose code was sent (the password, if asked, was right)."""
    change = session.get("contact_change")
    return change if isinstance(change, dict) else None


def _awaiting_password() -> dict | None:
    """The change typed, waiting for the password: no code sent yet."""
    change = session.get(AWAITING_PASSWORD)
    return change if isinstance(change, dict) else None


def _recently_signed_in() -> bool:
    """Signed in, or the password given here, less than REAUTH_MINUTES ago; a session made
    before sessions kept the time counts as old."""
    times = [t for t in (session.get("signed_in_at"), session.get("reauth_at"))
             if isinstance(t, (int, float)) and not isinstance(t, bool)]
    limit = current_app.config["REAUTH_MINUTES"] * 60
    return any(0 <= time.time() - t <= limit for t in times)


def _needs_password(account, change: dict) -> bool:
    """A new mobile or a new mail, and no recent sign-in."""
    new_contact = (change["mobile"] != account.mobile_phone or change["email"] != account.email)
    return new_contact and not _recently_signed_in()


def _reauth_spec() -> str:
    return current_app.config["LOGIN_LIMIT_PER_NIR"]


def _reauth_tries_allowed() -> int:
    return min(item.amount for item in parse_many(_reauth_spec()))


def _reauth_key() -> str:
    return f"account:{session.get('account_id')}"


def _new_destination(change: dict) -> tuple[str, str]:
    if change["channel"] == "sms" and change["mobile"]:
        return "sms", change["mobile"]
    return "mail", change["email"]


def _page(form: ContactForm, errors: list, status: int = 200):
    return render_template("account/contact.html", account=g.account, form=form, errors=errors,
                           sign_out_form=ActionForm(), show_phone=show_phone), status


def _code_visit() -> Visit | None:
    change = _pending()
    if change is None:
        return None
    channel, address = _new_destination(change)
    return Visit(g.account, channel, hide_phone(address) if channel == "sms" else address,
                 {"account": g.account, "sign_out_form": ActionForm()})


def _password_page(form: ReauthForm, errors: list, status: int = 200):
    change = _awaiting_password()
    channel, address = _new_destination(change) if change else ("mail", "")
    return render_template("account/contact_password.html", account=g.account, form=form,
                           errors=errors, change=change, show_phone=show_phone,
                           channel=channel, destination=show_phone(address) if channel == "sms"
                           else address, tries=_reauth_tries_allowed(),
                           action_form=ActionForm(), sign_out_form=ActionForm()), status


def _breached(wait: str):
    form = ContactForm()
    form.validate()
    return _page(form, [(None, say("code.wait", wait=wait))], 429)


def _sends_no_code() -> bool:
    """A post that cannot send a code takes nothing from the new-code limit: a contact form
    with mistakes, or that goes to the password step (which claims its own slot once the
    password is right)."""
    form = ContactForm()
    return not form.validate() or _needs_password(g.account, _change_from(form))


def _limit_key() -> str:
    return f"account:{session.get('account_id')}"


code_sending = code_sending_limit(_limit_key, _breached, exempt_when=_sends_no_code)


def _locked(seconds: int):
    """Too many wrong passwords here. If this session typed some of them, whoever holds it
    does not know the password: the session ends (a stolen one is of no more use) and the
    change is dropped. Tries from another session of the account only lock this step."""
    if not session.get("reauth_failed"):
        message = say("contact.reauth_wait", wait=wait_words(seconds))
        return _password_page(ReauthForm(formdata=None), [(None, message)], 429)
    security_event("contact_change_reauth_locked", session.get("account_id"))
    end_signed_in(None)
    return render_template("account/contact_password_locked.html", wait=wait_words(seconds),
                           tries=_reauth_tries_allowed()), 429


reauth_tries = claimed_limit(_reauth_spec, REAUTH_SCOPE, _reauth_key, _locked,
                             exempt_when=lambda: _awaiting_password() is None,
                             keep_when=lambda _: bool(g.get("reauth_failed")))


def _change_from(form: ContactForm) -> dict:
    return {"mobile": form.mobile.parsed, "other_phone": form.other_phone.parsed,
            "email": form.email.parsed, "channel": form.chosen_channel()}


def _send_change(change: dict):
    """The code goes to the new contact; the code step comes next."""
    send_code(g.account, purpose="change", to=_new_destination(change))
    g.code_sent = True
    session["contact_change"] = change
    return redirect(url_for(".contact_code"), code=303)


@bp.route("/coordonnees", methods=["GET", "POST"])
@account_required
@code_sending
def contact():
    account = g.account
    form = ContactForm()
    if request.method == "GET":
        form.fill_from(account)
        _fill_from_change(form, _awaiting_password())
        return _page(form, [])
    if not form.validate_on_submit():
        return _page(form, form.summary(), 400)
    change = _change_from(form)
    # A new change replaces any other under way: its code, if sent, confirms nothing more.
    session.pop("contact_change", None)
    session.pop(AWAITING_PASSWORD, None)
    if _needs_password(account, change):
        session[AWAITING_PASSWORD] = change
        return redirect(url_for(".contact_password"), code=303)
    return _send_change(change)


def _fill_from_change(form: ContactForm, change: dict | None) -> None:
    """Back from the password step: the form shows what the person typed."""
    if change is None:
        return
    form.mobile.data = show_phone(change["mobile"]) if change["mobile"] else ""
    form.other_phone.data = show_phone(change["other_phone"]) if change["other_phone"] else ""
    form.email.data = change["email"] or ""
    form.channel.data = change["channel"]


@bp.route("/coordonnees/mot-de-passe", methods=["GET", "POST"])
@account_required
@reauth_tries
def contact_password():
    """«Confirmez avec votre mot de passe»: asked before a new mobile or mail gets a code."""
    change = _awaiting_password()
    if change is None:
        return redirect(url_for(".contact_code" if _pending() else ".contact"), code=303)
    form = ReauthForm()
    if request.method == "GET":
        return _password_page(form, [])
    if not form.validate_on_submit():
        return _password_page(form, form.summary(), 400)
    account = g.account
    if not password_matches(account, form.password.data):
        g.reauth_failed = True  # this try counts against the limit
        session["reauth_failed"] = True  # and this session typed a wrong one
        security_event("contact_change_reauth", account, ok=False)
        form.password.errors = [say("contact.wrong_password")]
        return _password_page(form, form.summary(), 401)
    security_event("contact_change_reauth", account, ok=True)
    clear(_reauth_spec(), REAUTH_SCOPE, _reauth_key())
    session["reauth_at"] = time.time()  # a fresh sign-in for REAUTH_MINUTES
    session.pop("reauth_failed", None)
    # The new-code limit, claimed once the password is right: a code goes now.
    wait = claim_code_sending(f"account:{account.id}")
    if wait is not None:
        message = say("code.wait", wait=wait_words(wait))
        response = make_response(_password_page(ReauthForm(formdata=None), [(None, message)], 429))
        response.headers["Retry-After"] = str(wait)
        return response
    session.pop(AWAITING_PASSWORD, None)
    return _send_change(change)


def _change_confirmed(visit: Visit, form) -> Response:
    account, change = visit.account, _pending()
    old = destination(account) if account.contact_verified_at else None
    account.mobile_phone, account.other_phone = change["mobile"], change["other_phone"]
    account.email, account.code_channel = change["email"], change["channel"]
    account.contact_verified_at = utcnow()
    db.session.commit()
    session.pop("contact_change", None)
    if old and old != destination(account):
        _tell_old_contact(*old)
    flash(say("contact.confirmed"))
    return redirect(url_for(".home"), code=303)


code_step = CodeStep(
    bp, purpose="change", url="/coordonnees/code", template="account/contact_code.html",
    endpoints=("contact_code", "contact_code_live", "contact_new_code"), visit=_code_visit,
    away=lambda: redirect(url_for(".contact"), code=303),
    send=lambda visit: send_code(visit.account, purpose="change",
                                 to=_new_destination(_pending())),
    limit_key=_limit_key, done=_change_confirmed, guards=(account_required,))


def _tell_old_contact(channel: str, address: str) -> None:
    """The old contact hears of the change; the change stands even if this message fails."""
    enqueue(Message(to=address, channel=channel, body=say("contact.changed_notice"),
                    subject=say("contact.changed_subject")),
            "contact_changed", g.account.id)


@bp.post("/coordonnees/annuler")
@account_required
def contact_cancel():
    if _pending() is None and _awaiting_password() is None:
        return redirect(url_for(".home"), code=303)
    form = ActionForm()
    if form.validate_on_submit():
        session.pop("contact_change", None)
        session.pop(AWAITING_PASSWORD, None)
        flash(say("contact.cancelled"))
        return redirect(url_for(".home"), code=303)
    if _pending() is None:
        return _password_page(ReauthForm(formdata=None), form.summary(), 400)
    return code_step.render(None, form.summary(), 400)
