"""Open-access literature parsers: bytes in, records out, no I/O.

Parsers: :func:`parse_idconv` (PMC ID converter JSON), :func:`parse_unpaywall`
(Unpaywall v2), :func:`parse_europepmc_search` / :func:`parse_europepmc_hit_count`
(Europe PMC REST ``/search``), :func:`parse_crossref_work` (Crossref
``/works/{doi}``) and :func:`parse_crossref_rate_limit` (its ``x-rate-limit-*``
headers); :func:`parse_arxiv_atom` and :func:`parse_biorxiv_details` live in
:mod:`omicskit.parsers.preprints` and are re-exported here.

The legal-OA link chooser (:func:`best_oa_location` and the ``*_candidates``
builders) lives in :mod:`omicskit.parsers.oa_links` and is re-exported here.
Its order, documented in full there: 1) Unpaywall's best location when it is
a publisher/repository ``publishedVersion`` with a PDF; 2) PubMed Central via
Europe PMC ("Open access"/"Free"); 3) any Unpaywall PDF, published > accepted
> submitted version; 4) preprint servers (bioRxiv/medRxiv, arXiv); 5)
landing-page-only open access. Shadow libraries are never used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from omicskit.errors import NotFoundError, ParseError, RemoteError
from omicskit.parsers._xml import load_json
from omicskit.parsers.oa_links import (
    arxiv_candidates,
    best_oa_location,
    biorxiv_candidates,
    crossref_candidates,
    europepmc_candidates,
    unpaywall_candidates,
)
from omicskit.parsers.preprints import parse_arxiv_atom, parse_biorxiv_details

__all__ = [
    "arxiv_candidates",
    "best_oa_location",
    "biorxiv_candidates",
    "crossref_candidates",
    "europepmc_candidates",
    "parse_arxiv_atom",
    "parse_biorxiv_details",
    "parse_crossref_rate_limit",
    "parse_crossref_work",
    "parse_europepmc_hit_count",
    "parse_europepmc_search",
    "parse_idconv",
    "parse_unpaywall",
    "unpaywall_candidates",
]

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _object(data: bytes | str, what: str) -> dict[str, Any]:
    """Decode *data* and insist on a JSON object."""
    payload = load_json(data)
    if not isinstance(payload, dict):
        raise ParseError(f"{what} JSON is not an object")
    return payload


def _str(value: object) -> str | None:
    """Non-empty string or ``None``."""
    text = str(value).strip() if value is not None else ""
    return text or None


def _int(value: object) -> int | None:
    """``int(value)`` or ``None`` for missing/non-numeric values."""
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


def _year(value: object) -> int | None:
    """A year from ``2020``, ``"2020"`` or ``"2020-06-01"``."""
    return _int(str(value).strip()[:4]) if value not in (None, "") else None


def _yes(value: object) -> bool:
    """Europe PMC flags are "Y"/"N"."""
    return str(value).strip().upper() == "Y"


# ---------------------------------------------------------------- PMC ID converter


def parse_idconv(data: bytes | str) -> list[dict[str, Any]]:
    """Parse PMC ID converter JSON into ``pmid, pmcid, doi, error`` rows (one per requested id).

    ``error`` is the converter's ``errmsg`` for ids it could not convert, else ``None``.
    """
    payload = _object(data, "ID converter")
    if str(payload.get("status", "ok")).lower() != "ok":
        raise RemoteError(f"ID converter: {payload.get('message') or payload.get('status')}")
    records = payload.get("records")
    if not isinstance(records, list):
        raise ParseError("ID converter JSON without 'records'")
    return [_idconv_row(r) for r in records if isinstance(r, dict)]


def _idconv_row(record: dict[str, Any]) -> dict[str, Any]:
    """One converter record."""
    failed = str(record.get("status", "")).lower() == "error"
    return {
        "pmid": _str(record.get("pmid")),
        "pmcid": _str(record.get("pmcid")),
        "doi": _str(record.get("doi")),
        "error": (_str(record.get("errmsg")) or "error") if failed else None,
    }


# ---------------------------------------------------------------- Unpaywall


def parse_unpaywall(data: bytes | str) -> dict[str, Any]:
    """Parse an Unpaywall v2 DOI response.

    Error bodies raise :class:`NotFoundError` (404) or :class:`RemoteError`
    (other statuses, e.g. 422 for a missing ``email``) carrying the status.
    """
    payload = _object(data, "Unpaywall")
    if payload.get("error") is True or "HTTP_status_code" in payload:
        _raise_unpaywall_error(payload)
    if "doi" not in payload:
        raise ParseError("Unpaywall JSON without 'doi'")
    best_raw = payload.get("best_oa_location")
    best: dict[str, Any] = best_raw if isinstance(best_raw, dict) else {}
    return {
        "doi": _str(payload.get("doi")),
        "title": _str(payload.get("title")),
        "journal": _str(payload.get("journal_name")),
        "year": _year(payload.get("year")),
        "is_oa": bool(payload.get("is_oa")),
        "oa_status": _str(payload.get("oa_status")),
        "best_oa_url": _str(best.get("url_for_pdf")) or _str(best.get("url")),
        "pdf_url": _str(best.get("url_for_pdf")),
        "license": _str(best.get("license")),
        "version": _str(best.get("version")),
        "host_type": _str(best.get("host_type")),
        "oa_locations": [
            _unpaywall_location(loc) for loc in payload.get("oa_locations") or [] if isinstance(loc, dict)
        ],
    }


def _raise_unpaywall_error(payload: dict[str, Any]) -> None:
    """``{"HTTP_status_code": 404, "error": true, "message": ...}``."""
    status = _int(payload.get("HTTP_status_code"))
    message = f"Unpaywall: {payload.get('message') or 'error'}"
    if status == 404:
        raise NotFoundError(message, status=404)
    raise RemoteError(message, status=status)


def _unpaywall_location(loc: dict[str, Any]) -> dict[str, Any]:
    """One ``oa_locations`` entry."""
    return {
        "url": _str(loc.get("url")),
        "url_for_pdf": _str(loc.get("url_for_pdf")),
        "url_for_landing_page": _str(loc.get("url_for_landing_page")),
        "license": _str(loc.get("license")),
        "version": _str(loc.get("version")),
        "host_type": _str(loc.get("host_type")),
        "is_best": bool(loc.get("is_best")),
    }


# ---------------------------------------------------------------- Europe PMC


def _europepmc_payload(data: bytes | str) -> dict[str, Any]:
    """Decoded ``/search`` answer, error bodies raised."""
    payload = _object(data, "Europe PMC")
    if "resultList" not in payload and "hitCount" not in payload:
        message = payload.get("errMsg") or payload.get("message") or "unexpected body"
        raise RemoteError(f"Europe PMC: {message}", status=_int(payload.get("errCode") or payload.get("status")))
    return payload


def parse_europepmc_hit_count(data: bytes | str) -> int:
    """Total number of hits of a Europe PMC ``/search`` answer (``hitCount``)."""
    count = _int(_europepmc_payload(data).get("hitCount"))
    if count is None:
        raise ParseError("Europe PMC JSON without a numeric 'hitCount'")
    return count


def parse_europepmc_search(data: bytes | str) -> list[dict[str, Any]]:
    """Parse a Europe PMC ``/search`` answer (resultType core, lite or idlist; zero hits -> ``[]``)."""
    result_list = _europepmc_payload(data).get("resultList") or {}
    results = (result_list.get("result") or []) if isinstance(result_list, dict) else []
    return [_europepmc_record(r) for r in results if isinstance(r, dict)]


def _europepmc_record(item: dict[str, Any]) -> dict[str, Any]:
    """One result; idlist results carry ids only (flags ``False``, lists empty)."""
    journal_info = item.get("journalInfo") or {}
    urls = (item.get("fullTextUrlList") or {}).get("fullTextUrl") or []
    return {
        "pmid": _str(item.get("pmid")),
        "pmcid": _str(item.get("pmcid")),
        "doi": _str(item.get("doi")),
        "title": _str(item.get("title")),
        "journal": _str((journal_info.get("journal") or {}).get("title")) or _str(item.get("journalTitle")),
        "year": _year(item.get("pubYear")) or _year(journal_info.get("yearOfPublication")),
        "is_open_access": _yes(item.get("isOpenAccess")),
        "in_pmc": _yes(item.get("inPMC")),
        "has_pdf": _yes(item.get("hasPDF")),
        "fulltext_urls": [_fulltext_url(u) for u in urls if isinstance(u, dict) and u.get("url")],
        "license": _str(item.get("license")),
    }


def _fulltext_url(entry: dict[str, Any]) -> dict[str, Any]:
    """One ``fullTextUrl``."""
    return {
        "url": _str(entry.get("url")),
        "availability": _str(entry.get("availability")),
        "document_style": _str(entry.get("documentStyle")),
        "site": _str(entry.get("site")),
    }


# ---------------------------------------------------------------- Crossref


def parse_crossref_work(data: bytes | str) -> dict[str, Any]:
    """Parse Crossref ``/works/{doi}`` JSON (the ``message``; a bare CSL-JSON work is accepted too)."""
    payload = _object(data, "Crossref")
    if "message" in payload:
        if str(payload.get("status", "ok")).lower() != "ok":
            raise RemoteError(f"Crossref: {payload.get('message')}")
        work = payload["message"]
    else:
        work = payload
    if not isinstance(work, dict) or "DOI" not in work:
        raise ParseError("Crossref JSON without a work 'DOI'")
    licenses = [_crossref_license(x) for x in work.get("license") or [] if isinstance(x, dict) and x.get("URL")]
    return {
        "doi": _str(work.get("DOI")),
        "title": _first(work.get("title")),
        "journal": _first(work.get("container-title")),
        "year": _crossref_year(work),
        "license": licenses[0]["url"] if licenses else None,
        "licenses": licenses,
        "links": [_crossref_link(x) for x in work.get("link") or [] if isinstance(x, dict) and x.get("URL")],
        "publisher": _str(work.get("publisher")),
        "type": _str(work.get("type")),
    }


def _first(value: object) -> str | None:
    """Crossref gives titles as lists (CSL-JSON as strings)."""
    if isinstance(value, list):
        return _str(value[0]) if value else None
    return _str(value)


def _crossref_year(work: dict[str, Any]) -> int | None:
    """Year from ``published`` / ``issued`` / print / online ``date-parts``."""
    for key in ("published", "issued", "published-print", "published-online"):
        parts = (work.get(key) or {}).get("date-parts") or [[None]]
        year = _year(parts[0][0] if parts and parts[0] else None)
        if year:
            return year
    return None


def _crossref_license(entry: dict[str, Any]) -> dict[str, Any]:
    """One ``license`` entry."""
    return {
        "url": _str(entry.get("URL")),
        "content_version": _str(entry.get("content-version")),
        "delay_in_days": entry.get("delay-in-days"),
    }


def _crossref_link(entry: dict[str, Any]) -> dict[str, Any]:
    """One ``link`` entry."""
    return {
        "url": _str(entry.get("URL")),
        "content_type": _str(entry.get("content-type")),
        "intended_application": _str(entry.get("intended-application")),
    }


def parse_crossref_rate_limit(headers: Mapping[str, str]) -> tuple[int, float] | None:
    """``(limit, interval_seconds)`` from Crossref's rate-limit headers, or ``None``.

    Reads ``x-rate-limit-limit`` / ``x-rate-limit-interval`` and the
    ``x-ratelimit-*`` spelling Crossref sends today, case-insensitively
    (``"50"``, ``"1s"`` -> ``(50, 1.0)``).
    """
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    limit = lowered.get("x-rate-limit-limit") or lowered.get("x-ratelimit-limit")
    interval = lowered.get("x-rate-limit-interval") or lowered.get("x-ratelimit-interval")
    if limit is None or interval is None:
        return None
    match = _INTERVAL.match(interval)
    if not limit.strip().isdigit() or match is None:
        return None
    seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()]
    if int(limit) <= 0 or seconds <= 0:
        return None
    return int(limit), seconds
