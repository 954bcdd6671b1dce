"""Run the pose model's native code where it cannot reach the network.

MediaPipe's native library (1.2.x on PyPI) carries a usage-statistics logger that posts to
``play.googleapis.com`` when a task is closed: it resolves that host and would send data
to a third party from any machine with internet access. MediaPipe offers no switch for it
(no option of the Tasks API, no environment variable), so gaitlab makes sure no packet
can leave instead:

* every call into MediaPipe (building the landmarker, each frame, closing it) runs on one
  dedicated thread, :class:`NoNetworkThread`;
* that thread first installs a Linux seccomp filter on itself which makes ``socket()``
  fail with ``EACCES`` for every address family except ``AF_UNIX`` (local sockets), and
  ``io_uring_setup()`` fail too (io_uring can open sockets without ``socket()``);
* Linux threads inherit the filter of the thread that creates them and a filter can
  never be removed, so MediaPipe's own threads, all started while the landmarker is
  built on that thread, are covered as well. The rest of gaitlab's process is not: a
  PostgreSQL result store or a Ray cluster still works.

With the filter the logger's DNS lookup fails before any packet is written. The test
``tests/test_offline.py`` traces the system calls of a whole analysis (every process
and thread, with ``strace -f``) and checks that no DNS query is sent and no connection
other than a local socket is opened.

Where the filter cannot be installed (not Linux, an unknown CPU architecture, seccomp
disabled in a container), the model still runs, a warning is logged once and the result's
provenance records why (``pose.network_sandbox``); docs/privacy.md says what that means.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import platform
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: Provenance value when the pose model ran confined.
CONFINED = "seccomp: no socket but AF_UNIX for the pose model's threads"

#: Per CPU architecture: (AUDIT_ARCH value seccomp reports, number of socket(2)).
#: io_uring_setup(2) is 425 on both (the generic syscall table).
_ARCHES = {
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
_NR_IO_URING_SETUP = 425
#: x32 system calls on x86_64 carry this bit; none of ours does, so any is refused.
_X32_SYSCALL_BIT = 0x40000000
_AF_UNIX = 1

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000

# Classic BPF opcodes.
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K

# Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6].
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(audit_arch: int, nr_socket: int) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jump-if-true, jump-if-false, k) rows; jumps count rows skipped."""
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    # Rows: 0 load arch; 1 other arch -> deny; 2 load nr; 3 x32 -> deny;
    # 4 io_uring_setup -> deny; 5 not socket -> allow; 6 load the family;
    # 7 AF_UNIX -> allow; 8 deny; 9 allow.
    return [
        (_LD_W_ABS, 0, 0, _OFF_ARCH),
        (_JEQ_K, 0, 6, audit_arch),
        (_LD_W_ABS, 0, 0, _OFF_NR),
        (_JGE_K, 4, 0, _X32_SYSCALL_BIT),
        (_JEQ_K, 3, 0, _NR_IO_URING_SETUP),
        (_JEQ_K, 0, 3, nr_socket),
        (_LD_W_ABS, 0, 0, _OFF_ARG0),
        (_JEQ_K, 1, 0, _AF_UNIX),
        (_RET_K, 0, 0, deny),
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
    ]


def network_sandbox() -> str | None:
    """Why this machine cannot confine the pose model, or None when it can.

    Returns
    -------
    str or None
        None on Linux x86_64/aarch64 (the filter is installed per thread when a model
        is built; that step reports its own failure); otherwise a short reason.
    """
    if not sys.platform.startswith("linux"):
        return f"the network sandbox needs Linux (this is {sys.platform})"
    if platform.machine() not in _ARCHES:
        return f"the network sandbox does not know the {platform.machine()} architecture"
    return None


def deny_network_in_this_thread() -> None:
    """Install the seccomp filter on the calling thread (and every thread it starts).

    After this call ``socket()`` fails with ``EACCES`` for any family but ``AF_UNIX`` in
    this thread and its descendants, for the rest of their lives. Other threads of the
    process are unaffected.

    Raises
    ------
    OSError
        When the platform has no seccomp or the kernel refuses the filter.
    """
    reason = network_sandbox()
    if reason is not None:
        raise OSError(errno.ENOSYS, reason)
    audit_arch, nr_socket = _ARCHES[platform.machine()]
    rows = _program(audit_arch, nr_socket)
    filters = (_SockFilter * len(rows))(*(_SockFilter(*row) for row in rows))
    prog = _SockFprog(len(rows), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    # Without no_new_privs an unprivileged thread may not install a filter.
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"prctl(PR_SET_NO_NEW_PRIVS) failed: {errno.errorcode.get(code)}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"seccomp filter refused: {errno.errorcode.get(code)}")


class NoNetworkThread:
    """One thread, confined by :func:`deny_network_in_this_thread`, that runs calls in turn.

    The thread starts at the first :meth:`call` and inherits the CPU affinity its caller
    has at that moment (as threads started by the caller would). If the filter cannot be
    installed the calls still run, unconfined: :attr:`status` says why and a warning is
    logged.

    Parameters
    ----------
    name
        Thread name (shown by ``top -H`` and in tracebacks).
    """

    def __init__(self, name: str = "gaitlab-pose-model") -> None:
        self._ready = threading.Event()
        self._status = CONFINED
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name, initializer=self._confine)

    def _confine(self) -> None:
        try:
            deny_network_in_this_thread()
        except OSError as exc:
            self._status = f"unconfined: {exc.strerror or exc}"
            logger.warning(
                "the pose model runs without the network sandbox (%s): MediaPipe's "
                "usage logger may try to reach play.googleapis.com",
                exc.strerror or exc,
            )
        finally:
            self._ready.set()

    @property
    def status(self) -> str:
        """:data:`CONFINED`, or ``"unconfined: <reason>"`` (valid after the first call)."""
        self._ready.wait()
        return self._status

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        """Queue ``fn(*args)`` on the confined thread; its future."""
        return self._pool.submit(fn, *args)

    def call(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` on the confined thread and return its result (or raise)."""
        return self.submit(fn, *args).result()

    def close(self) -> None:
        """Stop the thread once its calls are done."""
        self._pool.shutdown(wait=True)
