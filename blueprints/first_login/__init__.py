"""The first sign-in after the change: CGU, new password, contact details, code (guide steps 4–10).

Which step comes next is decided in domain/journey.py; each route only checks that
the person is at its step, does the step, and asks the state machine where to go.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import (Blueprint, Response, flash, g, make_response, redirect,
                   render_template, request, session, url_for)

from blueprints import new_password
from blueprints.code_step import CodeStep, Visit
from blueprints.contact_form import ContactForm
from blueprints.first_login.forms import CguForm
from blueprints.forms import ActionForm, BaseForm
from blueprints.new_password import NewPasswordForm, person_of
from domain.journey import CGU_VERSION, Step, advance, page_for
from domain.words import say
from services.accounts import change_password, get_account, step_of
from services.codes import destination, send_code, shown_destination
from services.database import db
from services.limiter import code_sending_limit
from services.models import Account, utcnow
from services.sessions import end_signed_in

bp = Blueprint("first_login", __name__, url_prefix="/premiere-connexion")



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
    end_signed_in(say("first_login.quit"))
    return redirect(url_for("auth.sign_in"), code=303)


def _step(form: BaseForm, draw: Callable[[BaseForm, list, int], tuple[str, int]],
          accept: Callable[[], Response | None]) -> Response | tuple[str, int]:
    """A first-login step's form: drawn on GET; on POST, «Quitter», or `accept()`, which
    does the step and answers, or returns None when the form has mistakes: then the page
    again, with them."""
    if request.method == "GET":
        return draw(form, [], 200)
    quit_response = _quit()
    if quit_response:
        return quit_response
    return accept() or draw(form, form.summary(), 400)


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
    form = CguForm()

    def accept() -> Response | None:
        if not form.validate_on_submit():
            return None
        g.account.cgu_version, g.account.cgu_accepted_at = CGU_VERSION, utcnow()
        return _move(g.account, "cgu_accepted")

    return _step(form, _cgu_page, accept)


def _cgu_page(form: CguForm, errors: list, status: int = 200):
    return render_template("first_login/cgu.html", form=form, errors=errors,
                           action_form=ActionForm()), status


# Step 6–7: the new password, with the rules checked live.
def _password_page(form: NewPasswordForm, errors: list, status: int = 200):
    return render_template(
        "first_login/password.html", form=form, errors=errors, action_form=ActionForm(),
        **new_password.checklist(form, person_of(g.account)),
    ), status


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@at_step(Step.PASSWORD)
def password():
    account, form = g.account, NewPasswordForm()

    def accept() -> Response | None:
        chosen = new_password.accept(form, person_of(account))
        if chosen is None:
            return None
        # The new password and the next step are saved together, in one transaction; anyone
        # signed in elsewhere with the old password is signed out, this session stays.
        account.journey_state = advance(account.journey_state, "password_set").value
        change_password(account, chosen, where="first_login", keep_this_session=True)
        return redirect(url_for(page_for(step_of(account))), code=303)

    return _step(form, _password_page, accept)


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


def _contact_limit_breached(wait: str) -> Response:
    """A new code asked too soon: the same page, the wait in words, nothing lost."""
    form = ContactForm()
    form.validate()
    return make_response(_contact_page(form, [(None, say("code.wait", wait=wait))])[0], 429)


def _sends_no_code() -> bool:
    """«Quitter» or a contact form with mistakes sends nothing: it must not wait for the limit."""
    return "quitter" in request.form or not ContactForm().validate()


code_sending = code_sending_limit(_code_limit_key, _contact_limit_breached, _sends_no_code)


def _contact_page(form: ContactForm, errors: list, status: int = 200):
    return render_template("first_login/contact.html", form=form, errors=errors,
                           action_form=ActionForm()), status


@bp.route("/coordonnees", methods=["GET", "POST"])
@at_step(Step.CONTACT)
@code_sending
def contact():
    account, form = g.account, ContactForm()
    if request.method == "GET":
        form.fill_from(account)

    def accept() -> Response | None:
        if not form.validate_on_submit():
            return None
        account.mobile_phone, account.other_phone = form.mobile.parsed, form.other_phone.parsed
        account.email, account.code_channel = form.email.parsed, form.chosen_channel()
        send_code(account)
        g.code_sent = True
        return _move(account, "contact_given")

    return _step(form, _contact_page, accept)


# Step 9: the verification code (blueprints/code_step.py); what differs here: a right code
# confirms the contact and ends the journey.
def _code_visit() -> Visit:
    account = g.account
    channel, _ = destination(account)
    return Visit(account, channel, shown_destination(account),
                 {"change_url": url_for(".change_contact")})


def _contact_confirmed(visit: Visit, form) -> Response:
    visit.account.contact_verified_at = utcnow()
    flash(say("first_login.welcome"))
    return _move(visit.account, "code_confirmed")


code_step = CodeStep(
    bp, purpose="contact", url="/code", template="first_login/code.html",
    endpoints=("code", "code_live", "new_code"), visit=_code_visit,
    away=lambda: redirect(url_for(".start"), code=303), send=lambda visit: send_code(visit.account),
    limit_key=_code_limit_key, done=_contact_confirmed, guards=(at_step(Step.CODE),))


@bp.post("/code/modifier-coordonnees")
@at_step(Step.CODE)
def change_contact():
    form = ActionForm()
    if not form.validate_on_submit():
        return code_step.render(None, form.summary(), 400)
    return _move(g.account, "contact_changed")
