"""The cache backend protocol and a base class with counters.

A backend stores opaque ``bytes`` under string keys with a TTL per entry and
answers in batches: one round trip for ``get_many`` / ``set_many`` (Redis
``MGET`` + pipeline, one diskcache transaction). Keys are built by
:func:`make_key` (``omicskit:v1:<kind>:<id>``); bumping :data:`FORMAT_VERSION`
makes every older entry invisible rather than misread.

Backends subclass :class:`BaseBackend` and implement the ``_``-prefixed hooks;
the base class keeps hit/miss/error counters so every backend reports the
same :meth:`~BaseBackend.stats` keys.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "FORMAT_VERSION",
    "KEY_PREFIX",
    "TTL",
    "BaseBackend",
    "CacheBackend",
    "make_key",
]

FORMAT_VERSION = "v1"
KEY_PREFIX = f"omicskit:{FORMAT_VERSION}:"

DAY = 86_400.0
#: Time to live per kind of record, in seconds.
TTL: dict[str, float] = {
    "docsum": 30 * DAY,
    "soft-gsm": 30 * DAY,
    "soft-gse": 30 * DAY,
    "soft-family": 30 * DAY,
    "platform": 30 * DAY,
    "gds": 30 * DAY,
    "matrix": 30 * DAY,
    "files": 30 * DAY,
    "filelist": 30 * DAY,
    "search": 1 * DAY,
    "elink": 7 * DAY,
    "literature": 7 * DAY,
    "pubmed": 7 * DAY,
    "idconv": 7 * DAY,
    "unpaywall": 7 * DAY,
    "europepmc": 7 * DAY,
    "crossref": 7 * DAY,
    "arxiv": 7 * DAY,
    "biorxiv": 7 * DAY,
}


def make_key(kind: str, ident: str) -> str:
    """``omicskit:v1:<kind>:<ident>`` — the only way keys are built."""
    return f"{KEY_PREFIX}{kind}:{ident}"


@runtime_checkable
class CacheBackend(Protocol):
    """What a cache backend must offer. All I/O methods are coroutines."""

    name: str

    async def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        """Values of the keys that are present and not expired (others absent)."""

    async def set_many(self, items: Mapping[str, bytes], ttl: float | None = None) -> None:
        """Store all *items* with the same TTL (seconds; ``None`` = no expiry)."""

    async def delete_many(self, keys: Iterable[str]) -> int:
        """Delete keys; return how many existed."""

    async def clear(self, prefix: str = KEY_PREFIX) -> int:
        """Delete every omicskit key starting with *prefix*; return the count."""

    async def stats(self) -> dict[str, Any]:
        """At least ``hits, misses, hit_rate, items, bytes, errors``."""

    async def close(self) -> None:
        """Release connections/files. Idempotent."""


class BaseBackend(abc.ABC):
    """Counters and argument handling shared by every backend."""

    name = "base"

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self.errors = 0
        self.closed = False

    # -- public API -----------------------------------------------------------------
    async def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        if not keys:
            return {}
        found = await self._get_many(list(keys))
        self.hits += len(found)
        self.misses += len(keys) - len(found)
        return found

    async def set_many(self, items: Mapping[str, bytes], ttl: float | None = None) -> None:
        if items:
            await self._set_many(dict(items), ttl)

    async def delete_many(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        return await self._delete_many(keys) if keys else 0

    async def clear(self, prefix: str = KEY_PREFIX) -> int:
        return await self._clear(prefix)

    async def stats(self) -> dict[str, Any]:
        total = self.hits + self.misses
        items, size = await self._size()
        return {
            "backend": self.name,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": (self.hits / total) if total else 0.0,
            "items": items,
            "bytes": size,
            "errors": self.errors,
        }

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self._close()

    # -- hooks ----------------------------------------------------------------------
    @abc.abstractmethod
    async def _get_many(self, keys: list[str]) -> dict[str, bytes]: ...

    @abc.abstractmethod
    async def _set_many(self, items: dict[str, bytes], ttl: float | None) -> None: ...

    @abc.abstractmethod
    async def _delete_many(self, keys: list[str]) -> int: ...

    @abc.abstractmethod
    async def _clear(self, prefix: str) -> int: ...

    @abc.abstractmethod
    async def _size(self) -> tuple[int, int]:
        """(items, bytes) currently stored under :data:`KEY_PREFIX`."""

    async def _close(self) -> None:
        return None
