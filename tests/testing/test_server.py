"""Server lifecycle, addresses, log statistics, latency, replicas, respx form, import hygiene."""

from __future__ import annotations

import ast
import gc
import gzip
import http.client
import socket
import time
import warnings
from pathlib import Path

import pytest

import omicskit.testing as testing
from omicskit.testing import BENCHMARK_LATENCY, FakeServices
from omicskit.testing._log import max_in_window

from ._client import fetch


def test_urls_env_and_config(fake_services: FakeServices) -> None:
    base = f"http://127.0.0.1:{fake_services.port}"
    assert fake_services.urls == {
        "eutils_url": base + "/eutils",
        "geo_url": base + "/geo",
        "ftp_url": base + "/ftp/geo",
        "idconv_url": base + "/idconv",
        "unpaywall_url": base + "/unpaywall/v2",
        "europepmc_url": base + "/europepmc",
        "crossref_url": base + "/crossref",
        "arxiv_url": base + "/arxiv/api",
        "biorxiv_url": base + "/biorxiv",
    }
    assert fake_services.config_overrides() == fake_services.urls
    assert fake_services.env()["OMICSKIT_EUTILS_URL"] == base + "/eutils"
    assert fake_services.config(email="me@lab.org").geo_url == base + "/geo"
    assert fetch(base + "/nowhere").status == 404


def test_stats_and_log(fake_services: FakeServices) -> None:
    for _ in range(3):
        fetch(fake_services.urls["geo_url"] + "/query/acc.cgi?acc=GSE13&targ=self&form=text")
    fetch(fake_services.urls["eutils_url"] + "/einfo.fcgi?db=gds&retmode=json&api_key=abc")
    stats = fake_services.stats()
    assert stats["total"] == 4 and stats["endpoints"] == {"geo/acc.cgi": 3, "eutils/einfo": 1}
    assert stats["max_per_second"]["geo"] == 3 and stats["served_429"] == 0
    entry = fake_services.log[-1]
    assert (entry.service, entry.endpoint, entry.method, entry.status, entry.api_key) == (
        "eutils",
        "einfo",
        "GET",
        200,
        True,
    )
    fake_services.reset_log()
    assert fake_services.stats()["total"] == 0


def test_max_in_window() -> None:
    assert max_in_window([0.0, 0.1, 0.5, 0.99, 1.0, 1.5, 3.0]) == 4
    assert max_in_window([]) == 0


def test_latency_switch_and_benchmark_preset() -> None:
    with FakeServices(latency={"geo": 0.2}) as fake:
        started = time.perf_counter()
        fetch(fake.urls["geo_url"] + "/query/acc.cgi?acc=GSE13&targ=self&form=text")
        assert time.perf_counter() - started >= 0.2
        started = time.perf_counter()
        fetch(fake.urls["crossref_url"] + "/works/10.1371/journal.pone.0033693")
        assert time.perf_counter() - started < 0.2
    bench = FakeServices.benchmark()
    assert bench.app.latency == BENCHMARK_LATENCY
    assert BENCHMARK_LATENCY["eutils"] == 0.25 and BENCHMARK_LATENCY["geo"] == 0.15 and BENCHMARK_LATENCY["ftp"] == 0.10
    assert FakeServices(latency={"literature": 0.1}).app.latency["unpaywall"] == 0.1


def test_replicas_are_searchable_and_served() -> None:
    with FakeServices(replicas=500, rate_limit=False) as fake:
        assert fake.replicas["GSE9000001"] == "GSE100750" and len(fake.replicas) == 500
        eutils = fake.urls["eutils_url"]
        found = fetch(
            eutils + "/esearch.fcgi", {"db": "gds", "retmode": "json", "term": "replica", "retmax": 500}
        ).json()
        ids = found["esearchresult"]["idlist"]
        assert found["esearchresult"]["count"] == "500" and "209000001" in ids
        docs = fetch(eutils + "/esummary.fcgi", data={"db": "gds", "retmode": "json", "id": ",".join(ids)}).json()
        assert docs["result"]["209000001"]["accession"] == "GSE9000001"
        assert docs["result"]["209000001"]["title"] == fake.catalog.series["GSE100750"].docsum["title"]
        text = fetch(fake.urls["geo_url"] + "/query/acc.cgi?acc=GSE9000001&targ=self&form=text&view=brief").text
        assert text.startswith("^SERIES = GSE9000001") and "GSE100750" not in text
        family = fetch(fake.urls["ftp_url"] + "/series/GSE9000nnn/GSE9000008/soft/GSE9000008_family.soft.gz")
        assert gzip.decompress(family.body).count(b"^SAMPLE") == 61  # replica of GSE19161
        matrix = fetch(fake.urls["ftp_url"] + "/series/GSE9000nnn/GSE9000008/matrix/GSE9000008_series_matrix.txt.gz")
        assert b"GSE9000008" in gzip.decompress(matrix.body)
        assert fake.log[-1].replica_of == "GSE19161" and fake.stats()["replica_requests"] >= 3


def test_clean_shutdown_with_open_keepalive_connection() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fake = FakeServices().start()
        port = fake.port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/geo/query/acc.cgi?acc=GSE13&targ=self&form=text")
        conn.getresponse().read()
        fake.stop()
        fake.stop()  # idempotent
        conn.close()
        gc.collect()
        assert not fake.running
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
        with fake:  # restartable
            assert fetch(fake.urls["geo_url"] + "/query/acc.cgi?acc=GSE13&targ=self&form=text").status == 200
        gc.collect()


def test_binds_loopback_only(fake_services: FakeServices) -> None:
    assert fake_services.app is not None
    assert fake_services.base_url.startswith("http://127.0.0.1:")


def test_respx_router_answers_in_process() -> None:
    httpx = pytest.importorskip("httpx")
    with FakeServices(rate_limit=False) as fake, testing.respx_router(fake):
        reply = httpx.get(
            "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi",
            params={"db": "gds", "retmode": "json", "id": "200093374"},
        )
        assert reply.json()["result"]["200093374"]["accession"] == "GSE93374"
        soft = httpx.get("https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE100750&targ=gsm&form=text&view=brief")
        assert soft.text.count("^SAMPLE") == 18
        assert fake.stats()["total"] == 2
    catalog = FakeServices(faults=1.0, fault_kinds=("reset",)).catalog
    with testing.respx_router(testing.Catalog.base(), base_urls={"crossref_url": "https://api.crossref.org"}):
        assert httpx.get("https://api.crossref.org/works/10.9999/none").status_code == 404
    with testing.respx_router(FakeServices(faults=1.0, fault_kinds=("reset",))), pytest.raises(httpx.ReadError):
        httpx.get("https://api.crossref.org/works/10.1371/journal.pone.0033693")
    assert catalog is testing.Catalog.base()


def test_package_does_not_import_heavy_dependencies_at_import_time() -> None:
    root = Path(testing.__file__).parent
    banned = {"httpx", "respx", "redis", "pytest"}
    for path in root.glob("*.py"):
        if path.name in ("pytest_plugin.py", "redis_server.py"):
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            assert not {n.split(".")[0] for n in names} & banned, (path.name, names)
    assert testing.__all__ == sorted(testing.__all__)
