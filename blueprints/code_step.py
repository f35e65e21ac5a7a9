"""The verification-code step, one component for every journey that checks a code: the first
login, a new device, the forgotten password, «Mes coordonnées» (and any new way a code
arrives). Like GOV.UK One Login's single verify-code controller, each use tells it its
purpose, its template (which fills the blocks of templates/components/code_step.html),
where the code went, and what a right code does; the component registers the page, its
check, the live check and «Demander l'envoi d'un nouveau code», with the new-code limit.

A refused new code is answered on the page with its wait, kept in the session until the wait
is over: a reload, Enter in the address bar (a GET of the POST-only address leads back to
the page, services/web.py) or «Retour» always shows the code field and the wait.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import (Blueprint, Response, flash, g, make_response, redirect, render_template,
                   request, session, url_for)
from wtforms import StringField

from blueprints.forms import ActionForm, BaseForm
from domain import codes
from domain.words import plural, say
from services.codes import check_code, delivery_failed, latest_code
from services.limiter import (CODE_SENDING_SCOPE, claimed_limit, code_sending_spec,
                              wait_words)
from services.models import Account

# The refused new code of this session: which step, and until when it must wait.
WAIT = "code_wait"


class CodeForm(BaseForm):
    code = StringField(say("field.code"), render_kw={
        "autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 20,
        "spellcheck": "false"})


@dataclass
class Visit:
    """Who is at the step: the account (None for the reset's decoy), where the code went
    (channel «sms» or «mail», and the address as this page may show it), and anything
    else the use needs."""
    account: Account | None
    channel: str
    shown: str
    extra: dict[str, Any] = field(default_factory=dict)


def message_for(outcome: codes.Outcome, wrong_tries: int) -> str:
    left = codes.MAX_WRONG - wrong_tries
    if outcome is codes.Outcome.WRONG:
        return say("code.wrong", left=say(plural("code.tries_left", left), left=left))
    return say("code.malformed" if outcome is codes.Outcome.MALFORMED
               else "code.expired" if outcome is codes.Outcome.EXPIRED else "code.dead")


def label_for(channel: str) -> str:
    return say("code.label.sms" if channel == "sms" else "code.label.mail")


def minutes() -> int:
    return int(codes.CODE_TTL.total_seconds() // 60)


def checks_code(purpose: str) -> Callable[[Visit, str], tuple[codes.Outcome, int]]:
    """The usual check: the newest code of `purpose` sent to the visit's account."""

    def check(visit: Visit, typed: str) -> tuple[codes.Outcome, int]:
        outcome = check_code(visit.account, typed, purpose=purpose)
        record = latest_code(visit.account, purpose)
        return outcome, record.wrong_tries if record else 0

    return check


class CodeStep:
    """One use of the code step on a blueprint.

    - `endpoints`: the names of the page, the live check and the new-code routes;
    - `visit()`: who is at the step, or None: then `away()` answers (a redirect);
    - `send(visit)`: puts a new code in the queue (the new-code limit is the component's);
    - `limit_key()`: whose new codes are counted («account:…», «reset:…»);
    - `done(visit, form)`: what a right code does (a redirect);
    - `check(visit, typed)`: (outcome, wrong tries); by default the code of `purpose`;
    - `tells_not_sent`: whether the page may say «Le message n'est pas parti» (never on the
      anonymous reset pages, which must not tell whether a message left);
    - `guards`: decorators every route wears (signed in, at this step of the journey).
    """

    def __init__(self, bp: Blueprint, *, purpose: str, url: str, template: str,
                 endpoints: tuple[str, str, str], visit: Callable[[], Visit | None],
                 away: Callable[[], Response], send: Callable[[Visit], None],
                 limit_key: Callable[[], str], done: Callable[[Visit, Any], Response],
                 check: Callable[[Visit, str], tuple[codes.Outcome, int]] | None = None,
                 form: type[CodeForm] = CodeForm, tells_not_sent: bool = True,
                 guards: tuple[Callable, ...] = ()) -> None:
        self.purpose, self.template, self.form_class = purpose, template, form
        self.visit, self.away, self.send, self.done = visit, away, send, done
        self.limit_key, self.tells_not_sent = limit_key, tells_not_sent
        self.check = check or checks_code(purpose)
        self.page_endpoint, self.live_endpoint, self.resend_endpoint = (
            f"{bp.name}.{name}" for name in endpoints)
        page, live, resend = endpoints
        limit = claimed_limit(code_sending_spec, CODE_SENDING_SCOPE, limit_key,
                              self._refused, keep_when=lambda _: bool(g.get("code_sent")))
        bp.add_url_rule(url, page, wear(self._page, guards), methods=["GET", "POST"])
        # A GET of the two POST-only addresses leads back to the page (services/web.py).
        bp.add_url_rule(url + "/saisie", live, wear(self._live, guards), methods=["POST"])
        bp.add_url_rule(url + "/nouveau", resend, wear(limit(self._resend), guards),
                        methods=["POST"])

    # --- drawing the page ------------------------------------------------------------------

    def render(self, form: CodeForm | None, errors: list, status: int = 200,
               visit: Visit | None = None) -> Response:
        """The code page: the field, the errors, the wait of a refused new code if it is not
        over, «Le message n'est pas parti» if the newest code did not leave."""
        visit = visit or self.visit()
        if visit is None:
            return self.away()
        form = form if isinstance(form, self.form_class) else self.form_class(formdata=None)
        form.code.label.text = label_for(visit.channel)
        shown = list(errors)
        wait = self._wait_left()
        if wait:
            shown.append((None, say("code.wait", wait=wait_words(wait))))
        if self._not_sent(visit):
            shown.append((None, say("code.not_sent")))
        return make_response(render_template(
            self.template, form=form, errors=shown, channel=visit.channel,
            destination=visit.shown, action_form=ActionForm(), minutes=minutes(),
            code_url=url_for(self.page_endpoint), live_url=url_for(self.live_endpoint),
            resend_url=url_for(self.resend_endpoint), **visit.extra), status)

    def _not_sent(self, visit: Visit) -> bool:
        return (self.tells_not_sent and visit.account is not None
                and delivery_failed(visit.account, self.purpose))

    def _wait_left(self) -> int:
        """Seconds left of this step's refused new code, 0 if none or over."""
        kept = session.get(WAIT)
        if not isinstance(kept, dict) or kept.get("purpose") != self.purpose:
            return 0
        left = int(kept.get("until", 0) - time.time() + 0.999)
        if left <= 0:
            session.pop(WAIT, None)
            return 0
        return left

    # --- the routes ------------------------------------------------------------------------

    def _page(self) -> Response:
        visit = self.visit()
        if visit is None:
            return self.away()
        form = self.form_class()
        if request.method == "GET":
            return self.render(form, [], visit=visit)
        if not form.validate_on_submit():
            return self.render(form, form.summary(), 400, visit)
        outcome, wrong = self.check(visit, form.code.data or "")
        if outcome is codes.Outcome.OK:
            session.pop(WAIT, None)
            return self.done(visit, form)
        form.code.errors = [message_for(outcome, wrong)]
        return self.render(form, form.summary(), 400, visit)

    def _live(self) -> Response:
        """The htmx answer while typing: how many digits are missing, never whether it is
        right; or that the message did not leave."""
        visit = self.visit()
        if not request.htmx or visit is None:
            return redirect(url_for(self.page_endpoint), code=303)
        form = CodeForm()
        form.validate()
        if form.csrf_failed():
            return make_response("", 400)
        response = make_response(render_template(
            "components/_code_live.html",
            not_sent=say("code.not_sent") if self._not_sent(visit) else "",
            hint=codes.typing_hint(form.code.data or "")))
        response.vary.add("HX-Request")
        return response

    def _resend(self) -> Response:
        visit = self.visit()
        if visit is None:
            return self.away()
        form = ActionForm()
        if not form.validate_on_submit():
            return self.render(None, form.summary(), 400, visit)
        self.send(visit)
        g.code_sent = True  # counts against the new-code limit
        session.pop(WAIT, None)
        flash(say("code.resent"))
        return redirect(url_for(self.page_endpoint), code=303)

    def _refused(self, seconds: int) -> Response:
        """Asked again too soon: the page with the wait, kept until the wait is over (for a
        request of this page's own form: a forged one changes nothing)."""
        if ActionForm().validate_on_submit():
            session[WAIT] = {"purpose": self.purpose, "until": time.time() + seconds}
            return self.render(None, [], 429)
        return self.render(None, [(None, say("code.wait", wait=wait_words(seconds)))], 429)



def wear(view: Callable, guards: tuple[Callable, ...]) -> Callable:
    """`view` behind `guards`, the first one outermost."""
    for guard in reversed(guards):
        view = guard(view)
    return view
