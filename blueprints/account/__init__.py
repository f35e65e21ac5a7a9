"""«Mon Compte»: what a signed-in person came for (guide step 10)."""
from __future__ import annotations

import secrets
from datetime import date
from functools import lru_cache, wraps
from typing import Callable

from flask import (Blueprint, Response, abort, current_app, g, make_response, redirect,
                   render_template, request, session, url_for)
from flask_limiter.util import get_remote_address

from blueprints.account.forms import PeriodForm
from blueprints.forms import ActionForm
from domain.formatting import MONTHS
from domain.journey import is_done, page_for
from domain.statements import (Period, by_benefit, in_period, latest_period, month_choices,
                               months_period, parse_month)
from domain.words import say
from services.accounts import get_account, step_of
from services.audit_log import security_event
from services.database import db
from services.documents import attestation_pdf, statement_pdf
from services.limiter import claimed_limit, wait_words
from services.models import Attestation, Letter, utcnow
from services.web import absolute_url

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


def _render(template: str, **context) -> str:
    return render_template(template, account=g.account, sign_out_form=ActionForm(), **context)


def _month_label(value: tuple[int, int]) -> str:
    return f"{MONTHS[value[1] - 1]} {value[0]}"


@lru_cache(maxsize=1024)
def _statement_size(account_id: int, period: Period, payments: int, today: date) -> int:
    account = get_account(account_id)
    return len(statement_pdf(account, in_period(account.payments, period), period, today))


def size_words(size: int) -> str:
    return say("document.size", kilobytes=max(1, round(size / 1024)))


@bp.get("")
@account_required
def home() -> str:
    account = g.account
    period = latest_period(account.payments, date.today())
    size = _statement_size(account.id, period, len(account.payments), date.today())
    unread = sum(1 for letter in account.letters if letter.read_at is None)
    return _render("account/home.html", last=account.payments[0] if account.payments else None,
                   statement_size=size_words(size), unread=unread)


def _chosen_period(form: PeriodForm) -> Period | None:
    """The period asked in ?du=…&au=…; the latest 12 months when nothing is asked."""
    if "du" not in request.args and "au" not in request.args:
        return latest_period(g.account.payments, date.today())
    first, last = parse_month(form.du.data or ""), parse_month(form.au.data or "")
    if first is None or last is None:
        return None
    return months_period(first, last)


def _period_form() -> PeriodForm:
    form = PeriodForm(request.args)
    choices = [(value, _month_label(month)) for value, month in
               month_choices(g.account.payments, date.today())]
    form.du.choices = form.au.choices = choices
    return form


def _bad_period(form: PeriodForm) -> tuple[str, int]:
    form.du.errors = [say("payments.bad_month")]
    return _render("account/payments.html", form=form, errors=form.summary(),
                   groups=[], period=None), 400


@bp.get("/allocations")
@account_required
def payments():
    form = _period_form()
    period = _chosen_period(form)
    if period is None:
        return _bad_period(form)
    form.du.data = f"{period.start.year:04d}-{period.start.month:02d}"
    form.au.data = f"{period.end.year:04d}-{period.end.month:02d}"
    chosen = in_period(g.account.payments, period)
    return _render("account/payments.html", form=form, errors=[], period=period,
                   groups=by_benefit(chosen), total=sum(p.amount_cents for p in chosen),
                   third_party=any(p.paid_to_third_party for p in chosen))


def _pdf_response(data: bytes, filename: str, disposition: str = "inline") -> Response:
    """A PDF; «attachment» for a document made to be handed to someone else."""
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


# Each statement or attestation makes a PDF, the costliest answer of the app: one limit
# shared by both (they cost the same), per account and per address. The slot is claimed
# before the PDF is made (services/limiter.py) and given back when none was (a wrong
# period, a missing token), so requests sent at once to several workers cannot pass it.
def _made_a_pdf(response: Response) -> bool:
    return response.status_code == 200 and response.mimetype == "application/pdf"


def _too_many_documents(per_address: bool):
    def page(seconds: int):
        security_event("document_limit", session.get("account_id"),
                       limit="per_address" if per_address else "per_account")
        return _render("account/documents_limit.html", wait=wait_words(seconds),
                       per_address=per_address), 429

    return page


_DOCUMENT_METHODS = ("GET", "HEAD", "POST")
documents_per_address = claimed_limit(
    lambda: current_app.config["DOCUMENT_LIMIT_PER_ADDRESS"], "documents-address",
    get_remote_address, _too_many_documents(per_address=True),
    keep_when=_made_a_pdf, methods=_DOCUMENT_METHODS)
documents_per_account = claimed_limit(
    lambda: current_app.config["DOCUMENT_LIMIT_PER_ACCOUNT"], "documents",
    lambda: f"account:{g.account.id}", _too_many_documents(per_address=False),
    keep_when=_made_a_pdf, methods=_DOCUMENT_METHODS)


@bp.get("/releve.pdf")
@account_required
@documents_per_address
@documents_per_account
def statement():
    form = _period_form()
    period = _chosen_period(form)
    if period is None:
        return _bad_period(form)
    payments = in_period(g.account.payments, period)
    data = statement_pdf(g.account, payments, period, date.today())
    return _pdf_response(data, f"releve-caf-{period.start:%Y-%m}-{period.end:%Y-%m}.pdf")


@bp.get("/attestations")
@account_required
def attestations() -> str:
    period = latest_period(g.account.payments, date.today())
    issued = db.session.execute(
        db.select(Attestation).filter_by(account_id=g.account.id)
        .order_by(Attestation.id.desc()).limit(10)).scalars().all()
    return _render("account/attestations.html", period=period, issued=issued,
                   form=ActionForm())


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@bp.post("/attestations")
@account_required
@documents_per_address
@documents_per_account
def new_attestation():
    form = ActionForm()
    if not form.validate_on_submit():
        return _render("account/attestations.html", period=None, issued=[], form=ActionForm(),
                       errors=form.summary()), 400
    period = latest_period(g.account.payments, date.today())
    payments = in_period(g.account.payments, period)
    record = Attestation(reference=_new_reference(), account_id=g.account.id,
                         period_start=period.start, period_end=period.end,
                         total_cents=sum(p.amount_cents for p in payments))
    db.session.add(record)
    db.session.commit()
    data = attestation_pdf(g.account, payments, period, record.reference, date.today(),
                           absolute_url("pages.check_attestation"))
    return _pdf_response(data, f"attestation-paiement-{record.reference}.pdf", "attachment")


@bp.get("/courriers")
@account_required
def letters() -> str:
    return _render("account/letters.html", letters=g.account.letters)


@bp.get("/courriers/<int:letter_id>")
@account_required
def letter(letter_id: int) -> str:
    # A number past the id column's 32-bit INTEGER (PostgreSQL's; SQLite's is 64-bit) names
    # no letter, and would make the look-up fail with a 500 (found by test_bad_input.py).
    item = db.session.get(Letter, letter_id) if letter_id < 2**31 else None
    if item is None or item.account_id != g.account.id:
        abort(404)
    if item.read_at is None:
        item.read_at = utcnow()
        db.session.commit()
    return _render("account/letter.html", letter=item,
                   paragraphs=[p.strip() for p in item.body.split("\n\n") if p.strip()])


from blueprints.account import contact  # noqa: E402,F401  (its routes join this blueprint)
