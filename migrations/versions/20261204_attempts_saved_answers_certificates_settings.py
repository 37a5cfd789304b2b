"""saved answers, certificate issuer and area, site settings

Revision ID: attempts_0001
Revises: 0003
Create Date: 2026-12-04 16:36:33.437173
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "attempts_0001"
down_revision: str | None = "quiz_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_site_setting_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_setting")),
    )
    op.create_table(
        "saved_answer",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_values", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempt.id"],
            name=op.f("fk_saved_answer_attempt_id_quiz_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
            name=op.f("fk_saved_answer_question_id_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", "question_id", name=op.f("pk_saved_answer")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("area_name", sa.String(length=400), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificate_area_id_area"),
            "area",
            ["area_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_saved_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_column("answers_saved_at")

    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_certificate_area_id_area"), type_="foreignkey")
        batch_op.drop_column("area_name")
        batch_op.drop_column("area_id")
        batch_op.drop_column("issuer")

    op.drop_table("saved_answer")
    op.drop_table("site_setting")
