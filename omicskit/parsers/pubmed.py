"""PubMed and ELink parsers: bytes in, records out, no I/O.

* :func:`parse_pubmed_xml` reads an efetch ``PubmedArticleSet`` (journal
  articles, ``PubmedBookArticle`` chapters, retracted articles).
* :func:`parse_pubmed_esummary` reads PubMed esummary in JSON
  (``result.uids`` + one object per uid) and XML (v1 ``<DocSum><Item Name=..>``
  and v2 ``<DocumentSummary>``).
* :func:`parse_elink` reads ELink JSON (``linksets[].ids`` +
  ``linksets[].linksetdbs[].links``) and XML (``<LinkSet><IdList>`` +
  ``<LinkSetDb><Link><Id>``) into ``{source uid: [linked uids]}``.

Records of the first two share the keys ``pmid, title, journal, year (int |
None), doi, pmcid, authors (["Last FM", ...]), abstract, publication_types,
retracted`` (``None`` / ``[]`` when absent). Bodies that are not what they
claim raise :class:`~omicskit.errors.ParseError`; NCBI error bodies sent with
HTTP 200 raise :class:`~omicskit.errors.RemoteError` / ``RateLimitError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from xml.etree.ElementTree import Element

from omicskit.errors import ParseError, RateLimitError, RemoteError
from omicskit.parsers._xml import load_json, parse_xml, text_of

__all__ = ["parse_elink", "parse_pubmed_esummary", "parse_pubmed_xml"]

_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
_PMCID = re.compile(r"PMC\d+", re.IGNORECASE)
_RETRACTED_TYPE = "Retracted Publication"


def _record(**fields: Any) -> dict[str, Any]:
    """A PubMed record with every key present (missing ones ``None`` / ``[]``)."""
    rec: dict[str, Any] = {
        "pmid": None,
        "title": None,
        "journal": None,
        "year": None,
        "doi": None,
        "pmcid": None,
        "authors": [],
        "abstract": None,
        "publication_types": [],
        "retracted": False,
    }
    rec.update(fields)
    rec["retracted"] = bool(rec["retracted"]) or _RETRACTED_TYPE in rec["publication_types"]
    return rec


def _year(value: object) -> int | None:
    """First plausible 4-digit year in *value* ("2001 Jun", "1998 Dec-1999 Jan", 2013)."""
    if value is None:
        return None
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def _pmcid(value: object) -> str | None:
    """Normalise "PMC123", "pmc-id: PMC123;" to "PMC123"."""
    match = _PMCID.search(str(value or ""))
    return match.group(0).upper() if match else None


def _doi(value: object) -> str | None:
    """Strip a "doi: " prefix (esummary ``elocationid``) and blanks."""
    text = str(value or "").strip()
    if text.lower().startswith("doi:"):
        text = text[4:].strip()
    return text or None


def _raise_ncbi_error(message: str) -> None:
    """Raise the error class matching an NCBI error text."""
    if "rate limit" in message.lower():
        raise RateLimitError(message, status=429)
    raise RemoteError(message)


def parse_pubmed_xml(data: bytes | str) -> list[dict[str, Any]]:
    """Parse an efetch ``PubmedArticleSet`` into one record per article or book chapter."""
    root = parse_xml(data)
    if root.tag in ("eFetchResult", "ERROR"):
        _raise_ncbi_error(text_of(root.find("ERROR")) or text_of(root) or "efetch error")
    if root.tag != "PubmedArticleSet":
        raise ParseError(f"expected PubmedArticleSet, got <{root.tag}>")
    records: list[dict[str, Any]] = []
    for child in root:
        if child.tag == "PubmedArticle":
            records.append(_journal_article(child))
        elif child.tag == "PubmedBookArticle":
            records.append(_book_article(child))
    return records


def _authors(author_list: Element | None) -> list[str]:
    """``["Last FM", ...]`` from an ``<AuthorList>``; collective names kept whole."""
    names: list[str] = []
    for author in [] if author_list is None else author_list.findall("Author"):
        collective = text_of(author.find("CollectiveName"))
        last = text_of(author.find("LastName"))
        if last:
            initials = text_of(author.find("Initials")) or _initials(text_of(author.find("ForeName")))
            names.append(f"{last} {initials}".strip())
        elif collective:
            names.append(collective)
    return names


def _initials(fore_name: str | None) -> str:
    """Initials from a fore name ("Roberta A" -> "RA")."""
    return "".join(part[0] for part in (fore_name or "").replace("-", " ").split() if part)


def _abstract(abstract: Element | None) -> str | None:
    """Abstract text; structured sections become "LABEL: text" lines."""
    if abstract is None:
        return None
    parts = []
    for section in abstract.findall("AbstractText"):
        text = text_of(section)
        if not text:
            continue
        label = section.get("Label")
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _article_ids(id_list: Element | None) -> dict[str, str]:
    """``{IdType: value}`` from an ``<ArticleIdList>`` (first value per type)."""
    ids: dict[str, str] = {}
    for article_id in id_list.findall("ArticleId") if id_list is not None else []:
        value = text_of(article_id)
        if value:
            ids.setdefault(article_id.get("IdType", "pubmed"), value)
    return ids


def _elocation_doi(article: Element) -> str | None:
    """DOI from ``<ELocationID EIdType="doi">`` when PubmedData has none."""
    for loc in article.findall("ELocationID"):
        if loc.get("EIdType") == "doi":
            return _doi(text_of(loc))
    return None


def _pub_year(article: Element) -> int | None:
    """Year from the journal issue date, its MedlineDate, else the electronic ArticleDate."""
    pub_date = article.find("Journal/JournalIssue/PubDate")
    if pub_date is not None:
        year = _year(pub_date.findtext("Year")) or _year(pub_date.findtext("MedlineDate"))
        if year:
            return year
    return _year(article.findtext("ArticleDate/Year"))


def _is_retracted(citation: Element) -> bool:
    """A ``RetractionIn`` comment/correction marks the article itself as retracted."""
    return any(c.get("RefType") == "RetractionIn" for c in citation.iter("CommentsCorrections"))


def _journal_article(element: Element) -> dict[str, Any]:
    """One ``<PubmedArticle>``."""
    citation = element.find("MedlineCitation")
    if citation is None:
        raise ParseError("PubmedArticle without MedlineCitation")
    article = citation.find("Article")
    if article is None:
        raise ParseError(f"PubmedArticle {citation.findtext('PMID')} without Article")
    ids = _article_ids(element.find("PubmedData/ArticleIdList"))
    return _record(
        pmid=text_of(citation.find("PMID")),
        title=text_of(article.find("ArticleTitle")) or text_of(article.find("VernacularTitle")),
        journal=text_of(article.find("Journal/Title"))
        or text_of(article.find("Journal/ISOAbbreviation"))
        or text_of(citation.find("MedlineJournalInfo/MedlineTA")),
        year=_pub_year(article),
        doi=_doi(ids.get("doi")) or _elocation_doi(article),
        pmcid=_pmcid(ids.get("pmc")),
        authors=_authors(article.find("AuthorList")),
        abstract=_abstract(article.find("Abstract")),
        publication_types=[t for t in map(text_of, article.findall("PublicationTypeList/PublicationType")) if t],
        retracted=_is_retracted(citation),
    )


def _book_authors(document: Element) -> list[str]:
    """Chapter authors (an ``AuthorList`` that is not the book's editors)."""
    for author_list in document.findall("AuthorList"):
        if author_list.get("Type", "authors") == "authors":
            return _authors(author_list)
    return []


def _book_article(element: Element) -> dict[str, Any]:
    """One ``<PubmedBookArticle>`` (e.g. a GeneReviews chapter)."""
    document = element.find("BookDocument")
    if document is None:
        raise ParseError("PubmedBookArticle without BookDocument")
    book_title = text_of(document.find("Book/BookTitle"))
    ids = {**_article_ids(element.find("PubmedBookData/ArticleIdList")), **_article_ids(document.find("ArticleIdList"))}
    return _record(
        pmid=text_of(document.find("PMID")),
        title=text_of(document.find("ArticleTitle")) or book_title,
        journal=book_title,
        year=_year(document.findtext("Book/PubDate/Year")) or _year(document.findtext("Book/PubDate/MedlineDate")),
        doi=_doi(ids.get("doi")),
        pmcid=_pmcid(ids.get("pmc")),
        authors=_book_authors(document),
        abstract=_abstract(document.find("Abstract")),
        publication_types=[t for t in map(text_of, document.findall("PublicationType")) if t],
    )


def parse_pubmed_esummary(data: bytes | str) -> list[dict[str, Any]]:
    """Parse PubMed esummary (JSON, XML v1 DocSum or XML v2 DocumentSummary).

    UIDs NCBI reports as errors ("cannot get document summary") are skipped.
    """
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if raw.lstrip()[:1] in (b"{", b"["):
        return _esummary_json(load_json(raw))
    return _esummary_xml(parse_xml(raw))


def _esummary_json(payload: Any) -> list[dict[str, Any]]:
    """Records from ``{"result": {"uids": [...], uid: {...}}}``."""
    if not isinstance(payload, dict):
        raise ParseError("esummary JSON is not an object")
    if "result" not in payload:
        error = payload.get("error") or payload.get("esummaryresult")
        if error:
            _raise_ncbi_error(str(error[0] if isinstance(error, list) else error))
        raise ParseError("esummary JSON without 'result'")
    result = payload["result"]
    if not isinstance(result, dict):
        raise ParseError("esummary 'result' is not an object")
    docs = (result.get(str(uid)) for uid in result.get("uids", []))
    return [_json_docsum(doc) for doc in docs if isinstance(doc, dict) and "error" not in doc]


def _json_ids(article_ids: Iterable[Any]) -> dict[str, str]:
    """``{idtype: value}`` from esummary ``articleids``."""
    ids: dict[str, str] = {}
    for item in article_ids:
        if isinstance(item, dict) and item.get("value"):
            ids.setdefault(str(item.get("idtype")), str(item["value"]))
    return ids


def _json_docsum(doc: dict[str, Any]) -> dict[str, Any]:
    """One JSON esummary document."""
    ids = _json_ids(doc.get("articleids") or [])
    return _record(
        pmid=str(doc.get("uid") or ids.get("pubmed") or "") or None,
        title=doc.get("title") or None,
        journal=doc.get("fulljournalname") or doc.get("source") or None,
        year=_year(doc.get("pubdate")) or _year(doc.get("sortpubdate")),
        doi=_doi(ids.get("doi")) or _doi_from_elocation(doc.get("elocationid")),
        pmcid=_pmcid(ids.get("pmc") or ids.get("pmcid")),
        authors=[a["name"] for a in doc.get("authors") or [] if isinstance(a, dict) and a.get("name")],
        publication_types=[str(t) for t in doc.get("pubtype") or []],
    )


def _doi_from_elocation(value: object) -> str | None:
    """DOI from an elocation such as "doi: 10.1/x" (other elocations ignored)."""
    text = str(value or "").strip()
    return _doi(text) if text.lower().startswith("doi:") else None


def _esummary_xml(root: Element) -> list[dict[str, Any]]:
    """Records from ``<eSummaryResult>`` (v1 ``DocSum`` or v2 ``DocumentSummary``)."""
    if root.tag != "eSummaryResult":
        raise ParseError(f"expected eSummaryResult, got <{root.tag}>")
    error = text_of(root.find("ERROR"))
    docsums, summaries = root.findall("DocSum"), root.findall("DocumentSummarySet/DocumentSummary")
    if error and not docsums and not summaries:
        _raise_ncbi_error(error)
    records = [_xml_docsum_v1(d) for d in docsums]
    records += [_xml_docsum_v2(d) for d in summaries if d.find("error") is None]
    return records


def _xml_docsum_v1(docsum: Element) -> dict[str, Any]:
    """One v1 ``<DocSum>`` with ``<Item Name=..>`` children."""
    items = {item.get("Name"): item for item in docsum.findall("Item")}

    def item_text(name: str) -> str | None:
        return text_of(items.get(name))

    def item_list(name: str) -> list[Element]:
        node = items.get(name)
        return list(node.findall("Item")) if node is not None else []

    ids = {i.get("Name", ""): text_of(i) or "" for i in item_list("ArticleIds")}
    return _record(
        pmid=text_of(docsum.find("Id")),
        title=item_text("Title"),
        journal=item_text("FullJournalName") or item_text("Source"),
        year=_year(item_text("PubDate")),
        doi=_doi(ids.get("doi") or item_text("DOI")) or _doi_from_elocation(item_text("ELocationID")),
        pmcid=_pmcid(ids.get("pmc") or ids.get("pmcid")),
        authors=[t for t in map(text_of, item_list("AuthorList")) if t],
        publication_types=[t for t in map(text_of, item_list("PubTypeList")) if t],
    )


def _xml_docsum_v2(summary: Element) -> dict[str, Any]:
    """One v2 ``<DocumentSummary uid=..>``."""
    ids: dict[str, str] = {}
    for article_id in summary.findall("ArticleIds/ArticleId"):
        id_type, value = text_of(article_id.find("IdType")), text_of(article_id.find("Value"))
        if id_type and value:
            ids.setdefault(id_type, value)
    return _record(
        pmid=summary.get("uid"),
        title=text_of(summary.find("Title")),
        journal=text_of(summary.find("FullJournalName")) or text_of(summary.find("Source")),
        year=_year(text_of(summary.find("PubDate"))) or _year(text_of(summary.find("SortPubDate"))),
        doi=_doi(ids.get("doi")) or _doi_from_elocation(text_of(summary.find("ELocationID"))),
        pmcid=_pmcid(ids.get("pmc") or ids.get("pmcid")),
        authors=[t for t in map(text_of, summary.findall("Authors/Author/Name")) if t],
        publication_types=[t for t in map(text_of, summary.findall("PubType/flag")) if t],
    )


def parse_elink(data: bytes | str, *, linkname: str | None = None) -> dict[str, list[str]]:
    """Map each source UID to its linked UIDs (ELink JSON or XML).

    With *linkname* (e.g. ``"gds_pubmed"``) only that link set is read. A
    source UID without links maps to ``[]``. When NCBI groups several source
    UIDs into one link set (``id=1,2`` in a single parameter), each of them
    maps to the union of that set's links.
    """
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if raw.lstrip()[:1] == b"{":
        return _elink_json(load_json(raw), linkname)
    return _elink_xml(parse_xml(raw), linkname)


def _merge(out: dict[str, list[str]], sources: list[str], links: list[str]) -> None:
    """Add *links* (deduplicated, order kept) under each source UID."""
    for source in sources:
        bucket = out.setdefault(source, [])
        bucket.extend(link for link in links if link not in bucket)


def _link_id(link: Any) -> str:
    """A link is a bare id, or ``{"id": .., "score": ..}`` for scored links."""
    return str(link["id"] if isinstance(link, dict) else link)


def _elink_json(payload: Any, linkname: str | None) -> dict[str, list[str]]:
    """``{"linksets": [{"ids": [...], "linksetdbs": [{"linkname", "links"}]}]}``."""
    if not isinstance(payload, dict):
        raise ParseError("ELink JSON is not an object")
    error = payload.get("ERROR") or payload.get("error")
    if error and "linksets" not in payload:
        _raise_ncbi_error(str(error))
    linksets = payload.get("linksets")
    if not isinstance(linksets, list):
        raise ParseError("ELink JSON without 'linksets'")
    out: dict[str, list[str]] = {}
    for linkset in linksets:
        sources = [str(uid) for uid in linkset.get("ids", [])]
        links = [
            _link_id(link)
            for db in linkset.get("linksetdbs") or []
            if linkname is None or db.get("linkname") == linkname
            for link in db.get("links") or []
        ]
        _merge(out, sources, links)
    return out


def _elink_xml(root: Element, linkname: str | None) -> dict[str, list[str]]:
    """``<eLinkResult><LinkSet><IdList><Id>`` + ``<LinkSetDb><Link><Id>``."""
    if root.tag != "eLinkResult":
        raise ParseError(f"expected eLinkResult, got <{root.tag}>")
    linksets = root.findall("LinkSet")
    error = text_of(root.find("ERROR"))
    if error and not linksets:
        _raise_ncbi_error(error)
    out: dict[str, list[str]] = {}
    for linkset in linksets:
        sources = [t for t in map(text_of, linkset.findall("IdList/Id")) if t]
        links = [
            link_id
            for db in linkset.findall("LinkSetDb")
            if linkname is None or text_of(db.find("LinkName")) == linkname
            for link_id in map(text_of, db.findall("Link/Id"))
            if link_id
        ]
        _merge(out, sources, links)
    return out
