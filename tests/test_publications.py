"""Session.publications with respx routes answering real recorded responses.

The recorded literature answers in tests/data/literature/ (PROVENANCE.tsv there)
are not the papers of any GEO series in tests/data/eutils/. Each test therefore
pairs them explicitly: a real series DocSum whose ``pubmedids`` are re-keyed to
the PMIDs of a real PubMed efetch answer, and per-DOI routes that answer with a
real Unpaywall / Crossref recording of *another* DOI (DOI-keyed answers are kept
under the DOI that was asked). Everything built rather than recorded says so.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pandas as pd
import pytest
import yaml

from .conftest import read

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
IDCONV = "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0"
UNPAYWALL = "https://api.unpaywall.org/v2"
EPMC = "https://www.ebi.ac.uk/europepmc/webservices/rest"
CROSSREF = "https://api.crossref.org"
ARXIV = "https://export.arxiv.org/api"
BIORXIV = "https://api.biorxiv.org"

# Real ID converter answer for 10.7554/eLife.09560 (PMID 26354291), quoted in
# elifesciences/elife-metrics src/article_metrics/pm/citations.py (commit 2ef1c6b8);
# the same bytes tests/parsers/test_oa.py uses. None of the papers below is in it,
# so it stands for "the converter knows none of these ids".
IDCONV_ELIFE = json.dumps(
    {
        "status": "ok",
        "responseDate": "2017-01-31 13:35:10",
        "request": "ids=10.7554%2FeLife.09560;format=json",
        "records": [
            {
                "pmcid": "PMC4559886",
                "pmid": "26354291",
                "doi": "10.7554/eLife.09560",
                "versions": [{"pmcid": "PMC4559886.1", "current": "true"}],
            }
        ],
    }
).encode()
# Unpaywall's documented error layout (built; no recorded error body exists in the fixtures).
UPW_404 = b'{"HTTP_status_code": 404, "error": true, "message": "not in Unpaywall."}'
UPW_422 = b'{"HTTP_status_code": 422, "error": true, "message": "Email address required."}'


def lit(name: str) -> bytes:
    return read(f"literature/{name}")


def series_docsums(pmids: dict[str, list[str]]) -> bytes:
    """The real adgencov esummary answer with each series' ``pubmedids`` re-keyed (pairing)."""
    payload = json.loads(read("eutils/adgencov_esummary_gds.json"))
    result = payload["result"]
    uids = [u for u in result["uids"] if result[u].get("accession") in pmids]
    for uid in uids:
        result[uid]["pubmedids"] = pmids[result[uid]["accession"]]
    payload["result"] = {"uids": uids, **{u: result[u] for u in uids}}
    return json.dumps(payload).encode()


def elink_json(links: dict[str, list[str]]) -> bytes:
    """ELink gds->pubmed JSON in the documented linksets layout (built: no real gds_pubmed
    ELink JSON is in the fixtures; tests/parsers/test_pubmed.py uses the same layout)."""
    linksets = [
        {
            "dbfrom": "gds",
            "ids": [uid],
            "linksetdbs": [{"dbto": "pubmed", "linkname": "gds_pubmed", "links": pmids}] if pmids else [],
        }
        for uid, pmids in links.items()
    ]
    return json.dumps({"header": {"type": "elink", "version": "0.3"}, "linksets": linksets}).encode()


def crossref_recording() -> tuple[bytes, dict[str, str]]:
    """Body and headers of the real habanero cassette for /works/10.1371/journal.pone.0033693."""
    (interaction,) = yaml.safe_load(lit("habanero_test_works_with_one_id.yaml"))["interactions"]
    response = interaction["response"]
    headers = {k: v[0] for k, v in response["headers"].items() if k.lower().startswith("x-")}
    return response["content"].encode(), headers


def route_pubmed(router: Any, efetch: bytes, docsums: bytes, elink: bytes | None) -> dict[str, Any]:
    routes = {
        "esummary": router.get(url__startswith=f"{EUTILS}/esummary.fcgi").respond(200, content=docsums),
        "efetch": router.get(url__startswith=f"{EUTILS}/efetch.fcgi").respond(200, content=efetch),
        "idconv": router.get(url__startswith=IDCONV).respond(200, content=IDCONV_ELIFE),
    }
    if elink is not None:
        routes["elink"] = router.post(url__startswith=f"{EUTILS}/elink.fcgi").respond(200, content=elink)
    return routes


def route_fallbacks(router: Any, *, europepmc: bool = True) -> None:
    """Services not routed otherwise do not know the item: 404, or an empty real answer.
    (respx replaces a route with an identical pattern, so a test that routed Europe PMC
    itself passes ``europepmc=False``.)"""
    for base in (UNPAYWALL, CROSSREF):
        router.get(url__startswith=base).respond(404, content=UPW_404)
    if europepmc:
        router.get(url__startswith=f"{EPMC}/search").respond(200, content=lit("search_no_results.json"))
    router.get(url__startswith=ARXIV).respond(200, content=lit("rsxiv_query_empty.xml"))


# ---------------------------------------------------------------- happy path + cache


@pytest.fixture
def two_series(router):  # type: ignore[no-untyped-def]
    """GSE95632 and GSE52778 (real DocSums) paired with the two papers of the real efetch
    answer biopython_pubmed2.xml; ELink adds the second paper to GSE95632."""
    docsums = series_docsums({"GSE95632": ["11748933"], "GSE52778": ["11700088"]})
    routes = route_pubmed(
        router,
        lit("biopython_pubmed2.xml"),
        docsums,
        elink_json({"200095632": ["11748933", "11700088"], "200052778": ["11700088"]}),
    )
    body, headers = crossref_recording()
    routes["unpaywall_cryo"] = router.get(f"{UNPAYWALL}/10.1006/cryo.2001.2328").respond(
        200, content=lit("upw_10.1016_j.envint.2020.105730.json")
    )
    routes["unpaywall_jmre"] = router.get(f"{UNPAYWALL}/10.1006/jmre.2001.2429").respond(
        200, content=lit("upw_10.1103_physreve.88.012814.json")
    )
    routes["crossref"] = router.get(url__startswith=f"{CROSSREF}/works/").respond(200, content=body, headers=headers)
    routes["europepmc"] = router.get(url__startswith=f"{EPMC}/search").respond(
        200, content=lit("search_cancer_core.json")
    )
    return routes


COLUMNS = [
    "accession",
    "pmid",
    "doi",
    "pmcid",
    "title",
    "journal",
    "year",
    "is_oa",
    "oa_status",
    "best_oa_url",
    "pdf_url",
    "license",
    "version",
    "host_type",
    "source",
]


def test_publications_rows_and_columns(session_factory, two_series) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    df = s.publications(["GSE95632", "GSE52778"])
    assert list(df.columns) == COLUMNS
    assert list(zip(df.accession, df.pmid)) == [
        ("GSE95632", "11748933"),
        ("GSE95632", "11700088"),
        ("GSE52778", "11700088"),
    ]
    assert str(df.year.dtype) == "Int64" and str(df.is_oa.dtype) == "boolean"
    cryo = df.iloc[0]
    assert cryo.doi == "10.1006/cryo.2001.2328" and cryo.journal == "Cryobiology" and cryo.year == 2001
    assert cryo.title.startswith("Is cryopreservation a homogeneous process?")
    assert pd.isna(cryo.pmcid)  # not in PMC: the ID converter did not know it either
    # the OA answer is the Unpaywall recording routed for this DOI (gold, publisher, no PDF)
    assert (cryo.is_oa, cryo.oa_status, cryo.source, cryo.host_type) == (True, "gold", "unpaywall", "publisher")
    assert (cryo.license, cryo.version) == ("cc-by-nc-nd", "publishedVersion")
    jmre = df.iloc[1]
    assert (jmre.oa_status, jmre.version) == ("hybrid", "acceptedVersion")
    assert jmre.pdf_url == jmre.best_oa_url == "https://link.aps.org/accepted/10.1103/PhysRevE.88.012814"
    assert df.iloc[2].drop("accession").equals(jmre.drop("accession"))
    assert s.errors.empty


def test_publications_request_costs_and_warm_cache(session_factory, two_series) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    s.publications(["GSE95632", "GSE52778"])
    calls = {name: route.call_count for name, route in two_series.items()}
    # one esummary, one ELink, one efetch, one ID converter and one Europe PMC call for both
    # series; then one Unpaywall and one Crossref request per DOI
    assert calls == {
        "esummary": 1,
        "efetch": 1,
        "idconv": 1,
        "elink": 1,
        "unpaywall_cryo": 1,
        "unpaywall_jmre": 1,
        "crossref": 2,
        "europepmc": 1,
    }
    efetch = two_series["efetch"].calls.last.request
    assert efetch.url.params["id"] == "11748933,11700088"
    assert {"tool", "email"} <= set(efetch.url.params)  # NCBI identity on every E-utilities call
    crossref = two_series["crossref"].calls.last.request
    assert crossref.url.params["mailto"] == "tester@example.org"
    epmc = two_series["europepmc"].calls.last.request.url.params
    assert epmc["query"] == "(EXT_ID:11748933 OR EXT_ID:11700088) AND SRC:MED"
    assert (epmc["format"], epmc["resultType"]) == ("json", "core")
    before = sum(route.call_count for route in two_series.values())
    requests = s.async_session.transport.stats["requests"]
    again = s.publications(["GSE95632", "GSE52778"])
    assert sum(route.call_count for route in two_series.values()) == before  # per-item cache
    assert s.async_session.transport.stats["requests"] == requests and again.attrs["requests"] == 0
    assert len(again) == 3 and s.errors.empty


def test_crossref_rate_follows_headers(session_factory, two_series) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    assert s.async_session.limiters["crossref"].rate == 500.0  # the fast test rate
    s.publications("GSE95632")
    # the recording says x-ratelimit-limit: 50 per x-ratelimit-interval: 1s
    assert s.async_session.limiters["crossref"].rate == 50.0
    assert s.async_session.transport.limiters["crossref"] is s.async_session.limiters["crossref"]


# ---------------------------------------------------------------- Europe PMC / faults


@pytest.fixture
def epmc_series(router):  # type: ignore[no-untyped-def]
    """GSE34313 (real DocSum) paired with PMID 40437959, an open-access PMC article of the
    real Europe PMC answer search_cancer_core.json. The efetch route answers with a real
    PubMed answer that does not hold that PMID, so PubMed reports it missing."""
    docsums = series_docsums({"GSE34313": ["40437959"]})
    routes = route_pubmed(router, lit("metapub_pmid_23657305.xml"), docsums, None)
    routes["europepmc"] = router.get(url__startswith=f"{EPMC}/search").respond(
        200, content=lit("search_cancer_core.json")
    )
    return routes


def test_europepmc_supplies_metadata_and_pmc_copy(session_factory, epmc_series, router) -> None:  # type: ignore[no-untyped-def]
    route_fallbacks(router, europepmc=False)  # Unpaywall and Crossref: unknown DOI (404)
    s = session_factory()
    df = s.publications("GSE34313", elink=False)
    (row,) = df.to_dict("records")
    assert (row["pmid"], row["doi"], row["pmcid"]) == ("40437959", "10.1002/hpja.70059", "PMC12120539")
    assert row["year"] == 2025 and row["is_oa"] is True
    assert (row["source"], row["oa_status"], row["host_type"]) == ("europepmc", "green", "repository")
    assert row["pdf_url"] and "PMC12120539" in row["pdf_url"]
    errors = s.errors.set_index("stage")
    assert set(errors.index) == {"pubmed", "unpaywall", "crossref"}
    assert (errors.accession == "GSE34313").all()
    assert errors.loc["pubmed", "message"].startswith("PMID 40437959: NotFoundError")
    assert errors.loc["unpaywall", "status"] == 404 and not errors.loc["unpaywall", "retryable"]


def test_missing_email_is_an_error_row_and_other_sources_run(session_factory, epmc_series, router, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    unpaywall = router.get(url__startswith=UNPAYWALL).respond(200, content=lit("upw_10.1016_j.jns.2020.116832.json"))
    crossref = router.get(url__startswith=CROSSREF).respond(404)
    s = session_factory(email=None)
    df = s.publications("GSE34313", elink=False)
    assert unpaywall.call_count == 0 and crossref.call_count == 1
    assert "mailto" not in crossref.calls.last.request.url.params
    assert df.iloc[0].source == "europepmc" and bool(df.iloc[0].is_oa)
    row = s.errors[s.errors.stage == "unpaywall"].iloc[0]
    assert "Unpaywall needs an email: Session(email=...)" in row.message and "ConfigError" in row.message


def test_unpaywall_422_is_an_error_row(session_factory, epmc_series, router) -> None:  # type: ignore[no-untyped-def]
    router.get(url__startswith=UNPAYWALL).respond(422, content=UPW_422)
    router.get(url__startswith=CROSSREF).respond(404)
    s = session_factory()
    df = s.publications("GSE34313", elink=False)
    assert len(df) == 1
    row = s.errors[s.errors.stage == "unpaywall"].iloc[0]
    assert row.status == 422 and not row.retryable
    assert "tester@example.org" not in row.message  # the email is redacted from URLs


def test_timeout_is_a_retryable_error_row(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    docsums = series_docsums({"GSE95632": ["11748933"]})
    route_pubmed(router, lit("biopython_pubmed2.xml"), docsums, None)
    router.get(url__startswith=f"{EPMC}/search").mock(side_effect=httpx.ReadTimeout("slow"))
    router.get(url__startswith=UNPAYWALL).respond(200, content=lit("upw_10.1016_j.jns.2020.116832.json"))
    router.get(url__startswith=CROSSREF).mock(side_effect=httpx.ReadTimeout("slow"))
    s = session_factory(retries=1)
    df = s.publications("GSE95632", elink=False)
    assert df.iloc[0].title.startswith("Is cryopreservation") and df.iloc[0].oa_status == "bronze"
    errors = s.errors.set_index("stage")
    assert set(errors.index) == {"europepmc", "crossref"}
    assert errors.retryable.all() and errors.message.str.contains("TransportError").all()


def test_paper_without_oa_copy(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    # PMID 39709209 is a "Subscription required" article of the real Europe PMC answer.
    docsums = series_docsums({"GSE34313": ["39709209"]})
    route_pubmed(router, lit("metapub_pmid_23657305.xml"), docsums, None)
    router.get(url__startswith=f"{EPMC}/search").respond(200, content=lit("search_cancer_core.json"))
    s = session_factory()
    df = s.publications("GSE34313", elink=False, sources=["europepmc"])
    row = df.iloc[0]
    assert (bool(row.is_oa), row.oa_status, row.source) == (False, "closed", "europepmc")
    assert pd.isna(row.best_oa_url) and pd.isna(row.pdf_url)
    assert row.doi == "10.1016/s0140-6736(24)02600-x"


def test_elink_failure_keeps_docsum_pmids(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    docsums = series_docsums({"GSE95632": ["11748933"]})
    route_pubmed(router, lit("biopython_pubmed2.xml"), docsums, None)
    router.post(url__startswith=f"{EUTILS}/elink.fcgi").respond(500)
    route_fallbacks(router)
    s = session_factory(retries=0)
    df = s.publications("GSE95632", sources=[])
    assert list(df.pmid) == ["11748933"] and df.is_oa.isna().all()
    assert list(s.errors.stage) == ["elink"] and s.errors.accession[0] == "GSE95632"


def test_series_without_papers_and_unknown_series(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    docsums = series_docsums({"GSE95632": []})  # GSE52778 is asked but not in the answer
    route_pubmed(router, lit("biopython_pubmed2.xml"), docsums, elink_json({"200095632": []}))
    s = session_factory()
    df = s.publications(["GSE95632", "GSE52778"])
    assert df.empty and list(df.columns) == COLUMNS
    assert df.attrs["series_without_papers"] == ["GSE95632"]
    assert list(s.errors.stage) == ["esummary"] and s.errors.accession[0] == "GSE52778"


def test_cshl_journal_doi_is_not_sent_to_biorxiv(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    # gemma_pubmed-test.xml: PMID 15173114, Genome Research, DOI 10.1101/gr.1910904 (the
    # bioRxiv prefix, but not a preprint).
    docsums = series_docsums({"GSE95632": ["15173114"]})
    route_pubmed(router, lit("gemma_pubmed-test.xml"), docsums, None)
    biorxiv = router.get(url__startswith=BIORXIV).respond(500)
    route_fallbacks(router)
    s = session_factory()
    df = s.publications("GSE95632", elink=False)
    assert df.iloc[0].doi == "10.1101/gr.1910904" and biorxiv.call_count == 0


def test_bad_source_name_and_accession_raise_before_requests(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    import omicskit as ok

    s = session_factory()
    with pytest.raises(ok.InvalidAccessionError):
        s.publications("not-an-accession")
    docsums = series_docsums({"GSE95632": ["11748933"]})
    route_pubmed(router, lit("biopython_pubmed2.xml"), docsums, None)
    with pytest.raises(ok.InvalidQueryError, match="unknown literature source"):
        s.publications("GSE95632", elink=False, sources=["shadow"])


def test_async_session_and_client_lifecycle(router) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    import omicskit as ok

    from .conftest import FAST

    docsums = series_docsums({"GSE95632": ["11748933"]})
    route_pubmed(router, lit("biopython_pubmed2.xml"), docsums, None)
    route_fallbacks(router)

    async def go() -> tuple[pd.DataFrame, Any]:
        async with ok.AsyncSession(
            email="tester@example.org", cache="memory", progress=False, http_transport=router, **FAST
        ) as s:
            df = await s.publications("GSE95632", elink=False)
            lit_service = s.literature
            assert s.literature is lit_service  # one set of clients per session
            await lit_service.aclose()
            await lit_service.aclose()  # idempotent; the clients own no connection
            return df, lit_service

    df, service = asyncio.run(go())
    assert list(df.pmid) == ["11748933"]
    assert all(client.closed for client in service.clients)
    assert hasattr(ok.Session, "publications") and hasattr(ok.Session, "fulltext")
