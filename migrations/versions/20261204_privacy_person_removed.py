"""user_account.deleted_at: a deleted person leaves a nameless placeholder

Deleting a person removes their name, phone, username and training rows but keeps one
row without personal data, so certificates stay verifiable ("issued, holder removed"),
audit events keep pointing at one (nameless) person, and the id is never given again
(SQLite would otherwise reuse the highest id, and an old session cookie with it).

Revision ID: privacy_0001
Revises: 0003
Create Date: 2026-12-04 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "privacy_0001"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
