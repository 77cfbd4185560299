"""GEO content methods of :class:`~omicskit.AsyncSession`: samples,
characteristics, platforms, datasets, expression, files and downloads.

Every method takes one accession or an iterable of them (validated before
any request) and returns a DataFrame; per-item failures become rows of
``session.errors`` and never abort the batch. Request costs are listed in
:mod:`omicskit.services.geo` and :mod:`omicskit.services.mirror`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import frames_geo
from ._geo_download import DEFAULT_DEST, plan, rows_from_frame, run_downloads
from .accessions import as_accession_list, normalize_accession
from .errors import InvalidQueryError, OmicsKitError, UnsafePathError
from .services.geo import GeoRecords
from .services.mirror import Mirror

if TYPE_CHECKING:
    from ._transport import Transport
    from .cache.fetch import RecordStore
    from .config import Config
    from .services.eutils import EUtils

__all__ = ["GeoMethods"]

_FILES_CONCURRENCY = 8


def _wrong_kind(acc: str, method: str, wanted: str) -> InvalidQueryError:
    return InvalidQueryError(f"{acc}: {method}() takes {wanted} accessions")


class GeoMethods:
    """Mixed into :class:`~omicskit.AsyncSession`; relies on its core attributes
    (``config``, ``transport``, ``store``, ``eutils``, ``_begin``,
    ``_record_errors``, ``_bar``)."""

    if TYPE_CHECKING:
        config: Config
        transport: Transport
        store: RecordStore
        eutils: EUtils
        progress: bool

        def _begin(self, name: str, **info: Any) -> None: ...
        def _record_errors(self, stage: str, errors: dict[str, BaseException]) -> None: ...
        def _bar(self, total: int | None, desc: str, unit: str = "item") -> Any: ...

    # -- services (created on first use) --------------------------------------------
    @property
    def _geo(self) -> GeoRecords:
        geo = self.__dict__.get("_geo_records")
        if geo is None:
            geo = self.__dict__["_geo_records"] = GeoRecords(self.config, self.transport, self.store)
        return geo

    @property
    def _mirror(self) -> Mirror:
        mirror = self.__dict__.get("_mirror_service")
        if mirror is None:
            mirror = self.__dict__["_mirror_service"] = Mirror(self.config, self.transport, self.store)
        return mirror

    # -- samples ---------------------------------------------------------------------
    async def _sample_records(self, accs: list[str], refresh: bool) -> tuple[list[dict[str, Any]], list[str]]:
        """Deduplicated sample records for GSE/GSM accessions, and each row's source."""
        gses = [a for a in accs if a.startswith("GSE")]
        gsms = [a for a in accs if a.startswith("GSM")]
        self._record_errors(
            "samples", {a: _wrong_kind(a, "samples", "GSE or GSM") for a in accs if a not in gses and a not in gsms}
        )
        merged: dict[str, dict[str, Any]] = {}
        sources: dict[str, str] = {}

        def add(record: dict[str, Any], source: str) -> None:
            row = merged.get(record["accession"])
            if row is None:
                merged[record["accession"]] = {**record, "series": list(record.get("series") or [])}
                sources[record["accession"]] = source
            else:
                row["series"] = list(dict.fromkeys([*row["series"], *(record.get("series") or [])]))

        with self._bar(len(gses) + len(gsms), "samples") as bar:
            result = await self._geo.series_samples(gses, refresh=refresh, on_done=bar.update)
            self._record_errors("soft", result.errors)
            for gse in gses:
                for record in result.records.get(gse, []):
                    add(record, result.sources.get(gse, "live"))
            wanted = [g for g in gsms if g not in merged]
            if wanted:
                found = await self._geo.sample_records(wanted, refresh=refresh, on_done=bar.update)
                self._record_errors("soft", found.errors)
            for gsm in gsms:
                if gsm in merged:
                    continue
                if wanted and gsm in found.records:
                    add(found.records[gsm], found.sources.get(gsm, "live"))
        return list(merged.values()), [sources[a] for a in merged]

    async def samples(self, accessions: str | Iterable[str], *, refresh: bool = False) -> pd.DataFrame:
        """One row per sample of the given series (GSE) or sample (GSM) accessions.

        Columns: ``accession, series, title, source, organism, molecule,
        platform, channel_count, sra_experiment, biosample``, then one
        ``ch1.<key>`` / ``ch2.<key>`` column per characteristic (repeated keys
        joined with ``"; "``; see :meth:`characteristics` for every value),
        then ``source_ch2, organism_ch2, molecule_ch2, type, submission_date,
        last_update_date, supplementary_files``. A SuperSeries gives the
        samples of its SubSeries; a sample reached through several requested
        series appears once, with every series in ``series``.

        Cost: one accession-viewer request per series (cached); the mirror's
        family SOFT only when the viewer does not answer with SOFT.
        """
        accs = as_accession_list(accessions)
        self._begin("samples", n=len(accs))
        records, row_source = await self._sample_records(accs, refresh)
        return frames_geo.samples_frame(records, attrs={"accessions": accs, "row_source": row_source})

    async def characteristics(self, accessions: str | Iterable[str], *, refresh: bool = False) -> pd.DataFrame:
        """Sample characteristics in long form: ``accession, channel, key, value``
        (same sources and cost as :meth:`samples`; repeated keys keep every value)."""
        accs = as_accession_list(accessions)
        self._begin("characteristics", n=len(accs))
        records, _sources = await self._sample_records(accs, refresh)
        return frames_geo.characteristics_frame(records, attrs={"accessions": accs})

    # -- platforms and datasets ------------------------------------------------------
    async def platforms(self, accessions: str | Iterable[str], *, refresh: bool = False) -> pd.DataFrame:
        """Platform (GPL) records: ``accession, title, technology, distribution,
        organism, manufacturer, n_rows, columns, series_count, sample_count,
        submission_date, last_update_date``.

        GPL accessions are looked up directly (one viewer request each); GSE,
        GSM and GDS accessions are first mapped to their platforms through
        their DocSums (one batched E-utilities request). The annotation table
        is a separate call: :meth:`platform_table`.
        """
        accs = as_accession_list(accessions)
        self._begin("platforms", n=len(accs))
        others = [a for a in accs if not a.startswith("GPL")]
        gpls = [a for a in accs if a.startswith("GPL")]
        if others:
            docs = await self.eutils.summaries(others, refresh=refresh)
            self._record_errors("esummary", docs.errors)
            for acc in others:
                gpls.extend((docs.records.get(acc) or {}).get("platforms") or [])
        gpls = list(dict.fromkeys(gpls))
        with self._bar(len(gpls), "platforms") as bar:
            result = await self._geo.platform_records(gpls, refresh=refresh, on_done=bar.update)
        self._record_errors("soft", result.errors)
        records = result.ordered(gpls)
        return frames_geo.platforms_frame(
            records,
            attrs={"accessions": accs, "row_source": [result.sources.get(r["accession"], "live") for r in records]},
        )

    async def platform_table(self, accession: str, *, refresh: bool = False) -> pd.DataFrame:
        """The annotation table of one platform (``ID`` first, as GEO gives it).

        One viewer request (``view=full``), cached. Raises the error when the
        table cannot be fetched (a single item, not a batch).
        """
        gpl = normalize_accession(accession, allow_uid=False)
        if not gpl.startswith("GPL"):
            raise _wrong_kind(gpl, "platform_table", "GPL")
        self._begin("platform_table", accession=gpl)
        return await self._geo.platform_table(gpl, refresh=refresh)

    async def _gds(self, accessions: str | Iterable[str], name: str, refresh: bool) -> tuple[list[str], Any]:
        accs = as_accession_list(accessions)
        self._begin(name, n=len(accs))
        gdss = [a for a in accs if a.startswith("GDS")]
        self._record_errors("gds", {a: _wrong_kind(a, name, "GDS") for a in accs if a not in gdss})
        with self._bar(len(gdss), name) as bar:
            result = await self._geo.datasets(gdss, refresh=refresh, on_done=bar.update)
        self._record_errors("gds", result.errors)
        return gdss, result

    async def datasets(self, accessions: str | Iterable[str], *, refresh: bool = False) -> pd.DataFrame:
        """Curated GEO DataSets (GDS): one row per dataset, from the mirror's
        ``GDSnnn/GDS…/soft/GDS….soft.gz`` (one download each, cached). Subsets
        (disease state, agent, ...) come from :meth:`subsets`."""
        gdss, result = await self._gds(accessions, "datasets", refresh)
        records = [result.records[g]["record"] for g in gdss if g in result.records]
        return frames_geo.datasets_frame(
            records,
            attrs={
                "accessions": gdss,
                "row_source": [result.sources.get(g, "live") for g in gdss if g in result.records],
            },
        )

    async def subsets(self, accessions: str | Iterable[str], *, refresh: bool = False) -> pd.DataFrame:
        """GDS subsets: ``accession (GDS507_1), dataset, type, description,
        samples, n_samples`` — same source and cache as :meth:`datasets`."""
        gdss, result = await self._gds(accessions, "subsets", refresh)
        rows = [s for g in gdss if g in result.records for s in result.records[g]["subsets"]]
        return frames_geo.subsets_frame(rows, attrs={"accessions": gdss})

    # -- expression ------------------------------------------------------------------
    async def expression(self, accession: str, platform: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """Probes x samples ``float64`` DataFrame from the series matrix of one series.

        The index is the probe ID (``ID_REF``); columns are GSM accessions.
        ``df.attrs["samples"]`` holds the sample metadata of the matrix as a
        list of records (``accession`` first, ``chN.<key>`` keys); make it a
        companion frame with ``pd.DataFrame(df.attrs["samples"])``. Records,
        not a DataFrame, because pandas compares ``attrs`` on ``concat`` and a
        DataFrame there would make concatenating two matrices fail.
        ``df.attrs["platform"]`` is the GPL.

        A series on several platforms has one matrix per platform: without
        ``platform=`` this raises :class:`~omicskit.errors.InvalidQueryError`
        naming the platforms; pass e.g. ``platform="GPL570"``. RNA-seq series
        often have a header-only matrix: the frame then has 0 rows and one
        column per sample. Other failures (missing matrix, network) become a
        row of ``errors`` and an empty frame. Cost: one ``matrix/`` listing and
        one download, both cached.
        """
        gse = normalize_accession(accession, allow_uid=False)
        if not gse.startswith("GSE"):
            raise _wrong_kind(gse, "expression", "GSE")
        wanted = normalize_accession(platform, allow_uid=False) if platform is not None else None
        self._begin("expression", accession=gse, platform=wanted)
        try:
            parsed = await self._mirror.matrix(gse, wanted, refresh=refresh)
        except InvalidQueryError:
            raise
        except OmicsKitError as exc:
            self._record_errors("matrix", {gse: exc})
            return pd.DataFrame(np.empty((0, 0)), dtype=np.float64)
        df = parsed.expression
        df.attrs.update(
            {
                "accession": gse,
                "platform": parsed.platform,
                "samples": _plain_records(frames_geo.matrix_samples_frame(parsed.samples)),
                "series": {k: v for k, v in parsed.series.items()},
            }
        )
        return df

    # -- supplementary files ---------------------------------------------------------
    async def _file_rows(self, accs: list[str], samples: bool, refresh: bool) -> list[dict[str, Any]]:
        wanted = [a for a in accs if a.startswith(("GSE", "GSM"))]
        self._record_errors("files", {a: _wrong_kind(a, "files", "GSE or GSM") for a in accs if a not in wanted})
        if samples:
            series = await self._geo.series_samples([a for a in wanted if a.startswith("GSE")], refresh=refresh)
            self._record_errors("soft", series.errors)
            extra = [r["accession"] for g in wanted for r in series.records.get(g, [])]
            wanted = list(dict.fromkeys([*wanted, *extra]))
        gate = asyncio.Semaphore(_FILES_CONCURRENCY)
        with self._bar(len(wanted), "files") as bar:

            async def one(acc: str) -> dict[str, Any] | OmicsKitError:
                async with gate:
                    try:
                        return await self._mirror.inventory(acc, refresh=refresh)
                    except OmicsKitError as exc:
                        return exc
                    finally:
                        bar.update(1)

            answers = await asyncio.gather(*(one(a) for a in wanted))
        rows: dict[str, dict[str, Any]] = {}
        for acc, answer in zip(wanted, answers):
            if isinstance(answer, OmicsKitError):
                self._record_errors("files", {acc: answer})
                continue
            for bad in answer["rejected"]:
                self._record_errors(
                    "files", {acc: UnsafePathError(f"refused file name {bad['name']!r}: {bad['reason']}")}
                )
            for row in answer["rows"]:
                key = row["url"] or f"{row['archive']}/{row['name']}"
                if key in rows:
                    rows[key]["archive"] = rows[key]["archive"] or row["archive"]
                else:
                    rows[key] = dict(row)
        return list(rows.values())

    async def files(
        self, accessions: str | Iterable[str], *, samples: bool = False, refresh: bool = False
    ) -> pd.DataFrame:
        """Supplementary files: ``accession, level, name, url, size, size_exact,
        type, archive, modified``.

        Series-level rows come from the mirror's ``suppl/`` listing; when the
        folder has ``filelist.txt``, the members of ``GSE…_RAW.tar`` are added
        with ``archive`` set (a ``GSM…_`` member gets its sample-level URL, so
        it can be downloaded alone). ``samples=True`` also lists each sample's
        own ``suppl/`` folder. Names that could escape a download folder are
        refused and reported in ``errors``. Cost: one listing per accession
        (+ ``filelist.txt``), cached.
        """
        accs = as_accession_list(accessions)
        self._begin("files", n=len(accs))
        rows = await self._file_rows(accs, samples, refresh)
        return frames_geo.files_frame(rows, attrs={"accessions": accs})

    async def download(
        self,
        files_or_accessions: pd.DataFrame | str | Iterable[str],
        dest: str | Path | None = None,
        *,
        pattern: str | re.Pattern[str] | None = None,
        max_size: int | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Download supplementary files into *dest* (default ``./geo_downloads``).

        Takes a :meth:`files` DataFrame (its rows) or accessions (listed with
        :meth:`files` first). ``pattern`` is a glob on the whole name or a
        regex searched in it; ``max_size`` skips files larger than that many
        bytes. Four files at a time, progress in bytes, resume with HTTP Range
        from ``<name>.part``, size verified when known exactly, renamed only
        when complete. Names are checked so no path can leave *dest*.

        Returns ``accession, name, path, size, status, reason`` with status
        ``"downloaded"``, ``"exists"`` (already complete), ``"skipped"``
        (filtered out, or only inside an archive), ``"refused"`` (unsafe name)
        or ``"failed"``; refused and failed rows are also in ``errors``.
        """
        if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0):
            raise InvalidQueryError(f"max_size must be a non-negative number of bytes; got {max_size!r}")
        if isinstance(files_or_accessions, pd.DataFrame):
            self._begin("download", n=len(files_or_accessions))
            rows = rows_from_frame(files_or_accessions)
        else:
            accs = as_accession_list(files_or_accessions)
            self._begin("download", n=len(accs))
            rows = await self._file_rows(accs, False, refresh)
        root = Path(dest if dest is not None else DEFAULT_DEST)
        root.mkdir(parents=True, exist_ok=True)
        todo, decided, refused = plan(rows, root, pattern=pattern, max_size=max_size)
        for acc, exc in refused:
            self._record_errors("download", {acc: exc})
        total = sum(int(r["size"]) for r in todo if r["size"] is not None) or None
        with self._bar(total, "download", unit="B") as bar:
            fetched, failures = await run_downloads(todo, self._mirror.download, on_bytes=bar.update)
        for acc, exc in failures:
            self._record_errors("download", {acc: exc})
        return frames_geo.downloads_frame([*fetched, *decided], attrs={"dest": str(root.resolve())})


def _plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as dicts of plain Python values (``pd.NA`` → ``None``)."""
    return [{str(k): (None if v is pd.NA else v) for k, v in row.items()} for row in frame.to_dict("records")]
