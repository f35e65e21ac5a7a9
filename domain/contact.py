"""Contact details as people type them, checked and normalised without any network look-up."""
from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.words import say

MAX_INPUT = 254


class ContactError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Overseas departments share France's way of writing numbers (0692…, 0690…) but have
# their own country codes: a number invalid for FR is tried against each of them.
_OVERSEAS = ("RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF")


def _parse_french(text: str) -> phonenumbers.PhoneNumber:
    number = phonenumbers.parse(text, "FR")
    if phonenumbers.is_valid_number(number) or text.startswith(("+", "00")):
        return number
    for region in _OVERSEAS:
        candidate = phonenumbers.parse(text, region)
        if phonenumbers.is_valid_number(candidate):
            return candidate
    return number


def parse_phone(raw: str, mobile: bool) -> str:
    """E.164 form (+33612345678) of a French-style number: 06 12 34 56 78, 06.12…, +33 6…"""
    text = raw.strip()[:40]
    try:
        number = _parse_french(text)
    except phonenumbers.NumberParseException as exc:
        raise ContactError(say("phone.incomplete")) from exc
    if not phonenumbers.is_valid_number(number):
        raise ContactError(say("phone.invalid"))
    kind = phonenumbers.number_type(number)
    mobile_kinds = (phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if mobile and kind not in mobile_kinds:
        raise ContactError(say("phone.not_mobile"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def show_phone(e164: str) -> str:
    """06 12 34 56 78 for French numbers (overseas too), the international form otherwise."""
    number = phonenumbers.parse(e164, None)
    french = phonenumbers.region_code_for_number(number) in ("FR", *_OVERSEAS)
    kind = (phonenumbers.PhoneNumberFormat.NATIONAL if french
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, kind)


def hide_phone(e164: str) -> str:
    """Partly hidden, so a screen seen by others does not show the whole number: 06 •• •• •• 78."""
    shown = show_phone(e164)
    digits = [i for i, ch in enumerate(shown) if ch.isdigit()]
    keep = set(digits[:2] + digits[-2:])
    return "".join(ch if (not ch.isdigit() or i in keep) else "•" for i, ch in enumerate(shown))


def parse_email(raw: str) -> str:
    text = raw.strip()
    if len(text) > MAX_INPUT:
        raise ContactError(say("email.too_long"))
    if "@" not in text:
        raise ContactError(say("email.no_at"))
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ContactError(say("email.invalid")) from exc
