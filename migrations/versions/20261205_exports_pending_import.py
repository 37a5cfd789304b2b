"""pending_import: bulk-import rows waiting for confirmation, in the database

Revision ID: exports_0002
Revises: exports_0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "exports_0002"
down_revision: str | None = "exports_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Previews waiting under instance/imports/ live two hours at most: they are not moved.
    op.create_table(
        "pending_import",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_pending_import_owner_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_pending_import")),
    )
    op.create_index(op.f("ix_pending_import_owner_id"), "pending_import", ["owner_id"])
    op.create_index(op.f("ix_pending_import_created_at"), "pending_import", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_import_created_at"), table_name="pending_import")
    op.drop_index(op.f("ix_pending_import_owner_id"), table_name="pending_import")
    op.drop_table("pending_import")
