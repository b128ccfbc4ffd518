"""The bureau's estate (issue 25): channel keys and secrets widened to hold their sealed
form (sealed by `rectiflow db upgrade`, which knows the key); portal sessions in the ledger
(idle timeout, revocation); every sign-in attempt (lock-out, audit); the admins' second
factor; the employee number (工号) an identity platform may name people by.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# models.sealed.sealed_width(500) and (200): fixed here, as a migration never changes.
TARGET, SECRET, SEED = 2722, 1122, 398


def upgrade() -> None:
    with op.batch_alter_table("channel") as batch:
        batch.alter_column("target", type_=sa.String(length=TARGET), existing_nullable=False)
        batch.alter_column("secret", type_=sa.String(length=SECRET), existing_nullable=False)
    if op.get_bind().dialect.name == "sqlite":  # in place: person is referred to by every table
        op.execute("ALTER TABLE person ADD COLUMN staff_no VARCHAR(40)")
    else:
        op.add_column("person", sa.Column("staff_no", sa.String(length=40), nullable=True))
    op.create_index("ix_person_staff_no", "person", ["staff_no"], unique=True)
    methods = sa.Enum("link", "oidc", "ldap", "code", name="signinmethod", native_enum=False, length=24)
    op.create_table(
        "portal_session",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("method", methods, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_why", sa.Enum("logout", "idle", "revoked", "expired", name="ended", native_enum=False,
                                       length=24), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["ended_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_index("ix_portal_session_person_id", "portal_session", ["person_id"])
    op.create_index("ix_portal_session_ended_at", "portal_session", ["ended_at"])
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("identity", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("method", methods, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("why", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempt_at", "sign_in_attempt", ["at"])
    op.create_index("ix_sign_in_attempt_person_at", "sign_in_attempt", ["person_id", "at"])
    op.create_index("ix_sign_in_attempt_address_at", "sign_in_attempt", ["address", "at"])
    op.create_table(
        "second_factor",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=SEED), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("second_factor")
    op.drop_index("ix_sign_in_attempt_address_at", table_name="sign_in_attempt")
    op.drop_index("ix_sign_in_attempt_person_at", table_name="sign_in_attempt")
    op.drop_index("ix_sign_in_attempt_at", table_name="sign_in_attempt")
    op.drop_table("sign_in_attempt")
    op.drop_index("ix_portal_session_ended_at", table_name="portal_session")
    op.drop_index("ix_portal_session_person_id", table_name="portal_session")
    op.drop_table("portal_session")
    op.drop_index("ix_person_staff_no", table_name="person")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("staff_no")
    with op.batch_alter_table("channel") as batch:
        batch.alter_column("target", type_=sa.String(length=500), existing_nullable=False)
        batch.alter_column("secret", type_=sa.String(length=200), existing_nullable=False)
