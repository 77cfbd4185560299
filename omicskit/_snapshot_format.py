"""The on-disk format of an omicskit snapshot (``*.omicskit``).

A snapshot is one ZIP archive (deflate) with three kinds of members::

    manifest.json        what the snapshot holds and where it came from
    records.jsonl.gz     one JSON object per cache record (gzip, UTF-8)
    blobs/000001.bin     raw payloads of records stored as bytes (SOFT, matrix)

``manifest.json``::

    {"format": "omicskit-snapshot", "format_version": 1,
     "omicskit_version": "0.1.0", "cache_format": "v1",
     "created_at": "2024-05-01T12:00:00+00:00",
     "accessions": ["GSE19161", ...],
     "queries": [{"query": "cancer", "term": "...", "query_translation": "...",
                  "count": 12, "limit": 100, "uids": ["200019161", ...],
                  "retrieved_at": "...", "search_key": "..."}],
     "records": {"count": 812, "kinds": {"docsum": 40, ...}, "bytes": 123456,
                 "first_retrieved": "...", "last_retrieved": "..."},
     "records_sha256": "<sha256 of records.jsonl.gz>", ...}

Each line of ``records.jsonl.gz`` is ``{"key": "omicskit:v1:docsum:GSE19161",
"retrieved_at": "...", "source": "live"|"cache", "value": <JSON record>}`` or,
for byte payloads, ``"blob": "blobs/000001.bin"`` instead of ``"value"``. The
values are the cache records themselves (what
:func:`omicskit.cache.codec.encode_record` stores), so replaying a snapshot
runs the same code path as a warm cache.

Readers refuse (with :class:`SnapshotError`): files that are not ZIPs, ZIPs
without an omicskit manifest, a ``format_version`` newer than
:data:`FORMAT_VERSION`, a checksum mismatch, undecodable records and archives
that would expand beyond a size limit.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache.codec import decode_record, encode_record
from .errors import ConfigError, ParseError

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SnapshotError",
    "SnapshotRecord",
    "read_snapshot",
    "write_snapshot",
]

FORMAT_NAME = "omicskit-snapshot"
#: Bumped when readers of the previous version could not read the new files.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
RECORDS = "records.jsonl.gz"
#: Refuse archives whose members would expand beyond this (zip bombs).
MAX_EXPANDED_BYTES = 4 * 1024**3


class SnapshotError(ConfigError):
    """A snapshot that cannot be read: not a snapshot, corrupt, or too new."""


@dataclass
class SnapshotRecord:
    """One cache record: the key, the encoded blob, when and how it was retrieved."""

    key: str
    blob: bytes
    retrieved_at: float | None = None
    source: str = "live"

    @property
    def kind(self) -> str:
        return self.key.split(":", 3)[2] if self.key.count(":") >= 3 else ""


def iso(ts: float | None) -> str | None:
    """UTC ISO-8601 text of a POSIX time (seconds precision)."""
    if ts is None:
        return None
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="seconds")


def _from_iso(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return _dt.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def write_snapshot(path: str | Path, records: Iterable[SnapshotRecord], manifest: dict[str, Any]) -> dict[str, Any]:
    """Write *records* and *manifest* (completed here) to *path*; return the manifest.

    The file is written to a temporary name next to *path* and renamed, so a
    failed save never leaves a half-written snapshot behind.
    """
    target = Path(path)
    lines = io.BytesIO()
    blobs: dict[str, bytes] = {}
    kinds: dict[str, int] = {}
    times: list[float] = []
    size = 0
    for rec in records:
        entry: dict[str, Any] = {"key": rec.key, "retrieved_at": iso(rec.retrieved_at), "source": rec.source}
        value = decode_record(rec.blob)
        if isinstance(value, bytes):
            name = f"blobs/{len(blobs) + 1:06d}.bin"
            blobs[name] = value
            entry["blob"] = name
        else:
            entry["value"] = value
        lines.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        kinds[rec.kind] = kinds.get(rec.kind, 0) + 1
        size += len(rec.blob)
        if rec.retrieved_at is not None:
            times.append(rec.retrieved_at)
    packed = gzip.compress(lines.getvalue(), compresslevel=9, mtime=0)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        **manifest,
        "records": {
            "count": sum(kinds.values()),
            "kinds": dict(sorted(kinds.items())),
            "bytes": size,
            "first_retrieved": iso(min(times)) if times else None,
            "last_retrieved": iso(max(times)) if times else None,
        },
        "records_sha256": hashlib.sha256(packed).hexdigest(),
    }
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            zf.writestr(zipfile.ZipInfo(RECORDS, date_time=(2000, 1, 1, 0, 0, 0)), packed, zipfile.ZIP_STORED)
            for name, data in blobs.items():
                zf.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _fail(path: Path, why: str) -> SnapshotError:
    return SnapshotError(f"{path.name}: {why}")


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of the snapshot at *path*, validated (records are not read)."""
    with _open(Path(path)) as zf:
        return _manifest(Path(path), zf)


def _open(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise SnapshotError(f"snapshot file not found: {path}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(path, f"not an omicskit snapshot (not a ZIP archive: {exc})") from None
    if sum(i.file_size for i in zf.infolist()) > MAX_EXPANDED_BYTES:
        zf.close()
        raise _fail(path, "archive expands beyond the size limit; refusing to read it")
    return zf


def _manifest(path: Path, zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise _fail(path, "not an omicskit snapshot (no manifest.json)") from None
    except (ValueError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise _fail(path, f"corrupt snapshot manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise _fail(path, "not an omicskit snapshot (foreign manifest.json)")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise _fail(path, f"corrupt snapshot manifest (format_version {version!r})")
    if version > FORMAT_VERSION:
        raise _fail(
            path,
            f"snapshot format version {version} is newer than this omicskit reads ({FORMAT_VERSION}); "
            f"upgrade omicskit (made by omicskit {manifest.get('omicskit_version', '?')})",
        )
    return manifest


def read_snapshot(path: str | Path) -> tuple[dict[str, Any], dict[str, SnapshotRecord]]:
    """``(manifest, {key: record})`` of the snapshot at *path*; :class:`SnapshotError` if unusable."""
    p = Path(path)
    with _open(p) as zf:
        manifest = _manifest(p, zf)
        try:
            packed = zf.read(RECORDS)
            if hashlib.sha256(packed).hexdigest() != manifest.get("records_sha256"):
                raise _fail(p, "corrupt snapshot (records checksum mismatch)")
            text = gzip.decompress(packed)
            records: dict[str, SnapshotRecord] = {}
            for line in text.splitlines():
                if not line.strip():
                    continue
                entry = json.loads(line)
                raw = zf.read(str(entry["blob"])) if "blob" in entry else entry["value"]
                blob = encode_record(raw)
                key = str(entry["key"])
                records[key] = SnapshotRecord(key, blob, _from_iso(entry.get("retrieved_at")), entry.get("source", ""))
        except SnapshotError:
            raise
        except KeyError as exc:
            raise _fail(p, f"corrupt snapshot (missing member or field {exc})") from None
        except (ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile, zlib.error, ParseError) as exc:
            raise _fail(p, f"corrupt snapshot ({type(exc).__name__}: {exc})") from None
    return manifest, records
