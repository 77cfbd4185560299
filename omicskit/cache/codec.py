"""Encoding of cached records: a one-byte format tag, then JSON.

JSON (not pickle) because a Redis cache may be shared by a team: a poisoned
pickle would run code, a poisoned JSON document is only wrong data. orjson is
used when installed (it is several times faster on the warm path), the
standard library otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ParseError

_orjson: Any
try:  # pragma: no cover - exercised when orjson is installed
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

__all__ = ["decode_record", "encode_record"]

_TAG_JSON = b"J"
_TAG_BYTES = b"B"


def encode_record(value: Any) -> bytes:
    """Bytes for the cache: raw payloads keep their bytes, records become JSON."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _TAG_BYTES + bytes(value)
    if _orjson is not None:
        return _TAG_JSON + _orjson.dumps(value)
    return _TAG_JSON + json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def decode_record(blob: bytes) -> Any:
    """Inverse of :func:`encode_record`; raises :class:`ParseError` on anything else."""
    tag, body = blob[:1], blob[1:]
    if tag == _TAG_BYTES:
        return body
    if tag != _TAG_JSON:
        raise ParseError(f"unknown cache entry format {tag!r}")
    try:
        return _orjson.loads(body) if _orjson is not None else json.loads(body)
    except ValueError as exc:
        raise ParseError(f"undecodable cache entry: {exc}") from exc
