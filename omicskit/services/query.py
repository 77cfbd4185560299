"""A table-driven builder for Entrez queries on ``db=gds``.

Each filter of :meth:`omicskit.Session.search` maps to one row of
:data:`FIELDS`: the Entrez field tag (names from ``einfo.fcgi?db=gds``) and a
formatter that validates the value before any request is made.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidQueryError

__all__ = ["FIELDS", "ORGANISMS", "SERIES_TYPES", "build_query", "clean_term"]

#: GEO DataSet types (``gdstype``), the vocabulary of the ``[DataSet Type]`` field.
SERIES_TYPES: tuple[str, ...] = (
    "Expression profiling by array",
    "Expression profiling by high throughput sequencing",
    "Expression profiling by genome tiling array",
    "Expression profiling by MPSS",
    "Expression profiling by RT-PCR",
    "Expression profiling by SAGE",
    "Expression profiling by SNP array",
    "Genome binding/occupancy profiling by array",
    "Genome binding/occupancy profiling by genome tiling array",
    "Genome binding/occupancy profiling by high throughput sequencing",
    "Genome binding/occupancy profiling by SNP array",
    "Genome variation profiling by array",
    "Genome variation profiling by genome tiling array",
    "Genome variation profiling by high throughput sequencing",
    "Genome variation profiling by SNP array",
    "Methylation profiling by array",
    "Methylation profiling by genome tiling array",
    "Methylation profiling by high throughput sequencing",
    "Methylation profiling by SNP array",
    "Non-coding RNA profiling by array",
    "Non-coding RNA profiling by genome tiling array",
    "Non-coding RNA profiling by high throughput sequencing",
    "Protein profiling by Mass Spec",
    "Protein profiling by protein array",
    "SNP genotyping by SNP array",
    "Third-party reanalysis",
    "Other",
)

#: Common names → scientific names of organisms frequent in GEO.
ORGANISMS: dict[str, str] = {
    "human": "Homo sapiens",
    "mouse": "Mus musculus",
    "rat": "Rattus norvegicus",
    "zebrafish": "Danio rerio",
    "fruit fly": "Drosophila melanogaster",
    "fly": "Drosophila melanogaster",
    "worm": "Caenorhabditis elegans",
    "yeast": "Saccharomyces cerevisiae",
    "fission yeast": "Schizosaccharomyces pombe",
    "arabidopsis": "Arabidopsis thaliana",
    "thale cress": "Arabidopsis thaliana",
    "chicken": "Gallus gallus",
    "cow": "Bos taurus",
    "pig": "Sus scrofa",
    "dog": "Canis lupus familiaris",
    "macaque": "Macaca mulatta",
    "rhesus macaque": "Macaca mulatta",
    "frog": "Xenopus laevis",
    "e. coli": "Escherichia coli",
    "rice": "Oryza sativa",
    "maize": "Zea mays",
    "sheep": "Ovis aries",
    "horse": "Equus caballus",
}
_SCIENTIFIC = sorted(
    set(ORGANISMS.values())
    | {
        "Mus musculus",
        "Homo sapiens",
        "Pan troglodytes",
        "Bacillus subtilis",
        "Plasmodium falciparum",
        "Mycobacterium tuberculosis",
        "Staphylococcus aureus",
        "Pseudomonas aeruginosa",
        "Candida albicans",
        "Solanum lycopersicum",
        "Glycine max",
        "Triticum aestivum",
        "Vitis vinifera",
        "Populus trichocarpa",
        "Oryctolagus cuniculus",
        "Ciona intestinalis",
        "Xenopus tropicalis",
        "Oncorhynchus mykiss",
        "Salmo salar",
        "Apis mellifera",
        "Anopheles gambiae",
        "Physcomitrium patens",
        "Medicago truncatula",
        "Hordeum vulgare",
    }
)
_BINOMIAL_RE = re.compile(r"[A-Z][a-z]+(?: [a-z][a-z.-]+){1,3}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_term(term: str) -> str:
    """Strip control characters, collapse whitespace and neutralise
    unbalanced double quotes (Entrez rejects them)."""
    text = _CONTROL_RE.sub(" ", term)
    # lone surrogates cannot be sent as UTF-8: replace them rather than fail inside httpx
    text = text.encode("utf-8", "replace").decode("utf-8")
    if text.count('"') % 2:
        text = text.replace('"', " ")
    if not _balanced(text):  # "cancer) OR (tumour" would escape the filters' AND
        text = text.replace("(", " ").replace(")", " ")
    return " ".join(text.split())


def _balanced(text: str) -> bool:
    """True when parentheses (outside double quotes) nest properly."""
    depth, quoted = 0, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _quote(value: str) -> str:
    return '"' + value.replace('"', " ").strip() + '"'


def _organism(value: Any) -> str:
    name = " ".join(str(value).split())
    if not name:
        raise InvalidQueryError("organism must not be empty")
    lowered = name.lower()
    if lowered in ORGANISMS:
        name = ORGANISMS[lowered]
    by_lower = {s.lower(): s for s in _SCIENTIFIC}
    if name.lower() in by_lower:
        return f"{_quote(by_lower[name.lower()])}[ORGN]"
    close = difflib.get_close_matches(name, _SCIENTIFIC + list(ORGANISMS), n=3, cutoff=0.8)
    if close or not _BINOMIAL_RE.fullmatch(name):
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise InvalidQueryError(
            f"unknown organism {value!r}: give a scientific name such as 'Homo sapiens' "
            f"or a common name such as 'mouse'{hint}"
        )
    return f"{_quote(name)}[ORGN]"


def _entry_type(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("gse", "gsm", "gpl", "gds"):
        raise InvalidQueryError(f"entry_type must be one of gse, gsm, gpl, gds; got {value!r}")
    return f"{text}[ETYP]"


def _series_type(value: Any) -> str:
    text = " ".join(str(value).split())
    by_lower = {s.lower(): s for s in SERIES_TYPES}
    if text.lower() not in by_lower:
        close = difflib.get_close_matches(text, SERIES_TYPES, n=2, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise InvalidQueryError(f"unknown series_type {value!r}{hint} (see omicskit.services.query.SERIES_TYPES)")
    return f"{_quote(by_lower[text.lower()])}[DataSet Type]"


def _platform(value: Any) -> str:
    text = str(value).strip().upper()
    if not re.fullmatch(r"GPL[1-9][0-9]{0,8}", text):
        raise InvalidQueryError(f"platform must be a GPL accession such as 'GPL570'; got {value!r}")
    return f"{text}[ACCN]"


def _date(value: Any, *, end: bool) -> str:
    text = str(value).strip().replace("-", "/")
    parts = text.split("/")
    if not (1 <= len(parts) <= 3) or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise InvalidQueryError(f"dates must look like 2020, 2020/06 or 2020/06/30; got {value!r}")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
    day = int(parts[2]) if len(parts) > 2 else (31 if end else 1)
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2999):
        raise InvalidQueryError(f"impossible date {value!r}")
    return f"{year:04d}/{month:02d}/{day:02d}"


def _published(value: Any) -> str:
    if isinstance(value, (str, int)):
        start, end = value, value
    else:
        try:
            start, end = value
        except (TypeError, ValueError):
            raise InvalidQueryError(f"published must be a year or a (start, end) pair; got {value!r}") from None
    lo = _date(start if start is not None else 1900, end=False)
    hi = _date(end if end is not None else 2999, end=True)
    if lo > hi:
        raise InvalidQueryError(f"impossible date range: {lo} is after {hi}")
    return f"{lo}:{hi}[PDAT]"


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidQueryError(f"{name} must be a non-negative integer; got {value!r}")
    return value


@dataclass(frozen=True)
class Field:
    """One filter: its Entrez tag and a formatter that validates the value."""

    tag: str
    format: Callable[[Any], str]


FIELDS: dict[str, Field] = {
    "organism": Field("ORGN", _organism),
    "entry_type": Field("ETYP", _entry_type),
    "series_type": Field("DataSet Type", _series_type),
    "platform": Field("ACCN", _platform),
    "published": Field("PDAT", _published),
}


def build_query(query: str = "", **filters: Any) -> str:
    """Build the Entrez term for :meth:`~omicskit.Session.search`.

    ``min_samples``/``max_samples`` become one ``[Number of Samples]`` range
    and ``has_sra`` the ``"gds sra"[Filter]``. Raises
    :class:`~omicskit.errors.InvalidQueryError` before any request for an
    empty search, unknown spellings or impossible ranges.
    """
    parts: list[str] = []
    raw = clean_term(query or "")
    if raw:
        parts.append(f"({raw})")
    for name in ("organism", "series_type", "platform", "published"):
        value = filters.pop(name, None)
        if value is not None:
            parts.append(FIELDS[name].format(value))
    lo, hi = filters.pop("min_samples", None), filters.pop("max_samples", None)
    if lo is not None or hi is not None:
        lo_n = _count(lo, "min_samples") if lo is not None else 0
        hi_n = _count(hi, "max_samples") if hi is not None else 1_000_000
        if lo_n > hi_n:
            raise InvalidQueryError(f"min_samples ({lo_n}) is larger than max_samples ({hi_n})")
        parts.append(f"{lo_n}:{hi_n}[Number of Samples]")
    has_sra = filters.pop("has_sra", None)
    if has_sra is not None:
        parts.append('"gds sra"[Filter]' if has_sra else 'NOT "gds sra"[Filter]')
    entry_type = filters.pop("entry_type", "gse")
    if filters:
        raise InvalidQueryError(f"unknown search filter(s): {', '.join(sorted(filters))}")
    if not parts:
        raise InvalidQueryError("empty search: give a query or at least one filter (organism, series_type, ...)")
    if entry_type is not None:
        etyp = FIELDS["entry_type"].format(entry_type)
        if parts[0].startswith("NOT"):
            parts.insert(0, etyp)  # a term cannot start with NOT
        else:
            parts.append(etyp)
    elif parts[0].startswith("NOT"):
        raise InvalidQueryError("has_sra=False needs a query or another filter to subtract from")
    term = " AND ".join(parts)
    return term.replace("AND NOT", "NOT")
