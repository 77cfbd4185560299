"""Where SOFT text comes from: the accession viewer first, the HTTPS mirror second.

The accession viewer (``{geo_url}/query/acc.cgi?...&form=text``) is the
cheapest source: one request per series gives every sample's metadata without
data tables (``targ=gsm&view=brief``). GEO answers scripts with a CAPTCHA or
HTML error page now and then; such an answer is classified here and never
handed to the SOFT parser. For a series the fallback is the mirror's family
SOFT (``{ftp_url}/series/GSEnnn/GSE.../soft/GSE..._family.soft.gz``), fetched
as a gzip that must inflate completely (a truncated stream is retried by the
transport). When both fail the item is :class:`NotRetrievableError`, whose
message says "not retrievable by script" and whose ``url`` is the GEO page a
person can open.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import _validate
from .._transport import Transport
from ..accessions import mirror_folder
from ..config import Config
from ..errors import (
    BodyValidationError,
    NotFoundError,
    NotRetrievableError,
    OmicsKitError,
    RemoteError,
)

__all__ = ["GEO_PAGE", "SoftSource", "geo_page_url"]

logger = logging.getLogger("omicskit.geo")

#: The public landing page of an accession (what a person opens in a browser).
GEO_PAGE = "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc={acc}"
_NOT_FOUND_MARKERS = (b"could not find a public or private accession", b"no items found", b"is currently private")


def geo_page_url(accession: str) -> str:
    """``https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=<accession>``."""
    return GEO_PAGE.format(acc=accession)


def classify_viewer_body(body: bytes, url: str, accession: str) -> OmicsKitError | None:
    """``None`` when *body* is SOFT text, else the error it stands for.

    An HTML "could not find" page is :class:`NotFoundError`; a CAPTCHA is
    :class:`~omicskit.errors.CaptchaError`; any other HTML or non-SOFT text is
    :class:`BodyValidationError`. Pure function.
    """
    head = body[:4096]
    if _validate.is_html(head) or head.lstrip()[:1] == b"<":
        lowered = head.lower()
        if any(marker in lowered for marker in _NOT_FOUND_MARKERS):
            return NotFoundError(f"{accession}: GEO does not know this accession", url=geo_page_url(accession))
        if _validate.is_html(head):
            return _validate.classify_html(body, url)
        return BodyValidationError(f"markup instead of SOFT from {url}", url=url)
    try:
        _validate.require_soft(body, url)
    except BodyValidationError as exc:
        return exc
    return None


class SoftSource:
    """Fetches validated SOFT bytes for accessions (no parsing, no caching)."""

    def __init__(self, config: Config, transport: Transport) -> None:
        self.config = config
        self.transport = transport
        self.geo = config.geo_url.rstrip("/")
        self.ftp = config.ftp_url.rstrip("/")

    # -- URLs ------------------------------------------------------------------------
    def viewer_url(self) -> str:
        return f"{self.geo}/query/acc.cgi"

    def family_url(self, gse: str) -> str:
        """Family SOFT of a series on the HTTPS mirror."""
        return f"{self.ftp}/{mirror_folder(gse)}/soft/{gse}_family.soft.gz"

    def gds_url(self, gds: str) -> str:
        """GDS SOFT on the HTTPS mirror (``datasets/GDSnnn/GDS507/soft/GDS507.soft.gz``)."""
        return f"{self.ftp}/{mirror_folder(gds)}/soft/{gds}.soft.gz"

    # -- sources ---------------------------------------------------------------------
    async def viewer(self, accession: str, *, targ: str = "self", view: str = "brief") -> bytes:
        """SOFT text of *accession* from the accession viewer; raises when not SOFT."""
        params = {"acc": accession, "targ": targ, "form": "text", "view": view}
        response = await self.transport.get(self.viewer_url(), group="geo", params=params, expect="bytes")
        problem = classify_viewer_body(response.content, response.url, accession)
        if problem is not None:
            raise problem
        return response.content

    async def mirror_gzip(self, url: str) -> bytes:
        """A whole, verified gzip file from the mirror (HTML and truncation refused)."""
        response = await self.transport.get(url, group="ftp", expect="gzip")
        _validate.require_soft(response.content, response.url)
        return response.content

    async def series_soft(self, gse: str, *, targ: str = "gsm") -> tuple[bytes, str]:
        """SOFT bytes for series *gse* and which source answered (``"viewer"``/``"family"``).

        Viewer first (``targ`` = ``"gsm"`` for its samples, ``"self"`` for the
        series record); the family SOFT when the viewer does not answer with
        SOFT. Unknown accessions raise :class:`NotFoundError`; when both
        sources fail, :class:`NotRetrievableError` with the GEO page URL.
        """
        try:
            return await self.viewer(gse, targ=targ), "viewer"
        except NotFoundError:
            raise
        except OmicsKitError as exc:
            first: OmicsKitError = exc
            logger.info(
                "accession viewer failed for %s (%s); trying the mirror family SOFT",
                gse,
                self.transport.redact(str(exc)),
            )
        try:
            return await self.mirror_gzip(self.family_url(gse)), "family"
        except OmicsKitError as exc:
            raise not_retrievable(gse, first, exc) from exc

    async def record_soft(self, accession: str, *, view: str = "brief") -> bytes:
        """SOFT of one sample or platform (``targ=self``); no mirror fallback exists."""
        try:
            return await self.viewer(accession, targ="self", view=view)
        except NotFoundError:
            raise
        except OmicsKitError as exc:
            raise not_retrievable(accession, exc, None) from exc


def not_retrievable(accession: str, first: BaseException, second: BaseException | None) -> RemoteError:
    """The error row for an item no source would give: names both causes and the page URL."""
    if isinstance(second, NotFoundError) and isinstance(first, NotFoundError):
        return NotFoundError(
            f"{accession}: not found by the accession viewer nor on the mirror", url=geo_page_url(accession)
        )
    causes = f"viewer: {first}" + (f"; mirror: {second}" if second is not None else "")
    retryable = bool(getattr(second if second is not None else first, "retryable", False))
    err = NotRetrievableError(
        f"{accession}: not retrievable by script ({causes}); open {geo_page_url(accession)}",
        url=geo_page_url(accession),
        retryable=retryable,
    )
    return err


def soft_kind_counts(entities: list[Any]) -> dict[str, int]:
    """How many entities of each kind (for log messages)."""
    counts: dict[str, int] = {}
    for entity in entities:
        counts[entity.kind] = counts.get(entity.kind, 0) + 1
    return counts
