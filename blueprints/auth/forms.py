from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField

from blueprints.forms import BaseForm
from blueprints.identifiers import (identifier_check, nir_check, password_given,
                                    provisional_check)
from domain.nir import MAX_INPUT
from domain.words import say


class SignInForm(BaseForm):
    nir = StringField(say("field.nir"), validators=[nir_check],
                      render_kw={"autocomplete": "username", "inputmode": "text",
                                 "maxlength": MAX_INPUT, "spellcheck": "false",
                                 "autocapitalize": "characters"})
    remember = BooleanField(say("field.remember_me"))
    password = PasswordField(say("field.password"), validators=[password_given],
                             render_kw={"autocomplete": "current-password", "maxlength": 128,
                                        "data-eye": ""})


class NirLiveForm(BaseForm):
    """The NIR alone, sent by htmx while the person types on the sign-in page."""

    nir = StringField(validators=[nir_check])


class IdentifierLiveForm(BaseForm):
    """A NIR or a provisional identifier alone, sent by htmx while the person types on the
    forgotten-password page (it asks «accept=provisional»): both may have forgotten."""

    nir = StringField(validators=[identifier_check])


class ForgetNirForm(BaseForm):
    """A button with its CSRF token, to forget the remembered number."""


class SignOutForm(BaseForm):
    """A button with its CSRF token: signing out is a change, so it is a POST."""


class ProvisionalSignInForm(BaseForm):
    provisional_id = StringField(say("field.provisional_id"), validators=[provisional_check],
                                 render_kw={"autocomplete": "username", "maxlength": 30,
                                            "spellcheck": "false", "autocapitalize": "characters"})
    password = PasswordField(say("field.password"), validators=[password_given],
                             render_kw={"autocomplete": "current-password", "maxlength": 128,
                                        "data-eye": ""})
