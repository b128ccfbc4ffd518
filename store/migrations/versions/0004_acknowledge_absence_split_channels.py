"""签收, 委托, 分解 and messengers (issue 14): when an owner acknowledged their item; the item
an item was split from; people's
messenger channels, and which channel an outbox row goes to (none: mail); absences with
their delegates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_finding_unsigned", "finding", ["state", "acknowledged_at", "assigned_at"])
    # In place (see channel_id below): the finding table is referred to by most others.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE finding ADD COLUMN parent_id INTEGER REFERENCES finding (id)")
    else:
        op.add_column("finding", sa.Column("parent_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_finding_parent_id", "finding", "finding", ["parent_id"], ["id"])
    op.create_index("ix_finding_parent_id", "finding", ["parent_id"])
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("wecom", "dingtalk", "webhook", name="channelkind", native_enum=False,
                                  length=24), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("everything", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "kind"),
    )
    op.create_index("ix_channel_person_id", "channel", ["person_id"])
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["delegate_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["declared_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_absence_person_id", "absence", ["person_id"])
    op.create_index("ix_absence_delegate_id", "absence", ["delegate_id"])
    # Added in place, not by copying the table (SQLite's batch mode would drop `notification`,
    # which the alerts' digest_id refers to).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE notification ADD COLUMN channel_id INTEGER REFERENCES channel (id)")
    else:
        op.add_column("notification", sa.Column("channel_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_notification_channel_id", "notification", "channel", ["channel_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("channel_id")
    op.drop_table("absence")
    op.drop_index("ix_channel_person_id", table_name="channel")
    op.drop_table("channel")
    op.drop_index("ix_finding_parent_id", table_name="finding")
    op.drop_index("ix_finding_unsigned", table_name="finding")
    with op.batch_alter_table("finding") as batch:
        batch.drop_column("parent_id")
        batch.drop_column("acknowledged_at")
