"""Snapshot and dry-run methods of :class:`~omicskit.AsyncSession`.

* :meth:`SnapshotMethods.save_snapshot` writes the cache records behind some
  accessions or DataFrames to one portable file (see :mod:`omicskit.snapshot`).
* :meth:`SnapshotMethods.estimate` is the dry run: requests and time of a job
  at the current limits, with and without an API key, without sending
  anything. (It is a method of its own rather than an ``estimate=True``
  keyword on every long call.)
* On a snapshot session, ``search`` falls back to a local search over the
  snapshot's series records when the exact query is not in the snapshot;
  the frame then carries ``attrs["offline_match"] == "local"``
  (:meth:`SnapshotMethods._local_search`, called by ``AsyncSession.search``).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

import pandas as pd

from . import frames
from ._snapshot_format import SnapshotError, SnapshotRecord, write_snapshot
from ._snapshot_select import describe_searches, linked_keys, roots_and_searches, split_key
from ._version import __version__
from .accessions import as_accession_list
from .cache.codec import decode_record, encode_record
from .estimate import Estimate, estimate
from .redact import redact
from .snapshot import SnapshotBackend, local_search

if TYPE_CHECKING:
    from .cache.fetch import RecordStore
    from .config import Config

__all__ = ["SnapshotMethods"]

logger = logging.getLogger("omicskit.snapshot")


def _scrub(blob: bytes, secrets: tuple[str, ...]) -> bytes:
    """*blob* with every secret (and any ``api_key=`` value) replaced by ``***``."""
    forms = {f.encode() for s in secrets for f in (s, quote(s, safe=""), quote_plus(s))}
    if b"api_key=" not in blob and not any(f in blob for f in forms):
        return blob
    value = decode_record(blob)
    if isinstance(value, bytes):
        for f in forms:
            value = value.replace(f, b"***")
        return encode_record(redact(value.decode("latin-1"), secrets).encode("latin-1"))
    return encode_record(json.loads(redact(json.dumps(value, ensure_ascii=False), secrets)))


class SnapshotMethods:
    """Mixed into :class:`~omicskit.AsyncSession`; relies on its core attributes."""

    if TYPE_CHECKING:
        config: Config
        store: RecordStore
        backend: Any
        last_call: dict[str, Any]
        offline: bool

        def _begin(self, name: str, **info: Any) -> None: ...

    # -- snapshots -------------------------------------------------------------------
    async def save_snapshot(
        self,
        path: str | Path,
        accessions_or_frames: Any = None,
        *,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Write the cache records behind *accessions_or_frames* to one file at *path*.

        *accessions_or_frames*: an accession, an iterable of accessions, a
        DataFrame returned by this session (search, series, samples, files,
        publications, ...) or a list mixing them; ``None`` saves every record
        this session read or wrote. Only records the session has already
        fetched are saved (nothing is requested here): call ``samples()``,
        ``files()``, ``publications()``... first for what the snapshot should
        hold. Returns the manifest. The file holds no API key and no email.
        """
        journal = self.store.journal
        if journal is None:
            raise SnapshotError("record journalling is off for this session (store.journal is None)")
        target = Path(path).expanduser()
        if not target.parent.is_dir():
            raise SnapshotError(f"cannot write snapshot: directory {str(target.parent)!r} does not exist")
        blobs: dict[str, bytes | None] = {k: e.blob for k, e in journal.entries.items()}
        log = getattr(self, "_search_log", [])
        if accessions_or_frames is None:
            search_keys, queries = describe_searches(blobs, log)
            roots = [split_key(k)[1] for k in blobs if split_key(k)[0] == "docsum"]
            keys = list(blobs)
        else:
            items = _as_items(accessions_or_frames)
            roots, search_keys, queries = roots_and_searches(items, blobs, log)
            keys = list(dict.fromkeys([*search_keys, *linked_keys(blobs, roots)]))
        if not keys:
            raise SnapshotError("nothing to save: no cached records belong to these accessions/frames")
        evicted = [k for k in keys if blobs.get(k) is None]
        if evicted:
            blobs.update(await self.backend.get_many(evicted))
        lost = [k for k in keys if blobs.get(k) is None]
        if lost:
            logger.warning("%d record(s) no longer held by the journal or the cache; not saved", len(lost))
        secrets = self.config.secrets()
        records = [
            SnapshotRecord(k, _scrub(blob, secrets), journal.entries[k].seen_at, journal.entries[k].source)
            for k in keys
            if (blob := blobs.get(k)) is not None
        ]
        manifest: dict[str, Any] = {
            "omicskit_version": __version__,
            "cache_format": "v1",
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "accessions": roots,
            "queries": queries,
            "missing_records": len(lost),
        }
        if note:
            manifest["note"] = redact(note, secrets)
        return await asyncio.to_thread(write_snapshot, target, records, manifest)

    async def _local_search(self, query: str = "", **params: Any) -> pd.DataFrame:
        """Search over the snapshot's series records (no exact match in the snapshot)."""
        from .services.query import build_query

        limit = params.pop("limit", 100)
        params.pop("refresh", None)
        term = build_query(query, **params)
        self._begin("search", term=term)
        backend: SnapshotBackend = self.backend
        matches = local_search(backend.values("docsum"), query, **params)
        records = [dict(r) for r in matches[:limit]]
        return frames.series_frame(
            records,
            attrs={
                "query": query,
                "term": term,
                "query_translation": f"local search of snapshot {backend.path.name}: {term}",
                "count": len(matches),
                "search_from_cache": True,
                "row_source": ["cache"] * len(records),
                "offline_match": "local",
            },
        )

    # -- dry run ---------------------------------------------------------------------
    async def estimate(self, method: str, accessions_or_n: Any) -> Estimate:
        """Requests and time *method* needs for the given accessions (or a count).

        Nothing is sent. ``print(session.estimate("samples", hits.accession))``
        shows the requests per host and the time at the current limits, with
        and without an API key. See :mod:`omicskit.estimate` for the model.
        """
        if isinstance(accessions_or_n, int) and not isinstance(accessions_or_n, bool):
            n = accessions_or_n
        else:
            items = accessions_or_n
            if isinstance(items, pd.DataFrame):
                items = items["accession"].tolist() if "accession" in items.columns else []
            n = len(as_accession_list(items))
        return estimate(method, n, self.config)


def _as_items(value: Any) -> list[Any]:
    if isinstance(value, (str, pd.DataFrame)):
        return [value]
    if isinstance(value, pd.Series):
        return [[str(v) for v in value.tolist()]]
    items: list[Any] = []
    loose: list[str] = []
    for item in value if isinstance(value, Iterable) else [value]:
        if isinstance(item, pd.DataFrame):
            items.append(item)
        elif isinstance(item, str):
            loose.append(item)
        else:
            items.extend(_as_items(item))
    if loose:
        items.insert(0, as_accession_list(loose))
    return items
