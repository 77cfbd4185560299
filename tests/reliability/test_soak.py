"""Fault soak: a long batch against the fake services with 5 % faults of every kind.

One fault-free reference run and two faulty runs with the same seed are made
once per module (a module fixture) and the tests below check them:

* every requested item is either returned with the reference content or
  listed in ``Session.errors`` with stage, status and message;
* every entry of the disk cache decodes and equals the reference entry;
* the fake served no HTTP 429 (the E-utilities limiter is on);
* the second faulty run gives exactly the first one's results.

Scale: 500 series, each with its samples and files inventory (:data:`N_DEEP`);
three runs (reference + two faulty) take about 2.5 minutes on the 2-core CI
machine, bounded by the fake's rate limits. ``retries=1`` (default 5) so the
error paths run: with 5 retries at 5 % faults an item almost never fails.

The figures go to ``test-artifacts/soak.json`` for the README's reliability
section. A second, smaller test forces each fault kind alone at a high rate,
so every kind is certainly served and survived (at 5 % over a few hundred
requests a rare kind such as ``corrupt_gzip`` may not come up at all).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import omicskit as ok
from omicskit.cache.codec import decode_record
from omicskit.testing import ALL_FAULTS, REPLICA_BASE, Catalog, FakeServices
from omicskit.testing._app import FakeApp

pytestmark = pytest.mark.slow

N_SERIES = 500
N_DEEP = 500
SEED = 20240607
FAULT_RATE = 0.05
SERIES_RECORD_KEY = "omicskit:v1:soft-gse:"
SAMPLE_RECORD_KEY = "omicskit:v1:soft-gsm:GSM"
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "soak.json"
SESSION_OPTIONS: dict[str, Any] = {
    "email": "soak@example.invalid",
    "progress": False,
    "retries": 1,
    "backoff_base": 0.05,
    "backoff_max": 1.0,
    "geo_rate": 50.0,  # NCBI's stated ceiling for /geo/
    "esummary_chunk": 50,  # 10 E-utilities requests, so error-in-200 faults can occur
}


@dataclass
class Run:
    """What one soak run returned, failed and left in its cache."""

    frames: dict[str, list[dict[str, Any]]]
    errors: dict[str, pd.DataFrame]
    cache: dict[str, Any]
    transport: dict[str, int]
    fake: dict[str, Any]
    seconds: float
    requested: dict[str, list[str]] = field(default_factory=dict)


def accessions(n: int) -> list[str]:
    return [f"GSE{REPLICA_BASE + i}" for i in range(n)]


def portless(value: Any, base_url: str) -> Any:
    """*value* with the fake's ``http://127.0.0.1:<port>`` replaced by ``FAKE``
    (each run has its own port; everything else must match exactly)."""
    if isinstance(value, bytes):
        return value.replace(base_url.encode(), b"FAKE")
    return json.loads(json.dumps(value).replace(base_url, "FAKE"))


def read_disk_cache(directory: Path, base_url: str) -> dict[str, Any]:
    """Every entry of a closed disk cache, decoded (raises on a corrupt entry).

    Replicas share their sample accessions (``GSE9000001`` and ``GSE9000022``
    copy the same GSMs), so the ``series`` of a per-sample entry
    (``soft-gsm:GSM…``) names whichever replica finished last: that one field
    is dropped; the per-series entries keep it.
    """
    import diskcache

    out: dict[str, Any] = {}
    with diskcache.Cache(str(directory)) as cache:
        for key in list(cache.iterkeys()):
            blob = cache.get(key)
            assert isinstance(blob, bytes), f"{key}: stored as {type(blob).__name__}, not bytes"
            value = portless(decode_record(blob), base_url)
            if key.startswith(SAMPLE_RECORD_KEY):
                value.pop("series")
            out[key] = value
    return out


def rows_of(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NA → None, lists kept, dates ISO)."""
    return list(json.loads(df.to_json(orient="records", date_format="iso")))


def records(rows: list[dict[str, Any]], key: str = "accession") -> dict[str, dict[str, Any]]:
    """*rows* keyed by *key*."""
    return {row[key]: row for row in rows}


def soak_run(fake: FakeServices, cache_dir: Path) -> Run:
    """series(500) after samples(200) and files(200) (the order keeps the
    E-utilities requests away from the session's first request; see
    :func:`test_first_request_keeps_the_eutils_pace`)."""
    every, deep = accessions(N_SERIES), accessions(N_DEEP)
    frames: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, pd.DataFrame] = {}
    start = time.monotonic()
    with ok.Session(cache=str(cache_dir), **SESSION_OPTIONS, **fake.config_overrides()) as s:
        for name, accs in (("samples", deep), ("files", deep), ("series", every)):
            frames[name] = portless(rows_of(getattr(s, name)(accs)), fake.base_url)
            errors[name] = s.errors
        transport = dict(s.async_session.transport.stats)
    seconds = time.monotonic() - start
    requested = {"samples": deep, "files": deep, "series": every}
    return Run(frames, errors, read_disk_cache(cache_dir, fake.base_url), transport, fake.stats(), seconds, requested)


@dataclass
class Soak:
    reference: Run
    first: Run
    second: Run


def fake_services(catalog: Catalog, **options: Any) -> FakeServices:
    """A fresh fake (own fault sequence, rate window and log) over a prebuilt
    catalog: building 500 replicas takes 4-8 s, three times would eat the
    soak's budget. (``FakeServices`` has no ``catalog=`` argument yet.)"""
    fake = FakeServices(**options)
    fake.catalog = catalog
    fake.app = FakeApp(catalog, **options)
    return fake


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Soak]:
    root = tmp_path_factory.mktemp("soak")
    catalog = Catalog.base().with_replicas(N_SERIES)
    with fake_services(catalog) as fake:
        reference = soak_run(fake, root / "reference")
    runs = []
    for i in range(2):
        with fake_services(catalog, faults=FAULT_RATE, fault_kinds=ALL_FAULTS, seed=SEED) as fake:
            runs.append(soak_run(fake, root / f"faulty{i}"))
    result = Soak(reference, runs[0], runs[1])
    write_figures(result)
    yield result


def write_figures(soak: Soak) -> None:
    run = soak.first
    per_method = {}
    for name, accs in run.requested.items():
        failed = set(run.errors[name].accession)
        per_method[name] = {"requested": len(accs), "returned": len(accs) - len(failed), "in_errors": len(failed)}
    figures = {
        "fault_rate": FAULT_RATE,
        "fault_kinds": list(ALL_FAULTS),
        "seed": SEED,
        "series": N_SERIES,
        "series_with_samples_and_files": N_DEEP,
        "retries_setting": SESSION_OPTIONS["retries"],
        "items_requested": sum(m["requested"] for m in per_method.values()),
        "items_returned": sum(m["returned"] for m in per_method.values()),
        "items_in_errors": sum(m["in_errors"] for m in per_method.values()),
        "per_method": per_method,
        "http_requests": run.transport["requests"],
        "retries": run.transport["retries"],
        "faults_served": run.fake["faults_served"],
        "faults_by_kind": run.fake["faults"],
        "served_429": run.fake["served_429"],
        "max_eutils_per_second": run.fake["max_per_second"].get("eutils", 0),
        "cache_entries": len(run.cache),
        "corrupt_cache_entries": 0,  # read_disk_cache raised otherwise
        "seconds": round(run.seconds, 1),
        "reference_seconds": round(soak.reference.seconds, 1),
        "identical_on_repeat": same_results(soak.first, soak.second),
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")


def error_keys(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    return sorted((r.accession, r.stage, None if pd.isna(r.status) else int(r.status)) for r in df.itertuples())


def same_results(a: Run, b: Run) -> bool:
    for name in a.frames:
        if a.frames[name] != b.frames[name]:
            return False
        if error_keys(a.errors[name]) != error_keys(b.errors[name]):
            return False
    return a.cache == b.cache and a.fake["faults"] == b.fake["faults"]


# -- the checks ------------------------------------------------------------------------


def test_reference_run_is_clean(soak: Soak) -> None:
    """Without faults the only error rows are data gaps of the bundled records
    (three series are bundled without their sample blocks): not retryable."""
    ref = soak.reference
    assert ref.errors["series"].empty and ref.errors["files"].empty
    assert len(ref.errors["samples"]) <= 0.2 * N_DEEP
    assert not ref.errors["samples"].retryable.any()
    assert ref.fake["faults_served"] == 0
    assert {r["accession"] for r in ref.frames["series"]} == set(accessions(N_SERIES))
    members = {g for r in ref.frames["samples"] for g in r["series"]}
    # replicas of the three series bundled without sample blocks have none
    assert len(members & set(accessions(N_DEEP))) >= 0.8 * N_DEEP


@pytest.mark.parametrize("which", ["first", "second"])
def test_faults_were_served(soak: Soak, which: str) -> None:
    run: Run = getattr(soak, which)
    assert run.fake["faults_served"] >= 0.02 * run.fake["total"]
    assert len(run.fake["faults"]) >= 4, run.fake["faults"]  # each kind alone: test_each_fault_kind_is_survived
    assert run.transport["retries"] > 0


@pytest.mark.parametrize("which", ["first", "second"])
def test_every_error_row_is_complete(soak: Soak, which: str) -> None:
    run: Run = getattr(soak, which)
    for name, errors in run.errors.items():
        assert set(soak.reference.errors[name].accession) <= set(errors.accession)
        assert list(errors.columns) == ["accession", "stage", "status", "message", "retryable"]
        assert not errors.accession.duplicated().any(), errors
        assert set(errors.accession) <= set(run.requested[name])
        assert all(isinstance(v, str) and v for v in [*errors.stage, *errors.message])
        # the cause is named: an HTTP status, or a transport/validation error type
        for row in errors.itertuples():
            assert not pd.isna(row.status) or re.match(r"\w+Error: ", row.message), row


@pytest.mark.parametrize("which", ["first", "second"])
def test_series_returned_or_in_errors(soak: Soak, which: str) -> None:
    run, ref = getattr(soak, which), soak.reference
    got, want = records(run.frames["series"]), records(ref.frames["series"])
    failed = set(run.errors["series"].accession)
    assert not set(got) & failed
    assert len(got) + len(failed) == N_SERIES and set(got) | failed == set(accessions(N_SERIES))
    for acc, row in got.items():
        assert row == want[acc], acc


@pytest.mark.parametrize("which", ["first", "second"])
def test_samples_returned_or_in_errors(soak: Soak, which: str) -> None:
    run, ref = getattr(soak, which), soak.reference
    failed = set(run.errors["samples"].accession)
    got, want = records(run.frames["samples"]), records(ref.frames["samples"])
    present = {g for row in got.values() for g in row["series"]}
    assert not present & failed, "a failed series must not appear in any row"
    assert failed <= set(accessions(N_DEEP))
    returned = set(accessions(N_DEEP)) - failed  # a series may have no samples at all
    for gse in returned:  # the whole sample list of a returned series is there
        expected = {gsm for gsm, row in want.items() if gse in row["series"]}
        assert {gsm for gsm, row in got.items() if gse in row["series"]} == expected, gse
    for gsm, row in got.items():
        assert set(row["series"]) == set(want[gsm]["series"]) - failed, gsm
        assert {k: v for k, v in row.items() if k != "series"} == {
            k: v for k, v in want[gsm].items() if k != "series"
        }, gsm


@pytest.mark.parametrize("which", ["first", "second"])
def test_files_returned_or_in_errors(soak: Soak, which: str) -> None:
    run, ref = getattr(soak, which), soak.reference
    failed = set(run.errors["files"].accession)
    rows = run.frames["files"]
    want = ref.frames["files"]
    key = lambda r: r["url"] or f"{r['archive']}/{r['name']}"  # noqa: E731 - the frame's own row key
    got_by_key, want_by_key = {key(r): r for r in rows}, {key(r): r for r in want}
    assert len(got_by_key) == len(rows)
    for k, row in got_by_key.items():
        assert row == want_by_key[k], k
    for gse in accessions(N_DEEP):
        mine = {key(r) for r in rows if r["accession"] == gse}
        if gse in failed:
            assert not mine, f"{gse} failed but has rows"
        else:
            assert mine == {key(r) for r in want if r["accession"] == gse}, gse
    assert len(failed) + (N_DEEP - len(failed)) == N_DEEP and failed <= set(accessions(N_DEEP))


@pytest.mark.parametrize("which", ["first", "second"])
def test_cache_has_no_corrupt_entry(soak: Soak, which: str) -> None:
    """Every disk-cache entry decodes (checked while reading) and equals the
    reference entry: nothing partial, faulty or error-shaped was stored."""
    run, ref = getattr(soak, which), soak.reference
    assert run.cache, "the run cached nothing"
    extra = set(run.cache) - set(ref.cache)
    # A series whose viewer answer failed is read from the mirror's family
    # SOFT, which also holds the ^SERIES block the brief viewer answer lacks:
    # that record is cached as a by-product. Anything else must be in the reference.
    assert all(k.startswith(SERIES_RECORD_KEY) for k in extra), sorted(extra)[:5]
    for k in extra:
        assert run.cache[k]["accession"] == k.removeprefix(SERIES_RECORD_KEY)
    wrong = [k for k, v in run.cache.items() if k in ref.cache and v != ref.cache[k]]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("which", ["reference", "first", "second"])
def test_no_429_with_the_limiter_on(soak: Soak, which: str) -> None:
    run: Run = getattr(soak, which)
    assert run.fake["served_429"] == 0
    assert run.transport["rate_limited"] == 0
    assert run.fake["max_per_second"].get("eutils", 0) <= 3


def test_same_seed_same_result(soak: Soak) -> None:
    a, b = soak.first, soak.second
    for name in a.frames:
        assert a.frames[name] == b.frames[name], name
        assert error_keys(a.errors[name]) == error_keys(b.errors[name])
    assert a.fake["faults"] == b.fake["faults"]
    assert a.cache == b.cache


def test_figures_written(soak: Soak) -> None:
    figures = json.loads(ARTIFACT.read_text())
    assert figures["items_requested"] == figures["items_returned"] + figures["items_in_errors"]
    assert figures["served_429"] == 0 and figures["identical_on_repeat"] is True


# -- every fault kind alone, at a high rate -----------------------------------------------

N_KIND = 8  # replicas of GSE100750 … GSE19161: viewer SOFT, family-SOFT fallback, a matrix
MATRIX_SERIES = f"GSE{REPLICA_BASE + 7}"  # the replica of GSE19161, which has a series matrix


def kind_run(fake: FakeServices, cache_dir: Path) -> tuple[dict[str, Any], dict[str, set[str]], dict[str, Any]]:
    accs = accessions(N_KIND)
    out: dict[str, Any] = {}
    failed: dict[str, set[str]] = {}
    options = {**SESSION_OPTIONS, "retries": 2, "esummary_chunk": 2, "backoff_max": 0.3}
    with ok.Session(cache=str(cache_dir), **options, **fake.config_overrides()) as s:
        for name in ("samples", "files", "series"):
            out[name] = portless(rows_of(getattr(s, name)(accs)), fake.base_url)
            failed[name] = set(s.errors.accession)
        matrix = s.expression(MATRIX_SERIES)
        out["expression"] = None if len(s.errors) else matrix.to_dict()
        failed["expression"] = set(s.errors.accession)
    return out, failed, read_disk_cache(cache_dir, fake.base_url)


@pytest.fixture(scope="module")
def kind_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalog, Any, dict[str, Any]]:
    catalog = Catalog.base().with_replicas(N_KIND)
    assert catalog.replicas()[MATRIX_SERIES] == "GSE19161"
    with fake_services(catalog) as fake:
        out, failed, cache = kind_run(fake, tmp_path_factory.mktemp("kind-reference"))
    assert not (failed["files"] or failed["series"] or failed["expression"]), failed
    return catalog, (out, failed), cache


@pytest.mark.parametrize("kind", ALL_FAULTS)
def test_each_fault_kind_is_survived(kind: str, kind_reference: Any, tmp_path: Path) -> None:
    """30 % of the answers carry one fault kind: it is served, and every item
    is still either correct or an error row; the cache holds only good entries."""
    catalog, (want, want_failed), want_cache = kind_reference
    with fake_services(catalog, faults=0.3, fault_kinds=(kind,), seed=SEED) as fake:
        got, failed, cache = kind_run(fake, tmp_path)
        stats = fake.stats()
    assert stats["faults"].get(kind, 0) >= 1, stats["faults"]
    assert stats["served_429"] == 0
    for name in ("samples", "files", "series"):
        assert want_failed[name] <= failed[name] <= set(accessions(N_KIND))
        assert all(row in want[name] for row in got[name] if row["accession"] not in failed[name]), name
    if failed["samples"] == want_failed["samples"]:
        assert got["samples"] == want["samples"]
    if not failed["series"]:
        assert got["series"] == want["series"]
    assert failed["expression"] or got["expression"] == want["expression"]
    assert all(v == want_cache.get(k, v) for k, v in cache.items())
    assert set(cache) - set(want_cache) <= {k for k in cache if k.startswith(SERIES_RECORD_KEY)}


# -- the limiter and the session's first request -----------------------------------------


def test_first_request_keeps_the_eutils_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first E-utilities requests of a fresh session stay within 3 per second
    even when building the HTTP client is slow (here 0.3 s; loading the CA
    bundle takes 30-100 ms on a busy machine, enough for a 429 with an API key)."""
    import omicskit._transport as transport_module

    base = transport_module.httpx.AsyncClient

    class SlowClient(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            time.sleep(0.3)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(transport_module.httpx, "AsyncClient", SlowClient)
    with FakeServices(replicas=40) as fake:
        with ok.Session(cache="memory", **{**SESSION_OPTIONS, "esummary_chunk": 10}, **fake.config_overrides()) as s:
            s.series(accessions(40))
            assert s.errors.empty
        assert fake.stats()["served_429"] == 0
