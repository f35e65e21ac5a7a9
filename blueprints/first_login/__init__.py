"""The first sign-in after the change: CGU, new password, contact details, code (guide steps 4–10).

Which step comes next is decided in domain/journey.py; each route only checks that
the person is at its step, does the step, and asks the state machine where to go.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import (Blueprint, Response, flash, g, make_response, redirect,
                   render_template, request, session, url_for)

from blueprints import code_entry, new_password
from blueprints.code_entry import CodeForm
from blueprints.first_login.forms import CguForm, ContactForm
from blueprints.forms import ActionForm
from blueprints.new_password import NewPasswordForm, person_of
from domain import codes
from domain.journey import CGU_VERSION, Step, advance, page_for
from services.accounts import get_account, set_password, step_of
from services.audit_log import security_event
from services.codes import (check_code, delivery_failed, latest_code, send_code,
                           shown_destination)
from services.database import db
from services.limiter import code_sending_limit
from services.models import Account, utcnow
from services.sessions import end_other_sessions, end_signed_in

bp = Blueprint("first_login", __name__, url_prefix="/premiere-connexion")

QUIT_MESSAGE = ("Vous êtes déconnecté. Ce que vous avez fait est gardé. "
                "À la prochaine connexion, vous reprenez à cette étape.")


def at_step(step: Step) -> Callable:
    """Only the person whose journey is at `step` sees this page; others go where they must be."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            account = get_account(session.get("account_id"))
            where = step_of(account) if account else None
            if where is step:
                g.account = account
                return view(*args, **kwargs)
            target = url_for(page_for(where)) if where else url_for("auth.sign_in")
            if request.htmx:  # a live request after the session ended: move the whole page
                response = make_response("", 200)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target, code=303)

        return wrapper

    return decorator


def _move(account: Account, event: str) -> Response:
    account.journey_state = advance(account.journey_state, event).value
    db.session.commit()
    return redirect(url_for(page_for(step_of(account))), code=303)


def _quit() -> Response | None:
    """«Quitter» signs out and keeps what was done; None when the button was not «Quitter»."""
    if "quitter" not in request.form:
        return None
    form = ActionForm()
    if not form.validate_on_submit():
        return None
    end_signed_in(QUIT_MESSAGE)
    return redirect(url_for("auth.sign_in"), code=303)


@bp.get("")
def start() -> Response:
    account = get_account(session.get("account_id"))
    if account is None:
        return redirect(url_for("auth.sign_in"), code=303)
    return redirect(url_for(page_for(step_of(account))), code=303)


# Step 4–5 of the guide: the terms of use.
@bp.route("/conditions", methods=["GET", "POST"])
@at_step(Step.CGU)
def cgu():
    account = g.account
    form = CguForm()
    if request.method == "POST":
        quit_response = _quit()
        if quit_response:
            return quit_response
        if form.validate_on_submit():
            account.cgu_version, account.cgu_accepted_at = CGU_VERSION, utcnow()
            return _move(account, "cgu_accepted")
        return render_template("first_login/cgu.html", form=form, errors=form.summary(),
                               action_form=ActionForm()), 400
    return render_template("first_login/cgu.html", form=form, errors=[], action_form=ActionForm())


# Step 6–7: the new password, with the rules checked live.
def _password_page(form: NewPasswordForm, errors: list, status: int = 200):
    return render_template(
        "first_login/password.html", form=form, errors=errors, action_form=ActionForm(),
        **new_password.checklist(form, person_of(g.account)),
    ), status


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@at_step(Step.PASSWORD)
def password():
    account = g.account
    form = NewPasswordForm()
    if request.method == "GET":
        return _password_page(form, [])
    quit_response = _quit()
    if quit_response:
        return quit_response
    chosen = new_password.accept(form, person_of(account))
    if chosen is None:
        return _password_page(form, form.summary(), 400)
    # The new password and the next step are saved together, in one transaction.
    set_password(account, chosen)
    security_event("password_changed", account, where="first_login")
    end_other_sessions(account.id)  # someone signed in elsewhere with the old password
    return _move(account, "password_set")


@bp.post("/mot-de-passe/regles")
@at_step(Step.PASSWORD)
def password_rules() -> Response:
    """Live checklist (htmx): each rule's state, and whether both passwords match."""
    if not request.htmx:
        return redirect(url_for(".password"), code=303)
    return new_password.live_checklist(person_of(g.account))


# Step 7–8: contact details.
def _code_limit_key() -> str:
    return f"account:{session.get('account_id')}"


def _code_limit_breached(wait: str) -> Response:
    """A new code asked too soon: the same page, the wait in words, nothing lost."""
    message = f"Vous avez déjà demandé un code. Attendez {wait} avant d'en demander un autre."
    g.account = get_account(session.get("account_id"))
    if request.endpoint == "first_login.contact":
        form = ContactForm()
        form.validate()
        return make_response(_contact_page(form, [(None, message)])[0], 429)
    return make_response(_code_page(CodeForm(formdata=None), [(None, message)])[0], 429)


def _sends_no_code() -> bool:
    """«Quitter» or a contact form with mistakes sends nothing: it must not wait for the limit."""
    if request.endpoint != "first_login.contact":
        return False
    return "quitter" in request.form or not ContactForm().validate()


code_sending = code_sending_limit(_code_limit_key, _code_limit_breached, _sends_no_code)


def _contact_page(form: ContactForm, errors: list, status: int = 200):
    return render_template("first_login/contact.html", form=form, errors=errors,
                           action_form=ActionForm()), status


@bp.route("/coordonnees", methods=["GET", "POST"])
@at_step(Step.CONTACT)
@code_sending
def contact():
    account = g.account
    form = ContactForm()
    if request.method == "GET":
        form.fill_from(account)
        return _contact_page(form, [])
    quit_response = _quit()
    if quit_response:
        return quit_response
    if not form.validate_on_submit():
        return _contact_page(form, form.summary(), 400)
    account.mobile_phone = form.mobile.parsed
    account.other_phone = form.other_phone.parsed
    account.email = form.email.parsed
    account.code_channel = form.chosen_channel()
    send_code(account)
    g.code_sent = True
    return _move(account, "contact_given")


# Step 9: the verification code.
def _code_page(form: CodeForm, errors: list, status: int = 200):
    account = g.account
    channel = "sms" if account.code_channel == "sms" and account.mobile_phone else "mail"
    form.code.label.text = code_entry.label_for(channel)
    errors = code_entry.with_delivery(errors, account, "contact")
    return render_template("first_login/code.html", form=form, errors=errors,
                           channel="SMS" if channel == "sms" else "mail",
                           destination=shown_destination(account), action_form=ActionForm(),
                           minutes=int(codes.CODE_TTL.total_seconds() // 60)), status


@bp.route("/code", methods=["GET", "POST"])
@at_step(Step.CODE)
def code():
    account = g.account
    form = CodeForm()
    if request.method == "GET":
        return _code_page(form, [])
    if not form.validate_on_submit():
        return _code_page(form, form.summary(), 400)
    outcome = check_code(account, form.code.data or "")
    if outcome is codes.Outcome.OK:
        account.contact_verified_at = utcnow()
        flash("Vos coordonnées sont confirmées. Bienvenue sur Mon Compte !")
        return _move(account, "code_confirmed")
    record = latest_code(account)
    form.code.errors = [code_entry.message_for(outcome, record.wrong_tries if record else 0)]
    return _code_page(form, form.summary(), 400)


@bp.post("/code/saisie")
@at_step(Step.CODE)
def code_live() -> Response:
    """Live words while typing the code (htmx): how many digits are missing, never if it is right."""
    if not request.htmx:
        return redirect(url_for(".code"), code=303)
    return code_entry.live_hint(not_sent=delivery_failed(g.account, "contact"))


@bp.post("/code/nouveau")
@at_step(Step.CODE)
@code_sending
def new_code():
    return code_entry.resend(lambda: send_code(g.account), _code_page, url_for(".code"))


@bp.post("/code/modifier-coordonnees")
@at_step(Step.CODE)
def change_contact():
    form = ActionForm()
    if not form.validate_on_submit():
        return _code_page(CodeForm(formdata=None), form.summary(), 400)
    return _move(g.account, "contact_changed")
