"""The «verification code» component, shared by the first login and the forgotten password:
one field with its live words, one set of messages for what a code check can say."""
from __future__ import annotations

from typing import Callable

from flask import Response, flash, g, make_response, redirect, render_template
from wtforms import StringField

from blueprints.forms import ActionForm, BaseForm
from domain import codes
from services.codes import delivery_failed
from services.models import Account


class CodeForm(BaseForm):
    code = StringField("Code de vérification", render_kw={
        "autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 20,
        "spellcheck": "false"})


MESSAGES = {
    codes.Outcome.MALFORMED: "Écrivez le code à 6 chiffres que vous avez reçu.",
    codes.Outcome.WRONG: "Ce code n'est pas le bon. Vérifiez le code reçu. {left}",
    codes.Outcome.DEAD: ("Ce code ne marche plus. Il y a eu trop d'erreurs, ou il a déjà servi. "
                         "Demandez un nouveau code."),
    codes.Outcome.EXPIRED: ("Ce code a plus de 10 minutes. Il ne marche plus. "
                            "Demandez un nouveau code."),
}


# The worker could not send the code (services/queue.py): said on the signed-in code pages
# (first login, new contact details, new device), never on the anonymous reset pages.
NOT_SENT = "Le message n'est pas parti. Demandez un nouveau code."


def with_delivery(errors: list, account: Account | None, purpose: str) -> list:
    """The page's errors, and «Le message n'est pas parti» if the newest code did not leave."""
    if account is not None and delivery_failed(account, purpose):
        return [*errors, (None, NOT_SENT)]
    return errors


def message_for(outcome: codes.Outcome, wrong_tries: int) -> str:
    left = codes.MAX_WRONG - wrong_tries
    tries_left = f"Il vous reste {left} essai{'s' if left > 1 else ''}."
    return MESSAGES[outcome].format(left=tries_left)


def label_for(channel: str) -> str:
    return f"Code de vérification reçu par {'SMS' if channel == 'sms' else 'mail'}"


def live_hint(not_sent: bool = False) -> Response:
    """The htmx answer while typing: how many digits are missing, never whether it is right;
    or, if `not_sent`, that the message did not leave."""
    form = CodeForm()
    form.validate()
    if form.csrf_failed():
        return make_response("", 400)
    response = make_response(render_template(
        "components/_code_live.html", not_sent=NOT_SENT if not_sent else "",
        hint=codes.typing_hint(form.code.data or "")))
    response.vary.add("HX-Request")
    return response


def resend(send: Callable[[], None], code_page: Callable, back: str) -> Response:
    """«Demander l'envoi d'un nouveau code», the same on every page that checks a code:
    `send` puts it in the queue, `code_page(form, errors, status)` draws the page again on
    a problem, `back` is where the new code is typed."""
    form = ActionForm()
    if not form.validate_on_submit():
        return code_page(CodeForm(formdata=None), form.summary(), 400)
    send()
    g.code_sent = True  # counts against the new-code limit
    flash("Nous vous avons envoyé un nouveau code. L'ancien code ne marche plus.")
    return redirect(back, code=303)
