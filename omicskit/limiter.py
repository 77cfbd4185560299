"""Rate limiters shared by every task and thread of a process.

NCBI asks for at most 3 E-utilities requests per second per IP (10 with an
API key) and at most 50 per second on ``/geo/``; literature hosts state
their own limits. omicskit keeps **one limiter per host group and identity
for the whole process** (:func:`shared_limiter`), so two sessions in one
notebook do not double the rate.

:class:`SpacingLimiter` is a GCRA ("virtual scheduling") limiter: each
``acquire`` reserves the next free slot, spaced ``1/rate`` seconds apart,
after an initial burst of ``burst`` slots. With ``burst=1`` and a rate below
3/s no sliding 1-second window can ever hold more than 3 grants. With ``window=W`` the limiter also makes grant *n* wait until
grant *n - burst* is ``W`` seconds old: E-utilities use bursts of 3 (10 with
a key) per 1.25 s, which stays within NCBI's "3 per second" even when
connection set-up or network jitter shifts arrivals by up to 250 ms. Hand-written
rather than aiolimiter because aiolimiter's leaky bucket allows a full-capacity
burst at start and is bound to one event loop; this one is loop-agnostic and
thread-safe (a ``threading.Lock`` guards the arithmetic, sleeping happens
outside it).

A cross-process variant lives in :mod:`omicskit.redis_limiter`.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["RateLimiter", "SpacingLimiter", "shared_limiter"]


@runtime_checkable
class RateLimiter(Protocol):
    """Anything with an awaitable ``acquire()`` and ``aclose()``."""

    rate: float

    async def acquire(self) -> None: ...

    async def aclose(self) -> None: ...


class SpacingLimiter:
    """Grant at most ``rate`` calls per second, ``burst`` of them back to back."""

    def __init__(self, rate: float, burst: int = 1, *, window: float = 0.0, name: str = "") -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = float(rate)
        self.burst = max(1, int(burst))
        self.window = max(0.0, float(window))
        self.name = name
        self._interval = 1.0 / self.rate
        self._tat = 0.0  # theoretical arrival time of the next free slot
        # with a window: the last `burst` grant times; grant n waits until grant n-burst is `window` old
        self._recent: collections.deque[float] = collections.deque(maxlen=self.burst)
        self._lock = threading.Lock()
        self.granted = 0
        self.waited = 0.0

    def reserve(self) -> float:
        """Reserve a slot; return how long the caller must sleep before using it."""
        with self._lock:
            now = time.monotonic()
            tat = max(self._tat, now)
            allowed_at = max(now, tat - (self.burst - 1) * self._interval)
            if self.window and len(self._recent) == self.burst:
                allowed_at = max(allowed_at, self._recent[0] + self.window)
            if self.window:
                self._recent.append(allowed_at)
            self._tat = max(tat, allowed_at) + self._interval
            self.granted += 1
            wait = allowed_at - now
            self.waited += wait
            return wait

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)

    def set_rate(self, rate: float) -> None:
        """Change the rate (e.g. from a service's ``x-rate-limit-*`` headers)."""
        if rate <= 0:
            raise ValueError("rate must be > 0")
        with self._lock:
            self.rate = float(rate)
            self._interval = 1.0 / self.rate

    def penalize(self, seconds: float) -> None:
        """Push every future slot back (after a 429 with ``Retry-After``)."""
        with self._lock:
            self._tat = max(self._tat, time.monotonic() + seconds)

    async def aclose(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"SpacingLimiter(name={self.name!r}, rate={self.rate:g}/s, burst={self.burst})"


_REGISTRY: dict[tuple[str, str, float, int, float], SpacingLimiter] = {}
_REGISTRY_LOCK = threading.Lock()


def shared_limiter(
    group: str, rate: float, burst: int = 1, *, window: float = 0.0, identity: str | None = None
) -> SpacingLimiter:
    """The process-wide limiter for *group* (e.g. ``"eutils"``) and identity.

    *identity* is hashed (it may be an API key), so the registry never holds a
    secret in clear text. Limits are per IP without a key and per key with
    one, so sessions with different keys get different limiters.
    """
    ident = hashlib.sha256(identity.encode()).hexdigest()[:12] if identity else "ip"
    key = (group, ident, float(rate), int(burst), float(window))
    with _REGISTRY_LOCK:
        limiter = _REGISTRY.get(key)
        if limiter is None:
            limiter = _REGISTRY[key] = SpacingLimiter(rate, burst, window=window, name=group)
        return limiter
