"""Configuration: one frozen dataclass, read from arguments or the environment.

Every remote service is reached only through its base URL so tests, mirrors
and proxies can point it elsewhere (see the table in DESIGN.md).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

__all__ = ["Config", "URL_FIELDS"]

#: (config field, environment variable, default)
URL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("eutils_url", "OMICSKIT_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"),
    ("geo_url", "OMICSKIT_GEO_URL", "https://www.ncbi.nlm.nih.gov/geo"),
    ("ftp_url", "OMICSKIT_FTP_URL", "https://ftp.ncbi.nlm.nih.gov/geo"),
    ("idconv_url", "OMICSKIT_IDCONV_URL", "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0"),
    ("unpaywall_url", "OMICSKIT_UNPAYWALL_URL", "https://api.unpaywall.org/v2"),
    ("europepmc_url", "OMICSKIT_EUROPEPMC_URL", "https://www.ebi.ac.uk/europepmc/webservices/rest"),
    ("crossref_url", "OMICSKIT_CROSSREF_URL", "https://api.crossref.org"),
    ("arxiv_url", "OMICSKIT_ARXIV_URL", "https://export.arxiv.org/api"),
    ("biorxiv_url", "OMICSKIT_BIORXIV_URL", "https://api.biorxiv.org"),
)
_DEFAULTS = {name: default for name, _env, default in URL_FIELDS}
#: Seconds over which NCBI's per-second E-utilities budget is granted (0.25 s margin for jitter).
EUTILS_WINDOW = 1.25


@dataclass(frozen=True)
class Config:
    """Immutable settings of a :class:`~omicskit.Session`.

    Build one with keyword arguments, with :meth:`from_env`, or derive one
    with :meth:`replace`. The API key is never shown in ``repr``.
    """

    email: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    tool: str = "omicskit"
    eutils_url: str = _DEFAULTS["eutils_url"]
    geo_url: str = _DEFAULTS["geo_url"]
    ftp_url: str = _DEFAULTS["ftp_url"]
    idconv_url: str = _DEFAULTS["idconv_url"]
    unpaywall_url: str = _DEFAULTS["unpaywall_url"]
    europepmc_url: str = _DEFAULTS["europepmc_url"]
    crossref_url: str = _DEFAULTS["crossref_url"]
    arxiv_url: str = _DEFAULTS["arxiv_url"]
    biorxiv_url: str = _DEFAULTS["biorxiv_url"]
    #: Cache spec: None → default diskcache dir; path; "redis://..."; "memory"; "none".
    cache: str | None = None
    #: Limiter spec: None → local (or Redis when the cache is Redis); "local"; "redis://...".
    limiter: str | None = None
    #: Requests per second; ``None`` picks NCBI's limit (3, or 10 with a key) minus headroom.
    eutils_rate: float | None = None
    geo_rate: float = 40.0
    literature_rate: float = 5.0
    arxiv_interval: float = 3.0
    max_connections: int = 20
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    breaker_threshold: int = 8
    breaker_reset: float = 30.0
    esummary_chunk: int = 500
    post_threshold: int = 200
    verify: bool = True
    ca_bundle: str | None = None
    max_decompressed_bytes: int = 2 * 1024**3

    def __post_init__(self) -> None:
        for name, _env, _default in URL_FIELDS:
            value = getattr(self, name)
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
            object.__setattr__(self, name, value.rstrip("/"))
        if self.max_connections < 1:
            raise ConfigError("max_connections must be >= 1")
        if not 1 <= self.esummary_chunk <= 500:
            raise ConfigError("esummary_chunk must be between 1 and 500 (NCBI's limit)")
        if self.retries < 0:
            raise ConfigError("retries must be >= 0")

    @property
    def eutils_per_window(self) -> int:
        """NCBI's E-utilities budget per second: 3, or 10 with an API key."""
        return 10 if self.api_key else 3

    @property
    def effective_eutils_rate(self) -> float:
        """Average E-utilities requests per second: NCBI's budget spread over a
        1.25 s window (2.4/s, 8/s with a key) unless ``eutils_rate`` is set."""
        if self.eutils_rate is not None:
            return self.eutils_rate
        return self.eutils_per_window / EUTILS_WINDOW

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Read ``NCBI_EMAIL``, ``NCBI_API_KEY``, ``OMICSKIT_CACHE``,
        ``OMICSKIT_LIMITER`` and the ``OMICSKIT_*_URL`` variables; keyword
        arguments that are not ``None`` win over the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get("NCBI_EMAIL"):
            values["email"] = env["NCBI_EMAIL"]
        if env.get("NCBI_API_KEY"):
            values["api_key"] = env["NCBI_API_KEY"]
        if env.get("OMICSKIT_CACHE"):
            values["cache"] = env["OMICSKIT_CACHE"]
        if env.get("OMICSKIT_LIMITER"):
            values["limiter"] = env["OMICSKIT_LIMITER"]
        if env.get("OMICSKIT_CA_BUNDLE"):
            values["ca_bundle"] = env["OMICSKIT_CA_BUNDLE"]
        for name, var, _default in URL_FIELDS:
            if env.get(var):
                values[name] = env[var]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def identity_params(self) -> dict[str, str]:
        """``tool``, ``email`` and ``api_key`` for every E-utilities call."""
        params = {"tool": self.tool}
        if self.email:
            params["email"] = self.email
        if self.api_key:
            params["api_key"] = self.api_key
        return params

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in logs, reprs, keys or snapshots."""
        return tuple(s for s in (self.api_key, self.email) if s)
