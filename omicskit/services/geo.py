"""GEO records from SOFT: samples (per series and per sample), platforms, GDS.

Costs, by design (cold cache):

* samples of N series: N accession-viewer requests (``targ=gsm&view=brief``),
  concurrent, paced by the shared ``"geo"`` limiter; a series whose viewer
  answer is not SOFT costs one mirror family-SOFT download instead;
* samples of M sample accessions not covered by a cached series: M viewer
  requests (``targ=self``);
* platforms: one viewer request per GPL (``view=brief``), the annotation
  table one more (``view=full``);
* GDS: one mirror download per dataset.

Cache layout: ``soft-gsm:<GSE>`` → list of sample records of the series,
``soft-gsm:<GSM>`` → one sample record (written for every sample seen in a
series too, so later sample look-ups are free), ``soft-gse:<GSE>`` → series
record, ``platform:<GPL>`` → platform record, ``platform:<GPL>/table`` → the
validated ``view=full`` SOFT bytes, ``gds:<GDS>`` → dataset record with
its subsets.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pandas as pd

from .._aio import per_item
from .._transport import Transport
from ..cache.fetch import FetchResult, RecordStore
from ..config import Config
from ..errors import BodyValidationError, NotFoundError, OmicsKitError, ParseError
from ..parsers.soft import (
    gds_record,
    iter_soft_entities,
    parse_soft,
    platform_record,
    platform_table,
    sample_record,
    series_record,
    subset_records,
)
from .soft_source import SoftSource, not_retrievable

__all__ = ["CONCURRENCY", "GeoRecords", "https_url", "iso_date", "jsonable_sample"]

logger = logging.getLogger("omicskit.geo")

#: Items fetched at once; the transport's per-host limiter sets the real pace.
CONCURRENCY = 8
#: Payloads above this size are parsed in a worker thread.
_THREAD_PARSE_BYTES = 256 * 1024
_DATE_KEYS = ("submission_date", "last_update_date")


def iso_date(text: str | None) -> str | None:
    """``"Jul 03 2017"`` → ``"2017-07-03"``; anything unreadable → ``None``."""
    if not text:
        return None
    for fmt in ("%b %d %Y", "%Y-%m-%d", "%b %d, %Y"):
        try:
            return _dt.datetime.strptime(text.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def jsonable_sample(record: dict[str, Any]) -> dict[str, Any]:
    """A sample record ready for the cache: ISO dates, characteristics as lists."""
    out = dict(record)
    for key in _DATE_KEYS:
        out[key] = iso_date(out.get(key))
    out["characteristics"] = [[int(c), str(k), str(v)] for c, k, v in record.get("characteristics") or []]
    out["series"] = list(dict.fromkeys(record.get("series") or []))
    out["supplementary_files"] = [https_url(u) for u in record.get("supplementary_files") or []]
    return out


def https_url(url: str) -> str:
    """GEO's ``ftp://ftp.ncbi.nlm.nih.gov/...`` links as the HTTPS mirror serves them."""
    return "https://" + url[len("ftp://") :] if url.startswith("ftp://ftp.ncbi.nlm.nih.gov/") else url


async def _parse(data: bytes, *, tables: bool = False) -> list[Any]:
    """Parse SOFT bytes (in a worker thread when large)."""
    if len(data) > _THREAD_PARSE_BYTES:
        return await asyncio.to_thread(parse_soft, data, tables=tables)
    return parse_soft(data, tables=tables)


OnDone = Callable[[int], None] | None


async def _gather_batches(
    idents: list[str], one: Callable[[str], Awaitable[Any]], limit: int = CONCURRENCY, on_done: OnDone = None
) -> AsyncIterator[dict[str, Any]]:
    """:func:`omicskit._aio.per_item` with the viewer's concurrency bound."""
    async for batch in per_item(idents, one, limit=limit, on_done=on_done):
        yield batch


class GeoRecords:
    """SOFT-backed GEO records through the fetch-through-cache."""

    def __init__(self, config: Config, transport: Transport, store: RecordStore) -> None:
        self.config = config
        self.store = store
        self.source = SoftSource(config, transport)
        #: Which source answered per series in this session (``"viewer"``/``"family"``).
        self.sources: dict[str, str] = {}

    # -- samples ---------------------------------------------------------------------
    async def series_samples(self, gses: list[str], *, refresh: bool = False, on_done: OnDone = None) -> FetchResult:
        """``GSE → [sample record, ...]`` for series accessions."""

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            async for batch in _gather_batches(
                missing, lambda g: self._series_samples(g, refresh=refresh), on_done=on_done
            ):
                yield batch

        return await self.store.get_many("soft-gsm", gses, fetch, refresh=refresh)

    async def _series_samples(self, gse: str, *, refresh: bool, depth: int = 0) -> list[dict[str, Any]]:
        data, source = await self.source.series_soft(gse, targ="gsm")
        samples, series = await self._samples_from(gse, data)
        if not samples and depth == 0:
            samples = await self._superseries_samples(gse, series, refresh=refresh)
        if not samples and source == "viewer":
            # the viewer answered SOFT without any sample block: ask the family file once
            try:
                data = await self.source.mirror_gzip(self.source.family_url(gse))
            except OmicsKitError as exc:
                raise BodyValidationError(
                    f"{gse}: the accession viewer listed no samples and the family SOFT failed: {exc}",
                    retryable=exc.retryable,
                ) from exc
            source = "family"
            samples, series = await self._samples_from(gse, data)
        self.sources[gse] = source
        if not samples:
            listed = sum(len(s.get("samples") or []) for s in series if s["accession"] == gse)
            raise BodyValidationError(
                f"{gse}: GEO answered without sample records (the series lists {listed} sample(s))",
                retryable=False,
            )
        if samples:
            await self.store.write("soft-gsm", {s["accession"]: s for s in samples})
        logger.debug("%s: %d samples from the %s", gse, len(samples), source)
        return samples

    async def _samples_from(self, gse: str, data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Sample and series records of one SOFT answer; series records are cached."""
        try:
            entities = await _parse(data)
        except ParseError as exc:
            raise not_retrievable(gse, exc, None) from exc
        samples = [jsonable_sample(sample_record(e)) for e in entities if e.kind == "SAMPLE" and e.accession]
        series = [series_record(e) for e in entities if e.kind == "SERIES" and e.accession]
        if series:
            await self.store.write("soft-gse", {s["accession"]: s for s in series})
        return samples, series

    async def _superseries_samples(
        self, gse: str, known: list[dict[str, Any]], *, refresh: bool
    ) -> list[dict[str, Any]]:
        """Samples of a SuperSeries whose own answer listed none: union of its SubSeries."""
        record = next((s for s in known if s["accession"] == gse), None)
        if record is None:
            found = await self.series_records([gse], refresh=refresh)
            if gse in found.errors:
                raise found.errors[gse]
            record = found.records.get(gse)
        subseries = [s for s in (record or {}).get("superseries_of", []) if s != gse]
        if not subseries:
            return []
        merged: dict[str, dict[str, Any]] = {}
        parts = await asyncio.gather(*(self._series_samples(sub, refresh=refresh, depth=1) for sub in subseries))
        for sample in (s for part in parts for s in part):
            row = merged.setdefault(sample["accession"], sample)
            row["series"] = list(dict.fromkeys([*row["series"], *sample["series"], gse]))
        return list(merged.values())

    async def series_records(self, gses: list[str], *, refresh: bool = False) -> FetchResult:
        """Series records parsed from the viewer's ``targ=self`` SOFT."""

        async def one(gse: str) -> dict[str, Any]:
            data, _source = await self.source.series_soft(gse, targ="self")
            entities = await _parse(data)
            for entity in entities:
                if entity.kind == "SERIES" and entity.accession == gse:
                    return series_record(entity)
            raise NotFoundError(f"{gse}: no ^SERIES block in the answer")

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            async for batch in _gather_batches(missing, one):
                yield batch

        return await self.store.get_many("soft-gse", gses, fetch, refresh=refresh)

    async def sample_records(self, gsms: list[str], *, refresh: bool = False, on_done: OnDone = None) -> FetchResult:
        """``GSM → sample record`` (viewer ``targ=self``, one request per sample)."""

        async def one(gsm: str) -> dict[str, Any]:
            entities = await _parse(await self.source.record_soft(gsm))
            for entity in entities:
                if entity.kind == "SAMPLE" and entity.accession == gsm:
                    return jsonable_sample(sample_record(entity))
            raise NotFoundError(f"{gsm}: no ^SAMPLE block in the answer")

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            async for batch in _gather_batches(missing, one, on_done=on_done):
                yield batch

        return await self.store.get_many("soft-gsm", gsms, fetch, refresh=refresh)

    # -- platforms -------------------------------------------------------------------
    async def platform_records(self, gpls: list[str], *, refresh: bool = False, on_done: OnDone = None) -> FetchResult:
        """``GPL → platform record`` (viewer ``targ=self&view=brief``)."""

        async def one(gpl: str) -> dict[str, Any]:
            entities = await _parse(await self.source.record_soft(gpl))
            for entity in entities:
                if entity.kind == "PLATFORM" and entity.accession == gpl:
                    record = platform_record(entity)
                    f = {k.lower(): v for k, v in entity.attributes.items()}
                    for key in _DATE_KEYS:
                        record[key] = iso_date((f.get(f"platform_{key}") or [None])[0])
                    record["series_count"] = len(f.get("platform_series_id", []))
                    record["sample_count"] = len(f.get("platform_sample_id", []))
                    return record
            raise NotFoundError(f"{gpl}: no ^PLATFORM block in the answer")

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            async for batch in _gather_batches(missing, one, on_done=on_done):
                yield batch

        return await self.store.get_many("platform", gpls, fetch, refresh=refresh)

    async def platform_table(self, gpl: str, *, refresh: bool = False) -> pd.DataFrame:
        """The annotation table of *gpl* (viewer ``view=full``); raises on failure."""
        key = f"{gpl}/table"

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            try:
                yield {key: await self.source.record_soft(gpl, view="full")}
            except OmicsKitError as exc:
                yield {key: exc}

        result = await self.store.get_many("platform", [key], fetch, refresh=refresh)
        if key in result.errors:
            raise result.errors[key]
        entities = await asyncio.to_thread(parse_soft, result.records[key], tables=True)
        for entity in entities:
            if entity.kind == "PLATFORM" and entity.accession == gpl:
                return platform_table(entity)
        raise NotFoundError(f"{gpl}: no ^PLATFORM block in the answer")

    # -- GDS -------------------------------------------------------------------------
    async def datasets(self, gdss: list[str], *, refresh: bool = False, on_done: OnDone = None) -> FetchResult:
        """``GDS → {"record": ..., "subsets": [...]}`` from the mirror's GDS SOFT."""

        async def one(gds: str) -> dict[str, Any]:
            try:
                data = await self.source.mirror_gzip(self.source.gds_url(gds))
            except NotFoundError:
                raise
            except OmicsKitError as exc:
                raise not_retrievable(gds, exc, None) from exc
            entities = await asyncio.to_thread(lambda: list(iter_soft_entities(data)))
            datasets = [e for e in entities if e.kind == "DATASET" and e.attributes]
            if not datasets:
                raise NotFoundError(f"{gds}: no ^DATASET block in the answer")
            record = gds_record(datasets[0])
            record["accession"] = record["accession"] or gds
            record["update_date"] = iso_date(record.get("update_date")) or record.get("update_date")
            return {"record": record, "subsets": subset_records(entities)}

        async def fetch(missing: list[str]) -> AsyncIterator[dict[str, Any]]:
            async for batch in _gather_batches(missing, one, on_done=on_done):
                yield batch

        return await self.store.get_many("gds", gdss, fetch, refresh=refresh)
