"""Connecting to the result store's database: one SQLAlchemy engine per store URL.

Only SQLite needs set-up of its own: a SQLite file gets WAL mode, a busy timeout and
immediate write transactions, so several processes can write to it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from gaitlab.store.errors import StoreError
from gaitlab.store.location import display_url, sqlite_file

#: How long a SQLite writer waits for another process's write to finish.
SQLITE_BUSY_TIMEOUT_S = 60.0


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store's folder {path.parent}: {exc}") from None
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not the sqlite3 module.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # WAL: readers never block the writer; busy_timeout: a writer waits for another
        # process's write instead of failing with "database is locked".
        if path is not None:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock at BEGIN: a transaction that reads then writes cannot then be
        # refused the lock half-way (SQLite's deadlock error, which busy_timeout cannot wait
        # out) when another process wrote in between.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_engine(url: URL) -> Engine:
    """A SQLAlchemy engine for the store at ``url`` (nothing is connected yet)."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        raise StoreError(
            f"cannot use the store {display_url(url)}: its driver is not installed ({exc}); "
            "for PostgreSQL: pip install 'gaitlab[postgres]'"
        ) from None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot use the store {display_url(url)}: {exc}") from None
