"""«Mot de passe oublié ?»: the number, a code sent to the confirmed contact, a new password.

The same pages, words and timing whether or not the number has an account that can be
reset; only a real account with a confirmed contact ever receives a code.
"""
from __future__ import annotations

import time

from flask import (Blueprint, Response, current_app, flash, g, make_response, redirect,
                   render_template, request, session, url_for)

from blueprints import code_entry, new_password
from blueprints.code_entry import CodeForm
from blueprints.forms import ActionForm
from blueprints.new_password import NewPasswordForm, person_of
from blueprints.password_reset.forms import ResetStartForm
from domain import codes
from services.accounts import set_password
from services.audit_log import security_event
from services.codes import check_code, latest_code, send_code
from services.database import db
from flask_limiter.util import get_remote_address

from services.limiter import (claimed_limit, code_sending_limit, forgive_sign_in_failures,
                              wait_words)
from services.models import utcnow
from services.password_reset import (account_for_token, decoy_check, decoy_sent, make_token,
                                     resettable_account, shown_destination)
from services.sessions import end_sessions_of

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


def _code_page(form: CodeForm, errors: list, status: int = 200):
    state = _reset()
    channel, shown = shown_destination(state["nir"], resettable_account(state["nir"]))
    form.code.label.text = code_entry.label_for(channel)
    return render_template("password_reset/code.html", form=form, errors=errors,
                           channel=channel, destination=shown, action_form=ActionForm(),
                           minutes=int(codes.CODE_TTL.total_seconds() // 60)), status


def _limit_breached(wait: str) -> Response:
    message = f"Vous avez déjà demandé un code. Attendez {wait} avant d'en demander un autre."
    if _reset() is None:
        return make_response(render_template("password_reset/start.html",
                                              form=ResetStartForm(), errors=[(None, message)]), 429)
    return make_response(_code_page(CodeForm(formdata=None), [(None, message)])[0], 429)


def _limit_key() -> str:
    """Per number: the one typed on the first page, or the one of the reset under way."""
    if request.endpoint == "password_reset.start":
        form = ResetStartForm()
        return "reset:" + (form.nir.identifier if form.validate() else "")
    state = _reset()
    return "reset:" + (state["nir"] if state else "")


code_sending = code_sending_limit(
    _limit_key, _limit_breached,
    exempt_when=lambda: request.endpoint == "password_reset.start"
    and not ResetStartForm().validate(),
)


def _too_many_from_here(seconds: int) -> Response:
    """Many code requests from one address: say so on the same page, with the wait."""
    wait = wait_words(seconds)
    message = (f"Il y a eu beaucoup de demandes de code depuis ce lieu. "
               f"Attendez {wait}. Ensuite, vous pourrez demander un code.")
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


@bp.route("/code", methods=["GET", "POST"])
def code():
    state = _reset()
    if state is None:
        return redirect(url_for(".start"), code=303)
    form = CodeForm()
    if request.method == "GET":
        return _code_page(form, [])
    if not form.validate_on_submit():
        return _code_page(form, form.summary(), 400)
    account = resettable_account(state["nir"])
    if account is not None:
        outcome = check_code(account, form.code.data or "", purpose="reset")
        record = latest_code(account, "reset")
        wrong = record.wrong_tries if record else 0
    else:
        outcome, wrong = decoy_check(state["nir"], form.code.data or "", utcnow())
    if outcome is codes.Outcome.OK:
        db.session.commit()  # the code is used (services/codes.py)
        session.pop("reset", None)
        return redirect(url_for(".choose", token=make_token(account)), code=303)
    form.code.errors = [code_entry.message_for(outcome, wrong)]
    return _code_page(form, form.summary(), 400)


@bp.post("/code/saisie")
def code_live() -> Response:
    if not request.htmx or _reset() is None:
        return redirect(url_for(".code"), code=303)
    return code_entry.live_hint()


@bp.post("/code/nouveau")
@code_sending
def new_code():
    state = _reset()
    if state is None:
        return redirect(url_for(".start"), code=303)
    return code_entry.resend(lambda: _send(state["nir"]), _code_page, url_for(".code"))


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
            set_password(account, chosen)
            db.session.commit()
            security_event("password_changed", account, where="reset")
            end_sessions_of(account.id)  # any device still signed in is signed out
            forgive_sign_in_failures(f"nir:{account.nir}" if account.nir
                                     else f"pid:{account.provisional_id}")
            session.clear()
            flash("Votre nouveau mot de passe est enregistré. Connectez-vous avec lui.")
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
