"""a description on each area: for a merged commune, the former communes it took in

Revision ID: structure_0001
Revises: completion_0001
Create Date: 2026-12-05 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "structure_0001"
down_revision: str | None = "completion_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_column("description")
