"""Session numbers are never reused on SQLite.

A session is known to its users by its number (``session #12`` on the dashboard and in
``gaitlab store`` commands, in a physio's written notes). SQLite's plain integer primary key
hands the highest number out again once that row is deleted (a runner forgotten, a result
folder recorded again), so an old reference could open another runner's session.
``AUTOINCREMENT`` keeps a high-water mark in ``sqlite_sequence`` instead. SQLite cannot add
it to a table in place, so the table is copied (Alembic's batch mode); the copy keeps every
row and number, and :func:`gaitlab.store.migrate.upgrade` runs it with foreign keys off, so
dropping the old table does not cascade into its children. PostgreSQL's sequences never
hand a number out twice: nothing to do there.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _rebuild_sessions(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "sessions", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    """Copy the sessions table into one with AUTOINCREMENT (SQLite only)."""
    _rebuild_sessions(True)


def downgrade() -> None:
    """Copy the sessions table back into a plain one (SQLite only)."""
    _rebuild_sessions(False)
