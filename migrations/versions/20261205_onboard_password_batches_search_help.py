"""bulk temporary passwords (password_batch), stored folded names for search, help contact

Revision ID: onboard_0001
Revises: engine_0001
Create Date: 2026-12-05
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "onboard_0001"
down_revision: str | None = "engine_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(text: str) -> str:
    # A copy of learnapp.name_search.fold as it is today: a migration must not change
    # when the app's code does.
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _backfill(table: str, source: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {source} FROM {table}")).all()  # noqa: S608
    update = sa.text(f"UPDATE {table} SET folded_name = :folded WHERE id = :id")  # noqa: S608
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        bind.execute(update, [{"id": row[0], "folded": _fold(row[1])} for row in chunk])


def upgrade() -> None:
    op.create_table(
        "password_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("hashed", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
            name=op.f("fk_password_batch_area_id_area"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_password_batch_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_batch")),
    )
    op.create_index(op.f("ix_password_batch_area_id"), "password_batch", ["area_id"])
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("folded_name", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("temporary_password_expires_at", sa.DateTime()))
        batch_op.add_column(sa.Column("password_batch_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_user_account_password_batch_id"), ["password_batch_id"]
        )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("folded_name", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("help_contact", sa.String(length=200), nullable=True))
    _backfill("user_account", "full_name")
    _backfill("area", "name")


def downgrade() -> None:
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_column("help_contact")
        batch_op.drop_column("folded_name")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_password_batch_id"))
        batch_op.drop_column("password_batch_id")
        batch_op.drop_column("temporary_password_expires_at")
        batch_op.drop_column("folded_name")
    op.drop_index(op.f("ix_password_batch_area_id"), table_name="password_batch")
    op.drop_table("password_batch")
