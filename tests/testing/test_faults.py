"""Fault injection: every kind, and determinism per seed."""

from __future__ import annotations

import gzip
import http.client
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from omicskit.testing import FakeServices

from ._client import fetch

ESEARCH = "/eutils/esearch.fcgi?db=gds&retmode=json&term=atac"


def only(kind: str) -> FakeServices:
    return FakeServices(faults=1.0, fault_kinds=(kind,), rate_limit=False)


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_status_faults(kind: str) -> None:
    with only(kind) as fake:
        reply = fetch(fake.base_url + ESEARCH)
        assert reply.status == int(kind) and reply.headers["Content-Type"].startswith("text/html")
        if kind == "503":
            assert reply.headers["Retry-After"] == "1"
        assert fake.log[0].fault == kind and fake.stats()["faults_served"] == 1


def test_html408_fault() -> None:
    with only("html408") as fake:
        reply = fetch(fake.base_url + ESEARCH)
        assert reply.status == 408 and "<title>408 Request Timeout</title>" in reply.text


def test_captcha_fault_only_on_geo() -> None:
    with only("captcha") as fake:
        page = fetch(fake.urls["geo_url"] + "/query/acc.cgi?acc=GSE100750&targ=self&form=text&view=brief")
        assert page.status == 200 and "Please verify you are human" in page.text
        assert fetch(fake.base_url + ESEARCH).json()["esearchresult"]["count"] != "0"  # not applicable → genuine


def test_error200_fault() -> None:
    with only("error200") as fake:
        search = fetch(fake.base_url + ESEARCH)
        assert search.status == 200 and "ERROR" in search.json()["esearchresult"]
        summary = fetch(fake.urls["eutils_url"] + "/esummary.fcgi?db=gds&retmode=json&id=200093374")
        assert summary.status == 200 and "error" in summary.json() and "result" not in summary.json()


def test_truncated_fault() -> None:
    with only("truncated") as fake:
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        try:
            conn.request("GET", ESEARCH)
            resp = conn.getresponse()
            with pytest.raises(http.client.IncompleteRead):
                resp.read()
        finally:
            conn.close()


def test_corrupt_gzip_fault_only_on_gzip_bodies() -> None:
    with only("corrupt_gzip") as fake:
        body = fetch(fake.urls["ftp_url"] + "/series/GSE100nnn/GSE100750/soft/GSE100750_family.soft.gz").body
        assert body[:2] == b"\x1f\x8b"
        with pytest.raises((OSError, EOFError, zlib.error)):
            gzip.decompress(body)
        assert fetch(fake.base_url + ESEARCH).status == 200  # JSON: not applicable
        assert [e.fault for e in fake.log] == ["corrupt_gzip", None]


def test_reset_fault() -> None:
    with only("reset") as fake:
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        try:
            conn.request("GET", ESEARCH)
            with pytest.raises(ConnectionError):
                conn.getresponse().read()
        finally:
            conn.close()
        assert fake.log[0].status == 0 and fake.log[0].fault == "reset"


def _run(seed: int, parallel: bool) -> list[tuple[str, str | None]]:
    urls = [
        f"/geo/query/acc.cgi?acc={a}&targ=self&form=text&view=brief"
        for a in ("GSE100750", "GSE19161", "GSE99709", "GSE93431", "GSE13")
    ] * 8
    with FakeServices(faults=0.3, fault_kinds=("500", "503", "captcha"), seed=seed) as fake:
        if parallel:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda u: fetch(fake.base_url + u), urls))
        else:
            for url in urls:
                fetch(fake.base_url + url)
        return sorted(((e.path, e.fault) for e in fake.log), key=lambda x: (x[0], x[1] or ""))


def test_faults_are_deterministic_per_seed() -> None:
    first = _run(7, parallel=False)
    assert first == _run(7, parallel=True)
    assert 0 < sum(1 for _p, f in first if f) < len(first)
    assert first != _run(8, parallel=False)


def test_unknown_fault_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FakeServices(faults=0.1, fault_kinds=("teapot",))
