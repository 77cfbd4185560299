"""NCBI literature clients: ELink gds→pubmed, PubMed efetch, the PMC ID converter.

Costs: ELink is one POST per 200 series (one ``id=`` per UID keeps the link
sets apart); efetch is one GET per 200 PMIDs; the ID converter one GET per
200 ids. Every answer is cached per item for 7 days (kinds ``elink``,
``pubmed``, ``idconv``), negative answers included ("no links", "not in
PMC"), so a repeated call sends nothing. Request identity (``tool``,
``email``, ``api_key``) is added by the transport for both groups.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from .._transport import Transport
from ..cache.fetch import FetchResult, RecordStore
from ..config import Config
from ..errors import NotFoundError, OmicsKitError
from ..parsers.oa import parse_idconv
from ..parsers.pubmed import parse_elink, parse_pubmed_xml
from .eutils import EUtils
from .lit_base import LitClient, chunked, normalize_doi

__all__ = ["IdConvClient", "PubMedClient"]

logger = logging.getLogger("omicskit.literature")

BATCH = 200


class PubMedClient(LitClient):
    """PMIDs linked to GEO records (ELink) and PubMed records (efetch XML)."""

    group = "eutils"
    kind = "pubmed"

    def __init__(self, config: Config, transport: Transport, store: RecordStore, eutils: EUtils) -> None:
        super().__init__(config, transport, store)
        self.eutils = eutils

    # -- ELink gds -> pubmed ------------------------------------------------------------
    async def linked_pmids(self, uids: Mapping[str, Any], *, refresh: bool = False) -> FetchResult:
        """``{accession: [pmid, ...]}`` from ELink ``gds_pubmed`` for ``{accession: gds uid}``."""
        by_acc = {acc: str(uid) for acc, uid in uids.items() if uid not in (None, "")}

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            for chunk in chunked(missing, BATCH):
                yield await self._elink_chunk({by_acc[a]: a for a in chunk})

        result = await self.store.get_many("elink", list(by_acc), fetch, refresh=refresh)
        for acc in uids:
            if acc not in by_acc:
                result.errors[acc] = NotFoundError(f"{acc}: no gds UID to link from")
        return result

    async def _elink_chunk(self, acc_by_uid: dict[str, str]) -> dict[str, Any]:
        try:
            data = await self.eutils.elink(list(acc_by_uid), dbfrom="gds", db="pubmed", linkname="gds_pubmed")
            links = parse_elink(data, linkname="gds_pubmed")
        except OmicsKitError as exc:
            return dict.fromkeys(acc_by_uid.values(), exc)
        return {acc: links.get(uid, []) for uid, acc in acc_by_uid.items()}

    # -- efetch -------------------------------------------------------------------------
    async def records(self, pmids: list[str], *, refresh: bool = False) -> FetchResult:
        """PubMed records (``pmid, title, journal, year, doi, pmcid, ...``) per PMID."""

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            for chunk in chunked(missing, BATCH):
                yield await self._efetch_chunk(chunk)

        return await self.store.get_many(self.kind, pmids, fetch, refresh=refresh)

    async def _efetch_chunk(self, pmids: list[str]) -> dict[str, Any]:
        params = {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"}
        try:
            response = await self.transport.get(
                f"{self.config.eutils_url}/efetch.fcgi", group=self.group, params=params, expect="xml"
            )
            found = {r["pmid"]: r for r in parse_pubmed_xml(response.content) if r.get("pmid")}
        except OmicsKitError as exc:
            return dict.fromkeys(pmids, exc)
        out: dict[str, Any] = {}
        for pmid in pmids:
            record = found.get(pmid)
            out[pmid] = record if record is not None else NotFoundError(f"PMID {pmid}: no PubMed record returned")
        extra = set(found) - set(pmids)
        if extra:
            logger.debug("efetch returned unrequested PMIDs %s; ignored", sorted(extra))
        return out


class IdConvClient(LitClient):
    """The PMC ID converter: PMID/PMCID/DOI → the other two, 200 ids per request.

    Values are ``{"pmid", "pmcid", "doi", "error"}``; an id the converter does
    not know is cached as a row with ``error`` set (a valid negative answer).
    """

    group = "idconv"
    kind = "idconv"

    async def convert(self, ids: list[str], *, refresh: bool = False) -> FetchResult:
        """Converter rows per id (a PMID, ``PMC...`` or DOI)."""

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            for chunk in chunked(missing, BATCH):
                yield await self._chunk(chunk)

        return await self.store.get_many(self.kind, ids, fetch, refresh=refresh)

    async def _chunk(self, ids: list[str]) -> dict[str, Any]:
        params = {"ids": ",".join(ids), "format": "json"}
        try:
            response = await self.transport.get(
                f"{self.config.idconv_url}/", group=self.group, params=params, expect="json"
            )
            rows = parse_idconv(response.content)
        except OmicsKitError as exc:
            return dict.fromkeys(ids, exc)
        wanted = {i.lower(): i for i in ids}
        out: dict[str, Any] = {}
        for row in rows:
            for key in (row.get("pmid"), row.get("pmcid"), normalize_doi(row.get("doi"))):
                ident = wanted.get(str(key).lower()) if key else None
                if ident is not None and ident not in out:
                    out[ident] = row
        for ident in ids:
            out.setdefault(ident, {"pmid": None, "pmcid": None, "doi": None, "error": "not in the ID converter"})
        return out
