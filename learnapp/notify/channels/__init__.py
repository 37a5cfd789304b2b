"""Channels behind one interface: `transport_for(channel)` gives an object whose
`send(notification)` returns when the message was accepted and raises one of the three
outcomes below otherwise. Which channels exist and where they send is settings only."""

from __future__ import annotations

from typing import Protocol

from learnapp.notify import config
from learnapp.notify.models import Channel, Notification


class TemporaryFailure(Exception):
    """Not delivered, and safe to try again later (connection refused, 5xx, 4xx SMTP)."""


class PermanentFailure(Exception):
    """Refused for good (bad number, bad credentials, 4xx): trying again cannot help."""


class UnknownOutcome(Exception):
    """The request left but no answer came back: it may have been delivered, so it must
    not be sent again automatically."""


class Transport(Protocol):
    channel: Channel

    def send(self, message: Notification) -> None: ...


class NotConfigured(Exception):
    pass


def transport_for(channel: Channel) -> Transport:
    """The transport for the channel as the settings describe it."""
    timeout = config.number("NOTIFY_TIMEOUT_SECONDS")
    if channel.value not in config.channels_in_use():
        raise NotConfigured(channel.value)
    if channel is Channel.SMS:
        from learnapp.notify.channels.sms import SmsGateway

        return SmsGateway(
            url=config.setting("NOTIFY_SMS_URL"),
            api_key=config.setting("NOTIFY_SMS_API_KEY"),
            secret_key=config.setting("NOTIFY_SMS_SECRET_KEY"),
            brandname=config.setting("NOTIFY_SMS_BRANDNAME"),
            timeout=timeout,
        )
    if channel is Channel.ZALO:
        from learnapp.notify.channels.zalo import ZaloZns

        return ZaloZns(
            url=config.setting("NOTIFY_ZALO_URL"),
            access_token=config.setting("NOTIFY_ZALO_ACCESS_TOKEN"),
            template_id=config.setting("NOTIFY_ZALO_TEMPLATE_ID"),
            timeout=timeout,
        )
    if channel is Channel.EMAIL:
        from learnapp.notify.channels.email import Smtp

        return Smtp(
            host=config.setting("NOTIFY_SMTP_HOST"),
            port=config.number("NOTIFY_SMTP_PORT"),
            sender=config.setting("NOTIFY_SMTP_FROM"),
            timeout=timeout,
        )
    from learnapp.notify.channels.printed import PrintedList

    return PrintedList()
