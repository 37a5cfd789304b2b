"""Accounts and the roles they hold, each role scoped to an area."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.db import Base
from learnapp.models.base import folded_from, str_enum, utcnow, vietnam_today
from learnapp.models.org import Area


class Role(enum.StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    COMMITTEE = "committee"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "user_account"
    # The committee's learner table pages through learners in this order.
    __table_args__ = (Index("ix_user_account_full_name", "full_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # full_name folded for search (see Area.folded_name).
    folded_name: Mapped[str] = mapped_column(
        String(120), default=folded_from("full_name"), server_default=""
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    is_active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Bumped on sign-out and password change; a cookie carrying an older value is dead.
    session_version: Mapped[int] = mapped_column(default=1)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The Vietnam day the person was placed in their current area (created there or
    # moved): due dates count the assignment's grace period from it.
    joined_area_on: Mapped[date] = mapped_column(default=vietnam_today)
    last_sign_in_at: Mapped[datetime | None]
    last_active_at: Mapped[datetime | None]
    # Set when an admin deletes the person: the row stays as a nameless placeholder
    # (learnapp.privacy.deletion) so certificates and audit events keep their holder.
    deleted_at: Mapped[datetime | None]
    # A temporary password from a bulk issue (PasswordBatch) stops working at this time
    # unless the person has signed in and chosen their own; None for every other password.
    temporary_password_expires_at: Mapped[datetime | None]
    # The batch whose password the account holds now: a worker writes a hash only where
    # this still names its batch, so an older batch's late worker cannot undo a reprint.
    # No foreign key: password_batch already refers to user_account (its creator), and a
    # cycle of foreign keys leaves the tables with no creation order.
    password_batch_id: Mapped[int | None] = mapped_column(index=True)

    area: Mapped[Area | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def place_in(self, area: Area) -> None:
        """Move the person to another area; their due dates start again from today."""
        if area.id != self.area_id:
            self.area = area
            self.joined_area_on = vietnam_today()

    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def scopes(self, role: Role) -> list[int]:
        """Area ids where this person holds the role."""
        return [g.area_id for g in self.grants if g.role == role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    area: Mapped[Area] = relationship(lazy="joined")


class PasswordBatchStatus(enum.StrEnum):
    HASHING = "hashing"
    READY = "ready"
    # A newer batch for the same people replaced it: its passwords no longer work.
    ENDED = "ended"


class PasswordBatch(Base):
    """Temporary passwords issued at once to the people of a village or commune.

    The passwords themselves are never stored: each is derived from a secret that only
    the issuing admin's session holds (learnapp.admin.passwords), so the database keeps
    their hashes alone and the cards can be printed only from that session.
    """

    __tablename__ = "password_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    status: Mapped[PasswordBatchStatus] = mapped_column(
        str_enum(PasswordBatchStatus), default=PasswordBatchStatus.HASHING
    )
    total: Mapped[int] = mapped_column(default=0)
    hashed: Mapped[int] = mapped_column(default=0)
    # Written by the worker after each chunk: a batch hashing with no heartbeat for a
    # while lost its worker (a restart) and may be taken over.
    heartbeat_at: Mapped[datetime | None]

    area: Mapped[Area] = relationship()
