"""The words of each message, in the person's language, short enough for one SMS.

One SMS holds 160 characters of the GSM alphabet or 70 of anything else (UCS-2), so a
Vietnamese text with its marks would get 70. SMS bodies are therefore sent without
marks (as Vietnamese brand-name SMS usually are) and must fit 160; long module or area
names are shortened, never the link.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from learnapp.notify.models import Channel, Kind

SMS_PLAIN = 160
SMS_MARKED = 70


def strip_marks(text: str) -> str:
    """Vietnamese without its marks, case kept: "Đức Lềm" -> "Duc Lem"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def sms_limit(text: str) -> int:
    return SMS_PLAIN if text.isascii() else SMS_MARKED


def fits_one_sms(text: str) -> bool:
    return len(text) <= sms_limit(text)


def _template(kind: Kind) -> str:
    # Each call to _() names its msgid literally, so extraction finds them.
    if kind is Kind.DUE_SOON:
        return _("Reminder: %(title)s is due %(date)s. Open: %(link)s")
    if kind is Kind.DUE_TODAY:
        return _("Today is the last day for %(title)s. Open: %(link)s")
    if kind is Kind.OVERDUE:
        return _("%(title)s was due %(date)s and is not done. Open: %(link)s")
    if kind is Kind.NEW_REQUIRED:
        return _("New required module: %(title)s, due %(date)s. Open: %(link)s")
    if kind is Kind.SESSION_REMINDER:
        return _("Reminder: %(title)s training at %(place)s, %(when)s. %(link)s")
    if kind is Kind.SESSION_CANCELLED:
        return _("Cancelled: the %(title)s training at %(place)s, %(when)s. %(link)s")
    if kind is Kind.SESSION_MOVED:
        return _("Changed: the %(title)s training is now at %(place)s, %(when)s. %(link)s")
    if kind is Kind.SESSION_INVITED:
        return _("New training: %(title)s at %(place)s, %(when)s. Sign up: %(link)s")
    if kind is Kind.SESSION_SEAT:
        return _("A seat is now yours: %(title)s training at %(place)s, %(when)s. %(link)s")
    return _(
        "%(title)s this week: %(done)s completed, %(overdue)s overdue, %(calls)s to call. %(link)s"
    )


def compose(
    kind: Kind,
    locale: str,
    channel: Channel,
    *,
    title: str,
    link: str,
    due_on: date | None = None,
    done: int = 0,
    overdue: int = 0,
    calls: int = 0,
    place: str = "",
    when: str = "",
) -> str:
    """The message in the locale; for SMS without marks and within 160 characters."""
    with force_locale(locale):
        template = _template(kind)
    day = due_on.strftime("%d/%m") if due_on else ""
    shorten_to = len(title)
    while True:
        name = title if shorten_to >= len(title) else title[: max(shorten_to, 1)].rstrip() + "..."
        text = template % {
            "title": name,
            "date": day,
            "link": link,
            "done": done,
            "overdue": overdue,
            "calls": calls,
            "place": place,
            "when": when,
        }
        if channel is Channel.SMS:
            text = strip_marks(text)
        if fits_one_sms(strip_marks(text)) or shorten_to <= 1:
            return text
        shorten_to = min(shorten_to, len(title)) - (len(strip_marks(text)) - SMS_PLAIN) - 3
