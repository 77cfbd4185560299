"""E-utilities: esearch fields and paging, esummary, elink, efetch, einfo, rate limit."""

from __future__ import annotations

import json

from omicskit.testing import FakeServices
from omicskit.testing._catalog import data_dir

from ._client import fetch


def esearch(fake: FakeServices, term: str, **params: object) -> dict:
    reply = fetch(fake.urls["eutils_url"] + "/esearch.fcgi", {"db": "gds", "retmode": "json", "term": term, **params})
    assert reply.status == 200
    return reply.json()["esearchresult"]


def accessions(fake: FakeServices, ids: list[str]) -> set[str]:
    return {str(fake.catalog.docsums[i]["accession"]) for i in ids}


def test_esearch_shape_matches_real_ncbi_json(fake_free: FakeServices) -> None:
    real = json.loads((data_dir() / "esearch/C_get_study_ids_mocked_esearch.json").read_text())
    reply = fetch(
        fake_free.urls["eutils_url"] + "/esearch.fcgi",
        {"db": "gds", "retmode": "json", "term": "atac", "usehistory": "y"},
    )
    payload = reply.json()
    assert payload["header"] == real["header"]
    result = payload["esearchresult"]
    assert set(real["esearchresult"]) - {"translationstack"} <= set(result)
    for key in ("count", "retmax", "retstart", "querykey"):
        assert isinstance(result[key], str)
    assert all(isinstance(i, str) for i in result["idlist"])
    assert result["querytranslation"] == "atac[All Fields]"


def test_free_words_and_boolean_operators(fake_free: FakeServices) -> None:
    both = esearch(fake_free, "LINE-1 expression")
    assert "200100750" in both["idlist"]
    assert esearch(fake_free, "kidney cancer metastasis")["idlist"] == ["200146583"]
    either = accessions(fake_free, esearch(fake_free, "(Stat3 OR hypothalamus) AND gse[ETYP]")["idlist"])
    assert {"GSE99709", "GSE93374"} <= either
    without = accessions(fake_free, esearch(fake_free, "(Stat3 OR hypothalamus) NOT oligodendrocyte")["idlist"])
    assert "GSE93374" in without and "GSE99709" not in without


def test_fielded_filters(fake_free: FakeServices) -> None:
    human = esearch(fake_free, "Homo sapiens[ORGN] AND gse[ETYP]", retmax=100)
    assert human["querytranslation"] == '"Homo sapiens"[Organism] AND gse[Entry Type]'
    docs = [fake_free.catalog.docsums[i] for i in human["idlist"]]
    assert docs and all("Homo sapiens" in str(d["taxon"]) and d["entrytype"] == "GSE" for d in docs)
    dated = esearch(fake_free, "2020/01/01:2024/12/31[PDAT] AND gse[ETYP]", retmax=100)
    assert accessions(fake_free, dated["idlist"]) == {
        "GSE146583",
        "GSE146537",
        "GSE146540",
        "GSE150868",
        "GSE235534",
        "GSE126815",
    }
    assert "2020/01/01[PDAT] : 2024/12/31[PDAT]" in dated["querytranslation"]
    assert accessions(fake_free, esearch(fake_free, "GSE93374[ACCN]")["idlist"]) == {"GSE93374"}
    assert accessions(fake_free, esearch(fake_free, "gpl[ETYP]")["idlist"]) == {"GPL1261", "GPL19750"}
    assert accessions(fake_free, esearch(fake_free, "gds[ETYP]")["idlist"]) == {"GDS3946"}
    array = esearch(fake_free, '"Expression profiling by array"[DataSet Type] AND gse[ETYP]', retmax=100)
    assert "GSE19161" in accessions(fake_free, array["idlist"])
    big = esearch(fake_free, "50:100[Number of Samples] AND gse[ETYP]", retmax=100)
    assert accessions(fake_free, big["idlist"]) == {"GSE19161", "GSE146583", "GSE13"}
    sra = accessions(fake_free, esearch(fake_free, '"gds sra"[Filter]', retmax=100)["idlist"])
    assert {"GSE100750", "GSE93374", "GSE95632"} <= sra and "GSE19161" not in sra
    assert accessions(fake_free, esearch(fake_free, "GPL9717[GPL]")["idlist"]) == {"GSE19161"}


def test_usehistory_paging_with_esummary_and_esearch(fake_free: FakeServices) -> None:
    first = esearch(fake_free, "gse[ETYP]", usehistory="y", retmax=5)
    total = int(first["count"])
    assert total >= 25 and len(first["idlist"]) == 5 and first["webenv"].startswith("MCID_")
    env, key = first["webenv"], first["querykey"]
    second = esearch(fake_free, "", WebEnv=env, query_key=key, retstart=5, retmax=5)
    assert second["count"] == first["count"] and second["retstart"] == "5"
    summary = fetch(
        fake_free.urls["eutils_url"] + "/esummary.fcgi",
        {"db": "gds", "retmode": "json", "WebEnv": env, "query_key": key, "retstart": 5, "retmax": 5},
    ).json()
    assert summary["result"]["uids"] == second["idlist"]
    collected: list[str] = []
    for start in range(0, total, 10):
        collected += esearch(fake_free, "", WebEnv=env, query_key=key, retstart=start, retmax=10)["idlist"]
    assert len(collected) == len(set(collected)) == total


def test_esummary_real_docsum_gse93374(fake_free: FakeServices) -> None:
    reply = fetch(fake_free.urls["eutils_url"] + "/esummary.fcgi", {"db": "gds", "retmode": "json", "id": "200093374"})
    doc = reply.json()["result"]["200093374"]
    assert doc["accession"] == "GSE93374"
    assert doc["title"] == "A Molecular Census of Arcuate Hypothalamus and Median Eminence Cell Types"
    assert doc["pdat"] == "2017/01/31" and doc["n_samples"] == 11 and doc["pubmedids"] == ["28166221"]
    assert doc["bioproject"] == "PRJNA360829" and doc["gpl"] == "19057"


def test_derived_docsum_has_real_key_set_and_types(fake_free: FakeServices) -> None:
    reply = fetch(
        fake_free.urls["eutils_url"] + "/esummary.fcgi",
        data={"db": "gds", "retmode": "json", "id": "200100750,200093374"},
    )
    result = reply.json()["result"]
    derived, real = result["200100750"], result["200093374"]
    assert list(derived) == list(real)
    assert {k: type(v) for k, v in derived.items()} == {k: type(v) for k, v in real.items()}
    assert derived["title"].startswith("Repression of stress-induced LINE-1 expression")
    assert derived["n_samples"] == 18 and len(derived["samples"]) == 18
    assert derived["pdat"] == "2017/07/03" and derived["gpl"] == "18573" and derived["pubmedids"] == ["28781121"]
    assert derived["ftplink"] == "ftp://ftp.ncbi.nlm.nih.gov/geo/series/GSE100nnn/GSE100750/"
    assert derived["extrelations"][0]["targetobject"] == "SRP110993"
    assert {"relationtype": "SubSeries of", "targetobject": "GSE74180"} in derived["relations"]
    derived_rows = (data_dir() / "derived.tsv").read_text()
    for acc, rec in fake_free.catalog.series.items():
        if rec.docsum_origin == "derived" and not rec.replica_of:
            assert f"DocSum {acc} " in derived_rows


def test_esummary_limits_and_unknown_uids(fake_free: FakeServices) -> None:
    url = fake_free.urls["eutils_url"] + "/esummary.fcgi"
    ids = ",".join(str(200000000 + i) for i in range(501))
    reply = fetch(url, data={"db": "gds", "retmode": "json", "id": ids})
    assert reply.status == 200
    assert reply.json() == {
        "header": {"type": "esummary", "version": "0.3"},
        "error": "Too many UIDs in request. Maximum number of UIDs is 500 for JSON format output.",
    }
    missing = fetch(url, {"db": "gds", "retmode": "json", "id": "200000001,200093374"}).json()["result"]
    assert missing["uids"] == ["200000001", "200093374"]
    assert missing["200000001"] == {"uid": "200000001", "error": "cannot get document summary"}
    assert fetch(url, {"db": "gds", "retmode": "json"}).json()["error"] == "Empty id list - nothing todo"


def test_elink_efetch_and_pubmed_esummary(fake_free: FakeServices) -> None:
    base = fake_free.urls["eutils_url"]
    link = fetch(base + "/elink.fcgi", {"dbfrom": "gds", "db": "pubmed", "retmode": "json", "id": "200100750"}).json()
    linkset = link["linksets"][0]
    assert linkset["ids"] == ["200100750"]
    assert linkset["linksetdbs"] == [{"dbto": "pubmed", "linkname": "gds_pubmed", "links": ["28775130"]}]
    unpaired = fetch(base + "/elink.fcgi", {"dbfrom": "gds", "db": "pubmed", "retmode": "json", "id": "200126815"})
    assert "linksetdbs" not in unpaired.json()["linksets"][0]
    xml = fetch(base + "/efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": "28775130,29768149,1"}).text
    assert xml.count("<PubmedArticle>") == 2 and '<PMID Version="1">28775130</PMID>' in xml
    assert "10.1056/NEJMoa1715274" in xml
    docsum = fetch(base + "/esummary.fcgi", {"db": "pubmed", "retmode": "json", "id": "28775130"}).json()
    ids = {a["idtype"]: a["value"] for a in docsum["result"]["28775130"]["articleids"]}
    assert ids["pmc"] == "PMC5771820" and ids["doi"] == "10.1136/oemed-2017-104431"


def test_einfo_lists_supported_fields(fake_free: FakeServices) -> None:
    info = fetch(fake_free.urls["eutils_url"] + "/einfo.fcgi", {"db": "gds", "retmode": "json"}).json()
    names = {f["name"] for f in info["einforesult"]["dbinfo"][0]["fieldlist"]}
    assert {"ETYP", "ORGN", "PDAT", "ACCN", "GTYP", "NSAM", "FILT", "GPL"} <= names


def test_rate_limit_without_and_with_api_key(fake_services: FakeServices) -> None:
    url = fake_services.urls["eutils_url"] + "/einfo.fcgi"
    replies = [fetch(url, {"db": "gds", "retmode": "json"}) for _ in range(5)]
    assert [r.status for r in replies[:3]] == [200, 200, 200]
    limited = next(r for r in replies if r.status == 429)
    assert limited.json() == {"error": "API rate limit exceeded", "api-key": "127.0.0.1", "count": "4", "limit": "3"}
    assert limited.headers["X-RateLimit-Limit"] == "3" and limited.headers["Retry-After"] == "1"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    keyed = [fetch(url, {"db": "gds", "api_key": "k1"}).status for _ in range(11)]
    assert keyed[:10] == [200] * 10 and keyed[10] == 429
    stats = fake_services.stats()
    assert stats["served_429"] >= 3 and stats["with_api_key"] == 11
