"""Transport-neutral request and response objects shared by the HTTP server and respx.

Handlers in this package never see sockets: they take a :class:`Request`
(method, service, path below the service's base URL, query, form body) and
return a :class:`Response`. The stdlib server and the respx router both
translate to and from these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["Request", "Response", "html_response", "json_response", "text_response"]


@dataclass
class Request:
    """One incoming request, already split by service prefix."""

    method: str
    service: str
    #: Path below the service base URL, always starting with "/" (e.g. "/esearch.fcgi").
    path: str
    #: Raw query string (without "?").
    query_string: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    client: str = "127.0.0.1"

    @property
    def params(self) -> dict[str, str]:
        """Query parameters merged with an urlencoded form body (body wins), last value kept."""
        merged = dict(parse_qsl(self.query_string, keep_blank_values=True))
        ctype = self.header("content-type")
        if self.body and (not ctype or "application/x-www-form-urlencoded" in ctype):
            try:
                merged.update(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                pass
        return merged

    def header(self, name: str, default: str = "") -> str:
        """Case-insensitive header lookup."""
        low = name.lower()
        for key, value in self.headers.items():
            if key.lower() == low:
                return value
        return default

    @property
    def target(self) -> str:
        """Path plus query string, as sent."""
        return self.path + ("?" + self.query_string if self.query_string else "")


@dataclass
class Response:
    """A complete response; ``fault`` names an injected fault (``None`` when genuine)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Name of the endpoint, for the request log ("esearch", "acc.cgi", "suppl", ...).
    endpoint: str = ""
    fault: str | None = None
    #: Transport-level behaviour for faults: "truncate" or "reset".
    transport: str | None = None
    #: Length to announce in Content-Length when it differs from len(body) (HEAD, truncation).
    announced_length: int | None = None
    replica_of: str | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def json_response(payload: Any, status: int = 200, *, endpoint: str = "", indent: int | None = None) -> Response:
    """Serialise ``payload`` as UTF-8 JSON."""
    body = json.dumps(payload, ensure_ascii=False, indent=indent).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json; charset=UTF-8"}, endpoint=endpoint)


def text_response(text: str | bytes, status: int = 200, *, endpoint: str = "", ctype: str = "text/plain") -> Response:
    """A text body; ``str`` is encoded as UTF-8, ``bytes`` are sent verbatim."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(status, body, {"Content-Type": f"{ctype}; charset=UTF-8"}, endpoint=endpoint)


def html_response(html: str, status: int = 200, *, endpoint: str = "") -> Response:
    """An HTML page."""
    return text_response(html, status, endpoint=endpoint, ctype="text/html")
