"""Dry runs: request counts and times at the limits, without sending anything."""

from __future__ import annotations

import pandas as pd
import pytest

import omicskit as ok
from omicskit.config import Config
from omicskit.estimate import METHODS, estimate


def test_search_counts_esearch_and_esummary_chunks() -> None:
    assert estimate("search", 100).requests == {"eutils": 2}
    assert estimate("search", 1200).requests == {"eutils": 1 + 3}
    assert estimate("search", 25_000).requests == {"eutils": 3 + 50}


def test_series_uses_500_uid_chunks_and_viewer_per_series() -> None:
    assert estimate("series", 600).requests == {"eutils": 2}
    assert estimate("samples", 250).requests == {"geo": 250}
    assert estimate("characteristics", 3).total_requests == 3
    assert estimate("expression", 1).requests == {"ftp": 2}
    assert estimate("papers", 10).method == "publications"
    assert estimate("series", 0).total_requests == 0


def test_times_with_and_without_api_key() -> None:
    est = estimate("series", 5000)  # 10 esummary requests
    assert est.seconds_without_key == pytest.approx(10 / 2.4)
    assert est.seconds_with_key == pytest.approx(10 / 8.0)
    assert est.seconds == est.seconds_without_key and not est.has_api_key
    keyed = estimate("series", 5000, Config(api_key="k"))
    assert keyed.seconds == keyed.seconds_with_key and keyed.has_api_key
    geo = estimate("samples", 100)
    assert geo.seconds_with_key == geo.seconds_without_key == pytest.approx(100 / 40.0)
    text = str(est)
    assert "10 request(s)" in text and "3/s" in text and "10/s" in text
    assert est.as_dict()["total_requests"] == 10


def test_bad_input() -> None:
    with pytest.raises(ok.InvalidQueryError, match="known methods"):
        estimate("frobnicate", 3)
    with pytest.raises(ok.InvalidQueryError):
        estimate("series", -1)
    assert {"search", "samples", "download", "publications"} <= set(METHODS)


def test_session_estimate_counts_accessions_and_sends_nothing() -> None:
    with ok.Session(
        cache="none", progress=False, eutils_url="http://127.0.0.1:9/e", geo_url="http://127.0.0.1:9/g"
    ) as s:
        assert s.estimate("samples", ["GSE19161", "GSE100750"]).requests == {"geo": 2}
        assert s.estimate("samples", pd.DataFrame({"accession": ["GSE1", "GSE2", "GSE3"]})).n_items == 3
        assert s.estimate("search", 1000).requests == {"eutils": 3}
        with pytest.raises(ok.InvalidAccessionError):
            s.estimate("samples", ["not-an-accession"])
        assert s.async_session.transport.stats["requests"] == 0
