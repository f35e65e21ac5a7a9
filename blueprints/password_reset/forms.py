from __future__ import annotations

from wtforms import StringField
from wtforms.validators import ValidationError

from blueprints.auth.forms import nir_check
from blueprints.forms import BaseForm
from domain.nir import MAX_INPUT, normalize
from domain.provisional import ProvisionalIdError, parse_provisional_id


def identifier_check(form: BaseForm, field: StringField) -> None:
    """A NIR, or a provisional identifier (it starts with P): both may have forgotten."""
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


class ResetStartForm(BaseForm):
    nir = StringField("Numéro de sécurité sociale", validators=[identifier_check],
                      render_kw={"autocomplete": "username", "maxlength": MAX_INPUT,
                                 "spellcheck": "false", "autocapitalize": "characters"})
