"""Watch what a whole process tree does on the network, at the system-call level.

``strace -f`` follows every process and thread (MediaPipe's native threads included, which a
Python-level socket patch cannot see) and logs the network system calls. :func:`violations`
reads that log and lists every DNS query (anything sent to port 53, local resolver or not)
and every connection or datagram to an address that is not this machine's loopback.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Network system calls strace is asked for (``%network`` without the noisy get/setsockopt).
#: ``execve`` too, to see which programs a run starts.
TRACED = "socket,connect,sendto,sendmsg,sendmmsg,bind,accept,accept4,execve"

_IPV4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
_IPV6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"')
_CALL = re.compile(r"^(?:\d+\s+)?(?:[\d:.]+\s+)?(\w+)\(")
_OUTBOUND = {"connect", "sendto", "sendmsg", "sendmmsg"}


@dataclass(frozen=True)
class Contact:
    """One outbound system call with a destination address."""

    call: str
    address: str
    port: int
    line: str

    @property
    def is_dns(self) -> bool:
        """Sent to a name server's port."""
        return self.port == 53

    @property
    def is_local(self) -> bool:
        """Loopback (127.0.0.0/8, ::1, or an IPv4-mapped loopback)."""
        ip = ipaddress.ip_address(self.address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return ip.is_loopback


def contacts(log: str) -> list[Contact]:
    """Every outbound call in an strace log that names an IPv4/IPv6 destination."""
    found = []
    for line in log.splitlines():
        call = _CALL.match(line)
        if call is None or call.group(1) not in _OUTBOUND:
            continue
        for pattern in (_IPV4, _IPV6):
            for port, address in pattern.findall(line):
                found.append(Contact(call.group(1), address, int(port), line.strip()))
    return found


def violations(log: str) -> list[Contact]:
    """DNS queries and contacts with anything but loopback, in log order."""
    return [c for c in contacts(log) if c.is_dns or not c.is_local]


def refused_sockets(log: str) -> list[str]:
    """``socket()`` calls for an internet family that the kernel refused with EACCES."""
    return [
        line.strip()
        for line in log.splitlines()
        if re.search(r"socket\(AF_INET6?,.*= -1 EACCES", line)
    ]


def programs_started(log: str) -> list[str]:
    """Paths of the programs successfully started with ``execve``, in log order."""
    return re.findall(r'execve\("([^"]+)",.*= 0$', log, flags=re.MULTILINE)


def strace_path() -> str | None:
    """The strace binary, or None."""
    return shutil.which("strace")


def traced(argv: Sequence[str], log: Path) -> list[str]:
    """``argv`` wrapped so that strace logs its network calls (all processes) to ``log``."""
    strace = strace_path()
    if strace is None:
        raise FileNotFoundError("strace is not installed (apt-get install strace)")
    return [
        strace,
        "-f",
        "-qq",
        "-e",
        f"trace={TRACED}",
        "-e",
        "signal=none",
        "-o",
        str(log),
        *argv,
    ]


def run_traced(argv: Sequence[str], log: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run ``argv`` to completion under strace; ``kwargs`` go to :func:`subprocess.run`."""
    return subprocess.run(traced(argv, log), capture_output=True, text=True, **kwargs)
