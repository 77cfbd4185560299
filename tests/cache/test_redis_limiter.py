"""RedisRateLimiter: one budget for several processes, local fallback without Redis."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import multiprocessing
import time
import uuid
from typing import Any

import pytest

from omicskit.limiter import RateLimiter
from omicskit.redis_limiter import RedisRateLimiter
from omicskit.testing.redis_server import RedisServer, free_port

pytestmark = pytest.mark.redis


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most grants in any sliding *window* (closed interval) — the worst case
    always starts at a grant."""
    times = sorted(times)
    best = j = 0
    for i, start in enumerate(times):
        while j < len(times) and times[j] - start <= window:
            j += 1
        best = max(best, j - i)
    return best


def test_max_in_window() -> None:
    assert max_in_window([]) == 0
    assert max_in_window([0.0, 0.5, 1.0, 1.01]) == 3
    assert max_in_window([0.0, 0.36, 0.72, 1.08]) == 3


def _worker(url: str, name: str, count: int, barrier: Any, queue: Any) -> None:
    # 2.4/s is the session default (NCBI budget over a 1.25 s window); imports redis before the start line
    limiter = RedisRateLimiter(url, name=name, rate=2.4)

    async def main() -> list[float]:
        granted: list[float] = []
        try:
            for _ in range(count):
                await limiter.acquire()
                granted.append(time.time())
        finally:
            await limiter.aclose()
        return granted

    barrier.wait(timeout=60)  # start together, contending for the same slots
    queue.put(asyncio.run(main()))


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_four_processes_share_one_budget(redis_server: RedisServer) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    name = f"test-{uuid.uuid4().hex}"
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_worker, args=(redis_server.url, name, 20, barrier, queue)) for _ in range(4)]
    for proc in procs:
        proc.start()
    try:
        results = [queue.get(timeout=60) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=10)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    queue.close()
    queue.join_thread()

    times = sorted(t for result in results for t in result)
    assert len(times) == 80
    assert all(len(r) == 20 for r in results)
    assert max_in_window(times) <= 3, f"more than 3 grants in a 1-second window: {times}"
    # the budget is shared, not per process: 80 grants at 2.4/s take ~33 s
    assert times[-1] - times[0] >= 79 / 2.4 - 0.5


def test_single_process_spacing_and_burst(redis_server: RedisServer) -> None:
    async def main() -> tuple[list[float], list[float]]:
        spaced = RedisRateLimiter(redis_server.url, name=f"t-{uuid.uuid4().hex}", rate=20)
        burst = RedisRateLimiter(redis_server.url, name=f"t-{uuid.uuid4().hex}", rate=5, capacity=3)
        try:
            assert isinstance(spaced, RateLimiter)
            a, b = [], []
            for _ in range(10):
                await spaced.acquire()
                a.append(time.monotonic())
            for _ in range(4):
                await burst.acquire()
                b.append(time.monotonic())
            return a, b
        finally:
            await spaced.aclose()
            await burst.aclose()

    a, b = asyncio.run(main())
    gaps = [y - x for x, y in itertools.pairwise(a)]
    assert min(gaps) >= 1 / 20 - 0.005
    assert b[2] - b[0] < 0.1  # three back to back
    assert b[3] - b[0] >= 0.2 - 0.01  # then one per 1/rate


def test_penalize_is_shared(redis_server: RedisServer) -> None:
    name = f"t-{uuid.uuid4().hex}"

    async def main() -> tuple[float, float]:
        one = RedisRateLimiter(redis_server.url, name=name, rate=50)
        two = RedisRateLimiter(redis_server.url, name=name, rate=50)  # as if in another process
        try:
            await one.acquire()
            one.penalize(0.5)  # e.g. after a 429 with Retry-After: 0.5
            t0 = time.monotonic()

            async def first() -> float:
                await one.acquire()  # carries the penalty to Redis and waits it out
                return time.monotonic() - t0

            async def second() -> float:
                await asyncio.sleep(0.05)
                await two.acquire()  # sees the pushed-back shared schedule
                return time.monotonic() - t0

            t_one, t_two = await asyncio.gather(first(), second())
            return t_one, t_two
        finally:
            await one.aclose()
            await two.aclose()

    t_one, t_two = asyncio.run(main())
    assert t_one >= 0.45
    assert t_two >= 0.45


def test_fallback_when_redis_is_down(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"

    async def main() -> list[float]:
        limiter = RedisRateLimiter(url, rate=10, socket_timeout=1, retry_interval=60)
        try:
            times = []
            for _ in range(8):
                await limiter.acquire()
                times.append(time.monotonic())
            return times
        finally:
            await limiter.aclose()
            await limiter.aclose()  # idempotent

    with caplog.at_level(logging.DEBUG, logger="omicskit.limiter"):
        times = asyncio.run(main())
    gaps = [y - x for x, y in itertools.pairwise(times)]
    assert min(gaps) >= 0.1 - 0.01  # still limited, locally
    assert max_in_window(times) <= math.ceil(10)
    warnings = [r for r in caplog.records if r.name == "omicskit.limiter" and r.levelno == logging.WARNING]
    assert len(warnings) == 1


def test_redis_restart_mid_run(caplog: pytest.LogCaptureFixture) -> None:
    with RedisServer() as server:

        async def main() -> int:
            limiter = RedisRateLimiter(server.url, name="restart", rate=50, socket_timeout=1, retry_interval=0.2)
            try:
                await limiter.acquire()
                server.stop()
                await limiter.acquire()  # falls back locally, no exception
                server.start()  # empty server: the script must be loaded again (NOSCRIPT)
                await asyncio.sleep(0.3)
                for _ in range(3):
                    await limiter.acquire()
                return limiter.errors
            finally:
                await limiter.aclose()

        with caplog.at_level(logging.INFO, logger="omicskit.limiter"):
            errors = asyncio.run(main())
    assert errors == 1
    assert any("reachable again" in r.getMessage() for r in caplog.records)
