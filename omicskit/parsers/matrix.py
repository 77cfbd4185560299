"""Streaming parser for GEO series matrix files (``GSE..._series_matrix.txt.gz``).

A series matrix has three parts: ``!Series_*`` lines (one value each), one
``!Sample_*`` line per sample field (one tab-separated, double-quoted value
per sample), and a probe-by-sample table between ``!series_matrix_table_begin``
and ``!series_matrix_table_end``.

:func:`parse_series_matrix` reads the header lines itself, then hands the rest
of the decompressed stream to :func:`pandas.read_csv` (C engine) through a
small file object that stops at the end marker, reading it in row chunks that
are copied into one preallocated ``float64`` array sized from
``!Sample_data_row_count``. The decompressed text is never held in memory as a
whole, and peak memory stays close to the size of the final DataFrame.

A missing end marker (a truncated download), a corrupt or oversized gzip
stream, HTML instead of a matrix, and non-numeric cells in the data table
raise :class:`~omicskit.errors.ParseError`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from omicskit.errors import ParseError
from omicskit.parsers._text import BOM, DEFAULT_MAX_BYTES, ByteSource, decode_line, decoded_chunks
from omicskit.parsers.soft_records import parse_characteristic

__all__ = ["NA_VALUES", "SeriesMatrix", "parse_series_matrix"]

_BEGIN = b"!series_matrix_table_begin"
_END = b"!series_matrix_table_end"
_END_NL = b"\n" + _END
#: Cells read as NaN in the expression table.
NA_VALUES = ["", "null", "NULL", "Null", "NA", "N/A", "n/a", "na", "NaN", "nan", "-nan", "#N/A", "None", "<NA>", "."]
#: Rows per read_csv chunk (about 2 MB of float64 for 61 samples).
_CHUNK_ROWS = 4096
_CHANNEL = re.compile(r"characteristics_ch(\d+)", re.IGNORECASE)


@dataclass
class SeriesMatrix:
    """A parsed series matrix.

    ``series`` maps ``"Series_title"``-style keys to their values; ``samples``
    has one row per GSM (index ``accession``), one column per ``!Sample_*``
    field without the ``Sample_`` prefix (repeated rows joined with ``"; "``)
    and ``chN.<key>`` columns from the characteristics rows; ``expression`` is
    probe (index ``ID_REF``, ``str``) by GSM, ``float64``.
    """

    series: dict[str, list[str]] = field(default_factory=dict)
    samples: pd.DataFrame = field(default_factory=pd.DataFrame)
    expression: pd.DataFrame = field(default_factory=pd.DataFrame)
    platform: str | None = None


def parse_series_matrix(source: ByteSource, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SeriesMatrix:
    """Parse a series matrix from bytes, byte chunks or a binary file (gzipped or not)."""
    reader = _LineReader(decoded_chunks(source, max_bytes=max_bytes))
    series: dict[str, list[str]] = {}
    sample_rows: list[tuple[str, list[str]]] = []
    first = True
    while True:
        raw = reader.readline()
        if raw is None:
            raise ParseError("not a series matrix: no !series_matrix_table_begin line")
        if first and raw.strip():
            first = False
            if raw.lstrip().startswith(b"<"):
                raise ParseError("HTML (or XML) where a series matrix was expected")
        if raw.rstrip() == _BEGIN:
            break
        if raw.startswith(b"!Series_"):
            key, values = _split_row(raw)
            series.setdefault(key, []).extend(values)
        elif raw.startswith(b"!Sample_"):
            sample_rows.append(_split_row(raw))
    samples = _samples_frame(sample_rows)
    expression = _read_table(reader, samples, max_bytes)
    platform = next(iter(series.get("Series_platform_id", [])), None)
    if platform is None and "platform_id" in samples.columns and len(samples):
        platform = samples["platform_id"].iloc[0]
    return SeriesMatrix(series=series, samples=samples, expression=expression, platform=platform)


def _fields(raw: bytes) -> list[str]:
    """Tab-separated, double-quoted fields of one line (csv rules, plain split as fallback)."""
    text = decode_line(raw)
    try:
        return next(csv.reader([text], delimiter="\t", quotechar='"'), [])
    except csv.Error:  # e.g. a field over csv's size limit
        return [field.strip().strip('"') for field in text.split("\t")]


def _split_row(raw: bytes) -> tuple[str, list[str]]:
    """``!Key<TAB>"v1"<TAB>"v2"`` → ``("Key", ["v1", "v2"])`` (quotes removed, values stripped)."""
    fields = _fields(raw)
    if not fields:
        return "", []
    return fields[0].lstrip("!").strip(), [value.strip() for value in fields[1:]]


def _samples_frame(rows: list[tuple[str, list[str]]]) -> pd.DataFrame:
    """One row per sample from the ``!Sample_*`` header rows."""
    accessions = next((values for key, values in rows if key.lower() == "sample_geo_accession"), [])
    n = len(accessions)
    columns: dict[str, list[str | None]] = {}
    for key, values in rows:
        name = key[len("Sample_") :]
        values = (values + [""] * n)[:n]
        channel = _CHANNEL.fullmatch(name)
        for i, value in enumerate(values):
            if channel:
                pair = parse_characteristic(value)
                if pair is None:
                    continue
                column, value = f"ch{channel.group(1)}.{pair[0]}", pair[1]
            elif not value:
                continue
            else:
                column = name
            cells = columns.setdefault(column, [None] * n)
            cells[i] = value if cells[i] is None else f"{cells[i]}; {value}"
        if not channel:
            columns.setdefault(name, [None] * n)
    index = pd.Index(accessions, name="accession", dtype=object)
    return pd.DataFrame(columns, index=index, dtype=object)


def _declared_rows(samples: pd.DataFrame) -> int:
    """Largest ``!Sample_data_row_count`` (0 when absent or unreadable)."""
    if "data_row_count" not in samples.columns:
        return 0
    counts = pd.to_numeric(samples["data_row_count"], errors="coerce")
    best = counts.max()
    return int(best) if pd.notna(best) and best > 0 else 0


def _read_table(reader: _LineReader, samples: pd.DataFrame, max_bytes: int) -> pd.DataFrame:
    """Read the probe-by-sample table that follows ``!series_matrix_table_begin``."""
    header = reader.readline()
    while header is not None and not header.strip():
        header = reader.readline()
    if header is None:
        raise ParseError("truncated series matrix: no !series_matrix_table_end line")
    if header.rstrip() == _END:
        return pd.DataFrame(np.empty((0, len(samples.index))), columns=list(samples.index), dtype=np.float64)
    names = _unique(_fields(header))
    if len(names) < 2:
        raise ParseError("series matrix table header has no sample columns")
    stream = _TableStream(reader.remainder())
    n_values = len(names) - 1
    cap = min(_declared_rows(samples), max_bytes // (2 * (n_values + 1)))
    filler = _Filler(cap, n_values)
    try:
        options: dict[str, Any] = dict(
            sep="\t",
            quotechar='"',
            header=None,
            names=names,
            usecols=range(len(names)),
            index_col=0,
            dtype={0: str, **{i: np.float64 for i in range(1, len(names))}},
            na_values={i: NA_VALUES for i in range(1, len(names))},
            keep_default_na=False,
            encoding="utf-8",
            encoding_errors="replace",
            engine="c",
            chunksize=_CHUNK_ROWS,
        )
        chunks = pd.read_csv(io.BufferedReader(stream, buffer_size=1 << 16), **options)
        with chunks:
            for chunk in chunks:
                filler.add(chunk.index, chunk.to_numpy(dtype=np.float64, copy=False))
    except ParseError:
        raise
    except (ValueError, pd.errors.ParserError) as exc:
        raise ParseError(f"malformed series matrix table: {exc}") from exc
    if not stream.ended:
        raise ParseError("truncated series matrix: no !series_matrix_table_end line")
    values, ids = filler.result()
    index = pd.Index(ids, name=names[0] or "ID_REF", dtype=str, copy=False)
    return pd.DataFrame(values, index=index, columns=pd.Index(names[1:]), copy=False)


def _unique(names: list[str]) -> list[str]:
    """Make column names unique the way pandas does (``X``, ``X.1``, ...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = name.strip()
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


class _Filler:
    """Copies row chunks into one growing ``float64`` array.

    The array starts at the declared row count and grows in place with
    :meth:`numpy.ndarray.resize` (a ``realloc``, so old and new buffers never
    coexist), then is trimmed the same way: peak memory stays near the final
    size even when ``!Sample_data_row_count`` is missing or wrong.
    """

    _GROWTH = 1.25

    def __init__(self, capacity: int, width: int) -> None:
        self.array = np.empty((max(capacity, 1), width), dtype=np.float64)
        self.filled = 0
        self.ids: list[pd.Index] = []

    def add(self, ids: pd.Index, values: np.ndarray) -> None:
        self.ids.append(ids)
        need = self.filled + len(values)
        if need > len(self.array):
            rows = max(need, int(len(self.array) * self._GROWTH) + _CHUNK_ROWS)
            self.array.resize((rows, self.array.shape[1]), refcheck=False)
        self.array[self.filled : need] = values
        self.filled = need

    def result(self) -> tuple[np.ndarray, pd.Index]:
        if self.filled != len(self.array):
            self.array.resize((self.filled, self.array.shape[1]), refcheck=False)
        ids = self.ids[0].append(self.ids[1:]) if self.ids else pd.Index([], dtype=str)
        return self.array, ids


class _LineReader:
    """Reads lines from byte chunks and can hand over the unread remainder."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""
        self.pos = 0
        self.started = False

    def readline(self) -> bytes | None:
        """Next line without its ending, or ``None`` at the end of the data."""
        while True:
            end = self.buffer.find(b"\n", self.pos)
            if end >= 0:
                line = self.buffer[self.pos : end]
                self.pos = end + 1
                return line[:-1] if line.endswith(b"\r") else line
            block = next(self.chunks, None)
            if block is None:
                if self.pos >= len(self.buffer):
                    return None
                line, self.buffer, self.pos = self.buffer[self.pos :], b"", 0
                return line[:-1] if line.endswith(b"\r") else line
            if not self.started:
                block, self.started = block.removeprefix(BOM), True
            self.buffer, self.pos = self.buffer[self.pos :] + block, 0

    def remainder(self) -> Iterator[bytes]:
        """The bytes not yet read as lines, then the rest of the chunks."""
        rest, self.buffer, self.pos = self.buffer[self.pos :], b"", 0
        if rest:
            yield rest
        yield from self.chunks


class _TableStream(io.RawIOBase):
    """Raw binary stream over byte chunks that ends before ``!series_matrix_table_end``.

    ``ended`` tells whether the end marker was seen (False means truncated).
    A leading newline is emitted so a marker right at the start is found too;
    read_csv skips the blank line.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self.chunks = chunks
        self.pending = b"\n"
        self.out = b""
        self.pos = 0
        self.ended = False
        self.exhausted = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while self.pos >= len(self.out):
            if not self._fill():
                return 0
        size = min(len(buffer), len(self.out) - self.pos)
        buffer[:size] = self.out[self.pos : self.pos + size]
        self.pos += size
        return size

    def _fill(self) -> bool:
        """Load the next piece of table text into ``out``; False at the end."""
        if self.ended or self.exhausted:
            return False
        block = next(self.chunks, None)
        data = self.pending + (block or b"")
        self.pos = 0
        if block is None:
            self.exhausted, self.out, self.pending = True, data, b""
            return bool(data)
        marker = data.find(_END_NL)
        if marker >= 0:
            self.ended, self.out, self.pending = True, data[: marker + 1], b""
            return True
        keep = len(_END_NL) - 1
        self.out, self.pending = data[:-keep], data[-keep:]
        return True
