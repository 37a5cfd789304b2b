"""E-mail through an SMTP relay (the province's mail server, or a local one)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask_babel import force_locale
from flask_babel import gettext as _

from learnapp.notify.channels import PermanentFailure, TemporaryFailure, UnknownOutcome
from learnapp.notify.models import Channel, Notification


@dataclass
class Smtp:
    host: str
    port: int
    sender: str
    timeout: float
    channel: Channel = Channel.EMAIL

    def send(self, message: Notification) -> None:
        mail = EmailMessage()
        with force_locale(message.locale):
            mail["Subject"] = _("Cell secretary training")
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Message-ID"] = f"<learnapp-notification-{message.id}@{self.host or 'localhost'}>"
        mail.set_content(message.body)
        try:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except OSError as exc:
            raise TemporaryFailure(f"not reached: {exc!r}") from exc
        try:
            with client:
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure("recipient refused") from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(f"SMTP {exc.smtp_code}") from exc
            raise PermanentFailure(f"SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise UnknownOutcome(f"no answer: {exc!r}") from exc
