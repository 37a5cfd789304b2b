"""SMS through an HTTP gateway in the shape Vietnamese brand-name providers use (eSMS and
the like): a POST with the keys, the brand name, the phone number and the text; the
answer's CodeResult "100" means accepted."""

from __future__ import annotations

from dataclasses import dataclass

from learnapp.notify.channels import PermanentFailure
from learnapp.notify.channels.http import post_json
from learnapp.notify.messages import fits_one_sms
from learnapp.notify.models import Channel, Notification
from learnapp.notify.phones import gateway_digits


@dataclass
class SmsGateway:
    url: str
    api_key: str
    secret_key: str
    brandname: str
    timeout: float
    channel: Channel = Channel.SMS

    def send(self, message: Notification) -> None:
        if not fits_one_sms(message.body):
            raise PermanentFailure("longer than one SMS")
        answer = post_json(
            self.url,
            {
                "ApiKey": self.api_key,
                "SecretKey": self.secret_key,
                "Brandname": self.brandname,
                "Phone": gateway_digits(message.address),
                "Content": message.body,
                "SmsType": "2",  # brand-name customer care
                "RequestId": str(message.id),
            },
            {},
            self.timeout,
        )
        if str(answer.get("CodeResult")) != "100":
            raise PermanentFailure(f"gateway refused: {answer.get('CodeResult')!r}")
