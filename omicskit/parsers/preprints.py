"""Preprint-server parsers (arXiv Atom, bioRxiv/medRxiv details JSON): bytes in, records out.

Both are re-exported by :mod:`omicskit.parsers.oa`.

* :func:`parse_arxiv_atom` reads the arXiv API Atom feed
  (``export.arxiv.org/api/query``). An empty feed gives ``[]``; arXiv's error
  entry (``<title>Error</title>``, e.g. a malformed id) raises
  :class:`~omicskit.errors.NotFoundError`.
* :func:`parse_biorxiv_details` reads ``api.biorxiv.org/details/{server}/{doi}``
  JSON: one record per posted version. "no posts found" gives ``[]``; any
  other non-``ok`` status raises :class:`~omicskit.errors.RemoteError`.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from omicskit.errors import NotFoundError, ParseError, RemoteError
from omicskit.parsers._xml import load_json, local_name, parse_xml, text_of

__all__ = ["parse_arxiv_atom", "parse_biorxiv_details"]

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_ABS_PREFIXES = ("http://arxiv.org/abs/", "https://arxiv.org/abs/")
_PDF_HOSTS = {"biorxiv": "https://www.biorxiv.org", "medrxiv": "https://www.medrxiv.org"}


# ---------------------------------------------------------------- arXiv


def parse_arxiv_atom(data: bytes | str) -> list[dict[str, Any]]:
    """Parse an arXiv API Atom feed into ``arxiv_id, title, summary, published, doi, pdf_url, authors``.

    ``arxiv_id`` is the versioned id the feed gives (``"2201.13452v1"``).
    """
    root = parse_xml(data)
    if local_name(root.tag) != "feed":
        raise ParseError(f"expected an Atom <feed>, got <{local_name(root.tag)}>")
    records = []
    for entry in root.findall(f"{_ATOM}entry"):
        _raise_if_error_entry(entry)
        records.append(_arxiv_entry(entry))
    return records


def _raise_if_error_entry(entry: Element) -> None:
    """arXiv reports bad queries as a single entry titled "Error"."""
    entry_id = text_of(entry.find(f"{_ATOM}id")) or ""
    if text_of(entry.find(f"{_ATOM}title")) == "Error" or "/api/errors" in entry_id:
        message = text_of(entry.find(f"{_ATOM}summary")) or entry_id
        raise NotFoundError(f"arXiv error: {message}", url=entry_id or None)


def _arxiv_id(entry_url: str | None) -> str | None:
    """``http://arxiv.org/abs/2201.13452v1`` -> ``2201.13452v1``."""
    if not entry_url:
        return None
    for prefix in _ABS_PREFIXES:
        if entry_url.startswith(prefix):
            return entry_url[len(prefix) :]
    return entry_url


def _pdf_link(entry: Element) -> str | None:
    """The entry's PDF link (``title="pdf"``, a PDF type, or a ``/pdf/`` path)."""
    for link in entry.findall(f"{_ATOM}link"):
        href = link.get("href")
        if href and (link.get("title") == "pdf" or link.get("type") == "application/pdf" or "/pdf/" in href):
            return href
    return None


def _arxiv_entry(entry: Element) -> dict[str, Any]:
    """One Atom ``<entry>``."""
    return {
        "arxiv_id": _arxiv_id(text_of(entry.find(f"{_ATOM}id"))),
        "title": text_of(entry.find(f"{_ATOM}title")),
        "summary": text_of(entry.find(f"{_ATOM}summary")),
        "published": text_of(entry.find(f"{_ATOM}published")),
        "doi": text_of(entry.find(f"{_ARXIV}doi")),
        "pdf_url": _pdf_link(entry),
        "authors": [n for n in map(text_of, entry.findall(f"{_ATOM}author/{_ATOM}name")) if n],
    }


# ---------------------------------------------------------------- bioRxiv / medRxiv


def parse_biorxiv_details(data: bytes | str) -> list[dict[str, Any]]:
    """Parse bioRxiv/medRxiv ``details`` JSON into one record per version.

    Keys: ``doi, title, date, version, license, jats_url, published_doi,
    server, pdf_url`` (``pdf_url`` is the server's ``{doi}v{version}.full.pdf``).
    """
    payload = load_json(data)
    if not isinstance(payload, dict) or not isinstance(payload.get("collection", []), list):
        raise ParseError("bioRxiv JSON is not a {messages, collection} object")
    status = _biorxiv_status(payload)
    if status == "no posts found":
        return []
    if status != "ok":
        raise RemoteError(f"bioRxiv API: {status}")
    return [_biorxiv_record(item) for item in payload.get("collection", []) if isinstance(item, dict)]


def _biorxiv_status(payload: dict[str, Any]) -> str:
    """``messages[0].status`` (``"ok"`` when the API leaves it out but sends a collection)."""
    messages = payload.get("messages") or []
    first = messages[0] if messages and isinstance(messages[0], dict) else {}
    status = first.get("status")
    if status is None:
        return "ok" if payload.get("collection") else "no posts found"
    return str(status).strip().lower()


def _na(value: object) -> str | None:
    """bioRxiv writes missing values as "NA" or ""."""
    text = str(value).strip() if value is not None else ""
    return None if text in ("", "NA") else text


def _biorxiv_pdf(server: str | None, doi: str | None, version: str | None) -> str | None:
    """``https://www.biorxiv.org/content/{doi}v{version}.full.pdf`` (or medRxiv)."""
    host = _PDF_HOSTS.get((server or "").lower())
    if not (host and doi and version):
        return None
    return f"{host}/content/{doi}v{version}.full.pdf"


def _biorxiv_record(item: dict[str, Any]) -> dict[str, Any]:
    """One ``collection`` item."""
    doi, version = _na(item.get("doi")), _na(item.get("version"))
    server = (_na(item.get("server")) or "").lower() or None
    return {
        "doi": doi,
        "title": _na(item.get("title")),
        "date": _na(item.get("date")),
        "version": version,
        "license": _na(item.get("license")),
        "jats_url": _na(item.get("jatsxml")),
        "published_doi": _na(item.get("published")),
        "server": server,
        "pdf_url": _biorxiv_pdf(server, doi, version),
    }
