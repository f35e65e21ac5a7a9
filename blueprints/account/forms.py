from __future__ import annotations

from wtforms import PasswordField, SelectField

from blueprints.forms import BaseForm
from blueprints.identifiers import password_given
from domain.words import say


class PeriodForm(BaseForm):
    """Choose the months of a statement. Sent by GET: it changes nothing."""

    class Meta:
        csrf = False

    du = SelectField(say("field.month_from"), validate_choice=False)
    au = SelectField(say("field.month_to"), validate_choice=False)


class ReauthForm(BaseForm):
    """The password again, before a new mobile or mail is accepted."""

    password = PasswordField(say("field.password"), validators=[password_given],
                             render_kw={"autocomplete": "current-password", "maxlength": 128,
                                        "data-eye": ""})
