from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import ValidationError

from blueprints.forms import BaseForm
from domain.nir import MAX_INPUT, NirError, parse_nir
from domain.provisional import ProvisionalIdError, parse_provisional_id


def nir_check(form: BaseForm, field: StringField) -> None:
    field.error_code = None
    try:
        field.nir = parse_nir(field.data or "")
    except NirError as error:
        field.nir = None
        field.error_code = error.code  # the page adds the NIA help link for "nia"
        raise ValidationError(error.message) from error


def provisional_check(form: BaseForm, field: StringField) -> None:
    try:
        field.parsed = parse_provisional_id(field.data or "")
    except ProvisionalIdError as error:
        field.parsed = None
        raise ValidationError(error.message) from error


def password_given(form: BaseForm, field: PasswordField) -> None:
    if not field.data:
        raise ValidationError("Écrivez votre mot de passe.")


class SignInForm(BaseForm):
    nir = StringField("Numéro de sécurité sociale", validators=[nir_check],
                      render_kw={"autocomplete": "username", "inputmode": "text",
                                 "maxlength": MAX_INPUT, "spellcheck": "false",
                                 "autocapitalize": "characters"})
    remember = BooleanField("Se souvenir de moi")
    password = PasswordField("Mot de passe", validators=[password_given],
                             render_kw={"autocomplete": "current-password", "maxlength": 128,
                                        "data-eye": ""})


class NirLiveForm(BaseForm):
    """The NIR alone, sent by htmx while the person types."""

    nir = StringField(validators=[nir_check])


class ForgetNirForm(BaseForm):
    """A button with its CSRF token, to forget the remembered number."""


class SignOutForm(BaseForm):
    """A button with its CSRF token: signing out is a change, so it is a POST."""


class ProvisionalSignInForm(BaseForm):
    provisional_id = StringField("Identifiant provisoire", validators=[provisional_check],
                                 render_kw={"autocomplete": "username", "maxlength": 30,
                                            "spellcheck": "false", "autocapitalize": "characters"})
    password = PasswordField("Mot de passe", validators=[password_given],
                             render_kw={"autocomplete": "current-password", "maxlength": 128,
                                        "data-eye": ""})
