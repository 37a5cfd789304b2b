"""The outbox, each person's channel choices, and the calls a committee member records."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.db import Base
from learnapp.models.base import str_enum, utcnow
from learnapp.models.people import User


class Kind(enum.StrEnum):
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    NEW_REQUIRED = "new_required"
    DIGEST = "digest"
    SESSION_REMINDER = "session_reminder"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_MOVED = "session_moved"
    SESSION_SEAT = "session_seat"
    SESSION_INVITED = "session_invited"


class Channel(enum.StrEnum):
    SMS = "sms"
    ZALO = "zalo"
    EMAIL = "email"
    PRINT = "print"


class Status(enum.StrEnum):
    PENDING = "pending"  # waiting for its time (first try, a retry, or after quiet hours)
    SENDING = "sending"  # claimed by one sender; nobody else may touch it
    SENT = "sent"
    DEAD = "dead"  # failed for good, or its outcome is unknown: an admin decides
    SKIPPED = "skipped"  # not sent on purpose: opted out, weekly cap, no address


class Notification(Base):
    """One message to one person on one channel, from planning to its outcome.

    `event_key` names the event (e.g. "overdue:12:2026-12-04:1"): the unique constraint
    makes planning idempotent, so running the planner twice, or two planners at once,
    adds one row per event and channel.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "channel", "event_key"),
        Index("ix_notification_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, length=10))
    event_key: Mapped[str] = mapped_column(String(120))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    address: Mapped[str] = mapped_column(String(200))  # phone in E.164, e-mail, or ""
    body: Mapped[str] = mapped_column(String(400))
    link: Mapped[str] = mapped_column(String(300))
    status: Mapped[Status] = mapped_column(str_enum(Status, length=10), default=Status.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class NotificationSetting(Base):
    """A person's choices: channels they opted out of, and an e-mail address."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(200))
    sms_off: Mapped[bool] = mapped_column(default=False)
    zalo_off: Mapped[bool] = mapped_column(default=False)
    email_off: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def is_off(self, channel: Channel) -> bool:
        return bool(getattr(self, f"{channel.value}_off", False))


class Outcome(enum.StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    WILL_FINISH = "will_finish"
    OTHER = "other"


class CallRecord(Base):
    """A committee member called a long-overdue learner (also written to the audit log)."""

    __tablename__ = "call_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    called_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    called_on: Mapped[date]
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
