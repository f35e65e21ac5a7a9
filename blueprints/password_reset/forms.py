from __future__ import annotations

from wtforms import StringField

from blueprints.auth.forms import nir_check
from blueprints.forms import BaseForm
from domain.nir import MAX_INPUT


class ResetStartForm(BaseForm):
    nir = StringField("Numéro de sécurité sociale", validators=[nir_check],
                      render_kw={"autocomplete": "username", "maxlength": MAX_INPUT,
                                 "spellcheck": "false", "autocapitalize": "characters"})
