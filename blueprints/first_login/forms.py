from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from blueprints.forms import BaseForm
from domain.contact import ContactError, parse_email, parse_phone, show_phone

CGU_LABEL = "J'ai pris connaissance des conditions générales d'utilisation et je les accepte"


def _ticked(form: BaseForm, field: BooleanField) -> None:
    if not field.data:
        raise ValidationError(
            "Cochez la case « J'ai pris connaissance des conditions "
            "générales d'utilisation et je les accepte ». Puis cliquez sur « Continuer »."
        )


class CguForm(BaseForm):
    accept = BooleanField(CGU_LABEL, validators=[_ticked])


def _phone(mobile: bool):
    def check(form: BaseForm, field: StringField) -> None:
        field.parsed = None
        if field.data and field.data.strip():
            try:
                field.parsed = parse_phone(field.data, mobile=mobile)
            except ContactError as error:
                raise ValidationError(error.message) from error
    return check


def _email(form: BaseForm, field: StringField) -> None:
    field.parsed = None
    if field.data and field.data.strip():
        try:
            field.parsed = parse_email(field.data)
        except ContactError as error:
            raise ValidationError(error.message) from error


class ContactForm(BaseForm):
    mobile = StringField("Téléphone portable", validators=[_phone(mobile=True)], render_kw={
        "autocomplete": "tel", "type": "tel", "inputmode": "tel", "maxlength": 40})
    other_phone = StringField("Autre téléphone", validators=[_phone(mobile=False)], render_kw={
        "autocomplete": "tel", "type": "tel", "inputmode": "tel", "maxlength": 40})
    email = StringField("Adresse mail", validators=[_email], render_kw={
        "autocomplete": "email", "type": "email", "maxlength": 254, "spellcheck": "false",
        "autocapitalize": "none"})
    channel = RadioField("Où voulez-vous recevoir le code ?",
                         choices=[SelectChoice("sms", "Par SMS"), SelectChoice("mail", "Par mail")],
                         validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.mobile.parsed or self.email.parsed):
            self.mobile.errors = list(self.mobile.errors) + [
                "Écrivez au moins votre téléphone portable ou votre adresse mail. "
                "Nous y envoyons un code."
            ]
            return False
        return ok

    def fill_from(self, account) -> None:
        """The details the account already has, written the way people read them."""
        self.mobile.data = show_phone(account.mobile_phone) if account.mobile_phone else ""
        self.other_phone.data = show_phone(account.other_phone) if account.other_phone else ""
        self.email.data = account.email or ""
        self.channel.data = account.code_channel or "sms"

    def chosen_channel(self) -> str:
        if self.mobile.parsed and self.email.parsed:
            return "mail" if self.channel.data == "mail" else "sms"
        return "sms" if self.mobile.parsed else "mail"
