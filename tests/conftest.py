"""Shared fixtures: real fixture files, respx-backed sessions, the fake services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check behaviour, not speed: no per-example deadline (a loaded 2-core CI machine
# would otherwise fail them at random), and the same example count everywhere.
settings.register_profile("omicskit", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("omicskit")

DATA = Path(__file__).parent / "data"

pytest_plugins = ["omicskit.testing.pytest_plugin"]

#: Fast limits for unit tests; tests about rate limiting build their own session.
FAST = {
    "eutils_rate": 500.0,
    "geo_rate": 500.0,
    "literature_rate": 500.0,
    "arxiv_interval": 0.001,
    "backoff_base": 0.01,
    "backoff_max": 0.05,
}


@pytest.fixture
def data() -> Path:
    return DATA


def read(rel: str) -> bytes:
    return (DATA / rel).read_bytes()


@pytest.fixture
def router() -> Iterator[object]:
    respx = pytest.importorskip("respx")
    r = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
    yield r


@pytest.fixture
def session_factory(router):  # type: ignore[no-untyped-def]
    """Sessions wired to the respx router, memory cache, fast limits; closed afterwards."""
    import omicskit as ok

    made: list[ok.Session] = []

    def make(**kw):  # type: ignore[no-untyped-def]
        opts = {"email": "tester@example.org", "cache": "memory", "progress": False, "http_transport": router, **FAST}
        opts.update(kw)
        s = ok.Session(**opts)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()
