"""Nothing leaves the machine during an analysis, checked at the system-call level.

MediaPipe's native library has a usage logger that resolves ``play.googleapis.com`` when a
landmarker is closed; :mod:`gaitlab.pose.sandbox` confines the model's threads so that the
lookup fails before a packet is written. These tests trace every process and thread of a
real ``gaitlab analyze`` (fresh pose cache, real inference) with strace and read the log.
"""

from __future__ import annotations

import os
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from gaitlab.pose.sandbox import deny_network_in_this_thread, network_sandbox
from tests.conftest import REPO
from tests.syscalls import (
    contacts,
    programs_started,
    refused_sockets,
    run_traced,
    strace_path,
    violations,
)

needs_strace = pytest.mark.skipif(
    strace_path() is None and os.environ.get("CI") != "true",
    reason="strace is not installed (apt-get install strace; .ci/run installs it)",
)
needs_sandbox = pytest.mark.skipif(network_sandbox() is not None, reason=str(network_sandbox()))

SAMPLE = REPO / "sample_videos" / "synth_rear_normal.mp4"
GAITLAB = [sys.executable, "-m", "gaitlab"]

LOG = """\
101 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3
101 connect(3, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0
102 connect(6, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0
103 connect(7, {sa_family=AF_INET, sin_port=htons(8501), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
104 sendto(8, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = 1
105 sendto(9, "ok", 2, 0, NULL, 0) = 2
106 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = -1 EACCES (Permission denied)
107 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0
"""  # noqa: E501  (strace's own lines)


def test_log_reader_on_known_lines() -> None:
    found = contacts(LOG)
    assert [(c.call, c.address, c.port) for c in found] == [
        ("connect", "10.255.255.53", 53),
        ("connect", "127.0.0.1", 8501),
        ("sendto", "2001:db8::1", 443),
        ("connect", "127.0.0.53", 53),
    ]
    # A DNS query is a violation even to a local resolver; a local web socket is not.
    assert [(c.address, c.port) for c in violations(LOG)] == [
        ("10.255.255.53", 53),
        ("2001:db8::1", 443),
        ("127.0.0.53", 53),
    ]
    assert len(refused_sockets(LOG)) == 1
    execs = '9 execve("/sbin/ldconfig", ["/sbin/ldconfig", "-p"], 0x7f /* 2 vars */) = 0\n'
    assert programs_started(execs) == ["/sbin/ldconfig"]


@needs_strace
def test_trace_sees_lookups_and_connections(tmp_path) -> None:
    """The harness catches what it must: a DNS lookup and a connection, from Python."""
    code = textwrap.dedent(
        """
        import socket
        for target in (("play.googleapis.com", 443), ("192.0.2.1", 9)):
            try:
                socket.create_connection(target, timeout=0.2).close()
            except OSError:
                pass
        """
    )
    log = tmp_path / "trace.log"
    run_traced([sys.executable, "-c", code], log, timeout=60)
    seen = violations(log.read_text())
    assert any(c.is_dns for c in seen), log.read_text()[-2000:]
    assert any(c.address == "192.0.2.1" and c.port == 9 for c in seen)


@needs_sandbox
def test_confined_thread_cannot_open_internet_sockets() -> None:
    import socket

    outcome: dict[str, object] = {}

    def confined() -> None:
        deny_network_in_this_thread()
        try:
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
            outcome["inet"] = "opened"
        except PermissionError:
            outcome["inet"] = "refused"
        a, b = socket.socketpair()  # local sockets still work
        a.close(), b.close()

    thread = threading.Thread(target=confined)
    thread.start()
    thread.join()
    assert outcome == {"inet": "refused"}
    # The calling thread is not confined.
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()


@pytest.mark.integration
@needs_strace
@needs_sandbox
def test_analysis_sends_nothing(tmp_path) -> None:
    """Fresh cache, real inference, every output, faces blurred: nothing leaves the machine."""
    log = tmp_path / "trace.log"
    env = {**os.environ, "GAITLAB_CACHE_DIR": str(tmp_path / "cache")}
    done = run_traced(
        # --blur-faces: the face detector is a MediaPipe model too, with the same logger.
        [
            *GAITLAB,
            "analyze",
            str(SAMPLE),
            "--out",
            str(tmp_path / "out"),
            "--no-cache",
            "--blur-faces",
        ],
        log,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = log.read_text()
    assert violations(text) == [], violations(text)
    # MediaPipe's logger did try, and the sandbox refused it: the trace covers its threads.
    assert refused_sockets(text), "no refused socket(): did the pose model run confined?"
    # Loading MediaPipe no longer probes for a sound library with ldconfig, gcc and ld.
    started = {Path(p).name for p in programs_started(text)}
    assert not started & {"ldconfig", "gcc", "collect2", "ld"}, sorted(started)
    # The CLI's output is gaitlab's own: no native log lines from MediaPipe.
    assert "INFO:" not in done.stderr and "accelerator" not in done.stderr, done.stderr
    result = (tmp_path / "out" / "result.json").read_text()
    assert "seccomp" in result  # provenance says how the model was confined
