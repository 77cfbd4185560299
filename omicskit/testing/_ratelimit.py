"""NCBI's E-utilities rate limit: a sliding one-second window per client.

Without ``api_key`` a client (IP) may make 3 requests per second, with a key
10 (counted per key). Only accepted requests fill the window, so a client that
backs off recovers at once; the rejected request is reported as ``count``.
"""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["SlidingWindowLimiter"]


class SlidingWindowLimiter:
    """Thread-safe sliding-window limiter keyed by client identity."""

    def __init__(self, limit_without_key: int = 3, limit_with_key: int = 10, window: float = 1.0) -> None:
        self.limit_without_key = limit_without_key
        self.limit_with_key = limit_with_key
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def limit_for(self, api_key: str | None) -> int:
        return self.limit_with_key if api_key else self.limit_without_key

    def check(self, client: str, api_key: str | None, now: float | None = None) -> tuple[bool, int, int]:
        """Record one request; returns (allowed, count in window incl. this one, limit)."""
        now = time.monotonic() if now is None else now
        key = f"key:{api_key}" if api_key else f"ip:{client}"
        limit = self.limit_for(api_key)
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            count = len(hits) + 1
            if count > limit:
                return False, count, limit
            hits.append(now)
            return True, count, limit

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
