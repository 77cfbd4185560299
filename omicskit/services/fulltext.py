"""Legal open-access full text: fetch a PDF or JATS XML and prove it is one.

For each paper the candidate URLs are, by ``kind``:

* ``"pdf"``: the row's ``pdf_url`` (from the documented OA order), else its
  ``best_oa_url``;
* ``"xml"``: Europe PMC's ``{europepmc_url}/{PMCID}/fullTextXML`` (JATS) for
  papers with a PMCID;
* ``"any"``: the PDF candidates, then the XML one.

Each body is streamed to a hidden temporary file in the destination folder,
checked (``%PDF-`` magic; well-formed, non-HTML XML parsed without entity
expansion) and only then renamed into place. A challenge, login or other
HTML page becomes :class:`~omicskit.errors.NotRetrievableError` ("not
retrievable by script") carrying the landing URL a person can open; so do
HTTP 401/403 answers. No other host than the ones the OA services named is
contacted, TLS verification stays on, and nothing is retried with a
different User-Agent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import _validate
from .._transport import Transport
from ..config import Config
from ..errors import CaptchaError, HTTPStatusError, NotFoundError, NotRetrievableError, OmicsKitError, ParseError
from ..limiter import shared_limiter
from ..parsers._xml import local_name, parse_xml
from .literature import PaperError, paper_label

__all__ = ["KINDS", "FulltextFetcher", "safe_stem"]

logger = logging.getLogger("omicskit.literature")

KINDS = ("pdf", "xml", "any")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LOGIN_MARKERS = (b"sign in", b"log in", b"login", b"institutional access", b"shibboleth", b"access denied")
_HOST_GROUPS = (
    ("europepmc.org", "europepmc"),
    ("ebi.ac.uk", "europepmc"),
    ("arxiv.org", "arxiv"),
    ("biorxiv.org", "biorxiv"),
    ("medrxiv.org", "biorxiv"),
)


def safe_stem(paper: Mapping[str, Any]) -> str:
    """A file-name stem from the DOI, PMCID or PMID (``10.1136_oemed-2017-104431``)."""
    raw = paper.get("doi") or paper.get("pmcid") or (f"PMID{paper['pmid']}" if paper.get("pmid") else "paper")
    return _UNSAFE.sub("_", str(raw)).strip("._") or "paper"


class FulltextFetcher:
    """Downloads open-access full text through the session's transport."""

    def __init__(self, config: Config, transport: Transport, *, concurrency: int = 4) -> None:
        self.config = config
        self.transport = transport
        self._concurrency = max(1, concurrency)
        # publisher hosts share one polite limiter; Session._make_limiters provides it,
        # a bare Transport (tests, scripts) gets the same process-wide one here
        self.transport.limiters.setdefault("fulltext", shared_limiter("fulltext", config.literature_rate))

    def _group(self, url: str) -> str:
        if url.startswith(self.config.europepmc_url):
            return "europepmc"
        host = urlsplit(url).netloc.lower()
        for suffix, group in _HOST_GROUPS:
            if host == suffix or host.endswith("." + suffix):
                return group
        return "fulltext"

    def candidates(self, paper: Mapping[str, Any], kind: str) -> list[tuple[str, str]]:
        """``[(kind, url), ...]`` to try for *paper*, in order."""
        out: list[tuple[str, str]] = []
        if kind in ("pdf", "any"):
            url = paper.get("pdf_url") or paper.get("best_oa_url")
            if url:
                out.append(("pdf", str(url)))
        if kind in ("xml", "any") and paper.get("pmcid"):
            out.append(("xml", f"{self.config.europepmc_url}/{paper['pmcid']}/fullTextXML"))
        return out

    async def fetch(
        self, papers: Sequence[Mapping[str, Any]], dest: Path, kind: str, on_done: Any = None
    ) -> tuple[list[dict[str, Any]], list[PaperError]]:
        """One result row per paper; failures also as :class:`PaperError`."""
        dest.mkdir(parents=True, exist_ok=True)
        gate = asyncio.Semaphore(self._concurrency)
        errors: list[PaperError] = []

        async def one(paper: Mapping[str, Any]) -> dict[str, Any]:
            async with gate:
                row = await self._paper(paper, dest, kind, errors)
            if on_done is not None:
                on_done()
            return row

        rows = await asyncio.gather(*(one(p) for p in papers))
        return list(rows), errors

    async def _paper(self, paper: Mapping[str, Any], dest: Path, kind: str, errors: list[PaperError]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "doi": paper.get("doi"),
            "pmid": paper.get("pmid"),
            "path": None,
            "kind": None,
            "size": None,
            "url": None,
            "status": "no_oa",
        }
        attempts = self.candidates(paper, kind)
        if not attempts:
            errors.append(
                PaperError(paper_label(paper), "fulltext", NotFoundError(f"no legal open-access {kind} copy known"))
            )
            return row
        last: OmicsKitError | None = None
        for what, url in attempts:
            row.update(kind=what, url=url)
            try:
                path, size, fresh = await self._download(paper, url, what, dest)
            except OmicsKitError as exc:
                last = exc
                logger.debug("%s: %s failed: %s", paper_label(paper), url, exc)
                continue
            row.update(path=str(path), size=size, status="downloaded" if fresh else "exists")
            return row
        assert last is not None
        errors.append(PaperError(paper_label(paper), "fulltext", last))
        row["status"] = "not_retrievable" if isinstance(last, NotRetrievableError) else "error"
        return row

    async def _download(self, paper: Mapping[str, Any], url: str, what: str, dest: Path) -> tuple[Path, int, bool]:
        final = dest / f"{safe_stem(paper)}.{what}"
        if final.exists() and final.stat().st_size > 0:
            try:
                self._check(final, what, url, paper)
                return final, final.stat().st_size, False
            except OmicsKitError:
                logger.info("replacing invalid existing file %s", final)
        tmp = dest / f".{final.name}.download"
        try:
            await self.transport.download(url, tmp, group=self._group(url))
        except HTTPStatusError as exc:
            if exc.status in (401, 403):
                raise NotRetrievableError(
                    f"not retrievable by script: HTTP {exc.status} at {url}; open {self._landing(paper, url)} "
                    "in a browser",
                    status=exc.status,
                    url=self._landing(paper, url),
                ) from None
            raise
        try:
            self._check(tmp, what, url, paper)
        except OmicsKitError:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, final)
        return final, final.stat().st_size, True

    @staticmethod
    def _landing(paper: Mapping[str, Any], url: str) -> str:
        best = paper.get("best_oa_url")
        if best and best != url:
            return str(best)
        if paper.get("doi"):
            return f"https://doi.org/{paper['doi']}"
        return url

    def _check(self, path: Path, what: str, url: str, paper: Mapping[str, Any]) -> None:
        """Raise unless *path* holds a PDF (``what="pdf"``) or well-formed XML."""
        with open(path, "rb") as fh:
            head = fh.read(16384)
        if _validate.is_html(head) or b"<html" in head[:1024].lower():
            landing = self._landing(paper, url)
            lowered = head.lower()
            if isinstance(_validate.classify_html(head, url), CaptchaError):
                reason = "challenge page"
            elif any(marker in lowered for marker in _LOGIN_MARKERS):
                reason = "login page"
            else:
                reason = f"HTML page instead of {what.upper()}"
            raise NotRetrievableError(
                f"not retrievable by script: {reason} at {url}; open {landing} in a browser", url=landing
            )
        if what == "pdf":
            if b"%PDF-" not in head[:1024]:
                raise ParseError(f"not a PDF from {url}: starts with {head[:16]!r}")
            return
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise ParseError(f"not XML from {url}: starts with {head[:16]!r}")
        root = parse_xml(path.read_bytes())
        if local_name(root.tag).lower() == "html":
            raise NotRetrievableError(f"not retrievable by script: HTML page at {url}", url=self._landing(paper, url))
