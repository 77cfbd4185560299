"""The omicskit exception tree.

Every error omicskit raises derives from :class:`OmicsKitError`. Transport
errors from httpx are translated into this tree at one boundary
(:mod:`omicskit._transport`), so callers never need to import httpx.

Errors that describe a single failed item in a batch are never raised out of
the batch; they become rows of ``Session.errors`` (see :class:`ErrorRow`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BodyValidationError",
    "CaptchaError",
    "CircuitOpenError",
    "ConfigError",
    "ErrorRow",
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
    "SessionClosedError",
    "TransportError",
    "UnsafePathError",
]


class OmicsKitError(Exception):
    """Root of every error omicskit raises."""

    #: Whether trying the same thing again later may succeed.
    retryable: bool = False
    #: HTTP status when one is known, else ``None``.
    status: int | None = None


class ConfigError(OmicsKitError, ValueError):
    """Invalid configuration (bad URL, unknown cache backend, ...)."""


class InvalidAccessionError(OmicsKitError, ValueError):
    """A value that is not a GEO accession or a GDS UID."""

    def __init__(
        self, value: object, accepted: str = "GSE/GSM/GPL/GDS accession (e.g. GSE100750) or a db=gds UID"
    ) -> None:
        self.value = value
        super().__init__(f"invalid accession {value!r}; accepted forms: {accepted}")


class InvalidQueryError(OmicsKitError, ValueError):
    """A search that cannot be sent (empty, bad filter, bad limit)."""


class SessionClosedError(OmicsKitError, RuntimeError):
    """Work was asked of a session after ``close()``."""


class OfflineError(OmicsKitError):
    """Offline mode and the item is neither cached nor in the snapshot."""


class UnsafePathError(OmicsKitError, ValueError):
    """A file name that would leave the destination directory."""


class TransportError(OmicsKitError):
    """Network-level failure: timeout, reset, DNS, TLS."""

    retryable = True


class CircuitOpenError(TransportError):
    """The host failed too often recently; requests are paused."""


class RemoteError(OmicsKitError):
    """The remote service answered, but not with what was asked for."""

    #: Seconds the server asked us to wait (``Retry-After``), when it said so.
    retry_after: float | None = None

    def __init__(
        self, message: str, *, status: int | None = None, url: str | None = None, retryable: bool | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        if retryable is not None:
            self.retryable = retryable


class HTTPStatusError(RemoteError):
    """A non-success HTTP status that is not covered by a subclass."""


class NotFoundError(RemoteError):
    """The record or file does not exist (404, unknown UID, empty answer)."""


class RateLimitError(RemoteError):
    """HTTP 429 or NCBI's "API rate limit exceeded" body."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class BodyValidationError(RemoteError):
    """The body is not what was asked for: error-in-200 JSON, HTML instead
    of SOFT/JSON, a truncated or corrupt payload."""

    retryable = True


class CaptchaError(BodyValidationError):
    """A challenge page where data was expected ("not retrievable by script")."""

    retryable = False


class NotRetrievableError(RemoteError):
    """Every source was tried; the item cannot be fetched by a script.
    ``url`` holds the landing page a person can open."""


class ParseError(OmicsKitError, ValueError):
    """A payload that claims the right type but cannot be parsed."""


@dataclass(frozen=True)
class ErrorRow:
    """One per-item failure, as stored in ``Session.errors``."""

    accession: str
    stage: str
    status: int | None
    message: str
    retryable: bool

    @classmethod
    def from_exception(cls, accession: str, stage: str, exc: BaseException) -> ErrorRow:
        status = getattr(exc, "status", None)
        retryable = bool(getattr(exc, "retryable", False))
        message = str(exc) or type(exc).__name__
        return cls(accession, stage, status, f"{type(exc).__name__}: {message}", retryable)
