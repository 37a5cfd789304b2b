"""Sending the outbox: claim a message, send it, record the outcome.

A message is claimed with a conditional update (pending -> sending, with a random
token) committed before anything leaves: of two senders running at once, exactly one
wins each message. The outcome is written back only by the claim's owner. A claim never
reported back (the sender died mid-send) has an unknown outcome and goes to the dead
letters, where an admin decides whether to resend: a reminder sent twice is worse than
a reminder an admin sees was not confirmed.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from learnapp import db
from learnapp.models.base import VIETNAM_OFFSET
from learnapp.notify import clock, config
from learnapp.notify.channels import TemporaryFailure, transport_for
from learnapp.notify.models import Channel, Notification, NotificationSetting, Status

QUIET_FROM_HOUR = 21  # Vietnam time: no SMS from 21:00 ...
QUIET_UNTIL_HOUR = 7  # ... until 07:00
BATCH = 200


@dataclass
class SendReport:
    outcomes: Counter = field(default_factory=Counter)

    def line(self) -> str:
        parts = ", ".join(f"{k}: {n}" for k, n in sorted(self.outcomes.items())) or "nothing due"
        return f"sent {self.outcomes['sent']} ({parts})"


def quiet_until(now: datetime) -> datetime | None:
    """The end of the SMS quiet hours when `now` (naive UTC) falls inside them."""
    local = now + VIETNAM_OFFSET
    if QUIET_UNTIL_HOUR <= local.hour < QUIET_FROM_HOUR:
        return None
    morning = local.replace(hour=QUIET_UNTIL_HOUR, minute=0, second=0, microsecond=0)
    if local.hour >= QUIET_FROM_HOUR:
        morning += timedelta(days=1)
    return morning - VIETNAM_OFFSET


def backoff(attempts: int) -> timedelta:
    """Wait before try number attempts+1: the base, doubled for each try already made."""
    return timedelta(seconds=config.number("NOTIFY_BACKOFF_SECONDS") * 2 ** (attempts - 1))


def send_due() -> SendReport:
    """Send every message whose time has come; commits after each claim and outcome."""
    report = SendReport()
    _bury_stale_claims(report)
    ids = list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.status == Status.PENDING, Notification.next_attempt_at <= clock.now()
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(BATCH)
        )
    )
    db.session.commit()
    for notification_id in ids:
        _send_one(notification_id, report)
    return report


def _bury_stale_claims(report: SendReport) -> None:
    cutoff = clock.now() - timedelta(seconds=config.number("NOTIFY_CLAIM_TIMEOUT_SECONDS"))
    result = db.session.execute(
        update(Notification)
        .where(Notification.status == Status.SENDING, Notification.claimed_at < cutoff)
        .values(
            status=Status.DEAD,
            claim_token=None,
            last_error="outcome unknown: the sender stopped while sending",
        )
    )
    db.session.commit()
    if result.rowcount:
        report.outcomes["dead"] += result.rowcount


def _claim(notification_id: int) -> str | None:
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == Status.PENDING,
            Notification.next_attempt_at <= clock.now(),
        )
        .values(status=Status.SENDING, claim_token=token, claimed_at=clock.now())
    )
    db.session.commit()
    return token if result.rowcount == 1 else None


def _finish(notification_id: int, token: str, **values) -> None:  # noqa: ANN003
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.claim_token == token)
        .values(claim_token=None, **values)
    )
    db.session.commit()


def _sent_this_week(user_id: int, now: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id,
                Notification.status == Status.SENT,
                Notification.channel != Channel.PRINT,
                Notification.sent_at > now - timedelta(days=7),
            )
        )
        or 0
    )


def _send_one(notification_id: int, report: SendReport) -> None:
    token = _claim(notification_id)
    if token is None:
        report.outcomes["claimed by another sender"] += 1
        return
    message = db.session.get(Notification, notification_id)
    db.session.refresh(message)
    now = clock.now()
    choices = db.session.get(NotificationSetting, message.user_id)
    if choices is not None and choices.is_off(message.channel):
        _finish(notification_id, token, status=Status.SKIPPED, last_error="opted out")
        report.outcomes["skipped"] += 1
        return
    if message.channel is Channel.SMS and (morning := quiet_until(now)) is not None:
        _finish(notification_id, token, status=Status.PENDING, next_attempt_at=morning)
        report.outcomes["held for the morning"] += 1
        return
    cap = config.number("NOTIFY_WEEKLY_CAP")
    if message.channel is not Channel.PRINT and _sent_this_week(message.user_id, now) >= cap:
        _finish(notification_id, token, status=Status.SKIPPED, last_error="weekly cap reached")
        report.outcomes["skipped"] += 1
        return
    attempts = message.attempts + 1
    # End the reading transaction: on SQLite it holds the write lock, which must not wait
    # on a gateway's answer while the other sender queues behind it.
    db.session.commit()
    try:
        transport_for(message.channel).send(message)
    except TemporaryFailure as exc:
        if attempts >= config.number("NOTIFY_MAX_ATTEMPTS"):
            _finish(
                notification_id,
                token,
                status=Status.DEAD,
                attempts=attempts,
                last_error=f"gave up after {attempts} tries: {exc}"[:500],
            )
            report.outcomes["dead"] += 1
        else:
            _finish(
                notification_id,
                token,
                status=Status.PENDING,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                last_error=str(exc)[:500],
            )
            report.outcomes["retry later"] += 1
        return
    except Exception as exc:
        # PermanentFailure, UnknownOutcome, NotConfigured, and anything unforeseen too:
        # that may have happened after the message left, so it is a dead letter for an
        # admin to judge, and the other messages still go.
        reason = f"{type(exc).__name__}: {exc}"
        _finish(
            notification_id, token, status=Status.DEAD, attempts=attempts, last_error=reason[:500]
        )
        report.outcomes["dead"] += 1
        return
    _finish(
        notification_id, token, status=Status.SENT, attempts=attempts, sent_at=now, last_error=None
    )
    report.outcomes["sent"] += 1


def resend(message: Notification) -> None:
    """Put a dead letter back in the queue, as new; the caller commits."""
    if message.status is not Status.DEAD:
        from learnapp.errors import DomainError

        raise DomainError("not_dead")
    message.status = Status.PENDING
    message.attempts = 0
    message.next_attempt_at = clock.now()
    message.last_error = None
    db.session.flush()


def run() -> tuple[str, str]:
    """Plan, then send: what the command and the worker both do."""
    from learnapp.notify.planning import plan

    planned = plan()
    db.session.commit()
    sent = send_due()
    return planned.line(), sent.line()
