"""Alembic environment: migrate the connection :func:`lake.catalog.schema.migrate` passes."""

from alembic import context

from lake.catalog.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
