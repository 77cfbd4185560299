"""E-utilities for ``db=gds``: esearch with history paging, chunked esummary, elink.

Costs, by design: a search for N ≤ 10,000 series is one esearch; summaries
are fetched in chunks of at most 500 UIDs (NCBI's JSON limit) and sent by
POST above ``config.post_threshold`` IDs, so 600 accessions cost exactly 2
esummary requests. Past 10,000 hits, further esearch pages reuse the
``WebEnv``/``query_key`` of the first one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._aio import as_completed_results
from .._transport import Transport
from ..accessions import accession_to_uid
from ..cache.fetch import FetchResult, RecordStore
from ..config import Config
from ..errors import NotFoundError, OmicsKitError
from ..parsers.eutils import DocsumBatch, SearchPage, docsum_to_record, parse_esearch, parse_esummary

__all__ = ["EUtils", "SearchResult"]

logger = logging.getLogger("omicskit.eutils")

ESEARCH_PAGE = 10_000
_POST_TERM_LENGTH = 1_500


@dataclass
class SearchResult:
    """UIDs of a search, in NCBI's order, with what NCBI said about it."""

    term: str
    uids: list[str]
    count: int
    query_translation: str | None
    from_cache: bool = False


class EUtils:
    """E-utilities client bound to one transport and record store."""

    def __init__(self, config: Config, transport: Transport, store: RecordStore) -> None:
        self.config = config
        self.transport = transport
        self.store = store
        self.base = config.eutils_url

    # -- esearch ---------------------------------------------------------------------
    async def esearch(
        self, term: str, *, retmax: int, retstart: int = 0, history: Mapping[str, str] | None = None, db: str = "gds"
    ) -> SearchPage:
        params: dict[str, Any] = {"db": db, "term": term, "retmode": "json", "retmax": retmax, "retstart": retstart}
        if history:
            params.update(history)
        else:
            params["usehistory"] = "y"
        url = f"{self.base}/esearch.fcgi"
        if len(term) > _POST_TERM_LENGTH:
            response = await self.transport.post(url, group="eutils", data=params, expect="json")
        else:
            response = await self.transport.get(url, group="eutils", params=params, expect="json")
        return parse_esearch(response.data)

    async def search(self, term: str, limit: int, *, refresh: bool = False) -> SearchResult:
        """UIDs for *term*, up to *limit*, cached as a UID list for a day."""
        key = hashlib.sha256(f"{term}\x00{limit}".encode()).hexdigest()[:32]
        if not refresh:
            cached, _missing = await self.store.read("search", [key])
            if key in cached:
                hit = cached[key]
                return SearchResult(term, hit["uids"], hit["count"], hit.get("translation"), from_cache=True)
        if self.store.offline:
            from ..errors import OfflineError

            raise OfflineError(f"offline mode: search {term!r} is not in the cache or snapshot")
        first = await self.esearch(term, retmax=min(limit, ESEARCH_PAGE))
        uids = list(first.ids)
        history = {"WebEnv": first.webenv, "query_key": first.query_key} if first.webenv and first.query_key else None
        total = min(limit, first.count)
        while len(uids) < total:
            if history is None:
                page = await self.esearch(term, retmax=min(ESEARCH_PAGE, total - len(uids)), retstart=len(uids))
            else:
                page = await self.esearch(
                    term, retmax=min(ESEARCH_PAGE, total - len(uids)), retstart=len(uids), history=history
                )
            if not page.ids:
                break
            uids.extend(page.ids)
        uids = list(dict.fromkeys(uids))[:limit]
        result = SearchResult(term, uids, first.count, first.query_translation)
        await self.store.write(
            "search", {key: {"uids": uids, "count": first.count, "translation": first.query_translation}}
        )
        return result

    # -- esummary --------------------------------------------------------------------
    async def esummary_raw(self, uids: Sequence[str], db: str = "gds") -> DocsumBatch:
        """One esummary request (GET or POST by size)."""
        params = {"db": db, "retmode": "json", "id": ",".join(uids)}
        url = f"{self.base}/esummary.fcgi"
        if len(uids) > self.config.post_threshold:
            response = await self.transport.post(url, group="eutils", data=params, expect="json")
        else:
            response = await self.transport.get(url, group="eutils", params=params, expect="json")
        return parse_esummary(response.data)

    async def _fetch_docsums(self, accessions: list[str]) -> AsyncIterator[dict[str, Any]]:
        """Fetch DocSums for accessions, chunk by chunk, as they complete."""
        by_uid = {str(accession_to_uid(acc)): acc for acc in accessions}
        uids = list(by_uid)
        # Balanced chunks of at most esummary_chunk UIDs: 600 -> 2 x 300 (both POST).
        n_chunks = max(1, -(-len(uids) // self.config.esummary_chunk))
        size = -(-len(uids) // n_chunks)
        chunks = [uids[i : i + size] for i in range(0, len(uids), size)]
        async for batch in as_completed_results(self._docsum_chunk(chunk, by_uid) for chunk in chunks):
            yield batch

    async def _docsum_chunk(self, chunk: list[str], by_uid: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            batch = await self.esummary_raw(chunk)
        except OmicsKitError as exc:
            return {by_uid[u]: exc for u in chunk}
        for doc in batch.docsums:
            record = docsum_to_record(doc)
            acc = record["accession"]
            requested = by_uid.get(str(doc.get("uid")))
            if requested is None or requested != acc:
                logger.warning(
                    "esummary returned %s for uid %s (asked for %s); ignored", acc, doc.get("uid"), requested
                )
                continue
            out[acc] = record
        for uid in chunk:
            acc = by_uid[uid]
            if acc not in out:
                message = batch.errors.get(uid, "no DocSum returned")
                out[acc] = NotFoundError(f"{acc}: {message}")
        return out

    async def summaries(self, accessions: list[str], *, refresh: bool = False) -> FetchResult:
        """Series/sample/platform records for *accessions* through the cache."""
        return await self.store.get_many("docsum", accessions, self._fetch_docsums, refresh=refresh)

    async def summaries_for_uids(self, uids: Sequence[str], *, refresh: bool = False) -> tuple[list[str], FetchResult]:
        """Records for search UIDs. The cache key is derived from the UID by
        arithmetic, then cross-checked against the record's own ``uid``."""
        from ..accessions import uid_to_accession

        guesses = [uid_to_accession(int(u)) for u in uids]
        result = await self.summaries(guesses, refresh=refresh)
        for uid, acc in zip(uids, guesses):
            rec = result.records.get(acc)
            if rec is not None and rec.get("uid") not in (None, int(uid)):
                result.records.pop(acc)
                result.errors[acc] = NotFoundError(f"uid {uid} maps to {rec.get('uid')} in its DocSum")
        return guesses, result

    # -- elink -----------------------------------------------------------------------
    async def elink(
        self, uids: Sequence[str], *, dbfrom: str = "gds", db: str = "pubmed", linkname: str | None = None
    ) -> bytes:
        """The validated ELink JSON body for *uids* (one ``id=`` per UID keeps
        the link sets apart); :func:`omicskit.parsers.pubmed.parse_elink` reads it."""
        data: dict[str, Any] = {"dbfrom": dbfrom, "db": db, "retmode": "json", "id": list(uids)}
        if linkname:
            data["linkname"] = linkname
        response = await self.transport.post(f"{self.base}/elink.fcgi", group="eutils", data=data, expect="json")
        return response.content
