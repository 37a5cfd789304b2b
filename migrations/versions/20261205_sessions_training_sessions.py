"""in-person training sessions (invited areas, sign-ups, attendance, notices); what an
assignment requires: online, in_person or both

Revision ID: sessions_0001
Revises: notify_0001
Create Date: 2026-12-05 12:00:37.110879
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sessions_0001"
down_revision: str | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("trainer_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("scheduled", "cancelled", name="sessionstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_training_session_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["module.id"],
            name=op.f("fk_training_session_module_id_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["user_account.id"],
            name=op.f("fk_training_session_trainer_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_session")),
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_session_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_session_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "session_area",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_session_area_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
            name=op.f("fk_session_area_session_id_training_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "area_id", name=op.f("pk_session_area")),
    )
    with op.batch_alter_table("session_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_area_area_id"), ["area_id"], unique=False)

    op.create_table(
        "session_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "attended",
                "absent",
                "excused",
                name="attendancestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_session_attendance_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
            name=op.f("fk_session_attendance_session_id_training_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_session_attendance_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_attendance")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_attendance_session_id_user_id")
        ),
    )
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.create_index("ix_session_attendance_user", ["user_id", "status"], unique=False)

    op.create_table(
        "session_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("cancelled", "moved", name="noticekind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("old_starts_at", sa.DateTime(), nullable=True),
        sa.Column("old_place", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
            name=op.f("fk_session_notice_session_id_training_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_session_notice_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_notice")),
    )
    with op.batch_alter_table("session_notice", schema=None) as batch_op:
        batch_op.create_index("ix_session_notice_user", ["user_id", "dismissed_at"], unique=False)

    op.create_table(
        "session_signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "confirmed",
                "waiting",
                "declined",
                name="signupstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
            name=op.f("fk_session_signup_session_id_training_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_session_signup_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_signup")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_signup_session_id_user_id")
        ),
    )
    with op.batch_alter_table("session_signup", schema=None) as batch_op:
        batch_op.create_index("ix_session_signup_user", ["user_id"], unique=False)

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "requirement",
                sa.Enum(
                    "online", "in_person", "both", name="requirement", native_enum=False, length=20
                ),
                server_default="online",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("requirement")

    with op.batch_alter_table("session_signup", schema=None) as batch_op:
        batch_op.drop_index("ix_session_signup_user")

    op.drop_table("session_signup")
    with op.batch_alter_table("session_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_session_notice_user")

    op.drop_table("session_notice")
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_session_attendance_user")

    op.drop_table("session_attendance")
    with op.batch_alter_table("session_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_area_area_id"))

    op.drop_table("session_area")
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_session_starts_at"))
        batch_op.drop_index(batch_op.f("ix_training_session_module_id"))

    op.drop_table("training_session")
