"""Fixtures of the store's tests: stores on SQLite and PostgreSQL, result folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.postgres import URL_ENV, fresh_database, throwaway_cluster


@pytest.fixture(autouse=True)
def _no_user_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's own store: the default store is a file in the test's folder."""
    monkeypatch.setenv("GAITLAB_STORE", str(tmp_path / "default-store.sqlite"))


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL server: ``$GAITLAB_TEST_POSTGRES_URL`` or a throwaway local cluster.

    Skips (with the reason) when neither is available; under CI (``CI=true``) a given URL that
    does not answer is a failure, not a skip.
    """
    import sqlalchemy as sa

    given = os.environ.get(URL_ENV)
    if given:
        engine = sa.create_engine(given)
        try:
            with engine.connect():
                pass
        except Exception as exc:
            message = f"{URL_ENV}={given} does not answer: {str(exc).splitlines()[0]}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        finally:
            engine.dispose()
        yield given
        return
    try:
        cluster = throwaway_cluster()
        url = cluster.__enter__()
    except RuntimeError as exc:
        pytest.skip(f"no PostgreSQL server for the store tests: {exc} (set {URL_ENV})")
    try:
        yield url
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database."""
    with fresh_database(postgres_admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store on each database gaitlab supports."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return request.getfixturevalue("postgres_url")
