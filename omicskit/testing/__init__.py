"""A faithful fake of NCBI GEO, E-utilities and the literature APIs for tests and benchmarks.

``FakeServices`` serves real bundled records over real HTTP on 127.0.0.1 with
NCBI's rate limit, optional latency and deterministic fault injection;
``respx_router`` answers from the same records in-process for unit tests;
``fake_services`` is the pytest fixture (``omicskit.testing.pytest_plugin``).

Importing this package starts nothing and imports neither httpx, respx,
redis nor pytest.
"""

from __future__ import annotations

from typing import Any

from ._app import BENCHMARK_LATENCY, PREFIXES
from ._catalog import LITERATURE_PAIRING, REPLICA_BASE, Catalog, Pairing
from ._faults import ALL_FAULTS
from ._log import LogEntry
from ._respx import respx_router
from ._server import FakeServices

__all__ = [
    "ALL_FAULTS",
    "BENCHMARK_LATENCY",
    "Catalog",
    "FakeServices",
    "LITERATURE_PAIRING",
    "LogEntry",
    "PREFIXES",
    "Pairing",
    "REPLICA_BASE",
    "fake_services",
    "respx_router",
]


def __getattr__(name: str) -> Any:
    # The fixture lives in pytest_plugin (imports pytest); load it only when asked for.
    if name == "fake_services":
        from .pytest_plugin import fake_services

        return fake_services
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
