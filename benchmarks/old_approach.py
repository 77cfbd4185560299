"""A faithful re-implementation of the prototype's per-series approach (the baseline).

What the prototype did, and what this module does the same way:

* one ESearch (``db=gds``, JSON) for the UIDs of the query; GSE accessions
  from the UIDs by arithmetic (200000000 + n → GSEn);
* for **every** series, download the whole family SOFT
  (``{ftp_url}/series/GSEnnn/GSE…/soft/GSE…_family.soft.gz``) to a local
  directory and parse it completely the way GEOparse's ``get_GEO`` /
  ``parse_GSE`` do: the file is read as text (UTF-8, undecodable bytes
  ignored), split at ``^`` entity lines, and each entity becomes an object
  with a metadata dict of lists, a column-description DataFrame and a
  ``pandas.read_csv`` table of its data rows (one per sample and platform);
* 20 worker threads (``ThreadPoolExecutor(20)``), one plain HTTP download
  per series (``urllib``), no shared rate limiter, no cache between runs;
* the summaries / sample characteristics are then read out of those objects
  into a DataFrame.

It is a re-implementation (GEOparse is not a dependency), written to do the
same work, not to be slow: there is no artificial delay and no retry storm.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "GSE",
    "GSM",
    "GPL",
    "OldApproach",
    "family_url",
    "parse_family",
    "sample_rows",
    "series_summary",
]

WORKERS = 20
_PREFIX = re.compile(r"!\w*?_")
_DATE = re.compile(r"([A-Z][a-z]{2}) (\d{1,2}) (\d{4})")


# -- objects (GEOparse's GSE / GSM / GPL shapes) ---------------------------------------------
@dataclass
class Entity:
    name: str
    metadata: dict[str, list[str]] = field(default_factory=dict)
    columns: pd.DataFrame = field(default_factory=pd.DataFrame)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)


class GSM(Entity):
    """One sample: metadata, column descriptions and its data table."""


class GPL(Entity):
    """One platform: metadata, column descriptions and its annotation table."""


@dataclass
class GSE:
    name: str | None
    metadata: dict[str, list[str]]
    gsms: dict[str, GSM]
    gpls: dict[str, GPL]
    database: dict[str, list[str]] | None = None


# -- parsing ---------------------------------------------------------------------------------
def _entry(line: str) -> tuple[str, str]:
    """``!Sample_title = x`` → ("title", "x"); ``^SAMPLE = GSM1`` → ("SAMPLE", "GSM1")."""
    line = _PREFIX.sub("", line, count=1) if line.startswith("!") else line.strip()[1:]
    key, sep, value = line.partition("=")
    return key.strip(), value.strip() if sep else ""


def parse_metadata(lines: Iterable[str]) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for line in lines:
        line = line.rstrip()
        if line.startswith("!"):
            if "_table_begin" in line or "_table_end" in line:
                continue
            key, value = _entry(line)
            meta.setdefault(key, []).append(value)
    return meta


def parse_columns(lines: Iterable[str]) -> pd.DataFrame:
    names, descriptions = [], []
    for line in lines:
        line = line.rstrip()
        if line.startswith("#"):
            key, value = _entry(line)
            names.append(key)
            descriptions.append(value)
    return pd.DataFrame(descriptions, index=names, columns=["description"])


def parse_table_data(lines: Iterable[str]) -> pd.DataFrame:
    data = "\n".join(line.rstrip() for line in lines if not line.startswith(("^", "!", "#")) and line.rstrip())
    if not data:
        return pd.DataFrame()
    return pd.read_csv(io.StringIO(data), index_col=None, sep="\t")


def _entity(cls: type[Entity], name: str, lines: list[str]) -> Entity:
    has_table = any("_table_begin" in line or not line.startswith(("^", "!", "#")) for line in lines)
    return cls(
        name=name,
        metadata=parse_metadata(lines),
        columns=parse_columns(lines),
        table=parse_table_data(lines) if has_table else pd.DataFrame(),
    )


def _blocks(lines: Iterable[str]) -> Iterator[tuple[str, str, list[str]]]:
    kind = name = ""
    body: list[str] = []
    for line in lines:
        if line.startswith("^"):
            if kind:
                yield kind, name, body
            kind, name = _entry(line)
            body = []
        elif kind:
            body.append(line.rstrip("\r\n"))
    if kind:
        yield kind, name, body


def parse_family(path: str | Path) -> GSE:
    """Parse a family SOFT file (gzipped or not) completely, as GEOparse's ``parse_GSE`` does."""
    path = str(path)
    opener: Any = gzip.open if path.endswith(".gz") else open
    gsms: dict[str, GSM] = {}
    gpls: dict[str, GPL] = {}
    metadata: dict[str, list[str]] = {}
    database = None
    name = None
    with opener(path, "rt", encoding="utf-8", errors="ignore") as fh:
        for kind, entry, body in _blocks(fh):
            if kind == "SERIES":
                if name is not None:
                    raise ValueError("a GSE file holds one series entry")
                name, metadata = entry, parse_metadata(body)
            elif kind == "SAMPLE":
                gsms[entry] = _entity(GSM, entry, body)  # type: ignore[assignment]
            elif kind == "PLATFORM":
                gpls[entry] = _entity(GPL, entry, body)  # type: ignore[assignment]
            elif kind == "DATABASE":
                database = parse_metadata(body)
    return GSE(name=name, metadata=metadata, gsms=gsms, gpls=gpls, database=database)


# -- what the prototype read out of the objects ----------------------------------------------
def _first(meta: dict[str, list[str]], key: str) -> str | None:
    values = meta.get(key)
    return values[0] if values else None


def _published(status: str | None) -> str | None:
    match = _DATE.search(status or "")
    if not match:
        return None
    return pd.Timestamp(f"{match.group(1)} {match.group(2)} {match.group(3)}").strftime("%Y-%m-%d")


def series_summary(gse: GSE) -> dict[str, Any]:
    """The prototype's one-row summary of a series."""
    m = gse.metadata
    organisms = sorted({o for s in gse.gsms.values() for o in s.metadata.get("organism_ch1", [])})
    return {
        "accession": gse.name,
        "title": _first(m, "title"),
        "summary": " ".join(m.get("summary", [])) or None,
        "organism": "; ".join(organisms) or None,
        "series_type": "; ".join(m.get("type", [])) or None,
        "platforms": list(m.get("platform_id", [])),
        "n_samples": len(m.get("sample_id", [])),
        "published": _published(_first(m, "status")),
        "pubmed_ids": list(m.get("pubmed_id", [])),
        "samples": list(m.get("sample_id", [])),
        "relations": list(m.get("relation", [])),
        "supplementary_files": list(m.get("supplementary_file", [])),
    }


def sample_rows(gse: GSE) -> list[dict[str, Any]]:
    """One row per sample with its characteristics as ``chN.<key>`` columns."""
    rows = []
    for acc, gsm in gse.gsms.items():
        m = gsm.metadata
        row: dict[str, Any] = {
            "accession": acc,
            "series": gse.name,
            "title": _first(m, "title"),
            "source": _first(m, "source_name_ch1"),
            "organism": _first(m, "organism_ch1"),
            "molecule": _first(m, "molecule_ch1"),
            "platform": _first(m, "platform_id"),
            "channel_count": _first(m, "channel_count"),
        }
        for key, values in m.items():
            if not key.startswith("characteristics_ch"):
                continue
            channel = key.removeprefix("characteristics_")
            for value in values:
                name, sep, text = value.partition(":")
                column = f"{channel}.{name.strip().lower()}" if sep else f"{channel}.characteristics"
                row[column] = text.strip() if sep else value
        rows.append(row)
    return rows


# -- I/O ------------------------------------------------------------------------------------
def series_folder(accession: str) -> str:
    digits = accession[3:]
    return f"{accession[:3]}{digits[:-3]}nnn" if len(digits) > 3 else f"{accession[:3]}nnn"


def family_url(ftp_url: str, accession: str) -> str:
    return f"{ftp_url}/series/{series_folder(accession)}/{accession}/soft/{accession}_family.soft.gz"


class OldApproach:
    """The prototype: ESearch, then one family SOFT download + full parse per series, 20 threads."""

    def __init__(self, urls: dict[str, str], *, workers: int = WORKERS, email: str = "bench@example.org") -> None:
        self.eutils_url = urls["eutils_url"]
        self.ftp_url = urls["ftp_url"]
        self.workers = workers
        self.email = email
        self.errors: dict[str, str] = {}

    def esearch(self, term: str, retmax: int) -> list[str]:
        query = urllib.parse.urlencode(
            {"db": "gds", "term": term, "retmax": retmax, "retmode": "json", "tool": "prototype", "email": self.email}
        )
        with urllib.request.urlopen(f"{self.eutils_url}/esearch.fcgi?{query}", timeout=60) as resp:
            data = json.loads(resp.read())
        return [f"GSE{int(uid) - 200000000}" for uid in data["esearchresult"]["idlist"]]

    def _download(self, accession: str, destdir: Path) -> Path:
        target = destdir / f"{accession}_family.soft.gz"
        with urllib.request.urlopen(family_url(self.ftp_url, accession), timeout=60) as resp, open(target, "wb") as out:
            shutil.copyfileobj(resp, out, 64 * 1024)
        return target

    def get_geo(self, accession: str, destdir: Path) -> GSE | None:
        """``GEOparse.get_GEO(geo=accession, destdir=destdir)``: download, then parse everything."""
        try:
            return parse_family(self._download(accession, destdir))
        except Exception as exc:  # the prototype logged and went on
            self.errors[accession] = f"{type(exc).__name__}: {exc}"
            return None

    def _all(self, accessions: list[str]) -> list[GSE]:
        self.errors = {}
        with tempfile.TemporaryDirectory(prefix="old-approach-") as tmp, ThreadPoolExecutor(self.workers) as pool:
            found = list(pool.map(lambda acc: self.get_geo(acc, Path(tmp)), accessions))
        return [g for g in found if g is not None]

    def search(self, term: str, limit: int) -> pd.DataFrame:
        """Cold search + summaries: one row per series."""
        return pd.DataFrame([series_summary(g) for g in self._all(self.esearch(term, limit))])

    def samples(self, accessions: list[str]) -> pd.DataFrame:
        """Samples with characteristics of the given series: one row per sample."""
        return pd.DataFrame([row for g in self._all(accessions) for row in sample_rows(g)])
