"""files() and download(): inventories from real filelist.txt, safe paths, Range resume, size checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pandas as pd

from .geo_routes import FTP, geo, listing, ranged

SUPPL = f"{FTP}/series/GSE101nnn/GSE101426/suppl/"
SAMPLE_SUPPL = f"{FTP}/samples/GSM2702nnn/GSM2702712/suppl/"
BAM = "GSM2702712_sampled-24-RBL-Donor-1-D0.hqaa.bam"
TDF = "GSM2702712_sampled-24-RBL-Donor-1-D0.hqaa_sorted.bam.count.tdf.gz"


def body(name: str, size: int) -> bytes:
    """Deterministic bytes standing in for a file's content (the inventory is real, bodies are not)."""
    out = b""
    while len(out) < size:
        out += hashlib.sha256(name.encode() + len(out).to_bytes(8, "big")).digest()
    return out[:size]


def mount_series(router, filelist: bytes | None = None) -> None:  # type: ignore[no-untyped-def]
    filelist = geo("GSE101426_file_list.txt") if filelist is None else filelist
    router.get(SUPPL).mock(
        return_value=listing(
            "series/GSE101nnn/GSE101426/suppl", [("GSE101426_RAW.tar", 6092451840), ("filelist.txt", len(filelist))]
        )
    )
    router.get(SUPPL + "filelist.txt").mock(return_value=httpx.Response(200, content=filelist))


def test_series_inventory_with_raw_tar_members(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    mount_series(router)
    s = session_factory()
    df = s.files("GSE101426")
    assert list(df.columns) == [
        "accession",
        "level",
        "name",
        "url",
        "size",
        "size_exact",
        "type",
        "archive",
        "modified",
    ]
    assert len(df) == 1 + 16 and s.errors.empty
    tar = df.iloc[0]
    assert tar["name"] == "GSE101426_RAW.tar" and tar["level"] == "series" and tar["size"] == 6092451840
    assert tar["url"] == SUPPL + "GSE101426_RAW.tar" and tar["type"] == "TAR" and pd.isna(tar["archive"])
    bam = df.set_index("name").loc[BAM]
    assert bam["accession"] == "GSM2702712" and bam["level"] == "sample" and bam["archive"] == "GSE101426_RAW.tar"
    assert bam["size"] == 665334725 and bool(bam["size_exact"]) and bam["type"] == "BAM"
    assert bam["url"] == SAMPLE_SUPPL + BAM and bam["modified"] == pd.Timestamp("2017-07-13 12:18:42")
    assert str(df["size"].dtype) == "Int64" and str(df["size_exact"].dtype) == "boolean"
    assert str(df["modified"].dtype) == "datetime64[ns]"


def test_sample_level_listing(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    mount_series(router)
    router.get(url__startswith="https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi").mock(
        return_value=httpx.Response(
            200, content=b"^SAMPLE = GSM2702712\n!Sample_geo_accession = GSM2702712\n!Sample_series_id = GSE101426\n"
        )
    )
    router.get(SAMPLE_SUPPL).mock(
        return_value=listing("samples/GSM2702nnn/GSM2702712/suppl", [(BAM, 665334725), (TDF, 114496498)])
    )
    s = session_factory()
    df = s.files("GSE101426", samples=True)
    assert len(df) == 17 and s.errors.empty  # sample-level rows merged with the tar members (same URL)
    assert df.set_index("name").loc[TDF, "archive"] == "GSE101426_RAW.tar"
    only = s.files("GSM2702712")
    assert list(only.name) == [BAM, TDF] and set(only.level) == {"sample"}


def test_unsafe_names_are_refused(router, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    evil = (
        geo("GSE101426_file_list.txt")
        + b"File\t../evil\t07/13/2017 12:18:42\t10\tTXT\nFile\t/etc/passwd\t07/13/2017 12:18:42\t10\tTXT\n"
    )
    mount_series(router, evil)
    s = session_factory()
    df = s.files("GSE101426")
    assert len(df) == 17 and not df.name.str.contains("evil|passwd").any()
    messages = " ".join(s.errors.message)
    assert len(s.errors) == 2 and "../evil" in messages and "/etc/passwd" in messages
    # a hand-made frame with unsafe names is refused by download() as well
    bad = pd.DataFrame(
        {
            "accession": ["GSE1", "GSE1"],
            "name": ["../evil", "/etc/passwd"],
            "url": [SUPPL + "x", SUPPL + "y"],
            "size": [1, 1],
            "size_exact": [True, True],
        }
    )
    out = s.download(bad, dest=tmp_path / "d")
    assert list(out.status) == ["refused", "refused"] and len(s.errors) == 2
    assert not (tmp_path / "evil").exists() and list((tmp_path / "d").iterdir()) == []


def inventory(names_sizes: list[tuple[str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "accession": ["GSE101426"] * len(names_sizes),
            "name": [n for n, _ in names_sizes],
            "url": [SUPPL + n for n, _ in names_sizes],
            "size": [s for _, s in names_sizes],
            "size_exact": [True] * len(names_sizes),
        }
    )


def test_download_with_pattern_and_max_size(router, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = [
        ("GSE101426_counts.txt.gz", 3000),
        ("GSE101426_peaks.bed.gz", 5000),
        ("GSE101426_big_counts.txt.gz", 90000),
    ]
    routes = {
        n: router.get(SUPPL + n).mock(return_value=httpx.Response(200, content=body(n, size))) for n, size in files
    }
    s = session_factory()
    out = s.download(inventory(files), dest=tmp_path, pattern="*counts*", max_size=10_000)
    status = dict(zip(out.name, out.status))
    assert status == {
        "GSE101426_counts.txt.gz": "downloaded",
        "GSE101426_peaks.bed.gz": "skipped",
        "GSE101426_big_counts.txt.gz": "skipped",
    }
    assert (tmp_path / "GSE101426_counts.txt.gz").read_bytes() == body("GSE101426_counts.txt.gz", 3000)
    assert routes["GSE101426_peaks.bed.gz"].call_count == 0 and routes["GSE101426_big_counts.txt.gz"].call_count == 0
    again = s.download(inventory(files), dest=tmp_path, pattern=r"_counts\.txt", max_size=10_000)
    assert dict(zip(again.name, again.status))["GSE101426_counts.txt.gz"] == "exists"
    assert routes["GSE101426_counts.txt.gz"].call_count == 1 and s.errors.empty


def test_download_resumes_with_range(router, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name, content = "GSE101426_counts.txt.gz", body("GSE101426_counts.txt.gz", 50_000)
    route = router.get(SUPPL + name).mock(side_effect=ranged(content))
    (tmp_path / f"{name}.part").write_bytes(content[:20_000])
    s = session_factory()
    out = s.download(inventory([(name, len(content))]), dest=tmp_path)
    assert out.status.tolist() == ["downloaded"] and out["size"].tolist() == [50_000]
    assert route.call_count == 1 and route.calls[0].request.headers["Range"] == "bytes=20000-"
    assert (tmp_path / name).read_bytes() == content and not (tmp_path / f"{name}.part").exists()


def test_size_mismatch_is_retried_and_never_finished(router, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = "GSE101426_counts.txt.gz"
    route = router.get(SUPPL + name).mock(return_value=httpx.Response(200, content=body(name, 900)))
    s = session_factory(retries=2)
    out = s.download(inventory([(name, 1000)]), dest=tmp_path)
    assert out.status.tolist() == ["failed"] and route.call_count == 3
    assert not (tmp_path / name).exists() and not (tmp_path / f"{name}.part").exists()
    err = s.errors.iloc[0]
    assert err["accession"] == "GSE101426" and "size mismatch" in err["message"] and err["stage"] == "download"


def test_download_by_accession_skips_archive_only_members(router, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    filelist = (
        b"#Archive/File\tName\tTime\tSize\tType\nArchive\tGSE101426_RAW.tar\t09/01/2017 11:27:24\t10\tTAR\n"
        b"File\tnotes.txt\t07/13/2017 12:18:42\t10\tTXT\n"
    )
    mount_series(router, filelist)
    s = session_factory()
    out = s.download("GSE101426", dest=tmp_path / "x", pattern="notes*")
    assert out.set_index("name").loc["notes.txt", "reason"] == "only available inside GSE101426_RAW.tar"
    assert set(out.status) == {"skipped"} and Path(out.attrs["dest"]) == (tmp_path / "x").resolve()


def test_unknown_series_and_wrong_kinds_are_error_rows(router, session_factory) -> None:  # type: ignore[no-untyped-def]
    mount_series(router)
    gone = router.get(url__startswith=f"{FTP}/series/GSE999nnn/GSE999999/").mock(return_value=httpx.Response(404))
    s = session_factory()
    df = s.files(["GSE999999", "GSE101426", "GPL570"])
    assert len(df) == 17 and set(df.accession) >= {"GSE101426"}
    errs = s.errors.set_index("accession")
    assert "NotFoundError" in errs.loc["GSE999999", "message"] and gone.call_count == 2  # suppl/ then the folder
    assert "takes GSE or GSM" in errs.loc["GPL570", "message"]


def test_download_defaults_to_geo_downloads(router, session_factory, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    name = "GSE101426_counts.txt.gz"
    router.get(SUPPL + name).mock(return_value=httpx.Response(200, content=body(name, 4096)))
    out = session_factory(progress=True).download(inventory([(name, 4096)]))
    assert out.status.tolist() == ["downloaded"]
    assert (tmp_path / "geo_downloads" / name).stat().st_size == 4096
    assert out.path.tolist() == [str((tmp_path / "geo_downloads" / name).resolve())]


def test_symlink_inside_dest_cannot_lead_outside(router, session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "link").symlink_to(outside, target_is_directory=True)
    route = router.get(SUPPL + "x.txt").mock(return_value=httpx.Response(200, content=b"x"))
    s = session_factory(progress=True)
    out = s.download(inventory([("link/x.txt", 1)]).assign(url=[SUPPL + "x.txt"]), dest=dest)
    assert out.status.tolist() == ["refused"] and route.call_count == 0
    assert list(outside.iterdir()) == [] and "leave the destination" in s.errors.message.iloc[0]
