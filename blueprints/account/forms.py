from __future__ import annotations

from wtforms import SelectField

from blueprints.forms import BaseForm


class PeriodForm(BaseForm):
    """Choose the months of a statement. Sent by GET: it changes nothing."""

    class Meta:
        csrf = False

    du = SelectField("Du mois de", validate_choice=False)
    au = SelectField("Au mois de", validate_choice=False)
