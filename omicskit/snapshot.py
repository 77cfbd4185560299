"""Reproducible snapshots: one portable file replayed offline.

``Session.save_snapshot(path, accessions_or_frames)`` writes the exact cache
records behind some accessions or DataFrames (plus a manifest) to one file;
``Session(snapshot=path)`` — or ``snapshot="demo"`` for the demo bundled with
the package — answers every call from that file, offline, with the same code
path as a warm cache, so the DataFrames are identical to the original ones.

A search whose exact query (term and limit) is not in the snapshot falls back
to a *local* search over the snapshot's series records (see
:func:`local_search`), flagged ``df.attrs["offline_match"] == "local"``.

The file format is described in :mod:`omicskit._snapshot_format`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ._snapshot_format import FORMAT_VERSION, SnapshotError, SnapshotRecord, read_manifest, read_snapshot
from .cache.base import KEY_PREFIX, BaseBackend
from .cache.codec import decode_record
from .services.query import FIELDS

__all__ = [
    "DEMO",
    "FORMAT_VERSION",
    "SnapshotBackend",
    "SnapshotError",
    "demo_path",
    "local_search",
    "open_snapshot",
    "resolve_snapshot",
    "snapshot_info",
]

logger = logging.getLogger("omicskit.snapshot")

#: The name that selects the snapshot bundled with the package.
DEMO = "demo"
_DEMO_FILE = "demo.omicskit"


def demo_path() -> Path:
    """Path of the bundled demo snapshot (``omicskit/data/demo.omicskit``)."""
    return Path(str(resources.files("omicskit").joinpath("data", _DEMO_FILE)))


def resolve_snapshot(spec: Any) -> Path:
    """``"demo"`` → the bundled demo; a ``str``/``PathLike`` → that path."""
    if isinstance(spec, str) and spec.strip().lower() == DEMO:
        return demo_path()
    if isinstance(spec, (str, os.PathLike)) and str(spec).strip():
        return Path(spec).expanduser()
    raise SnapshotError(f"invalid snapshot {spec!r}: give a snapshot file path or 'demo'")


class SnapshotBackend(BaseBackend):
    """A read-only cache backend over the records of one snapshot.

    Reads answer from the snapshot only (no fall-through to another cache);
    writes, deletes and clears are ignored. ``inner`` (the cache the session
    opened before the snapshot replaced it) is closed with this backend.
    """

    name = "snapshot"

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        records: Mapping[str, SnapshotRecord],
        inner: Any = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.manifest = manifest
        self.records = dict(records)
        self.inner = inner

    def __repr__(self) -> str:
        return f"SnapshotBackend({self.path.name!r}, records={len(self.records)})"

    def keys(self, kind: str | None = None) -> list[str]:
        """Keys in the snapshot, all or of one kind (``"docsum"``, ``"search"``, ...)."""
        prefix = KEY_PREFIX + (f"{kind}:" if kind else "")
        return [k for k in self.records if k.startswith(prefix)]

    def values(self, kind: str) -> list[Any]:
        """Decoded records of one kind, in snapshot order."""
        return [decode_record(self.records[k].blob) for k in self.keys(kind)]

    async def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        return {k: self.records[k].blob for k in keys if k in self.records}

    async def _set_many(self, items: dict[str, bytes], ttl: float | None) -> None:
        logger.debug("snapshot is read-only: %d write(s) ignored", len(items))

    async def _delete_many(self, keys: list[str]) -> int:
        return 0

    async def _clear(self, prefix: str) -> int:
        return 0

    async def _size(self) -> tuple[int, int]:
        return len(self.records), sum(len(r.blob) for r in self.records.values())

    async def stats(self) -> dict[str, Any]:
        stats = await super().stats()
        stats["snapshot"] = str(self.path)
        return stats

    async def _close(self) -> None:
        if self.inner is not None:
            await self.inner.close()


def open_snapshot(spec: Any, backend: Any = None) -> SnapshotBackend:
    """A read-only backend over the snapshot *spec* (a path or ``"demo"``).

    *backend* is the cache the session had opened; it is not read (a snapshot
    session answers from the snapshot only) but closed with the snapshot.
    Raises :class:`SnapshotError` for a missing, corrupt, foreign or newer file.
    """
    if isinstance(spec, SnapshotBackend):
        return spec
    path = resolve_snapshot(spec)
    if not path.is_file() and isinstance(spec, str) and spec.strip().lower() == DEMO:
        raise SnapshotError("the bundled demo snapshot is missing from this installation")
    manifest, records = read_snapshot(path)
    logger.debug("snapshot %s: %d records", path, len(records))
    return SnapshotBackend(path, manifest, records, inner=backend)


def snapshot_info(spec: Any) -> dict[str, Any]:
    """The manifest of a snapshot plus ``path`` and ``file_bytes`` (records are not loaded)."""
    path = resolve_snapshot(spec)
    manifest = read_manifest(path)
    return {**manifest, "path": str(path), "file_bytes": path.stat().st_size}


# -- local search -----------------------------------------------------------------
_TAGGED_RE = re.compile(r'(?:"[^"]*"|\S+)\[[^\]]*\]')
_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP = {"and", "or", "not"}


def _quoted(text: str) -> str:
    match = re.search(r'"([^"]+)"', text)
    return match.group(1) if match else text.split("[", 1)[0]


def query_words(query: str) -> list[str]:
    """Lower-case words of a free-text query (field-tagged terms and AND/OR/NOT dropped)."""
    return [w for w in _WORD_RE.findall(_TAGGED_RE.sub(" ", query or "").lower()) if w not in _STOP]


def local_search(
    records: Iterable[Mapping[str, Any]],
    query: str = "",
    *,
    organism: str | None = None,
    entry_type: str | None = "gse",
    series_type: str | None = None,
    platform: str | None = None,
    published: Any = None,
    min_samples: int | None = None,
    max_samples: int | None = None,
    has_sra: bool | None = None,
) -> list[Mapping[str, Any]]:
    """Series records matching a search, newest UID first.

    Every word of *query* must occur in the title, summary or accession
    (case-insensitive substring; field tags, quotes and boolean operators are
    not interpreted). Filters are checked on the record: ``organism`` (scientific
    or common name), ``entry_type``, ``series_type``, ``platform``,
    ``published`` (year or range), sample-count range and ``has_sra``.
    """
    words = query_words(query)
    org = _quoted(FIELDS["organism"].format(organism)).lower() if organism is not None else None
    stype = _quoted(FIELDS["series_type"].format(series_type)).lower() if series_type is not None else None
    gpl = FIELDS["platform"].format(platform).split("[", 1)[0] if platform is not None else None
    etype = FIELDS["entry_type"].format(entry_type).split("[", 1)[0].upper() if entry_type is not None else None
    lo_date = hi_date = None
    if published is not None:
        lo_date, hi_date = FIELDS["published"].format(published).split("[", 1)[0].split(":")
    out = []
    for rec in records:
        if etype and str(rec.get("entry_type") or "").upper() != etype:
            continue
        hay = " ".join(str(rec.get(k) or "") for k in ("title", "summary", "accession")).lower()
        if any(w not in hay for w in words):
            continue
        if org and org not in [o.strip() for o in str(rec.get("organism") or "").lower().split(";")]:
            continue
        if stype and stype not in str(rec.get("series_type") or "").lower():
            continue
        if gpl and gpl not in (rec.get("platforms") or []):
            continue
        date = str(rec.get("published") or "").replace("-", "/")
        if lo_date and hi_date and not (date and lo_date <= date <= hi_date):
            continue
        n = rec.get("n_samples")
        if min_samples is not None and (n is None or n < min_samples):
            continue
        if max_samples is not None and (n is None or n > max_samples):
            continue
        if has_sra is not None and bool(rec.get("sra")) != has_sra:
            continue
        out.append(rec)
    out.sort(key=lambda r: -(r.get("uid") or 0))
    return out
