"""Zalo notification messages (ZNS): a template message to a phone number, POSTed with
the official account's access token; the answer's "error" is 0 when accepted."""

from __future__ import annotations

from dataclasses import dataclass

from learnapp.notify.channels import PermanentFailure, TemporaryFailure
from learnapp.notify.channels.http import post_json
from learnapp.notify.models import Channel, Notification
from learnapp.notify.phones import gateway_digits

# ZNS answers these while its own side is busy; anything else negative is a refusal.
_RETRY_ERRORS = {-32, -1}


@dataclass
class ZaloZns:
    url: str
    access_token: str
    template_id: str
    timeout: float
    channel: Channel = Channel.ZALO

    def send(self, message: Notification) -> None:
        answer = post_json(
            self.url,
            {
                "phone": gateway_digits(message.address),
                "template_id": self.template_id,
                "template_data": {"message": message.body, "link": message.link},
                "tracking_id": str(message.id),
            },
            {"access_token": self.access_token},
            self.timeout,
        )
        error = int(answer.get("error", -1))
        if error in _RETRY_ERRORS:
            raise TemporaryFailure(f"ZNS error {error}")
        if error != 0:
            raise PermanentFailure(f"ZNS error {error}: {answer.get('message', '')}")
