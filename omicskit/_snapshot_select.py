"""Which journalled cache records belong to some accessions or DataFrames.

Records are linked through the identifiers they hold. Starting from the
*roots* (the accessions given, or a frame's ``accession``/``series`` columns)
every journalled key whose identifier is a root is taken —
``docsum:GSE19161``, ``soft-gsm:GSE19161``, ``files:GSE19161``,
``matrix:GSE19161/``, ``matrix:GSE19161_series_matrix.txt.gz``,
``elink:GSE19161`` — then the identifiers found *inside* those records
(sample and platform accessions, PMIDs, DOIs, PMCIDs) select further records
(``soft-gsm:GSM475065``, ``platform:GPL9717``, ``pubmed:21479231``,
``europepmc:MED:21479231``, ``unpaywall:10.1016/...``) until nothing new is
found. Series accessions found inside records (SuperSeries/SubSeries
relations) are *not* followed, so a snapshot holds the series asked for and
not every related one that happened to be fetched.

Search results (kind ``search``, keyed by a hash of term and limit) are
linked through the search frames given: a cached search whose UIDs are the
frame's UIDs in the same order is taken, and its limit is recovered from the
key so the manifest can say how to repeat the query.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .cache.base import KEY_PREFIX
from .cache.codec import decode_record
from .errors import ParseError

__all__ = ["describe_searches", "linked_keys", "roots_and_searches"]

_ACC_RE = re.compile(r"\b(?:GSE|GSM|GPL|GDS)\d+\b", re.IGNORECASE)
_DOI_RE = re.compile(r"\b10\.\d{4,9}/[^\s\"'<>]+", re.IGNORECASE)
_PMC_RE = re.compile(r"\bPMC\d+\b", re.IGNORECASE)
_NUM_RE = re.compile(r"^\d{4,10}$")
_LEAD_ACC_RE = re.compile(r"^((?:gse|gsm|gpl|gds)\d+)(?=[/_.\-]|$)")
_MAX_ROUNDS = 8
_COMMON_LIMITS = (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


def split_key(key: str) -> tuple[str, str]:
    """``(kind, ident)`` of an omicskit cache key."""
    rest = key[len(KEY_PREFIX) :] if key.startswith(KEY_PREFIX) else key
    kind, _, ident = rest.partition(":")
    return kind, ident


def _key_tokens(ident: str) -> set[str]:
    low = ident.strip().lower()
    out = {low, low.rstrip("/")}
    if ":" in low:  # MED:123, DOI:10.1/x, ...
        out.add(low.split(":", 1)[1])
    lead = _LEAD_ACC_RE.match(low)
    if lead:
        out.add(lead.group(1))
    return out


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > 12:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v, depth + 1)


def value_tokens(value: Any) -> set[str]:
    """Identifiers (lower case) mentioned in a decoded record."""
    if isinstance(value, bytes):
        text = value[:20_000_000].decode("latin-1")
        return {m.lower() for m in _ACC_RE.findall(text)}
    out: set[str] = set()
    for s in _strings(value):
        s = s.strip()
        if len(s) > 5000:
            s = s[:5000]
        if _NUM_RE.match(s):
            out.add(s)
            continue
        out.update(m.lower() for m in _ACC_RE.findall(s))
        out.update(m.lower().rstrip(".,;)") for m in _DOI_RE.findall(s))
        out.update(m.lower() for m in _PMC_RE.findall(s))
    return out


def linked_keys(blobs: Mapping[str, bytes | None], roots: Iterable[str]) -> list[str]:
    """Keys of *blobs* (journal order kept) linked to *roots*; see the module docstring.

    A ``None`` blob (evicted from the journal) is selected by its key alone.
    """
    index: dict[str, list[str]] = {}
    for key in blobs:
        kind, ident = split_key(key)
        if kind == "search":
            continue
        for tok in _key_tokens(ident):
            index.setdefault(tok, []).append(key)
    chosen: set[str] = set()
    seen: set[str] = set()
    frontier = {r.strip().lower() for r in roots if r and str(r).strip()}
    for _ in range(_MAX_ROUNDS):
        if not frontier:
            break
        seen |= frontier
        found: set[str] = set()
        for tok in frontier:
            for key in index.get(tok, ()):
                if key not in chosen:
                    chosen.add(key)
                    found.add(key)
        nxt: set[str] = set()
        for key in found:
            blob = blobs[key]
            if blob is None:
                continue
            try:
                value = decode_record(blob)
            except ParseError:
                continue
            nxt |= {t for t in value_tokens(value) if not t.startswith("gse")}
        frontier = nxt - seen
    return [k for k in blobs if k in chosen]


def _search_key(term: str, limit: int) -> str:
    return hashlib.sha256(f"{term}\x00{limit}".encode()).hexdigest()[:32]


def find_limit(term: str, ident: str, n_uids: int, known: Iterable[int] = ()) -> int | None:
    """The ``limit`` whose search key is *ident* (None when not found)."""
    for limit in (*known, n_uids, *_COMMON_LIMITS, *range(1, 10_001)):
        if _search_key(term, limit) == ident:
            return limit
    return None


def _frame_uids(df: pd.DataFrame) -> list[str]:
    if "uid" not in df.columns:
        return []
    return [str(u) for u in df["uid"].tolist() if not pd.isna(u)]


def describe_searches(
    blobs: Mapping[str, bytes | None], log: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Every journalled search: ``(keys, descriptions)``; terms come from the session's search log."""
    by_key = {_search_key(str(e["term"]), int(e["limit"])): e for e in log}
    keys: list[str] = []
    queries: list[dict[str, Any]] = []
    for key, blob in blobs.items():
        if split_key(key)[0] != "search" or blob is None:
            continue
        rec = decode_record(blob)
        entry = by_key.get(split_key(key)[1], {})
        keys.append(key)
        queries.append(
            {
                "query": entry.get("query"),
                "term": entry.get("term"),
                "query_translation": rec.get("translation"),
                "count": rec.get("count"),
                "limit": entry.get("limit"),
                "uids": [str(u) for u in rec.get("uids", [])],
                "retrieved_at": entry.get("retrieved_at"),
                "search_key": key,
            }
        )
    return keys, queries


def roots_and_searches(
    items: Iterable[Any], blobs: Mapping[str, bytes | None], log: Iterable[Mapping[str, Any]] = ()
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """``(roots, search keys, query descriptions)`` for accessions and frames."""
    log = list(log)
    roots: list[str] = []
    search_keys: list[str] = []
    queries: list[dict[str, Any]] = []
    searches = {k: b for k, b in blobs.items() if split_key(k)[0] == "search" and b is not None}
    for item in items:
        if isinstance(item, str):
            roots.append(item.strip().upper())
            continue
        if not isinstance(item, pd.DataFrame):
            roots.extend(str(x).strip().upper() for x in item)
            continue
        for column in ("accession", "series"):
            if column in item.columns:
                for value in item[column].tolist():
                    values = value if isinstance(value, list) else [value]
                    roots.extend(str(v) for v in values if isinstance(v, str) and v)
        roots.extend(str(a) for a in item.attrs.get("accessions") or [])
        term = item.attrs.get("term")
        if not term:
            continue
        uids = _frame_uids(item)
        for key, blob in searches.items():
            rec = decode_record(blob)  # type: ignore[arg-type]
            got = [str(u) for u in rec.get("uids", [])]
            wanted = set(uids)
            if [u for u in got if u in wanted] != uids or rec.get("count") != item.attrs.get("count"):
                continue
            ident = split_key(key)[1]
            known = [int(e["limit"]) for e in log if e.get("term") == term]
            limit = find_limit(str(term), ident, len(got), known)
            if limit is None or key in search_keys:
                continue
            search_keys.append(key)
            queries.append(
                {
                    "query": item.attrs.get("query"),
                    "term": term,
                    "query_translation": rec.get("translation"),
                    "count": rec.get("count"),
                    "limit": limit,
                    "uids": got,
                    "retrieved_at": item.attrs.get("retrieved_at"),
                    "search_key": key,
                }
            )
    return list(dict.fromkeys(roots)), search_keys, queries
