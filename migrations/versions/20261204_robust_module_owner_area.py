"""module owner area: the top-level area whose trainers and admins may change a module

Revision ID: robust_0001
Revises: 0003
Create Date: 2026-12-04 17:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "robust_0001"
down_revision: str | None = "attempts_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("module", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_area_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_module_owner_area_id_area"),
            "area",
            ["owner_area_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("module", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_module_owner_area_id_area"), type_="foreignkey")
        batch_op.drop_column("owner_area_id")
