"""The benchmark scenarios. Each returns a JSON-able dict; ``run.py`` prints and saves them.

All network scenarios talk to the fake services in their own process
(:class:`~benchmarks.fake_process.FakeProcess`) with the benchmark latency
preset and NCBI's rate limit on. Between two timed runs the benchmark waits
:data:`QUIET` seconds so NCBI's one-second window (and omicskit's limiter)
start empty, as they would for a user running one call.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .fake_process import FakeProcess
from .floor import floor_search
from .old_approach import OldApproach

__all__ = [
    "PROTOTYPE_WARM_PER_S",
    "QUIET",
    "cold_search",
    "matrix_memory",
    "samples_of_series",
    "warm_series",
]

#: Seconds between timed runs (NCBI's sliding window is one second).
QUIET = 1.1
#: The prototype's warm-cache figure (Redis MGET), datasets per second.
PROTOTYPE_WARM_PER_S = 17_863
EMAIL = "bench@example.org"
TERM = "(replica) AND gse[ETYP]"  # what omicskit sends for search("replica")


def _summary(times: list[float]) -> dict[str, Any]:
    return {
        "runs": len(times),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "times_s": times,
    }


def _traffic(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "requests": stats["total"],
        "served_429": stats["served_429"],
        "endpoints": stats["endpoints"],
        "max_per_second": stats["max_per_second"],
    }


def _measure(
    fake: FakeProcess, run: Callable[[], Any], check: Callable[[Any], dict[str, Any]]
) -> tuple[float, dict[str, Any]]:
    """One timed run after a quiet second; returns (seconds, facts incl. the fake's traffic)."""
    time.sleep(QUIET)
    fake.reset_log()
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    facts = check(result)
    facts.update(_traffic(fake.stats()))
    return elapsed, facts


def _session(fake: FakeProcess, cache: Any, **options: Any) -> Any:
    import omicskit as ok

    return ok.Session(email=EMAIL, cache=cache, progress=False, **fake.config_overrides(), **options)


@contextlib.contextmanager
def _decode_memo_off() -> Iterator[None]:
    """Switch omicskit's decoded-record memo off (no-op on versions without it)."""
    from omicskit.cache import codec

    saved = getattr(codec, "MEMO_MAX_BYTES", None)
    if saved is None:
        yield
        return
    codec.MEMO_MAX_BYTES = -1  # type: ignore[attr-defined]
    try:
        yield
    finally:
        codec.MEMO_MAX_BYTES = saved  # type: ignore[attr-defined]


def _clear_decode_memo() -> None:
    """Forget decoded records, as a new process would (no-op on versions without the memo)."""
    from omicskit.cache import codec

    clear = getattr(codec, "clear_decode_memo", None)
    if clear is not None:
        clear()


def _runs(approaches: dict[str, tuple[int, Callable[[], tuple[float, dict[str, Any]]]]]) -> dict[str, Any]:
    """Interleave the approaches run by run (so machine load hits all alike); keep every run's facts."""
    out: dict[str, Any] = {name: {"times": [], "facts": []} for name in approaches}
    for rep in range(max(n for n, _ in approaches.values())):
        for name, (n, one) in approaches.items():
            if rep < n:
                elapsed, facts = one()
                out[name]["times"].append(elapsed)
                out[name]["facts"].append(facts)
    result = {}
    for name, got in out.items():
        facts = got["facts"]
        result[name] = {
            **_summary(got["times"]),
            "requests": facts[-1]["requests"],
            "served_429": sum(f["served_429"] for f in facts),
            "max_per_second": facts[-1]["max_per_second"],
            "endpoints": facts[-1]["endpoints"],
            "items": facts[-1]["items"],
            "rows": facts[-1].get("rows", facts[-1]["items"]),
            "errors": max(f.get("errors", 0) for f in facts),
        }
    return result


# -- 1. cold search + summaries ---------------------------------------------------------------
def cold_search(fake: FakeProcess, limit: int, reps: int, old_reps: int) -> dict[str, Any]:
    urls = fake.config_overrides()

    def omicskit_run() -> tuple[float, dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="okbench-cold-") as tmp, _session(fake, tmp) as s:
            elapsed, facts = _measure(
                fake,
                lambda: s.search("replica", limit=limit),
                lambda df: {"items": len(df), "errors": len(s.errors)},
            )
        return elapsed, facts

    def floor_run() -> tuple[float, dict[str, Any]]:
        return _measure(
            fake,
            lambda: floor_search(urls["eutils_url"], TERM, limit, EMAIL),
            lambda got: {"items": got[0], "bytes": sum(len(b) for b in got[1])},
        )

    old = OldApproach(urls)

    def old_run() -> tuple[float, dict[str, Any]]:
        return _measure(fake, lambda: old.search(TERM, limit), lambda df: {"items": len(df), "errors": len(old.errors)})

    res = _runs({"floor": (reps, floor_run), "omicskit": (reps, omicskit_run), "old": (old_reps, old_run)})
    res["n"] = limit
    return res


# -- 2. samples with characteristics ------------------------------------------------------------
def samples_of_series(fake: FakeProcess, accessions: list[str], reps: int, old_reps: int) -> dict[str, Any]:
    """``items`` counts distinct samples: the fake's replicas keep their source's GSM accessions, so
    omicskit (one row per sample, every series listed) and the old approach (one row per series and
    sample) are compared on the same set."""
    old = OldApproach(fake.config_overrides())

    def omicskit_run(**options: Any) -> Callable[[], tuple[float, dict[str, Any]]]:
        def run() -> tuple[float, dict[str, Any]]:
            with _session(fake, False, **options) as s:
                return _measure(
                    fake,
                    lambda: s.samples(accessions),
                    lambda df: {
                        "items": int(df["accession"].nunique()),
                        "rows": len(df),
                        "errors": len(s.errors),
                        "ch_columns": sum(c.startswith(("ch1.", "ch2.")) for c in df.columns),
                    },
                )

        return run

    def old_run() -> tuple[float, dict[str, Any]]:
        return _measure(
            fake,
            lambda: old.samples(accessions),
            lambda df: {"items": int(df["accession"].nunique()), "rows": len(df), "errors": len(old.errors)},
        )

    res = _runs(
        {
            "omicskit": (reps, omicskit_run()),
            "omicskit_geo50": (reps, omicskit_run(geo_rate=50.0)),
            "old": (old_reps, old_run),
        }
    )
    res["n"] = len(accessions)
    return res


# -- 3. warm series() per backend -------------------------------------------------------------
def _warm_backend(fake: FakeProcess, spec: Any, accessions: list[str], reps: int, fresh: bool) -> dict[str, Any]:
    """Median of *reps* warm ``series()`` calls, interleaved with as many calls that decode every
    record's JSON again (the codec's decode memo switched off)."""
    with _session(fake, spec) as s:
        cold = s.series(accessions)  # fills the cache (one esummary POST per 500)
        assert len(cold) == len(accessions), (len(cold), s.errors)
        for _ in range(3):  # warm-up
            s.series(accessions)
        times, undecoded = [], []
        for _ in range(reps):  # interleaved, so load on the machine hits both alike
            start = time.perf_counter()
            df = s.series(accessions)
            times.append(time.perf_counter() - start)
            with _decode_memo_off():
                start = time.perf_counter()
                s.series(accessions)
                undecoded.append(time.perf_counter() - start)
        sources = set(df.attrs["row_source"])
        assert len(df) == len(accessions) and sources == {"cache"}, (len(df), sources)
    out = _summary(times)
    out["per_s"] = len(accessions) / out["median_s"]
    out["per_s_best"] = len(accessions) / out["min_s"]
    out["p90_s"] = float(np.percentile(times, 90))
    out["decode_each_time"] = _summary(undecoded)
    out["decode_each_time"]["per_s"] = len(accessions) / out["decode_each_time"]["median_s"]
    if fresh:  # the first call of a new session: connection set-up and nothing decoded yet
        firsts = []
        for _ in range(3):
            with _session(fake, spec) as s:
                _clear_decode_memo()
                start = time.perf_counter()
                df = s.series(accessions)
                firsts.append(time.perf_counter() - start)
                assert set(df.attrs["row_source"]) == {"cache"}
        out["first_read_s"] = statistics.median(firsts)
        out["first_read_per_s"] = len(accessions) / out["first_read_s"]
    return out


def warm_series(fake: FakeProcess, accessions: list[str], reps: int, redis: bool = True) -> dict[str, Any]:
    res: dict[str, Any] = {"n": len(accessions), "prototype_per_s": PROTOTYPE_WARM_PER_S}
    res["memory"] = _warm_backend(fake, "memory", accessions, reps, fresh=False)
    with tempfile.TemporaryDirectory(prefix="okbench-disk-") as tmp:
        res["diskcache"] = _warm_backend(fake, tmp, accessions, reps, fresh=True)
    if redis:
        try:
            from omicskit.testing.redis_server import RedisServer

            with RedisServer() as server:
                res["redis"] = _warm_backend(fake, server.url, accessions, reps, fresh=True)
        except RuntimeError as exc:  # no redis-server on this machine
            res["redis"] = {"skipped": str(exc)}
    return res


# -- 4. peak memory of a 54,675-row series matrix ---------------------------------------------
MATRIX_FIXTURE = Path(__file__).resolve().parents[1] / "omicskit/testing/data/matrix/GSE19161_series_matrix.txt.gz"
GPL570_ROWS = 54_675


def build_matrix_replica(path: Path, rows: int = GPL570_ROWS, seed: int = 0) -> dict[str, Any]:
    """A LABELLED REPLICA: GSE19161's real header and sample lines (61 samples, platform GPL9717),
    its 658 real data rows, then synthetic rows up to *rows* (GPL570's probe count) with
    ``SYNTHETIC_nnnnnn_at`` IDs and values drawn like the real ones (10 significant digits);
    ``!Sample_data_row_count`` is set to *rows*. Written gzipped to *path*."""
    text = gzip.decompress(MATRIX_FIXTURE.read_bytes()).decode("utf-8")
    lines = text.splitlines()
    begin = lines.index("!series_matrix_table_begin")
    end = lines.index("!series_matrix_table_end")
    header = [
        "\t".join([cells[0]] + [f'"{rows}"'] * (len(cells) - 1))
        if (cells := line.split("\t"))[0] == "!Sample_data_row_count"
        else line
        for line in lines[: begin + 2]
    ]
    real = lines[begin + 2 : end]
    n_samples = len(lines[begin + 1].split("\t")) - 1
    rng = np.random.default_rng(seed)
    values = rng.normal(9.5, 1.5, size=(rows - len(real), n_samples))
    synthetic = [
        f'"SYNTHETIC_{len(real) + i + 1:06d}_at"\t' + "\t".join(f"{v:.10g}" for v in row)
        for i, row in enumerate(values.tolist())
    ]
    body = "\n".join([*header, *real, *synthetic, "!series_matrix_table_end", ""]).encode("utf-8")
    path.write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
    return {
        "rows": rows,
        "real_rows": len(real),
        "samples": n_samples,
        "text_bytes": len(body),
        "gz_bytes": path.stat().st_size,
        "label": (
            f"REPLICA: GSE19161 header + {n_samples} real sample columns (GPL9717), {len(real)} real rows "
            f"+ {rows - len(real)} synthetic rows to reach GPL570's {rows} probes"
        ),
    }


def _proc_status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def _matrix_child(conn: Any, path: str, mode: str) -> None:
    try:
        import tracemalloc

        from omicskit.parsers.matrix import parse_series_matrix

        data = Path(path).read_bytes()
        gc.collect()
        result: dict[str, Any] = {"mode": mode}
        if mode == "tracemalloc":
            tracemalloc.start()
            start = time.perf_counter()
            parsed = parse_series_matrix(data)
            result["parse_s"] = time.perf_counter() - start
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            result.update(traced_peak=peak, traced_after=current)
        else:
            try:  # reset the peak-RSS mark (Linux >= 4.0) so VmHWM is the parse's own peak
                with open("/proc/self/clear_refs", "w") as fh:
                    fh.write("5")
                result["hwm_reset"] = True
            except OSError:
                result["hwm_reset"] = False
            before = _proc_status()
            start = time.perf_counter()
            parsed = parse_series_matrix(data)
            result["parse_s"] = time.perf_counter() - start
            after = _proc_status()
            result.update(rss_before=before["VmRSS"], rss_after=after["VmRSS"], rss_peak=after["VmHWM"])
        df = parsed.expression
        result.update(
            shape=list(df.shape),
            final_bytes=int(df.memory_usage(deep=True, index=True).sum()),
            dtypes=sorted({str(t) for t in df.dtypes}),
        )
        conn.send(result)
    except BaseException as exc:  # report, never hang the parent
        conn.send({"error": f"{type(exc).__name__}: {exc}"})


def _in_child(path: Path, mode: str) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_matrix_child, args=(child, str(path), mode))
    proc.start()
    child.close()
    result = parent.recv() if parent.poll(300) else {"error": "timeout"}
    proc.join(timeout=30)
    return result  # type: ignore[no-any-return]


def matrix_memory(rows: int = GPL570_ROWS) -> dict[str, Any]:
    """Peak memory of ``parse_series_matrix`` on the replica, each measure in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="okbench-matrix-") as tmp:
        path = Path(tmp) / "GSE19161_replica_series_matrix.txt.gz"
        info = build_matrix_replica(path, rows)
        traced = _in_child(path, "tracemalloc")
        rss = _in_child(path, "rss")
    out: dict[str, Any] = {"input": info, "tracemalloc": traced, "rss": rss}
    if "error" not in traced:
        out["final_bytes"] = traced["final_bytes"]
        out["ratio_traced"] = traced["traced_peak"] / traced["final_bytes"]
    if "error" not in rss:
        out["rss_delta"] = rss["rss_peak"] - rss["rss_before"]
        out["ratio_rss"] = out["rss_delta"] / rss["final_bytes"]
    out["pid"] = os.getpid()
    return out
