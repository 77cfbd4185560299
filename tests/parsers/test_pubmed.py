"""Tests for omicskit.parsers.pubmed and the safe XML helper, on real recorded NCBI data.

Fixture files live in tests/data/literature/ (byte-for-byte copies, provenance
in PROVENANCE.tsv there). Inputs built inside this file are marked as such.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omicskit.errors import ParseError, RateLimitError, RemoteError
from omicskit.parsers._xml import load_json, parse_xml, text_of
from omicskit.parsers.pubmed import parse_elink, parse_pubmed_esummary, parse_pubmed_xml

DATA = Path(__file__).resolve().parents[1] / "data" / "literature"

RECORD_KEYS = {
    "pmid",
    "title",
    "journal",
    "year",
    "doi",
    "pmcid",
    "authors",
    "abstract",
    "publication_types",
    "retracted",
}

# Real esummary JSON answer for PMID 27933103, printed verbatim by curl in
# ualibweb/UALIB_ScholarlyAPI_Cookbook, content/scripts/shell/shell_pubmed.rst
# (commit 55fd5062bf7c80ecf6457dd29c065d5fe15f5160), "Output" of section 1.
# No PubMed esummary JSON file exists in the shared fixtures.
ESUMMARY_JSON_27933103 = (
    b'{"header":{"type":"esummary","version":"0.3"},"result":{"uids":["27933103"],"27933103":{"uid":"27933103",'
    b'"pubdate":"2016","epubdate":"2016 Nov 23","source":"J Cheminform","authors":[{"name":"Scalfani VF",'
    b'"authtype":"Author","clusterid":""},{"name":"Williams AJ","authtype":"Author","clusterid":""},'
    b'{"name":"Tkachenko V","authtype":"Author","clusterid":""},{"name":"Karapetyan K","authtype":"Author",'
    b'"clusterid":""},{"name":"Pshenichnov A","authtype":"Author","clusterid":""},{"name":"Hanson RM",'
    b'"authtype":"Author","clusterid":""},{"name":"Liddie JM","authtype":"Author","clusterid":""},'
    b'{"name":"Bara JE","authtype":"Author","clusterid":""}],"lastauthor":"Bara JE","title":"Programmatic '
    b'conversion of crystal structures into 3D printable files using Jmol.","sorttitle":"programmatic conversion '
    b'of crystal structures into 3d printable files using jmol","volume":"8","issue":"","pages":"66",'
    b'"lang":["eng"],"nlmuniqueid":"101516718","issn":"1758-2946","essn":"1758-2946","pubtype":["Journal '
    b'Article"],"recordstatus":"PubMed","pubstatus":"258","articleids":[{"idtype":"pubmed","idtypen":1,'
    b'"value":"27933103"},{"idtype":"pmc","idtypen":8,"value":"PMC5122160"},{"idtype":"pmcid","idtypen":5,'
    b'"value":"pmc-id: PMC5122160;"},{"idtype":"doi","idtypen":3,"value":"10.1186/s13321-016-0181-z"},'
    b'{"idtype":"pii","idtypen":4,"value":"181"}],"history":[{"pubstatus":"received","date":"2016/08/15 00:00"},'
    b'{"pubstatus":"accepted","date":"2016/11/16 00:00"},{"pubstatus":"entrez","date":"2016/12/10 06:00"},'
    b'{"pubstatus":"pubmed","date":"2016/12/10 06:00"},{"pubstatus":"medline","date":"2016/12/10 06:01"}],'
    b'"references":[],"attributes":["Has Abstract"],"pmcrefcount":33,"fulljournalname":"Journal of '
    b'cheminformatics","elocationid":"","doctype":"citation","srccontriblist":[],"booktitle":"","medium":"",'
    b'"edition":"","publisherlocation":"","publishername":"","srcdate":"","reportnumber":"","availablefromurl":"",'
    b'"locationlabel":"","doccontriblist":[],"docdate":"","bookname":"","chapter":"","sortpubdate":'
    b'"2016/11/23 00:00","sortfirstauthor":"Scalfani VF","vernaculartitle":""}}}'
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<PubmedArticleSet><PubmedArticle>&lol4;</PubmedArticle></PubmedArticleSet>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PubmedArticleSet><PubmedArticle>&xxe;</PubmedArticle></PubmedArticleSet>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE eLinkResult [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<eLinkResult/>"""


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def by_pmid(records: list[dict]) -> dict[str, dict]:
    return {r["pmid"]: r for r in records}


# ---------------------------------------------------------------- safe XML helper


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY])
def test_parse_xml_refuses_entity_tricks(payload: bytes) -> None:
    with pytest.raises(ParseError, match="unsafe XML"):
        parse_xml(payload)


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_pubmed_parsers_refuse_entity_tricks(payload: bytes) -> None:
    with pytest.raises(ParseError):
        parse_pubmed_xml(payload)
    with pytest.raises(ParseError):
        parse_elink(payload)


@pytest.mark.parametrize("payload", [b"", b"   ", b"<PubmedArticleSet><PubmedArticle>", b"not xml at all"])
def test_parse_xml_malformed(payload: bytes) -> None:
    with pytest.raises(ParseError):
        parse_xml(payload)


def test_parse_xml_accepts_ncbi_doctype_without_fetching_it() -> None:
    # The real file starts with <!DOCTYPE ... "https://dtd.nlm.nih.gov/...dtd">; nothing is fetched.
    root = parse_xml(read("gemma_pubmed-retracted.xml"))
    assert root.tag == "PubmedArticleSet"


def test_text_of_keeps_inline_markup_text() -> None:
    root = parse_xml(b"<T>Role of <i>BRCA1</i>\n  in  <sup>2</sup>cells</T>")
    assert text_of(root) == "Role of BRCA1 in 2cells"
    assert text_of(None) is None


@pytest.mark.parametrize("payload", [b"", b'{"result": ', b"<html>Error</html>", b"\xff\xfe{"])
def test_load_json_errors(payload: bytes) -> None:
    with pytest.raises(ParseError):
        load_json(payload)


# ---------------------------------------------------------------- efetch


def test_efetch_two_articles() -> None:
    records = parse_pubmed_xml(read("biopython_pubmed2.xml"))
    assert [r["pmid"] for r in records] == ["11748933", "11700088"]
    first = records[0]
    assert set(first) == RECORD_KEYS
    assert first["title"].startswith("Is cryopreservation a homogeneous process?")
    assert first["journal"] == "Cryobiology"
    assert first["year"] == 2001
    assert first["doi"] == "10.1006/cryo.2001.2328"
    assert first["pmcid"] is None
    assert first["authors"][:3] == ["Taddei AR", "Barbato F", "Abelli L"]
    assert len(first["authors"]) == 8
    assert first["abstract"].startswith("This study subdivides the cryopreservation procedure")
    assert "Copyright" not in first["abstract"]
    assert first["publication_types"] == ["Journal Article", "Research Support, Non-U.S. Gov't"]
    assert first["retracted"] is False
    assert records[1]["doi"] == "10.1006/jmre.2001.2429"


def test_efetch_pmcid_and_ignores_reference_list_ids() -> None:
    # pubmed5 carries ~100 reference PMIDs/PMCIDs in its ReferenceList; only the article's own count.
    records = parse_pubmed_xml(read("biopython_pubmed5.xml"))
    assert len(records) == 1
    rec = records[0]
    assert rec["pmid"] == "28775130"
    assert rec["pmcid"] == "PMC5771820"
    assert rec["doi"] == "10.1136/oemed-2017-104431"
    assert rec["year"] == 2018
    assert rec["journal"] == "Occupational and environmental medicine"


def test_efetch_structured_abstract_labels() -> None:
    rec = parse_pubmed_xml(read("metapub_pmid_23657305.xml"))[0]
    assert rec["title"] == "Hfe mutations and iron overload in patients with alcoholic liver disease."
    assert rec["abstract"].splitlines()[0].startswith("CONTEXT: Alcoholic liver disease (ALD)")
    assert [line.split(":")[0] for line in rec["abstract"].splitlines()] == [
        "CONTEXT",
        "OBJECTIVES",
        "METHODS",
        "RESULTS",
        "CONCLUSION",
    ]
    assert rec["authors"][0] == "Costa-Matos L"  # decoded character reference
    assert rec["year"] == 2013  # PubDate with a Season, no Month


def test_efetch_pmc_article() -> None:
    rec = parse_pubmed_xml(read("metapub_pmid_24349601.xml"))[0]
    assert (rec["pmid"], rec["pmcid"], rec["doi"]) == ("24349601", "PMC3858957", "10.1037/a0030292")
    assert rec["title"] == "Genes, Economics, and Happiness."
    assert rec["authors"] == ["De Neve JE", "Christakis NA", "Fowler JH", "Frey BS"]


def test_efetch_nejm_trial() -> None:
    rec = parse_pubmed_xml(read("pubmed-29768149.xml"))[0]
    assert rec["pmid"] == "29768149"
    assert rec["doi"] == "10.1056/NEJMoa1715274"
    assert rec["journal"] == "The New England journal of medicine"
    assert rec["authors"][0] == "O'Byrne PM"
    assert "Clinical Trial, Phase III" in rec["publication_types"]


def test_efetch_old_record_without_journal_title() -> None:
    # 2004-era record: no <Journal><Title>; falls back to MedlineTA.
    rec = parse_pubmed_xml(read("gemma_pubmed-test.xml"))[0]
    assert rec["pmid"] == "15173114"
    assert rec["journal"] == "Genome Res"
    assert rec["doi"] == "10.1101/gr.1910904"
    assert rec["year"] == 2004


def test_efetch_retracted_article() -> None:
    records = parse_pubmed_xml(read("gemma_pubmed-retracted.xml"))
    # The retraction notice and erratum PMIDs only appear in CommentsCorrections.
    assert [r["pmid"] for r in records] == ["7914452"]
    rec = records[0]
    assert rec["retracted"] is True
    assert "Retracted Publication" in rec["publication_types"]
    assert rec["title"] == "Ceruloplasmin gene defect associated with epilepsy in EL mice."
    assert rec["journal"] == "Nature genetics"
    assert rec["doi"] == "10.1038/ng0494-426"
    assert rec["year"] == 1994


def test_efetch_book_article() -> None:
    records = parse_pubmed_xml(read("gemma_pubmed-bookarticle.xml"))
    assert len(records) == 1
    rec = records[0]
    assert set(rec) == RECORD_KEYS
    assert rec["pmid"] == "20301315"
    assert rec["title"] == "Giant Axonal Neuropathy"
    assert rec["journal"] == "GeneReviews"
    assert rec["year"] == 1993
    assert rec["authors"] == ["Kuhlenbaumer G", "Timmerman V"]  # not the book's editors
    assert rec["abstract"].startswith("DISEASE CHARACTERISTICS: Giant axonal neuropathy (GAN)")
    assert rec["retracted"] is False


def test_efetch_empty_set_and_wrong_root() -> None:
    assert parse_pubmed_xml(b"<PubmedArticleSet></PubmedArticleSet>") == []
    with pytest.raises(ParseError, match="PubmedArticleSet"):
        parse_pubmed_xml(read("biopython_esummary1.xml"))


def test_efetch_truncated_file() -> None:
    data = read("biopython_pubmed2.xml")
    with pytest.raises(ParseError):
        parse_pubmed_xml(data[: len(data) // 2])


def test_efetch_error_body() -> None:
    # NCBI's efetch error layout, built here (no recorded one in the fixtures).
    with pytest.raises(RemoteError, match="Empty id list"):
        parse_pubmed_xml(b"<eFetchResult><ERROR>Empty id list - nothing todo</ERROR></eFetchResult>")


# ---------------------------------------------------------------- esummary


def test_esummary_xml_v1_docsum() -> None:
    records = parse_pubmed_esummary(read("biopython_esummary1.xml"))
    assert [r["pmid"] for r in records] == ["11850928", "11482001"]
    first = records[0]
    assert set(first) == RECORD_KEYS
    assert first["title"] == "Zirconium granuloma following treatment of rhus dermatitis."
    assert first["journal"] == "Archives of dermatology"
    assert first["year"] == 1965
    assert first["authors"] == ["LoPresti PJ", "Hambrick GW Jr"]
    assert first["doi"] is None and first["abstract"] is None
    assert records[1]["publication_types"] == ["Journal Article", "Review"]


def test_esummary_xml_v2_document_summary() -> None:
    records = by_pmid(parse_pubmed_esummary(read("esummary.pubmed.xml")))
    assert set(records) == {"5683731", "22144687"}
    genbank = records["22144687"]
    assert genbank["title"] == "GenBank."
    assert genbank["journal"] == "Nucleic acids research"
    assert genbank["year"] == 2012
    assert genbank["doi"] == "10.1093/nar/gkr1202"
    assert genbank["pmcid"] == "PMC3245039"
    assert genbank["authors"][0] == "Benson DA"
    assert records["5683731"]["doi"] == "10.1038/sc.1968.18"


def test_esummary_json_real_answer() -> None:
    records = parse_pubmed_esummary(ESUMMARY_JSON_27933103)
    assert len(records) == 1
    rec = records[0]
    assert set(rec) == RECORD_KEYS
    assert rec["pmid"] == "27933103"
    assert rec["title"] == "Programmatic conversion of crystal structures into 3D printable files using Jmol."
    assert rec["journal"] == "Journal of cheminformatics"
    assert rec["year"] == 2016
    assert rec["doi"] == "10.1186/s13321-016-0181-z"
    assert rec["pmcid"] == "PMC5122160"
    assert rec["authors"][0] == "Scalfani VF" and len(rec["authors"]) == 8
    assert rec["publication_types"] == ["Journal Article"]


def test_esummary_json_skips_error_uids_and_uses_elocation_doi() -> None:
    # Built from the real answer above: a second uid NCBI could not summarise, and a
    # record whose DOI is only in "elocationid" (layout as in NCBI's JSON).
    payload = json.loads(ESUMMARY_JSON_27933103)
    doc = payload["result"]["27933103"]
    doc["articleids"] = [{"idtype": "pubmed", "value": "27933103"}]
    doc["elocationid"] = "doi: 10.1186/s13321-016-0181-z"
    payload["result"]["uids"].append("99999999999")
    payload["result"]["99999999999"] = {"uid": "99999999999", "error": "cannot get document summary"}
    records = parse_pubmed_esummary(json.dumps(payload).encode())
    assert [r["pmid"] for r in records] == ["27933103"]
    assert records[0]["doi"] == "10.1186/s13321-016-0181-z"
    assert records[0]["pmcid"] is None


def test_esummary_json_errors() -> None:
    with pytest.raises(ParseError):
        parse_pubmed_esummary(ESUMMARY_JSON_27933103[:200])
    with pytest.raises(ParseError):
        parse_pubmed_esummary(b'{"header": {}}')
    # NCBI's over-limit body (HTTP 429 / 200 with this JSON), built from its documented text.
    with pytest.raises(RateLimitError):
        parse_pubmed_esummary(b'{"error":"API rate limit exceeded","count":"11"}')


# ---------------------------------------------------------------- elink


def test_elink_xml_without_linksetdb() -> None:
    assert parse_elink(read("metapub_medgen_elink_pubmed_0_entries.xml")) == {"0": []}


def test_elink_xml_with_links() -> None:
    # Standard ELink XML layout, built here (the fixtures hold no gds->pubmed ELink answer).
    data = b"""<?xml version="1.0" encoding="UTF-8" ?>
<eLinkResult><LinkSet><DbFrom>gds</DbFrom><IdList><Id>200100750</Id></IdList>
<LinkSetDb><DbTo>pubmed</DbTo><LinkName>gds_pubmed</LinkName>
<Link><Id>29211711</Id></Link><Link><Id>28000000</Id></Link></LinkSetDb>
<LinkSetDb><DbTo>pubmed</DbTo><LinkName>gds_pubmed_other</LinkName><Link><Id>1</Id></Link></LinkSetDb>
</LinkSet>
<LinkSet><DbFrom>gds</DbFrom><IdList><Id>200000001</Id></IdList></LinkSet></eLinkResult>"""
    assert parse_elink(data, linkname="gds_pubmed") == {"200100750": ["29211711", "28000000"], "200000001": []}
    assert parse_elink(data)["200100750"] == ["29211711", "28000000", "1"]


def test_elink_json_documented_layout() -> None:
    # No real gds->pubmed ELink JSON exists in the fixtures; this input follows the
    # standard linksets[].ids + linksets[].linksetdbs[].links layout the fixtures README names.
    payload = {
        "header": {"type": "elink", "version": "0.3"},
        "linksets": [
            {
                "dbfrom": "gds",
                "ids": ["200100750"],
                "linksetdbs": [{"dbto": "pubmed", "linkname": "gds_pubmed", "links": ["29211711", 28000000]}],
            },
            {"dbfrom": "gds", "ids": ["200000001"]},
            {
                "dbfrom": "gds",
                "ids": ["200000002", "200000003"],
                "linksetdbs": [{"linkname": "gds_pubmed", "links": ["5"]}],
            },
        ],
    }
    result = parse_elink(json.dumps(payload), linkname="gds_pubmed")
    assert result == {
        "200100750": ["29211711", "28000000"],
        "200000001": [],
        "200000002": ["5"],
        "200000003": ["5"],
    }
    assert parse_elink(json.dumps(payload), linkname="gds_sra")["200100750"] == []


def test_elink_errors() -> None:
    with pytest.raises(ParseError):
        parse_elink(b'{"linksets": [')
    with pytest.raises(ParseError):
        parse_elink(b'{"header": {}}')
    with pytest.raises(ParseError):
        parse_elink(read("biopython_esummary1.xml"))
    with pytest.raises(RemoteError, match="Invalid"):
        parse_elink(b'{"ERROR": "Invalid db name specified: gdss"}')
