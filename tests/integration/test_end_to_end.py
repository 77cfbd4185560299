"""The public API end to end against :class:`omicskit.testing.FakeServices` over real HTTP.

search → series → samples/characteristics → files → publications, (a) under
NCBI's E-utilities rate limit with the default limits (no 429 may be served)
and (b) under 5 % seeded faults, where every requested item must come back
with the same content as in a fault-free run or be reported in
``Session.errors``. Expected values were read from the bundled real records
(``omicskit/testing/data``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import omicskit as ok
from omicskit.testing import REPLICA_BASE, FakeServices

pytestmark = pytest.mark.timeout(120)

EMAIL = "integration@example.org"
SEED = 20240611
#: Faster retries for the fault run only (the rate-limit run keeps every default).
QUICK_RETRIES = {"backoff_base": 0.02, "backoff_max": 0.2, "geo_rate": 50.0}
#: Real series that "cancer" finds in the fake (its bundled DocSums and SOFT-derived DocSums).
CANCER_HITS = {
    "GSE235534",
    "GSE146583",
    "GSE146540",
    "GSE146537",
    "GSE101426",
    "GSE100750",
    "GSE30521",
    "GSE19161",
}


def session(fake: FakeServices, **options: Any) -> ok.Session:
    return ok.Session(email=EMAIL, cache="memory", progress=False, **fake.config_overrides(), **options)


_FAKE_BASE = re.compile(r"http://127\.0\.0\.1:\d+")


def json_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NA → None, lists kept, dates ISO), the fake's port removed."""
    text = json.dumps(json.loads(df.to_json(orient="records", date_format="iso")))  # unescape "\\/"
    return list(json.loads(_FAKE_BASE.sub("http://fake", text)))


def rows_by(df: pd.DataFrame, key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in json_rows(df)}


# -- (a) the whole walk under NCBI's rate limit -------------------------------------------------
@pytest.fixture(scope="module")
def walk() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """One session walking the API with default limits; the frames, errors and the fake's stats."""
    with FakeServices(rate_limit=True) as fake, session(fake) as s:
        out: dict[str, Any] = {}
        errors: dict[str, pd.DataFrame] = {}
        out["search"] = s.search("cancer", limit=20)
        errors["search"] = s.errors
        out["series"] = s.series(list(out["search"].accession))
        errors["series"] = s.errors
        out["samples"] = s.samples(["GSE19161", "GSE100750"])
        errors["samples"] = s.errors
        out["characteristics"] = s.characteristics("GSE19161")
        out["files"] = s.files("GSE101426")
        errors["files"] = s.errors
        out["publications"] = s.publications(["GSE100750", "GSE19161"])
        errors["publications"] = s.errors
        out["cache"] = s.cache.stats()
        yield out, {"errors": errors, "fake": fake.stats()}


def test_rate_limit_never_exceeded(walk: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, facts = walk
    stats = facts["fake"]
    assert stats["served_429"] == 0, stats["statuses"]
    assert stats["max_per_second"]["eutils"] <= 3
    assert stats["max_per_second"].get("geo", 0) <= 50  # NCBI's request for /geo/


def test_search_finds_the_real_series(walk: tuple[dict[str, Any], dict[str, Any]]) -> None:
    frames, facts = walk
    hits = frames["search"]
    assert facts["errors"]["search"].empty
    assert set(hits.accession) == CANCER_HITS
    assert hits.attrs["count"] == len(CANCER_HITS)
    assert list(hits.columns[:4]) == ["accession", "title", "summary", "organism"]
    gse19161 = hits.set_index("accession").loc["GSE19161"]
    assert gse19161["n_samples"] == 61
    assert "21479231" in gse19161["pubmed_ids"]
    assert gse19161["platforms"] == ["GPL9717"]


def test_series_come_from_the_search_cache(walk: tuple[dict[str, Any], dict[str, Any]]) -> None:
    frames, facts = walk
    series = frames["series"]
    assert facts["errors"]["series"].empty
    assert list(series.accession) == list(frames["search"].accession)
    assert set(series.attrs["row_source"]) == {"cache"}  # the DocSums fetched by search() were reused
    pd.testing.assert_frame_equal(
        series.reset_index(drop=True), frames["search"].reset_index(drop=True), check_like=True
    )


def test_samples_and_characteristics(walk: tuple[dict[str, Any], dict[str, Any]]) -> None:
    frames, facts = walk
    smp = frames["samples"]
    assert facts["errors"]["samples"].empty
    assert len(smp) == 61 + 18
    assert smp.columns[0] == "accession"
    gsm = smp.set_index("accession").loc["GSM475065"]
    assert gsm["ch1.survival in months"] == "66"
    assert gsm["ch1.event indicator"] == "censored"
    assert gsm["platform"] == "GPL9717"
    assert "GSE19161" in gsm["series"]
    chars = frames["characteristics"]
    assert list(chars.columns) == ["accession", "channel", "key", "value"]
    assert chars.accession.nunique() == 61
    one = chars[chars.accession == "GSM475065"]
    assert dict(zip(one.key, one.value)) == {"survival in months": "66", "event indicator": "censored"}


def test_files_list_the_raw_archive_members(walk: tuple[dict[str, Any], dict[str, Any]]) -> None:
    frames, facts = walk
    files = frames["files"]
    assert facts["errors"]["files"].empty
    assert "GSE101426_RAW.tar" in set(files.name)
    members = files[files.archive == "GSE101426_RAW.tar"]
    assert len(members) > 0 and set(members.level) == {"sample"}
    assert members.accession.str.startswith("GSM").all()


def test_publications_of_the_paired_series(walk: tuple[dict[str, Any], dict[str, Any]]) -> None:
    frames, facts = walk
    pubs = frames["publications"]
    assert set(pubs.accession) == {"GSE100750", "GSE19161"}
    by_pmid = pubs.set_index("pmid")
    assert by_pmid.loc["28775130", "doi"] == "10.1136/oemed-2017-104431"
    assert by_pmid.loc["28775130", "pmcid"] == "PMC5771820"
    assert by_pmid.loc["28731372", "doi"] == "10.1177/1352458517722646"
    # failures of single papers are rows of errors, tied to the series they belong to
    assert set(facts["errors"]["publications"].accession) <= {"GSE100750", "GSE19161"}


# -- (b) 5 % faults: returned + reported = requested -------------------------------------------
N_REPLICAS = 21  # one replica of each SOFT-backed series: no two share a GSM accession


def replicas() -> list[str]:
    return [f"GSE{REPLICA_BASE + i}" for i in range(N_REPLICAS)]


def walk_replicas(fake: FakeServices, **options: Any) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    accs = replicas()
    out = {}
    with session(fake, **options) as s:
        out["search"] = (s.search("replica", limit=N_REPLICAS), s.errors)
        out["series"] = (s.series(accs), s.errors)
        out["samples"] = (s.samples(accs), s.errors)
        out["files"] = (s.files(accs), s.errors)
        out["publications"] = (s.publications(accs), s.errors)
    return out


#: Fault runs: with omicskit's retries (faults are absorbed) and without (faults become error rows);
#: small esummary chunks so E-utilities faults (error-in-200 JSON, 408 pages) hit several requests.
FAULT_MODES = {
    "retrying": {},
    "no-retry": {"retries": 0, "esummary_chunk": 5},
}


@pytest.fixture(scope="module")
def reference() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    with FakeServices(replicas=N_REPLICAS) as clean:
        return walk_replicas(clean, **QUICK_RETRIES)


@pytest.fixture(scope="module", params=list(FAULT_MODES))
def fault_runs(
    request: pytest.FixtureRequest, reference: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    with FakeServices(replicas=N_REPLICAS, faults=0.05, seed=SEED) as faulty:
        run = walk_replicas(faulty, **QUICK_RETRIES, **FAULT_MODES[request.param])
        stats = faulty.stats()
    return reference, run, stats


def error_keys(errors: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(errors.accession, errors.stage))


def test_faults_were_injected(fault_runs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> None:
    _, _, stats = fault_runs
    assert stats["faults_served"] > 0, stats
    assert stats["served_429"] == 0


@pytest.mark.parametrize("method", ["search", "series"])
def test_series_rows_returned_or_reported(
    fault_runs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]], method: str
) -> None:
    reference, run, _ = fault_runs
    ref_df, ref_err = reference[method]
    df, errors = run[method]
    assert ref_err.empty and len(ref_df) == N_REPLICAS
    expected = rows_by(ref_df, "accession")
    got = rows_by(df, "accession")
    failed = set(errors.accession)
    assert set(got) | failed == set(expected), "every requested series is returned or reported"
    for acc, row in got.items():
        assert row == expected[acc], f"{acc}: content differs from the fault-free run"


def per_series(df: pd.DataFrame, accs: list[str], owner: Any) -> dict[str, dict[Any, dict[str, Any]]]:
    out: dict[str, dict[Any, dict[str, Any]]] = {acc: {} for acc in accs}
    for full in json_rows(df):
        # wide frames (ch1.<key> columns) depend on which samples came back: compare set cells only
        row = {k: v for k, v in full.items() if v is not None}
        for acc in owner(row):
            if acc in out:
                out[acc][row.get("url") or row["accession"]] = row
    return out


OWNERS = {
    "samples": lambda row: row["series"],
    "files": lambda row: [row["accession"]] + ([row["archive"].split("_")[0]] if row.get("archive") else []),
    "publications": lambda row: [row["accession"]],
}


@pytest.mark.parametrize("method", ["samples", "files", "publications"])
def test_per_series_content_returned_or_reported(
    fault_runs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]], method: str
) -> None:
    reference, run, _ = fault_runs
    accs = replicas()
    ref_df, ref_err = reference[method]
    df, errors = run[method]
    expected = per_series(ref_df, accs, OWNERS[method])
    got = per_series(df, accs, OWNERS[method])
    # errors the clean run has too (papers the fake holds no record of) are not caused by faults
    new_failures = {acc for acc, _stage in error_keys(errors) - error_keys(ref_err)}
    checked = 0
    for acc in accs:
        if acc in new_failures:
            continue  # reported: partial or missing content is allowed, silently wrong is not
        assert got[acc] == expected[acc], f"{method}({acc}): differs from the fault-free run and is not in errors"
        checked += 1
    assert checked > 0
    if method != "publications":  # rows of a reported item must still be right where present
        for acc in new_failures:
            for key, row in got[acc].items():
                assert expected[acc].get(key) == row, f"{method}({acc}): wrong row {key}"
