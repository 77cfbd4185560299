"""Scenario variant "realistic family size" (rows 1r and 2r of the table).

The fake's family SOFT files are tiny (the bundled fixtures' data tables were
cut short upstream), which makes the old approach look far cheaper than it is
on real GEO. This module builds **LABELLED REPLICAS** of realistic size and
serves them from a small extra HTTP server process (the fake's
``FakeServices`` is untouched):

* source: the fake's own family file of a GSE19161 replica (``GSE9000008``,
  ``GSE9000029``, … — the replicas the fake's E-utilities and accession viewer
  already answer for): every real metadata line of the series, platform and
  61 sample blocks is kept, with each sample's 658 real data rows;
* synthetic: each sample table (``ID_REF``/``VALUE``) and the platform table
  are extended with rows ``SYNTHETIC_nnnnnn_at`` up to GPL570's 54,675 probes
  (values drawn N(9.5, 1.5) and written with 10 significant digits like the
  real ones; the platform rows keep the real 11 columns with placeholder
  annotation), and ``!Sample_data_row_count`` / ``!Platform_data_row_count``
  say 54,675. A ``#`` comment line at the top of every file says so (the old
  approach's parser, like GEOparse, ignores lines before the first ``^``).

GSE19161's real platform (GPL9717) is a 658-probe custom chip, so these files
stand for "a 61-sample GPL570 series with GSE19161's metadata", not for GSE19161.
The gzip files are generated once and cached in ``$TMPDIR/okbench-realistic-v1``
(multi-member gzip: the synthetic table of sample *i* is compressed once and
shared by every replica; ``gzip``/``GEOparse`` read multi-member files as one).

The server adds the fake mirror's latency (100 ms before the first byte) and
paces each response to :data:`CONN_BYTES_PER_S` per connection and
:data:`TOTAL_BYTES_PER_S` over all connections (see the README for why).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import multiprocessing as mp
import os
import re
import socketserver
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CONN_BYTES_PER_S",
    "GPL570_ROWS",
    "SOURCE",
    "TOTAL_BYTES_PER_S",
    "RealisticMirror",
    "build_families",
    "cache_dir",
    "replica_accessions",
]

#: The real series whose replicas get realistic tables.
SOURCE = "GSE19161"
GPL570_ROWS = 54_675
#: Per-connection mirror bandwidth (10 MB/s ≈ 80 Mbit/s) and the client's total link (≈ 1 Gbit/s).
CONN_BYTES_PER_S = 10_000_000
TOTAL_BYTES_PER_S = 125_000_000
#: Seconds before the first byte (the fake mirror's benchmark latency).
LATENCY_S = 0.10
VERSION = "v1"
LABEL = (
    "# SYNTHETIC REPLICA (omicskit benchmarks/realistic.py): real {source} metadata, platform and sample "
    "blocks (replica {acc}); every data table extended with SYNTHETIC_nnnnnn_at rows up to GPL570's {rows} "
    "probes. Not a GEO record."
)


def cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"okbench-realistic-{VERSION}"


def replica_accessions(n_replicas: int, limit: int) -> list[str]:
    """The fake's replica accessions whose source is :data:`SOURCE` (at most *limit*)."""
    from omicskit.testing._catalog import REPLICA_BASE, SERIES_SOURCES

    sources = list(SERIES_SOURCES)
    idx = sources.index(SOURCE)
    return [f"GSE{REPLICA_BASE + i}" for i in range(idx, n_replicas, len(sources))][:limit]


# -- building the files ------------------------------------------------------------------------
_TABLE = re.compile(r"(!(?:sample|platform)_table_begin\n[^\n]*\n)(.*?)(!(?:sample|platform)_table_end\n)", re.S)


def _gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def _synthetic_sample_rows(first: int, last: int, seed: int) -> str:
    values = np.random.default_rng(seed).normal(9.5, 1.5, size=last - first + 1)
    return "".join(f"SYNTHETIC_{n:06d}_at\t{v:.10g}\n" for n, v in zip(range(first, last + 1), values.tolist()))


def _synthetic_platform_rows(first: int, last: int, n_columns: int) -> str:
    pad = "\t" * (n_columns - 7)
    return "".join(
        f"SYNTHETIC_{n:06d}_at\tHomo sapiens\tConsensus sequence\tGenBank\tSYN{n:06d}\t\tsynthetic probe {n}{pad}\n"
        for n in range(first, last + 1)
    )


@functools.cache
def _catalog(n_replicas: int) -> Any:
    from omicskit.testing._catalog import Catalog

    return Catalog.base().with_replicas(n_replicas)


def _family_text(acc: str, n_replicas: int) -> str:
    """The fake mirror's family SOFT of replica *acc* (exactly the bytes the fake serves)."""
    catalog = _catalog(n_replicas)
    rec = catalog.record(acc)
    assert rec is not None and rec.replica_of == SOURCE, (acc, rec and rec.replica_of)
    return catalog.family_soft(rec).decode("utf-8")


def build_families(accessions: list[str], n_replicas: int, rows: int = GPL570_ROWS) -> dict[str, Any]:
    """Write ``<cache_dir>/<acc>_family.soft.gz`` for every accession (reused when present)."""
    out = cache_dir()
    out.mkdir(parents=True, exist_ok=True)
    shared: dict[tuple[str, int, int], bytes] = {}  # (kind, index) → gzip member of synthetic rows
    info: dict[str, Any] = {"dir": str(out), "files": {}}
    started = time.perf_counter()
    for acc in accessions:
        path = out / f"{acc}_family.soft.gz"
        if not path.exists():
            text = _family_text(acc, n_replicas)
            text = re.sub(r"(!(?:Sample|Platform)_data_row_count = )\d+", rf"\g<1>{rows}", text)
            members = [_gz(LABEL.format(source=SOURCE, acc=acc, rows=rows) + "\n")]
            pos = 0
            sample_no = 0
            for m in _TABLE.finditer(text):
                header, body = m.group(1), m.group(2)
                real = body.count("\n")
                kind = "platform" if header.startswith("!platform") else "sample"
                key = (kind, sample_no if kind == "sample" else 0, real)
                if key not in shared:
                    if kind == "platform":
                        n_cols = header.split("\n")[1].count("\t") + 1
                        shared[key] = _gz(_synthetic_platform_rows(real + 1, rows, n_cols))
                    else:
                        shared[key] = _gz(_synthetic_sample_rows(real + 1, rows, seed=1000 + sample_no))
                if kind == "sample":
                    sample_no += 1
                members += [_gz(text[pos : m.start(3)]), shared[key]]
                pos = m.start(3)
            members.append(_gz(text[pos:]))
            tmp = path.with_suffix(".part")
            tmp.write_bytes(b"".join(members))
            os.replace(tmp, path)
        info["files"][acc] = path.stat().st_size
    info["build_s"] = time.perf_counter() - started
    first = out / f"{accessions[0]}_family.soft.gz"
    with gzip.open(first, "rb") as fh:
        raw = fh.read()
    text = raw.decode("utf-8")
    info.update(
        source=SOURCE,
        rows_per_table=rows,
        samples_per_series=text.count("^SAMPLE = "),
        tables_per_series=text.count("_table_begin"),
        real_rows_per_sample=658,
        text_bytes=len(raw),
        gz_bytes=first.stat().st_size,
        sha256=hashlib.sha256(first.read_bytes()).hexdigest()[:16],
        label=LABEL.format(source=SOURCE, acc=accessions[0], rows=rows),
    )
    return info


# -- the extra mirror process ------------------------------------------------------------------
class _Pacer:
    """Total-link pacing shared by all connections: each chunk books its slot on one timeline."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.lock = threading.Lock()
        self.free_at = 0.0

    def book(self, nbytes: int) -> float:
        with self.lock:
            now = time.monotonic()
            self.free_at = max(self.free_at, now) + nbytes / self.rate
            return self.free_at


def _serve(conn: Any, directory: str, latency: float, conn_rate: float, total_rate: float) -> None:
    root = Path(directory)
    pacer = _Pacer(total_rate)
    stats_lock = threading.Lock()
    stats: dict[str, Any] = {"total": 0, "bytes": 0, "not_found": 0, "per_second": {}}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            name = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
            path = root / name
            with stats_lock:
                stats["total"] += 1
                sec = int(time.time())
                stats["per_second"][sec] = stats["per_second"].get(sec, 0) + 1
            time.sleep(latency)
            if not name.endswith("_family.soft.gz") or not path.is_file():
                with stats_lock:
                    stats["not_found"] += 1
                self.send_error(404)
                return
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            chunk = 64 * 1024
            start = time.monotonic()
            for off in range(0, len(data), chunk):
                piece = data[off : off + chunk]
                due = max(start + (off + len(piece)) / conn_rate, pacer.book(len(piece)))
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.wfile.write(piece)
            with stats_lock:
                stats["bytes"] += len(data)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn.send({"url": f"http://127.0.0.1:{server.server_address[1]}/geo"})
    try:
        while True:
            cmd = conn.recv()
            if cmd == "stop":
                break
            if cmd == "stats":
                with stats_lock:
                    per = stats["per_second"]
                    conn.send(
                        {
                            "total": stats["total"],
                            "bytes": stats["bytes"],
                            "not_found": stats["not_found"],
                            "max_per_second": max(per.values()) if per else 0,
                        }
                    )
            elif cmd == "reset":
                with stats_lock:
                    stats.update(total=0, bytes=0, not_found=0, per_second={})
                conn.send(None)
    finally:
        server.shutdown()
        conn.send("stopped")


class RealisticMirror:
    """The realistic family files served over HTTP from a spawned process (``ftp_url`` = :attr:`url`)."""

    def __init__(
        self,
        directory: Path,
        *,
        latency: float = LATENCY_S,
        conn_rate: float = CONN_BYTES_PER_S,
        total_rate: float = TOTAL_BYTES_PER_S,
    ) -> None:
        self.args = (str(directory), latency, conn_rate, total_rate)
        self._proc: Any = None
        self._conn: Any = None
        self.url = ""

    def __enter__(self) -> RealisticMirror:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, *self.args), name="okbench-mirror", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(60):
            self.__exit__()
            raise RuntimeError("the realistic mirror did not start within 60 s")
        self.url = parent.recv()["url"]
        return self

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        return self._conn.recv()  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._conn.send("reset")
        self._conn.recv()

    def __exit__(self, *exc: object) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        try:
            conn.send("stop")
            conn.poll(10) and conn.recv()
        except (OSError, EOFError):
            pass
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)


# -- the scenarios (rows 1r and 2r) --------------------------------------------------------------
#: What omicskit's ``search`` is asked for; the fake's E-utilities answer with exactly the
#: GSE19161 replicas (highest uid first).
QUERY = "ovarian replica"
TERM = f"({QUERY}) AND gse[ETYP]"


def _measure(fake: Any, mirror: RealisticMirror, run: Any, check: Any) -> tuple[float, dict[str, Any]]:
    from .scenarios import QUIET, _traffic

    time.sleep(QUIET)
    fake.reset_log()
    mirror.reset()
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    facts = check(result)
    facts.update(_traffic(fake.stats()))
    got = mirror.stats()
    if got["total"]:
        facts["requests"] += got["total"]
        facts["endpoints"] = {**facts["endpoints"], "mirror/realistic soft": got["total"]}
        facts["max_per_second"] = {**facts["max_per_second"], "mirror": got["max_per_second"]}
    facts["mirror_bytes"] = got["bytes"]
    facts["mirror_404"] = got["not_found"]
    return elapsed, facts


def _with_bytes(res: dict[str, Any], runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    for name, facts in runs.items():
        res[name]["mirror_bytes"] = facts[-1]["mirror_bytes"] if facts else 0
    return res


def realistic_scenarios(fake: Any, n: int, reps: int, old_reps: int, n_replicas: int) -> dict[str, Any]:
    """1r (search + summaries) and 2r (samples) of *n* GSE19161 replicas with realistic family files."""
    import omicskit as ok

    from .old_approach import OldApproach
    from .scenarios import EMAIL, _runs

    urls = fake.config_overrides()
    accessions = replica_accessions(n_replicas, n_replicas)
    files = build_families(accessions, n_replicas)
    out: dict[str, Any] = {
        "n": n,
        "files": files,
        "bandwidth": {
            "per_connection_bytes_per_s": CONN_BYTES_PER_S,
            "total_bytes_per_s": TOTAL_BYTES_PER_S,
            "latency_s": LATENCY_S,
        },
    }
    seen: dict[str, list[dict[str, Any]]] = {}

    def keep(name: str, one: Any) -> Any:
        def run() -> tuple[float, dict[str, Any]]:
            elapsed, facts = one()
            seen.setdefault(name, []).append(facts)
            return elapsed, facts

        return run

    with RealisticMirror(cache_dir()) as mirror:
        mirror_urls = {**urls, "ftp_url": mirror.url}
        old = OldApproach(mirror_urls)

        def _session(_fake: Any, cache: Any, **options: Any) -> Any:
            return ok.Session(email=EMAIL, cache=cache, progress=False, **{**mirror_urls, **options})

        hits = old.esearch(TERM, n)
        assert len(hits) == n and set(hits) <= set(accessions), hits

        def ok_search() -> tuple[float, dict[str, Any]]:
            with (
                tempfile.TemporaryDirectory(prefix="okbench-cold-r-") as tmp,
                _session(fake, tmp) as s,
            ):
                return _measure(
                    fake,
                    mirror,
                    lambda: s.search(QUERY, limit=n),
                    lambda df: {"items": len(df), "errors": len(s.errors)},
                )

        def old_search() -> tuple[float, dict[str, Any]]:
            return _measure(
                fake, mirror, lambda: old.search(TERM, n), lambda df: {"items": len(df), "errors": len(old.errors)}
            )

        seen.clear()
        out["search"] = _with_bytes(
            _runs({"omicskit": (reps, keep("omicskit", ok_search)), "old": (old_reps, keep("old", old_search))}),
            seen,
        )

        def ok_samples(**options: Any) -> Any:
            def run() -> tuple[float, dict[str, Any]]:
                with _session(fake, False, **options) as s:
                    return _measure(
                        fake,
                        mirror,
                        lambda: s.samples(hits),
                        lambda df: {
                            "items": int(df["accession"].nunique()),
                            "rows": len(df),
                            "errors": len(s.errors),
                        },
                    )

            return run

        def old_samples() -> tuple[float, dict[str, Any]]:
            return _measure(
                fake,
                mirror,
                lambda: old.samples(hits),
                lambda df: {"items": int(df["accession"].nunique()), "rows": len(df), "errors": len(old.errors)},
            )

        seen.clear()
        out["samples"] = _with_bytes(
            _runs(
                {
                    "omicskit": (reps, keep("omicskit", ok_samples())),
                    "omicskit_geo50": (reps, keep("omicskit_geo50", ok_samples(geo_rate=50.0))),
                    "old": (old_reps, keep("old", old_samples)),
                }
            ),
            seen,
        )
    out["accessions"] = hits
    return out
