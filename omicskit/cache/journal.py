"""The record journal: which cache records a session read or wrote.

:class:`~omicskit.cache.fetch.RecordStore` notes every record it reads from
or writes to the cache here, so :meth:`omicskit.Session.save_snapshot` can
write exactly the records behind a set of accessions or DataFrames.

The journal keeps *key → blob* (the encoded bytes, exactly as in the cache)
with the time the record was first seen and whether it came live or from the
cache. It is bounded by ``max_bytes``: beyond it the oldest blobs are dropped
but their keys are kept, and a snapshot re-reads those from the backend when
it is saved (a session with ``cache="none"`` then loses them, which
:meth:`RecordJournal.missing` reports). Keeping blobs (not only keys) makes
snapshots work with no persistent cache at all and survive cache eviction.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["DEFAULT_JOURNAL_BYTES", "JournalEntry", "RecordJournal"]

#: Blob bytes kept in memory by default (keys are always kept).
DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024


@dataclass
class JournalEntry:
    """One journalled record: the blob (``None`` once evicted), when and how it was seen."""

    blob: bytes | None
    seen_at: float
    source: str


class RecordJournal:
    """Ordered ``key → JournalEntry`` with a byte budget for the blobs."""

    def __init__(self, max_bytes: int = DEFAULT_JOURNAL_BYTES) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[str, JournalEntry] = OrderedDict()
        self._held: OrderedDict[str, None] = OrderedDict()  # keys whose blob is in memory, oldest first
        self._bytes = 0

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    @property
    def nbytes(self) -> int:
        """Bytes of blobs currently held."""
        return self._bytes

    def note(self, key: str, blob: bytes, source: str) -> None:
        """Remember *blob* under *key* (``source``: ``"live"`` or ``"cache"``).

        A live write replaces the blob and the time; a cache read of a key
        already known only refreshes the blob if it had been evicted.
        """
        entry = self.entries.get(key)
        if entry is None:
            self.entries[key] = JournalEntry(blob, time.time(), source)
            self._bytes += len(blob)
        elif source == "live" or entry.blob is None:
            self._bytes += len(blob) - (len(entry.blob) if entry.blob is not None else 0)
            entry.blob = blob
            if source == "live":
                entry.seen_at, entry.source = time.time(), "live"
        self.entries.move_to_end(key)
        self._held[key] = None
        self._held.move_to_end(key)
        self._shrink()

    def _shrink(self) -> None:
        """Drop the oldest blobs until the budget holds (O(1) per dropped blob)."""
        while self._bytes > self.max_bytes and self._held:
            key, _ = self._held.popitem(last=False)
            entry = self.entries[key]
            if entry.blob is not None:
                self._bytes -= len(entry.blob)
                entry.blob = None

    def missing(self) -> list[str]:
        """Keys whose blobs were evicted (re-read from the backend at save time)."""
        return [k for k, e in self.entries.items() if e.blob is None]

    def clear(self) -> None:
        self.entries.clear()
        self._held.clear()
        self._bytes = 0
