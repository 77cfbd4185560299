"""Rich HTML display: no secrets, links to GEO/PubMed/SRA/DOI/OA pages, escaped values."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

import omicskit as ok
from omicskit.display import Linked, Record, cell_html, link_for, links_html, session_html
from omicskit.testing import FakeServices

from .conftest import FAST

EMAIL = "secret.person@lab.example.org"
KEY = "0123456789abcdef0123456789abcdef0123"


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with FakeServices(rate_limit=False) as services:
        yield services


def test_session_html_hides_email_and_key(fake: FakeServices) -> None:
    with ok.Session(email=EMAIL, api_key=KEY, cache="memory", progress=False, **FAST, **fake.config_overrides()) as s:
        s.search("ovarian cancer")
        s.search("ovarian cancer")
        markup = session_html(s)
        async_markup = session_html(s.async_session)
    for text in (markup, async_markup):
        assert EMAIL not in text and KEY not in text
        assert "secret.person" not in text and KEY[:12] not in text
        assert "email set" in text and "<th>API key</th><td>set</td>" in text
        assert "eutils" in text and "req/s" in text  # limits per host group
        assert "requests" in text and "rate_limited" in text  # transport counters
    assert "<th>hits</th>" in markup and "<th>items</th>" in markup and "MemoryBackend" in markup
    assert "omicskit Session" in markup and "omicskit AsyncSession" in async_markup


def test_session_html_without_identity_and_when_closed(fake: FakeServices) -> None:
    s = ok.Session(cache="memory", progress=False, **fake.config_overrides())
    s.close()
    text = session_html(s)
    assert "<th>email</th><td>not set</td>" in text and "<th>API key</th><td>not set</td>" in text
    assert "<th>state</th><td>closed</td>" in text


def test_session_html_redacts_redis_password() -> None:
    class Backend:
        def __repr__(self) -> str:
            return "RedisBackend(url='redis://:***@127.0.0.1:6379/0')"

    class Fake:
        config = ok.Config(email=EMAIL)
        backend = Backend()
        limiters: dict[str, object] = {}
        closed = False

    text = session_html(Fake())
    assert ":***@" in text and EMAIL not in text


@pytest.mark.parametrize(
    ("column", "value", "url"),
    [
        ("accession", "GSE19161", "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE19161"),
        ("platform", "GPL9717", "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GPL9717"),
        ("pubmed_ids", "21737561", "https://pubmed.ncbi.nlm.nih.gov/21737561/"),
        ("pmid", "21737561", "https://pubmed.ncbi.nlm.nih.gov/21737561/"),
        ("sra", "SRP110604", "https://www.ncbi.nlm.nih.gov/sra?term=SRP110604"),
        ("sra_experiment", "SRX2979612", "https://www.ncbi.nlm.nih.gov/sra?term=SRX2979612"),
        ("bioproject", "PRJNA391788", "https://www.ncbi.nlm.nih.gov/bioproject/PRJNA391788"),
        ("doi", "10.1371/journal.pone.0033693", "https://doi.org/10.1371/journal.pone.0033693"),
        ("pmcid", "PMC3310821", "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3310821/"),
        ("oa_url", "https://europepmc.org/articles/PMC3310821", "https://europepmc.org/articles/PMC3310821"),
    ],
)
def test_links(column: str, value: str, url: str) -> None:
    assert link_for(column, value) == url
    assert f'href="{url}"' in cell_html(column, value)


@pytest.mark.parametrize(
    ("column", "value"),
    [("n_samples", "61"), ("title", "javascript:alert(1)"), ("oa_url", "ftp://x/y"), ("uid", "200019161")],
)
def test_no_link_for_plain_values(column: str, value: str) -> None:
    assert link_for(column, value) is None
    assert "<a " not in cell_html(column, value)


def test_links_html_escapes_everything() -> None:
    df = pd.DataFrame(
        {
            "accession": ["GSE1", "GSM2"],
            "title": ['<img src=x onerror="alert(1)">', "a & b"],
            "oa_url": ['https://x.org/"><script>alert(1)</script>', pd.NA],
            "pubmed_ids": [["123", "<b>"], []],
            "published": pd.to_datetime(["2020-01-02", None]),
            '<th onclick="x">': [1, 2],
        }
    )
    markup = links_html(df)
    assert "<img" not in markup and "<script>" not in markup and "<b>" not in markup
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in markup
    assert "a &amp; b" in markup
    assert (
        'href="https://x.org/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in markup
    )  # inert inside the attribute
    assert "&lt;th onclick=&quot;x&quot;&gt;" in markup
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/123/"' in markup and "&lt;b&gt;" in markup
    assert "2020-01-02" in markup and "NaT" not in markup and "&lt;NA&gt;" not in markup


def test_links_html_quotes_urls_in_attributes() -> None:
    markup = cell_html("oa_url", 'https://x.org/a"onmouseover="alert(1)')
    assert 'href="https://x.org/a&quot;onmouseover=&quot;alert(1)"' in markup


def test_links_html_truncates_rows_and_long_text() -> None:
    df = pd.DataFrame({"accession": [f"GSE{i}" for i in range(1, 8)], "summary": ["x" * 500] * 7})
    markup = links_html(df, max_rows=5)
    assert markup.count("<tr>") == 6 and "2 more rows not shown" in markup
    assert "x" * 200 not in markup and "…" in markup


def test_linked_and_record_render_links() -> None:
    df = pd.DataFrame({"accession": ["GSE19161"], "pubmed_ids": [["21737561"]], "title": ["T <1>"]})
    linked = Linked(df)
    assert "acc.cgi?acc=GSE19161" in linked._repr_html_() and repr(linked) == "<Linked 1 rows x 3 columns>"
    rec = Record.from_row(df)
    assert rec["accession"] == "GSE19161" and len(rec) == 3 and list(rec) == ["accession", "pubmed_ids", "title"]
    markup = rec._repr_html_()
    assert "https://pubmed.ncbi.nlm.nih.gov/21737561/" in markup and "T &lt;1&gt;" in markup
    assert repr(rec) == "<Record GSE19161 (3 fields)>"


def test_real_series_frame_renders(fake: FakeServices) -> None:
    with ok.Session(email=EMAIL, cache="memory", progress=False, **FAST, **fake.config_overrides()) as s:
        hits = s.search("ovarian cancer")
    markup = links_html(hits)
    assert "acc.cgi?acc=GSE19161" in markup and "acc.cgi?acc=GPL9717" in markup
    assert "Expression data from patients with advanced ovarian cancer" in markup
