from __future__ import annotations

from wtforms import PasswordField, SelectField
from wtforms.validators import ValidationError

from blueprints.forms import BaseForm


class PeriodForm(BaseForm):
    """Choose the months of a statement. Sent by GET: it changes nothing."""

    class Meta:
        csrf = False

    du = SelectField("Du mois de", validate_choice=False)
    au = SelectField("Au mois de", validate_choice=False)


def _password_given(form: BaseForm, field: PasswordField) -> None:
    if not field.data:
        raise ValidationError("Écrivez votre mot de passe.")


class ReauthForm(BaseForm):
    """The password again, before a new mobile or mail is accepted."""

    password = PasswordField("Mot de passe", validators=[_password_given],
                             render_kw={"autocomplete": "current-password", "maxlength": 128,
                                        "data-eye": ""})
