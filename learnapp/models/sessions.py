"""In-person training sessions: who is invited, who signed up, who attended.

"Session" already means a sign-in on this site, so the class is `TrainingSession`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.db import Base
from learnapp.models.base import str_enum, utcnow
from learnapp.models.content import Module
from learnapp.models.org import Area
from learnapp.models.people import User


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class SignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    DECLINED = "declined"


class AttendanceStatus(enum.StrEnum):
    ATTENDED = "attended"
    ABSENT = "absent"
    EXCUSED = "excused"


class NoticeKind(enum.StrEnum):
    CANCELLED = "cancelled"
    MOVED = "moved"
    PROMOTED = "promoted"  # a seat came free and went to this person on the waiting list


class TrainingSession(Base):
    """One class on one module, at one time and place, for the areas invited."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    # Wall-clock time in Vietnam, as people say and read it ("8:00 on 12/12"), not UTC:
    # a class is held where the people are, and Vietnam has no daylight saving.
    starts_at: Mapped[datetime] = mapped_column(index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=240)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    trainer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), default=SessionStatus.SCHEDULED
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    module: Mapped[Module] = relationship()
    trainer: Mapped[User | None] = relationship(foreign_keys=[trainer_id])
    invited: Mapped[list[SessionArea]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class SessionArea(Base):
    """An area invited to a session: its learners and those of every area under it."""

    __tablename__ = "session_area"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    area: Mapped[Area] = relationship(lazy="joined")


class SessionSignup(Base):
    """A learner's answer to an invitation: a seat, a place on the waiting list, or no."""

    __tablename__ = "session_signup"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        Index("ix_session_signup_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[SignupStatus] = mapped_column(str_enum(SignupStatus))
    # When the current status began: the waiting list is served in this order.
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionAttendance(Base):
    """What the trainer's register says of one learner at one session."""

    __tablename__ = "session_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        Index("ix_session_attendance_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    reason: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionNotice(Base):
    """A cancellation, a new time or place, or a seat from the waiting list, left for one
    signed-up learner to read."""

    __tablename__ = "session_notice"
    __table_args__ = (Index("ix_session_notice_user", "user_id", "dismissed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind))
    # What changed, as it was then: a later edit must not rewrite an earlier notice.
    old_starts_at: Mapped[datetime | None]
    old_place: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dismissed_at: Mapped[datetime | None]

    session: Mapped[TrainingSession] = relationship(lazy="joined")


class SessionMarkReceipt(Base):
    """One register mark sent from a trainer's phone after it was made offline.

    The phone gives each mark an id of its own and sends it again until it hears back,
    so a mark may arrive twice; the unique (session, client id) applies it once.
    """

    __tablename__ = "session_mark_receipt"
    __table_args__ = (UniqueConstraint("session_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
