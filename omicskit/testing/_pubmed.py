"""Bundled real PubMed records (efetch XML), split per article.

``db=pubmed`` ESummary JSON DocSums are *derived* from these XML records
(see ``data/derived.tsv``); identifiers for the PMC ID converter likewise.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

from ._catalog import data_dir

__all__ = ["PubmedRecord", "load_pubmed", "pubmed_docsum", "pubmed_set"]

_ARTICLE = re.compile(r"<(PubmedArticle|PubmedBookArticle)(?:\s[^>]*)?>.*?</\1>", re.S)
_PMID = re.compile(r"<PMID[^>]*>(\d+)</PMID>")
_DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


@dataclass(frozen=True)
class PubmedRecord:
    """One PubmedArticle/PubmedBookArticle element, verbatim, with a few fields pulled out."""

    pmid: str
    xml: str
    source_file: str

    def _first(self, pattern: str) -> str:
        m = re.search(pattern, self.xml, re.S)
        return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else ""

    @property
    def article_ids(self) -> dict[str, str]:
        """The article's own ArticleIdList (not its references')."""
        tail = re.split(r"</MedlineCitation>|</BookDocument>", self.xml, maxsplit=1)[-1]
        block = re.search(r"<ArticleIdList>(.*?)</ArticleIdList>", tail, re.S)
        ids: dict[str, str] = {}
        for kind, value in re.findall(
            r'<ArticleId IdType="(\w+)">([^<]*)</ArticleId>', block.group(1) if block else ""
        ):
            ids.setdefault(kind, value.strip())
        return ids

    @property
    def title(self) -> str:
        return self._first(r"<ArticleTitle[^>]*>(.*?)</ArticleTitle>") or self._first(
            r"<BookTitle[^>]*>(.*?)</BookTitle>"
        )

    @property
    def journal(self) -> str:
        return self._first(r"<Journal>.*?<Title>(.*?)</Title>")

    @property
    def iso_abbrev(self) -> str:
        return self._first(r"<ISOAbbreviation>(.*?)</ISOAbbreviation>") or self.journal

    @property
    def year(self) -> str:
        return self._first(r"<PubDate>.*?<Year>(\d{4})</Year>")

    @property
    def authors(self) -> list[str]:
        names = re.findall(
            r"<Author[^>]*>\s*<LastName>([^<]*)</LastName>.*?<Initials>([^<]*)</Initials>", self.xml, re.S
        )
        return [html.unescape(f"{last} {ini}") for last, ini in names]


@functools.cache
def load_pubmed() -> dict[str, PubmedRecord]:
    """PMID → record, from every bundled ``pubmed/*.xml`` PubmedArticleSet."""
    records: dict[str, PubmedRecord] = {}
    for path in sorted((data_dir() / "pubmed").glob("*.xml")):
        text = path.read_text("utf-8")
        if "<PubmedArticleSet" not in text:
            continue
        for m in _ARTICLE.finditer(text):
            pmid = _PMID.search(m.group(0))
            if pmid:
                records.setdefault(pmid.group(1), PubmedRecord(pmid.group(1), m.group(0), f"pubmed/{path.name}"))
    return records


def pubmed_set(records: list[PubmedRecord]) -> str:
    """A PubmedArticleSet document holding ``records`` (efetch ``retmode=xml``)."""
    body = "\n".join(r.xml for r in records)
    return f'<?xml version="1.0" ?>\n{_DOCTYPE}\n<PubmedArticleSet>\n{body}\n</PubmedArticleSet>\n'


def pubmed_docsum(rec: PubmedRecord) -> dict[str, object]:
    """ESummary ``db=pubmed`` JSON DocSum derived from the XML record (subset of NCBI's keys)."""
    ids = rec.article_ids
    article_ids = [{"idtype": "pubmed", "idtypen": 1, "value": rec.pmid}]
    for kind, n in (("doi", 3), ("pmc", 8), ("pii", 4), ("mid", 9)):
        if kind in ids:
            article_ids.append({"idtype": kind, "idtypen": n, "value": ids[kind]})
    authors = rec.authors
    return {
        "uid": rec.pmid,
        "pubdate": rec.year,
        "source": rec.iso_abbrev,
        "authors": [{"name": a, "authtype": "Author", "clusterid": ""} for a in authors],
        "lastauthor": authors[-1] if authors else "",
        "title": rec.title,
        "fulljournalname": rec.journal,
        "articleids": article_ids,
        "elocationid": f"doi: {ids['doi']}" if "doi" in ids else "",
        "pmcrefcount": "",
    }
