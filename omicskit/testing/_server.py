"""``FakeServices``: every fake service on one loopback port, standard library only.

One :class:`http.server.ThreadingHTTPServer` bound to ``127.0.0.1:0`` serves
all services under path prefixes (see :data:`~._app.PREFIXES`); the paths
below each prefix are the real services' paths, so pointing omicskit's base
URLs at :attr:`FakeServices.urls` is all a test has to do.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ._app import CONFIG_FIELDS, PREFIXES, FakeApp
from ._catalog import Catalog
from ._http import Request
from ._log import LogEntry

__all__ = ["FakeServices"]

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "omicskit-fake/1.0"
    timeout = 30
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake %s - %s", self.address_string(), format % args)

    def _serve(self) -> None:
        app = self.server.app
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            service, path, query = FakeApp.split(self.path)
            req = Request(self.command, service, path, query, body, dict(self.headers.items()), self.client_address[0])
            resp = app.handle(req)
            delay = app.latency_for(service)
            if delay:
                time.sleep(delay)
            if resp.transport == "reset":
                # Abort: RST instead of FIN, no response at all.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            payload = resp.body
            self.send_response(resp.status)
            for key, value in resp.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            if resp.transport == "truncate":
                payload = payload[: len(payload) // 2]
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            self.wfile.flush()
        except (ConnectionError, TimeoutError, OSError) as exc:
            log.debug("fake: connection dropped: %s", exc)
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, app: FakeApp) -> None:
        self.app = app
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def wake_connections(self) -> None:
        """Unblock handler threads waiting on idle keep-alive connections."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class FakeServices:
    """A faithful fake of GEO, E-utilities and the literature APIs over real HTTP on 127.0.0.1.

    ``latency``: ``None``, seconds for every service, a ``{service: seconds}``
    dict (key ``"literature"`` covers all literature APIs) or ``"benchmark"``.
    ``rate_limit``: NCBI's E-utilities limit (3/s, 10/s with ``api_key``; 429 above).
    ``faults``/``fault_kinds``/``seed``: deterministic fault injection.
    ``replicas``: add N copies of real series (GSE9000001…) for benchmarks.
    """

    def __init__(
        self,
        *,
        latency: Mapping[str, float] | str | float | None = None,
        rate_limit: bool = True,
        faults: float = 0.0,
        fault_kinds: tuple[str, ...] | list[str] | None = None,
        seed: int = 0,
        replicas: int = 0,
    ) -> None:
        self.catalog = Catalog.base().with_replicas(replicas)
        self.app = FakeApp(
            self.catalog, latency=latency, rate_limit=rate_limit, faults=faults, fault_kinds=fault_kinds, seed=seed
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def benchmark(cls, **kwargs: Any) -> FakeServices:
        """The benchmark preset: E-utilities 0.25 s, accession viewer 0.15 s, mirror 0.10 s, literature 0.1 s."""
        kwargs.setdefault("latency", "benchmark")
        return cls(**kwargs)

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> FakeServices:
        """Bind a free loopback port and serve in a daemon thread (idempotent)."""
        if self._server is None:
            self._server = _Server(self.app)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="omicskit-fake", daemon=True
            )
            self._thread.start()
            log.debug("omicskit fake services on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and close every socket (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.wake_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeServices:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- addresses ------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeServices is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def urls(self) -> dict[str, str]:
        """omicskit ``Config`` field → base URL on this server."""
        return {CONFIG_FIELDS[s]: self.base_url + prefix for s, prefix in PREFIXES.items()}

    def config_overrides(self) -> dict[str, str]:
        """Keyword arguments for ``Config(...)``/``Session(...)`` pointing every service here."""
        return dict(self.urls)

    def config(self, **kwargs: Any) -> Any:
        """An ``omicskit.config.Config`` pointing at this server (extra fields via ``kwargs``)."""
        from ..config import Config

        return Config(**{**self.urls, **kwargs})

    def env(self) -> dict[str, str]:
        """``OMICSKIT_*_URL`` environment variables (for subprocess tests)."""
        return {f"OMICSKIT_{field.upper()}": url for field, url in self.urls.items()}

    # -- observation ------------------------------------------------------------
    @property
    def log(self) -> list[LogEntry]:
        """Snapshot of the request log."""
        return self.app.log.entries

    def stats(self) -> dict[str, Any]:
        """Per-endpoint counts, ``served_429``, ``faults_served``, ``max_per_second`` per service, ``total``."""
        return self.app.log.stats()

    def reset_log(self) -> None:
        self.app.log.reset()

    def reset_rate_limit(self) -> None:
        self.app.limiter.reset()

    @property
    def replicas(self) -> dict[str, str]:
        """Replica accession → the real series it copies."""
        return self.catalog.replicas()

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        return f"<FakeServices {where} series={len(self.catalog.series)}>"
