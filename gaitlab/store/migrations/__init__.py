"""Alembic migrations of the result store (run by :func:`gaitlab.store.open_store`)."""
