from __future__ import annotations

from wtforms import BooleanField
from wtforms.validators import ValidationError

from blueprints.forms import BaseForm
from domain.words import say


def _ticked(form: BaseForm, field: BooleanField) -> None:
    if not field.data:
        raise ValidationError(say("cgu.not_ticked"))


class CguForm(BaseForm):
    accept = BooleanField(say("cgu.label"), validators=[_ticked])
