"""The batched floor: the least work that can answer a cold search + summaries.

One ESearch GET and ESummary POSTs of at most 500 UIDs (sent concurrently),
raw JSON bytes kept, nothing parsed beyond the ESearch ID list, no cache, no
DataFrame. Whatever omicskit adds on top of this (limiter, validation,
parsing, cache writes, DataFrame) is its overhead.
"""

from __future__ import annotations

import asyncio
import json

import httpx

__all__ = ["floor_search"]

CHUNK = 500


async def _floor(eutils_url: str, term: str, limit: int, email: str) -> tuple[int, list[bytes]]:
    common = {"db": "gds", "retmode": "json", "tool": "floor", "email": email}
    async with httpx.AsyncClient(timeout=60) as client:
        r = await client.get(f"{eutils_url}/esearch.fcgi", params={**common, "term": term, "retmax": limit})
        r.raise_for_status()
        ids = json.loads(r.content)["esearchresult"]["idlist"]
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
        answers = await asyncio.gather(
            *(client.post(f"{eutils_url}/esummary.fcgi", data={**common, "id": ",".join(c)}) for c in chunks)
        )
    for a in answers:
        a.raise_for_status()
    return len(ids), [a.content for a in answers]


def floor_search(eutils_url: str, term: str, limit: int, email: str = "bench@example.org") -> tuple[int, list[bytes]]:
    """(number of UIDs, raw ESummary bodies) for the first *limit* hits of *term*."""
    return asyncio.run(_floor(eutils_url, term, limit, email))
