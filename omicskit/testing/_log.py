"""Thread-safe request log of the fake services, with summary statistics."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["LogEntry", "RequestLog", "max_in_window"]


@dataclass(frozen=True)
class LogEntry:
    """One served request."""

    time: float  #: time.monotonic() at arrival
    wall_time: float  #: time.time() at arrival
    service: str  #: "eutils", "geo", "ftp", "idconv", "unpaywall", "europepmc", "crossref", "arxiv", "biorxiv"
    endpoint: str  #: e.g. "esearch", "acc.cgi", "soft", "suppl"
    method: str
    path: str  #: path + query below the service base
    status: int  #: 0 when the connection was reset without a response
    fault: str | None
    api_key: bool
    client: str
    replica_of: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Largest number of arrival times inside any sliding window of ``window`` seconds."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class RequestLog:
    """Append-only, lock-protected list of :class:`LogEntry`."""

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._lock = threading.Lock()

    def add(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    def stats(self) -> dict[str, Any]:
        """Counts per endpoint/service/status, 429s, faults and the busiest second per service."""
        entries = self.entries
        by_service: dict[str, list[float]] = {}
        for e in entries:
            by_service.setdefault(e.service, []).append(e.time)
        return {
            "total": len(entries),
            "endpoints": dict(Counter(f"{e.service}/{e.endpoint}" for e in entries)),
            "services": dict(Counter(e.service for e in entries)),
            "statuses": dict(Counter(e.status for e in entries)),
            "served_429": sum(1 for e in entries if e.status == 429),
            "faults_served": sum(1 for e in entries if e.fault),
            "faults": dict(Counter(e.fault for e in entries if e.fault)),
            "with_api_key": sum(1 for e in entries if e.api_key),
            "max_per_second": {s: max_in_window(ts) for s, ts in by_service.items()},
            "replica_requests": sum(1 for e in entries if e.replica_of),
        }

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def __getitem__(self, index: int) -> LogEntry:
        with self._lock:
            return self._entries[index]

    @staticmethod
    def now() -> tuple[float, float]:
        return time.monotonic(), time.time()
