"""cache_stamp: counters that tell every worker its cached content is out of date

Revision ID: cache_0001
Revises: offline_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cache_0001"
down_revision: str | None = "offline_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "cache_stamp",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(table, [{"name": "content", "value": 1}])


def downgrade() -> None:
    op.drop_table("cache_stamp")
