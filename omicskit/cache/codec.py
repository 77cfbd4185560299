"""Encoding of cached records: a one-byte format tag, then JSON.

JSON (not pickle) because a Redis cache may be shared by a team: a poisoned
pickle would run code, a poisoned JSON document is only wrong data. orjson is
used when installed (it is several times faster on the warm path), the
standard library otherwise.

Decoding JSON is the largest cost of a warm read (about 8 µs for a 2.6 kB
DocSum record, most of it creating the Python strings), so
:func:`decode_record` keeps a small, bounded memo of *flat* records — dicts
whose values are scalars or lists of scalars, such as DocSums — keyed by the
exact cached bytes. An entry is memoised the second time it is decoded (a
one-off read pays only a hash). A hit costs one hash of the bytes and a copy
of the dict and its lists (a few µs); it can never be stale, because the key
is the whole entry, and every call still returns fresh containers (only
immutable strings and numbers are shared), so a caller that mutates a
record or a list cell of a DataFrame cannot change what the next read returns.
:func:`clear_decode_memo` empties it; :data:`MEMO_ENTRIES` and
:data:`MEMO_BUDGET_BYTES` bound it.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ..errors import ParseError

_orjson: Any
try:  # pragma: no cover - exercised when orjson is installed
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

__all__ = ["MEMO_BUDGET_BYTES", "MEMO_ENTRIES", "MEMO_MAX_BYTES", "clear_decode_memo", "decode_record", "encode_record"]

_TAG_JSON = b"J"
_TAG_BYTES = b"B"
_J = _TAG_JSON[0]
_B = _TAG_BYTES[0]

#: Most decoded records kept by the memo (oldest dropped first).
MEMO_ENTRIES = 4096
#: Entries larger than this many bytes are never memoised.
MEMO_MAX_BYTES = 32 * 1024
#: Most JSON bytes behind the memoised records (decoded objects take ~3-4x this).
MEMO_BUDGET_BYTES = 8 * 1024 * 1024
_SCALARS = frozenset({str, int, float, bool, type(None)})
#: cached bytes → (decoded flat record, keys of its list values)
_memo: dict[bytes, tuple[dict[str, Any], tuple[str, ...]]] = {}
#: hashes of entries decoded once: an entry is memoised the second time it is decoded
_seen: set[int] = set()
_memo_lock = threading.Lock()
_memo_bytes = 0


def encode_record(value: Any) -> bytes:
    """Bytes for the cache: raw payloads keep their bytes, records become JSON."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _TAG_BYTES + bytes(value)
    if _orjson is not None:
        return _TAG_JSON + _orjson.dumps(value)
    return _TAG_JSON + json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _loads(body: Any) -> Any:
    try:
        return _orjson.loads(body) if _orjson is not None else json.loads(bytes(body))
    except ValueError as exc:
        raise ParseError(f"undecodable cache entry: {exc}") from exc


def _list_keys(value: Any) -> tuple[str, ...] | None:
    """Keys of the list values of a *flat* record (a dict of scalars and lists of scalars), else None."""
    if type(value) is not dict:
        return None
    keys = []
    for key, item in value.items():
        kind = type(item)
        if kind is list:
            if not _SCALARS.issuperset(map(type, item)):
                return None
            keys.append(key)
        elif kind not in _SCALARS:
            return None
    return tuple(keys)


def _fresh(flat: dict[str, Any], list_keys: tuple[str, ...]) -> dict[str, Any]:
    """New dict and new lists; strings and numbers (immutable) shared."""
    out = flat.copy()
    for key in list_keys:
        out[key] = out[key].copy()
    return out


def _remember(blob: bytes, value: Any) -> None:
    """Memoise *value* the second time *blob* is decoded (one-off reads pay only a hash)."""
    marker = hash(blob)
    with _memo_lock:
        if marker not in _seen:
            if len(_seen) >= 4 * MEMO_ENTRIES:
                _seen.clear()
            _seen.add(marker)
            return
    list_keys = _list_keys(value)
    if list_keys is None:
        return
    entry = (_fresh(value, list_keys), list_keys)
    global _memo_bytes
    with _memo_lock:
        while _memo and (len(_memo) >= MEMO_ENTRIES or _memo_bytes + len(blob) > MEMO_BUDGET_BYTES):
            oldest = next(iter(_memo))
            del _memo[oldest]
            _memo_bytes -= len(oldest)
        if blob not in _memo:
            _memo_bytes += len(blob)
        _memo[blob] = entry


def clear_decode_memo() -> None:
    """Forget every memoised record (the next reads decode their JSON again)."""
    global _memo_bytes
    with _memo_lock:
        _memo.clear()
        _seen.clear()
        _memo_bytes = 0


def decode_record(blob: bytes) -> Any:
    """Inverse of :func:`encode_record`; raises :class:`ParseError` on anything else."""
    tag = blob[0] if blob else None
    if tag == _B:
        return blob[1:]
    if tag != _J:
        raise ParseError(f"unknown cache entry format {blob[:1]!r}")
    memo = type(blob) is bytes and len(blob) <= MEMO_MAX_BYTES
    if memo:
        hit = _memo.get(blob)
        if hit is not None:
            return _fresh(*hit)
    value = _loads(memoryview(blob)[1:])
    if memo:
        _remember(blob, value)
    return value
