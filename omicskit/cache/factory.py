"""Turn a cache *spec* (``Config.cache``) into a backend.

========================================  =======================================
spec                                      backend
========================================  =======================================
``None``, ``"default"``                   :class:`DiskBackend` at the default dir
``False``, ``"none"``, ``"off"``          :class:`NullBackend` (no caching)
``"memory"``                              :class:`MemoryBackend`
a path (``str`` or ``os.PathLike``)       :class:`DiskBackend` in that directory
``redis://…``, ``rediss://…``, ``unix://…``  :class:`RedisBackend`
an object with the backend protocol       returned unchanged
========================================  =======================================
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import ConfigError
from .base import BaseBackend, CacheBackend

__all__ = ["ACCEPTED_SPECS", "NullBackend", "open_backend"]

ACCEPTED_SPECS = (
    'None or "default" (disk cache in the user cache dir), False/"none"/"off" (no cache), "memory", '
    'a directory path, "redis://…"/"rediss://…"/"unix://…", or a CacheBackend instance'
)
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class NullBackend(BaseBackend):
    """Stores nothing; every read is a miss. ``cache=False`` selects it."""

    name = "null"

    def __repr__(self) -> str:
        return "NullBackend()"

    async def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        return {}

    async def _set_many(self, items: dict[str, bytes], ttl: float | None) -> None:
        return None

    async def _delete_many(self, keys: list[str]) -> int:
        return 0

    async def _clear(self, prefix: str) -> int:
        return 0

    async def _size(self) -> tuple[int, int]:
        return 0, 0


def open_backend(spec: Any = None) -> CacheBackend:
    """The cache backend described by *spec* (see the module docstring).

    Raises :class:`~omicskit.errors.ConfigError` for anything else, and when a
    Redis URL is given but redis-py is not installed.
    """
    if spec is None:
        from .disk import DiskBackend

        return DiskBackend()
    if spec is False:
        return NullBackend()
    if isinstance(spec, str):
        text = spec.strip()
        word = text.lower()
        if word == "default":
            from .disk import DiskBackend

            return DiskBackend()
        if word in ("none", "off"):
            return NullBackend()
        if word == "memory":
            from .memory import MemoryBackend

            return MemoryBackend()
        if word.startswith(_REDIS_SCHEMES):
            from .redis import RedisBackend

            return RedisBackend(text)
        if "://" in text or not text:
            raise ConfigError(f"invalid cache spec {spec!r}; accepted: {ACCEPTED_SPECS}")
    if isinstance(spec, str | os.PathLike):
        from .disk import DiskBackend

        return DiskBackend(spec)
    if not isinstance(spec, bool | type) and isinstance(spec, CacheBackend):
        return spec
    raise ConfigError(f"invalid cache spec {spec!r}; accepted: {ACCEPTED_SPECS}")
