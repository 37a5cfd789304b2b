"""Rows of a bulk import waiting for the admin who uploaded them to confirm, kept in the
database so the confirmation may reach any host (nothing under instance/ to share)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnapp.db import Base
from learnapp.models.base import utcnow


class PendingImport(Base):
    __tablename__ = "pending_import"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200), default="")
    # The rows as JSON text: read back whole, never queried inside.
    rows: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
