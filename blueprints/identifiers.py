"""The checks of the fields that say who a person is, shared by every form that asks it:
the sign-in forms (blueprints/auth), the forgotten password (blueprints/password_reset),
the password asked again (blueprints/account), and the live check of the number while it
is typed (blueprints/auth, for the sign-in page and the forgotten-password page alike)."""
from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import ValidationError

from blueprints.forms import BaseForm
from domain.nir import NirError, normalize, parse_nir
from domain.provisional import ProvisionalIdError, parse_provisional_id
from domain.words import say


def nir_check(form: BaseForm, field: StringField) -> None:
    """A numéro de sécurité sociale: `field.nir` is the Nir, or None with the reason."""
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


def identifier_check(form: BaseForm, field: StringField) -> None:
    """A NIR, or a provisional identifier (it starts with P): `field.identifier` is its value.
    Both kinds of account may have forgotten their password."""
    field.identifier = None
    if normalize(field.data or "").startswith("P"):
        field.error_code = None
        try:
            field.identifier = parse_provisional_id(field.data).value
        except ProvisionalIdError as error:
            raise ValidationError(error.message) from error
        return
    nir_check(form, field)
    field.identifier = field.nir.value


def password_given(form: BaseForm, field: PasswordField) -> None:
    if not field.data:
        raise ValidationError(say("form.password_missing"))
