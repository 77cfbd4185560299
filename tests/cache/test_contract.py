"""One contract, run on every backend: what the session relies on."""

from __future__ import annotations

import asyncio
from typing import Any

from omicskit.cache import BaseBackend, CacheBackend, make_key
from omicskit.cache.base import KEY_PREFIX

from .conftest import run

STATS_KEYS = {"hits", "misses", "hit_rate", "items", "bytes", "errors"}


def k(ident: str, kind: str = "docsum") -> str:
    return make_key(kind, ident)


class TestContract:
    """Storing backends: memory, disk, redis."""

    def test_satisfies_protocol(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            assert isinstance(be, CacheBackend)

        run(backend, body)

    def test_set_get_overwrite(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            await be.set_many({k("GSE1"): b"one", k("GSE2"): b"two"}, ttl=60)
            assert await be.get_many([k("GSE1"), k("GSE2"), k("GSE3")]) == {k("GSE1"): b"one", k("GSE2"): b"two"}
            await be.set_many({k("GSE1"): b"uno"})
            assert await be.get_many([k("GSE1")]) == {k("GSE1"): b"uno"}

        run(backend, body)

    def test_delete(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            await be.set_many({k("a"): b"1", k("b"): b"2", k("c"): b"3"}, ttl=60)
            assert await be.delete_many([k("a"), k("b"), k("missing")]) == 2
            assert await be.get_many([k("a"), k("b"), k("c")]) == {k("c"): b"3"}
            assert await be.delete_many(iter([k("a")])) == 0

        run(backend, body)

    def test_clear_by_prefix(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            await be.set_many({k("GSE1"): b"d1", k("GSE2"): b"d2", k("q1", "search"): b"s1"})
            await be.set_many({"someone-else:key": b"x"})
            assert await be.clear(KEY_PREFIX + "docsum:") == 2
            assert await be.get_many([k("GSE1"), k("GSE2"), k("q1", "search")]) == {k("q1", "search"): b"s1"}
            assert await be.clear() == 1  # every omicskit key, nothing else
            assert await be.get_many(["someone-else:key"]) == {"someone-else:key": b"x"}
            assert await be.clear(KEY_PREFIX + "nothing-here:") == 0
            # glob/LIKE metacharacters in a prefix are literal
            await be.set_many({k("a*b"): b"1", k("aXb"): b"2", k("a%b"): b"3", k("a_b"): b"4"})
            assert await be.clear(KEY_PREFIX + "docsum:a*") == 1
            assert await be.clear(KEY_PREFIX + "docsum:a%") == 1
            assert await be.clear(KEY_PREFIX + "docsum:a_") == 1
            assert await be.get_many([k("aXb")]) == {k("aXb"): b"2"}

        run(backend, body)

    def test_ttl_expiry(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            await be.set_many({k("short"): b"s"}, ttl=0.3)
            await be.set_many({k("long"): b"l"}, ttl=60)
            await be.set_many({k("forever"): b"f"}, ttl=None)
            assert await be.get_many([k("short")]) == {k("short"): b"s"}
            await asyncio.sleep(0.5)
            assert await be.get_many([k("short"), k("long"), k("forever")]) == {
                k("long"): b"l",
                k("forever"): b"f",
            }
            stats = await be.stats()
            assert stats["items"] == 2  # expired entries are not counted
            assert await be.delete_many([k("short")]) == 0

        run(backend, body)

    def test_non_positive_ttl_stores_nothing(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            await be.set_many({k("x"): b"old"})
            await be.set_many({k("x"): b"new", k("y"): b"y"}, ttl=0)
            assert await be.get_many([k("x"), k("y")]) == {}

        run(backend, body)

    def test_binary_safe(self, backend: BaseBackend) -> None:
        values = {
            k("nul"): b"\x00\xff",
            k("empty"): b"",
            k("resp"): b"*3\r\n$3\r\nSET\r\n\x00",
            k("all"): bytes(range(256)) * 4,
            k("big"): bytes(range(256)) * 400,  # 100 kB: a file on disk, not a BLOB
            k("unicode-key-é✓"): "é✓".encode(),
        }

        async def body(be: BaseBackend) -> None:
            await be.set_many(values, ttl=60)
            got = await be.get_many(list(values))
            assert got == values
            assert all(type(v) is bytes for v in got.values())
            stats = await be.stats()
            assert stats["items"] == len(values)
            assert stats["bytes"] == sum(len(v) for v in values.values())

        run(backend, body)

    def test_bytes_like_values(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            await be.set_many({k("ba"): bytearray(b"\x01\x02"), k("mv"): memoryview(b"\x03")})  # type: ignore[dict-item]
            assert await be.get_many([k("ba"), k("mv")]) == {k("ba"): b"\x01\x02", k("mv"): b"\x03"}

        run(backend, body)

    def test_stats_counts(self, backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> dict[str, Any]:
            await be.set_many({k("a"): b"12345", k("b"): b"123", k("c"): b""}, ttl=60)
            await be.get_many([k("a"), k("b"), k("c"), k("missing")])
            await be.get_many([k("missing-too")])
            return await be.stats()

        stats = run(backend, body)
        assert stats.keys() >= STATS_KEYS
        assert stats["backend"] == backend.name
        assert (stats["hits"], stats["misses"], stats["errors"]) == (3, 2, 0)
        assert stats["hit_rate"] == 3 / 5
        assert (stats["items"], stats["bytes"]) == (3, 8)

    def test_thousand_key_batch(self, backend: BaseBackend) -> None:
        items = {k(f"GSM{i}"): f"payload-{i}".encode() * 20 for i in range(1000)}

        async def body(be: BaseBackend) -> None:
            await be.set_many(items, ttl=3600)
            keys = [*items, *(k(f"absent{i}") for i in range(10))]
            assert await be.get_many(keys) == items
            stats = await be.stats()
            assert (stats["hits"], stats["misses"], stats["items"]) == (1000, 10, 1000)
            assert await be.delete_many(list(items)[:500]) == 500
            assert await be.clear() == 500

        run(backend, body)


class TestAnyBackend:
    """Rules every backend follows, the null one included."""

    def test_empty_batches(self, any_backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> dict[str, Any]:
            assert await be.get_many([]) == {}
            await be.set_many({})
            assert await be.delete_many([]) == 0
            return await be.stats()

        stats = run(any_backend, body)
        assert (stats["hits"], stats["misses"], stats["hit_rate"], stats["errors"]) == (0, 0, 0.0, 0)

    def test_stats_keys(self, any_backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> dict[str, Any]:
            await be.get_many([k("nothing")])
            return await be.stats()

        stats = run(any_backend, body)
        assert stats.keys() >= STATS_KEYS
        assert (stats["hits"], stats["misses"], stats["hit_rate"], stats["errors"]) == (0, 1, 0.0, 0)
        assert isinstance(stats["items"], int)
        assert isinstance(stats["bytes"], int)

    def test_close_idempotent(self, any_backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> None:
            await be.set_many({k("x"): b"x"})
            await be.close()
            await be.close()
            assert be.closed

        run(any_backend, body)

    def test_null_stores_nothing(self, any_backend: BaseBackend) -> None:
        async def body(be: BaseBackend) -> dict[str, bytes]:
            await be.set_many({k("x"): b"x"})
            return await be.get_many([k("x")])

        got = run(any_backend, body)
        assert got == ({} if any_backend.name == "null" else {k("x"): b"x"})
