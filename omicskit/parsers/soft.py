"""Streaming parser for GEO SOFT text (family files, accession-viewer text, GDS).

SOFT is line oriented: ``^KIND = ACCESSION`` opens an entity, ``!Key = value``
adds an attribute, ``#COLUMN = description`` describes a table column and the
lines between ``!kind_table_begin`` and ``!kind_table_end`` hold a tab-separated
table whose first line is the header. :func:`iter_soft_entities` yields one
:class:`SoftEntity` at a time, so memory is bounded by the largest entity; data
tables are skipped (not even kept as text) unless ``tables=True``.

What real GEO files throw at it, and what happens:

* gzip input (magic ``1f 8b``) is inflated on the fly, capped by ``max_bytes``
  (default 2 GiB); a corrupt, truncated or oversized stream raises
  :class:`~omicskit.errors.ParseError`;
* CRLF and LF endings, a UTF-8 byte-order mark, and lines that are not valid
  UTF-8 (decoded as Latin-1, line by line: the Gemma GSE5091 family mixes both);
* ``^SAMPLE=GSM804`` without spaces, lower-case ``^database`` / ``^subset``
  (kinds are upper-cased), ``^database`` without any accession;
* ``!key = `` with an empty value, ``!key`` alone (value ``""``), values that
  contain `` = `` themselves (only the first ``=`` separates);
* 2002-era tables that follow the ``#`` lines without a ``table_begin`` line
  (GSM804): rows after a ``#`` column description are table rows;
* GDS files repeat ``^DATASET = GDSxxx`` before the data table: the second
  entity carries only ``table_columns`` (and ``table``), not the attributes;
* HTML (an error or CAPTCHA page where SOFT was expected) is refused with
  :class:`ParseError` rather than parsed; use :func:`looks_like_soft` to check
  a payload cheaply before storing it.

The record builders (:func:`sample_record`, :func:`series_record`, ...) live in
:mod:`omicskit.parsers.soft_records` and are re-exported here.
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from omicskit.errors import ParseError
from omicskit.parsers._text import (
    BOM,
    DEFAULT_MAX_BYTES,
    GZIP_MAGIC,
    ByteSource,
    decode_line,
    decoded_chunks,
    iter_lines,
)
from omicskit.parsers.soft_records import (
    gds_record,
    parse_characteristic,
    platform_record,
    platform_table,
    sample_record,
    series_record,
    subset_records,
)

__all__ = [
    "SoftEntity",
    "gds_record",
    "iter_soft_entities",
    "looks_like_soft",
    "parse_characteristic",
    "parse_soft",
    "platform_record",
    "platform_table",
    "sample_record",
    "series_record",
    "subset_records",
]

_SOFT_STARTS = (b"^", b"!", b"#")
#: Cells that become NaN in SOFT data tables.
_NA_VALUES = ["", "null", "NULL", "NA", "N/A", "n/a", "NaN", "nan", "#N/A", "None"]


@dataclass
class SoftEntity:
    """One ``^KIND = ACCESSION`` block of a SOFT file.

    ``attributes`` maps the attribute name without ``!`` (e.g.
    ``"Sample_characteristics_ch1"``) to its values in file order; ``table``
    is a DataFrame only when parsed with ``tables=True`` (an empty one when
    the block has no rows) and ``table_columns`` holds the ``#name =
    description`` lines.
    """

    kind: str
    accession: str
    attributes: dict[str, list[str]] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    table_columns: list[tuple[str, str]] = field(default_factory=list)

    def first(self, key: str) -> str | None:
        """First non-empty value of attribute *key* (case-insensitive), or ``None``."""
        for name, values in self.attributes.items():
            if name.lower() == key.lower():
                for value in values:
                    if value:
                        return value
        return None


def looks_like_soft(head: bytes) -> bool:
    """Tell whether *head* (the first bytes of a payload, maybe gzipped) is SOFT.

    True only when the first non-blank line starts with ``^`` (or ``!`` / ``#``
    for fragments such as series matrices); False for HTML and CAPTCHA pages,
    JSON, plain-text errors, undecodable gzip and empty input. For gzipped
    data pass at least ~1 KiB: a shorter head may not decode to a full line.
    """
    data = bytes(head)
    if data.startswith(GZIP_MAGIC):
        try:
            data = zlib.decompressobj(wbits=31).decompress(data, 1 << 16)
        except zlib.error:
            return False
    data = data.removeprefix(BOM)
    for line in data.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped.startswith(_SOFT_STARTS)
    return False


def parse_soft(source: ByteSource, *, tables: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SoftEntity]:
    """Parse all of *source* into a list of :class:`SoftEntity` (see :func:`iter_soft_entities`)."""
    return list(iter_soft_entities(source, tables=tables, max_bytes=max_bytes))


def iter_soft_entities(
    source: ByteSource, *, tables: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[SoftEntity]:
    """Yield the entities of a SOFT payload one at a time.

    *source* is ``bytes``, an iterable of byte chunks or a binary file object,
    plain or gzipped. With ``tables=False`` data-table rows are skipped as they
    stream past; with ``tables=True`` each entity gets a ``table`` DataFrame
    (first column as ``str``, others inferred). Raises :class:`ParseError` for
    HTML, corrupt/truncated/oversized gzip, and malformed tables.
    """
    builder = _Builder(tables)
    seen_content = False
    for raw in iter_lines(decoded_chunks(source, max_bytes=max_bytes)):
        if not seen_content:
            if not raw.strip():
                continue
            if raw.lstrip().startswith(b"<"):
                raise ParseError("HTML (or XML) where SOFT was expected")
            seen_content = True
        done = builder.feed(raw)
        if done is not None:
            yield done
    last = builder.finish()
    if last is not None:
        yield last


class _Builder:
    """Line-by-line state machine that assembles :class:`SoftEntity` objects."""

    def __init__(self, tables: bool) -> None:
        self.tables = tables
        self.current: SoftEntity | None = None
        self.in_table = False
        self.rows: list[bytes] = []

    def feed(self, raw: bytes) -> SoftEntity | None:
        """Consume one line; return the previous entity when *raw* opens a new one."""
        lead = raw[:1]
        if lead == b"^":
            done = self.finish()
            kind, _, accession = decode_line(raw[1:]).partition("=")
            self.current = SoftEntity(kind=kind.strip().upper(), accession=accession.strip())
            return done
        if not raw.strip():
            return None
        if lead == b"!":
            self._attribute(decode_line(raw[1:]))
        elif lead == b"#" and not self.in_table:
            name, _, description = decode_line(raw[1:]).partition("=")
            self._entity("").table_columns.append((name.strip(), description.strip()))
        elif self.tables and self.current is not None and (self.in_table or self.current.table_columns):
            self.rows.append(raw)
        return None

    def _attribute(self, text: str) -> None:
        key, _, value = text.partition("=")
        key, value = key.strip(), value.strip()
        low = key.lower()
        if low.endswith("_table_begin"):
            self.in_table = True
            return
        if low.endswith("_table_end"):
            self.in_table = False
            return
        if not key:
            return
        entity = self._entity(key.partition("_")[0].upper() if "_" in key else "")
        entity.attributes.setdefault(key, []).append(value)

    def _entity(self, kind: str) -> SoftEntity:
        """The open entity, or an implicit one for a fragment without ``^`` header."""
        if self.current is None:
            self.current = SoftEntity(kind=kind, accession="")
        return self.current

    def finish(self) -> SoftEntity | None:
        """Close the open entity (building its table when requested) and return it."""
        entity, rows, open_table = self.current, self.rows, self.in_table
        self.current, self.rows, self.in_table = None, [], False
        if entity is None:
            return None
        if open_table and self.tables:
            # a table cut before its !..._table_end line: never hand out a silently shorter table
            raise ParseError(f"truncated SOFT table in {entity.kind} {entity.accession or '?'} (no table_end line)")
        if not entity.accession:
            entity.accession = entity.first(f"{entity.kind}_geo_accession") or ""
        if self.tables:
            entity.table = _build_table(rows, entity.table_columns)
        return entity


def _build_table(rows: list[bytes], columns: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Turn raw tab-separated SOFT table lines (header first) into a DataFrame.

    The first column is kept as ``str`` (probe and feature IDs such as ``1`` or
    ``1007_s_at``); the others are inferred. No quoting is applied, as in GEO.
    Ragged rows are tolerated: cells beyond the header (trailing tabs) are
    dropped and missing cells become NaN, so IDs never shift into the index.
    Without rows, returns an empty frame whose columns come from *columns*.
    """
    if not rows:
        names = list(dict.fromkeys(name for name, _ in columns or []))
        return pd.DataFrame(columns=names)
    text = "\n".join(decode_line(row) for row in rows)
    n_columns = rows[0].count(b"\t") + 1
    try:
        options: dict[str, Any] = dict(
            sep="\t",
            quoting=csv.QUOTE_NONE,
            usecols=range(n_columns),
            index_col=False,
            dtype={0: str},
            na_values={i: _NA_VALUES for i in range(1, n_columns)},
            keep_default_na=False,
            low_memory=False,
        )
        return pd.read_csv(io.StringIO(text), **options)
    except (ValueError, pd.errors.ParserError) as exc:  # EmptyDataError is a ValueError
        raise ParseError(f"malformed SOFT data table: {exc}") from exc
