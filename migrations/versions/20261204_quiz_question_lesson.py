"""question names the lesson that teaches it

Revision ID: quiz_0001
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "quiz_0001"
down_revision: str | None = "privacy_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.add_column(
            sa.Column("lesson_slug", sa.String(length=80), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.drop_column("lesson_slug")
