"""«Mon Compte»: what a signed-in person came for."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, g, redirect, render_template, session, url_for

from blueprints.auth.forms import SignOutForm
from domain.journey import is_done, page_for
from services.accounts import get_account, step_of

bp = Blueprint("account", __name__, url_prefix="/mon-compte")


def account_required(view: Callable) -> Callable:
    """Signed in, and the first-login journey finished; otherwise to where the person must be."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        account = get_account(session.get("account_id"))
        if account is None:
            return redirect(url_for("auth.sign_in"), code=303)
        step = step_of(account)
        if not is_done(step):
            return redirect(url_for(page_for(step)), code=303)
        g.account = account
        return view(*args, **kwargs)

    return wrapper


@bp.get("")
@account_required
def home() -> str:
    account = g.account
    last = account.payments[0] if account.payments else None
    return render_template("account/home.html", account=account, last=last,
                           sign_out_form=SignOutForm())


@bp.get("/allocations")
@account_required
def payments() -> str:
    return render_template("account/payments.html", account=g.account,
                           sign_out_form=SignOutForm())


@bp.get("/bientot")
@account_required
def coming() -> str:
    return render_template("account/coming.html", account=g.account, sign_out_form=SignOutForm())
