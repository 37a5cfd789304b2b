"""lesson_text.audio_url: the lesson's recording in that language

Revision ID: audio_0001
Revises: sessions_0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "audio_0001"
down_revision: str | None = "sessions_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain added column with a server default: no table rebuild on SQLite, and every
    # existing lesson has no recording.
    with op.batch_alter_table("lesson_text") as batch:
        batch.add_column(
            sa.Column("audio_url", sa.String(length=100), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("lesson_text") as batch:
        batch.drop_column("audio_url")
