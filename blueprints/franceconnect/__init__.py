"""«S'identifier avec FranceConnect»: the authorization-code flow, linking, and logout.

Authlib keeps `state` (and our `nonce`) in the server-side session, checks the state on
return (a replayed or forged one is refused), checks the ID token's signature against
the provider's keys, its issuer, audience, expiry and nonce.
"""
from __future__ import annotations

import secrets

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, session, url_for)
from joserfc.errors import JoseError

from blueprints.forms import ActionForm
from domain.journey import page_for
from services.accounts import find_account, get_account, step_of
from services.audit_log import security_event
from services.database import db
from services.franceconnect import (ACCEPTED_ACR, bare_client, client, enabled, fetch_userinfo,
                                   new_nonce)
from services.sessions import start_signed_in

bp = Blueprint("franceconnect", __name__, url_prefix="/franceconnect")

# What can go wrong, in plain words; each page offers the NIR sign-in instead.
PROBLEMS = {
    "refused": ("Connexion avec FranceConnect annulée",
                "Vous avez annulé la connexion avec FranceConnect."),
    "state": ("Cette connexion ne marche plus",
              "Cette page de FranceConnect a déjà servi. Ou elle ne vient pas de vous."),
    "failed": ("FranceConnect n'a pas pu vous connecter",
               "FranceConnect n'a pas pu confirmer qui vous êtes."),
    "unavailable": ("FranceConnect ne répond pas",
                    "FranceConnect ne répond pas pour le moment."),
}


def _problem(kind: str, status: int) -> tuple[str, int]:
    title, message = PROBLEMS[kind]
    security_event("franceconnect_failed", reason=kind)
    return render_template("franceconnect/problem.html", title=title, message=message), status


def _expired(form: ActionForm, back: str) -> tuple[str, int]:
    """A button whose CSRF token failed: nothing done, say so, and lead back."""
    return render_template("errors/expired_form.html", errors=form.summary(), back=back), 400


def _absolute(setting: str, endpoint: str) -> str:
    return current_app.config[setting] or url_for(endpoint, _external=True)


@bp.before_request
def only_when_configured() -> None:
    if not enabled():
        abort(404)


@bp.get("/connexion")
def start():
    try:
        return client().authorize_redirect(
            _absolute("FRANCECONNECT_REDIRECT_URI", ".callback"),
            nonce=new_nonce(), acr_values=current_app.config["FRANCECONNECT_ACR_VALUES"],
        )
    except (requests.RequestException, AuthlibBaseError, ValueError):
        return _problem("unavailable", 503)


@bp.get("/retour")
def callback():
    if request.args.get("error"):
        return _problem("refused" if request.args["error"] == "access_denied" else "failed", 400)
    try:
        token = client().authorize_access_token()
        identity = token.get("userinfo")
        userinfo = fetch_userinfo(token)
    except MismatchingStateError:
        return _problem("state", 400)
    except OAuthError as error:
        return _problem("state" if "state" in (error.description or "") else "failed", 400)
    except (requests.RequestException, AuthlibBaseError, JoseError, ValueError, KeyError):
        return _problem("failed", 400)
    # The userinfo must speak of the person the signed ID token names, at the level asked.
    if not identity or userinfo.get("sub") != identity.get("sub"):
        return _problem("failed", 400)
    if "acr" in identity and identity["acr"] not in ACCEPTED_ACR:
        return _problem("failed", 400)
    person = {"sub": identity["sub"], "id_token": token["id_token"],
              "given_name": userinfo.get("given_name", ""),
              "family_name": userinfo.get("family_name", "")}
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
    flash("FranceConnect n'est plus relié à votre compte. "
          "Connectez-vous avec votre numéro de sécurité sociale.")
    return redirect(url_for("account.home"), code=303)


def logout_at_provider(id_token: str) -> Response:
    """Send the person to FranceConnect's logout; it comes back to `logged_out`.
    Our session has already ended: if FranceConnect cannot be reached, say so."""
    try:
        fc = client()
    except (requests.RequestException, AuthlibBaseError, ValueError):
        flash("Vous êtes déconnecté de Mon Compte. FranceConnect ne répond pas : "
              "fermez votre navigateur pour finir.")
        return redirect(url_for("auth.sign_in"), code=303)
    return fc.logout_redirect(
        post_logout_redirect_uri=_absolute("FRANCECONNECT_POST_LOGOUT_REDIRECT_URI",
                                           "franceconnect.logged_out"),
        id_token_hint=id_token, state=secrets.token_urlsafe(32),
    )


@bp.get("/deconnexion-terminee")
def logged_out():
    try:
        bare_client().validate_logout_response()
    except OAuthError:
        return _problem("state", 400)
    flash("Vous êtes déconnecté de Mon Compte et de FranceConnect. À bientôt !")
    return redirect(url_for("auth.sign_in"), code=303)
