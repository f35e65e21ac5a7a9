"""«Mes coordonnées»: see them, change them; a change is confirmed by a code sent to the new
contact, and the old contact is told (so a stranger cannot quietly take the account over)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for

from blueprints import code_entry
from blueprints.account import account_required, bp
from blueprints.code_entry import CodeForm
from blueprints.first_login.forms import ContactForm
from blueprints.forms import ActionForm
from domain import codes
from domain.contact import hide_phone, show_phone
from services.accounts import get_account
from services.codes import check_code, delivery_failed, destination, latest_code, send_code
from services.database import db
from services.limiter import code_sending_limit
from services.messages import Message
from services.models import utcnow
from services.queue import enqueue

CHANGED_NOTICE = ("Mon Compte Caf : vos coordonnées de contact ont changé. "
                  "Ce n'est pas vous ? Appelez la Caf au 32 30.")


def _pending() -> dict | None:
    change = session.get("contact_change")
    return change if isinstance(change, dict) else None


def _new_destination(change: dict) -> tuple[str, str]:
    if change["channel"] == "sms" and change["mobile"]:
        return "sms", change["mobile"]
    return "mail", change["email"]


def _page(form: ContactForm, errors: list, status: int = 200):
    return render_template("account/contact.html", account=g.account, form=form, errors=errors,
                           sign_out_form=ActionForm(), show_phone=show_phone), status


def _code_page(form: CodeForm, errors: list, status: int = 200):
    channel, address = _new_destination(_pending())
    form.code.label.text = code_entry.label_for(channel)
    errors = code_entry.with_delivery(errors, g.account, "change")
    return render_template("account/contact_code.html", account=g.account, form=form,
                           errors=errors, channel=channel, action_form=ActionForm(),
                           sign_out_form=ActionForm(),
                           destination=hide_phone(address) if channel == "sms" else address), status


def _breached(wait: str):
    message = f"Vous avez déjà demandé un code. Attendez {wait} avant d'en demander un autre."
    g.account = get_account(session.get("account_id"))
    if request.endpoint == "account.contact" or _pending() is None:
        form = ContactForm()
        form.validate()
        return _page(form, [(None, message)], 429)
    return _code_page(CodeForm(formdata=None), [(None, message)], 429)


code_sending = code_sending_limit(
    lambda: f"account:{session.get('account_id')}", lambda wait: _breached(wait),
    exempt_when=lambda: request.endpoint == "account.contact" and not ContactForm().validate(),
)


@bp.route("/coordonnees", methods=["GET", "POST"])
@account_required
@code_sending
def contact():
    account = g.account
    form = ContactForm()
    if request.method == "GET":
        form.fill_from(account)
        return _page(form, [])
    if not form.validate_on_submit():
        return _page(form, form.summary(), 400)
    change = {"mobile": form.mobile.parsed, "other_phone": form.other_phone.parsed,
              "email": form.email.parsed, "channel": form.chosen_channel()}
    send_code(account, purpose="change", to=_new_destination(change))
    g.code_sent = True
    session["contact_change"] = change
    return redirect(url_for(".contact_code"), code=303)


@bp.route("/coordonnees/code", methods=["GET", "POST"])
@account_required
def contact_code():
    change = _pending()
    if change is None:
        return redirect(url_for(".contact"), code=303)
    form = CodeForm()
    if request.method == "GET":
        return _code_page(form, [])
    if not form.validate_on_submit():
        return _code_page(form, form.summary(), 400)
    account = g.account
    outcome = check_code(account, form.code.data or "", purpose="change")
    if outcome is not codes.Outcome.OK:
        record = latest_code(account, "change")
        form.code.errors = [code_entry.message_for(outcome, record.wrong_tries if record else 0)]
        return _code_page(form, form.summary(), 400)
    old = destination(account) if account.contact_verified_at else None
    account.mobile_phone, account.other_phone = change["mobile"], change["other_phone"]
    account.email, account.code_channel = change["email"], change["channel"]
    account.contact_verified_at = utcnow()
    db.session.commit()
    session.pop("contact_change", None)
    if old and old != destination(account):
        _tell_old_contact(*old)
    flash("Vos nouvelles coordonnées sont confirmées et enregistrées.")
    return redirect(url_for(".home"), code=303)


def _tell_old_contact(channel: str, address: str) -> None:
    """The old contact hears of the change; the change stands even if this message fails."""
    enqueue(Message(to=address, channel=channel, body=CHANGED_NOTICE,
                    subject="Vos coordonnées Mon Compte Caf ont changé"),
            "contact_changed", g.account.id)


@bp.post("/coordonnees/code/saisie")
@account_required
def contact_code_live():
    if not request.htmx or _pending() is None:
        return redirect(url_for(".contact_code"), code=303)
    return code_entry.live_hint(not_sent=delivery_failed(g.account, "change"))


@bp.post("/coordonnees/code/nouveau")
@account_required
@code_sending
def contact_new_code():
    change = _pending()
    if change is None:
        return redirect(url_for(".contact"), code=303)
    return code_entry.resend(
        lambda: send_code(g.account, purpose="change", to=_new_destination(change)),
        _code_page, url_for(".contact_code"))


@bp.post("/coordonnees/annuler")
@account_required
def contact_cancel():
    if _pending() is None:
        return redirect(url_for(".home"), code=303)
    form = ActionForm()
    if form.validate_on_submit():
        session.pop("contact_change", None)
        flash("Rien n'a changé. Vos coordonnées sont les mêmes.")
        return redirect(url_for(".home"), code=303)
    return _code_page(CodeForm(formdata=None), form.summary(), 400)
