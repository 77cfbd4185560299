"""omicskit: NCBI GEO as pandas DataFrames, fast and polite.

>>> import omicskit as ok
>>> with ok.Session(email="me@lab.org") as s:           # doctest: +SKIP
...     hits = s.search("breast cancer", organism="Homo sapiens", limit=50)
...     smp = s.samples(hits.accession[:5])
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .config import Config
from .errors import (
    BodyValidationError,
    CaptchaError,
    CircuitOpenError,
    ConfigError,
    HTTPStatusError,
    InvalidAccessionError,
    InvalidQueryError,
    NotFoundError,
    NotRetrievableError,
    OfflineError,
    OmicsKitError,
    ParseError,
    RateLimitError,
    RemoteError,
    SessionClosedError,
    TransportError,
    UnsafePathError,
)
from .session import AsyncSession
from .sync import Session

__all__ = [
    "AsyncSession",
    "BodyValidationError",
    "CaptchaError",
    "CircuitOpenError",
    "Config",
    "ConfigError",
    "HTTPStatusError",
    "InvalidAccessionError",
    "InvalidQueryError",
    "NotFoundError",
    "NotRetrievableError",
    "OfflineError",
    "OmicsKitError",
    "ParseError",
    "RateLimitError",
    "RemoteError",
    "SearchWidget",
    "Session",
    "SessionClosedError",
    "TransportError",
    "UnsafePathError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "SearchWidget":  # ipywidgets is imported only when the widget is used
        from .widget import SearchWidget

        return SearchWidget
    raise AttributeError(f"module 'omicskit' has no attribute {name!r}")
