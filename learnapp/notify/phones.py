"""Phone numbers for gateways, checked with phonenumbers (Google's libphonenumber data)
rather than a pattern of our own: it knows which prefixes Vietnamese carriers use."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str | None) -> str | None:
    """ "+84912000001" for a valid (Vietnamese by default) number, else None."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def gateway_digits(e164: str) -> str:
    """The form Vietnamese SMS and ZNS gateways take: country code, no plus ("849...")."""
    return e164.lstrip("+")
