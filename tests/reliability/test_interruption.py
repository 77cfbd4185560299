"""Interrupting a batch: task cancellation on ``AsyncSession``, Ctrl-C
(``KeyboardInterrupt``) on the sync ``Session``.

The fake answers the accession viewer slowly, so a ``samples()`` batch is
still running when it is interrupted. Afterwards: what finished is in the
cache (the next call reads it instead of fetching it again), every cache
entry decodes, the session still works, and after ``close()`` no socket to
the fake is left open.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import omicskit as ok
from omicskit.cache.codec import decode_record
from omicskit.testing import REPLICA_BASE, FakeServices

N = 24
LATENCY = 0.4  # seconds per viewer answer; 8 in flight → a wave every ~0.4 s
ACCS = [f"GSE{REPLICA_BASE + i}" for i in range(N)]
OPTIONS: dict[str, Any] = {"email": "tester@example.invalid", "progress": False, "geo_rate": 50.0}


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with FakeServices(latency={"geo": LATENCY}, replicas=N) as f:
        yield f


def viewer_requests(fake: FakeServices) -> list[str]:
    return [e.path for e in fake.log if e.endpoint == "acc.cgi"]


def all_entries_decode(directory: Path) -> int:
    import diskcache

    with diskcache.Cache(str(directory)) as cache:
        keys = list(cache.iterkeys())
        for key in keys:
            decode_record(cache.get(key))  # raises ParseError on a corrupt entry
    return len(keys)


def test_cancelled_async_batch_keeps_what_finished(
    fake: FakeServices, tmp_path: Path, sockets_to: Callable[[int], int]
) -> None:
    async def scenario() -> None:
        s = ok.AsyncSession(cache=str(tmp_path), **OPTIONS, **fake.config_overrides())
        try:
            task = asyncio.ensure_future(s.samples(ACCS))
            # cancel as soon as the first series is cached (the first wave of 8 is back after
            # LATENCY; the third wave starts only after 2 x LATENCY), whatever the machine's load
            deadline = time.monotonic() + 30
            while not (await s.store.read("soft-gsm", ACCS))[0] and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            first = len(viewer_requests(fake))
            assert 0 < first < N, "the batch was interrupted midway"
            cached, missing = await s.store.read("soft-gsm", ACCS)
            assert cached, "finished series were written as they arrived"
            assert missing, "unfinished series were not"

            fake.reset_log()
            df = await s.samples(ACCS)  # the session still works
            again = viewer_requests(fake)
            assert len(again) <= N - len(cached)
            assert not any(f"acc={acc}&" in path for acc in cached for path in again)
            assert df.attrs["row_source"].count("cache") >= 1
            assert s.transport._client is not None
        finally:
            await s.aclose()
        assert s.transport._client is None and s.transport.closed

    asyncio.run(scenario())
    assert sockets_to(fake.port) == 0
    assert all_entries_decode(tmp_path) > 0


def test_cancellation_during_search_and_series(fake: FakeServices, tmp_path: Path) -> None:
    """Cancelling while requests wait for the E-utilities limiter leaves nothing half-done."""

    async def scenario() -> None:
        async with ok.AsyncSession(
            cache=str(tmp_path), eutils_rate=1.0, esummary_chunk=4, **OPTIONS, **fake.config_overrides()
        ) as s:
            task = asyncio.ensure_future(s.series(ACCS))
            await asyncio.sleep(1.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            cached, _missing = await s.store.read("docsum", ACCS)
            assert 0 < len(cached) < N
            df = await s.series(ACCS)
            assert len(df) == N and s.errors.empty

    asyncio.run(scenario())
    assert all_entries_decode(tmp_path) >= N


def _cached_series(directory: Path) -> int:
    """How many ``soft-gsm`` entries the session's disk cache holds now."""
    import diskcache

    with diskcache.Cache(str(directory)) as cache:
        return sum(1 for key in cache.iterkeys() if ":soft-gsm:GSE" in str(key))


def _interrupt_main_when(ready: Callable[[], bool], timeout: float = 30.0) -> threading.Thread:
    """Send SIGINT to the main thread (what Ctrl-C and a Jupyter kernel interrupt
    do) as soon as *ready()* is true, polling every 10 ms."""
    main = threading.main_thread().ident
    assert main is not None

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                signal.pthread_kill(main, signal.SIGINT)
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_keyboard_interrupt_on_sync_session(
    fake: FakeServices, tmp_path: Path, sockets_to: Callable[[int], int]
) -> None:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    s = ok.Session(cache=str(tmp_path), **OPTIONS, **fake.config_overrides())
    try:
        timer = _interrupt_main_when(lambda: _cached_series(tmp_path) > 0)  # first wave back, batch unfinished
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            s.samples(ACCS)
        timer.join()
        assert time.monotonic() - started < N * LATENCY, "the call stopped early"
        first = len(viewer_requests(fake))
        assert 0 < first < N

        fake.reset_log()
        df = s.samples(ACCS)  # usable afterwards, finished items come from the cache
        assert df.attrs["row_source"].count("cache") >= 1
        assert len(viewer_requests(fake)) < N
        assert not s.closed
    finally:
        s.close()
    assert s.closed and not s._portal.thread.is_alive()
    assert sockets_to(fake.port) == 0
    assert all_entries_decode(tmp_path) > 0
    with pytest.raises(ok.errors.SessionClosedError):
        s.samples(ACCS)
