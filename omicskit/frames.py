"""DataFrame assembly: records in, typed frames out.

The contract (DESIGN.md): accession first, snake_case names, ``pd.NA`` for
missing values, nullable integer dtypes, datetime64 dates and Python lists in
list-valued cells; ``df.attrs`` carries provenance.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = [
    "ERROR_COLUMNS",
    "SERIES_COLUMNS",
    "SERIES_DTYPES",
    "errors_frame",
    "records_frame",
    "series_frame",
]

SERIES_DTYPES: dict[str, str] = {
    "accession": "string",
    "title": "string",
    "summary": "string",
    "organism": "string",
    "series_type": "string",
    "platforms": "object",
    "n_samples": "Int64",
    "published": "datetime64[ns]",
    "pubmed_ids": "object",
    "bioproject": "string",
    "sra": "string",
    "supplementary_types": "object",
    "samples": "object",
    "relations": "object",
    "ftp_url": "string",
    "uid": "Int64",
    "entry_type": "string",
}
SERIES_COLUMNS = list(SERIES_DTYPES)
ERROR_COLUMNS = ["accession", "stage", "status", "message", "retryable"]
_LIST = "object"


def _column(values: list[Any], dtype: str) -> Any:
    if dtype == _LIST:
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):  # element-wise: equal-length lists must not broadcast
            out[i] = v if isinstance(v, list) else []
        return out
    if dtype.startswith("datetime64"):
        try:  # numpy parses ISO dates ~6x faster than pd.to_datetime
            return np.array([v or "NaT" for v in values], dtype="datetime64[D]").astype(dtype)
        except ValueError:
            parsed = pd.to_datetime(pd.Series(values, dtype="string"), errors="coerce")
            return parsed.to_numpy(dtype=cast(Any, dtype))
    return pd.array(values, dtype=cast(Any, dtype))


def records_frame(
    records: Sequence[Mapping[str, Any]],
    dtypes: Mapping[str, str],
    *,
    extra: bool = False,
) -> pd.DataFrame:
    """Columns of *dtypes* from *records* (missing keys → NA / empty list).

    With ``extra=True`` keys not in *dtypes* are appended as string columns
    in first-seen order (used for characteristic columns).
    """
    columns: dict[str, Any] = {}
    for name, dtype in dtypes.items():
        columns[name] = _column([r.get(name) for r in records], dtype)
    if extra:
        seen: dict[str, None] = {}
        for r in records:
            for key in r:
                if key not in dtypes:
                    seen.setdefault(key, None)
        for key in seen:
            columns[key] = pd.array([r.get(key) for r in records], dtype="string")
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))


def series_frame(records: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The series DataFrame of the contract."""
    df = records_frame(records, SERIES_DTYPES)
    df.attrs.update(attrs or {})
    df.attrs.setdefault("retrieved_at", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    return df


def errors_frame(rows: Sequence[Any]) -> pd.DataFrame:
    """``Session.errors``: one row per failed item."""
    return pd.DataFrame(
        {
            "accession": pd.array([r.accession for r in rows], dtype="string"),
            "stage": pd.array([r.stage for r in rows], dtype="string"),
            "status": pd.array([r.status for r in rows], dtype="Int64"),
            "message": pd.array([r.message for r in rows], dtype="string"),
            "retryable": pd.array([r.retryable for r in rows], dtype="boolean"),
        }
    )
