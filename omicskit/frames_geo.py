"""DataFrame builders for GEO content: samples, characteristics, platforms,
datasets and subsets, supplementary files and download results.

Conventions (see :mod:`omicskit.frames`): accession first, snake_case names,
``string`` / ``Int64`` / ``boolean`` / ``datetime64[ns]`` dtypes, ``pd.NA``
for missing values, Python lists in list cells, provenance in ``df.attrs``
(``row_source``: ``"cache"`` or ``"live"`` per row, ``retrieved_at``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from .frames import records_frame

__all__ = [
    "CHARACTERISTICS_COLUMNS",
    "DATASET_DTYPES",
    "DOWNLOAD_COLUMNS",
    "FILE_DTYPES",
    "PLATFORM_DTYPES",
    "SAMPLE_DTYPES",
    "SUBSET_DTYPES",
    "characteristics_frame",
    "datasets_frame",
    "downloads_frame",
    "files_frame",
    "matrix_samples_frame",
    "platforms_frame",
    "samples_frame",
    "subsets_frame",
]

#: The contract columns of the samples frame (characteristic columns follow them).
SAMPLE_DTYPES: dict[str, str] = {
    "accession": "string",
    "series": "object",
    "title": "string",
    "source": "string",
    "organism": "string",
    "molecule": "string",
    "platform": "string",
    "channel_count": "Int64",
    "sra_experiment": "string",
    "biosample": "string",
}
#: Columns after the characteristic columns.
SAMPLE_TAIL_DTYPES: dict[str, str] = {
    "source_ch2": "string",
    "organism_ch2": "string",
    "molecule_ch2": "string",
    "type": "string",
    "submission_date": "datetime64[ns]",
    "last_update_date": "datetime64[ns]",
    "supplementary_files": "object",
}
CHARACTERISTICS_COLUMNS = ["accession", "channel", "key", "value"]
PLATFORM_DTYPES: dict[str, str] = {
    "accession": "string",
    "title": "string",
    "technology": "string",
    "distribution": "string",
    "organism": "string",
    "manufacturer": "string",
    "n_rows": "Int64",
    "columns": "object",
    "series_count": "Int64",
    "sample_count": "Int64",
    "submission_date": "datetime64[ns]",
    "last_update_date": "datetime64[ns]",
}
DATASET_DTYPES: dict[str, str] = {
    "accession": "string",
    "title": "string",
    "description": "string",
    "type": "string",
    "platform": "string",
    "reference_series": "string",
    "sample_organism": "string",
    "sample_type": "string",
    "value_type": "string",
    "channel_count": "Int64",
    "feature_count": "Int64",
    "sample_count": "Int64",
    "pubmed_ids": "object",
    "platform_organism": "string",
    "platform_technology_type": "string",
    "order": "string",
    "update_date": "datetime64[ns]",
}
SUBSET_DTYPES: dict[str, str] = {
    "accession": "string",
    "dataset": "string",
    "type": "string",
    "description": "string",
    "samples": "object",
    "n_samples": "Int64",
}
FILE_DTYPES: dict[str, str] = {
    "accession": "string",
    "level": "string",
    "name": "string",
    "url": "string",
    "size": "Int64",
    "size_exact": "boolean",
    "type": "string",
    "archive": "string",
    "modified": "string",  # converted to datetime64[ns] below (values carry a time of day)
}
DOWNLOAD_COLUMNS = ["accession", "name", "path", "size", "status", "reason"]


def _finish(df: pd.DataFrame, attrs: Mapping[str, Any] | None) -> pd.DataFrame:
    df.attrs.update(attrs or {})
    df.attrs.setdefault("retrieved_at", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    return df


def _wide_characteristics(records: Sequence[Mapping[str, Any]]) -> dict[str, list[str | None]]:
    """``ch1.<key>`` / ``ch2.<key>`` columns; repeated keys joined with ``"; "``."""
    per_row: list[dict[str, str]] = []
    names: dict[str, int] = {}
    for record in records:
        cells: dict[str, str] = {}
        for channel, key, value in record.get("characteristics") or []:
            column = f"ch{int(channel)}.{key}"
            names.setdefault(column, int(channel))
            cells[column] = f"{cells[column]}; {value}" if column in cells else str(value)
        per_row.append(cells)
    ordered = sorted(names, key=lambda c: names[c])  # stable: first-seen order within a channel
    return {column: [cells.get(column) for cells in per_row] for column in ordered}


def samples_frame(records: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per sample: contract columns, ``chN.<key>`` columns, then extras."""
    head = records_frame(records, SAMPLE_DTYPES)
    tail = records_frame(records, SAMPLE_TAIL_DTYPES)
    chars = {name: pd.array(values, dtype="string") for name, values in _wide_characteristics(records).items()}
    columns: dict[str, Any] = {name: head[name] for name in head.columns}
    for name, values in chars.items():
        if name not in columns:
            columns[name] = values
    for name in tail.columns:
        columns.setdefault(name, tail[name])
    df = pd.DataFrame(columns, index=pd.RangeIndex(len(records)))
    return _finish(df, attrs)


def characteristics_frame(
    records: Iterable[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Long form: one row per characteristic value (repeated keys keep every value)."""
    rows = [(r["accession"], int(c), k, v) for r in records for c, k, v in (r.get("characteristics") or [])]
    df = pd.DataFrame(
        {
            "accession": pd.array([r[0] for r in rows], dtype="string"),
            "channel": pd.array([r[1] for r in rows], dtype="Int64"),
            "key": pd.array([r[2] for r in rows], dtype="string"),
            "value": pd.array([r[3] for r in rows], dtype="string"),
        }
    )
    return _finish(df, attrs)


def platforms_frame(records: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per platform (GPL)."""
    return _finish(records_frame(records, PLATFORM_DTYPES), attrs)


def datasets_frame(records: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per GDS dataset."""
    return _finish(records_frame(records, DATASET_DTYPES), attrs)


def subsets_frame(records: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per GDS subset (``GDS507_1`` ...), with its sample list."""
    rows = [{**r, "n_samples": len(r.get("samples") or [])} for r in records]
    return _finish(records_frame(rows, SUBSET_DTYPES), attrs)


def files_frame(records: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Supplementary inventory: ``accession, level, name, url, size, size_exact, type, archive, modified``."""
    df = records_frame(records, FILE_DTYPES)
    df["modified"] = pd.to_datetime(df["modified"].astype("object"), format="ISO8601", errors="coerce").astype(
        "datetime64[ns]"
    )
    return _finish(df, attrs)


def downloads_frame(rows: Sequence[Mapping[str, Any]], *, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Download results: ``accession, name, path, size, status, reason``."""
    df = pd.DataFrame(
        {
            "accession": pd.array([r.get("accession") for r in rows], dtype="string"),
            "name": pd.array([r.get("name") for r in rows], dtype="string"),
            "path": pd.array([r.get("path") for r in rows], dtype="string"),
            "size": pd.array([r.get("size") for r in rows], dtype="Int64"),
            "status": pd.array([r.get("status") for r in rows], dtype="string"),
            "reason": pd.array([r.get("reason") for r in rows], dtype="string"),
        }
    )
    return _finish(df, attrs)


def matrix_samples_frame(samples: pd.DataFrame) -> pd.DataFrame:
    """The series matrix's sample table with ``accession`` first and string dtypes."""
    df = samples.reset_index()
    df = df.loc[:, ~df.columns.duplicated()]
    out = pd.DataFrame({name: pd.array(df[name].tolist(), dtype="string") for name in df.columns})
    if "accession" not in out.columns and "geo_accession" in out.columns:
        out.insert(0, "accession", out["geo_accession"])
    return out
