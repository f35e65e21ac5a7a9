"""The «new password» component, shared by the first login and the forgotten password:
one form, one submit check and one live checklist, all reading domain/passwords.py."""
from __future__ import annotations

from flask import Response, make_response, render_template
from wtforms import PasswordField

from blueprints.forms import BaseForm
from domain.passwords import Person, evaluate, failures
from domain.words import say


class NewPasswordForm(BaseForm):
    new_password = PasswordField(say("field.new_password"), render_kw={
        "autocomplete": "new-password", "maxlength": 128, "data-eye": ""})
    confirm_password = PasswordField(say("field.confirm_password"), render_kw={
        "autocomplete": "new-password", "maxlength": 128, "data-eye": ""})


def person_of(account) -> Person:
    return Person(nir=account.nir or "", birth_date=account.birth_date)


def checklist(form: NewPasswordForm, person: Person) -> dict:
    """What the checklist template needs: each rule's state, and both typed values."""
    typed = form.new_password.data or ""
    return {"results": evaluate(typed, person), "typed": typed,
            "confirm": form.confirm_password.data or ""}


def accept(form: NewPasswordForm, person: Person) -> str | None:
    """The new password if the form is valid and meets every rule; else None, errors set."""
    if not form.validate_on_submit():
        return None
    typed = form.new_password.data or ""
    broken = failures(typed, person)
    if broken:
        form.new_password.errors = [" ".join(rule.reason for rule in broken)]
        return None
    if typed != form.confirm_password.data:
        form.confirm_password.errors = [say("password.mismatch")]
        return None
    return typed


def live_checklist(person: Person) -> Response:
    """The htmx answer: the checklist, and the match message out of band."""
    form = NewPasswordForm()
    form.validate()
    if form.csrf_failed():
        return make_response("", 400)
    response = make_response(render_template("components/_password_live.html",
                                             **checklist(form, person)))
    response.vary.add("HX-Request")
    return response
