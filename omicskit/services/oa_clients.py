"""Open-access clients: Unpaywall, Europe PMC and Crossref.

* Unpaywall: ``{unpaywall_url}/{doi}?email=`` — one request per DOI; needs
  an email, without one every DOI gets a :class:`ConfigError` row and no
  request is sent.
* Europe PMC: ``{europepmc_url}/search?query=EXT_ID:<pmid> AND SRC:MED`` with
  ``format=json&resultType=core``; up to :data:`EPMC_BATCH` PMIDs are OR-ed
  into one query and results are matched back by PMID. DOI-only papers are
  looked up one by one with ``DOI:"<doi>"``.
* Crossref: ``{crossref_url}/works/{doi}`` with ``mailto``; the per-session
  ``crossref`` limiter follows the ``x-rate-limit-limit`` /
  ``x-rate-limit-interval`` headers of each answer (not a hard-coded rate).

All answers are cached per item for 7 days; "not in Europe PMC" is cached
as ``{"found": False}``. DOI aliases are legal (a service may answer with the
canonical DOI), so DOI-keyed answers are kept under the DOI that was asked.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from .._aio import per_item
from ..cache.fetch import FetchResult
from ..errors import ConfigError, OmicsKitError
from ..limiter import SpacingLimiter
from ..parsers.oa import parse_crossref_rate_limit, parse_crossref_work, parse_europepmc_search, parse_unpaywall
from .lit_base import LitClient, chunked, normalize_doi

__all__ = ["EPMC_BATCH", "CrossrefClient", "EuropePMCClient", "UnpaywallClient", "doi_key"]

logger = logging.getLogger("omicskit.literature")

EPMC_BATCH = 50
UNPAYWALL_NEEDS_EMAIL = "Unpaywall needs an email: Session(email=...)"


def doi_key(doi: str) -> str:
    """Cache/lookup key of a DOI (DOIs are case-insensitive)."""
    return (normalize_doi(doi) or doi).lower()


def _doi_path(doi: str) -> str:
    """The DOI as a URL path segment (``/`` kept, everything unsafe escaped)."""
    return quote(doi, safe="/")


def _same_doi(asked: str, answered: object) -> None:
    if answered and doi_key(str(answered)) != doi_key(asked):
        logger.debug("answer for DOI %s names %s (alias); kept under the DOI asked", asked, answered)


class UnpaywallClient(LitClient):
    """Unpaywall v2 records (:func:`~omicskit.parsers.oa.parse_unpaywall`) per DOI."""

    group = "unpaywall"
    kind = "unpaywall"

    async def lookup(self, dois: list[str], *, refresh: bool = False) -> FetchResult:
        keys = list(dict.fromkeys(doi_key(d) for d in dois))

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            if not self.config.email:  # cached answers (a snapshot, a team cache) need no email
                yield {k: ConfigError(UNPAYWALL_NEEDS_EMAIL) for k in missing}
                return
            async for batch in per_item(missing, self._one):
                yield batch

        return await self.store.get_many(self.kind, keys, fetch, refresh=refresh)

    async def _one(self, doi: str) -> dict[str, Any]:
        response = await self.transport.get(
            f"{self.config.unpaywall_url}/{_doi_path(doi)}",
            group=self.group,
            params={"email": self.config.email},
            expect="json",
        )
        record = parse_unpaywall(response.content)
        _same_doi(doi, record.get("doi"))
        return record


class EuropePMCClient(LitClient):
    """Europe PMC ``/search`` records per PMID (``MED:<pmid>``) or DOI (``DOI:<doi>``)."""

    group = "europepmc"
    kind = "europepmc"

    async def lookup(self, pmids: list[str], dois: list[str], *, refresh: bool = False) -> FetchResult:
        """Records keyed ``MED:<pmid>`` and ``DOI:<lower-case doi>``."""
        keys = [f"MED:{p}" for p in dict.fromkeys(pmids)] + [f"DOI:{doi_key(d)}" for d in dict.fromkeys(dois)]

        async def fetch(missing: list[str]) -> Any:
            meds = [k[4:] for k in missing if k.startswith("MED:")]
            for chunk in chunked(meds, EPMC_BATCH):
                yield await self._pmid_chunk(chunk)
            async for item in per_item([k[4:] for k in missing if k.startswith("DOI:")], self._doi):
                yield {f"DOI:{doi}": value for doi, value in item.items()}

        return await self.store.get_many(self.kind, keys, fetch, refresh=refresh)

    async def _search(self, query: str, page_size: int) -> list[dict[str, Any]]:
        params = {"query": query, "format": "json", "resultType": "core", "pageSize": page_size}
        response = await self.transport.get(
            f"{self.config.europepmc_url}/search", group=self.group, params=params, expect="json"
        )
        return parse_europepmc_search(response.content)

    async def _pmid_chunk(self, pmids: list[str]) -> dict[str, Any]:
        terms = " OR ".join(f"EXT_ID:{p}" for p in pmids)
        query = f"{terms} AND SRC:MED" if len(pmids) == 1 else f"({terms}) AND SRC:MED"
        try:
            results = await self._search(query, min(1000, max(25, 2 * len(pmids))))
        except OmicsKitError as exc:
            return {f"MED:{p}": exc for p in pmids}
        by_pmid = {r["pmid"]: r for r in results if r.get("pmid")}
        return {f"MED:{p}": by_pmid.get(p) or {"found": False} for p in pmids}

    async def _doi(self, doi: str) -> dict[str, Any]:
        results = await self._search(f'DOI:"{doi}"', 25)
        for record in results:
            if record.get("doi") and doi_key(record["doi"]) == doi:
                return record
        return {"found": False}


class CrossrefClient(LitClient):
    """Crossref works (:func:`~omicskit.parsers.oa.parse_crossref_work`) per DOI."""

    group = "crossref"
    kind = "crossref"

    def __init__(self, *args: Any, limiters: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limiters = limiters if limiters is not None else {}
        self.stated_limit: tuple[int, float] | None = None

    async def lookup(self, dois: list[str], *, refresh: bool = False) -> FetchResult:
        keys = list(dict.fromkeys(doi_key(d) for d in dois))
        return await self.store.get_many(self.kind, keys, lambda missing: per_item(missing, self._one), refresh=refresh)

    async def _one(self, doi: str) -> dict[str, Any]:
        params = {"mailto": self.config.email} if self.config.email else None
        response = await self.transport.get(
            f"{self.config.crossref_url}/works/{_doi_path(doi)}", group=self.group, params=params, expect="json"
        )
        self.follow_rate_limit(response.headers)
        record = parse_crossref_work(response.content)
        _same_doi(doi, record.get("doi"))
        return record

    def follow_rate_limit(self, headers: Any) -> None:
        """Set the ``crossref`` limiter to the rate Crossref states in its headers."""
        stated = parse_crossref_rate_limit(headers)
        if stated is None or stated == self.stated_limit:
            return
        self.stated_limit = stated
        limit, interval = stated
        rate = limit / interval
        for limiters in (self._limiters, self.transport.limiters):
            current = limiters.get(self.group)
            if isinstance(current, SpacingLimiter):
                current.set_rate(rate)
            else:
                limiters[self.group] = SpacingLimiter(rate, name=self.group)
        logger.debug("crossref limiter set to %g/s (x-rate-limit %d per %gs)", rate, limit, interval)
