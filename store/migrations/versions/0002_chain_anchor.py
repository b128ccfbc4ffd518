"""The audit chain's keyed anchor: chainhead.mac.

Existing ledgers get "" here; `rectiflow db upgrade` anchors an intact chain right after
(it holds the secret; a migration does not).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chainhead") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("chainhead") as batch:
        batch.drop_column("mac")
