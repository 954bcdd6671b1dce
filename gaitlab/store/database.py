"""The result store: runners, their sessions, metric summaries and findings, in one database.

One code path for every database SQLAlchemy supports; gaitlab is tested on SQLite (the
default, a file in the user's data folder) and PostgreSQL. Only the engine set-up of SQLite
differs (:mod:`gaitlab.store.engine`: WAL mode and a busy timeout, so that several processes
can write).

Writes are short transactions: a session and its summaries are committed together or not at
all, so a killed writer never leaves half a session behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from filelock import FileLock
from filelock import Timeout as LockTimeout
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from gaitlab.store import migrate
from gaitlab.store.engine import SQLITE_BUSY_TIMEOUT_S, create_engine
from gaitlab.store.errors import BadRunnerCode, StoreError, UnknownRunner, UnknownSession
from gaitlab.store.location import display_url, resolve_store_url, runner_folder_name, sqlite_file
from gaitlab.store.records import (
    FindingSummary,
    MetricSummary,
    Runner,
    SessionClipRecord,
    SessionRecord,
)
from gaitlab.store.schema import findings, metric_summaries, runners, session_clips, sessions

#: Files in a result folder that gaitlab writes after the session was recorded (the
#: dashboard's physio notes); deleting a runner removes them too.
LATER_FILES = ("session_notes.json",)
#: Longest runner code (the ``runners.code`` column).
MAX_CODE_CHARS = 200


@dataclass(frozen=True)
class Deletion:
    """What deleting a runner removed.

    Attributes
    ----------
    runner
        The runner's code.
    n_sessions
        Sessions deleted (with their metric summaries and findings).
    files_removed
        Files deleted.
    dirs_removed
        Result folders deleted (they held only gaitlab's files).
    kept
        Paths left in place: files gaitlab did not write in a result folder (and so the folder
        too), or files that could not be deleted (with the reason).
    clip_sha256s
        Content hashes of the deleted sessions' clips that no remaining session refers to:
        their cached landmarks are this runner's alone and can go too
        (:func:`gaitlab.pose.extract.purge_cache`; the store itself never touches the cache).
    """

    runner: str
    n_sessions: int
    files_removed: tuple[Path, ...]
    dirs_removed: tuple[Path, ...]
    kept: tuple[str, ...]
    clip_sha256s: tuple[str, ...] = ()


def _aware(t: datetime | None) -> datetime | None:
    # SQLite keeps no time zone: every time stored is UTC.
    if t is None:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


class SessionStore:
    """The runners' sessions in one database (see :func:`open_store`).

    Parameters
    ----------
    engine
        An engine on a database already at the newest schema version.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> URL:
        """The database's URL."""
        return self.engine.url

    def __repr__(self) -> str:
        return f"SessionStore({display_url(self.url)!r})"

    def describe(self) -> str:
        """``URL (schema version N)`` for messages, password hidden."""
        return f"{display_url(self.url)} (schema version {self.schema_version()})"

    def schema_version(self) -> str | None:
        """The database's schema version (Alembic revision)."""
        return migrate.current_revision(self.engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ runners
    def upsert_runner(
        self, code: str, *, height_cm: float | None = None, notes: str | None = None
    ) -> Runner:
        """The runner ``code``, created if new; a given height or notes replace the stored."""
        with self._begin() as conn:
            runner_id = _ensure_runner(conn, code, height_cm, notes)
            return _runner(conn.execute(sa.select(runners).where(runners.c.id == runner_id)).one())

    def runner(self, code: str) -> Runner:
        """The runner ``code``.

        Raises
        ------
        UnknownRunner
            When the store has no such runner.
        """
        with self._connect() as conn:
            row = conn.execute(sa.select(runners).where(runners.c.code == code)).first()
        if row is None:
            raise UnknownRunner(f"no runner {code!r} in the result store ({display_url(self.url)})")
        return _runner(row)

    def runners(self) -> list[Runner]:
        """Every runner, by code."""
        with self._connect() as conn:
            rows = conn.execute(sa.select(runners).order_by(runners.c.code)).all()
        return [_runner(r) for r in rows]

    def session_counts(self) -> dict[str, int]:
        """Runner code -> number of sessions (runners without sessions included, as 0)."""
        q = (
            sa.select(runners.c.code, sa.func.count(sessions.c.id))
            .select_from(runners.outerjoin(sessions, sessions.c.runner_id == runners.c.id))
            .group_by(runners.c.code)
        )
        with self._connect() as conn:
            return {code: int(n) for code, n in conn.execute(q).all()}

    # ------------------------------------------------------------------ sessions
    def record_session(self, session: SessionRecord, *, height_cm: float | None = None) -> int:
        """Store a session (creating its runner if new) and return its id.

        A session of the same result folder is replaced: analysing again into the same
        folder overwrote its files, so the old numbers are gone.
        """
        with self._begin() as conn:
            runner_id = _ensure_runner(conn, session.runner, height_cm, None)
            old = conn.execute(
                sa.select(sessions.c.id).where(sessions.c.result_dir == session.result_dir)
            ).scalars()
            _delete_sessions(conn, list(old))
            values = {
                "runner_id": runner_id,
                "recorded_utc": session.recorded_utc,
                "clip_path": session.clip_path,
                "clip_sha256": session.clip_sha256,
                "view": session.view,
                "settings": session.settings,
                "gaitlab_version": session.gaitlab_version,
                "result_dir": session.result_dir,
                "result_sha256": session.result_sha256,
                "pose_series_path": session.pose_series_path,
                "pose_series_sha256": session.pose_series_sha256,
                "files": session.files,
                "physio_notes": session.physio_notes,
            }
            session_id = int(
                conn.execute(sa.insert(sessions).values(values)).inserted_primary_key[0]
            )
            if session.metrics:
                conn.execute(
                    sa.insert(metric_summaries),
                    [{"session_id": session_id, **vars(m)} for m in session.metrics],
                )
            if session.findings:
                conn.execute(
                    sa.insert(findings),
                    [{"session_id": session_id, **vars(f)} for f in session.findings],
                )
            if session.clips:
                conn.execute(
                    sa.insert(session_clips),
                    [{"session_id": session_id, **vars(c)} for c in session.clips],
                )
        return session_id

    def sessions(self, runner: str) -> list[SessionRecord]:
        """A runner's sessions, oldest first.

        Raises
        ------
        UnknownRunner
            When the store has no such runner.
        """
        code = self.runner(runner).code
        return self._sessions_where(runners.c.code == code)

    def _sessions_where(self, condition: Any) -> list[SessionRecord]:
        """Sessions matching a condition on the sessions or runners table, oldest first."""
        q = (
            sa.select(sessions, runners.c.code)
            .join(runners, sessions.c.runner_id == runners.c.id)
            .where(condition)
            .order_by(sessions.c.recorded_utc, sessions.c.id)
        )
        with self._connect() as conn:
            return _load_sessions(conn, conn.execute(q).all())

    def session(self, session_id: int) -> SessionRecord:
        """One session by id.

        Raises
        ------
        UnknownSession
            When there is no such session.
        """
        found = self._sessions_where(sessions.c.id == session_id)
        if not found:
            raise UnknownSession(
                f"no session #{session_id} in the result store ({display_url(self.url)})"
            )
        return found[0]

    def session_in(self, result_dir: str | os.PathLike[str]) -> SessionRecord | None:
        """The session recorded from result folder ``result_dir``, or None."""
        folder = os.fspath(Path(result_dir).resolve())
        found = self._sessions_where(sessions.c.result_dir == folder)
        return found[0] if found else None

    def set_physio_notes(self, session_id: int, text: str) -> None:
        """Replace a session's physio notes (the database only; see :mod:`gaitlab.store.notes`).

        Raises
        ------
        UnknownSession
            When there is no such session.
        """
        with self._begin() as conn:
            done = conn.execute(
                sa.update(sessions).where(sessions.c.id == session_id).values(physio_notes=text)
            )
        if done.rowcount == 0:
            raise UnknownSession(
                f"no session #{session_id} in the result store ({display_url(self.url)})"
            )

    # ------------------------------------------------------------------ deletion
    def delete_runner(self, code: str) -> Deletion:
        """Delete a runner, their sessions, summaries and findings, and their files.

        Rows go first, in one transaction. Then each session's files (those recorded with it,
        and the physio notes) are deleted, and its result folder too when nothing else is
        left in it; a folder holding files gaitlab did not write is kept and reported. Files
        of other runners are never touched: only paths recorded for this runner's sessions,
        inside their own result folders, are deleted. The runner's folder of saved results
        (:func:`~gaitlab.store.location.runner_folder_name`) goes too once it is empty.

        Raises
        ------
        UnknownRunner
            When the store has no such runner.
        """
        runner = self.runner(code)
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(
                    sessions.c.id, sessions.c.result_dir, sessions.c.files, sessions.c.clip_sha256
                ).where(sessions.c.runner_id == runner.id)
            ).all()
            # A session of several clips: each clip's folder goes before the session's own.
            clip_dirs = conn.execute(
                sa.select(session_clips.c.result_dir, session_clips.c.files).where(
                    session_clips.c.session_id.in_([r.id for r in rows]),
                    session_clips.c.result_dir.is_not(None),
                )
            ).all()
            _delete_sessions(conn, [r.id for r in rows])
            conn.execute(sa.delete(runners).where(runners.c.id == runner.id))
            clips = {r.clip_sha256 for r in rows}
            shared = set(
                conn.execute(
                    sa.select(sessions.c.clip_sha256).where(sessions.c.clip_sha256.in_(clips))
                ).scalars()
            )
        removed: list[Path] = []
        dirs: list[Path] = []
        kept: list[str] = []
        for row in [*clip_dirs, *rows]:
            r, d, k = _remove_session_files(Path(row.result_dir), (row.files or {}).values())
            removed += r
            dirs += d
            kept += k
        gone, left = _remove_runner_folders(dirs, runner.code)
        dirs += gone
        kept += left
        return Deletion(
            code, len(rows), tuple(removed), tuple(dirs), tuple(kept), tuple(sorted(clips - shared))
        )

    # ------------------------------------------------------------------ plumbing
    def _connect(self) -> _Guard:
        return _Guard(self.engine.connect, self.url)

    def _begin(self) -> _Guard:
        return _Guard(self.engine.begin, self.url)


class _Guard:
    """A connection context whose database errors become one-line :class:`StoreError`."""

    def __init__(self, factory: Any, url: URL) -> None:
        self._factory = factory
        self._url = url
        self._ctx: Any = None

    def _error(self, exc: SQLAlchemyError) -> StoreError:
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return StoreError(f"result store {display_url(self._url)}: {first}")

    def __enter__(self) -> Connection:
        try:
            self._ctx = self._factory()
            return self._ctx.__enter__()
        except SQLAlchemyError as exc:
            raise self._error(exc) from exc

    def __exit__(self, typ: Any, exc: Any, tb: Any) -> Literal[False]:
        try:
            self._ctx.__exit__(typ, exc, tb)
        except SQLAlchemyError as err:  # the commit itself failed
            raise self._error(err) from err
        if isinstance(exc, SQLAlchemyError):
            raise self._error(exc) from exc
        return False


def _runner(row: Any) -> Runner:
    return Runner(
        code=row.code,
        height_cm=row.height_cm,
        notes=row.notes or "",
        created_utc=_aware(row.created_utc),
        id=row.id,
    )


def check_runner_code(code: str) -> str:
    """The code as stored (surrounding spaces dropped).

    Raises
    ------
    BadRunnerCode
        When it is empty or longer than :data:`MAX_CODE_CHARS`.
    """
    code = code.strip()
    if not code:
        raise BadRunnerCode("a runner needs a code (any text that identifies them)")
    if len(code) > MAX_CODE_CHARS:
        raise BadRunnerCode(f"a runner code is at most {MAX_CODE_CHARS} characters")
    return code


def _ensure_runner(conn: Connection, code: str, height_cm: float | None, notes: str | None) -> int:
    code = check_runner_code(code)
    found = conn.execute(sa.select(runners.c.id).where(runners.c.code == code)).scalar()
    if found is None:
        try:
            # A savepoint: another process may create the same new runner at the same time
            # (on servers with row locking), and then its row is the one to use.
            with conn.begin_nested():
                found = conn.execute(
                    sa.insert(runners).values(
                        code=code,
                        height_cm=height_cm,
                        notes=notes or "",
                        created_utc=datetime.now(UTC),
                    )
                ).inserted_primary_key[0]
        except IntegrityError:
            found = conn.execute(sa.select(runners.c.id).where(runners.c.code == code)).scalar_one()
        return int(found)
    changes: dict[str, Any] = {}
    if height_cm is not None:
        changes["height_cm"] = height_cm
    if notes is not None:
        changes["notes"] = notes
    if changes:
        conn.execute(sa.update(runners).where(runners.c.id == found).values(**changes))
    return int(found)


def _delete_sessions(conn: Connection, ids: Sequence[int]) -> None:
    # Children first, explicitly: no reliance on ON DELETE CASCADE being enforced.
    if not ids:
        return
    conn.execute(sa.delete(session_clips).where(session_clips.c.session_id.in_(ids)))
    conn.execute(sa.delete(findings).where(findings.c.session_id.in_(ids)))
    conn.execute(sa.delete(metric_summaries).where(metric_summaries.c.session_id.in_(ids)))
    conn.execute(sa.delete(sessions).where(sessions.c.id.in_(ids)))


def _load_sessions(conn: Connection, rows: Sequence[Any]) -> list[SessionRecord]:
    ids = [r.id for r in rows]
    metrics: dict[int, list[MetricSummary]] = {i: [] for i in ids}
    found: dict[int, list[FindingSummary]] = {i: [] for i in ids}
    clips: dict[int, list[SessionClipRecord]] = {i: [] for i in ids}
    if ids:
        q = sa.select(session_clips).where(session_clips.c.session_id.in_(ids))
        for c in conn.execute(q.order_by(session_clips.c.position)):
            clips[c.session_id].append(
                SessionClipRecord(
                    c.position, c.clip_path, c.clip_sha256, c.view, c.status, c.error,
                    c.result_dir, dict(c.files or {}),
                )
            )  # fmt: skip
        for m in conn.execute(
            sa.select(metric_summaries)
            .where(metric_summaries.c.session_id.in_(ids))
            .order_by(metric_summaries.c.id)
        ):
            metrics[m.session_id].append(
                MetricSummary(m.metric, m.unit, m.median, m.spread_iqr, m.n_strides, m.confidence)
            )
        for f in conn.execute(
            sa.select(findings).where(findings.c.session_id.in_(ids)).order_by(findings.c.rank)
        ):
            found[f.session_id].append(
                FindingSummary(
                    f.rank, f.finding_id, f.title, f.severity, f.metric, f.value, f.unit, f.side,
                    f.confidence,
                )
            )  # fmt: skip
    return [
        SessionRecord(
            runner=r.code,
            recorded_utc=_aware(r.recorded_utc),  # type: ignore[arg-type]
            clip_path=r.clip_path,
            clip_sha256=r.clip_sha256,
            view=r.view,
            settings=r.settings,
            gaitlab_version=r.gaitlab_version,
            result_dir=r.result_dir,
            result_sha256=r.result_sha256,
            pose_series_path=r.pose_series_path,
            pose_series_sha256=r.pose_series_sha256,
            files=dict(r.files or {}),
            physio_notes=r.physio_notes or "",
            metrics=tuple(metrics[r.id]),
            findings=tuple(found[r.id]),
            clips=tuple(clips[r.id]),
            id=r.id,
        )
        for r in rows
    ]


def _remove_session_files(
    folder: Path, names: Iterable[str]
) -> tuple[list[Path], list[Path], list[str]]:
    """Delete a session's own files from its folder, then the folder if nothing else is in it."""
    removed: list[Path] = []
    kept: list[str] = []
    for name in dict.fromkeys([*names, *LATER_FILES]):
        path = folder / Path(name).name  # names only: never a path outside the folder
        try:
            if path.is_file() or path.is_symlink():
                path.unlink()
                removed.append(path)
        except OSError as exc:
            kept.append(f"{path} ({exc.strerror or exc})")
    dirs: list[Path] = []
    if folder.is_dir():
        left = [p.name for p in folder.iterdir()]
        if left:
            kept.append(
                f"{folder} (holds files gaitlab did not write: {', '.join(sorted(left)[:5])})"
            )
        else:
            try:
                folder.rmdir()
                dirs.append(folder)
            except OSError as exc:
                kept.append(f"{folder} ({exc.strerror or exc})")
    return removed, dirs, kept


def _remove_runner_folders(removed_dirs: Sequence[Path], code: str) -> tuple[list[Path], list[str]]:
    """Remove the runner's folder of saved results (the parent of their session folders).

    Only a parent named :func:`runner_folder_name` of this runner: a result folder's parent
    elsewhere (``--out`` folders) is never touched. Copies a killed save left half-done
    (hidden ``.<name>.partial-*`` / ``.old-*`` folders, see :mod:`gaitlab.store.archive`) are
    this runner's data too and go first; anything else keeps the folder (and is reported).
    """
    gone: list[Path] = []
    kept: list[str] = []
    name = runner_folder_name(code)
    for parent in dict.fromkeys(d.parent for d in removed_dirs):
        if parent.name != name or not parent.is_dir():
            continue
        for child in parent.iterdir():
            if child.is_dir() and re.fullmatch(r"\..+\.(partial|old)-[0-9a-f]{8}", child.name):
                shutil.rmtree(child, ignore_errors=True)
        left = sorted(p.name for p in parent.iterdir())
        if left:
            kept.append(f"{parent} (holds files gaitlab did not write: {', '.join(left[:5])})")
            continue
        try:
            parent.rmdir()
            gone.append(parent)
        except OSError as exc:
            kept.append(f"{parent} ({exc.strerror or exc})")
    return gone, kept


def open_store(store: str | os.PathLike[str] | URL | None = None) -> SessionStore:
    """Open the result store, creating or migrating its schema to the newest version.

    Parameters
    ----------
    store
        A SQLAlchemy URL or a path (a SQLite file); None = ``$GAITLAB_STORE`` or the default
        SQLite file in the user's data folder (see :mod:`gaitlab.store.location`).

    Raises
    ------
    StoreError
        The database cannot be reached or was made by a newer gaitlab.
    """
    url = store if isinstance(store, URL) else resolve_store_url(store)
    engine = create_engine(url)
    path = sqlite_file(url)
    # Processes opening a new SQLite file at once race to switch it to WAL and to migrate
    # it; SQLite can refuse one of them at once ("database is locked", without waiting out
    # the busy timeout: seen in the two-writer test under load). One at a time instead.
    lock = (
        FileLock(f"{path}.lock", timeout=SQLITE_BUSY_TIMEOUT_S)
        if path is not None
        else contextlib.nullcontext()
    )
    try:
        with lock:
            migrate.upgrade(engine)
    except LockTimeout:
        engine.dispose()
        raise StoreError(
            f"cannot open the result store {display_url(url)}: another process kept it locked "
            f"for {SQLITE_BUSY_TIMEOUT_S:.0f} s"
        ) from None
    except StoreError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StoreError(f"cannot open the result store {display_url(url)}: {first}") from None
    return SessionStore(engine)
