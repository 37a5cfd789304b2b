"""answer_choice keeps the place a learner gave a step (ordering questions)

Revision ID: engine_0001
Revises: structure_0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "engine_0001"
down_revision: str | None = "structure_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # question.type is plain text (no enum type, no check constraint): "ordering" needs
    # no change there.
    with op.batch_alter_table("answer_choice") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answer_choice") as batch:
        batch.drop_column("position")
