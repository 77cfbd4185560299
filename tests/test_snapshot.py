"""Snapshots: save → replay offline with identical frames, no secrets, bad files, local search, the demo."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import omicskit as ok
from omicskit._snapshot_format import FORMAT_VERSION, read_snapshot
from omicskit.cache.journal import RecordJournal
from omicskit.snapshot import SnapshotError, demo_path, local_search, snapshot_info

FAST = {"eutils_rate": 500.0, "geo_rate": 500.0, "literature_rate": 500.0, "arxiv_interval": 0.001}
API_KEY = "SECRETKEY0123456789abcdef"
EMAIL = "hidden.person+omics@example.org"
#: attrs that legitimately differ on replay: times and per-call provenance (live vs cache, request counts).
VOLATILE_ATTRS = {"retrieved_at", "row_source", "search_from_cache", "requests"}
SERIES = ["GSE19161", "GSE100750", "GSE146583", "GSE146537", "GSE146540", "GSE30521"]


def _all_bytes(path: Path) -> bytes:
    """The file's bytes plus every member decompressed (gzip members too)."""
    out = [path.read_bytes()]
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            out.append(gzip.decompress(data) if name.endswith(".gz") else data)
    return b"\n".join(out)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One recording session against the fake: frames of every kind and a snapshot of them."""
    from omicskit.testing import FakeServices

    path = tmp_path_factory.mktemp("snap") / "study.omicskit"
    with FakeServices(rate_limit=False) as fake:
        opts = {"cache": "memory", "progress": False, **fake.config_overrides(), **FAST}
        with ok.Session(email=EMAIL, api_key=API_KEY, **opts) as s:
            frames = {
                "search": s.search("cancer", limit=20),
                "series": s.series(SERIES),
                "samples": s.samples(SERIES),
                "characteristics": s.characteristics(SERIES),
                "files": s.files(SERIES),
                "expression": s.expression("GSE19161"),
                "publications": s.publications(SERIES),
            }
            errors = {name: len(s.errors) for name in frames}
            manifest = s.save_snapshot(path, list(frames.values()))
            s.save_snapshot(path.with_name("one.omicskit"), "GSE19161")
        fake.reset_log()
        with ok.Session(snapshot=path, progress=False) as r:
            replay = {
                "search": r.search("cancer", limit=20),
                "series": r.series(SERIES),
                "samples": r.samples(SERIES),
                "characteristics": r.characteristics(SERIES),
                "files": r.files(SERIES),
                "expression": r.expression("GSE19161"),
                "publications": r.publications(SERIES),
            }
            replay_errors = r.errors
        requests_during_replay = len(fake.log)
    return {"path": path, "frames": frames, "replay": replay, "manifest": manifest, "errors": errors,
            "replay_errors": replay_errors, "requests": requests_during_replay}  # fmt: skip


@pytest.mark.parametrize(
    "name", ["search", "series", "samples", "characteristics", "files", "expression", "publications"]
)
def test_replay_gives_identical_frames(recorded: dict[str, Any], name: str) -> None:
    original, replayed = recorded["frames"][name], recorded["replay"][name]
    assert len(original) > 0
    assert_frame_equal(original, replayed)
    keep = set(original.attrs) - VOLATILE_ATTRS
    assert {k: replayed.attrs.get(k) for k in keep} == {k: original.attrs[k] for k in keep}
    assert "offline_match" not in replayed.attrs


def test_replay_sends_nothing(recorded: dict[str, Any]) -> None:
    assert recorded["requests"] == 0


def test_manifest_describes_queries_and_records(recorded: dict[str, Any]) -> None:
    m = recorded["manifest"]
    assert m["format"] == "omicskit-snapshot" and m["format_version"] == FORMAT_VERSION
    assert m["omicskit_version"] == ok.__version__ and m["created_at"]
    (query,) = m["queries"]
    search = recorded["frames"]["search"]
    assert query["query"] == "cancer" and query["limit"] == 20 and query["term"] == search.attrs["term"]
    assert query["query_translation"] == search.attrs["query_translation"] == "cancer[All Fields] AND gse[Entry Type]"
    assert query["uids"] == [str(u) for u in search["uid"]]
    assert set(SERIES) <= set(m["accessions"])
    kinds = m["records"]["kinds"]
    assert {"docsum", "soft-gsm", "files", "matrix", "search", "pubmed"} <= set(kinds)
    assert m["records"]["count"] == sum(kinds.values()) and m["records"]["first_retrieved"]
    info = snapshot_info(recorded["path"])
    assert info["records"] == m["records"] and info["file_bytes"] == recorded["path"].stat().st_size


def test_snapshot_holds_no_api_key_or_email(recorded: dict[str, Any]) -> None:
    from urllib.parse import quote

    for path in (recorded["path"], recorded["path"].with_name("one.omicskit")):
        data = _all_bytes(path)
        for secret in (API_KEY, EMAIL, quote(EMAIL, safe=""), "hidden.person"):
            assert secret.encode() not in data


def test_accession_snapshot_holds_only_linked_records(recorded: dict[str, Any]) -> None:
    manifest, records = read_snapshot(recorded["path"].with_name("one.omicskit"))
    keys = set(records)
    assert manifest["accessions"] == ["GSE19161"] and manifest["queries"] == []
    assert "omicskit:v1:docsum:GSE19161" in keys and "omicskit:v1:soft-gsm:GSE19161" in keys
    assert "omicskit:v1:soft-gsm:GSM475065" in keys  # samples of the series, found inside its records
    assert "omicskit:v1:matrix:GSE19161_series_matrix.txt.gz" in keys
    assert not any("GSE100750" in k or ":search:" in k for k in keys)
    with ok.Session(snapshot=recorded["path"].with_name("one.omicskit"), progress=False) as r:
        assert_frame_equal(r.expression("GSE19161"), recorded["frames"]["expression"])
        smp = r.samples("GSE19161")
        assert len(smp) == 61 and r.errors.empty
        r.samples("GSE100750")
        assert r.errors.accession.tolist() == ["GSE100750"]  # not in this snapshot: an error row, no request


def test_snapshot_session_is_offline_and_read_only(recorded: dict[str, Any]) -> None:
    with ok.Session(snapshot=recorded["path"], progress=False) as r:
        assert r.offline
        assert r.cache.clear() == 0
        stats = r.cache.stats()
        assert stats["backend"] == "snapshot" and stats["items"] == recorded["manifest"]["records"]["count"]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _bad_files(tmp: Path, good: Path) -> dict[str, Path]:
    newer = tmp / "newer.omicskit"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(newer, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json":
                m = json.loads(data)
                m["format_version"] = FORMAT_VERSION + 1
                data = json.dumps(m).encode()
            dst.writestr(name, data)
    tampered = tmp / "tampered.omicskit"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, gzip.compress(b'{"key":"x"}\n') if name == "records.jsonl.gz" else data)
    (tmp / "random.omicskit").write_bytes(b"\x00garbage\xff" * 100)
    (tmp / "truncated.omicskit").write_bytes(good.read_bytes()[:300])
    return {
        "random bytes": tmp / "random.omicskit",
        "truncated": tmp / "truncated.omicskit",
        "foreign zip": _zip(tmp / "foreign.zip", {"hello.txt": b"hi"}),
        "foreign manifest": _zip(tmp / "foreign2.zip", {"manifest.json": b'{"format": "something-else"}'}),
        "bad manifest": _zip(tmp / "bad.zip", {"manifest.json": b"{not json"}),
        "newer version": newer,
        "checksum mismatch": tampered,
        "missing": tmp / "does-not-exist.omicskit",
    }


def test_bad_snapshot_files_raise_one_line_snapshot_error(recorded: dict[str, Any], tmp_path: Path) -> None:
    expected = {"newer version": "newer than this omicskit reads", "checksum mismatch": "checksum",
                "foreign zip": "no manifest.json", "foreign manifest": "foreign", "random bytes": "not a ZIP",
                "missing": "not found"}  # fmt: skip
    for label, path in _bad_files(tmp_path, recorded["path"]).items():
        with pytest.raises(SnapshotError) as info:
            ok.Session(snapshot=path, progress=False)
        message = str(info.value)
        assert "\n" not in message, label
        assert label not in expected or expected[label] in message, (label, message)
        assert isinstance(info.value, ok.ConfigError) and isinstance(info.value, ok.OmicsKitError)


def test_save_refuses_nothing_and_missing_directory(tmp_path: Path) -> None:
    with ok.Session(cache="memory", progress=False) as s:
        with pytest.raises(SnapshotError, match="nothing to save"):
            s.save_snapshot(tmp_path / "x.omicskit", ["GSE1"])
        with pytest.raises(SnapshotError, match="does not exist"):
            s.save_snapshot(tmp_path / "no" / "x.omicskit", ["GSE1"])
    assert not (tmp_path / "x.omicskit").exists()


def test_journal_evicts_blobs_but_keeps_keys() -> None:
    j = RecordJournal(max_bytes=10)
    j.note("k1", b"J" + b"1" * 8, "live")
    j.note("k2", b"J" + b"2" * 8, "cache")
    assert len(j) == 2 and j.missing() == ["k1"] and j.nbytes == 9
    j.note("k1", b"J1", "cache")  # an evicted blob comes back on the next read
    assert j.entries["k1"].blob == b"J1" and j.entries["k1"].source == "live"


def test_evicted_blobs_are_reread_from_the_cache(fake_services: Any, tmp_path: Path) -> None:
    opts = {"cache": "memory", "progress": False, **fake_services.config_overrides(), **FAST}
    with ok.Session(**opts) as s:
        s.async_session.store.journal = RecordJournal(max_bytes=1)
        df = s.series(["GSE19161", "GSE100750"])
        s.save_snapshot(tmp_path / "e.omicskit", df)
    with ok.Session(snapshot=tmp_path / "e.omicskit", progress=False) as r:
        assert_frame_equal(r.series(["GSE19161", "GSE100750"]), df)


# -- the bundled demo -------------------------------------------------------------------
def test_demo_is_small_real_and_documented() -> None:
    path = demo_path()
    assert path.is_file() and path.stat().st_size < 3_000_000
    assert (path.parent / "DEMO_PROVENANCE.md").read_text().count("| GSE") >= 20
    manifest, records = read_snapshot(path)
    series = {k.rsplit(":", 1)[1] for k in records if ":docsum:GSE" in k}
    assert {"GSE100750", "GSE146583", "GSE146537", "GSE19161", "GSE94489", "GSE99709", "GSE93374"} <= series
    assert len(series) >= 24
    assert {"soft-gsm", "files", "matrix", "pubmed", "search"} <= set(manifest["records"]["kinds"])
    assert b"127.0.0.1" not in _all_bytes(path)


def test_demo_search_exact_and_local() -> None:
    with ok.Session(snapshot="demo", progress=False) as s:
        hits = s.search("cancer")
        assert "offline_match" not in hits.attrs and "GSE19161" in hits.accession.tolist()
        assert hits.attrs["query_translation"] == "cancer[All Fields] AND gse[Entry Type]"
        local = s.search("ovarian carcinoma OR cancer", organism="human")
        assert local.attrs["offline_match"] == "local"
        assert local.attrs["count"] == 0  # all words must occur: "carcinoma" does not
        local = s.search("ovarian")
        assert local.attrs["offline_match"] == "local" and local.accession.tolist() == ["GSE19161"]
        assert list(local.columns) == list(hits.columns)
        rows = s.search("", organism="Homo sapiens", published=("2017", "2021"), min_samples=10, has_sra=True)
        assert len(rows) and all(r.startswith("Homo sapiens") for r in rows.organism)
        assert all(pd.Timestamp("2017-01-01") <= d <= pd.Timestamp("2021-12-31") for d in rows.published)
        assert (rows.n_samples >= 10).all() and rows.sra.notna().all()
        assert s.search("cancer", platform="GPL9717", limit=1).accession.tolist() == ["GSE19161"]
        assert s.search("zzzznotaword").empty
        with pytest.raises(ok.InvalidQueryError):
            s.search("cancer", organism="Homo sapienz")


def test_local_search_filters_on_records() -> None:
    recs = [
        {"accession": "GSE1", "title": "Breast cancer RNA", "summary": "", "organism": "Homo sapiens",
         "series_type": "Expression profiling by array", "platforms": ["GPL570"], "n_samples": 5,
         "published": "2020-05-01", "sra": None, "uid": 200000001, "entry_type": "GSE"},
        {"accession": "GSE2", "title": "Mouse liver", "summary": "cancer model", "organism": "Mus musculus",
         "series_type": "Other", "platforms": [], "n_samples": 50, "published": "2010-01-01", "sra": "SRP1",
         "uid": 200000002, "entry_type": "GSE"},
    ]  # fmt: skip
    assert [r["accession"] for r in local_search(recs, "cancer")] == ["GSE2", "GSE1"]
    assert [r["accession"] for r in local_search(recs, "cancer", organism="mouse")] == ["GSE2"]
    assert [r["accession"] for r in local_search(recs, "", published="2020")] == ["GSE1"]
    assert [r["accession"] for r in local_search(recs, "", max_samples=10, has_sra=False)] == ["GSE1"]
    assert [r["accession"] for r in local_search(recs, "", series_type="other")] == ["GSE2"]
    assert local_search(recs, "cancer", entry_type="gsm") == []
