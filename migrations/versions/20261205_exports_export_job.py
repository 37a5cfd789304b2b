"""export_job: report files made in the background and kept a day in the database

Revision ID: exports_0001
Revises: wire_0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "exports_0001"
down_revision: str | None = "wire_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("table", sa.String(length=20), nullable=False),
        sa.Column("fmt", sa.String(length=4), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mimetype", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_export_job_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_export_job_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    op.create_index(op.f("ix_export_job_user_id"), "export_job", ["user_id"])
    op.create_index(op.f("ix_export_job_created_at"), "export_job", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_export_job_created_at"), table_name="export_job")
    op.drop_index(op.f("ix_export_job_user_id"), table_name="export_job")
    op.drop_table("export_job")
