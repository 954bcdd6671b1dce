"""Schema versions: Alembic migrations run programmatically on the store's own connection.

The scripts live in :mod:`gaitlab.store.migrations` (inside the package, so an installed
gaitlab upgrades its store by itself). :func:`upgrade` is called every time a store opens;
it does nothing when the schema is already at the newest version.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from gaitlab.store.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema version this gaitlab knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "gaitlab.store.migrations has no revision"
    return head


def known_revisions() -> list[str]:
    """Every schema version this gaitlab knows, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current_revision(engine: Engine) -> str | None:
    """The store's schema version (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the store to ``revision`` (default: the newest), in one transaction.

    Raises
    ------
    StoreError
        The store was made by a newer gaitlab (a schema version this one does not know).
    """
    current = current_revision(engine)
    if current is not None and current not in known_revisions():
        raise StoreError(
            f"the result store has schema version {current}, newer than this gaitlab knows "
            f"(up to {head_revision()}): upgrade gaitlab"
        )
    if revision == "head" and current == head_revision():
        return
    try:
        _run(engine, "upgrade", revision)
    except Exception:
        # Two processes opening a new store at once: the other one may have migrated it
        # between our check and our transaction. That is success; anything else is not.
        if revision == "head" and current_revision(engine) == head_revision():
            return
        raise


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the store down to ``revision`` (``base`` = empty)."""
    _run(engine, "downgrade", revision)


def _run(engine: Engine, direction: str, revision: str) -> None:
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                getattr(command, direction)(_config(conn), revision)
            return
        # A migration that copies a table (batch mode) drops the old one, and with foreign
        # keys on SQLite deletes the rows that point at it first (ON DELETE CASCADE). The
        # pragma is ignored inside a transaction, so it goes to the driver before BEGIN; the
        # keys are checked before the migration commits.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                getattr(command, direction)(_config(conn), revision)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise StoreError(
                        f"migrating the result store to {revision} would leave {len(broken)} "
                        f"rows pointing at nothing (first: {tuple(broken[0])}); nothing changed"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
