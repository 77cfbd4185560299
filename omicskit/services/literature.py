"""The literature service: from GEO records and paper ids to publication rows.

Pipeline (each step batched, cached per item for 7 days, failures kept as
per-paper errors so the batch always finishes):

1. PMIDs of each series: the DocSum's ``pubmedids`` plus ELink ``gds_pubmed``
   (:class:`~omicskit.services.pubmed_client.PubMedClient`).
2. PubMed efetch for title, journal, year, DOI and PMCID.
3. The PMC ID converter for papers still missing a DOI or PMCID.
4. Concurrently: Unpaywall (per DOI), Europe PMC (PMIDs OR-ed, 50 per
   query), Crossref (per DOI), arXiv (``10.48550/arXiv.*`` DOIs or arXiv ids)
   and bioRxiv/medRxiv (``10.1101/`` preprint DOIs).
5. :func:`~omicskit.parsers.oa_links.best_oa_location` picks one legal
   open-access location, in its documented order: Unpaywall's best
   publisher/repository published-version PDF; PubMed Central via Europe PMC;
   any Unpaywall PDF (published > accepted > submitted); preprint servers;
   landing-page-only open access. No other hosts are ever consulted.

Metadata fills from the first source that has it: PubMed, ID converter,
Europe PMC, Crossref, Unpaywall.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._transport import Transport
from ..cache.fetch import FetchResult, RecordStore
from ..config import Config
from ..errors import InvalidQueryError
from ..limiter import RateLimiter
from ..parsers.oa_links import (
    arxiv_candidates,
    best_oa_location,
    biorxiv_candidates,
    crossref_candidates,
    europepmc_candidates,
    unpaywall_candidates,
)
from .eutils import EUtils
from .lit_base import DOI_RE, arxiv_id_from_doi, is_biorxiv_doi, normalize_doi
from .oa_clients import CrossrefClient, EuropePMCClient, UnpaywallClient, doi_key
from .preprint_clients import ArxivClient, BiorxivClient, bare_arxiv_id
from .pubmed_client import IdConvClient, PubMedClient

__all__ = ["ALL_SOURCES", "Literature", "PaperError", "paper_label"]

logger = logging.getLogger("omicskit.literature")

#: Open-access sources consulted by default (PubMed and the ID converter always run).
ALL_SOURCES = ("unpaywall", "europepmc", "crossref", "arxiv", "biorxiv")
_META = ("pmid", "doi", "pmcid", "title", "journal", "year")
_REPOSITORY_SOURCES = {"europepmc", "arxiv", "biorxiv"}


@dataclass
class PaperError:
    """A failure for one paper at one stage."""

    paper: str
    stage: str
    exc: BaseException


def paper_label(paper: Mapping[str, Any]) -> str:
    """``PMID 123`` / ``doi 10.1/x`` / ``PMC123`` / ``arXiv 2201.1`` for messages."""
    if paper.get("pmid"):
        return f"PMID {paper['pmid']}"
    if paper.get("doi"):
        return f"doi {paper['doi']}"
    if paper.get("pmcid"):
        return str(paper["pmcid"])
    return f"arXiv {paper.get('arxiv')}"


def _fill(paper: dict[str, Any], record: Mapping[str, Any] | None, fields: Iterable[str] = _META) -> None:
    """Copy fields of *record* into *paper* where the paper has none yet."""
    if not record:
        return
    for name in fields:
        if paper.get(name) in (None, "") and record.get(name) not in (None, ""):
            paper[name] = record[name]


class Literature:
    """Literature clients behind one transport and store, and the row assembly."""

    def __init__(
        self,
        config: Config,
        transport: Transport,
        store: RecordStore,
        eutils: EUtils,
        limiters: dict[str, RateLimiter] | None = None,
    ) -> None:
        args = (config, transport, store)
        self.pubmed = PubMedClient(*args, eutils)
        self.idconv = IdConvClient(*args)
        self.unpaywall = UnpaywallClient(*args)
        self.europepmc = EuropePMCClient(*args)
        self.crossref = CrossrefClient(*args, limiters=limiters)
        self.arxiv = ArxivClient(*args)
        self.biorxiv = BiorxivClient(*args)

    @property
    def clients(self) -> tuple[Any, ...]:
        return (self.pubmed, self.idconv, self.unpaywall, self.europepmc, self.crossref, self.arxiv, self.biorxiv)

    async def aclose(self) -> None:
        """Close every client (they own nothing; the session closes the transport)."""
        for client in self.clients:
            await client.aclose()

    close = aclose

    # -- series -> PMIDs ----------------------------------------------------------------
    async def series_pmids(
        self, records: list[Mapping[str, Any]], *, elink: bool = True, refresh: bool = False
    ) -> tuple[dict[str, list[str]], dict[str, BaseException]]:
        """PMIDs per series: DocSum ``pubmed_ids`` first, then ELink additions."""
        out = {r["accession"]: [str(p) for p in r.get("pubmed_ids") or []] for r in records}
        errors: dict[str, BaseException] = {}
        if elink and records:
            linked = await self.pubmed.linked_pmids({r["accession"]: r.get("uid") for r in records}, refresh=refresh)
            errors.update(linked.errors)
            for acc, pmids in linked.records.items():
                out[acc].extend(p for p in map(str, pmids) if p not in out[acc])
        return out, errors

    # -- papers -> rows -----------------------------------------------------------------
    async def lookup(
        self, seeds: list[dict[str, Any]], *, sources: Iterable[str] = ALL_SOURCES, refresh: bool = False
    ) -> tuple[list[dict[str, Any]], list[PaperError]]:
        """One publication row per seed (``pmid``/``doi``/``pmcid``/``arxiv`` keys)."""
        wanted = set(sources)
        unknown = wanted - set(ALL_SOURCES)
        if unknown:
            raise InvalidQueryError(f"unknown literature source(s) {sorted(unknown)}; choose from {ALL_SOURCES}")
        papers = [{name: seed.get(name) for name in (*_META, "arxiv")} for seed in seeds]
        errors: list[PaperError] = []
        await self._pubmed(papers, errors, refresh)
        self._check_dois(papers, errors)
        await self._idconv(papers, errors, refresh)
        self._check_dois(papers, errors)
        answers = await self._oa_answers(papers, wanted, refresh)
        await self._second_pass(papers, answers, wanted, errors, refresh)
        rows = [self._row(paper, answers, errors) for paper in papers]
        return rows, errors

    @staticmethod
    def _check_dois(papers: list[dict[str, Any]], errors: list[PaperError]) -> None:
        """Normalise DOIs; flag malformed ones (never sent anywhere) as ``doi`` errors."""
        for paper in papers:
            if paper.get("_bad_doi"):
                continue
            paper["doi"] = normalize_doi(paper.get("doi"))
            if paper["doi"] and not DOI_RE.match(paper["doi"]):
                message = f"malformed DOI {paper['doi']!r}: expected 10.<registrant>/<suffix>"
                errors.append(PaperError(paper_label(paper), "doi", InvalidQueryError(message)))
                paper["_bad_doi"] = True
            elif paper["doi"] and not paper.get("arxiv"):
                paper["arxiv"] = arxiv_id_from_doi(paper["doi"])

    async def _pubmed(self, papers: list[dict[str, Any]], errors: list[PaperError], refresh: bool) -> None:
        pmids = list(dict.fromkeys(str(p["pmid"]) for p in papers if p.get("pmid")))
        if not pmids:
            return
        result = await self.pubmed.records(pmids, refresh=refresh)
        for paper in papers:
            pmid = paper.get("pmid")
            if pmid and pmid in result.errors:
                errors.append(PaperError(paper_label(paper), "pubmed", result.errors[pmid]))
            _fill(paper, result.records.get(pmid) if pmid else None)

    async def _idconv(self, papers: list[dict[str, Any]], errors: list[PaperError], refresh: bool) -> None:
        ident = {
            id(p): p.get("pmid") or p.get("pmcid") or (None if p.get("_bad_doi") else p.get("doi"))
            for p in papers
            if not (p.get("doi") and p.get("pmcid"))
        }
        ids = [i for i in dict.fromkeys(ident.values()) if i]
        if not ids:
            return
        result = await self.idconv.convert(ids, refresh=refresh)
        for paper in papers:
            key = ident.get(id(paper))
            if not key:
                continue
            if key in result.errors:
                errors.append(PaperError(paper_label(paper), "idconv", result.errors[key]))
            _fill(paper, result.records.get(key), ("pmid", "pmcid", "doi"))

    async def _oa_answers(
        self, papers: list[dict[str, Any]], wanted: set[str], refresh: bool
    ) -> dict[str, FetchResult]:
        dois = [p["doi"] for p in papers if p.get("doi") and not p.get("_bad_doi")]
        jobs: dict[str, Any] = {}
        if "unpaywall" in wanted and dois:
            jobs["unpaywall"] = self.unpaywall.lookup(dois, refresh=refresh)
        if "crossref" in wanted and dois:
            jobs["crossref"] = self.crossref.lookup(dois, refresh=refresh)
        if "europepmc" in wanted:
            pmids = [str(p["pmid"]) for p in papers if p.get("pmid")]
            only_doi = [p["doi"] for p in papers if not p.get("pmid") and p.get("doi") and not p.get("_bad_doi")]
            if pmids or only_doi:
                jobs["europepmc"] = self.europepmc.lookup(pmids, only_doi, refresh=refresh)
        arxiv_ids = [p["arxiv"] for p in papers if p.get("arxiv")]
        if "arxiv" in wanted and arxiv_ids:
            jobs["arxiv"] = self.arxiv.lookup(arxiv_ids, refresh=refresh)
        preprints = [d for d in dois if is_biorxiv_doi(d)]
        if "biorxiv" in wanted and preprints:
            jobs["biorxiv"] = self.biorxiv.lookup(preprints, refresh=refresh)
        results = await asyncio.gather(*jobs.values())
        return dict(zip(jobs, results))

    async def _second_pass(
        self,
        papers: list[dict[str, Any]],
        answers: dict[str, FetchResult],
        wanted: set[str],
        errors: list[PaperError],
        refresh: bool,
    ) -> None:
        """DOIs only Europe PMC knew (PubMed and the ID converter had none): ask the DOI services too."""
        epmc = answers.get("europepmc")
        if epmc is None:
            return
        late = []
        for paper in papers:
            record = epmc.records.get(f"MED:{paper['pmid']}") if paper.get("pmid") and not paper.get("doi") else None
            if record and record.get("doi"):
                paper["doi"] = record["doi"]
                late.append(paper)
        if not late:
            return
        self._check_dois(late, errors)
        extra = await self._oa_answers(late, wanted - {"europepmc"}, refresh)
        for source, result in extra.items():
            if source not in answers:
                answers[source] = result
                continue
            answers[source].records.update(result.records)
            answers[source].errors.update(result.errors)

    @staticmethod
    def _keys(paper: Mapping[str, Any]) -> dict[str, str | None]:
        doi = paper.get("doi") if not paper.get("_bad_doi") else None
        epmc = f"MED:{paper['pmid']}" if paper.get("pmid") else (f"DOI:{doi_key(doi)}" if doi else None)
        arxiv = paper.get("arxiv")
        return {
            "unpaywall": doi_key(doi) if doi else None,
            "crossref": doi_key(doi) if doi else None,
            "europepmc": epmc,
            "arxiv": bare_arxiv_id(arxiv) if arxiv else None,
            "biorxiv": doi.lower() if doi and is_biorxiv_doi(doi) else None,
        }

    def _row(
        self, paper: dict[str, Any], answers: Mapping[str, FetchResult], errors: list[PaperError]
    ) -> dict[str, Any]:
        keys = self._keys(paper)
        got: dict[str, Any] = {}
        for source, result in answers.items():
            key = keys.get(source)
            if key is None:
                continue
            if key in result.errors:
                errors.append(PaperError(paper_label(paper), source, result.errors[key]))
            elif key in result.records:
                got[source] = result.records[key]
        epmc = got.get("europepmc")
        epmc = epmc if isinstance(epmc, dict) and epmc.get("found", True) else None
        upw, crossref = got.get("unpaywall"), got.get("crossref")
        for record in (epmc, crossref, upw):
            _fill(paper, record)
        candidates: list[dict[str, Any]] = []
        if upw:
            candidates += unpaywall_candidates(upw)
        if epmc:
            candidates += europepmc_candidates(epmc)
        candidates += arxiv_candidates(got.get("arxiv") or []) + biorxiv_candidates(got.get("biorxiv") or [])
        if crossref:
            candidates += crossref_candidates(crossref)
        best = best_oa_location(candidates)
        return self._oa_fields(paper, best, got, upw, crossref)

    @staticmethod
    def _oa_fields(
        paper: dict[str, Any],
        best: dict[str, Any] | None,
        got: Mapping[str, Any],
        upw: Mapping[str, Any] | None,
        crossref: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        row = {name: paper.get(name) for name in _META}
        row["pmid"] = str(row["pmid"]) if row["pmid"] else None
        # only Unpaywall and Europe PMC can say "no open-access copy"; Crossref alone cannot
        is_oa = True if best else (False if {"unpaywall", "europepmc"} & set(got) else None)
        upw_status = upw.get("oa_status") if upw else None
        if best is None:
            oa_status = upw_status or ("closed" if is_oa is False else None)
        elif upw_status and upw_status != "closed":
            oa_status = upw_status
        else:  # a free copy Unpaywall did not list: repository copies are "green"
            oa_status = "green" if best["source"] in _REPOSITORY_SOURCES else None
        license_ = (best or {}).get("license")
        if best and not license_ and crossref and "creativecommons.org" in (crossref.get("license") or ""):
            license_ = crossref["license"]
        host = (best or {}).get("host_type")
        if best and best["source"] in _REPOSITORY_SOURCES and host not in ("publisher", "repository"):
            host = "repository"
        source = best["source"] if best else next((s for s in ALL_SOURCES if s in got), None)
        row.update(
            is_oa=is_oa,
            oa_status=oa_status,
            best_oa_url=(best or {}).get("url"),
            pdf_url=(best or {}).get("pdf_url"),
            license=license_,
            version=(best or {}).get("version"),
            host_type=host,
            source=source,
            tier=(best or {}).get("tier"),
        )
        return row
