"""«S'identifier avec FranceConnect»: the authorization-code flow, linking, and logout.

What the button starts is remembered in our server-side session (`fc_flows`: its state,
nonce and PKCE verifier, for FLOW_MINUTES, at most MAX_FLOWS at once); the return takes
it out, so a replayed or forged return finds nothing. The talk with the provider and its
checks are in services/franceconnect.py; each refusal is logged as
`franceconnect_failed reason=<cause>` (services.franceconnect.CAUSES) and shown as one
of PROBLEMS.
"""
from __future__ import annotations

import secrets
import time

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, session, url_for)

from blueprints.forms import ActionForm
from blueprints.franceconnect_logout import came_back
from domain.journey import page_for
from domain.words import say
from services import franceconnect
from services.accounts import find_account, get_account, step_of
from services.audit_log import security_event
from services.database import db
from services.franceconnect import Failure, enabled
from services.sessions import start_signed_in
from services.web import absolute_url

bp = Blueprint("franceconnect", __name__, url_prefix="/franceconnect")

# What can go wrong, in plain words; each page offers the NIR sign-in instead.
PROBLEMS = {
    "refused": (say("franceconnect.refused.title"), say("franceconnect.refused")),
    "state": (say("franceconnect.state.title"), say("franceconnect.state")),
    "failed": (say("franceconnect.failed.title"), say("franceconnect.failed")),
    "unavailable": (say("franceconnect.unavailable.title"), say("franceconnect.unavailable")),
}
# The page and status for each cause of failure.
PAGES = {
    "timeout": ("unavailable", 504), "unreachable": ("unavailable", 503),
    "bad_metadata": ("unavailable", 503), "too_large": ("failed", 400),
    "bad_signature": ("failed", 400), "bad_claims": ("failed", 400),
    "denied": ("failed", 400), "state": ("state", 400),
}
FLOW_MINUTES = 30
MAX_FLOWS = 3


def _problem(cause: str, step: str, kind: str | None = None) -> tuple[str, int]:
    """The page for a failure (`kind` instead of the cause's own), its cause logged."""
    page, status = PAGES[cause]
    if kind == "unavailable":  # a provider we could not use: never the person's doing
        status = 504 if cause == "timeout" else 503
    title, message = PROBLEMS[kind or page]
    security_event("franceconnect_failed", reason=cause, step=step)
    return render_template("franceconnect/problem.html", title=title, message=message), status


def _expired(form: ActionForm, back: str) -> tuple[str, int]:
    """A button whose CSRF token failed: nothing done, say so, and lead back."""
    return render_template("errors/expired_form.html", errors=form.summary(), back=back), 400


def _absolute(setting: str, endpoint: str) -> str:
    return current_app.config[setting] or absolute_url(endpoint)


def _flows() -> dict:
    """The sign-ins started from this browser and not back yet, by state."""
    flows = session.get("fc_flows")
    now = time.time()
    if not isinstance(flows, dict):
        return {}
    return {state: flow for state, flow in flows.items()
            if isinstance(flow, dict) and now - flow.get("at", 0) < FLOW_MINUTES * 60}


def _take_flow(state) -> dict | None:
    """The flow `state` names, taken out of the session: it serves once."""
    if "fc_flows" not in session:
        return None
    flows = _flows()
    flow = flows.pop(state, None) if isinstance(state, str) else None
    session["fc_flows"] = flows
    return flow


@bp.before_request
def only_when_configured() -> None:
    if not enabled():
        abort(404)


@bp.get("/connexion")
def start():
    state, nonce, verifier = secrets.token_urlsafe(32), franceconnect.new_nonce(), \
        franceconnect.new_verifier()
    try:
        url = franceconnect.authorization_url(
            _absolute("FRANCECONNECT_REDIRECT_URI", ".callback"), state, nonce, verifier)
    except Failure as failure:
        return _problem(failure.cause, "start", "unavailable")
    flows = _flows()
    newest = sorted(flows, key=lambda s: flows[s].get("at", 0), reverse=True)[:MAX_FLOWS - 1]
    flows = {s: flows[s] for s in newest}
    flows[state] = {"nonce": nonce, "verifier": verifier, "at": time.time()}
    session["fc_flows"] = flows
    return redirect(url, code=302)


@bp.get("/retour")
def callback():
    flow = _take_flow(request.args.get("state"))
    error = request.args.get("error")
    if error:
        return _problem("denied", "callback", "refused" if error == "access_denied" else None)
    if flow is None:
        return _problem("state", "callback")
    try:
        person = franceconnect.sign_in(
            request.args.get("code", ""), _absolute("FRANCECONNECT_REDIRECT_URI", ".callback"),
            flow["nonce"], flow["verifier"])
    except Failure as failure:
        return _problem(failure.cause, "callback")
    account = find_account(franceconnect_sub=person["sub"])
    if account is None:
        # First time: the person links FranceConnect to their Caf account by signing in once.
        session["fc_pending"] = person
        return redirect(url_for("auth.sign_in"), code=303)
    start_signed_in(account.id)
    security_event("sign_in_ok", account, method="franceconnect")
    session["fc_id_token"] = person["id_token"]
    return redirect(url_for(page_for(step_of(account))), code=303)


@bp.post("/annuler-liaison")
def cancel_link() -> Response:
    """Give up linking: forget the FranceConnect identity that was waiting."""
    form = ActionForm()
    if not form.validate_on_submit():
        return _expired(form, url_for("auth.sign_in"))
    session.pop("fc_pending", None)
    return redirect(url_for("auth.sign_in"), code=303)


@bp.post("/delier")
def unlink():
    account = get_account(session.get("account_id"))
    if account is None:
        return redirect(url_for("auth.sign_in"), code=303)
    form = ActionForm()
    if not form.validate_on_submit():
        return _expired(form, url_for("account.home"))
    account.franceconnect_sub = None
    db.session.commit()
    security_event("franceconnect_unlinked", account)
    flash(say("franceconnect.unlinked"))
    return redirect(url_for("account.home"), code=303)


@bp.get("/deconnexion-terminee")
def logged_out():
    """Back from FranceConnect's logout (blueprints/franceconnect_logout.py sent it there)."""
    if not came_back(request.args.get("state")):
        return _problem("state", "logout")
    flash(say("franceconnect.signed_out"))
    return redirect(url_for("auth.sign_in"), code=303)
