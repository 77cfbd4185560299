"""Pytest fixture ``fake_services``: a started :class:`~omicskit.testing.FakeServices` per test.

Register with ``pytest_plugins = ["omicskit.testing.pytest_plugin"]`` in a
``conftest.py``. Tests needing other switches can build their own
``FakeServices(...)`` in a ``with`` block.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import FakeServices

__all__ = ["fake_services"]


@pytest.fixture
def fake_services() -> Iterator[FakeServices]:
    """Function-scoped fake of every service on 127.0.0.1 (rate limit on, no latency, no faults)."""
    with FakeServices() as fake:
        yield fake
