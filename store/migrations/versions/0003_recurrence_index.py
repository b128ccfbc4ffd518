"""An index for "the latest finding of this unit and manifestation" (recurrence, 反弹): filing
looked it up by scanning every finding of the unit, which grew with the ledger (a
10,000-row import spent 40 % of its time there).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_finding_recurrence", "finding", ["unit_id", "manifestation_id", "filed_at"])


def downgrade() -> None:
    op.drop_index("ix_finding_recurrence", table_name="finding")
