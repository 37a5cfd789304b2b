"""The cache's one table: named counters, bumped in the transaction that changes what
they stand for, read by every worker before it trusts what it keeps in memory."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from learnapp.db import Base


class CacheStamp(Base):
    __tablename__ = "cache_stamp"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
