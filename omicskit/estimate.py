"""Dry runs: how many requests a job needs and how long it takes at the rate limits.

:func:`estimate` answers without sending anything. The request counts follow
the documented costs of the services (cold cache):

==================  ============================================================
method              requests for ``n`` items
==================  ============================================================
``search``          esearch ``ceil(n/10000)`` + esummary ``ceil(n/500)`` (n = limit)
``series``          esummary ``ceil(n/500)``
``samples``         accession viewer 1 per series (``characteristics`` the same)
``platforms``       esummary ``ceil(n/500)`` + accession viewer 1 per platform
``expression``      mirror: ``matrix/`` listing + 1 matrix download per series
``files``           mirror: ``suppl/`` listing (+ ``filelist.txt``) per accession
``download``        mirror: 1 listing per series + 1 request per file
``publications``    esummary + ELink ``ceil(n/200)`` + efetch ``ceil(p/200)`` +
                    ID converter ``ceil(p/200)`` + Europe PMC ``ceil(p/50)`` +
                    Unpaywall 1 per DOI (p ≈ n papers, one per series)
==================  ============================================================

Time is the sum over host groups of ``requests / rate`` with the limiter's
average rates (E-utilities 2.4/s without an API key — NCBI allows 3, granted
in bursts of 3 per 1.25 s — and 8/s with one — NCBI allows 10 —, GEO viewer
40/s, mirror 20/s, literature 5/s); server
latency and transfer time are not included, so real jobs take somewhat longer.
The session form is :meth:`omicskit.Session.estimate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .errors import InvalidQueryError

__all__ = ["METHODS", "Estimate", "estimate"]


def _c(n: int, size: int) -> int:
    return math.ceil(n / size) if n > 0 else 0


def _search(n: int) -> dict[str, int]:
    return {"eutils": max(1, _c(n, 10_000)) + _c(n, 500)}


_RULES: dict[str, Callable[[int], dict[str, int]]] = {
    "search": _search,
    "series": lambda n: {"eutils": _c(n, 500)},
    "samples": lambda n: {"geo": n},
    "characteristics": lambda n: {"geo": n},
    "platforms": lambda n: {"eutils": _c(n, 500), "geo": n},
    "expression": lambda n: {"ftp": 2 * n},
    "files": lambda n: {"ftp": 2 * n},
    "download": lambda n: {"ftp": n},
    "publications": lambda n: {
        "eutils": _c(n, 500) + 2 * _c(n, 200),
        "idconv": _c(n, 200),
        "europepmc": _c(n, 50),
        "unpaywall": n,
    },
}
_RULES["papers"] = _RULES["publications"]
#: Methods :func:`estimate` knows (``papers`` is the CLI name of ``publications``).
METHODS: tuple[str, ...] = tuple(sorted(_RULES))

_NOTES = {
    "download": "n counts files; add one mirror listing per series when accessions are given",
    "publications": "assumes about one paper per series; cached answers cost nothing",
    "files": "counts a filelist.txt per accession (only folders with a RAW tar have one)",
    "search": "n is the limit; fewer matches cost fewer esummary requests",
}


@dataclass(frozen=True)
class Estimate:
    """Requests per host group and the time they take at the limits."""

    method: str
    n_items: int
    requests: dict[str, int]
    rates: dict[str, float]
    seconds: float
    seconds_without_key: float
    seconds_with_key: float
    has_api_key: bool
    notes: list[str] = field(default_factory=list)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n_items": self.n_items,
            "requests": dict(self.requests),
            "total_requests": self.total_requests,
            "rates_per_second": dict(self.rates),
            "seconds": round(self.seconds, 2),
            "seconds_without_api_key": round(self.seconds_without_key, 2),
            "seconds_with_api_key": round(self.seconds_with_key, 2),
            "api_key_set": self.has_api_key,
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        groups = ", ".join(f"{g} {n}" for g, n in self.requests.items() if n) or "none"
        lines = [
            f"{self.method} of {self.n_items} item(s): {self.total_requests} request(s) ({groups})",
            f"  at the current limits ({'with' if self.has_api_key else 'without'} API key): ~{_fmt(self.seconds)}",
            f"  without an API key (E-utilities 3/s): ~{_fmt(self.seconds_without_key)}",
            f"  with an API key (E-utilities 10/s):   ~{_fmt(self.seconds_with_key)}",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _fmt(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _rates(config: Config) -> dict[str, float]:
    lit = config.literature_rate
    return {
        "eutils": config.effective_eutils_rate,
        "geo": config.geo_rate,
        "ftp": 20.0,
        "idconv": 2.8,
        "europepmc": lit,
        "unpaywall": lit,
    }


def _seconds(requests: dict[str, int], rates: dict[str, float]) -> float:
    return sum(n / rates[g] for g, n in requests.items() if n)


def estimate(method: str, n_items: int, config: Config | None = None) -> Estimate:
    """Requests and time for *method* on *n_items* items, without sending any.

    >>> print(estimate("search", 1200).requests)
    {'eutils': 4}
    """
    name = method.strip().lower()
    rule = _RULES.get(name)
    if rule is None:
        raise InvalidQueryError(f"cannot estimate {method!r}; known methods: {', '.join(METHODS)}")
    if isinstance(n_items, bool) or not isinstance(n_items, int) or n_items < 0:
        raise InvalidQueryError(f"n_items must be a non-negative integer; got {n_items!r}")
    cfg = config if config is not None else Config()
    requests = {g: n for g, n in rule(n_items).items()}
    rates = _rates(cfg)
    no_key = _rates(cfg.replace(api_key=None))
    with_key = _rates(cfg if cfg.api_key else cfg.replace(api_key="set"))
    return Estimate(
        method="publications" if name == "papers" else name,
        n_items=n_items,
        requests=requests,
        rates={g: rates[g] for g in requests},
        seconds=_seconds(requests, rates),
        seconds_without_key=_seconds(requests, no_key),
        seconds_with_key=_seconds(requests, with_key),
        has_api_key=bool(cfg.api_key),
        notes=[_NOTES[name]] if name in _NOTES else [],
    )
