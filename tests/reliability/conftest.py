"""Helpers shared by the reliability tests: loopback sockets held by this process."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

_CLOSED_STATES = {"06", "07"}  # TIME_WAIT, CLOSE (no descriptor behind them)


def socket_inodes() -> set[str]:
    """Inodes of every socket this process holds a descriptor for."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


def client_sockets_to(port: int) -> int:
    """How many TCP sockets of this process are connected *to* ``127.0.0.1:port``
    (client side; the fake's own accepted sockets have it as local port)."""
    mine = socket_inodes()
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] not in _CLOSED_STATES and fields[9] in mine:
                count += 1
    return count


@pytest.fixture
def sockets_to() -> Callable[[int], int]:
    """``sockets_to(port)``: open client sockets of this process to a loopback port."""
    return client_sockets_to
