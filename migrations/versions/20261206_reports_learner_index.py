"""reports: an index on learners' names for the learner table's first page

Revision ID: reports_0001
Revises: cache_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "reports_0001"
down_revision: str | None = "cache_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The learner table's default order is (full_name, id): with this index a province's
    # first page reads 25 accounts in order instead of sorting 100,000.
    op.create_index("ix_user_account_full_name", "user_account", ["full_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_user_account_full_name", table_name="user_account")
