"""Where the result store is: a SQLAlchemy URL from ``--store``, ``$GAITLAB_STORE`` or the default.

The default is a SQLite file in the user's data folder (``platformdirs.user_data_dir``), so the
store needs no set-up. A plain path is taken as a SQLite file; anything with ``://`` is a
SQLAlchemy URL (``postgresql+psycopg://user:pass@host/db`` for a clinic or team server).

Result folders the dashboard saves into a runner's history (its own folders are temporary)
are copied under :func:`sessions_root`: next to a SQLite store, else in the user's data
folder, or ``$GAITLAB_SESSIONS_DIR``; one folder per runner, named by
:func:`runner_folder_name` (safe for any file system, whatever the runner's code).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from gaitlab.store.errors import StoreError

#: Environment variable naming the store (a URL or a path).
STORE_ENV = "GAITLAB_STORE"
#: File name of the default SQLite store.
DEFAULT_FILE = "gaitlab.sqlite"
#: Environment variable naming the folder of saved result folders (default: see sessions_root).
SESSIONS_ENV = "GAITLAB_SESSIONS_DIR"
#: Name of that folder next to a SQLite store or in the user data folder.
SESSIONS_DIR = "sessions"
#: Longest runner folder name kept from the code (the rest of a long code is in the hash).
_MAX_NAME = 60
#: Names Windows refuses for a file or folder, whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}  # fmt: skip


def default_store_path() -> Path:
    """The default SQLite file: ``<user data folder>/gaitlab/gaitlab.sqlite``."""
    return Path(platformdirs.user_data_dir("gaitlab")) / DEFAULT_FILE


def resolve_store_url(store: str | os.PathLike[str] | None = None) -> URL:
    """The store's SQLAlchemy URL.

    Parameters
    ----------
    store
        A URL or a path; None = ``$GAITLAB_STORE``, else :func:`default_store_path`.

    Raises
    ------
    StoreError
        When the text is neither a path nor a valid SQLAlchemy URL.
    """
    text = os.fspath(store) if store is not None else os.environ.get(STORE_ENV, "")
    if not text:
        text = os.fspath(default_store_path())
    if "://" not in text:
        return URL.create("sqlite", database=os.fspath(Path(text).expanduser().resolve()))
    try:
        url = make_url(text)
    except ArgumentError:
        raise StoreError(f"not a database URL or path: {text!r}") from None
    # A bare postgresql:// means psycopg 3 (the driver gaitlab installs), not psycopg2.
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def display_url(url: URL) -> str:
    """The URL for messages, password hidden."""
    return url.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory SQLite)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def store_exists(url: URL) -> bool:
    """False for a SQLite file not created yet (so a viewer need not create an empty one)."""
    path = sqlite_file(url)
    return path is None or path.is_file()


def sessions_root(url: URL) -> Path:
    """The folder holding result folders saved into runners' histories.

    ``$GAITLAB_SESSIONS_DIR`` when set; else ``sessions/`` next to a SQLite store's file (so
    pointing ``--store``/``$GAITLAB_STORE`` at a folder keeps the copies with the database);
    else (PostgreSQL, in-memory SQLite) ``sessions/`` in the user data folder.
    """
    given = os.environ.get(SESSIONS_ENV, "")
    if given:
        return Path(given).expanduser().resolve()
    db_file = sqlite_file(url)
    if db_file is not None:
        return db_file.parent / SESSIONS_DIR
    return Path(platformdirs.user_data_dir("gaitlab")) / SESSIONS_DIR


def runner_folder_name(code: str) -> str:
    """A folder name for a runner's saved results, safe on every file system.

    Letters, digits, ``.``, ``_`` and ``-`` are kept; anything else (``/``, backslash, ``..``,
    spaces, accents) becomes ``_``. When that changed the code (or left a name Windows
    refuses), 8 hex digits of the code's SHA-256 are appended, so two codes never share a
    folder because they sanitise alike (``r/07`` and ``r_07``). Never empty, never ``.`` or
    ``..``, never a path.
    """
    code = code.strip()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", code).strip("._-")[:_MAX_NAME]
    if name and name == code and name.split(".")[0].upper() not in _RESERVED:
        return name
    digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:8]
    return f"{name or 'runner'}-{digest}"
