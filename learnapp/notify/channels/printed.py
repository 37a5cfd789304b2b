"""The printed call list: for people no other channel reaches, the message goes onto the
commune's "needs a call" page, which the committee prints or reads out by phone."""

from __future__ import annotations

from learnapp.notify.models import Channel, Notification


class PrintedList:
    channel = Channel.PRINT

    def send(self, message: Notification) -> None:
        # Being in the outbox as sent is what puts it on the list (notify.calls reads it).
        return None
