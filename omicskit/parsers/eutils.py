"""E-utilities JSON for ``db=gds``: esearch results and esummary DocSums.

Pure functions. NCBI's quirks handled here: every esearch number is a string;
``n_samples`` is an int for GSE/GPL/GDS but ``""`` for GSM; ``gpl``/``gse``
are bare numbers, ``;``-joined when several (GPL1261 lists thousands);
``pubmedids`` are strings in NCBI's JSON but numbers in older layouts;
``ftplink`` is ``ftp://`` and is rewritten to HTTPS; per-UID ``error``
entries mark unknown UIDs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParseError

__all__ = [
    "DocsumBatch",
    "SearchPage",
    "docsum_to_record",
    "parse_esearch",
    "parse_esummary",
]

_SRA_RE = re.compile(r"\b(SR[APXR]\d+)\b")


@dataclass
class SearchPage:
    """One esearch answer."""

    count: int
    ids: list[str]
    retstart: int = 0
    retmax: int = 0
    query_translation: str | None = None
    webenv: str | None = None
    query_key: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class DocsumBatch:
    """An esummary answer: the DocSums in NCBI's order and the per-UID errors."""

    docsums: list[dict[str, Any]]
    errors: dict[str, str]


def _as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_esearch(data: Any) -> SearchPage:
    """Turn decoded esearch JSON into a :class:`SearchPage`."""
    if not isinstance(data, dict) or not isinstance(data.get("esearchresult"), dict):
        raise ParseError("esearch JSON without an 'esearchresult' object")
    res = data["esearchresult"]
    ids = res.get("idlist") or []
    if not isinstance(ids, list):
        raise ParseError("esearch 'idlist' is not a list")
    warnings: list[str] = []
    for key in ("warninglist", "errorlist"):
        block = res.get(key)
        if isinstance(block, dict):
            for kind, items in block.items():
                if items:
                    warnings.append(f"{kind}: {items}")
    return SearchPage(
        count=_as_int(res.get("count")) or 0,
        ids=[str(i) for i in ids],
        retstart=_as_int(res.get("retstart")) or 0,
        retmax=_as_int(res.get("retmax")) or 0,
        query_translation=res.get("querytranslation") or None,
        webenv=res.get("webenv") or None,
        query_key=str(res["querykey"]) if res.get("querykey") not in (None, "") else None,
        warnings=warnings,
    )


def parse_esummary(data: Any) -> DocsumBatch:
    """Split decoded esummary JSON into DocSums and per-UID errors.

    Accepts NCBI's ``{"result": {"uids": [...], "<uid>": {...}}}`` layout and
    the bare ``{"<uid>": {...}}`` layout some recordings use.
    """
    if not isinstance(data, dict):
        raise ParseError("esummary JSON is not an object")
    result = data.get("result", data)
    if not isinstance(result, dict):
        raise ParseError("esummary 'result' is not an object")
    uids = result.get("uids")
    if uids is None:
        uids = [k for k, v in result.items() if isinstance(v, dict)]
    docsums: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for uid in uids:
        doc = result.get(str(uid))
        if not isinstance(doc, dict):
            errors[str(uid)] = "missing from esummary answer"
        elif doc.get("error"):
            errors[str(uid)] = str(doc["error"])
        elif not doc.get("accession"):
            errors[str(uid)] = "DocSum without accession"
        else:
            docsums.append({"uid": str(uid), **doc})
    return DocsumBatch(docsums, errors)


def _split_numbers(value: Any, prefix: str) -> list[str]:
    if value in (None, ""):
        return []
    return [f"{prefix}{part.strip()}" for part in str(value).split(";") if part.strip()]


def _https(url: Any) -> str | None:
    if not url:
        return None
    text = str(url)
    if text.startswith("ftp://"):
        text = "https://" + text[len("ftp://") :]
    return text


def _relations(doc: dict[str, Any]) -> list[str]:
    out = []
    for rel in doc.get("relations") or []:
        if isinstance(rel, dict):
            kind = rel.get("relationtype") or ""
            target = rel.get("targetobject") or ""
            out.append(f"{kind}: {target}".strip(": "))
        elif rel:
            out.append(str(rel))
    return out


def docsum_to_record(doc: dict[str, Any]) -> dict[str, Any]:
    """Normalise one ``db=gds`` DocSum into omicskit's series record.

    The record holds plain JSON types only (it is what the cache stores);
    :mod:`omicskit.frames` turns records into typed DataFrame columns.
    """
    accession = str(doc.get("accession") or "").strip().upper()
    if not accession:
        raise ParseError("DocSum without accession")
    samples = doc.get("samples") or []
    sra = None
    for rel in doc.get("extrelations") or []:
        if isinstance(rel, dict) and str(rel.get("relationtype", "")).upper() == "SRA":
            sra = str(rel.get("targetobject") or "") or None
            break
    if sra is None:
        match = _SRA_RE.search(" ".join(_relations(doc)))
        sra = match.group(1) if match else None
    suppfile = doc.get("suppfile") or ""
    return {
        "accession": accession,
        "title": doc.get("title") or None,
        "summary": doc.get("summary") or None,
        "organism": doc.get("taxon") or None,
        "series_type": doc.get("gdstype") or None,
        "platforms": _split_numbers(doc.get("gpl"), "GPL"),
        "n_samples": _as_int(doc.get("n_samples")),
        "published": (doc.get("pdat") or "").replace("/", "-") or None,
        "pubmed_ids": [str(p) for p in (doc.get("pubmedids") or []) if str(p).strip()],
        "bioproject": doc.get("bioproject") or None,
        "sra": sra,
        "supplementary_types": [s.strip() for s in str(suppfile).split(",") if s.strip()],
        "samples": [str(s.get("accession")) for s in samples if isinstance(s, dict) and s.get("accession")],
        "relations": _relations(doc),
        "ftp_url": _https(doc.get("ftplink")),
        "uid": _as_int(doc.get("uid")),
        "entry_type": (doc.get("entrytype") or accession[:3]).upper(),
        "series": _split_numbers(doc.get("gse"), "GSE"),
        "datasets": _split_numbers(doc.get("gds"), "GDS"),
        "sample_titles": [str(s.get("title") or "") for s in samples if isinstance(s, dict) and s.get("accession")],
    }
