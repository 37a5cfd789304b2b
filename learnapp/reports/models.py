"""Report files made in the background: one row per requested export, holding the file
itself so any host can serve it (nothing under instance/ to share)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from learnapp.db import Base
from learnapp.models.base import utcnow


class ExportJob(Base):
    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    table: Mapped[str] = mapped_column(String(20))
    fmt: Mapped[str] = mapped_column(String(4))
    # The page's filters and sort, replayed when the file is made.
    query: Mapped[str] = mapped_column(String(1000), default="")
    locale: Mapped[str] = mapped_column(String(10), default="vi")
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    filename: Mapped[str] = mapped_column(String(200), default="")
    mimetype: Mapped[str] = mapped_column(String(100), default="")
    # Deferred: the status page polls the row and must not load the file each time.
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
