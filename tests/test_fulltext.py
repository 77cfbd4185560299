"""Session.fulltext: legal open-access PDF / JATS XML, verified before it is kept.

Routes answer with real recorded service responses from tests/data/literature/
(PROVENANCE.tsv there) where one exists. No real PDF, JATS article or publisher
challenge page is in the fixtures, so those bodies are built here, minimal and
labelled; what matters to the code is their first bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from .test_publications import ARXIV, BIORXIV, CROSSREF, EPMC, IDCONV, IDCONV_ELIFE, UNPAYWALL, UPW_404, lit

# Built bodies (see the module docstring).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JATS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<article xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'article-type="research-article"><front><article-meta><article-id pub-id-type="pmcid">PMC12120539'
    b"</article-id></article-meta></front><body><p>text</p></body></article>"
)
CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<form id='challenge-form'>Please verify you are human</form></body></html>"
)
LOGIN = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in via institutional access</body></html>"
ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><article>&y;</article>'
)

PMC_PDF = "https://europepmc.org/articles/PMC12120539?pdf=render"
XML_URL = f"{EPMC}/PMC12120539/fullTextXML"

# The OA part of a publications() row for PMID 40437959 (Europe PMC's real answer).
ROW = {
    "pmid": "40437959",
    "doi": "10.1002/hpja.70059",
    "pmcid": "PMC12120539",
    "is_oa": True,
    "pdf_url": PMC_PDF,
    "best_oa_url": PMC_PDF,
    "source": "europepmc",
}
COLUMNS = ["doi", "pmid", "path", "kind", "size", "url", "status"]

# The collection item is a real api.biorxiv.org/details answer for 10.1101/456574 (quoted
# in ANaka/paperview tests/retrieval/test_biorxiv_api.py); the envelope is built from the
# documented layout -- the same input tests/parsers/test_oa.py uses.
BIORXIV_ANSWER = json.dumps(
    {
        "messages": [{"status": "ok"}],
        "collection": [
            {
                "doi": "10.1101/456574",
                "title": "Complementary subnetworks of cortical somatostatin interneurons",
                "date": "2018-10-30",
                "version": "1",
                "type": "new results",
                "license": "cc_by_nc",
                "category": "neuroscience",
                "jatsxml": "https://www.biorxiv.org/content/early/2018/10/30/456574.source.xml",
                "published": "10.7554/eLife.43696",
                "server": "biorxiv",
            }
        ],
    }
).encode()


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir() if p.name.startswith(".") or p.suffix == ".part")


def route_unknown_everywhere(router: Any) -> None:
    """DOI lookups for ids the OA services do not know."""
    router.get(url__startswith=IDCONV).respond(200, content=IDCONV_ELIFE)
    for base in (UNPAYWALL, CROSSREF):
        router.get(url__startswith=base).respond(404, content=UPW_404)
    router.get(url__startswith=f"{EPMC}/search").respond(200, content=lit("search_no_results.json"))


def test_pdf_from_publications_row(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    route = router.get(PMC_PDF).respond(200, content=PDF, headers={"content-type": "application/pdf"})
    s = session_factory()
    df = s.fulltext(pd.DataFrame([ROW]), tmp_path)
    assert list(df.columns) == COLUMNS
    row = df.iloc[0]
    assert (row.status, row.kind, row["size"], row.url) == ("downloaded", "pdf", len(PDF), PMC_PDF)
    assert Path(row.path) == tmp_path / "10.1002_hpja.70059.pdf" and Path(row.path).read_bytes() == PDF
    assert leftovers(tmp_path) == [] and s.errors.empty
    ua = route.calls.last.request.headers["user-agent"]
    assert ua.startswith("omicskit/") and "Mozilla" not in ua  # honest User-Agent
    again = s.fulltext([ROW], tmp_path)  # a valid file already there: no request
    assert again.status[0] == "exists" and route.call_count == 1


def test_jats_xml_from_europepmc(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    router.get(XML_URL).respond(200, content=JATS)
    s = session_factory()
    df = s.fulltext([ROW], tmp_path, kind="xml")
    assert (df.status[0], df.kind[0], df.url[0]) == ("downloaded", "xml", XML_URL)
    assert Path(df.path[0]).name == "10.1002_hpja.70059.xml"


def test_any_falls_back_from_challenge_pdf_to_xml(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    router.get(PMC_PDF).respond(200, content=CHALLENGE, headers={"content-type": "text/html"})
    router.get(XML_URL).respond(200, content=JATS)
    s = session_factory()
    df = s.fulltext([ROW], tmp_path, kind="any")
    assert (df.status[0], df.kind[0]) == ("downloaded", "xml") and s.errors.empty


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(200, content=CHALLENGE), "challenge page"),
        (httpx.Response(200, content=LOGIN), "login page"),
        (httpx.Response(403, content=CHALLENGE), "HTTP 403"),
    ],
)
def test_challenge_or_login_is_not_retrievable_by_script(session_factory, router, tmp_path, response, reason) -> None:  # type: ignore[no-untyped-def]
    landing = "https://doi.org/10.1016/j.jns.2020.116832"
    paper = {
        "doi": "10.1016/j.jns.2020.116832",
        "is_oa": True,
        "pdf_url": "https://publisher.example/paper.pdf",
        "best_oa_url": landing,
    }
    router.get(paper["pdf_url"]).mock(return_value=response)
    s = session_factory(retries=0)
    df = s.fulltext([paper], tmp_path)
    assert df.status[0] == "not_retrievable" and pd.isna(df.path[0])
    err = s.errors.iloc[0]
    assert err.stage == "fulltext" and err.accession == "doi 10.1016/j.jns.2020.116832"
    assert "NotRetrievableError: not retrievable by script" in err.message and reason in err.message
    assert landing in err.message
    assert list(tmp_path.iterdir()) == []


def test_body_that_is_not_a_pdf_or_is_an_entity_bomb(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    router.get(PMC_PDF).respond(200, content=b"PK\x03\x04 a zip file")
    router.get(XML_URL).respond(200, content=ENTITY_BOMB)
    s = session_factory()
    pdf = s.fulltext([ROW], tmp_path)
    assert pdf.status[0] == "error" and "not a PDF" in s.errors.message[0]
    xml = s.fulltext([ROW], tmp_path, kind="xml")
    assert xml.status[0] == "error" and "ParseError" in s.errors.message[0]  # entities are never expanded
    assert list(tmp_path.iterdir()) == []


def test_no_oa_copy_and_timeout(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    closed = {"doi": "10.1016/s0140-6736(24)02600-x", "pmid": "39709209", "is_oa": False}
    router.get(PMC_PDF).mock(side_effect=httpx.ReadTimeout("slow"))
    s = session_factory(retries=1)
    df = s.fulltext([closed, ROW], tmp_path)
    assert list(df.status) == ["no_oa", "error"]
    assert list(s.errors.stage) == ["fulltext", "fulltext"]
    assert "no legal open-access pdf copy" in s.errors.message[0] and bool(s.errors.retryable[1])


def test_arxiv_doi_string(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The real arXiv answer rsxiv_query_missing_id.xml holds entry 2201.13452v1.
    route_unknown_everywhere(router)
    arxiv = router.get(url__startswith=ARXIV).respond(200, content=lit("rsxiv_query_missing_id.xml"))
    router.get("https://arxiv.org/pdf/2201.13452v1").respond(200, content=PDF)
    s = session_factory()
    df = s.fulltext("10.48550/arXiv.2201.13452", tmp_path)
    assert arxiv.calls.last.request.url.params["id_list"] == "2201.13452"
    assert (df.status[0], df.url[0]) == ("downloaded", "https://arxiv.org/pdf/2201.13452v1")
    assert set(s.errors.stage) <= {"unpaywall", "crossref"}  # the arXiv DOI is unknown to them (404)


def test_biorxiv_doi_string(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    route_unknown_everywhere(router)
    details = router.get(f"{BIORXIV}/details/biorxiv/10.1101/456574").respond(200, content=BIORXIV_ANSWER)
    router.get("https://www.biorxiv.org/content/10.1101/456574v1.full.pdf").respond(200, content=PDF)
    s = session_factory()
    df = s.fulltext(["10.1101/456574"], tmp_path)
    assert details.call_count == 1 and df.status[0] == "downloaded"


def test_malformed_doi_and_bad_kind(session_factory, router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import omicskit as ok

    s = session_factory()
    with pytest.raises(ok.InvalidQueryError):
        s.fulltext([ROW], tmp_path, kind="html")
    route_unknown_everywhere(router)
    df = s.fulltext(["10.1234"], tmp_path)  # no request for it: not a DOI
    assert df.status[0] == "no_oa"
    assert s.errors.stage[0] == "doi" and "malformed DOI" in s.errors.message[0]
    assert all(route.call_count == 0 for route in router.routes)
