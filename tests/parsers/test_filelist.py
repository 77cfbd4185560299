"""Tests for filelist.txt (real GEO files) and suppl/ directory listings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omicskit.errors import UnsafePathError
from omicskit.parsers.filelist import parse_directory_listing, parse_filelist, safe_name

DATA = Path(__file__).resolve().parent.parent / "data" / "geo"
BASE = "https://ftp.ncbi.nlm.nih.gov/geo/series/GSE1nnn/GSE1234/suppl/"


def test_gse101426_filelist() -> None:
    rows = parse_filelist((DATA / "GSE101426_file_list.txt").read_bytes())
    assert len(rows) == 17
    assert rows[0] == {
        "archive": "Archive",
        "name": "GSE101426_RAW.tar",
        "time": "09/01/2017 11:27:24",
        "size": 6092451840,
        "type": "TAR",
        "member_of": None,
    }
    assert rows[1] == {
        "archive": "File",
        "name": "GSM2702712_sampled-24-RBL-Donor-1-D0.hqaa.bam",
        "time": "07/13/2017 12:18:42",
        "size": 665334725,
        "type": "BAM",
        "member_of": "GSE101426_RAW.tar",
    }
    assert rows[-1]["name"] == "GSM2702719_sampled-31-RBL-Donor-1-WT-D7.hqaa_sorted.bam.count.tdf.gz"
    assert rows[-1]["size"] == 115172644
    assert [r["type"] for r in rows[1:]].count("BAM") == 8


def test_gse101512_filelist_long_names() -> None:
    rows = parse_filelist((DATA / "GSE101512_file_list.txt").read_bytes())
    assert len(rows) == 19
    assert rows[0]["name"] == "GSE101512_RAW.tar" and rows[0]["size"] == 676229120
    assert rows[0]["time"] == "01/26/2018 08:46:34"
    assert {r["type"] for r in rows[1:]} == {"BED"}
    assert rows[-1]["name"] == "GSM2856217_K562E669Q_1000.sorted.bam.bed.gz"
    assert rows[-1]["size"] == 194053924
    assert all(r["member_of"] == "GSE101512_RAW.tar" for r in rows[1:])


def test_filelist_skips_unsafe_and_reports_them() -> None:
    data = (
        b"#Archive/File\tName\tTime\tSize\tType\r\n"
        b"Archive\tGSE1_RAW.tar\t01/26/2018 08:46:34\t100\tTAR\r\n"
        b"File\t../../etc/passwd\t01/26/2018 08:46:34\t1\tTXT\r\n"
        b"File\t/abs/path\t01/26/2018 08:46:34\t1\tTXT\r\n"
        b"File\tGSM1_ok.txt.gz\t01/26/2018 08:46:34\t\tTXT\r\n"
        b"\r\n"
        b"garbage-line\r\n"
    )
    rejected: list[dict[str, Any]] = []
    rows = parse_filelist(data, rejected=rejected)
    assert [r["name"] for r in rows] == ["GSE1_RAW.tar", "GSM1_ok.txt.gz"]
    assert rows[1]["size"] is None
    assert [r["name"] for r in rejected] == ["../../etc/passwd", "/abs/path"]
    assert parse_filelist(data) == rows  # without a list, unsafe rows are just dropped


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "..",
        ".",
        "../x",
        "a/../../b",
        "a/..",
        "/etc/passwd",
        "C:evil",
        "c:\\x",
        "a\\b",
        "a\x00b",
        "x\ny",
        "dir/",
    ],
)
def test_safe_name_rejects(name: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_name(name)


@pytest.mark.parametrize("name", ["GSE1234_RAW.tar", "GSM1 - RIE vs RIETGFb #1.TIF.gz", "sub/file.txt", "a..b.txt"])
def test_safe_name_accepts(name: str) -> None:
    assert safe_name(name) == name


# No real directory-listing page exists among the shared fixtures, so this one is
# synthetic: it mimics the Apache-style index that ftp.ncbi.nlm.nih.gov serves over
# HTTPS (sort links, a parent-directory link, a sub-folder, rounded sizes).
LISTING = b"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of /geo/series/GSE1nnn/GSE1234/suppl</title>
 </head>
 <body>
<h1>Index of /geo/series/GSE1nnn/GSE1234/suppl</h1>
<pre>Name                                 Last modified      Size  <a href="?C=N;O=D">Name</a> <a href="?C=M;O=A">Last modified</a> <a href="?C=S;O=A">Size</a><hr><a href="/geo/series/GSE1nnn/GSE1234/">Parent Directory</a>                                          -
<a href="GSE1234_RAW.tar">GSE1234_RAW.tar</a>                       2017-07-12 14:05  123M
<a href="GSE1234_counts.txt.gz">GSE1234_counts.txt.gz</a>                 2017-07-12 14:06  4.5K
<a href="GSE1234_very_long_name_that_apache_cuts_off.txt.gz">GSE1234_very_long_name_that_apache..&gt;</a> 2018-01-02 03:04  1.2G
<a href="filelist.txt">filelist.txt</a>                          2017-07-12 14:05  1201
<a href="tables/">tables/</a>                               2017-07-12 14:05    -
<a href="..%2F..%2Fescape.txt">../../escape.txt</a>                     2017-07-12 14:05  12
<a href="https://elsewhere.example/x.txt">x.txt</a>                  2017-07-12 14:05  12
<a href="GSE1234%20with%20space.txt">GSE1234 with space.txt</a>              2017-07-12 14:05  7
<hr></pre>
</body></html>
"""


def test_directory_listing() -> None:
    rejected: list[dict[str, Any]] = []
    rows = parse_directory_listing(LISTING, BASE, rejected=rejected)
    by_name = {r["name"]: r for r in rows}
    assert list(by_name) == [
        "GSE1234_RAW.tar",
        "GSE1234_counts.txt.gz",
        "GSE1234_very_long_name_that_apache_cuts_off.txt.gz",
        "filelist.txt",
        "GSE1234 with space.txt",
    ]
    raw = by_name["GSE1234_RAW.tar"]
    assert raw == {
        "name": "GSE1234_RAW.tar",
        "url": BASE + "GSE1234_RAW.tar",
        "size": 123 * 1024**2,
        "size_exact": False,
        "modified": "2017-07-12 14:05",
    }
    assert by_name["GSE1234_counts.txt.gz"]["size"] == 4608
    assert by_name["GSE1234_very_long_name_that_apache_cuts_off.txt.gz"]["size"] == round(1.2 * 1024**3)
    assert by_name["filelist.txt"]["size"] == 1201 and by_name["filelist.txt"]["size_exact"] is True
    assert by_name["GSE1234 with space.txt"]["url"] == BASE + "GSE1234%20with%20space.txt"
    assert [r["name"] for r in rejected] == ["../../escape.txt"]


def test_directory_listing_base_without_slash_and_nginx_dates() -> None:
    page = b'<a href="../">../</a>\n<a href="GSE9_RAW.tar">GSE9_RAW.tar</a>   12-Jul-2017 14:05   123456\n'
    rows = parse_directory_listing(page, BASE.rstrip("/"))
    assert rows == [
        {
            "name": "GSE9_RAW.tar",
            "url": BASE + "GSE9_RAW.tar",
            "size": 123456,
            "size_exact": True,
            "modified": "12-Jul-2017 14:05",
        }
    ]


def test_directory_listing_of_nothing() -> None:
    assert parse_directory_listing(b"", BASE) == []
    assert parse_directory_listing(b"<html><body>Access denied</body></html>", BASE) == []
