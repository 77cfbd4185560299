"""In-process form of the fake: a ``respx`` router answering from the same catalog, no socket.

For unit tests of code that uses ``httpx``. Latency is not simulated (it would
block the event loop); rate limits, faults and the request log are shared with
the ``FakeServices`` passed in. Transport faults become httpx errors:
``reset`` → ``httpx.ReadError``, ``truncated`` → ``httpx.RemoteProtocolError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._app import CONFIG_FIELDS, FakeApp
from ._catalog import Catalog
from ._http import Request

if TYPE_CHECKING:
    from ._server import FakeServices

__all__ = ["respx_router"]


def _default_urls() -> dict[str, str]:
    from ..config import URL_FIELDS

    return {name: default for name, _env, default in URL_FIELDS}


def respx_router(fake_or_catalog: FakeServices | Catalog | FakeApp, base_urls: Mapping[str, str] | None = None) -> Any:
    """A ``respx.MockRouter`` routing each omicskit base URL to the fake's handlers.

    ``base_urls`` maps ``Config`` field names to base URLs (default: the real
    services' URLs, i.e. ``Config()`` defaults). Passing a :class:`Catalog`
    builds a private app with the rate limit off. Use as
    ``with respx_router(fake) as router: ...``.
    """
    import respx  # lazy: optional test dependency

    httpx = respx.models.httpx  # the httpx respx is bound to (omicskit imports httpx in one module only)
    if isinstance(fake_or_catalog, FakeApp):
        app = fake_or_catalog
    elif isinstance(fake_or_catalog, Catalog):
        app = FakeApp(fake_or_catalog, rate_limit=False)
    else:
        app = fake_or_catalog.app
    urls = dict(base_urls or _default_urls())
    service_of = {field: service for service, field in CONFIG_FIELDS.items()}
    router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)

    def make_side_effect(service: str, base: str) -> Any:
        base_path = urlsplit(base).path.rstrip("/")

        def side_effect(request: Any) -> Any:
            path = request.url.path[len(base_path) :] or "/"
            query = request.url.query.decode() if isinstance(request.url.query, bytes) else str(request.url.query)
            req = Request(request.method, service, path, query, request.content, dict(request.headers.items()))
            resp = app.handle(req)
            if resp.transport == "reset":
                raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
            if resp.transport == "truncate":
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body (incomplete chunked read)",
                    request=request,
                )
            body = b"" if request.method == "HEAD" else resp.body
            return respx.MockResponse(resp.status, headers=resp.headers, content=body)

        return side_effect

    for field, base in urls.items():
        service = service_of.get(field)
        if service is None:
            raise ValueError(f"unknown base URL field {field!r}; expected one of {sorted(service_of)}")
        router.route(url__startswith=base.rstrip("/") + "/").mock(side_effect=make_side_effect(service, base))
    return router
