"""Alembic's entry for the ledger: run by `rectiflow db upgrade` (store/schema.py), never by
the alembic command line. The connection comes from the caller, already locked."""

from alembic import context

config = context.config
connection = config.attributes["connection"]
# Upgrading needs no table metadata; a caller comparing the schema with the tables passes
# theirs (models/tables.py) as the "metadata" attribute: store/ imports nothing of the rules.
context.configure(connection=connection, target_metadata=config.attributes.get("metadata"),
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
