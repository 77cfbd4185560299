"""The fake's records: real GEO data bundled in ``omicskit/testing/data``.

Series come from two kinds of real sources:

* real E-utilities DocSums (``esummary/*.json``) — served verbatim;
* real SOFT text (accession-viewer pages and family files) — served verbatim
  by the accession viewer and the mirror, with a DocSum *derived* from the
  SOFT when no real DocSum exists (listed in ``data/derived.tsv``).

``replicas=N`` adds N copies of real series under unused accessions
(``GSE9000001``…, uid ``209000001``…) for benchmarks; each remembers its
``replica_of`` source.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import logging
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ._mirror import SupplFile, build_suppl
from ._soft import SoftEntity, derive_docsum, series_folder, split_entities

__all__ = ["REPLICA_BASE", "SERIES_SOURCES", "Catalog", "SeriesRecord", "data_dir"]

log = logging.getLogger(__name__)

#: First accession number used for replicas (GSE9000001 → uid 209000001).
REPLICA_BASE = 9000001

#: Series served from real SOFT: accession → bundled files (series text first, or one family file).
SERIES_SOURCES: dict[str, tuple[str, ...]] = {
    "GSE100750": ("soft/GSE100750_GSE.soft", "soft/GSE100750_GSM.soft"),
    "GSE101426": ("soft/GSE101426_GSE.soft",),
    "GSE146583": ("soft/GSE146583_GSE.soft", "soft/GSE146583_GSM.soft"),
    "GSE146537": ("soft/GSE146537_GSE.soft",),
    "GSE146540": ("soft/GSE146540_GSE.soft",),
    "GSE150868": ("soft/GSE150868_GSE.soft", "soft/GSE150868_GSM.soft"),
    "GSE99709": ("soft/GSE99709_brief",),
    "GSE19161": ("soft/GSE19161_family.soft.gz",),
    "GSE93431": ("soft/GSE93431_family.soft.gz",),
    "GSE94489": ("soft/GSE94489_family.soft.gz",),
    "GSE105845": ("soft/GSE105845_family.soft",),
    "GSE16035": ("soft/gemma/GSE16035.soft.gz",),
    "GSE20219": ("soft/gemma/GSE20219_family.soft.gz",),
    "GSE28383": ("soft/gemma/GSE28383.soft.gz",),
    "GSE30521": ("soft/gemma/GSE30521.soft.gz",),
    "GSE44625": ("soft/gemma/GSE44625.soft.gz",),
    "GSE235534": ("soft/gemma/GSE235534_family.soft.gz",),
    "GSE37646": ("soft/gemma/GSE37646.soft.gz",),
    "GSE5091": ("soft/gemma/GSE5091Short/GSE5091_family.soft.gz",),
    "GSE13": ("soft/gemma/GSE13Short/GSE13_family.soft.gz",),
    "GSE9048": ("soft/gemma/GSE9048_family.soft.gz",),
}
#: Real DocSum files (esummary JSON) — every uid in them is served.
DOCSUM_FILES = (
    "esummary/GSE93374_summary.txt",
    "esummary/D_get_study_geo_mocked_esummary_gse.json",
    "esummary/D_get_study_geo_mocked_esummary_gsm.json",
    "esummary/D_get_study_geo_mocked_esummary_gpl.json",
    "esummary/adgencov_esummary_gds.json",
    "esummary/esummary.gds.json",
)
MATRIX_FILES = {
    "GSE19161": ("matrix/GSE19161_series_matrix.txt.gz",),
    "GSE99709": ("matrix/GSE99709_series_matrix.txt.gz",),
}
FILELISTS = {"GSE101426": "soft/GSE101426_file_list.txt"}


def data_dir() -> Path:
    """Directory of the bundled real records."""
    return Path(str(resources.files("omicskit.testing").joinpath("data")))


def _read(rel: str) -> bytes:
    data = (data_dir() / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


@dataclass
class SeriesRecord:
    """Everything the fake serves about one GSE."""

    accession: str
    docsum: dict[str, object]
    #: "real" (bundled esummary JSON) or "derived" (built from SOFT, see derived.tsv).
    docsum_origin: str
    series: SoftEntity | None = None
    samples: list[SoftEntity] = field(default_factory=list)
    platforms: list[SoftEntity] = field(default_factory=list)
    #: Bundled family file (already a real family SOFT), else None → built from the blocks.
    family_file: str | None = None
    matrix: dict[str, str] = field(default_factory=dict)
    filelist: str | None = None
    replica_of: str | None = None

    @property
    def uid(self) -> str:
        return str(self.docsum["uid"])

    @property
    def folder(self) -> str:
        return f"series/{series_folder(self.accession)}/{self.accession}"


class Catalog:
    """Indexes of DocSums, SOFT entities and mirror files; immutable after construction."""

    def __init__(
        self, series: dict[str, SeriesRecord], docsums: dict[str, dict[str, object]], entities: dict[str, SoftEntity]
    ) -> None:
        self.series = series
        self.docsums = docsums
        self.entities = entities
        self._lock = threading.Lock()
        self._family_cache: dict[str, bytes] = {}
        self._suppl_cache: dict[str, list[SupplFile]] = {}
        self.by_accession = {str(d["accession"]): uid for uid, d in docsums.items()}

    # -- construction -------------------------------------------------------
    @classmethod
    @functools.cache
    def base(cls) -> Catalog:
        """The catalog of bundled real records (loaded once per process)."""
        entities: dict[str, SoftEntity] = {}
        series_blocks: dict[str, SoftEntity] = {}
        for acc, files in SERIES_SOURCES.items():
            for rel in files:
                for ent in split_entities(_read(rel)):
                    if ent.kind == "SERIES":
                        series_blocks[ent.accession] = ent
                    elif ent.kind in ("SAMPLE", "PLATFORM"):
                        entities.setdefault(ent.accession, ent)
            if acc not in series_blocks:
                raise ValueError(f"{files} holds no ^SERIES = {acc}")
        titles = {a: e.first("Sample_title") for a, e in entities.items() if e.kind == "SAMPLE"}
        docsums: dict[str, dict[str, object]] = {}
        for rel in DOCSUM_FILES:
            result = json.loads((data_dir() / rel).read_text("utf-8"))["result"]
            for uid in result["uids"]:
                doc = result[uid]
                # esummary.gds.json (XSLT prototype layout) has integer PubMed IDs; NCBI sends strings.
                doc["pubmedids"] = [str(p) for p in doc.get("pubmedids", [])]
                doc.setdefault("bioproject", "")
                docsums[uid] = doc
        series: dict[str, SeriesRecord] = {}
        for acc, files in SERIES_SOURCES.items():
            block = series_blocks[acc]
            entities[acc] = block
            samples = [entities[g] for g in block.get("Series_sample_id") if g in entities]
            platforms = [entities[p] for p in block.get("Series_platform_id") if p in entities]
            uid = str(200000000 + int(acc[3:]))
            family = files[0] if len(files) == 1 and _is_family(files[0]) else None
            if uid in docsums:
                doc, origin = docsums[uid], "real"
            else:
                doc, origin = derive_docsum(block, samples, platforms, titles), "derived"
                docsums[uid] = doc
            series[acc] = SeriesRecord(
                acc,
                doc,
                origin,
                block,
                samples,
                platforms,
                family,
                {_matrix_name(r): r for r in MATRIX_FILES.get(acc, ())},
                FILELISTS.get(acc),
            )
        for doc in docsums.values():
            acc = str(doc["accession"])
            if doc.get("entrytype") == "GSE" and acc not in series:
                series[acc] = SeriesRecord(acc, doc, "real")
        log.debug("fake catalog: %d series, %d docsums, %d entities", len(series), len(docsums), len(entities))
        return cls(series, docsums, entities)

    def with_replicas(self, n: int) -> Catalog:
        """A catalog with ``n`` replica series added (sources cycle over the SOFT-backed series)."""
        if n <= 0:
            return self
        sources = [self.series[a] for a in SERIES_SOURCES]
        series = dict(self.series)
        docsums = dict(self.docsums)
        entities = dict(self.entities)
        for i in range(n):
            src = sources[i % len(sources)]
            assert src.series is not None
            acc = f"GSE{REPLICA_BASE + i}"
            doc = copy.deepcopy(src.docsum)
            doc.update(
                uid=str(200000000 + REPLICA_BASE + i),
                accession=acc,
                gse=str(REPLICA_BASE + i),
                ftplink=f"ftp://ftp.ncbi.nlm.nih.gov/geo/series/{series_folder(acc)}/{acc}/",
            )
            block = src.series.with_accession(src.accession, acc)
            samples = [s.with_accession(src.accession, acc) for s in src.samples]
            rec = SeriesRecord(
                acc,
                doc,
                src.docsum_origin,
                block,
                samples,
                src.platforms,
                None,
                {n.replace(src.accession, acc): r for n, r in src.matrix.items()},
                src.filelist,
                replica_of=src.accession,
            )
            series[acc] = rec
            docsums[rec.uid] = doc
            entities[acc] = block
        return Catalog(series, docsums, entities)

    # -- queries ------------------------------------------------------------
    def record(self, accession: str) -> SeriesRecord | None:
        return self.series.get(accession.upper())

    def replicas(self) -> dict[str, str]:
        """Replica accession → the real series it copies."""
        return {a: r.replica_of for a, r in self.series.items() if r.replica_of}

    def soft_series(self) -> list[str]:
        """Accessions the accession viewer can answer (real SOFT held)."""
        return [a for a, r in self.series.items() if r.series is not None]

    def family_soft(self, rec: SeriesRecord) -> bytes:
        """Uncompressed family SOFT: the real family file, or series+platform+sample blocks joined."""
        with self._lock:
            cached = self._family_cache.get(rec.accession)
        if cached is not None:
            return cached
        if rec.family_file:
            data = _read(rec.family_file)
        else:
            assert rec.series is not None
            data = b"".join(e.raw for e in [rec.series, *rec.platforms, *rec.samples])
        with self._lock:
            self._family_cache[rec.accession] = data
        return data

    def matrix_bytes(self, rec: SeriesRecord, name: str) -> bytes | None:
        """Gzipped series-matrix bytes (replicas: accession rewritten inside)."""
        rel = rec.matrix.get(name)
        if rel is None:
            return None
        raw = (data_dir() / rel).read_bytes()
        if rec.replica_of:
            text = gzip.decompress(raw).replace(rec.replica_of.encode(), rec.accession.encode())
            raw = gzip.compress(text, mtime=0)
        return raw

    def suppl(self, rec: SeriesRecord) -> list[SupplFile]:
        """Series-level supplementary files (names real, bodies synthetic)."""
        with self._lock:
            if rec.accession not in self._suppl_cache:
                filelist = (data_dir() / rec.filelist).read_bytes() if rec.filelist else None
                names = rec.series.get("Series_supplementary_file") if rec.series else []
                if rec.replica_of:
                    names = [n.replace(rec.replica_of, rec.accession) for n in names]
                self._suppl_cache[rec.accession] = build_suppl(names, filelist, _release_date(rec))
            return self._suppl_cache[rec.accession]

    def sample_suppl(self, gsm: str) -> list[SupplFile] | None:
        ent = self.entities.get(gsm)
        if ent is None or ent.kind != "SAMPLE":
            return None
        names = [v for k, vs in ent.attrs.items() if k.startswith("Sample_supplementary_file") for v in vs]
        return build_suppl(names, None, ent.first("Sample_submission_date"))


def _is_family(rel: str) -> bool:
    head = _read(rel)[:200]
    return head.startswith(b"^DATABASE")


def _matrix_name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1]


def _release_date(rec: SeriesRecord) -> str:
    if rec.series is None:
        return ""
    return rec.series.first("Series_status").replace("Public on ", "") or rec.series.first("Series_submission_date")


@dataclass(frozen=True)
class Pairing:
    """A TEST PAIRING of a GEO series with bundled literature records.

    The bundled literature recordings are real, but they are *not* the papers
    of the bundled GEO series (no such recordings exist in the fixtures). To
    let integration tests walk series → PubMed → DOI → PMC/OA link, each
    series below is paired with real records of each kind. ``elink`` gds→pubmed
    answers with ``pmids`` for a paired series (its DocSum keeps its own real
    ``pubmedids``); the other fields say which recorded DOI/ids to ask for.
    """

    pmids: tuple[str, ...]
    unpaywall_doi: str | None = None
    crossref_doi: str | None = None
    arxiv_id: str | None = None
    biorxiv_doi: str | None = None
    europepmc_query: str | None = None


#: series accession → test pairing (every id below has a bundled real record).
LITERATURE_PAIRING: dict[str, Pairing] = {
    "GSE100750": Pairing(
        ("28775130",),
        "10.1016/j.envint.2020.105730",
        "10.1371/journal.pone.0033693",
        "2201.13452",
        "10.1101/456574",
        "cancer",
    ),
    "GSE93374": Pairing(("24349601",), "10.1103/physreve.88.012814"),
    "GSE19161": Pairing(("28731372",), "10.1016/j.jns.2020.116832"),
    "GSE146583": Pairing(("30386702",), crossref_doi="10.1371/journal.pone.0033693"),
    "GSE146537": Pairing(("30386702",)),
    "GSE146540": Pairing(("30386702",)),
    "GSE99709": Pairing(("31588070",)),
    "GSE52778": Pairing(("32292800",)),
    "GSE95632": Pairing(("29768149",)),
    "GSE34313": Pairing(("23657305",)),
    "GSE150868": Pairing(("11748933", "11700088")),
    "GSE13": Pairing(("15173114",)),
}
