"""Fixtures for the fake-services tests (stdlib HTTP client only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from omicskit.testing import FakeServices
from omicskit.testing.pytest_plugin import fake_services  # noqa: F401  (re-exported fixture)


@pytest.fixture
def fake_free() -> Iterator[FakeServices]:
    """A fake without the NCBI rate limit, for tests that make many E-utilities calls."""
    with FakeServices(rate_limit=False) as fake:
        yield fake
