"""A small, standalone SOFT header reader for the fake GEO.

It only understands what the fake needs: entity blocks (``^SERIES = ...``),
``!key = value`` attribute lines and data-table boundaries. It keeps every
block's original bytes so the accession viewer can serve them verbatim (CRLF
endings and Latin-1 bytes included). The full SOFT parser of omicskit lives
elsewhere and is deliberately not imported here.

:func:`derive_docsum` turns a real series block (plus its real sample blocks)
into an E-utilities ``db=gds`` DocSum with the exact key set and value types of
a real GSE DocSum. Every record built this way is listed in ``data/derived.tsv``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

__all__ = ["SoftEntity", "derive_docsum", "series_folder", "split_entities", "supp_type"]

#: Key order of a real GSE DocSum (esummary/GSE93374_summary.txt).
DOCSUM_KEYS = (
    "uid",
    "accession",
    "gds",
    "title",
    "summary",
    "gpl",
    "gse",
    "taxon",
    "entrytype",
    "gdstype",
    "ptechtype",
    "valtype",
    "ssinfo",
    "subsetinfo",
    "pdat",
    "suppfile",
    "samples",
    "relations",
    "extrelations",
    "n_samples",
    "seriestitle",
    "platformtitle",
    "platformtaxa",
    "samplestaxa",
    "pubmedids",
    "projects",
    "ftplink",
    "geo2r",
    "bioproject",
)
_HEADER = re.compile(rb"^\^(\w+)\s*=\s*(\S+)")
_COMPRESSED = {"gz", "bz2", "zip", "z", "xz"}


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass
class SoftEntity:
    """One ``^KIND = ACCESSION`` block of a SOFT file."""

    kind: str
    accession: str
    raw: bytes
    attrs: dict[str, list[str]] = field(default_factory=dict)
    has_table: bool = False

    def get(self, key: str) -> list[str]:
        """All values of ``!key`` (e.g. ``"Series_sample_id"``)."""
        return self.attrs.get(key, [])

    def first(self, key: str, default: str = "") -> str:
        values = self.attrs.get(key)
        return values[0] if values else default

    def brief(self) -> bytes:
        """The block without its data table (what ``view=brief`` returns)."""
        if not self.has_table:
            return self.raw
        out: list[bytes] = []
        inside = False
        for line in self.raw.splitlines(keepends=True):
            stripped = line.rstrip(b"\r\n")
            if stripped.endswith(b"_table_begin") and stripped.startswith(b"!"):
                inside = True
                continue
            if inside:
                if stripped.endswith(b"_table_end") and stripped.startswith(b"!"):
                    inside = False
                continue
            out.append(line)
        return b"".join(out)

    def with_accession(self, old: str, new: str) -> SoftEntity:
        """A copy with every occurrence of accession ``old`` replaced by ``new`` (replicas)."""
        pattern = re.compile(rb"(?<![A-Za-z0-9])" + re.escape(old.encode()) + rb"(?![0-9])")
        raw = pattern.sub(new.encode(), self.raw)
        acc = new if self.accession == old else self.accession
        return SoftEntity(self.kind, acc, raw, _parse_attrs(raw), self.has_table)


def _parse_attrs(raw: bytes) -> dict[str, list[str]]:
    attrs: dict[str, list[str]] = {}
    inside = False
    for line in raw.splitlines():
        if inside:
            inside = not (line.startswith(b"!") and line.rstrip().endswith(b"_table_end"))
            continue
        if not line.startswith(b"!"):
            continue
        text = _decode(line[1:]).rstrip("\r")
        if text.endswith("_table_begin"):
            inside = True
            continue
        key, sep, value = text.partition("=")
        if sep:
            attrs.setdefault(key.strip(), []).append(value.strip())
    return attrs


def split_entities(data: bytes) -> list[SoftEntity]:
    """Split SOFT bytes into entity blocks, keeping each block's original bytes."""
    blocks: list[tuple[str, str, list[bytes]]] = []
    for line in data.splitlines(keepends=True):
        match = _HEADER.match(line)
        if match:
            blocks.append((match.group(1).decode().upper(), _decode(match.group(2)), [line]))
        elif blocks:
            blocks[-1][2].append(line)
    entities = []
    for kind, acc, lines in blocks:
        raw = b"".join(lines)
        has_table = b"_table_begin" in raw
        entities.append(SoftEntity(kind, acc, raw, _parse_attrs(raw), has_table))
    return entities


def series_folder(accession: str) -> str:
    """GEO's range folder: ``GSE100750`` → ``GSE100nnn``, ``GSE523`` → ``GSEnnn``."""
    prefix, digits = accession[:3], accession[3:]
    return f"{prefix}{digits[:-3]}nnn" if len(digits) > 3 else f"{prefix}nnn"


def supp_type(name: str) -> str:
    """DocSum ``suppfile`` type of a file name: ``x.bed.gz`` → ``BED``, ``x_RAW.tar`` → ``TAR``."""
    parts = name.rsplit("/", 1)[-1].split(".")
    while len(parts) > 2 and parts[-1].lower() in _COMPRESSED:
        parts.pop()
    return parts[-1].upper() if len(parts) > 1 else ""


def _pdat(series: SoftEntity) -> str:
    for key in ("Series_status", "Series_submission_date"):
        text = series.first(key).replace("Public on ", "")
        try:
            return _dt.datetime.strptime(text, "%b %d %Y").strftime("%Y/%m/%d")
        except ValueError:
            continue
    return ""


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def derive_docsum(
    series: SoftEntity, samples: list[SoftEntity], platforms: list[SoftEntity], sample_titles: dict[str, str]
) -> dict[str, object]:
    """Build a GSE DocSum from a real series block and the real sample/platform blocks we hold."""
    acc = series.accession
    number = acc[3:]
    organisms = _unique([o for s in samples for k in ("Sample_organism_ch1", "Sample_organism_ch2") for o in s.get(k)])
    if not organisms:
        organisms = _unique(series.get("Series_sample_organism") or series.get("Series_platform_organism"))
    if not organisms:
        organisms = _unique([p.first("Platform_organism") for p in platforms])
    gpls = _unique(series.get("Series_platform_id")) or _unique([s.first("Sample_platform_id") for s in samples])
    files = [f for f in series.get("Series_supplementary_file") if f and f.upper() != "NONE"]
    for sample in samples:
        for key, values in sample.attrs.items():
            if key.startswith("Sample_supplementary_file"):
                files.extend(v for v in values if v and v.upper() != "NONE")
    relations: list[dict[str, str]] = []
    extrelations: list[dict[str, str]] = []
    bioproject = ""
    for rel in series.get("Series_relation"):
        kind, _, target = rel.partition(":")
        target = target.strip()
        if kind == "BioProject":
            bioproject = target.rstrip("/").rsplit("/", 1)[-1]
            # Old records link the numeric BioProject id; the DocSum shows the PRJNA accession.
            bioproject = f"PRJNA{bioproject}" if bioproject.isdigit() else bioproject
        elif kind == "SRA":
            srp = target.rsplit("=", 1)[-1]
            link = f"ftp://ftp-trace.ncbi.nlm.nih.gov/sra/sra-instant/reads/ByStudy/sra/{srp[:3]}/{srp[:6]}/{srp}/"
            extrelations.append({"relationtype": "SRA", "targetobject": srp, "targetftplink": link})
        elif re.fullmatch(r"G(SE|SM|PL|DS)\d+", target):
            relations.append({"relationtype": kind.strip(), "targetobject": target})
    types = series.get("Series_type")
    docsum: dict[str, object] = {
        "uid": str(200000000 + int(number)),
        "accession": acc,
        "gds": "",
        "title": series.first("Series_title"),
        "summary": " ".join(series.get("Series_summary")),
        "gpl": ";".join(p[3:] for p in gpls),
        "gse": number,
        "taxon": "; ".join(organisms),
        "entrytype": "GSE",
        "gdstype": "; ".join(types),
        "ptechtype": "",
        "valtype": "",
        "ssinfo": "",
        "subsetinfo": "",
        "pdat": _pdat(series),
        "suppfile": ", ".join(sorted({t for t in (supp_type(f) for f in files) if t})),
        "samples": [{"accession": g, "title": sample_titles.get(g, "")} for g in series.get("Series_sample_id")],
        "relations": relations,
        "extrelations": extrelations,
        "n_samples": len(series.get("Series_sample_id")),
        "seriestitle": "",
        "platformtitle": "",
        "platformtaxa": "",
        "samplestaxa": "",
        "pubmedids": _unique(series.get("Series_pubmed_id")),
        "projects": [],
        "ftplink": f"ftp://ftp.ncbi.nlm.nih.gov/geo/series/{series_folder(acc)}/{acc}/",
        "geo2r": "yes" if "Expression profiling by array" in types else "no",
        "bioproject": bioproject,
    }
    return {key: docsum[key] for key in DOCSUM_KEYS}
