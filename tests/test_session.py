"""Session lifecycle, contexts (script, running loop, worker thread), search and series."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import warnings

import pytest

import omicskit as ok

from .conftest import read

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"


@pytest.fixture
def eutils_routes(router):  # type: ignore[no-untyped-def]
    router.get(url__startswith=f"{EUTILS}/esearch.fcgi").respond(200, content=read("eutils/adgencov_esearch_gds.json"))
    summary = router.route(url__startswith=f"{EUTILS}/esummary.fcgi").respond(
        200, content=read("eutils/adgencov_esummary_gds.json")
    )
    return summary


def test_search_returns_contract_frame(session_factory, eutils_routes) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    df = s.search("dexamethasone airway smooth muscle", limit=5, entry_type=None)
    assert df.accession.tolist() == ["GSE95632", "GSE52778", "GSE34313", "GDS3946", "GPL1261"]
    assert df.columns[0] == "accession"
    assert df.attrs["count"] == 36
    assert df.attrs["query_translation"].startswith('("dexamethasone"[All Fields]')
    assert df.attrs["term"] == "(dexamethasone airway smooth muscle)"
    assert df.attrs["row_source"] == ["live"] * 5
    assert s.errors.empty and list(s.errors.columns) == ["accession", "stage", "status", "message", "retryable"]
    # same query again: search cached as UIDs, records from the per-item cache
    again = s.search("dexamethasone airway smooth muscle", limit=5, entry_type=None)
    assert again.attrs["search_from_cache"] and again.attrs["row_source"] == ["cache"] * 5
    assert eutils_routes.call_count == 1
    stats = s.cache.stats()
    assert {"hits", "misses", "hit_rate", "items"} <= set(stats) and stats["hits"] >= 6


def test_unknown_accessions_become_error_rows(session_factory, eutils_routes) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    df = s.series(["GSE95632", "gse52778", "GSE999999999"])
    assert df.accession.tolist() == ["GSE95632", "GSE52778"]
    assert s.errors.accession.tolist() == ["GSE999999999"] and not s.errors.retryable.any()


def test_bad_input_fails_before_any_request(session_factory, router) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    with pytest.raises(ok.InvalidAccessionError, match="'SRP123'"):
        s.series(["GSE1", "SRP123"])
    with pytest.raises(ok.InvalidQueryError, match="empty search"):
        s.search("")
    with pytest.raises(ok.InvalidQueryError, match="limit"):
        s.search("cancer", limit=0)
    with pytest.raises(ok.InvalidQueryError, match="unknown organism"):
        s.search("cancer", organism="Homo sapien")
    assert not router.calls


def test_works_inside_a_running_event_loop(session_factory, eutils_routes) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()

    async def notebook_cell() -> list[str]:  # a Jupyter cell runs inside a live loop
        return s.series("GSE95632").accession.tolist()

    assert asyncio.run(notebook_cell()) == ["GSE95632"]


def test_works_from_worker_threads(session_factory, eutils_routes) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    accs = ["GSE95632", "GSE52778", "GSE34313"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda a: s.series(a).accession.tolist(), accs * 3))
    assert results == [[a] for a in accs * 3]


def test_close_is_idempotent_and_closed_session_refuses(session_factory) -> None:  # type: ignore[no-untyped-def]
    s = session_factory()
    s.close()
    s.close()
    assert s.closed
    with pytest.raises(ok.SessionClosedError):
        s.series("GSE1")
    with pytest.raises(ok.SessionClosedError):
        s.cache.stats()


def test_async_session(router, eutils_routes) -> None:  # type: ignore[no-untyped-def]
    async def go() -> list[str]:
        async with ok.AsyncSession(
            email="a@example.org", cache="memory", progress=False, http_transport=router, eutils_rate=100.0
        ) as s:
            df = await s.series(["GSE95632", "GDS3946"])
            assert s.errors.empty
        assert s.closed
        with pytest.raises(ok.SessionClosedError):
            await s.series("GSE1")
        return df.accession.tolist()

    assert asyncio.run(go()) == ["GSE95632", "GDS3946"]


def test_repr_hides_secrets(session_factory) -> None:  # type: ignore[no-untyped-def]
    s = session_factory(api_key="KEY-abc-123", email="who@example.org")
    text = repr(s) + repr(s.config) + repr(s.async_session)
    assert "KEY-abc-123" not in text and "who@example.org" not in repr(s)
    assert "api key set" in repr(s)


def test_warns_once_without_email(router, caplog) -> None:  # type: ignore[no-untyped-def]
    import omicskit.session as mod

    mod._warned_no_email = False
    caplog.set_level(logging.WARNING, logger="omicskit")
    a = ok.Session(cache="memory", progress=False, http_transport=router)
    b = ok.Session(cache="memory", progress=False, http_transport=router)
    a.close()
    b.close()
    assert sum("no email set" in r.message for r in caplog.records) == 1


def test_verify_off_warns_every_session(router) -> None:  # type: ignore[no-untyped-def]
    from omicskit.session import InsecureTransportWarning

    for _ in range(2):
        with pytest.warns(InsecureTransportWarning):
            s = ok.Session(email="a@example.org", cache="memory", progress=False, http_transport=router, verify=False)
        s.close()


def test_config_from_env_and_urls(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NCBI_EMAIL", "env@example.org")
    monkeypatch.setenv("NCBI_API_KEY", "envkey")
    monkeypatch.setenv("OMICSKIT_EUTILS_URL", "http://127.0.0.1:9/eutils/")
    monkeypatch.setenv("OMICSKIT_CACHE", "memory")
    cfg = ok.Config.from_env()
    assert cfg.email == "env@example.org" and cfg.api_key == "envkey" and cfg.cache == "memory"
    assert cfg.eutils_url == "http://127.0.0.1:9/eutils" and cfg.effective_eutils_rate == 8.0
    assert "envkey" not in repr(cfg)
    with pytest.raises(ok.ConfigError):
        ok.Config(geo_url="ftp://nope")
    with pytest.raises(ok.ConfigError):
        cfg.replace(nonsense=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ok.Config().effective_eutils_rate == 2.4
