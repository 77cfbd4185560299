"""Choosing one legal open-access link for a paper (no I/O).

Only legal open-access sources are used: publishers, PubMed Central / Europe
PMC, institutional and subject repositories, and preprint servers. A
*candidate* is a dict with ``source`` (``"unpaywall"``, ``"europepmc"``,
``"crossref"``, ``"arxiv"``, ``"biorxiv"``), ``url``, ``pdf_url``,
``landing_url``, ``version``, ``host_type``, ``license``, ``is_best`` and
``availability``; the ``*_candidates`` helpers build them from parsed records.
:func:`best_oa_location` returns a copy of the best candidate, ``source``
kept, ``url`` set to the link to open (the PDF when there is one) and ``tier``
added, in this order:

1. Unpaywall's ``best_oa_location`` when it is the publisher's or a
   repository's ``publishedVersion`` with a PDF URL;
2. PubMed Central: a Europe PMC full-text link on the Europe_PMC/PubMedCentral
   site with availability "Open access" or "Free" (PDF before HTML);
3. any Unpaywall location with a ``url_for_pdf``, ``publishedVersion`` before
   ``acceptedVersion`` before ``submittedVersion``;
4. preprint servers (bioRxiv/medRxiv, arXiv);
5. landing-page-only open access (an Unpaywall location without a PDF, a
   free Europe PMC link elsewhere, a Crossref link under a Creative Commons
   licence).

Ties keep the input order. Candidates matching no tier (e.g. "Subscription
required") are never returned; ``None`` when nothing qualifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "arxiv_candidates",
    "best_oa_location",
    "biorxiv_candidates",
    "crossref_candidates",
    "europepmc_candidates",
    "unpaywall_candidates",
]

_VERSION_RANK = {"publishedVersion": 0, "acceptedVersion": 1, "submittedVersion": 2}
_PMC_SITES = {"europe_pmc", "pubmedcentral", "pmc"}
_FREE = {"open access", "free"}


def _version_number(value: object) -> int:
    """bioRxiv version "2" -> 2 (0 when missing)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else 0


def _candidate(source: str, **fields: Any) -> dict[str, Any]:
    """A link candidate with every key present."""
    cand: dict[str, Any] = dict.fromkeys(
        ("url", "pdf_url", "landing_url", "version", "host_type", "license", "availability")
    )
    cand.update(source=source, is_best=False)
    cand.update(fields)
    cand["url"] = cand["url"] or cand["pdf_url"] or cand["landing_url"]
    return cand


def unpaywall_candidates(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Candidates from a :func:`parse_unpaywall` record (one per ``oa_location``)."""
    return [
        _candidate(
            "unpaywall",
            url=loc.get("url"),
            pdf_url=loc.get("url_for_pdf"),
            landing_url=loc.get("url_for_landing_page"),
            version=loc.get("version"),
            host_type=loc.get("host_type"),
            license=loc.get("license"),
            is_best=bool(loc.get("is_best")),
        )
        for loc in record.get("oa_locations") or []
    ]


def europepmc_candidates(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Candidates from a :func:`parse_europepmc_search` record (one per full-text URL)."""
    cands = []
    for link in record.get("fulltext_urls") or []:
        is_pdf = (link.get("document_style") or "").lower() == "pdf"
        cands.append(
            _candidate(
                "europepmc",
                url=link.get("url"),
                pdf_url=link.get("url") if is_pdf else None,
                landing_url=None if is_pdf else link.get("url"),
                host_type=link.get("site"),
                license=record.get("license"),
                availability=link.get("availability"),
            )
        )
    return cands


def crossref_candidates(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Candidates from a :func:`parse_crossref_work` record (one per ``link``)."""
    return [
        _candidate(
            "crossref",
            url=link.get("url"),
            pdf_url=link.get("url") if link.get("content_type") == "application/pdf" else None,
            host_type="publisher",
            license=record.get("license"),
        )
        for link in record.get("links") or []
    ]


def arxiv_candidates(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Candidates from :func:`parse_arxiv_atom` records."""
    return [
        _candidate("arxiv", pdf_url=r.get("pdf_url"), version="submittedVersion", host_type="repository")
        for r in records
        if r.get("pdf_url")
    ]


def biorxiv_candidates(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Candidates from :func:`parse_biorxiv_details` records, newest version first."""
    ordered = sorted(records, key=lambda r: _version_number(r.get("version")), reverse=True)
    return [
        _candidate(
            "biorxiv",
            pdf_url=r.get("pdf_url"),
            version="submittedVersion",
            host_type="repository",
            license=r.get("license"),
        )
        for r in ordered
        if r.get("pdf_url")
    ]


def _tier(cand: Mapping[str, Any]) -> tuple[int, int] | None:
    """``(tier, sub-rank)`` of a candidate per the module docstring, ``None`` when not usable."""
    source, pdf = cand.get("source"), cand.get("pdf_url")
    if not (cand.get("url") or pdf or cand.get("landing_url")):
        return None
    if source == "unpaywall":
        return _unpaywall_tier(cand)
    if source == "europepmc":
        if (cand.get("availability") or "").lower() not in _FREE:
            return None
        on_pmc = (cand.get("host_type") or "").lower() in _PMC_SITES
        return (2, 0 if pdf else 1) if on_pmc else (5, 0)
    if source in ("arxiv", "biorxiv", "medrxiv"):
        return (4, 0 if pdf else 1)
    if source == "crossref" and "creativecommons.org" in (cand.get("license") or ""):
        return (5, 0 if pdf else 1)
    return None


def _unpaywall_tier(cand: Mapping[str, Any]) -> tuple[int, int]:
    """Tiers 1, 3 or 5 for an Unpaywall location."""
    version_rank = _VERSION_RANK.get(cand.get("version") or "", len(_VERSION_RANK))
    if not cand.get("pdf_url"):
        return (5, 1)
    if cand.get("is_best") and version_rank == 0 and cand.get("host_type") in ("publisher", "repository"):
        return (1, 0)
    return (3, version_rank)


def best_oa_location(candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The best legal open-access candidate (see the module docstring), or ``None``."""
    ranked = []
    for index, cand in enumerate(candidates):
        tier = _tier(cand)
        if tier is not None:
            ranked.append((tier, index, cand))
    if not ranked:
        return None
    (tier_number, _sub), _index, best = min(ranked, key=lambda item: (item[0], item[1]))
    chosen = dict(best)
    chosen["url"] = best.get("pdf_url") or best.get("url") or best.get("landing_url")
    chosen["tier"] = tier_number
    return chosen
