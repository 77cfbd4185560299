"""Flat records from parsed SOFT entities (samples, series, platforms, GDS).

Each builder takes a :class:`~omicskit.parsers.soft.SoftEntity` and returns a
plain ``dict`` with a fixed set of keys. Values are stripped strings; a
missing scalar is ``None`` and a missing list is ``[]``. Attribute names are
matched case-insensitively, so ``!dataset_title`` and ``!Dataset_title`` are
the same field. Pure functions: no I/O, no logging.

Characteristics (``!Sample_characteristics_ch1`` / ``_ch2``) follow one rule,
shared with the series-matrix parser (:func:`parse_characteristic`): split on
the first colon, lower-case and trim the key (inner whitespace collapsed), a
bare value or an empty key gets the key ``"characteristics"``, and repeated
keys keep every value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from omicskit.errors import ParseError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from omicskit.parsers.soft import SoftEntity

__all__ = [
    "gds_record",
    "parse_characteristic",
    "platform_record",
    "platform_table",
    "sample_record",
    "series_record",
    "subset_records",
]

_SRX = re.compile(r"\b([SED]RX\d+)\b")
_SRP = re.compile(r"\b([SED]RP\d+)\b")
_SAMN = re.compile(r"\b(SAM[NED][A-Z]?\d+)\b")
_PRJ = re.compile(r"\b(PRJ[NED][A-Z]\d+)\b")
_GSE = re.compile(r"\b(GSE\d+)\b")
_CHANNEL = re.compile(r"_ch(\d+)$")
_SPACE = re.compile(r"\s+")


class _Fields:
    """Case-insensitive, prefix-aware view of an entity's attributes."""

    def __init__(self, entity: SoftEntity, prefix: str) -> None:
        self.prefix = prefix.lower()
        self.map: dict[str, list[str]] = {}
        for key, values in entity.attributes.items():
            self.map.setdefault(key.lower(), []).extend(values)

    def all(self, name: str) -> list[str]:
        """Every non-empty value of ``<prefix>_<name>``."""
        return [v for v in self.map.get(f"{self.prefix}_{name}".lower(), []) if v]

    def one(self, *names: str) -> str | None:
        """First non-empty value among ``<prefix>_<name>`` for the given names."""
        for name in names:
            values = self.all(name)
            if values:
                return values[0]
        return None

    def joined(self, name: str, sep: str = "; ") -> str | None:
        """All values of a field joined with *sep*, or ``None``."""
        values = self.all(name)
        return sep.join(values) if values else None

    def text(self, name: str) -> str | None:
        """Multi-line prose field (summary, description) joined with newlines."""
        values = self.map.get(f"{self.prefix}_{name}".lower(), [])
        text = "\n".join(values).strip()
        return text or None

    def startswith(self, stem: str) -> list[str]:
        """Values of every field whose name starts with ``<prefix>_<stem>``, in file order."""
        head = f"{self.prefix}_{stem}".lower()
        return [v for key, values in self.map.items() if key.startswith(head) for v in values if v]


def _as_int(value: str | None) -> int | None:
    """``int(value)`` or ``None`` when absent or not a whole number."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _files(values: list[str]) -> list[str]:
    return [v for v in values if v.upper() != "NONE"]


def _related(relations: list[str], label: str, pattern: re.Pattern[str]) -> list[str]:
    """IDs matching *pattern* in relations that start with ``label:``."""
    found: list[str] = []
    for relation in relations:
        head, sep, rest = relation.partition(":")
        if sep and head.strip().lower() == label.lower():
            found.extend(m.group(1) for m in pattern.finditer(rest))
    return found


def _first_related(relations: list[str], label: str, pattern: re.Pattern[str]) -> str | None:
    found = _related(relations, label, pattern)
    return found[0] if found else None


def parse_characteristic(text: str) -> tuple[str, str] | None:
    """Split one characteristics value into ``(key, value)``; ``None`` if empty.

    ``"cell line: PC9"`` → ``("cell line", "PC9")``; ``"time: 12:30"`` →
    ``("time", "12:30")``; ``"RTS II cells Non stimulated"`` →
    ``("characteristics", "RTS II cells Non stimulated")``.
    """
    text = text.strip()
    if not text:
        return None
    key, sep, value = text.partition(":")
    key = _SPACE.sub(" ", key).strip().lower()
    if not sep:
        return "characteristics", text
    value = value.strip()
    if not key:
        return ("characteristics", value) if value else None
    return key, value


def _characteristics(fields: _Fields) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    head = f"{fields.prefix}_characteristics"
    for key, values in fields.map.items():
        if not key.startswith(head):
            continue
        match = _CHANNEL.search(key)
        channel = int(match.group(1)) if match else 1
        for value in values:
            pair = parse_characteristic(value)
            if pair is not None:
                out.append((channel, pair[0], pair[1]))
    return out


def sample_record(entity: SoftEntity) -> dict[str, Any]:
    """Flat record of a ``^SAMPLE`` entity.

    2002-era samples (GSM804) have no ``_ch1`` fields: ``organism`` falls back
    to ``!Sample_organism`` and ``source`` / ``source_ch2`` to
    ``!Sample_target_source1`` / ``2``; their ``channel_count`` is ``None``.
    """
    f = _Fields(entity, "Sample")
    relations = f.all("relation")
    return {
        "accession": entity.accession or f.one("geo_accession"),
        "series": f.all("series_id"),
        "title": f.one("title"),
        "source": f.one("source_name_ch1", "target_source1"),
        "organism": f.joined("organism_ch1") or f.joined("organism"),
        "molecule": f.one("molecule_ch1"),
        "source_ch2": f.one("source_name_ch2", "target_source2"),
        "organism_ch2": f.joined("organism_ch2"),
        "molecule_ch2": f.one("molecule_ch2"),
        "platform": f.one("platform_id"),
        "channel_count": _as_int(f.one("channel_count")),
        "sra_experiment": _first_related(relations, "SRA", _SRX),
        "biosample": _first_related(relations, "BioSample", _SAMN),
        "type": f.one("type"),
        "submission_date": f.one("submission_date"),
        "last_update_date": f.one("last_update_date"),
        "supplementary_files": _files(f.startswith("supplementary_file")),
        "characteristics": _characteristics(f),
    }


def series_record(entity: SoftEntity) -> dict[str, Any]:
    """Flat record of a ``^SERIES`` entity, with SuperSeries/SubSeries links."""
    f = _Fields(entity, "Series")
    relations = f.all("relation")
    return {
        "accession": entity.accession or f.one("geo_accession"),
        "title": f.one("title"),
        "summary": f.text("summary"),
        "overall_design": f.text("overall_design"),
        "series_type": f.all("type"),
        "platforms": f.all("platform_id"),
        "samples": [acc for value in f.all("sample_id") for acc in value.split()],
        "pubmed_ids": f.all("pubmed_id"),
        "submission_date": f.one("submission_date"),
        "last_update_date": f.one("last_update_date"),
        "contributors": f.all("contributor"),
        "supplementary_files": _files(f.startswith("supplementary_file")),
        "relations": relations,
        "superseries_of": _related(relations, "SuperSeries of", _GSE),
        "subseries_of": _related(relations, "SubSeries of", _GSE),
        "bioproject": _first_related(relations, "BioProject", _PRJ),
        "sra": _first_related(relations, "SRA", _SRP),
    }


def platform_record(entity: SoftEntity) -> dict[str, Any]:
    """Flat record of a ``^PLATFORM`` entity; ``columns`` are the ``#`` column names."""
    f = _Fields(entity, "Platform")
    return {
        "accession": entity.accession or f.one("geo_accession"),
        "title": f.one("title"),
        "technology": f.one("technology"),
        "distribution": f.one("distribution"),
        "organism": f.joined("organism"),
        "manufacturer": f.one("manufacturer"),
        "n_rows": _as_int(f.one("data_row_count")),
        "columns": [name for name, _ in entity.table_columns],
    }


def platform_table(entity: SoftEntity) -> pd.DataFrame:
    """The annotation table of a platform (``ID`` first), parsed with ``tables=True``.

    Raises :class:`ParseError` when the entity was parsed without tables.
    """
    if entity.table is None:
        raise ParseError(f"{entity.accession or 'entity'} was parsed without tables; use tables=True")
    return entity.table


def gds_record(entity: SoftEntity) -> dict[str, Any]:
    """Flat record of a ``^DATASET`` (GDS) entity.

    Handles both the current layout (``!dataset_sample_count``,
    ``!dataset_sample_organism``) and the 2003 one (``!dataset_total_samples``,
    ``!dataset_organism``, ``!dataset_experiment_type``).
    """
    f = _Fields(entity, "dataset")
    return {
        "accession": entity.accession or None,
        "title": f.one("title"),
        "description": f.text("description"),
        "type": f.one("type", "experiment_type"),
        "platform": f.one("platform"),
        "platform_organism": f.joined("platform_organism"),
        "platform_technology_type": f.one("platform_technology_type"),
        "reference_series": f.one("reference_series"),
        "sample_organism": f.joined("sample_organism") or f.joined("organism"),
        "sample_type": f.one("sample_type"),
        "value_type": f.one("value_type"),
        "channel_count": _as_int(f.one("channel_count")),
        "feature_count": _as_int(f.one("feature_count", "maximum_probes")),
        "sample_count": _as_int(f.one("sample_count", "total_samples")),
        "pubmed_ids": f.all("pubmed_id"),
        "order": f.one("order"),
        "update_date": f.one("update_date"),
    }


def subset_records(entities: Iterable[SoftEntity]) -> list[dict[str, Any]]:
    """Records of every ``^SUBSET`` entity in *entities* (others are ignored).

    ``samples`` splits ``!subset_sample_id`` on commas (and whitespace).
    """
    out: list[dict[str, Any]] = []
    for entity in entities:
        if entity.kind != "SUBSET":
            continue
        f = _Fields(entity, "subset")
        samples = [s for value in f.all("sample_id") for s in re.split(r"[,\s]+", value) if s]
        out.append(
            {
                "dataset": f.one("dataset_id"),
                "accession": entity.accession or None,
                "description": f.one("description"),
                "type": f.one("type"),
                "samples": samples,
            }
        )
    return out
