"""Preprint clients: arXiv and bioRxiv/medRxiv.

* arXiv: ``{arxiv_url}/query?id_list=<id,id,...>`` — up to
  :data:`ARXIV_BATCH` ids per request, entries matched back by id (version
  suffix ignored). arXiv asks for one request every 3 s; that is the job of
  the process-wide ``arxiv`` limiter (``Config.arxiv_interval``).
* bioRxiv/medRxiv: ``{biorxiv_url}/details/biorxiv/{doi}``, then
  ``details/medrxiv/{doi}`` when bioRxiv has no post (both servers share the
  ``10.1101/`` prefix). Only preprint-shaped DOIs are asked
  (:func:`~omicskit.services.lit_base.is_biorxiv_doi`).

Values are lists of parsed records (``[]`` = the server has no such
preprint, cached like any answer for 7 days).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from .._aio import per_item
from ..cache.fetch import FetchResult
from ..errors import OmicsKitError
from ..parsers.oa import parse_arxiv_atom, parse_biorxiv_details
from .lit_base import LitClient, chunked

__all__ = ["ARXIV_BATCH", "ArxivClient", "BiorxivClient", "bare_arxiv_id"]

ARXIV_BATCH = 50
_VERSION = re.compile(r"v\d+$")


def bare_arxiv_id(value: str) -> str:
    """``2201.13452v1`` -> ``2201.13452``."""
    return _VERSION.sub("", value.strip())


class ArxivClient(LitClient):
    """arXiv Atom entries (:func:`~omicskit.parsers.oa.parse_arxiv_atom`) per arXiv id."""

    group = "arxiv"
    kind = "arxiv"

    async def lookup(self, ids: list[str], *, refresh: bool = False) -> FetchResult:
        keys = list(dict.fromkeys(bare_arxiv_id(i) for i in ids))

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            for chunk in chunked(missing, ARXIV_BATCH):
                yield await self._chunk(chunk)

        return await self.store.get_many(self.kind, keys, fetch, refresh=refresh)

    async def _chunk(self, ids: list[str]) -> dict[str, Any]:
        params = {"id_list": ",".join(ids), "max_results": len(ids)}
        try:
            response = await self.transport.get(
                f"{self.config.arxiv_url}/query", group=self.group, params=params, expect="xml"
            )
            entries = parse_arxiv_atom(response.content)
        except OmicsKitError as exc:
            return dict.fromkeys(ids, exc)
        out: dict[str, Any] = {i: [] for i in ids}
        for entry in entries:
            key = bare_arxiv_id(entry.get("arxiv_id") or "")
            if key in out:
                out[key].append(entry)
        return out


class BiorxivClient(LitClient):
    """bioRxiv/medRxiv ``details`` records (one per posted version) per DOI."""

    group = "biorxiv"
    kind = "biorxiv"
    servers = ("biorxiv", "medrxiv")

    async def lookup(self, dois: list[str], *, refresh: bool = False) -> FetchResult:
        keys = list(dict.fromkeys(d.lower() for d in dois))
        return await self.store.get_many(self.kind, keys, lambda missing: per_item(missing, self._one), refresh=refresh)

    async def _one(self, doi: str) -> list[dict[str, Any]]:
        for server in self.servers:
            url = f"{self.config.biorxiv_url}/details/{server}/{quote(doi, safe='/')}"
            response = await self.transport.get(url, group=self.group, expect="json")
            records = parse_biorxiv_details(response.content)
            if records:
                return records
        return []
