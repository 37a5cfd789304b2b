"""report roll-ups: one row per area (area_progress) and per (area, module)

Revision ID: speed_0001
Revises: onboard_0001
Create Date: 2026-12-05 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "speed_0001"
down_revision: str | None = "onboard_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIGURES = ("learners", "completed", "in_progress", "not_started", "overdue")


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    # Filled by `flask db-upgrade` (it rebuilds empty roll-ups) or `flask rebuild-progress`:
    # the figures come from the app's own definition of completion, not from SQL kept here.
    op.create_table(
        "area_progress",
        sa.Column("area_id", sa.Integer(), nullable=False),
        *_counts(*_FIGURES, "certificates", "optional_done", "needed", "needed_done"),
        sa.Column("best_sum", sa.Float(), nullable=True),
        sa.Column("best_count", sa.Integer(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_area_progress_area_id_area"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("area_id", name=op.f("pk_area_progress")),
    )
    op.create_table(
        "area_module_progress",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        *_counts("learners", "required", "completed", "in_progress", "not_started", "overdue"),
        sa.Column("required_done", sa.Integer(), nullable=False),
        sa.Column("best_sum", sa.Integer(), nullable=True),
        sa.Column("best_count", sa.Integer(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
            name=op.f("fk_area_module_progress_area_id_area"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["module.id"],
            name=op.f("fk_area_module_progress_module_id_module"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("area_id", "module_id", name=op.f("pk_area_module_progress")),
    )
    op.create_index(
        "ix_area_module_progress_module",
        "area_module_progress",
        ["module_id", "area_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_area_module_progress_module", table_name="area_module_progress")
    op.drop_table("area_module_progress")
    op.drop_table("area_progress")
