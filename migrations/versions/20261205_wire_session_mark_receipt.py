"""session_mark_receipt: register marks sent from a phone, applied once each

Revision ID: wire_0001
Revises: audio_0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wire_0001"
down_revision: str | None = "audio_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_mark_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
            name=op.f("fk_session_mark_receipt_session_id_training_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_session_mark_receipt_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_mark_receipt")),
        sa.UniqueConstraint(
            "session_id", "client_id", name=op.f("uq_session_mark_receipt_session_id_client_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("session_mark_receipt")
