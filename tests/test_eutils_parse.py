"""Parsers for E-utilities JSON on every esearch/esummary fixture (values checked by hand)."""

from __future__ import annotations

import json

import pytest

from omicskit.errors import ParseError
from omicskit.frames import series_frame
from omicskit.parsers.eutils import docsum_to_record, parse_esearch, parse_esummary

from .conftest import read


def load(name: str) -> object:
    return json.loads(read(f"eutils/{name}"))


def test_esearch_numbers_are_strings_upstream() -> None:
    page = parse_esearch(load("adgencov_esearch_gds.json"))
    assert page.count == 36 and page.retmax == 5 and page.retstart == 0
    assert page.ids == ["200095632", "200052778", "200034313", "3946", "100001261"]
    assert page.query_translation.startswith('("dexamethasone"[All Fields]')


@pytest.mark.parametrize(
    ("name", "count", "n_ids"),
    [("B_get_query_pages_mock_esearch.json", 384, 1), ("C_get_study_ids_mocked_esearch.json", 8, 8)],
)
def test_esearch_other_fixtures(name: str, count: int, n_ids: int) -> None:
    page = parse_esearch(load(name))
    assert (page.count, len(page.ids)) == (count, n_ids)


def test_mixed_five_record_summary() -> None:
    batch = parse_esummary(load("adgencov_esummary_gds.json"))
    assert batch.errors == {}
    recs = {r["accession"]: r for r in map(docsum_to_record, batch.docsums)}
    assert list(recs) == ["GSE95632", "GSE52778", "GSE34313", "GDS3946", "GPL1261"]
    gse = recs["GSE95632"]
    assert gse["n_samples"] == 20 and gse["platforms"] == ["GPL11154"] and gse["pubmed_ids"] == ["28375666"]
    assert gse["sra"] == "SRP101282" and gse["bioproject"] == "PRJNA377732"
    assert gse["ftp_url"] == "https://ftp.ncbi.nlm.nih.gov/geo/series/GSE95nnn/GSE95632/"
    assert gse["published"] == "2017-08-31" and gse["entry_type"] == "GSE" and gse["uid"] == 200095632
    assert recs["GSE52778"]["supplementary_types"] == ["DIFF", "TXT"]
    gds = recs["GDS3946"]
    assert gds["entry_type"] == "GDS" and gds["series"] == ["GSE34313"] and gds["datasets"] == ["GDS3946"]
    gpl = recs["GPL1261"]
    assert gpl["entry_type"] == "GPL" and len(gpl["series"]) > 1000  # ';'-joined thousands
    assert all(s.startswith("GSE") for s in gpl["series"])


def test_gsm_n_samples_is_empty_string() -> None:
    (doc,) = parse_esummary(load("D_get_study_geo_mocked_esummary_gsm.json")).docsums
    assert doc["n_samples"] == ""
    rec = docsum_to_record(doc)
    assert rec["n_samples"] is None and rec["entry_type"] == "GSM" and rec["sra"] == "SRX13008040"
    assert rec["series"] == ["GSE187586"] and rec["platforms"] == ["GPL20301"]


def test_gpl_and_gse_single_records() -> None:
    (gpl,) = map(docsum_to_record, parse_esummary(load("D_get_study_geo_mocked_esummary_gpl.json")).docsums)
    assert gpl["accession"] == "GPL19750" and gpl["organism"] == "Phtheirospermum japonicum" and gpl["n_samples"] == 16
    (gse,) = map(docsum_to_record, parse_esummary(load("D_get_study_geo_mocked_esummary_gse.json")).docsums)
    assert gse["accession"] == "GSE126815" and gse["n_samples"] == 9 and gse["pubmed_ids"] == []
    assert gse["title"].startswith("Antibody-neutralizable major early driver of Alzheimer\u2019s disease")


def test_numeric_pubmed_ids_from_older_layout() -> None:
    (rec,) = map(docsum_to_record, parse_esummary(load("esummary.gds.json")).docsums)
    assert rec["accession"] == "GSE40726" and rec["pubmed_ids"] == ["22983707"]
    assert rec["bioproject"] is None and len(rec["samples"]) == 6


def test_ffq_layouts() -> None:
    (rec,) = map(docsum_to_record, parse_esummary(load("GSE93374_summary.txt")).docsums)
    assert rec["accession"] == "GSE93374" and rec["n_samples"] == 11 and rec["organism"] == "Mus musculus"
    # trimmed fragment without the "result" wrapper
    (frag,) = map(docsum_to_record, parse_esummary(load("GSM3717978_summary.txt")).docsums)
    assert frag["accession"] == "GSM3717978" and frag["sra"] == "SRX5692097" and frag["uid"] == 303717978


def test_per_uid_errors_and_garbage() -> None:
    batch = parse_esummary({"result": {"uids": ["1", "2"], "1": {"uid": "1", "error": "cannot get document summary"}}})
    assert batch.errors == {"1": "cannot get document summary", "2": "missing from esummary answer"}
    with pytest.raises(ParseError):
        parse_esummary(["not", "a", "dict"])
    with pytest.raises(ParseError):
        parse_esearch({"header": {}})


def test_series_frame_contract() -> None:
    recs = [docsum_to_record(d) for d in parse_esummary(load("adgencov_esummary_gds.json")).docsums]
    df = series_frame(recs)
    assert list(df.columns[:16]) == [
        "accession",
        "title",
        "summary",
        "organism",
        "series_type",
        "platforms",
        "n_samples",
        "published",
        "pubmed_ids",
        "bioproject",
        "sra",
        "supplementary_types",
        "samples",
        "relations",
        "ftp_url",
        "uid",
    ]
    assert str(df["n_samples"].dtype) == "Int64" and str(df["published"].dtype).startswith("datetime64")
    assert df.loc[2, "sra"] is __import__("pandas").NA
    assert isinstance(df.loc[0, "pubmed_ids"], list) and df.loc[1, "pubmed_ids"] == ["24926665", "36599824"]
    assert df.loc[0, "published"] == __import__("pandas").Timestamp("2017-08-31")
