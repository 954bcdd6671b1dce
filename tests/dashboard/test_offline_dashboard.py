"""The dashboard stays private wherever it is started: no statistics, no outside contact.

``gaitlab dashboard`` is started from a folder that is not the checkout, and whose own
``.streamlit/config.toml`` turns usage statistics on (as a user's or an older Streamlit's
defaults would), under strace, and drives a real analysis from headless Chromium. Every
system call of the server's processes and threads is checked (no DNS query, no contact with
anything but loopback), and so is every request the page makes. A control run of plain
``streamlit run app.py`` with statistics on shows that the page check does see them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.dashboard.test_browser import CHROMIUM, REPO, SAMPLE, chromium, upload, wait_healthy
from tests.syscalls import refused_sockets, strace_path, traced, violations

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

ANALYSIS_TIMEOUT_MS = 600_000


@pytest.fixture(autouse=True)
def _needs_tools() -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    if strace_path() is None:
        pytest.skip("needs strace (apt-get install strace)")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(argv: list[str], port: int, cwd: Path, log: Path) -> Iterator[str]:
    """Run a dashboard command under strace in ``cwd``; yields its URL."""
    env = {
        **os.environ,
        "GAITLAB_CACHE_DIR": str(cwd / "pose-cache"),
        "GAITLAB_DASHBOARD_VIDEO": "0",  # the video encoder opens no sockets; saves minutes
        "TMPDIR": str(cwd),
    }
    out = (cwd / "server.log").open("w")
    proc = subprocess.Popen(
        traced(argv, log), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, timeout_s=120)
        yield f"http://127.0.0.1:{port}/"
    finally:
        # Stop the traced server, not strace (strace would detach and leave it running).
        children = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        for pid in children:
            os.kill(int(pid), signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        out.close()


def _hosts(urls: list[str]) -> set[str]:
    return {urlsplit(u).hostname or "" for u in urls if not u.startswith(("data:", "blob:"))}


def test_dashboard_from_another_folder_contacts_nobody(tmp_path: Path) -> None:
    port = _free_port()
    hostile = tmp_path / ".streamlit"
    hostile.mkdir()
    (hostile / "config.toml").write_text("[browser]\ngatherUsageStats = true\n")
    log = tmp_path / "trace.log"
    argv = [sys.executable, "-m", "gaitlab", "dashboard", "--port", str(port)]
    requests: list[str] = []
    with serving(argv, port, tmp_path, log) as url, chromium(tmp_path / "profile", 60_000) as ctx:
        page = ctx.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("gaitlab: running-gait analysis").wait_for()
        upload(page, SAMPLE, "arch.mp4")
        page.get_by_role("button", name="Analyse").click()
        page.get_by_text("What we found").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        time.sleep(2)  # let the page finish its requests
    text = log.read_text()
    assert violations(text) == [], violations(text)
    # The analysis really ran in the traced server, with the pose model confined.
    assert refused_sockets(text), "no refused socket(): did the server run the pose model?"
    assert _hosts(requests) == {"127.0.0.1"}, sorted(_hosts(requests))


def test_page_check_sees_usage_statistics(tmp_path: Path) -> None:
    """Control: with statistics on (Streamlit's own default), the page reaches outside."""
    port = _free_port()
    argv = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "true",
    ]  # fmt: skip
    requests: list[str] = []
    with serving(argv, port, tmp_path, tmp_path / "trace.log") as url:
        with chromium(tmp_path / "profile", 60_000) as ctx:
            page = ctx.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_text("gaitlab: running-gait analysis").wait_for()
            deadline = time.monotonic() + 20
            while _hosts(requests) == {"127.0.0.1"} and time.monotonic() < deadline:
                page.wait_for_timeout(500)
    assert _hosts(requests) - {"127.0.0.1"}, "usage statistics on, yet no outside request seen"
