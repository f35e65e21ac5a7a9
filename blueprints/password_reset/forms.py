from __future__ import annotations

from wtforms import StringField

from blueprints.forms import BaseForm
from blueprints.identifiers import identifier_check
from domain.nir import MAX_INPUT
from domain.words import say


class ResetStartForm(BaseForm):
    nir = StringField(say("field.nir"), validators=[identifier_check],
                      render_kw={"autocomplete": "username", "maxlength": MAX_INPUT,
                                 "spellcheck": "false", "autocapitalize": "characters"})
