"""Fixtures for the cache tests: one real redis-server per session, and a
``backend`` fixture parametrised over every storing backend."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from omicskit.cache import BaseBackend, DiskBackend, MemoryBackend, NullBackend
from omicskit.testing.redis_server import RedisServer

T = TypeVar("T")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server for the whole session (never skipped: a missing
    executable is a RuntimeError)."""
    with RedisServer() as server:
        yield server


def flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def make_backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> BaseBackend:
    if kind == "memory":
        return MemoryBackend()
    if kind == "disk":
        return DiskBackend(tmp_path / "disk-cache")
    if kind == "null":
        return NullBackend()
    if kind == "redis":
        from omicskit.cache import RedisBackend

        server: RedisServer = request.getfixturevalue("redis_server")
        flush(server.url)
        return RedisBackend(server.url)
    raise AssertionError(kind)


@pytest.fixture(params=["memory", "disk", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseBackend]:
    """Every backend that stores entries (Redis flushed before each test)."""
    be = make_backend(request.param, tmp_path, request)
    yield be
    assert be.closed, "tests must close the backend inside their event loop (use run())"


@pytest.fixture(params=["memory", "disk", "redis", "null"])
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseBackend]:
    """Every backend including :class:`NullBackend`."""
    be = make_backend(request.param, tmp_path, request)
    yield be
    assert be.closed, "tests must close the backend inside their event loop (use run())"


def run(backend: Any, fn: Callable[[Any], Awaitable[T]]) -> T:
    """``asyncio.run(fn(backend))``, closing the backend in the same loop
    (asyncio connections cannot outlive their loop)."""

    async def main() -> T:
        try:
            return await fn(backend)
        finally:
            await backend.close()

    return asyncio.run(main())
