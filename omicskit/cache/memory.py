"""An in-process LRU cache backend.

:class:`MemoryBackend` keeps entries in an :class:`~collections.OrderedDict`
ordered from least to most recently used, each with its own expiry on the
monotonic clock (immune to wall-clock jumps). Nothing survives the process;
use it for tests, short scripts, or as a fast layer in front of a shared
cache.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from .base import KEY_PREFIX, BaseBackend

__all__ = ["MemoryBackend"]


class MemoryBackend(BaseBackend):
    """Least-recently-used in-memory cache with a TTL per entry.

    Parameters
    ----------
    max_items:
        Upper bound on the number of entries; storing more evicts the least
        recently used ones first.
    """

    name = "memory"

    def __init__(self, max_items: int = 100_000) -> None:
        super().__init__()
        if max_items < 1:
            raise ValueError("max_items must be >= 1")
        self.max_items = max_items
        #: key -> (value, monotonic deadline or None)
        self._data: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()

    def __repr__(self) -> str:
        return f"MemoryBackend(max_items={self.max_items}, items={len(self._data)})"

    async def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        now = time.monotonic()
        data = self._data
        found: dict[str, bytes] = {}
        for key in keys:
            entry = data.get(key)
            if entry is None:
                continue
            value, deadline = entry
            if deadline is not None and deadline <= now:
                del data[key]
                continue
            data.move_to_end(key)
            found[key] = value
        return found

    async def _set_many(self, items: dict[str, bytes], ttl: float | None) -> None:
        if ttl is not None and ttl <= 0:  # already expired: storing it would only hide a miss
            await self._delete_many(list(items))
            return
        deadline = None if ttl is None else time.monotonic() + ttl
        data = self._data
        for key, value in items.items():
            data[key] = (bytes(value), deadline)
            data.move_to_end(key)
        while len(data) > self.max_items:
            data.popitem(last=False)

    async def _delete_many(self, keys: list[str]) -> int:
        now = time.monotonic()
        count = 0
        for key in keys:
            entry = self._data.pop(key, None)
            if entry is not None and (entry[1] is None or entry[1] > now):
                count += 1
        return count

    async def _clear(self, prefix: str) -> int:
        now = time.monotonic()
        doomed = [key for key in self._data if key.startswith(prefix)]
        count = 0
        for key in doomed:
            _value, deadline = self._data.pop(key)
            if deadline is None or deadline > now:
                count += 1
        return count

    async def _size(self) -> tuple[int, int]:
        now = time.monotonic()
        items = size = 0
        for key, (value, deadline) in self._data.items():
            if key.startswith(KEY_PREFIX) and (deadline is None or deadline > now):
                items += 1
                size += len(value)
        return items, size

    async def _close(self) -> None:
        self._data.clear()
