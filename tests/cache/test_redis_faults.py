"""RedisBackend when Redis is missing or dies: warnings and misses, never exceptions."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest

from omicskit.cache import RedisBackend, make_key
from omicskit.errors import ConfigError
from omicskit.testing.redis_server import RedisServer, free_port

from .conftest import run

pytestmark = pytest.mark.redis

KEY = make_key("docsum", "GSE1")


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "omicskit.cache" and r.levelno == logging.WARNING]


def test_unreachable_at_start(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    backend = RedisBackend(url, socket_timeout=1, retry_interval=60)

    async def body(be: RedisBackend) -> dict:
        assert await be.get_many([KEY]) == {}
        await be.set_many({KEY: b"x"}, ttl=10)
        assert await be.delete_many([KEY]) == 0
        assert await be.clear() == 0
        return await be.stats()

    with caplog.at_level(logging.DEBUG, logger="omicskit.cache"):
        stats = run(backend, body)
    assert stats["errors"] >= 4
    assert (stats["hits"], stats["misses"], stats["items"], stats["bytes"]) == (0, 1, 0, 0)
    warnings = _warnings(caplog)
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "s3cret" not in caplog.text  # the password is redacted
    assert "***" in warnings[0].getMessage()


def test_server_killed_mid_session_and_reconnect(caplog: pytest.LogCaptureFixture) -> None:
    with RedisServer() as server:
        backend = RedisBackend(server.url, socket_timeout=1, retry_interval=0.3)

        async def body(be: RedisBackend) -> dict:
            await be.set_many({KEY: b"before"}, ttl=60)
            assert await be.get_many([KEY]) == {KEY: b"before"}
            assert be.errors == 0

            server.stop()  # the server dies mid-session
            assert await be.get_many([KEY]) == {}
            await be.set_many({KEY: b"dropped"}, ttl=60)
            assert await be.get_many([KEY]) == {}
            assert be.errors >= 3
            assert len(_warnings(caplog)) == 1

            server.start()  # same port, empty (no persistence)
            await asyncio.sleep(0.4)  # past retry_interval: the next call reconnects
            await be.set_many({KEY: b"after"}, ttl=60)
            assert await be.get_many([KEY]) == {KEY: b"after"}
            errors = be.errors
            assert await be.get_many([KEY]) == {KEY: b"after"}
            assert be.errors == errors
            return await be.stats()

        with caplog.at_level(logging.INFO, logger="omicskit.cache"):
            stats = run(backend, body)
    assert stats["errors"] >= 3
    assert stats["items"] == 1
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    assert len(_warnings(caplog)) == 1


def test_backs_off_between_attempts(caplog: pytest.LogCaptureFixture) -> None:
    backend = RedisBackend(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=1, retry_interval=60)

    async def body(be: RedisBackend) -> None:
        for _ in range(50):
            assert await be.get_many([KEY]) == {}
        # only the first call touched the network; the client was created once
        assert be._client is not None

    with caplog.at_level(logging.DEBUG, logger="omicskit.cache"):
        run(backend, body)
    assert backend.errors == 50
    assert len(_warnings(caplog)) == 1
    assert not [r for r in caplog.records if "still unavailable" in r.getMessage()]


def test_close_after_server_death_is_clean() -> None:
    with RedisServer() as server:
        backend = RedisBackend(server.url, socket_timeout=1)

        async def body(be: RedisBackend) -> None:
            await be.set_many({KEY: b"x"})
            server.stop()

        run(backend, body)  # close() must not raise nor leak (warnings are errors)


def test_missing_redis_package_is_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ConfigError, match=r"pip install 'omicskit\[redis\]'"):
        RedisBackend("redis://127.0.0.1:1/0")


def test_prefix_namespaces_keys(redis_server: RedisServer) -> None:
    from .conftest import flush

    flush(redis_server.url)
    a = RedisBackend(redis_server.url, prefix="team-a:")
    b = RedisBackend(redis_server.url, prefix="team-b:")

    async def body(_: object) -> None:
        try:
            await a.set_many({KEY: b"a"})
            await b.set_many({KEY: b"b"})
            assert await a.get_many([KEY]) == {KEY: b"a"}
            assert await b.get_many([KEY]) == {KEY: b"b"}
            assert await a.clear() == 1
            assert await b.get_many([KEY]) == {KEY: b"b"}
            assert (await b.stats())["items"] == 1
        finally:
            await a.close()
            await b.close()

    asyncio.run(body(None))
    assert "team-a" in repr(a)
