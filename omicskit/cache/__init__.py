"""Per-item caches for omicskit: diskcache (default), memory, Redis, none.

``open_backend(spec)`` builds a backend from ``Config.cache``; every backend
implements :class:`CacheBackend` and reports the same ``stats()``.
:class:`RedisBackend` is loaded on first access so that importing
``omicskit.cache`` never imports redis-py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import TTL, BaseBackend, CacheBackend, make_key
from .disk import DiskBackend
from .factory import NullBackend, open_backend
from .memory import MemoryBackend

if TYPE_CHECKING:
    from .redis import RedisBackend

__all__ = [
    "TTL",
    "BaseBackend",
    "CacheBackend",
    "DiskBackend",
    "MemoryBackend",
    "NullBackend",
    "RedisBackend",
    "make_key",
    "open_backend",
]


def __getattr__(name: str) -> Any:
    if name == "RedisBackend":
        from .redis import RedisBackend

        return RedisBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
