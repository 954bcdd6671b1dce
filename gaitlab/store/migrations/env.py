"""Alembic environment: runs on the connection :mod:`gaitlab.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

from gaitlab.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
