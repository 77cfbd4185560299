"""The HTTPS mirror of GEO's FTP tree: series matrices and supplementary files.

Costs, by design (cold cache):

* ``expression(GSE)``: one ``matrix/`` listing + one matrix download; both
  are cached (``matrix:<GSE>/`` → the file list, ``matrix:<file name>`` →
  the verified gzip bytes), so a warm call only parses;
* ``files(GSE)``: one ``suppl/`` listing, plus ``suppl/filelist.txt`` when
  the folder has one (it names the members of ``GSE..._RAW.tar``); a GSM
  costs one ``samples/GSMnnn/GSM.../suppl/`` listing. Cached per accession
  (``files:<acc>``) together with the names that were refused as unsafe.

A listing is HTML by nature; only the index parser
(:func:`~omicskit.parsers.filelist.parse_directory_listing`) reads it.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._transport import Transport
from ..accessions import mirror_folder
from ..cache.fetch import RecordStore
from ..config import Config
from ..errors import InvalidQueryError, NotFoundError, OmicsKitError
from ..parsers.filelist import parse_directory_listing, parse_filelist
from ..parsers.matrix import SeriesMatrix, parse_series_matrix

__all__ = ["MATRIX_NAME", "Mirror", "file_type", "iso_time"]

logger = logging.getLogger("omicskit.geo")

#: ``GSE1234_series_matrix.txt.gz`` or ``GSE1234-GPL570_series_matrix.txt.gz``.
MATRIX_NAME = re.compile(r"^(GSE\d+)(?:-(GPL\d+))?_series_matrix\.txt\.gz$")
_GSM_PREFIX = re.compile(r"^(GSM\d+)[_.-]")
_PACKING = (".gz", ".bz2", ".xz", ".zip", ".z")
_TIME_FORMATS = (
    "%d-%b-%Y %H:%M",
    "%d-%b-%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)


def iso_time(text: str | None) -> str | None:
    """Listing / filelist time stamps as ISO ``YYYY-MM-DDTHH:MM:SS`` (``None`` if unreadable)."""
    if not text:
        return None
    for fmt in _TIME_FORMATS:
        try:
            return _dt.datetime.strptime(text.strip(), fmt).isoformat()
        except ValueError:
            continue
    return None


def file_type(name: str) -> str | None:
    """``"x.bed.gz"`` → ``"BED"``, ``"GSE1_RAW.tar"`` → ``"TAR"``; ``None`` without extension."""
    low = name.lower()
    for suffix in _PACKING:
        if low.endswith(suffix) and "." in low[: -len(suffix)]:
            low = low[: -len(suffix)]
            break
    stem, dot, ext = low.rpartition(".")
    return ext.upper() if dot and stem and ext else None


class Mirror:
    """Matrix and supplementary-file access on ``config.ftp_url``."""

    def __init__(self, config: Config, transport: Transport, store: RecordStore) -> None:
        self.config = config
        self.transport = transport
        self.store = store
        self.base = config.ftp_url.rstrip("/")

    def folder_url(self, accession: str, sub: str = "") -> str:
        """``{ftp_url}/series/GSE100nnn/GSE100750/<sub>/``."""
        return f"{self.base}/{mirror_folder(accession)}/" + (f"{sub.strip('/')}/" if sub else "")

    async def listing(self, url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Files of one index page and the names refused as unsafe."""
        response = await self.transport.get(url, group="ftp", expect="bytes")
        rejected: list[dict[str, Any]] = []
        rows = parse_directory_listing(
            response.content, response.url if response.url.endswith("/") else url, rejected=rejected
        )
        return rows, rejected

    async def _cached(self, kind: str, ident: str, make: Callable[[], Any], refresh: bool) -> Any:
        async def fetch(missing: list[str]) -> Any:
            try:
                yield {ident: await make()}
            except OmicsKitError as exc:
                yield {ident: exc}

        result = await self.store.get_many(kind, [ident], fetch, refresh=refresh)
        if ident in result.errors:
            raise result.errors[ident]
        return result.records[ident]

    # -- series matrix ---------------------------------------------------------------
    async def matrix_files(self, gse: str, *, refresh: bool = False) -> list[dict[str, Any]]:
        """The series-matrix files of *gse*: ``name, url, platform, size``."""

        async def make() -> list[dict[str, Any]]:
            rows, _rejected = await self.listing(self.folder_url(gse, "matrix"))
            found = []
            for row in rows:
                m = MATRIX_NAME.match(row["name"])
                if m and m.group(1) == gse:
                    found.append({"name": row["name"], "url": row["url"], "platform": m.group(2), "size": row["size"]})
            if not found:
                raise NotFoundError(f"{gse}: no series matrix on the mirror", url=self.folder_url(gse, "matrix"))
            return found

        return list(await self._cached("matrix", f"{gse}/", make, refresh))

    async def matrix(self, gse: str, platform: str | None = None, *, refresh: bool = False) -> SeriesMatrix:
        """The parsed series matrix of *gse* (``platform=`` picks one of several)."""
        files = await self.matrix_files(gse, refresh=refresh)
        chosen = pick_matrix(gse, files, platform)

        async def make() -> bytes:
            response = await self.transport.get(chosen["url"], group="ftp", expect="gzip")
            return response.content

        data = await self._cached("matrix", chosen["name"], make, refresh)
        parsed = await asyncio.to_thread(parse_series_matrix, data, max_bytes=self.config.max_decompressed_bytes)
        if platform and parsed.platform and parsed.platform != platform:
            raise InvalidQueryError(f"{gse} has no matrix for {platform}; its matrix is for {parsed.platform}")
        return parsed

    # -- supplementary files ---------------------------------------------------------
    async def inventory(self, accession: str, *, refresh: bool = False) -> dict[str, Any]:
        """``{"rows": [...], "rejected": [...]}`` for one GSE or GSM (cached)."""

        async def make() -> dict[str, Any]:
            return await self._inventory(accession)

        return dict(await self._cached("files", accession, make, refresh))

    async def _inventory(self, accession: str) -> dict[str, Any]:
        level = "sample" if accession.startswith("GSM") else "series"
        url = self.folder_url(accession, "suppl")
        try:
            listed, rejected = await self.listing(url)
        except NotFoundError:
            # No suppl/ folder: fine when the accession's folder exists, an error otherwise.
            await self.listing(self.folder_url(accession))
            return {"rows": [], "rejected": []}
        rows: list[dict[str, Any]] = []
        filelist = None
        for item in listed:
            if item["name"] == "filelist.txt":
                filelist = item
                continue
            rows.append(
                {
                    "accession": accession,
                    "level": level,
                    "name": item["name"],
                    "url": item["url"],
                    "size": item["size"],
                    "size_exact": item["size_exact"],
                    "type": file_type(item["name"]),
                    "archive": None,
                    "modified": iso_time(item["modified"]),
                }
            )
        if filelist is not None:
            response = await self.transport.get(filelist["url"], group="ftp", expect="text")
            rows.extend(self._members(accession, parse_filelist(response.content, rejected=rejected), rows))
        return {"rows": rows, "rejected": rejected}

    def _members(
        self, accession: str, entries: list[dict[str, Any]], listed: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Rows for the members of ``*_RAW.tar`` named by ``filelist.txt``.

        A member named ``GSMnnn_...`` is the sample's own supplementary file,
        so it gets that sample's mirror URL (downloadable on its own)."""
        have = {row["name"] for row in listed}
        out: list[dict[str, Any]] = []
        for entry in entries:
            name, archive = entry["name"], entry.get("member_of")
            owner, url = accession, None
            if archive is None:  # the archive itself or a loose file: a series-level file
                if name in have:
                    continue
                url = f"{self.folder_url(accession, 'suppl')}{name}"
            else:
                m = _GSM_PREFIX.match(name)
                if m:
                    owner = m.group(1)
                    url = f"{self.folder_url(owner, 'suppl')}{name}"
            out.append(
                {
                    "accession": owner,
                    "level": "sample" if owner.startswith("GSM") else "series",
                    "name": name,
                    "url": url,
                    "size": entry.get("size"),
                    "size_exact": entry.get("size") is not None,
                    "type": entry.get("type") or file_type(name),
                    "archive": archive,
                    "modified": iso_time(entry.get("time")),
                }
            )
        return out

    # -- downloads -------------------------------------------------------------------
    async def download(
        self, url: str, dest: Path, *, expected_size: int | None, on_bytes: Callable[[int], None] | None = None
    ) -> int:
        """Stream *url* to *dest* (``.part`` file, Range resume, size check, rename)."""
        return await self.transport.download(url, dest, group="ftp", expected_size=expected_size, on_bytes=on_bytes)


def pick_matrix(gse: str, files: list[dict[str, Any]], platform: str | None) -> dict[str, Any]:
    """The matrix file for *platform*; several files and no platform is an error."""
    if platform is None:
        if len(files) == 1:
            return files[0]
        names = ", ".join(str(f["platform"]) for f in files)
        raise InvalidQueryError(
            f"{gse} has one series matrix per platform ({names}); pass platform=, "
            f"e.g. expression({gse!r}, platform={files[0]['platform']!r})"
        )
    wanted = platform.strip().upper()
    for f in files:
        if f["platform"] == wanted:
            return f
    if len(files) == 1 and files[0]["platform"] is None:
        return files[0]  # single-platform series: checked against the file's own platform after parsing
    names = ", ".join(str(f["platform"]) for f in files)
    raise InvalidQueryError(f"{gse} has no series matrix for {wanted}; available: {names}")
