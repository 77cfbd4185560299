"""The transport: the only module that imports httpx.

One bounded ``httpx.AsyncClient`` per session; a rate limiter per host group;
retries with exponential backoff and full jitter on 429, 5xx, timeouts and
connection resets, honouring ``Retry-After``; a circuit breaker per host;
validation of every body (:mod:`omicskit._validate`); and the single place
where httpx exceptions are translated into the :class:`OmicsKitError` tree.

Retries are written here instead of using tenacity/stamina because they are
entangled with the limiter (a 429 pushes back every waiting request), the
breaker and body validation (a 200 with an error body is retried as well);
a generic decorator would need all three passed in anyway.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import _validate
from ._version import __version__
from .config import Config
from .errors import (
    BodyValidationError,
    CircuitOpenError,
    HTTPStatusError,
    NotFoundError,
    OfflineError,
    OmicsKitError,
    RateLimitError,
    RemoteError,
    SessionClosedError,
    TransportError,
)
from .limiter import RateLimiter, SpacingLimiter
from .redact import redact

__all__ = ["CircuitBreaker", "Response", "Transport"]

logger = logging.getLogger("omicskit.transport")

EXPECT_KINDS = ("bytes", "json", "soft", "gzip", "text", "xml")
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_IDENTITY_GROUPS = {"eutils", "idconv"}


@dataclass
class Response:
    """A validated answer."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    attempts: int = 1
    data: Any = None  # parsed JSON when expect="json"


@dataclass
class CircuitBreaker:
    """Opens after *threshold* consecutive failures; half-opens after *reset* s."""

    threshold: int = 8
    reset: float = 30.0
    failures: int = 0
    opened_at: float | None = None
    trips: int = field(default=0)

    def check(self, host: str) -> None:
        if self.opened_at is None:
            return
        if time.monotonic() - self.opened_at >= self.reset:
            self.opened_at = None  # half-open: let the next request through
            self.failures = self.threshold - 1
            return
        raise CircuitOpenError(f"circuit open for {host} after {self.failures} consecutive failures")

    def record(self, ok: bool) -> None:
        if ok:
            self.failures = 0
            self.opened_at = None
            return
        self.failures += 1
        if self.failures >= self.threshold and self.opened_at is None:
            self.opened_at = time.monotonic()
            self.trips += 1


class Transport:
    """Polite, bounded, validating HTTP for one session.

    *limiters* maps a host group (``"eutils"``, ``"geo"``, ``"ftp"``,
    ``"crossref"``, ...) to a :class:`~omicskit.limiter.RateLimiter`;
    groups without one are not limited. *http_transport* is the test seam:
    any ``httpx.AsyncBaseTransport`` (e.g. a respx mock).
    """

    def __init__(
        self,
        config: Config,
        limiters: Mapping[str, RateLimiter] | None = None,
        *,
        offline: bool = False,
        http_transport: Any = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.limiters: dict[str, RateLimiter] = dict(limiters or {})
        self.offline = offline
        if http_transport is not None and not hasattr(http_transport, "handle_async_request"):
            # a respx MockRouter (or any object with an async handler): wrap it
            handler = getattr(http_transport, "async_handler", None) or getattr(http_transport, "handler", None)
            if handler is None:
                raise TypeError("http_transport must be an httpx transport or a respx router")
            http_transport = httpx.MockTransport(handler)
        self._http_transport = http_transport
        self._client: httpx.AsyncClient | None = None
        self._closed = False
        self._sleep = sleep
        self._breakers: dict[str, CircuitBreaker] = {}
        self._secrets = config.secrets()
        self.stats: dict[str, int] = {"requests": 0, "retries": 0, "rate_limited": 0, "failures": 0, "bytes": 0}

    # -- lifecycle -------------------------------------------------------------------
    def _get_client(self) -> httpx.AsyncClient:
        if self._closed:
            raise SessionClosedError("the session is closed")
        if self._client is None:
            cfg = self.config
            _install_log_redaction(self._secrets)
            verify: Any = cfg.verify
            if cfg.ca_bundle:  # httpx deprecates a path for verify=; give it an SSLContext
                bundle = Path(cfg.ca_bundle)
                verify = ssl.create_default_context(
                    cafile=str(bundle) if bundle.is_file() else None, capath=str(bundle) if bundle.is_dir() else None
                )
            contact = f"; mailto:{cfg.email}" if cfg.email else ""
            self._client = httpx.AsyncClient(
                headers={"User-Agent": f"omicskit/{__version__} (+https://pypi.org/project/omicskit{contact})"},
                timeout=httpx.Timeout(cfg.read_timeout, connect=cfg.connect_timeout),
                limits=httpx.Limits(max_connections=cfg.max_connections, max_keepalive_connections=cfg.max_connections),
                verify=verify,
                follow_redirects=True,
                transport=self._http_transport,
                trust_env=self._http_transport is None,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client. Idempotent."""
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    @property
    def closed(self) -> bool:
        return self._closed

    def breaker(self, url: str) -> CircuitBreaker:
        host = urlsplit(url).netloc
        if host not in self._breakers:
            self._breakers[host] = CircuitBreaker(self.config.breaker_threshold, self.config.breaker_reset)
        return self._breakers[host]

    # -- requests --------------------------------------------------------------------
    async def get(
        self, url: str, *, group: str, params: Mapping[str, Any] | None = None, expect: str = "bytes"
    ) -> Response:
        return await self.request("GET", url, group=group, params=params, expect=expect)

    async def post(self, url: str, *, group: str, data: Mapping[str, Any], expect: str = "bytes") -> Response:
        return await self.request("POST", url, group=group, data=data, expect=expect)

    async def request(
        self,
        method: str,
        url: str,
        *,
        group: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: str = "bytes",
    ) -> Response:
        """Send one logical request, retrying transient failures; validate the body."""
        if expect not in EXPECT_KINDS:
            raise ValueError(f"expect must be one of {EXPECT_KINDS}")
        if self.offline:
            raise OfflineError(f"offline mode: refusing to fetch {self.redact(url)}")
        params, data = self._with_identity(group, params, data)
        breaker = self.breaker(url)
        attempts = 0
        while True:
            attempts += 1
            try:
                breaker.check(urlsplit(url).netloc)
                self._get_client()  # build the client (TLS context) before taking a rate-limit slot
                await self._acquire(group)
                response = await self._send_once(method, url, params=params, data=data, headers=headers, expect=expect)
            except OmicsKitError as exc:
                transient = exc.retryable and not isinstance(exc, CircuitOpenError)
                breaker.record(not transient)
                if isinstance(exc, RateLimitError):
                    self.stats["rate_limited"] += 1
                    self._penalize(group, exc.retry_after or 1.0)
                if not exc.retryable or attempts > self.config.retries:
                    self.stats["failures"] += 1
                    raise
                delay = self._backoff(attempts, getattr(exc, "retry_after", None))
                self.stats["retries"] += 1
                logger.debug("retry %d for %s in %.2fs: %s", attempts, self.redact(url), delay, self.redact(str(exc)))
                await self._sleep(delay)
                continue
            breaker.record(True)
            response.attempts = attempts
            return response

    async def _send_once(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        expect: str,
    ) -> Response:
        client = self._get_client()
        self.stats["requests"] += 1
        try:
            r = await client.request(method, url, params=params, data=data, headers=headers)
            content = r.content
        except httpx.HTTPError as exc:
            raise exc_to(exc, self) from None
        self.stats["bytes"] += len(content)
        final_url = self.redact(str(r.url))
        status = r.status_code
        if status == 429:
            raise RateLimitError(
                f"HTTP 429 from {final_url}: {content[:200].decode('utf-8', 'replace')}",
                retry_after=_retry_after(r.headers.get("retry-after")),
                status=429,
                url=final_url,
            )
        if status >= 400:
            err: RemoteError
            if _validate.is_html(content) and status not in (404, 410):
                err = _validate.classify_html(content, final_url)
                err.status = status
            elif status in (404, 410):
                err = NotFoundError(f"HTTP {status}: not found at {final_url}", status=status, url=final_url)
            else:
                err = HTTPStatusError(
                    f"HTTP {status} from {final_url}", status=status, url=final_url, retryable=status in _RETRY_STATUS
                )
            err.retry_after = _retry_after(r.headers.get("retry-after"))
            raise err
        response = Response(url=final_url, status=status, headers=r.headers, content=content)
        self._validate(response, expect)
        return response

    def _validate(self, response: Response, expect: str) -> None:
        body, url = response.content, response.url
        if expect == "json":
            response.data = _validate.parse_json_body(body, url)
        elif expect == "soft":
            _validate.require_soft(body, url)
        elif expect == "gzip":
            _validate.check_gzip(body, url, max_bytes=self.config.max_decompressed_bytes)
        elif expect in ("text", "xml") and _validate.is_html(body):
            raise _validate.classify_html(body, url)

    # -- downloads -------------------------------------------------------------------
    async def download(
        self,
        url: str,
        dest: Path,
        *,
        group: str = "ftp",
        expected_size: int | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> int:
        """Stream *url* into ``dest.with_suffix(".part")``, resuming with HTTP
        Range when a partial file exists, then rename to *dest*. Returns bytes."""
        if self.offline:
            raise OfflineError(f"offline mode: refusing to download {self.redact(url)}")
        part = dest.with_name(dest.name + ".part")
        attempts = 0
        while True:
            attempts += 1
            try:
                await self._acquire(group)
                size = await self._download_once(url, part, on_bytes)
                if expected_size is not None and size != expected_size:
                    part.unlink(missing_ok=True)
                    raise BodyValidationError(
                        f"size mismatch for {self.redact(url)}: got {size} bytes, expected {expected_size}",
                        url=self.redact(url),
                        retryable=True,
                    )
                os.replace(part, dest)
                return size
            except OmicsKitError as exc:
                if not exc.retryable or attempts > self.config.retries:
                    self.stats["failures"] += 1
                    raise
                self.stats["retries"] += 1
                await self._sleep(self._backoff(attempts, getattr(exc, "retry_after", None)))

    async def _download_once(self, url: str, part: Path, on_bytes: Callable[[int], None] | None) -> int:
        client = self._get_client()
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        self.stats["requests"] += 1
        try:
            async with client.stream("GET", url, headers=headers) as r:
                if r.status_code == 416:  # nothing left to fetch
                    return have
                if r.status_code >= 400:
                    await r.aread()
                    cls = NotFoundError if r.status_code == 404 else HTTPStatusError
                    raise cls(
                        f"HTTP {r.status_code} for {self.redact(url)}",
                        status=r.status_code,
                        url=self.redact(url),
                        retryable=r.status_code in _RETRY_STATUS,
                    )
                mode = "ab" if (have and r.status_code == 206) else "wb"
                total = have if mode == "ab" else 0
                with open(part, mode) as fh:
                    async for chunk in r.aiter_bytes():
                        fh.write(chunk)
                        total += len(chunk)
                        self.stats["bytes"] += len(chunk)
                        if on_bytes:
                            on_bytes(len(chunk))
                return total
        except httpx.HTTPError as exc:
            raise exc_to(exc, self) from None

    # -- helpers ---------------------------------------------------------------------
    def _with_identity(
        self, group: str, params: Mapping[str, Any] | None, data: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        p = dict(params) if params is not None else None
        d = dict(data) if data is not None else None
        if group in _IDENTITY_GROUPS:
            target = d if d is not None else (p if p is not None else {})
            for key, value in self.config.identity_params().items():
                target.setdefault(key, value)
            if d is None and p is None:
                p = target
        return p, d

    async def _acquire(self, group: str) -> None:
        limiter = self.limiters.get(group)
        if limiter is not None:
            await limiter.acquire()

    def _penalize(self, group: str, seconds: float) -> None:
        limiter = self.limiters.get(group)
        if isinstance(limiter, SpacingLimiter):
            limiter.penalize(min(seconds, self.config.backoff_max))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cfg = self.config
        ceiling = min(cfg.backoff_max, cfg.backoff_base * (2 ** (attempt - 1)))
        delay = random.uniform(cfg.backoff_base / 2, ceiling)  # full jitter, never zero
        if retry_after is not None:
            delay = max(delay, min(retry_after, cfg.backoff_max))
        return delay

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)


def exc_to(exc: Exception, transport: Transport) -> OmicsKitError:
    """Translate an httpx exception (the one boundary)."""
    url = ""
    request = getattr(exc, "_request", None)
    if request is not None:
        url = transport.redact(str(request.url))
    if isinstance(exc, httpx.TimeoutException):
        return TransportError(f"timeout ({type(exc).__name__}) for {url}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransportError(f"connection closed early or truncated body from {url}: {transport.redact(str(exc))}")
    if isinstance(exc, httpx.DecodingError):
        return BodyValidationError(f"undecodable body from {url}: {exc}", url=url, retryable=True)
    if isinstance(exc, httpx.TransportError):
        return TransportError(f"{type(exc).__name__} for {url}: {transport.redact(str(exc))}")
    return RemoteError(f"{type(exc).__name__}: {transport.redact(str(exc))}", url=url, retryable=False)


class _RedactFilter(logging.Filter):
    """Scrubs secrets from httpx/httpcore log records (their request lines carry the query string)."""

    def __init__(self) -> None:
        super().__init__("omicskit-redact")
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(str(a), self.secrets) if isinstance(a, (str, httpx.URL)) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg, self.secrets)
        return True


_REDACT_FILTER = _RedactFilter()


def _install_log_redaction(secrets: tuple[str, ...]) -> None:
    """Attach the redacting filter to httpx's loggers (once) and teach it *secrets*."""
    _REDACT_FILTER.secrets.update(secrets)
    for name in ("httpx", "httpcore"):
        log = logging.getLogger(name)
        if _REDACT_FILTER not in log.filters:
            log.addFilter(_REDACT_FILTER)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())
