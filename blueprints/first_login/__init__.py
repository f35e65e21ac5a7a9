"""The first sign-in after the change (CGU, password, contact, code)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for

from blueprints.auth.forms import SignOutForm
from domain.journey import is_done, page_for
from services.accounts import get_account

bp = Blueprint("first_login", __name__, url_prefix="/premiere-connexion")


@bp.get("")
def start():
    account = get_account(session.get("account_id"))
    if account is None:
        return redirect(url_for("auth.sign_in"), code=303)
    if is_done(account.journey_state):
        return redirect(url_for(page_for(account.journey_state)), code=303)
    return render_template("first_login/start.html", account=account, sign_out_form=SignOutForm())
