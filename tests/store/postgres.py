"""A PostgreSQL server for the store's tests.

``$GAITLAB_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts Debian's and exports it);
without it, a throwaway cluster is made with the local ``initdb`` when PostgreSQL is installed
(as the ``postgres`` user when running as root: the server refuses to run as root). Each test
gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

URL_ENV = "GAITLAB_TEST_POSTGRES_URL"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a private PostgreSQL cluster on a free port; yield its admin URL.

    Raises
    ------
    RuntimeError
        With the reason, when no cluster can be started here.
    """
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb)")
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else os.environ.get("USER", "postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root and shutil.which("runuser") is None:
        raise RuntimeError("running as root without runuser: cannot start PostgreSQL")
    tmp = Path(tempfile.mkdtemp(prefix="gaitlab-pg-"))
    data = tmp / "data"
    port = _free_port()
    try:
        if as_root:
            shutil.chown(tmp, "postgres")
            tmp.chmod(0o700)

        def run(*cmd: str) -> None:
            done = subprocess.run(
                [*prefix, *cmd], capture_output=True, text=True, timeout=120, check=False
            )
            if done.returncode:
                raise RuntimeError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-400:]}")

        run(str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "--no-sync")
        run(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-t", "60",
            "-o", f"-p {port} -k {tmp} -c listen_addresses='' -c fsync=off", "start",
        )  # fmt: skip
        try:
            yield f"postgresql+psycopg://{user}@/postgres?host={tmp}&port={port}"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``admin_url``; dropped on exit."""
    import sqlalchemy as sa

    name = f"gaitlab_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(admin_url).set(database=name)
        yield url.render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
