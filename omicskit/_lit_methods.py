"""Literature methods of :class:`~omicskit.AsyncSession`: publications and
legal open-access full text.

Request cost of :meth:`LiteratureMethods.publications` for *n* series with
*p* distinct papers (*d* of them with a DOI), cold cache: the series
DocSums (⌈n/500⌉ esummary, usually cached by an earlier ``search``), ⌈n/200⌉
ELink, ⌈p/200⌉ efetch, at most ⌈p/200⌉ ID-converter calls, ⌈p/50⌉ Europe
PMC searches, *d* Unpaywall and *d* Crossref requests, plus one arXiv call
per 50 arXiv papers and one or two bioRxiv calls per preprint DOI. Warm
cache: none at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .accessions import as_accession_list
from .errors import ErrorRow, InvalidQueryError
from .frames_lit import fulltext_frame, publications_frame
from .services.fulltext import KINDS, FulltextFetcher
from .services.lit_base import classify_paper_id
from .services.literature import ALL_SOURCES, Literature, PaperError, paper_label

if TYPE_CHECKING:
    from ._transport import Transport
    from .cache.fetch import RecordStore
    from .config import Config
    from .limiter import RateLimiter
    from .services.eutils import EUtils

__all__ = ["LiteratureMethods"]

_LINK_FIELDS = ("pdf_url", "best_oa_url", "pmcid")


def _default_fulltext_dir() -> Path:
    import platformdirs  # lazy: keep ``import omicskit`` cheap

    return Path(platformdirs.user_cache_dir("omicskit", appauthor=False)) / "fulltext"


def _paper_rows(papers: Any) -> list[dict[str, Any]]:
    """Rows from a publications DataFrame, a mapping, ids, or an iterable of those."""
    if isinstance(papers, pd.DataFrame):
        frame = papers.astype(object)
        return [{str(k): v for k, v in row.items() if not _missing(v)} for row in frame.to_dict("records")]
    if isinstance(papers, (str, Mapping)):
        papers = [papers]
    rows: list[dict[str, Any]] = []
    for item in papers:
        if isinstance(item, Mapping):
            rows.append({str(k): v for k, v in item.items() if not _missing(v)})
        elif isinstance(item, (str, int)) and not isinstance(item, bool):
            rows.append(classify_paper_id(item))
        else:
            raise InvalidQueryError(f"papers must be DOIs, PMIDs, PMCIDs, rows or a DataFrame; got {item!r}")
    return rows


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, tuple)) and bool(pd.isna(value)))


class LiteratureMethods:
    """Mixed into :class:`~omicskit.AsyncSession`; relies on its core attributes."""

    if TYPE_CHECKING:
        config: Config
        transport: Transport
        store: RecordStore
        eutils: EUtils
        limiters: dict[str, RateLimiter]
        _errors: list[ErrorRow]
        last_call: dict[str, Any]

        def _begin(self, name: str, **info: Any) -> None: ...

        def _record_errors(self, stage: str, errors: dict[str, BaseException]) -> None: ...

        def _bar(self, total: int | None, desc: str, unit: str = "item") -> Any: ...

    @property
    def literature(self) -> Literature:
        """The literature clients of this session (created on first use)."""
        lit = self.__dict__.get("_literature")
        if lit is None:
            lit = self.__dict__["_literature"] = Literature(
                self.config, self.transport, self.store, self.eutils, self.limiters
            )
        return lit

    def _paper_errors(self, errors: list[PaperError], owners: Mapping[str, list[str]] | None = None) -> None:
        """Error rows for paper failures, one per owning series (or per paper)."""
        for err in errors:
            base = ErrorRow.from_exception(err.paper, err.stage, err.exc)
            for acc in (owners or {}).get(err.paper) or [err.paper]:
                message = base.message if acc == err.paper else f"{err.paper}: {base.message}"
                self._errors.append(ErrorRow(acc, err.stage, base.status, message, base.retryable))

    async def publications(
        self,
        accessions: str | Iterable[str],
        *,
        refresh: bool = False,
        elink: bool = True,
        sources: Iterable[str] = ALL_SOURCES,
    ) -> pd.DataFrame:
        """Papers behind GEO series, with their best legal open-access location.

        One row per (series, paper): ``accession, pmid, doi, pmcid, title,
        journal, year, is_oa, oa_status, best_oa_url, pdf_url, license,
        version, host_type, source`` (``source``: the service that supplied
        the OA answer). PMIDs come from the DocSum and ELink (``elink=False``
        skips it); ``sources`` limits the OA services asked. Failures become
        rows of :attr:`errors` (stages ``esummary``, ``elink``, ``pubmed``,
        ``idconv``, ``doi``, ``unpaywall``, ``europepmc``, ``crossref``,
        ``arxiv``, ``biorxiv``); the batch always completes.
        """
        accs = as_accession_list(accessions)
        self._begin("publications", n=len(accs))
        lit = self.literature
        with self._bar(len(accs), "publications") as bar:
            summaries = await self.eutils.summaries(accs, refresh=refresh)
            self._record_errors("esummary", summaries.errors)
            records = summaries.ordered(accs)
            pmids_by_acc, link_errors = await lit.series_pmids(records, elink=elink, refresh=refresh)
            self._record_errors("elink", link_errors)
            pmids = list(dict.fromkeys(p for acc in pmids_by_acc for p in pmids_by_acc[acc]))
            papers, errors = await lit.lookup([{"pmid": p} for p in pmids], sources=sources, refresh=refresh)
            bar.update(len(accs))
        by_pmid = {row["pmid"]: row for row in papers}
        owners: dict[str, list[str]] = {}
        rows = []
        for acc, acc_pmids in pmids_by_acc.items():
            for pmid in acc_pmids:
                rows.append({"accession": acc, **by_pmid[pmid]})
                owners.setdefault(paper_label({"pmid": pmid}), []).append(acc)
        self._paper_errors(errors, owners)
        return publications_frame(
            rows,
            attrs={
                "accessions": accs,
                "series_without_papers": [acc for acc, found in pmids_by_acc.items() if not found],
                "oa_tier": [row.get("tier") for row in rows],
                "requests": self.transport.stats["requests"] - self.last_call.get("requests_before", 0),
            },
        )

    async def fulltext(
        self,
        papers: Any,
        dest: str | Path | None = None,
        *,
        kind: str = "pdf",
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Download legal open-access full text of *papers* into *dest*.

        *papers* is a :meth:`publications` DataFrame, a row mapping, or DOIs /
        PMIDs / PMCIDs (looked up first). ``kind``: ``"pdf"`` (the OA PDF),
        ``"xml"`` (JATS from Europe PMC for PMC articles) or ``"any"`` (PDF,
        then XML). Default *dest*: the user cache dir ``/fulltext``. Returns
        ``doi, pmid, path, kind, size, url, status``; failures (a challenge
        or login page: "not retrievable by script" with the landing URL) are
        rows of :attr:`errors`.
        """
        if kind not in KINDS:
            raise InvalidQueryError(f"kind must be one of {KINDS}; got {kind!r}")
        rows = _paper_rows(papers)
        target = Path(dest) if dest is not None else _default_fulltext_dir()
        self._begin("fulltext", n=len(rows), kind=kind, dest=str(target))
        # rows of a publications frame carry their OA answer ("is_oa"); bare ids are looked up first
        resolve = [i for i, row in enumerate(rows) if "is_oa" not in row and not any(row.get(f) for f in _LINK_FIELDS)]
        if resolve:
            found, errors = await self.literature.lookup([rows[i] for i in resolve], refresh=refresh)
            self._paper_errors(errors)
            for i, row in zip(resolve, found):
                rows[i] = {**row, **{k: v for k, v in rows[i].items() if v is not None}}
        fetcher = FulltextFetcher(self.config, self.transport)
        with self._bar(len(rows), "full text") as bar:
            results, errors = await fetcher.fetch(rows, target, kind, on_done=lambda: bar.update(1))
        self._paper_errors(errors)
        return fulltext_frame(results, attrs={"dest": str(target), "kind": kind})
