"""open_backend: every accepted spec, and a clear error for the rest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import omicskit.cache as cache_pkg
from omicskit.cache import (
    BaseBackend,
    CacheBackend,
    DiskBackend,
    MemoryBackend,
    NullBackend,
    open_backend,
)
from omicskit.errors import ConfigError

from .conftest import run


@pytest.fixture(autouse=True)
def _isolated_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def _close(be: Any) -> None:
    run(be, lambda b: b.stats())


@pytest.mark.parametrize(
    ("spec", "cls"),
    [
        (None, DiskBackend),
        ("default", DiskBackend),
        (False, NullBackend),
        ("none", NullBackend),
        ("off", NullBackend),
        ("OFF", NullBackend),
        ("memory", MemoryBackend),
        (" Memory ", MemoryBackend),
    ],
)
def test_keywords(spec: Any, cls: type) -> None:
    be = open_backend(spec)
    assert type(be) is cls
    assert isinstance(be, CacheBackend)
    _close(be)


def test_default_dir(tmp_path: Path) -> None:
    be = open_backend(None)
    assert isinstance(be, DiskBackend)
    assert be.directory == tmp_path / "xdg" / "omicskit" / "http-v1"
    _close(be)


def test_paths(tmp_path: Path) -> None:
    for spec in (tmp_path / "as-path", str(tmp_path / "as-str")):
        be = open_backend(spec)
        assert isinstance(be, DiskBackend)
        assert be.directory == Path(spec)
        assert be.directory.is_dir()
        _close(be)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6399/1", "rediss://h.example:6380/0", "unix:///tmp/redis.sock"])
def test_redis_urls(url: str) -> None:
    from omicskit.cache import RedisBackend

    be = open_backend(url)
    assert isinstance(be, RedisBackend)
    assert be.url == url
    _close(be)  # never connected: closing is a no-op


def test_instance_passes_through() -> None:
    mem = MemoryBackend()
    assert open_backend(mem) is mem
    _close(mem)

    class Custom:  # protocol by duck typing, not a BaseBackend
        name = "custom"

        async def get_many(self, keys: Any) -> dict[str, bytes]:
            return {}

        async def set_many(self, items: Any, ttl: Any = None) -> None: ...

        async def delete_many(self, keys: Any) -> int:
            return 0

        async def clear(self, prefix: str = "") -> int:
            return 0

        async def stats(self) -> dict[str, Any]:
            return {}

        async def close(self) -> None: ...

    custom = Custom()
    assert open_backend(custom) is custom


@pytest.mark.parametrize(
    "spec", [True, 0, 1.5, "", "   ", "http://cache.example", "memcached://x", object(), MemoryBackend]
)
def test_invalid_specs(spec: Any) -> None:
    with pytest.raises(ConfigError) as info:
        open_backend(spec)
    message = str(info.value)
    assert repr(spec) in message
    for form in ('"memory"', "redis://", "none", "path"):
        assert form in message


def test_null_backend_counts_misses() -> None:
    async def body(be: BaseBackend) -> dict[str, Any]:
        await be.set_many({"omicskit:v1:docsum:1": b"x"})
        assert await be.get_many(["omicskit:v1:docsum:1", "omicskit:v1:docsum:2"]) == {}
        assert await be.delete_many(["omicskit:v1:docsum:1"]) == 0
        assert await be.clear() == 0
        return await be.stats()

    stats = run(NullBackend(), body)
    assert (stats["hits"], stats["misses"], stats["items"], stats["bytes"], stats["errors"]) == (0, 2, 0, 0, 0)


def test_public_names() -> None:
    # isort-style order (constants, classes, functions), as ruff's RUF022 sorts
    def style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert cache_pkg.__all__ == sorted(cache_pkg.__all__, key=style)
    for name in cache_pkg.__all__:
        assert getattr(cache_pkg, name) is not None
    with pytest.raises(AttributeError):
        cache_pkg.NoSuchThing  # noqa: B018


def test_importing_cache_does_not_import_redis() -> None:
    code = (
        "import sys, omicskit.cache, omicskit.cache.factory\n"
        "assert 'redis' not in sys.modules, 'redis imported eagerly'\n"
        "omicskit.cache.RedisBackend\n"
        "assert 'redis' not in sys.modules, 'redis imported by the module itself'\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True, cwd=root)
