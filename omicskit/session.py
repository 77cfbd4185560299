"""The async facade: :class:`AsyncSession`.

Lifecycle (HTTP client, cache, limiters), the ``errors`` table and DataFrame
assembly. GEO content methods come from :class:`~omicskit._geo_methods.GeoMethods`
and literature methods from :class:`~omicskit._lit_methods.LiteratureMethods`;
the synchronous :class:`~omicskit.Session` wraps this class.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from . import frames
from ._geo_methods import GeoMethods
from ._lit_methods import LiteratureMethods
from ._snapshot_methods import SnapshotMethods
from ._transport import Transport
from .accessions import as_accession_list
from .cache.base import CacheBackend
from .cache.fetch import RecordStore
from .config import EUTILS_WINDOW, Config
from .errors import ErrorRow, InvalidQueryError, OfflineError, SessionClosedError
from .limiter import RateLimiter, SpacingLimiter, shared_limiter
from .progress import progress_bar
from .services.eutils import EUtils
from .services.query import build_query

__all__ = ["DEFAULT", "AsyncSession", "InsecureTransportWarning"]

logger = logging.getLogger("omicskit")
DEFAULT: Any = object()
_warned_no_email = False


class InsecureTransportWarning(UserWarning):
    """TLS verification was turned off explicitly."""


def _warn_no_email_once() -> None:
    global _warned_no_email
    if not _warned_no_email:
        _warned_no_email = True
        logger.warning(
            "no email set: NCBI asks every E-utilities client for one "
            "(Session(email=...) or the NCBI_EMAIL environment variable)"
        )


class _SessionCore:
    """Construction, lifecycle and shared helpers of :class:`AsyncSession`."""

    def __init__(
        self,
        email: str | None = None,
        api_key: str | None = None,
        *,
        cache: Any = DEFAULT,
        offline: bool = False,
        progress: bool = True,
        config: Config | None = None,
        limiter: Any = None,
        snapshot: Any = None,
        http_transport: Any = None,
        **config_overrides: Any,
    ) -> None:
        base = config if config is not None else Config.from_env()
        changes = {k: v for k, v in {"email": email, "api_key": api_key, **config_overrides}.items() if v is not None}
        if cache is not DEFAULT and isinstance(cache, str):
            changes["cache"] = cache
        self.config = base.replace(**changes) if changes else base
        if not self.config.email:
            _warn_no_email_once()
        if not self.config.verify:
            warnings.warn(
                "TLS certificate verification is OFF for this session (Config.verify is False)",
                InsecureTransportWarning,
                stacklevel=3,
            )
        self.offline = bool(offline)
        self.progress = bool(progress)
        self._snapshot_spec = snapshot
        self.backend = self._open_cache(cache, snapshot)
        self.limiters = self._make_limiters(limiter)
        self.transport = Transport(self.config, self.limiters, offline=self.offline, http_transport=http_transport)
        self.store = RecordStore(self.backend, offline=self.offline)
        self.eutils = EUtils(self.config, self.transport, self.store)
        self._errors: list[ErrorRow] = []
        self._search_log: list[dict[str, Any]] = []
        self._closed = False
        self.last_call: dict[str, Any] = {}

    # -- construction helpers --------------------------------------------------------
    def _open_cache(self, cache: Any, snapshot: Any) -> CacheBackend:
        from .cache.factory import open_backend

        spec = self.config.cache if (cache is DEFAULT or isinstance(cache, str)) else cache
        backend = open_backend(spec)
        if snapshot is not None:
            from .snapshot import open_snapshot

            backend = open_snapshot(snapshot, backend)
            self.offline = True
        return backend

    def _make_limiters(self, limiter: Any) -> dict[str, RateLimiter]:
        cfg = self.config
        spec = limiter if limiter is not None else cfg.limiter
        if spec is None and isinstance(cfg.cache, str) and cfg.cache.startswith(("redis://", "rediss://")):
            spec = cfg.cache
        eutils: RateLimiter
        if isinstance(spec, str) and spec.startswith(("redis://", "rediss://", "unix://")):
            from .redis_limiter import RedisRateLimiter

            # NCBI's budget is per API key (or per IP without one): one shared bucket per identity
            ident = hashlib.sha256(cfg.api_key.encode()).hexdigest()[:12] if cfg.api_key else "ip"
            eutils = RedisRateLimiter(spec, name=f"eutils:{ident}", rate=cfg.effective_eutils_rate)
        elif spec is not None and not isinstance(spec, str):
            eutils = spec
        elif cfg.eutils_rate is None:  # NCBI's budget in bursts, with a margin for arrival jitter
            per = cfg.eutils_per_window
            eutils = shared_limiter("eutils", per / EUTILS_WINDOW, burst=per, window=EUTILS_WINDOW,
                                    identity=cfg.api_key)  # fmt: skip
        else:
            eutils = shared_limiter("eutils", cfg.eutils_rate, identity=cfg.api_key)
        return {
            "eutils": eutils,
            "idconv": shared_limiter("idconv", 2.8),
            "geo": shared_limiter("geo", cfg.geo_rate, burst=5),
            "ftp": shared_limiter("ftp", 20.0, burst=10),
            "unpaywall": shared_limiter("unpaywall", cfg.literature_rate),
            "europepmc": shared_limiter("europepmc", cfg.literature_rate),
            "crossref": SpacingLimiter(cfg.literature_rate, name="crossref"),
            "arxiv": shared_limiter("arxiv", 1.0 / cfg.arxiv_interval),
            "biorxiv": shared_limiter("biorxiv", cfg.literature_rate),
            "fulltext": shared_limiter("fulltext", cfg.literature_rate),  # publisher/repository hosts
        }

    @property
    def _is_snapshot(self) -> bool:
        from .snapshot import SnapshotBackend

        return isinstance(self.backend, SnapshotBackend)

    # -- lifecycle -------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise SessionClosedError("this session is closed; open a new one")

    async def aclose(self) -> None:
        """Close the HTTP client, the cache and the limiters. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.transport.aclose()
        finally:
            try:
                await self.backend.close()
            finally:
                for limiter in self.limiters.values():
                    if not isinstance(limiter, SpacingLimiter):
                        await limiter.aclose()

    close = aclose

    async def __aenter__(self) -> AsyncSession:
        return self  # type: ignore[return-value]

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- errors ----------------------------------------------------------------------
    @property
    def errors(self) -> pd.DataFrame:
        """Per-item failures of the last call: ``accession, stage, status, message, retryable``."""
        return frames.errors_frame(self._errors)

    def _begin(self, name: str, **info: Any) -> None:
        self._check_open()
        self._errors = []
        self.last_call = {
            "method": name,
            "started": time.time(),
            "requests_before": self.transport.stats["requests"],
            **info,
        }

    def _record_errors(self, stage: str, errors: dict[str, BaseException]) -> None:
        for ident, exc in errors.items():
            self._errors.append(ErrorRow.from_exception(ident, stage, exc))
            logger.debug("%s failed at %s: %s", ident, stage, self.transport.redact(str(exc)))

    def _bar(self, total: int | None, desc: str, unit: str = "item") -> Any:
        return progress_bar(total, desc, enabled=self.progress, unit=unit)


class AsyncSession(GeoMethods, LiteratureMethods, SnapshotMethods, _SessionCore):
    """Asynchronous omicskit session; see :class:`omicskit.Session` for the sync one.

    >>> async with AsyncSession(email="me@lab.org") as s:   # doctest: +SKIP
    ...     hits = await s.search("breast cancer", organism="Homo sapiens")
    """

    async def search(
        self,
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
        limit: int = 100,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Search GEO; one row per matching record (series by default).

        Filters are validated before any request (:class:`InvalidQueryError`).
        ``df.attrs`` holds ``query``, ``term`` (what was sent),
        ``query_translation`` (NCBI's), ``count`` (total matches) and
        ``row_source`` (``"cache"``/``"live"`` per row).
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise InvalidQueryError(f"limit must be a positive integer; got {limit!r}")
        term = build_query(
            query,
            organism=organism,
            entry_type=entry_type,
            series_type=series_type,
            platform=platform,
            published=published,
            min_samples=min_samples,
            max_samples=max_samples,
            has_sra=has_sra,
        )
        self._begin("search", term=term)
        try:
            found = await self.eutils.search(term, limit, refresh=refresh)
        except OfflineError:
            if not self._is_snapshot:
                raise
            # a snapshot answers queries it did not record by a local search over its series
            return await self._local_search(  # type: ignore[attr-defined]
                query, organism=organism, entry_type=entry_type, series_type=series_type, platform=platform,
                published=published, min_samples=min_samples, max_samples=max_samples, has_sra=has_sra,
                limit=limit, refresh=refresh,
            )  # fmt: skip
        with self._bar(len(found.uids), "summaries") as bar:
            accessions, result = await self.eutils.summaries_for_uids(found.uids, refresh=refresh)
            bar.update(len(result.records) + len(result.errors))
        self._record_errors("esummary", result.errors)
        records = result.ordered(accessions)
        df = frames.series_frame(
            records,
            attrs={
                "query": query,
                "term": term,
                "query_translation": found.query_translation,
                "count": found.count,
                "search_from_cache": found.from_cache,
                "row_source": [result.sources.get(r["accession"], "live") for r in records],
            },
        )
        # remembered (bounded) so save_snapshot() can describe the queries behind its records
        self._search_log.append(
            {"query": query, "term": term, "limit": limit, "retrieved_at": df.attrs["retrieved_at"]}
        )
        del self._search_log[:-1000]
        return df

    async def series(self, accessions: str | Iterable[str], *, refresh: bool = False) -> pd.DataFrame:
        """Summaries (DocSums) of GEO accessions as the series DataFrame.

        Invalid accessions raise :class:`~omicskit.errors.InvalidAccessionError`
        before any request; unknown ones become rows of :attr:`errors`.
        """
        accs = as_accession_list(accessions)
        self._begin("series", n=len(accs))
        with self._bar(len(accs), "series") as bar:
            result = await self.eutils.summaries(accs, refresh=refresh)
            bar.update(len(result.records) + len(result.errors))
        self._record_errors("esummary", result.errors)
        records = result.ordered(accs)
        return frames.series_frame(
            records,
            attrs={
                "accessions": accs,
                "row_source": [result.sources.get(r["accession"], "live") for r in records],
            },
        )

    async def cache_stats(self) -> dict[str, Any]:
        """Backend counters plus the store's corrupt-entry count and transport figures."""
        stats = await self.backend.stats()
        stats["corrupt"] = self.store.corrupt
        return stats

    async def cache_clear(self, kind: str | None = None) -> int:
        """Delete cached items (all omicskit items, or one kind such as ``"docsum"``)."""
        from .cache.base import KEY_PREFIX

        self._check_open()
        return await self.backend.clear(KEY_PREFIX + (f"{kind}:" if kind else ""))

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: identity (never the key), cache, limits, counters."""
        from .display import session_html

        return session_html(self)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        who = "email set" if self.config.email else "no email"
        key = "api key set" if self.config.api_key else "no api key"
        return f"<AsyncSession {state}; {who}; {key}; cache={getattr(self.backend, 'name', '?')}>"
