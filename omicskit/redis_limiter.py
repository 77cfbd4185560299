"""A rate limiter shared by several processes through Redis.

NCBI's limit is per IP (or per API key), not per process: four notebook
kernels, or the workers of a JupyterHub, each running a process-local
:class:`~omicskit.limiter.SpacingLimiter` at 2.8/s would together send 11
requests a second. :class:`RedisRateLimiter` keeps the schedule in Redis
instead, so every process that uses the same URL and ``name`` shares one
budget.

The algorithm is GCRA (the "generic cell rate algorithm", a leaky bucket
expressed as one timestamp): Redis stores the *theoretical arrival time*
(TAT) of the next free slot. A Lua script, run atomically on the server and
reading the server clock (``TIME``, so clients' clocks do not matter), grants
the call when ``TAT - (capacity - 1) * interval <= now`` and moves the TAT one
emission interval (``1 / rate``) later; otherwise it answers how long to wait,
and the client sleeps that long and asks again. With the default capacity of
1, two grants are always at least ``1 / rate`` apart on the server clock, so a
sliding 1-second window holds at most ``ceil(rate)`` grants when ``rate`` is
not an integer (3 at 2.8/s) — NCBI's "no more than 3 per second".

If Redis cannot be reached the limiter logs one warning to
``omicskit.limiter`` and falls back to a local limiter at the same rate
(never raising), trying Redis again at most every ``retry_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from .cache.redis import fail_fast_client, import_redis, redact_url
from .limiter import SpacingLimiter

__all__ = ["GCRA_SCRIPT", "RedisRateLimiter"]

log = logging.getLogger("omicskit.limiter")

#: KEYS[1] = TAT key; ARGV = interval µs, burst tolerance µs, penalty µs.
#: Returns 0 when the call is granted, else the microseconds to wait.
GCRA_SCRIPT = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local penalty = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local dirty = false
if penalty > 0 and now + penalty > tat then
  tat = now + penalty
  dirty = true
end
local allowed_at = tat - tolerance
if allowed_at > now then
  if dirty then
    redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
  end
  return math.ceil(allowed_at - now)
end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return 0
"""


class RedisRateLimiter:
    """At most ``rate`` grants per second across every process sharing *url* and *name*.

    Parameters
    ----------
    url:
        Redis URL (``redis://``, ``rediss://``, ``unix://``).
    name:
        Which budget to share (``"eutils"``, or one per API key).
    rate:
        Grants per second.
    capacity:
        Grants allowed back to back after an idle period (GCRA burst);
        ``None`` means 1, which keeps every two grants ``1/rate`` apart.
    socket_timeout:
        Seconds to wait for Redis before falling back to the local limiter.
    retry_interval:
        Seconds between attempts to reach Redis again after a failure.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str = "eutils",
        rate: float = 2.8,
        capacity: int | None = None,
        socket_timeout: float = 5.0,
        retry_interval: float = 30.0,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self._aioredis = import_redis()
        self.url = url
        self.name = name
        self.rate = float(rate)
        self.capacity = 1 if capacity is None else max(1, int(capacity))
        self.socket_timeout = socket_timeout
        self.retry_interval = retry_interval
        self.key = f"omicskit:limiter:v1:{name}"
        self._interval_us = max(1, round(1_000_000 / self.rate))
        self._local = SpacingLimiter(self.rate, self.capacity, name=name)
        self._client: Any = None
        self._script: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._down_until = 0.0
        self._outage = False
        self._penalty = 0.0
        self.granted = 0
        self.waited = 0.0
        self.errors = 0
        self.closed = False

    def __repr__(self) -> str:
        return f"RedisRateLimiter(url={redact_url(self.url)!r}, name={self.name!r}, rate={self.rate:g}/s)"

    def _get_script(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is not loop:
            self._client = self._script = None  # connections belong to the old loop
        if self._client is None:
            self._client = fail_fast_client(self._aioredis, self.url, self.socket_timeout)
            # EVALSHA, loading the script again after NOSCRIPT (server restart).
            self._script = self._client.register_script(GCRA_SCRIPT)
            self._loop = loop
        return self._script

    async def _ask_redis(self, penalty: float) -> float | None:
        """Microseconds → seconds to wait (0 = granted), or ``None`` if Redis failed."""
        try:
            script = self._get_script()
            wait_us = await script(
                keys=[self.key],
                args=[self._interval_us, (self.capacity - 1) * self._interval_us, round(penalty * 1_000_000)],
            )
        except (self._aioredis.RedisError, OSError, asyncio.TimeoutError) as exc:
            self.errors += 1
            self._down_until = time.monotonic() + self.retry_interval
            if not self._outage:
                self._outage = True
                log.warning(
                    "Redis rate limiter %s unavailable (%s: %s); limiting %r locally at %g/s",
                    redact_url(self.url),
                    type(exc).__name__,
                    exc,
                    self.name,
                    self.rate,
                )
            return None
        if self._outage:
            self._outage = False
            log.info("Redis rate limiter %s reachable again", redact_url(self.url))
        return int(wait_us) / 1_000_000

    async def acquire(self) -> None:
        """Wait until the shared budget grants one call."""
        while True:
            if self._down_until and time.monotonic() < self._down_until:
                await self._local.acquire()
                self.granted += 1
                return
            penalty, self._penalty = self._penalty, 0.0
            wait = await self._ask_redis(penalty)
            if wait is None:
                continue  # now marked down: the local limiter takes over
            if wait <= 0:
                self.granted += 1
                return
            self.waited += wait
            await asyncio.sleep(wait)

    def set_rate(self, rate: float) -> None:
        """Change the rate (takes effect from the next grant, for this process's requests)."""
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = float(rate)
        self._interval_us = max(1, round(1_000_000 / self.rate))
        self._local.set_rate(rate)

    def penalize(self, seconds: float) -> None:
        """Push every future slot back by *seconds* (after a 429), for all processes.

        Applied locally at once and sent to Redis with the next :meth:`acquire`.
        """
        self._penalty = max(self._penalty, float(seconds))
        self._local.penalize(seconds)

    async def aclose(self) -> None:
        """Close the Redis connections. Idempotent."""
        self.closed = True
        client, loop = self._client, self._loop
        self._client = self._script = self._loop = None
        if client is None:
            return
        if loop is not asyncio.get_running_loop():
            log.debug("RedisRateLimiter closed outside its event loop; connections abandoned")
            return
        try:
            await client.aclose(close_connection_pool=True)
        except (self._aioredis.RedisError, OSError, asyncio.TimeoutError, RuntimeError) as exc:  # pragma: no cover
            log.debug("closing the Redis limiter client failed: %s", exc)
