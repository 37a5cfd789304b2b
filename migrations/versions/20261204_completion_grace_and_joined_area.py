"""grace period on assignments, and the day each person joined their area

Revision ID: completion_0001
Revises: 0003
Create Date: 2026-12-04 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "completion_0001"
down_revision: str | None = "robust_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("grace_days", sa.Integer(), server_default=sa.text("30"), nullable=False)
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined_area_on", sa.Date(), nullable=True))
    # Nobody's moves were recorded before: everyone joined their area when the account
    # was created, on the Vietnam day (UTC+7) of that moment.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE user_account SET joined_area_on = date(created_at, '+7 hours')")
    else:
        op.execute(
            "UPDATE user_account SET joined_area_on = CAST(created_at + INTERVAL '7 hours' AS DATE)"
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("joined_area_on", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("joined_area_on")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("grace_days")
