"""Literature APIs served from real recordings."""

from __future__ import annotations

from omicskit.testing import LITERATURE_PAIRING, FakeServices

from ._client import fetch


def test_idconv(fake_services: FakeServices) -> None:
    reply = fetch(fake_services.urls["idconv_url"] + "/", {"ids": "28775130,29768149", "format": "json"}).json()
    assert reply["status"] == "ok"
    first, second = reply["records"]
    assert first == {"pmcid": "PMC5771820", "pmid": "28775130", "doi": "10.1136/oemed-2017-104431"}
    assert second["status"] == "error"


def test_unpaywall(fake_services: FakeServices) -> None:
    base = fake_services.urls["unpaywall_url"]
    ok = fetch(base + "/10.1016/j.envint.2020.105730", {"email": "me@lab.org"})
    assert ok.status == 200 and ok.json()["is_oa"] is True and ok.json()["oa_status"] == "gold"
    assert fetch(base + "/10.1016/j.envint.2020.105730").status == 422
    missing = fetch(base + "/10.9999/nothing", {"email": "me@lab.org"})
    assert missing.status == 404 and missing.json()["error"] is True


def test_europepmc(fake_services: FakeServices) -> None:
    base = fake_services.urls["europepmc_url"] + "/search"
    core = fetch(base, {"query": "cancer", "format": "json", "resultType": "core"}).json()
    assert core["hitCount"] == 5059039 and len(core["resultList"]["result"]) == 25
    first = core["resultList"]["result"][0]
    one = fetch(base, {"query": f"EXT_ID:{first['pmid']}", "format": "json", "resultType": "core"}).json()
    assert one["hitCount"] == 1 and one["resultList"]["result"][0]["pmid"] == first["pmid"]
    assert fetch(base, {"query": "zzzz", "format": "json"}).json()["hitCount"] == 0


def test_crossref(fake_services: FakeServices) -> None:
    base = fake_services.urls["crossref_url"] + "/works/"
    ok = fetch(base + "10.1371/journal.pone.0033693", {"mailto": "me@lab.org"})
    assert ok.status == 200 and ok.json()["message"]["DOI"] == "10.1371/journal.pone.0033693"
    assert ok.headers["x-rate-limit-limit"] == "50" and ok.headers["x-rate-limit-interval"] == "1s"
    missing = fetch(base + "10.9999/none")
    assert missing.status == 404 and missing.text == "Resource not found."


def test_arxiv_and_biorxiv(fake_services: FakeServices) -> None:
    feed = fetch(fake_services.urls["arxiv_url"] + "/query", {"id_list": "2201.13452"})
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    assert "<id>http://arxiv.org/abs/2201.13452v1</id>" in feed.text
    empty = fetch(fake_services.urls["arxiv_url"] + "/query", {"id_list": "9999.99999"}).text
    assert "<opensearch:totalResults>0</opensearch:totalResults>" in empty
    bio = fetch(fake_services.urls["biorxiv_url"] + "/details/biorxiv/10.1101/456574").json()
    assert bio["collection"][0]["published"] == "10.7554/eLife.43696"
    none = fetch(fake_services.urls["biorxiv_url"] + "/details/biorxiv/10.1101/000000/na/json").json()
    assert none["collection"] == []


def test_pairing_points_at_bundled_records(fake_services: FakeServices) -> None:
    for accession, pairing in LITERATURE_PAIRING.items():
        assert accession in fake_services.catalog.series
        for pmid in pairing.pmids:
            assert pmid in fake_services.app.eutils.pubmed, (accession, pmid)
        if pairing.unpaywall_doi:
            assert pairing.unpaywall_doi in fake_services.app.literature.unpaywall
