"""«Mot de passe oublié ?»: the number, a code sent to the confirmed contact, a new password.

The same pages, words and timing whether or not the number has an account that can be
reset; only a real account with a confirmed contact ever receives a code.
"""
from __future__ import annotations

import time

from flask import (Blueprint, Response, current_app, flash, g, make_response, redirect,
                   render_template, request, session, url_for)

from flask_limiter.util import get_remote_address

from blueprints import new_password
from blueprints.code_step import CodeStep, Visit, checks_code
from blueprints.new_password import NewPasswordForm, person_of
from blueprints.password_reset.forms import ResetStartForm
from domain import codes
from domain.words import say
from services.accounts import change_password
from services.audit_log import security_event
from services.codes import send_code
from services.database import db
from services.limiter import claimed_limit, code_sending_limit, wait_words
from services.models import utcnow
from services.password_reset import (account_for_token, decoy_check, decoy_sent, make_token,
                                     resettable_account, shown_destination)

bp = Blueprint("password_reset", __name__, url_prefix="/mot-de-passe-oublie")

def _reset() -> dict | None:
    """The reset under way in this session: the identifier typed (NIR or provisional)."""
    state = session.get("reset")
    return state if isinstance(state, dict) and "nir" in state else None


def _send(nir: str) -> None:
    """Send a code if the number has a resettable account; else do nothing, the same way.
    Either way the answer does not wait for the gateway (services/queue.py), and what
    the worker meets there is never shown on these pages."""
    account = resettable_account(nir)
    # For operators only, under the pseudonym: whether a code really leaves.
    security_event("password_reset_requested", nir, known=account is not None)
    if account is not None:
        send_code(account, purpose="reset")
    else:
        decoy_sent(nir, utcnow())
    g.code_sent = True  # a decoy counts against the limit exactly as a real sending does


def _at_least(started: float) -> None:
    # About the same answer time whether or not a message was sent.
    left = current_app.config["RESET_MIN_SECONDS"] - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)


def _start_limit_breached(wait: str) -> Response:
    return make_response(render_template("password_reset/start.html", form=ResetStartForm(),
                                         errors=[(None, say("code.wait", wait=wait))]), 429)


def _typed_number_key() -> str:
    """Per number: the one typed on the first page."""
    form = ResetStartForm()
    return "reset:" + (form.nir.identifier if form.validate() else "")


code_sending = code_sending_limit(
    _typed_number_key, _start_limit_breached,
    exempt_when=lambda: not ResetStartForm().validate(),
)


def _too_many_from_here(seconds: int) -> Response:
    """Many code requests from one address: say so on the same page, with the wait."""
    message = say("password_reset.too_many_from_here", wait=wait_words(seconds))
    return make_response(render_template("password_reset/start.html", form=ResetStartForm(),
                                         errors=[(None, message)]), 429)


@bp.route("", methods=["GET", "POST"])
@claimed_limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], "reset-address",
               get_remote_address, _too_many_from_here)
@code_sending
def start():
    form = ResetStartForm()
    if request.method == "GET":
        return render_template("password_reset/start.html", form=form, errors=[])
    if not form.validate_on_submit():
        return render_template("password_reset/start.html", form=form,
                               errors=form.summary()), 400
    started = time.monotonic()
    session["reset"] = {"nir": form.nir.identifier}
    _send(form.nir.identifier)
    _at_least(started)
    return redirect(url_for(".code"), code=303)


# The code (blueprints/code_step.py), the same page and words whether or not the number has
# an account that can be reset: the decoy is checked like a code.
def _code_visit() -> Visit | None:
    state = _reset()
    if state is None:
        return None
    account = resettable_account(state["nir"])
    channel, shown = shown_destination(state["nir"], account)
    return Visit(account, channel, shown, {"nir": state["nir"]})


def _check(visit: Visit, typed: str) -> tuple[codes.Outcome, int]:
    if visit.account is None:
        return decoy_check(visit.extra["nir"], typed, utcnow())
    return checks_code("reset")(visit, typed)


def _code_confirmed(visit: Visit, form) -> Response:
    db.session.commit()  # the code is used (services/codes.py)
    session.pop("reset", None)
    return redirect(url_for(".choose", token=make_token(visit.account)), code=303)


code_step = CodeStep(
    bp, purpose="reset", url="/code", template="password_reset/code.html",
    endpoints=("code", "code_live", "new_code"), visit=_code_visit,
    away=lambda: redirect(url_for(".start"), code=303),
    send=lambda visit: _send(visit.extra["nir"]),
    limit_key=lambda: "reset:" + ((_reset() or {}).get("nir") or ""),
    done=_code_confirmed, check=_check, tells_not_sent=False)


def _expired_link() -> tuple[str, int]:
    return render_template("password_reset/expired.html"), 400


@bp.route("/nouveau/<token>", methods=["GET", "POST"])
def choose(token: str):
    account = account_for_token(token)
    if account is None:
        return _expired_link()
    form = NewPasswordForm()
    person = person_of(account)
    if request.method == "POST":
        chosen = new_password.accept(form, person)
        if chosen is not None:
            # Any device still signed in is signed out, this one too.
            change_password(account, chosen, where="reset", keep_this_session=False)
            session.clear()
            flash(say("password_reset.done"))
            return redirect(url_for("auth.sign_in"), code=303)
    errors = form.summary() if request.method == "POST" else []
    return render_template("password_reset/choose.html", form=form, errors=errors, token=token,
                           **new_password.checklist(form, person)), 400 if errors else 200


@bp.post("/nouveau/<token>/regles")
def choose_rules(token: str) -> Response:
    account = account_for_token(token)
    if not request.htmx or account is None:
        return redirect(url_for(".choose", token=token), code=303)
    return new_password.live_checklist(person_of(account))
