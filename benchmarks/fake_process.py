"""The fake NCBI services in a separate process (``multiprocessing`` spawn).

In the benchmark process the fake would compete with the client for the GIL
on a 2-core machine; in a process of its own it behaves like a remote server
(handler threads sleeping out the configured latency in parallel). The parent
talks to it over a pipe: stats, log reset, limiter reset, priming, stop.
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

__all__ = ["FakeProcess"]


def _serve(conn: Any, kwargs: dict[str, Any]) -> None:
    from omicskit.testing import FakeServices

    fake = FakeServices(**kwargs).start()
    conn.send({"urls": fake.config_overrides(), "base_url": fake.base_url, "replicas": len(fake.replicas)})
    try:
        while True:
            cmd, args = conn.recv()
            if cmd == "stop":
                break
            if cmd == "stats":
                conn.send(fake.stats())
            elif cmd == "reset_log":
                fake.reset_log()
                conn.send(None)
            elif cmd == "reset_rate_limit":
                fake.reset_rate_limit()
                conn.send(None)
            elif cmd == "prime":
                conn.send(_prime(fake, *args))
            else:
                conn.send(RuntimeError(f"unknown command {cmd!r}"))
    finally:
        fake.stop()
        conn.send("stopped")


def _prime(fake: Any, accessions: list[str]) -> dict[str, Any]:
    """Precompress the family SOFT files of *accessions* (the real mirror serves static .gz files)
    and report their sizes; makes no request and leaves the request log empty."""
    import statistics

    raw, gz, samples = [], [], []
    for acc in accessions:
        rec = fake.catalog.record(acc)
        if rec is None or rec.series is None:
            continue
        raw.append(len(fake.catalog.family_soft(rec)))
        gz.append(len(fake.app.mirror._family_gz(rec)))
        samples.append(len(rec.samples))
    fake.reset_log()

    def summary(values: list[int]) -> dict[str, float]:
        if not values:
            return {}
        return {
            "median": statistics.median(values),
            "mean": statistics.fmean(values),
            "max": max(values),
            "min": min(values),
            "total": sum(values),
        }

    return {
        "n": len(raw),
        "family_soft_bytes": summary(raw),
        "family_soft_gz_bytes": summary(gz),
        "samples_per_series": summary(samples),
    }


class FakeProcess:
    """``FakeServices(**kwargs)`` running in a spawned child process.

    >>> with FakeProcess(latency="benchmark", replicas=500) as fake:   # doctest: +SKIP
    ...     Session(**fake.config_overrides())
    """

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self._proc: Any = None
        self._conn: Any = None
        self.info: dict[str, Any] = {}

    def start(self) -> FakeProcess:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.kwargs), name="omicskit-fake", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(120):
            self.stop()
            raise RuntimeError("the fake services process did not start within 120 s")
        self.info = parent.recv()
        return self

    def _call(self, cmd: str, *args: Any) -> Any:
        self._conn.send((cmd, args))
        answer = self._conn.recv()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def config_overrides(self) -> dict[str, str]:
        return dict(self.info["urls"])

    def stats(self) -> dict[str, Any]:
        return self._call("stats")  # type: ignore[no-any-return]

    def reset_log(self) -> None:
        self._call("reset_log")

    def reset_rate_limit(self) -> None:
        self._call("reset_rate_limit")

    def prime(self, accessions: list[str]) -> dict[str, Any]:
        return self._call("prime", list(accessions))  # type: ignore[no-any-return]

    def stop(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        try:
            conn.send(("stop", ()))
            conn.poll(10) and conn.recv()
        except (OSError, EOFError):
            pass
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)

    def __enter__(self) -> FakeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
