"""Signing in with the numéro de sécurité sociale, and signing out."""
from __future__ import annotations

import time

from flask import (Blueprint, Response, current_app, flash, make_response, redirect,
                   render_template, request, session, url_for)
from flask_limiter.util import get_remote_address
from limits import parse_many

from blueprints.auth import device
from blueprints.forms import ActionForm
from blueprints.franceconnect_logout import logout_at_provider
from blueprints.auth.forms import (ForgetNirForm, IdentifierLiveForm, NirLiveForm,
                                   ProvisionalSignInForm, SignInForm, SignOutForm)
from domain.journey import page_for
from domain.nir import Nir, NirError, parse_nir
from domain.provisional import ProvisionalIdError, parse_provisional_id
from domain.words import say
from services.accounts import authenticate, link_franceconnect, step_of
from services.audit_log import security_event
from services.franceconnect import enabled as franceconnect_enabled
from services.limiter import (SIGN_IN_IDENTIFIER_SCOPE, claimed_limit,
                              forgive_sign_in_failures, wait_words)
from services.sealing import seal, unseal
from services.sessions import end_signed_in, start_signed_in

bp = Blueprint("auth", __name__)

REMEMBER_COOKIE = "moncompte_nir"


def _typed_identifier() -> str | None:
    """The identifier typed in either sign-in form, normalised, for the per-identifier limit."""
    try:
        if request.endpoint == "auth.provisional_sign_in":
            return "pid:" + parse_provisional_id(request.form.get("provisional_id", "")).value
        return "nir:" + parse_nir(request.form.get("nir", "")).value
    except (NirError, ProvisionalIdError):
        return None


def _failed(response: Response) -> bool:
    # Only a wrong number/password pair counts; a mistyped number never reached an account.
    return response.status_code == 401


# Two limits on sign-in tries, shared by both sign-in forms: per identifier (protects one
# account) and per address (a public office where social workers help many people shares
# one address). Each try claims its slot before its password is checked
# (services/limiter.py), so tries sent at the same moment to several workers cannot pass
# together; only a wrong number/password pair keeps it (a mistyped number never reached
# an account, a right password gives it back).
def _too_many(per_address: bool):
    def page(wait: int):
        spec = current_app.config["LOGIN_LIMIT_PER_ADDRESS" if per_address else "LOGIN_LIMIT_PER_NIR"]
        security_event("sign_in_locked", _typed_identifier(),
                       limit="per_address" if per_address else "per_identifier")
        return render_template("errors/429.html", wait=wait_words(wait), per_address=per_address,
                               tries=min(item.amount for item in parse_many(spec))), 429

    return page


per_identifier = claimed_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_NIR"], SIGN_IN_IDENTIFIER_SCOPE,
    lambda: _typed_identifier() or "", _too_many(per_address=False),
    exempt_when=lambda: _typed_identifier() is None, keep_when=_failed,
)
per_address = claimed_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], "sign-in-address",
    get_remote_address, _too_many(per_address=True), keep_when=_failed,
)


def remembered_nir() -> Nir | None:
    """The number this device remembers, if its sealed cookie is ours and not too old. The
    cookie is encrypted (services/sealing.py): whoever reads the browser's cookies (a
    shared computer, a social worker's) does not read the number."""
    max_age = current_app.config["REMEMBER_NIR_DAYS"] * 86400
    value = unseal("remember-nir", request.cookies.get(REMEMBER_COOKIE), max_age)
    if value is None:
        return None
    try:
        return parse_nir(value)
    except (NirError, TypeError):
        return None


def _remember(response: Response, nir: Nir | None) -> None:
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    if nir is None:
        response.delete_cookie(REMEMBER_COOKIE, secure=secure, httponly=True, samesite="Lax")
        return
    response.set_cookie(
        REMEMBER_COOKIE, seal("remember-nir", nir.value),
        max_age=current_app.config["REMEMBER_NIR_DAYS"] * 86400,
        httponly=True, secure=secure, samesite="Lax",
    )


def _page(form: SignInForm, errors: list | None = None) -> str:
    pending = session.get("fc_pending")
    return render_template("auth/sign_in.html", form=form, errors=errors or [],
                           remembered=remembered_nir(), forget_form=ForgetNirForm(),
                           fc_pending=pending if isinstance(pending, dict) else None,
                           franceconnect=franceconnect_enabled())


def _prefilled(form: SignInForm) -> SignInForm:
    """The sign-in form with the number this device remembers, if any."""
    remembered = remembered_nir()
    if remembered is not None:
        form.nir.data = remembered.formatted
        form.remember.data = True
    return form


@bp.route("/connexion", methods=["GET", "POST"])
@per_address
@per_identifier
def sign_in() -> Response | tuple[str, int] | str:
    form = SignInForm()
    if request.method == "GET":
        return _page(_prefilled(form))
    if not form.validate_on_submit():
        return _page(form, form.summary()), 400
    identifier = "nir:" + form.nir.nir.value
    account = authenticate(form.password.data, nir=form.nir.nir.value)
    if account is None:
        security_event("sign_in_failed", identifier, reason="unknown_or_wrong")
        form.password.errors = [say("sign_in.wrong_nir")]
        return _page(form, form.summary()), 401
    forgive_sign_in_failures(identifier)
    response = _signed_in(account)
    _remember(response, form.nir.nir if form.remember.data else None)
    return response


def _signed_in(account) -> Response:
    """A new session for the account, and on to where its journey says it must be; first
    the new-device code if this device is unknown (blueprints/auth/device.py)."""
    if device.needs_check(account):
        return device.start_check(account)
    return _finish_sign_in(account)


def _finish_sign_in(account) -> Response:
    """Signed in: a new session, and on to where the journey says.

    If the person came from FranceConnect without a linked account, this sign-in links it.
    """
    pending = session.get("fc_pending")
    start_signed_in(account.id)
    security_event("sign_in_ok", account, method="password")
    if isinstance(pending, dict) and link_franceconnect(account, pending["sub"]):
        security_event("franceconnect_linked", account)
        session["fc_id_token"] = pending["id_token"]
        flash(say("franceconnect.linked"))
    elif isinstance(pending, dict):  # that FranceConnect identity is linked to another account
        security_event("franceconnect_failed", account, reason="linked_elsewhere")
    return redirect(url_for(page_for(step_of(account))), code=303)


device.register(bp, _finish_sign_in)


@bp.route("/identifiant-provisoire", methods=["GET", "POST"])
@per_address
@per_identifier
def provisional_sign_in():
    """For people the Caf registered before they had a numéro de sécurité sociale."""
    form = ProvisionalSignInForm()
    if request.method == "GET":
        return render_template("auth/provisional.html", form=form, errors=[])
    if not form.validate_on_submit():
        return render_template("auth/provisional.html", form=form, errors=form.summary()), 400
    identifier = "pid:" + form.provisional_id.parsed.value
    account = authenticate(form.password.data, provisional_id=form.provisional_id.parsed.value)
    if account is None:
        security_event("sign_in_failed", identifier, reason="unknown_or_wrong")
        form.password.errors = [say("sign_in.wrong_provisional")]
        return render_template("auth/provisional.html", form=form, errors=form.summary()), 401
    forgive_sign_in_failures(identifier)
    return _signed_in(account)


@bp.post("/connexion/numero")
def check_nir() -> Response:
    """Live feedback on the number while the person types (htmx); never the input itself."""
    if not request.htmx:
        return redirect(url_for("auth.sign_in"), code=303)
    # The forgotten-password page asks too: there, a provisional identifier is fine.
    form = IdentifierLiveForm() if request.form.get("accept") == "provisional" else NirLiveForm()
    form.validate()
    status = 400 if form.csrf_failed() else 200
    response = make_response(
        render_template("auth/_nir_live.html", field=form.nir, csrf_failed=status == 400), status
    )
    response.vary.add("HX-Request")
    return response


@bp.post("/connexion/oublier-numero")
def forget_nir() -> Response | tuple[str, int]:
    form = ForgetNirForm()
    if not form.validate_on_submit():
        return _page(_prefilled(SignInForm(formdata=None)), form.summary()), 400
    flash(say("sign_in.nir_forgotten"))
    response = redirect(url_for("auth.sign_in"), code=303)
    _remember(response, None)
    return response


@bp.post("/deconnexion")
def sign_out() -> Response | tuple[str, int]:
    form = SignOutForm()
    if not form.validate_on_submit():
        return render_template("auth/sign_out_failed.html", errors=form.summary(),
                               form=SignOutForm()), 400
    id_token = session.get("fc_id_token")
    if id_token and franceconnect_enabled():
        # Ours ends now; FranceConnect's next, and it brings the person back to us.
        end_signed_in(None)
        return logout_at_provider(id_token)
    end_signed_in(say("sign_out.done"))
    return redirect(url_for("auth.sign_in"), code=303)


@bp.post("/session/prolonger")
def stay_signed_in():
    """«Rester connecté»: the session's clock starts again (htmx, or a plain form post)."""
    form = ActionForm()
    if "account_id" not in session:
        return make_response("", 400) if request.htmx else redirect(url_for("auth.sign_in"), code=303)
    if not form.validate_on_submit():
        if request.htmx:
            return make_response("", 400)
        return render_template("errors/expired_form.html", errors=form.summary(),
                               back=url_for("account.home")), 400
    session["seen"] = time.time()  # a change, so the session row is written and its clock reset
    if request.htmx:
        return make_response("", 204)
    return redirect(url_for("account.home"), code=303)
