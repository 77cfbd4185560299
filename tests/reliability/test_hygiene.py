"""Resource hygiene: sessions closed after failures and cancellations leave no
open sockets or files, and a ``python -X dev -W error::ResourceWarning``
process running the same scenario (plus a session that is never closed, left
to its finaliser) prints no ResourceWarning.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import omicskit as ok
from omicskit.testing import ALL_FAULTS, REPLICA_BASE, FakeServices

ACCS = [f"GSE{REPLICA_BASE + i}" for i in range(6)]
FAST = {"progress": False, "retries": 1, "backoff_base": 0.01, "backoff_max": 0.05, "email": "t@example.invalid"}


def open_fds() -> dict[str, str]:
    out = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            out[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    return out


def settle(baseline: dict[str, str], timeout: float = 5.0) -> dict[str, str]:
    """Descriptors opened since *baseline* that are still open after *timeout*
    (the fake's handler threads close their side shortly after the client)."""
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        extra = {fd: target for fd, target in open_fds().items() if baseline.get(fd) != target}
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.05)


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with FakeServices(faults=0.3, fault_kinds=ALL_FAULTS, seed=3, replicas=len(ACCS), latency={"geo": 0.05}) as f:
        yield f


def test_no_descriptor_left_after_failing_and_cancelled_sessions(
    fake: FakeServices, tmp_path: Path, sockets_to: Callable[[int], int]
) -> None:
    baseline = open_fds()
    for i in range(3):  # failures: 30 % faults, unknown accessions, a 404 matrix
        with ok.Session(cache=str(tmp_path / f"c{i}"), **FAST, **fake.config_overrides()) as s:
            s.series([*ACCS, "GSE1"])
            s.samples(ACCS)
            s.files(ACCS)
            s.expression("GSE1")
            assert len(s.errors) >= 1
    # an exception inside the with block
    with pytest.raises(RuntimeError), ok.Session(cache=str(tmp_path / "boom"), **FAST, **fake.config_overrides()) as s:
        s.samples(ACCS[:2])
        raise RuntimeError("user code failed")

    async def cancelled() -> None:
        async with ok.AsyncSession(cache=str(tmp_path / "cancel"), **FAST, **fake.config_overrides()) as a:
            task = asyncio.ensure_future(a.samples(ACCS))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(cancelled())
    assert sockets_to(fake.port) == 0
    assert settle(baseline) == {}


def test_close_is_idempotent_and_final(fake: FakeServices) -> None:
    s = ok.Session(cache="memory", **FAST, **fake.config_overrides())
    s.series(ACCS[:2])
    s.close()
    s.close()
    assert s.closed and s.async_session.transport.closed
    with pytest.raises(ok.errors.SessionClosedError):
        s.series(ACCS[:2])


SCENARIO = textwrap.dedent(
    """
    import asyncio, gc, sys, tempfile
    import omicskit as ok
    from omicskit.testing import ALL_FAULTS, FakeServices

    accs = [f"GSE{9000001 + i}" for i in range(6)]
    opts = dict(progress=False, retries=1, backoff_base=0.01, backoff_max=0.05, email="t@example.invalid")
    with FakeServices(faults=0.3, fault_kinds=ALL_FAULTS, seed=5, replicas=6, latency={"geo": 0.05}) as fake:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(2):
                with ok.Session(cache=f"{tmp}/c{i}", **opts, **fake.config_overrides()) as s:
                    s.series([*accs, "GSE1"]); s.samples(accs); s.files(accs); s.expression("GSE1")
            try:
                with ok.Session(cache=f"{tmp}/boom", **opts, **fake.config_overrides()) as s:
                    s.samples(accs[:2]); raise RuntimeError("x")
            except RuntimeError:
                pass

            async def cancelled():
                async with ok.AsyncSession(cache=f"{tmp}/cancel", **opts, **fake.config_overrides()) as a:
                    task = asyncio.ensure_future(a.samples(accs))
                    await asyncio.sleep(0.1)
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        pass

            asyncio.run(cancelled())
            # a session never closed (a notebook cell re-run): its finaliser closes it quietly
            forgotten = ok.Session(cache="memory", **opts, **fake.config_overrides())
            forgotten.series(accs[:2])
            del forgotten
            gc.collect()
    print("scenario done")
    """
)


def run_dev_mode(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NCBI_", "OMICSKIT_"))}
    return subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=Path(__file__).parent,
    )


def test_dev_mode_process_has_no_resource_warning() -> None:
    proc = run_dev_mode(SCENARIO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "scenario done" in proc.stdout
    for marker in ("ResourceWarning", "unclosed", "Unclosed", "was never awaited", "Task was destroyed"):
        assert marker not in proc.stderr, proc.stderr[-3000:]
