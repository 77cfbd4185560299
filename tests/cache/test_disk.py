"""DiskBackend specifics: several processes, default directory, size limit."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from omicskit.cache import DiskBackend, make_key, open_backend

from .conftest import run

N_KEYS = 300


def _value(i: int, writer: int, round_: int) -> bytes:
    """Self-checking payload: header, 1.5 kB body, sha256 of both."""
    head = f"{i}:{writer}:{round_}:".encode()
    body = hashlib.sha256(head).digest() * 48
    return head + body + hashlib.sha256(head + body).digest()


def _valid(i: int, value: bytes) -> bool:
    payload, digest = value[:-32], value[-32:]
    return hashlib.sha256(payload).digest() == digest and payload.startswith(f"{i}:".encode())


def _writer(directory: str, writer: int, start: int, rounds: int, barrier: multiprocessing.synchronize.Barrier) -> None:
    """Write keys start..start+199 in batches of 25, reading back overlapping keys."""

    async def main() -> None:
        be = DiskBackend(directory)
        try:
            for round_ in range(rounds):
                for lo in range(start, start + 200, 25):
                    batch = {make_key("docsum", str(i)): _value(i, writer, round_) for i in range(lo, lo + 25)}
                    await be.set_many(batch, ttl=3600)
                    got = await be.get_many([make_key("docsum", str(i)) for i in range(N_KEYS)])
                    for key, value in got.items():
                        assert _valid(int(key.rsplit(":", 1)[1]), value), key
                    await be.delete_many([make_key("docsum", str(lo))])  # churn: deletes race with writes
        finally:
            await be.close()

    barrier.wait()
    asyncio.run(main())


@pytest.mark.slow
def test_two_processes_write_same_directory(tmp_path: Path) -> None:
    directory = str(tmp_path / "shared")
    DiskBackend(directory)  # create the schema once, as a session would
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_writer, args=(directory, 1, 0, 3, barrier)),
        ctx.Process(target=_writer, args=(directory, 2, 100, 3, barrier)),  # keys 100..199 overlap
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]

    con = sqlite3.connect(Path(directory) / "cache.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()

    async def check(be: DiskBackend) -> None:
        keys = [make_key("docsum", str(i)) for i in range(N_KEYS)]
        got = await be.get_many(keys)
        for key, value in got.items():
            assert _valid(int(key.rsplit(":", 1)[1]), value), key
        # everything written last and not deleted last is there
        assert len(got) >= N_KEYS - 2 * 8
        stats = await be.stats()
        assert stats["items"] == len(got)
        assert stats["bytes"] == sum(len(v) for v in got.values())

    run(DiskBackend(directory), check)


def test_default_directory_follows_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    be = DiskBackend()
    assert be.directory == tmp_path / "xdg" / "omicskit" / "http-v1"
    assert (be.directory / "cache.db").exists()

    async def body(be: DiskBackend) -> None:
        await be.set_many({make_key("docsum", "1"): b"x"})

    run(be, body)
    for spec in (None, "default"):
        other = open_backend(spec)
        assert isinstance(other, DiskBackend)
        assert other.directory == be.directory
        assert run(other, lambda b: b.get_many([make_key("docsum", "1")])) == {make_key("docsum", "1"): b"x"}


def test_size_limit_evicts_oldest(tmp_path: Path) -> None:
    limit = 1 << 20  # 1 MiB
    be = DiskBackend(tmp_path / "small", size_limit=limit)
    value = bytes(range(256)) * 64  # 16 kB, stored inline

    async def body(be: DiskBackend) -> dict[str, int]:
        for batch in range(40):  # 400 entries, 6.4 MB in all
            await be.set_many({make_key("docsum", f"{batch}-{i}"): value for i in range(10)})
        stats = await be.stats()
        newest = await be.get_many([make_key("docsum", f"39-{i}") for i in range(10)])
        oldest = await be.get_many([make_key("docsum", f"0-{i}") for i in range(10)])
        return {
            "items": stats["items"],
            "bytes": stats["bytes"],
            "volume": be.volume(),
            "newest": len(newest),
            "oldest": len(oldest),
        }

    got = run(be, body)
    assert got["volume"] <= 2 * limit
    assert got["bytes"] <= 2 * limit
    assert got["items"] < 400
    assert got["newest"] == 10
    assert got["oldest"] == 0


def test_large_values_live_in_files(tmp_path: Path) -> None:
    be = DiskBackend(tmp_path / "files")
    big = b"\x00\xff" * 50_000

    async def body(be: DiskBackend) -> None:
        await be.set_many({make_key("matrix", "GSE1"): big}, ttl=60)
        assert any(p.suffix == ".val" for p in be.directory.rglob("*"))
        assert await be.get_many([make_key("matrix", "GSE1")]) == {make_key("matrix", "GSE1"): big}
        assert await be.clear() == 1
        assert not any(p.suffix == ".val" for p in be.directory.rglob("*"))

    run(be, body)


def test_batches_larger_than_sqlite_parameter_limit(tmp_path: Path) -> None:
    be = DiskBackend(tmp_path / "many")
    items = {make_key("docsum", str(i)): str(i).encode() for i in range(2500)}

    async def body(be: DiskBackend) -> None:
        await be.set_many(items)
        assert await be.get_many(list(items)) == items
        assert await be.delete_many(list(items)) == 2500

    run(be, body)
