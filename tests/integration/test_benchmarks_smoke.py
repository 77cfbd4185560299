"""The benchmark modules import, and the old approach stays a faithful full parse.

Benchmarks are not timed tests; this only checks that ``benchmarks/`` still
works and that the re-implemented prototype parses real family files into
the right number of samples, platforms and table rows (so the baseline keeps
doing all the work the prototype did).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from benchmarks import fake_process, floor, old_approach, run, scenarios
from omicskit.parsers.matrix import parse_series_matrix
from omicskit.parsers.soft import iter_soft_entities

DATA = Path(old_approach.__file__).resolve().parents[1] / "omicskit" / "testing" / "data" / "soft"


def test_modules_import() -> None:
    assert callable(run.main) and callable(floor.floor_search)
    assert fake_process.FakeProcess(latency="benchmark").kwargs == {"latency": "benchmark"}
    assert scenarios.PROTOTYPE_WARM_PER_S == 17_863


@pytest.mark.parametrize(
    ("name", "samples", "platforms", "table_rows"),
    [
        ("GSE19161_family.soft.gz", 61, 1, 658),  # GPL9717, 658 probes per sample table
        ("GSE94489_family.soft.gz", 49, 4, 0),  # several platforms, no data tables
        ("gemma/GSE5091Short/GSE5091_family.soft.gz", 12, 1, 10),  # two-channel, Latin-1 bytes
    ],
)
def test_old_approach_parses_everything(name: str, samples: int, platforms: int, table_rows: int) -> None:
    path = DATA / name
    gse = old_approach.parse_family(path)
    assert len(gse.gsms) == samples
    assert len(gse.gpls) == platforms
    assert {len(g.table) for g in gse.gsms.values()} == {table_rows}
    # the same samples omicskit's own streaming parser finds
    ours = [e.accession for e in iter_soft_entities(gzip.decompress(path.read_bytes())) if e.kind == "SAMPLE"]
    assert sorted(gse.gsms) == sorted(ours)
    summary = old_approach.series_summary(gse)
    assert summary["accession"] == gse.name and summary["n_samples"] == samples
    rows = old_approach.sample_rows(gse)
    assert len(rows) == samples and all(r["series"] == gse.name for r in rows)


def test_old_approach_characteristics_of_gse19161() -> None:
    gse = old_approach.parse_family(DATA / "GSE19161_family.soft.gz")
    row = next(r for r in old_approach.sample_rows(gse) if r["accession"] == "GSM475065")
    assert row["ch1.survival in months"] == "66"
    assert row["ch1.event indicator"] == "censored"
    assert gse.gpls["GPL9717"].table.shape == (658, 11)


def test_matrix_replica_is_labelled_and_parses(tmp_path: Path) -> None:
    info = scenarios.build_matrix_replica(tmp_path / "replica.txt.gz", rows=1000)
    assert "REPLICA" in info["label"] and info["real_rows"] == 658
    parsed = parse_series_matrix((tmp_path / "replica.txt.gz").read_bytes())
    assert parsed.expression.shape == (1000, 61)
    assert parsed.expression.index[0] == "121_at"
    assert parsed.expression.index[-1] == "SYNTHETIC_001000_at"


def test_family_url_matches_the_mirror_layout() -> None:
    assert old_approach.family_url("https://x/geo", "GSE9000001") == (
        "https://x/geo/series/GSE9000nnn/GSE9000001/soft/GSE9000001_family.soft.gz"
    )
    assert old_approach.series_folder("GSE13") == "GSEnnn"
