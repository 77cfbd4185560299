"""The fake's application layer: routing by path prefix, NCBI rate limit, faults, request log.

Both front ends — the stdlib HTTP server and the respx router — call
:meth:`FakeApp.handle`, so they share one catalog, one rate limiter, one
fault sequence and one request log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ._catalog import Catalog
from ._eutils import EutilsService
from ._faults import FaultInjector
from ._geo import GeoService, MirrorService
from ._http import Request, Response, text_response
from ._literature import LiteratureService
from ._log import LogEntry, RequestLog
from ._ratelimit import SlidingWindowLimiter

__all__ = ["BENCHMARK_LATENCY", "CONFIG_FIELDS", "LITERATURE_SERVICES", "PREFIXES", "FakeApp"]

#: service → path prefix on the fake server (the paths below it are the real services' paths).
PREFIXES: dict[str, str] = {
    "eutils": "/eutils",
    "geo": "/geo",
    "ftp": "/ftp/geo",
    "idconv": "/idconv",
    "unpaywall": "/unpaywall/v2",
    "europepmc": "/europepmc",
    "crossref": "/crossref",
    "arxiv": "/arxiv/api",
    "biorxiv": "/biorxiv",
}
#: service → omicskit ``Config`` field.
CONFIG_FIELDS = {service: f"{service}_url" for service in PREFIXES}
LITERATURE_SERVICES = ("idconv", "unpaywall", "europepmc", "crossref", "arxiv", "biorxiv")
#: The ``latency="benchmark"`` preset (seconds per request).
BENCHMARK_LATENCY: dict[str, float] = {"eutils": 0.25, "geo": 0.15, "ftp": 0.10} | {s: 0.1 for s in LITERATURE_SERVICES}


def _normalise_latency(latency: Mapping[str, float] | str | float | None) -> dict[str, float]:
    if latency is None:
        return {}
    if isinstance(latency, str):
        if latency != "benchmark":
            raise ValueError(f"unknown latency preset {latency!r} (only 'benchmark')")
        return dict(BENCHMARK_LATENCY)
    if isinstance(latency, int | float):
        return {s: float(latency) for s in PREFIXES}
    out: dict[str, float] = {}
    for key, value in latency.items():
        targets = LITERATURE_SERVICES if key == "literature" else (key,)
        for target in targets:
            if target not in PREFIXES:
                raise ValueError(f"unknown service {target!r} in latency; choose from {sorted(PREFIXES)}")
            out[target] = float(value)
    return out


class FakeApp:
    """Routes a request to a service and applies the rate limit, faults and logging."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        latency: Mapping[str, float] | str | float | None = None,
        rate_limit: bool = True,
        faults: float = 0.0,
        fault_kinds: tuple[str, ...] | list[str] | None = None,
        seed: int = 0,
    ) -> None:
        self.catalog = catalog
        self.latency = _normalise_latency(latency)
        self.rate_limit = rate_limit
        self.limiter = SlidingWindowLimiter()
        self.faults = FaultInjector(faults, fault_kinds, seed)
        self.log = RequestLog()
        self.eutils = EutilsService(catalog)
        self.geo = GeoService(catalog)
        self.mirror = MirrorService(catalog)
        self.literature = LiteratureService()

    @staticmethod
    def split(raw_path: str) -> tuple[str, str, str]:
        """``/eutils/esearch.fcgi?x`` → ("eutils", "/esearch.fcgi", "x"); service "" when unknown."""
        path, _, query = raw_path.partition("?")
        for service, prefix in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if path == prefix or path.startswith(prefix + "/"):
                return service, path[len(prefix) :] or "/", query
        return "", path, query

    def latency_for(self, service: str) -> float:
        return self.latency.get(service, 0.0)

    def handle(self, req: Request) -> Response:
        """Answer one request (thread-safe)."""
        mono, wall = RequestLog.now()
        api_key = req.params.get("api_key") or None
        if req.service == "eutils" and self.rate_limit:
            allowed, count, limit = self.limiter.check(req.client, api_key, mono)
            if allowed:
                resp = self._dispatch(req)
            else:
                body = {
                    "error": "API rate limit exceeded",
                    "api-key": req.client,
                    "count": str(count),
                    "limit": str(limit),
                }
                resp = Response(
                    429, json.dumps(body).encode(), {"Content-Type": "application/json"}, endpoint="ratelimit"
                )
                resp.headers["Retry-After"] = "1"
            resp.headers["X-RateLimit-Limit"] = str(limit)
            resp.headers["X-RateLimit-Remaining"] = str(max(0, limit - count))
        else:
            resp = self._dispatch(req)
        status = 0 if resp.transport == "reset" else resp.status
        self.log.add(
            LogEntry(
                mono,
                wall,
                req.service or "unknown",
                resp.endpoint or "other",
                req.method,
                req.target,
                status,
                resp.fault,
                api_key is not None,
                req.client,
                resp.replica_of,
            )
        )
        return resp

    def _dispatch(self, req: Request) -> Response:
        if req.service == "eutils":
            resp = self.eutils.handle(req)
        elif req.service == "geo":
            resp = self.geo.handle(req)
        elif req.service == "ftp":
            resp = self.mirror.handle(req)
        elif req.service:
            resp = self.literature.handle(req)
        else:
            return text_response("Not Found\n", 404, endpoint="unknown")
        kind = self.faults.decide(req, resp)
        return self.faults.apply(kind, req, resp) if kind else resp
