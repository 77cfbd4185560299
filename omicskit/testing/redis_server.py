"""A throwaway ``redis-server`` for tests.

>>> with RedisServer() as server:          # doctest: +SKIP
...     backend = RedisBackend(server.url)

The server runs in the foreground as a child process on a free loopback
port, without persistence, with its working directory and log in a
temporary directory that is removed on exit. The executable comes from
``$OMICSKIT_REDIS_SERVER`` or ``PATH``; when there is none a
:class:`RuntimeError` is raised (tests must fail loudly, never skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["RedisServer", "find_redis_server", "free_port"]

_NOT_FOUND = "redis-server not found; install Debian's redis-server"


def find_redis_server() -> str:
    """Path of the ``redis-server`` executable (``$OMICSKIT_REDIS_SERVER`` first)."""
    candidate = os.environ.get("OMICSKIT_REDIS_SERVER") or shutil.which("redis-server")
    if not candidate or not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
        raise RuntimeError(_NOT_FOUND)
    return candidate


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """Start ``redis-server`` on entry, stop it and delete its files on exit.

    Parameters
    ----------
    port:
        Port to listen on; ``None`` picks a free one. Passing the port of a
        stopped server lets a test bring "the same" Redis back.
    executable:
        Path of ``redis-server``; default :func:`find_redis_server`.
    startup_timeout:
        Seconds to wait for the first ``PONG``.
    """

    def __init__(
        self, port: int | None = None, *, executable: str | None = None, startup_timeout: float = 10.0
    ) -> None:
        self.executable = executable or find_redis_server()
        self._pick_port = port is None
        self.port = port if port is not None else free_port()
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.directory: Path | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __repr__(self) -> str:
        return f"RedisServer(url={self.url!r}, running={self.running})"

    def start(self) -> RedisServer:
        """Start the server (again, after :meth:`stop`) and wait for ``PING``.

        A port picked by :func:`free_port` can be taken by someone else before
        redis binds it; then another port is tried (three attempts).
        """
        if self.running:
            return self
        for attempt in range(3):
            try:
                return self._start_once()
            except RuntimeError:
                if not self._pick_port or attempt == 2 or self.proc is not None:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")  # pragma: no cover

    def _start_once(self) -> RedisServer:
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="omicskit-redis-"))
        log = self.directory / "redis.log"
        args = [
            self.executable,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.directory),
            "--logfile", str(log),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                self.proc = None
                raise RuntimeError(f"redis-server exited with status {code} on port {self.port}:\n{tail}")
            if _ping(self.port):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"redis-server did not answer PING on port {self.port} within {self.startup_timeout} s"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (terminate, then kill); the temp dir is kept for a restart."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        """Stop the server and remove its temporary directory."""
        self.stop()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> RedisServer:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
