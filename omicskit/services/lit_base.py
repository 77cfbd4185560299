"""Shared pieces of the literature clients: identifiers, the client base class,
and the concurrent per-item fetch helper.

Identifiers are normalised here once: DOIs lose ``https://doi.org/`` and
``doi:`` prefixes and are compared case-insensitively (cache keys use the
lower-case form); PMIDs are bare digits; PMCIDs are ``PMC`` + digits. Only
strings matching :data:`DOI_RE` are ever sent to a DOI-keyed service.
"""

from __future__ import annotations

import logging
import re

from .._aio import per_item
from .._transport import Transport
from ..cache.fetch import RecordStore
from ..config import Config

__all__ = [
    "DOI_RE",
    "LitClient",
    "arxiv_id_from_doi",
    "chunked",
    "classify_paper_id",
    "is_biorxiv_doi",
    "normalize_doi",
    "per_item",
]

logger = logging.getLogger("omicskit.literature")

#: A syntactically valid DOI: ``10.<registrant>/<suffix>`` without blanks.
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_PMID_RE = re.compile(r"^(?:pmid:\s*)?(\d{1,9})$", re.IGNORECASE)
_PMCID_RE = re.compile(r"^(?:pmcid:\s*)?(PMC\d+)$", re.IGNORECASE)
_ARXIV_RE = re.compile(
    r"^(?:arxiv:\s*)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)$", re.IGNORECASE
)
#: bioRxiv/medRxiv preprint DOIs (``10.1101/2020.03.22.002386`` or ``10.1101/456574``).
#: Cold Spring Harbor journals share the prefix (``10.1101/gr.1910904``) and are excluded.
_BIORXIV_RE = re.compile(r"^10\.1101/(?:\d{4}\.\d{2}\.\d{2}\.)?\d{6,}(?:v\d+)?$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def normalize_doi(value: object) -> str | None:
    """The DOI without resolver prefixes and blanks, or ``None`` when empty."""
    text = _DOI_PREFIX.sub("", str(value or "").strip()).strip()
    return text or None


def is_biorxiv_doi(doi: str) -> bool:
    """True for a bioRxiv/medRxiv preprint DOI (not a CSHL journal DOI)."""
    return bool(_BIORXIV_RE.match(doi))


def arxiv_id_from_doi(doi: str) -> str | None:
    """``10.48550/arXiv.2201.13452`` -> ``2201.13452``."""
    match = _ARXIV_DOI.match(doi)
    return match.group(1) if match else None


def classify_paper_id(value: object) -> dict[str, str]:
    """``{"pmid"|"pmcid"|"arxiv"|"doi": id}`` for a user-given identifier.

    Anything that is not a PMID, PMCID or arXiv id is treated as a DOI (and
    validated later, so a malformed one becomes an error row).
    """
    text = str(value or "").strip()
    if m := _PMID_RE.match(text):
        return {"pmid": m.group(1)}
    if m := _PMCID_RE.match(text):
        return {"pmcid": m.group(1).upper()}
    if m := _ARXIV_RE.match(text):
        return {"arxiv": m.group(1)}
    doi = normalize_doi(text) or text
    arxiv = arxiv_id_from_doi(doi)
    return {"doi": doi, "arxiv": arxiv} if arxiv else {"doi": doi}


def chunked(items: list[str], size: int) -> list[list[str]]:
    """Consecutive slices of at most *size* items."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class LitClient:
    """Base of the literature clients: a service base URL, a limiter group,
    the shared transport and record store.

    Clients own no connection of their own (the session's transport does), so
    :meth:`aclose` releases nothing; it exists so every client can be closed
    the same way.
    """

    #: Limiter group of :class:`~omicskit._transport.Transport` used for requests.
    group = ""
    #: Cache kind (TTL in :data:`omicskit.cache.base.TTL`).
    kind = ""

    def __init__(self, config: Config, transport: Transport, store: RecordStore) -> None:
        self.config = config
        self.transport = transport
        self.store = store
        self.closed = False

    async def aclose(self) -> None:
        """Nothing to release (the transport belongs to the session). Idempotent."""
        self.closed = True

    close = aclose

    def __repr__(self) -> str:
        return f"<{type(self).__name__} group={self.group!r}>"
