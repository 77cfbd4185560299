"""DataFrames of the literature methods: publications and full-text results.

Same contract as :mod:`omicskit.frames`: the accession first, snake_case
names, ``pd.NA`` for missing values, nullable dtypes (``year`` is ``Int64``,
``is_oa`` is ``boolean``), provenance in ``df.attrs``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .frames import records_frame

__all__ = [
    "FULLTEXT_COLUMNS",
    "FULLTEXT_DTYPES",
    "PUBLICATION_COLUMNS",
    "PUBLICATION_DTYPES",
    "fulltext_frame",
    "publications_frame",
]

PUBLICATION_DTYPES: dict[str, str] = {
    "accession": "string",
    "pmid": "string",
    "doi": "string",
    "pmcid": "string",
    "title": "string",
    "journal": "string",
    "year": "Int64",
    "is_oa": "boolean",
    "oa_status": "string",
    "best_oa_url": "string",
    "pdf_url": "string",
    "license": "string",
    "version": "string",
    "host_type": "string",
    "source": "string",
}
PUBLICATION_COLUMNS = list(PUBLICATION_DTYPES)

FULLTEXT_DTYPES: dict[str, str] = {
    "doi": "string",
    "pmid": "string",
    "path": "string",
    "kind": "string",
    "size": "Int64",
    "url": "string",
    "status": "string",
}
FULLTEXT_COLUMNS = list(FULLTEXT_DTYPES)


def _stamp(df: pd.DataFrame, attrs: Mapping[str, Any] | None) -> pd.DataFrame:
    df.attrs.update(attrs or {})
    df.attrs.setdefault("retrieved_at", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    return df


def publications_frame(rows: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per (series, paper) with the :data:`PUBLICATION_COLUMNS`."""
    return _stamp(records_frame(rows, PUBLICATION_DTYPES), attrs)


def fulltext_frame(rows: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per paper asked for: ``doi, pmid, path, kind, size, url, status``.

    ``status`` is ``downloaded``, ``exists`` (a valid file was already there),
    ``no_oa`` (no legal open-access copy known), ``not_retrievable`` (a
    challenge/login/HTML page; see ``Session.errors`` for the landing URL)
    or ``error``.
    """
    return _stamp(records_frame(rows, FULLTEXT_DTYPES), attrs)
