"""A shared cache on a Redis server (for a team or a JupyterHub).

:class:`RedisBackend` uses redis-py's asyncio client: a batch read is one
``MGET``, a batch write one non-transactional pipeline of ``SET key value EX
ttl`` (``PX`` when the TTL is not a whole number of seconds), so either costs a
single round trip.

The cache is an optimisation, never a point of failure: when Redis is
unreachable at start or goes away mid-session, :meth:`get_many` answers misses
and :meth:`set_many` drops the writes, one warning goes to the
``omicskit.cache`` logger per outage, :attr:`errors` counts the failed calls,
and the server is tried again at most once every ``retry_interval`` seconds.

redis-py is an optional dependency (``pip install 'omicskit[redis]'``); it is
imported when a backend is created, never when this module is imported.

A backend belongs to the event loop that first uses it (asyncio connections
cannot move between loops): use and :meth:`close` it in that loop, as the
session does on its background loop. Used from another loop it starts a new
client, abandoning the old connections.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConfigError
from .base import KEY_PREFIX, BaseBackend

__all__ = ["RedisBackend", "fail_fast_client", "import_redis", "redact_url"]

log = logging.getLogger("omicskit.cache")

#: Keys per MGET / UNLINK / pipeline chunk (keeps single replies bounded).
_BATCH = 10_000
_SCAN_COUNT = 1_000
_INSTALL_HINT = "the Redis cache needs redis-py: pip install 'omicskit[redis]'"


def import_redis() -> Any:
    """Import ``redis.asyncio``, or raise :class:`~omicskit.errors.ConfigError`
    with the install hint when redis-py is missing."""
    try:
        import redis.asyncio as aioredis
    except ImportError as exc:
        raise ConfigError(_INSTALL_HINT) from exc
    return aioredis


def redact_url(url: str) -> str:
    """*url* with any password replaced by ``***`` (safe for logs and reprs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def _glob_escape(text: str) -> str:
    """Escape Redis ``MATCH`` pattern metacharacters."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def _chunks(seq: list[str], size: int = _BATCH) -> list[list[str]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def fail_fast_client(aioredis: Any, url: str, socket_timeout: float) -> Any:
    """A ``redis.asyncio`` client that fails at once instead of retrying with
    backoff: callers answer a cache miss (or wait locally) and try Redis again
    later, so a dead server never stalls a batch."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return aioredis.Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=False,
    )


class RedisBackend(BaseBackend):
    """Cache entries in Redis, shared by every process that uses the same URL.

    Parameters
    ----------
    url:
        ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or
        ``unix:///path/to/socket``.
    prefix:
        Prepended to every key in Redis, to keep several caches in one
        database apart (keys seen by callers do not include it).
    socket_timeout:
        Seconds to wait for a connection or a reply before counting an error.
    retry_interval:
        Seconds to leave Redis alone after a connection failure.
    """

    name = "redis"

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        prefix: str = "",
        socket_timeout: float = 5,
        *,
        retry_interval: float = 30.0,
    ) -> None:
        super().__init__()
        self._aioredis = import_redis()
        self.url = url
        self.prefix = prefix
        self.socket_timeout = socket_timeout
        self.retry_interval = retry_interval
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._down_until = 0.0  # monotonic time before which Redis is not tried
        self._outage = False  # a warning was logged for the current outage

    def __repr__(self) -> str:
        return f"RedisBackend(url={redact_url(self.url)!r}, prefix={self.prefix!r})"

    # -- connection handling ----------------------------------------------------------
    def _get_client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is not loop:
            # Connections are bound to the loop that opened them.
            log.debug("RedisBackend used from a new event loop; opening a new client")
            self._client = None
        if self._client is None:
            self._client = fail_fast_client(self._aioredis, self.url, self.socket_timeout)
            self._loop = loop
        return self._client

    def _available(self) -> bool:
        if self._down_until and time.monotonic() < self._down_until:
            self.errors += 1
            return False
        return True

    def _failed(self, what: str, exc: BaseException) -> None:
        self.errors += 1
        self._down_until = time.monotonic() + self.retry_interval
        if not self._outage:
            self._outage = True
            log.warning(
                "Redis cache %s unavailable (%s during %s: %s); continuing without it, retrying every %.0f s",
                redact_url(self.url),
                type(exc).__name__,
                what,
                exc,
                self.retry_interval,
            )
        else:
            log.debug("Redis cache still unavailable (%s: %s)", type(exc).__name__, exc)

    def _succeeded(self) -> None:
        if self._outage:
            self._outage = False
            self._down_until = 0.0
            log.info("Redis cache %s reachable again", redact_url(self.url))

    @property
    def _errors(self) -> tuple[type[BaseException], ...]:
        return (self._aioredis.RedisError, OSError, asyncio.TimeoutError)

    # -- hooks ----------------------------------------------------------------------
    async def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        if not self._available():
            return {}
        unique = list(dict.fromkeys(keys))
        p = self.prefix
        found: dict[str, bytes] = {}
        try:
            client = self._get_client()
            for chunk in _chunks(unique):
                values = await client.mget([p + k for k in chunk])
                found.update((k, v) for k, v in zip(chunk, values, strict=True) if v is not None)
        except self._errors as exc:
            self._failed("get", exc)
            return {}
        self._succeeded()
        return found

    async def _set_many(self, items: dict[str, bytes], ttl: float | None) -> None:
        if ttl is not None and ttl <= 0:
            await self._delete_many(list(items))
            return
        if not self._available():
            return
        ex: int | None = None
        px: int | None = None
        if ttl is not None:
            if float(ttl).is_integer():
                ex = int(ttl)
            else:
                px = max(1, math.ceil(ttl * 1000))
        p = self.prefix
        try:
            client = self._get_client()
            keys = list(items)
            for chunk in _chunks(keys):
                async with client.pipeline(transaction=False) as pipe:
                    for key in chunk:
                        pipe.set(p + key, bytes(items[key]), ex=ex, px=px)
                    await pipe.execute()
        except self._errors as exc:
            self._failed("set", exc)
            return
        self._succeeded()

    async def _delete_many(self, keys: list[str]) -> int:
        if not self._available():
            return 0
        unique = list(dict.fromkeys(keys))
        count = 0
        try:
            client = self._get_client()
            for chunk in _chunks(unique):
                count += int(await client.unlink(*[self.prefix + k for k in chunk]))
        except self._errors as exc:
            self._failed("delete", exc)
            return count
        self._succeeded()
        return count

    async def _scan(self, client: Any, prefix: str) -> Any:
        pattern = _glob_escape(self.prefix + prefix) + "*"
        batch: list[bytes] = []
        async for key in client.scan_iter(match=pattern, count=_SCAN_COUNT):
            batch.append(key)
            if len(batch) >= _SCAN_COUNT:
                yield batch
                batch = []
        if batch:
            yield batch

    async def _clear(self, prefix: str) -> int:
        """``SCAN MATCH <prefix>*`` and ``UNLINK`` every batch of 1000 keys."""
        if not self._available():
            return 0
        count = 0
        try:
            client = self._get_client()
            async for batch in self._scan(client, prefix):
                count += int(await client.unlink(*batch))
        except self._errors as exc:
            self._failed("clear", exc)
            return count
        self._succeeded()
        return count

    async def _size(self) -> tuple[int, int]:
        """Items and payload bytes under :data:`KEY_PREFIX`.

        Exact rather than sampled: ``SCAN`` the keys and sum ``STRLEN`` of
        each batch in one pipeline (bytes of values, as the other backends
        report, not Redis' per-key overhead from ``MEMORY USAGE``). Costs a
        round trip per 1000 keys, fine for ``stats()``.
        """
        if not self._available():
            return 0, 0
        items = size = 0
        try:
            client = self._get_client()
            async for batch in self._scan(client, KEY_PREFIX):
                async with client.pipeline(transaction=False) as pipe:
                    for key in batch:
                        pipe.strlen(key)
                    lengths = await pipe.execute()
                items += len(batch)
                size += sum(int(n) for n in lengths)
        except self._errors as exc:
            self._failed("stats", exc)
            return 0, 0
        self._succeeded()
        return items, size

    async def _close(self) -> None:
        client, loop = self._client, self._loop
        self._client = self._loop = None
        if client is None:
            return
        if loop is not asyncio.get_running_loop():
            # Its connections belong to another (usually closed) loop and
            # cannot be awaited from here; close in the loop that used it.
            log.debug("RedisBackend closed outside its event loop; connections abandoned")
            return
        errors: tuple[type[BaseException], ...] = (*self._errors, RuntimeError)
        try:
            await client.aclose(close_connection_pool=True)
        except errors as exc:  # pragma: no cover - best effort
            log.debug("closing the Redis client failed: %s", exc)
