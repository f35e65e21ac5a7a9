"""Signing out of FranceConnect too, shared by «Se déconnecter» (blueprints/auth) and the
page FranceConnect sends the person back to (blueprints/franceconnect, `logged_out`):
the state given on the way out must come back unchanged."""
from __future__ import annotations

import secrets

from flask import Response, current_app, flash, redirect, session, url_for

from domain.words import say
from services import franceconnect
from services.audit_log import security_event
from services.franceconnect import Failure
from services.web import absolute_url

_STATE = "fc_logout_state"


def logout_at_provider(id_token: str) -> Response:
    """Send the person to FranceConnect's logout; it comes back to `franceconnect.logged_out`.
    Our session has already ended: if FranceConnect cannot be reached, say so."""
    state = secrets.token_urlsafe(32)
    back = (current_app.config["FRANCECONNECT_POST_LOGOUT_REDIRECT_URI"]
            or absolute_url("franceconnect.logged_out"))
    try:
        url = franceconnect.end_session_url(id_token, back, state)
    except Failure as failure:
        security_event("franceconnect_failed", reason=failure.cause, step="logout")
        flash(say("franceconnect.signed_out_here_only"))
        return redirect(url_for("auth.sign_in"), code=303)
    session[_STATE] = state
    return redirect(url, code=302)


def came_back(given: object) -> bool:
    """Whether `given` is the state this browser took to FranceConnect's logout (once)."""
    expected = session.pop(_STATE, None)
    return (isinstance(expected, str) and isinstance(given, str)
            and secrets.compare_digest(expected.encode(), given.encode()))
