"""the notification outbox, each person's channel choices, recorded calls, and after how
many days overdue an assignment's learners go on their commune's call list

Revision ID: notify_0001
Revises: speed_0001
Create Date: 2026-12-05 12:01:59
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0001"
down_revision: str | None = "speed_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("called_by_id", sa.Integer(), nullable=True),
        sa.Column("called_on", sa.Date(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "reached",
                "no_answer",
                "wrong_number",
                "will_finish",
                "other",
                name="outcome",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["called_by_id"],
            ["user_account.id"],
            name=op.f("fk_call_record_called_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_call_record_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_record")),
    )
    with op.batch_alter_table("call_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_record_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_setting",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("sms_off", sa.Boolean(), nullable=False),
        sa.Column("zalo_off", sa.Boolean(), nullable=False),
        sa.Column("email_off", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_setting_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_setting")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "due_soon",
                "due_today",
                "overdue",
                "new_required",
                "digest",
                name="kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum("sms", "zalo", "email", "print", name="channel", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=400), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "dead",
                "skipped",
                name="status",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_notification_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["module.id"],
            name=op.f("fk_notification_module_id_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "user_id",
            "channel",
            "event_key",
            name=op.f("uq_notification_user_id_channel_event_key"),
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "escalate_after_days", sa.Integer(), server_default=sa.text("14"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("escalate_after_days")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))
        batch_op.drop_index("ix_notification_due")

    op.drop_table("notification")
    op.drop_table("notification_setting")
    with op.batch_alter_table("call_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_record_user_id"))

    op.drop_table("call_record")
