"""Fetch-through-cache: per-item keys, batch reads and writes, offline mode.

:class:`RecordStore` answers "give me these items of this kind": it reads
every key in one ``get_many``, hands the misses to a fetch function, and
writes each batch of fetched items back with one ``set_many`` *as soon as
that batch arrives*, so an interrupted job keeps what finished. Only values
the fetch function returns (validated, parsed payloads) are stored;
exceptions become per-item errors and are never cached.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import OfflineError, OmicsKitError, ParseError
from .base import TTL, CacheBackend, make_key
from .codec import decode_record, encode_record
from .journal import RecordJournal

__all__ = ["FetchResult", "RecordStore"]

logger = logging.getLogger("omicskit.cache")

FetchFn = Callable[[list[str]], AsyncIterator[Mapping[str, Any]]]


@dataclass
class FetchResult:
    """Items found, per-item errors, and where each item came from."""

    records: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def ordered(self, idents: Iterable[str]) -> list[Any]:
        return [self.records[i] for i in idents if i in self.records]


class RecordStore:
    """The fetch-through-cache over one :class:`CacheBackend`."""

    def __init__(self, backend: CacheBackend, *, offline: bool = False) -> None:
        self.backend = backend
        self.offline = offline
        self.corrupt = 0
        #: Every record read or written (for snapshots); ``None`` turns journalling off.
        self.journal: RecordJournal | None = RecordJournal()

    async def read(self, kind: str, idents: list[str]) -> tuple[dict[str, Any], list[str]]:
        """Cached values of *idents* and the list of misses (corrupt = miss)."""
        keys = [make_key(kind, i) for i in idents]
        blobs = await self.backend.get_many(keys)
        found: dict[str, Any] = {}
        bad: list[str] = []
        for ident, key in zip(idents, keys):
            blob = blobs.get(key)
            if blob is None:
                continue
            try:
                found[ident] = decode_record(blob)
            except ParseError:
                bad.append(key)
                continue
            if self.journal is not None:
                self.journal.note(key, blob, "cache")
        if bad:
            self.corrupt += len(bad)
            logger.warning(
                "%d corrupt cache entr%s of kind %r ignored and refetched",
                len(bad),
                "y" if len(bad) == 1 else "ies",
                kind,
            )
            await self.backend.delete_many(bad)
        return found, [i for i in idents if i not in found]

    async def write(self, kind: str, items: Mapping[str, Any], ttl: float | None = None) -> None:
        """Store validated values (never exceptions)."""
        payload = {make_key(kind, i): encode_record(v) for i, v in items.items() if not isinstance(v, BaseException)}
        if payload:
            if self.journal is not None:
                for key, blob in payload.items():
                    self.journal.note(key, blob, "live")
            await self.backend.set_many(payload, TTL.get(kind) if ttl is None else ttl)

    async def get_many(
        self,
        kind: str,
        idents: Iterable[str],
        fetch: FetchFn,
        *,
        refresh: bool = False,
        ttl: float | None = None,
        store: bool = True,
    ) -> FetchResult:
        """Items of *kind* for *idents*: cache first, then *fetch* for the misses.

        *fetch* is an async generator taking the list of misses and yielding
        mappings ``ident -> value | exception`` batch by batch.
        """
        wanted = list(dict.fromkeys(idents))
        result = FetchResult()
        if refresh and not self.offline:
            missing = wanted
        else:
            found, missing = await self.read(kind, wanted)
            result.records.update(found)
            result.sources.update(dict.fromkeys(found, "cache"))
        if not missing:
            return result
        if self.offline:
            for ident in missing:
                result.errors[ident] = OfflineError(f"{ident}: not in the cache or snapshot (offline mode)")
            return result
        async for batch in fetch(missing):
            good = {i: v for i, v in batch.items() if not isinstance(v, BaseException)}
            for ident, value in batch.items():
                if isinstance(value, BaseException):
                    result.errors[ident] = value
            result.records.update(good)
            result.sources.update(dict.fromkeys(good, "live"))
            if store and good:
                try:
                    await self.write(kind, good, ttl)
                except OmicsKitError as exc:  # a broken cache must not lose fetched data
                    logger.warning("cache write failed: %s", exc)
        for ident in missing:
            if ident not in result.records and ident not in result.errors:
                result.errors[ident] = OmicsKitError(f"{ident}: no answer for this item")
        return result
