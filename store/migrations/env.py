"""Alembic's entry for the ledger: run by `rectiflow db upgrade` (store/schema.py), never by
the alembic command line. The connection comes from the caller, already locked."""

from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (every table on the metadata)

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
