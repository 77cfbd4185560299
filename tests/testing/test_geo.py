"""Accession viewer and HTTPS mirror."""

from __future__ import annotations

import gzip
import http.client
import time

from omicskit.testing import FakeServices
from omicskit.testing._catalog import data_dir

from ._client import fetch


def acc(fake: FakeServices, accession: str, **params: str) -> str:
    reply = fetch(fake.urls["geo_url"] + "/query/acc.cgi", {"acc": accession, **params})
    assert reply.status == 200
    return reply.text


def test_accession_viewer_text_forms(fake_services: FakeServices) -> None:
    series = acc(fake_services, "GSE100750", targ="self", form="text", view="brief")
    assert series.startswith("^SERIES = GSE100750")
    assert "!Series_title = Repression of stress-induced LINE-1 expression protects cancer cell populations" in series
    assert "^SAMPLE" not in series
    samples = acc(fake_services, "GSE100750", targ="gsm", form="text", view="brief")
    assert samples.count("^SAMPLE = ") == 18 and "!Sample_characteristics_ch1 = cell line: PC9" in samples
    everything = acc(fake_services, "GSE19161", targ="all", form="text", view="brief")
    assert everything.count("^SERIES") == 1 and everything.count("^PLATFORM = GPL9717") == 1
    assert everything.count("^SAMPLE") == 61 and "_table_begin" not in everything
    full = acc(fake_services, "GSE19161", targ="gsm", form="text", view="full")
    assert full.count("!sample_table_begin") == 61
    quick = acc(fake_services, "GSM475065", targ="self", form="text", view="quick")
    assert quick.startswith("^SAMPLE = GSM475065") and len(quick.splitlines()) < len(full.splitlines())
    platform = acc(fake_services, "GSE93431", targ="gpl", form="text", view="brief")
    assert platform.count("^PLATFORM") == 2


def test_subseries_samples_come_from_superseries_text(fake_services: FakeServices) -> None:
    text = acc(fake_services, "GSE146537", targ="gsm", form="text", view="brief")
    assert text.count("^SAMPLE") == 6


def test_captcha_for_non_text_forms_and_missing_accession(fake_services: FakeServices) -> None:
    for params in ({"acc": "GSE100750"}, {"acc": "GSE100750", "form": "html", "targ": "self"}):
        page = fetch(fake_services.urls["geo_url"] + "/query/acc.cgi", params)
        assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
        assert page.text.startswith("<!DOCTYPE html>") and "Please verify you are human" in page.text
        assert "g-recaptcha" in page.text
    missing = acc(fake_services, "GSE999999999", targ="self", form="text", view="brief")
    assert 'Could not find a public or private accession "GSE999999999"' in missing


def test_geo_request_rate_is_measured(fake_services: FakeServices) -> None:
    url = fake_services.urls["geo_url"] + "/query/acc.cgi"
    for _ in range(12):
        fetch(url, {"acc": "GSE99709", "targ": "self", "form": "text", "view": "brief"})
    stats = fake_services.stats()
    assert stats["endpoints"]["geo/acc.cgi"] == 12
    assert 1 <= stats["max_per_second"]["geo"] <= 12


def test_mirror_family_soft_and_matrix(fake_services: FakeServices) -> None:
    ftp = fake_services.urls["ftp_url"]
    family = fetch(ftp + "/series/GSE100nnn/GSE100750/soft/GSE100750_family.soft.gz")
    assert family.status == 200 and family.headers["Content-Type"] == "application/x-gzip"
    text = gzip.decompress(family.body).decode()
    assert text.startswith("^SERIES = GSE100750") and text.count("^SAMPLE") == 18
    real = fetch(ftp + "/series/GSE19nnn/GSE19161/soft/GSE19161_family.soft.gz")
    assert gzip.decompress(real.body).startswith(b"^DATABASE")
    listing = fetch(ftp + "/series/GSE19nnn/GSE19161/matrix/").text
    assert '<a href="GSE19161_series_matrix.txt.gz">GSE19161_series_matrix.txt.gz</a>' in listing
    matrix = fetch(ftp + "/series/GSE19nnn/GSE19161/matrix/GSE19161_series_matrix.txt.gz")
    assert matrix.body == (data_dir() / "matrix/GSE19161_series_matrix.txt.gz").read_bytes()
    assert fetch(ftp + "/series/GSEnnn/GSE13/soft/GSE13_family.soft.gz").status == 200
    assert fetch(ftp + "/series/GSE100nnn/GSE100750/matrix/").status == 404
    assert fetch(ftp + "/series/GSE1nnn/GSE100750/soft/GSE100750_family.soft.gz").status == 404
    assert fetch(ftp + "/series/GSE100nnn/GSE100751/").status == 404


def test_mirror_suppl_listing_filelist_range_and_head(fake_services: FakeServices) -> None:
    base = fake_services.urls["ftp_url"] + "/series/GSE101nnn/GSE101426/suppl/"
    listing = fetch(base).text
    assert '<a href="GSE101426_RAW.tar">GSE101426_RAW.tar</a>' in listing and "01-Sep-2017 11:27" in listing
    assert '<a href="filelist.txt">filelist.txt</a>' in listing
    filelist = fetch(base + "filelist.txt")
    assert filelist.body == (data_dir() / "soft/GSE101426_file_list.txt").read_bytes()
    whole = fetch(base + "GSE101426_RAW.tar")
    assert whole.status == 200 and len(whole.body) == 64 * 1024
    assert f"   {len(whole.body)}" in listing
    part = fetch(base + "GSE101426_RAW.tar", headers={"Range": "bytes=1000-"})
    assert part.status == 206 and part.body == whole.body[1000:]
    assert part.headers["Content-Range"] == f"bytes 1000-{len(whole.body) - 1}/{len(whole.body)}"
    assert fetch(base + "GSE101426_RAW.tar", headers={"Range": "bytes=10-19"}).body == whole.body[10:20]
    assert fetch(base + "GSE101426_RAW.tar", headers={"Range": "bytes=999999-"}).status == 416
    head = fetch(base + "GSE101426_RAW.tar", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["Content-Length"] == str(len(whole.body))
    assert fetch(base + "nope.txt").status == 404
    again = fetch(base + "GSE101426_RAW.tar")
    assert again.body == whole.body  # deterministic synthetic bytes


def test_sample_and_platform_folders(fake_services: FakeServices) -> None:
    ftp = fake_services.urls["ftp_url"]
    listing = fetch(ftp + "/samples/GSM2692nnn/GSM2692559/suppl/").text
    assert "GSM2692559_1a_PC9_OCSA_peaks.bed.gz" in listing
    peaks = fetch(ftp + "/samples/GSM2692nnn/GSM2692559/suppl/GSM2692559_1a_PC9_OCSA_peaks.bed.gz")
    assert peaks.status == 200 and gzip.decompress(peaks.body)
    gpl = fetch(ftp + "/platforms/GPL9nnn/GPL9717/soft/GPL9717_family.soft.gz")
    assert gzip.decompress(gpl.body).startswith(b"^PLATFORM = GPL9717")


def test_keep_alive_connection_serves_many_requests(fake_services: FakeServices) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", fake_services.port, timeout=5)
    try:
        for _ in range(3):
            conn.request("GET", "/geo/query/acc.cgi?acc=GSE99709&targ=self&form=text&view=brief")
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200 and int(resp.headers["Content-Length"]) == len(body)
            assert resp.version == 11 and not resp.will_close
    finally:
        conn.close()
    time.sleep(0.01)
