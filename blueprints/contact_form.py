"""The «contact details» form, shared by the first login (blueprints/first_login) and
«Mes coordonnées» (blueprints/account/contact.py): the mobile, another phone, the mail,
and where the code goes."""
from __future__ import annotations

from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from blueprints.forms import BaseForm
from domain.contact import ContactError, parse_email, parse_phone, show_phone
from domain.words import say


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
    mobile = StringField(say("field.mobile"), validators=[_phone(mobile=True)], render_kw={
        "autocomplete": "tel", "type": "tel", "inputmode": "tel", "maxlength": 40})
    other_phone = StringField(say("field.other_phone"), validators=[_phone(mobile=False)],
                              render_kw={"autocomplete": "tel", "type": "tel",
                                         "inputmode": "tel", "maxlength": 40})
    email = StringField(say("field.email"), validators=[_email], render_kw={
        "autocomplete": "email", "type": "email", "maxlength": 254, "spellcheck": "false",
        "autocapitalize": "none"})
    channel = RadioField(say("field.channel"),
                         choices=[SelectChoice("sms", say("field.channel.sms")),
                                  SelectChoice("mail", say("field.channel.mail"))],
                         validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.mobile.parsed or self.email.parsed):
            self.mobile.errors = list(self.mobile.errors) + [say("contact.need_one")]
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
