"""Byte-stream helpers shared by the GEO text parsers.

GEO text payloads (SOFT, series matrices, ``filelist.txt``) arrive as bytes,
as an iterable of byte chunks (an httpx stream, a cache read) or as a binary
file object, gzipped or not. These helpers turn any of those into a bounded
stream of decompressed chunks and then into lines, without ever holding the
whole decompressed payload in memory:

* :func:`iter_chunks` normalises the three source shapes into byte chunks;
* :func:`gunzip_chunks` decompresses transparently when the data starts with
  the gzip magic bytes ``1f 8b`` (several concatenated members allowed), emits
  output in bounded pieces and raises :class:`~omicskit.errors.ParseError`
  when the output would exceed ``max_bytes`` (a gzip bomb), when the stream is
  corrupt, or when it is truncated;
* :func:`iter_lines` splits chunks into lines, dropping ``\\n`` / ``\\r\\n``;
* :func:`decode_line` decodes one line as UTF-8, falling back to Latin-1 (old
  GEO records mix both, sometimes in the same file).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Protocol, TypeAlias, runtime_checkable

from omicskit.errors import ParseError

__all__ = [
    "BOM",
    "ByteSource",
    "CHUNK_SIZE",
    "DEFAULT_MAX_BYTES",
    "GZIP_MAGIC",
    "decode_line",
    "decoded_chunks",
    "gunzip_chunks",
    "iter_chunks",
    "iter_lines",
]

#: Default ceiling on decompressed output: 2 GiB.
DEFAULT_MAX_BYTES = 2 * 1024**3
#: Size of the pieces read from files and emitted by the decompressor.
CHUNK_SIZE = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"


@runtime_checkable
class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


#: What every GEO text parser accepts.
ByteSource: TypeAlias = bytes | bytearray | memoryview | Iterable[bytes] | _Readable


def iter_chunks(source: ByteSource, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the raw bytes of *source* as chunks.

    *source* is ``bytes``-like, a binary file object (anything with
    ``read(size)``) or an iterable of byte chunks. ``str`` is refused with
    :class:`ParseError` because the parsers decode line by line themselves.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]
        return
    if isinstance(source, str):
        raise ParseError("expected bytes, a binary file object or byte chunks, got str")
    if isinstance(source, _Readable):
        while True:
            block = source.read(chunk_size)
            if not block:
                return
            if not isinstance(block, (bytes, bytearray)):
                raise ParseError("file object returned text; open it in binary mode")
            yield bytes(block)
    for block in source:
        if not isinstance(block, (bytes, bytearray, memoryview)):
            raise ParseError(f"expected byte chunks, got {type(block).__name__}")
        if block:
            yield bytes(block)


def _peek(chunks: Iterator[bytes], need: int) -> bytes:
    """Read from *chunks* until at least *need* bytes (or the end) are buffered."""
    head = b""
    while len(head) < need:
        block = next(chunks, None)
        if block is None:
            break
        head += block
    return head


def gunzip_chunks(chunks: Iterable[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[bytes]:
    """Decompress *chunks* when they start with the gzip magic; pass them through otherwise.

    Output comes in pieces of at most :data:`CHUNK_SIZE` bytes. Raises
    :class:`ParseError` when more than *max_bytes* would be produced (also for
    uncompressed input), when the gzip data is corrupt, or when the stream
    ends before the gzip trailer (a truncated download).
    """
    it = iter(chunks)
    head = _peek(it, 2)
    if not head.startswith(GZIP_MAGIC):
        total = len(head)
        if total > max_bytes:
            raise ParseError(f"payload exceeds max_bytes={max_bytes}")
        if head:
            yield head
        for block in it:
            total += len(block)
            if total > max_bytes:
                raise ParseError(f"payload exceeds max_bytes={max_bytes}")
            yield block
        return
    yield from _inflate(head, it, max_bytes)


def _inflate(head: bytes, rest: Iterator[bytes], max_bytes: int) -> Iterator[bytes]:
    """Inflate one or more concatenated gzip members, in bounded output pieces."""
    inflater = zlib.decompressobj(wbits=31)
    fed = False  # has the current member received input?
    total = 0
    for data in _chain(head, rest):
        more = True
        while more:
            if inflater.eof:
                if not data.strip(b"\x00"):
                    break  # nothing, or zero padding, after the last member
                inflater, fed = zlib.decompressobj(wbits=31), False
            try:
                out = inflater.decompress(data, CHUNK_SIZE)
            except zlib.error as exc:
                raise ParseError(f"corrupt gzip data: {exc}") from exc
            fed = fed or bool(data)
            total += len(out)
            if total > max_bytes:
                raise ParseError(f"decompressed payload exceeds max_bytes={max_bytes}")
            if out:
                yield out
            if inflater.eof:
                data = inflater.unused_data
                more = bool(data)
            else:
                # Input left over, or a full output piece: more may be pending.
                data = inflater.unconsumed_tail
                more = bool(data) or len(out) == CHUNK_SIZE
    if fed and not inflater.eof:
        raise ParseError("truncated gzip stream (missing end of data)")


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from rest


def decoded_chunks(source: ByteSource, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[bytes]:
    """Raw chunks of *source*, gunzipped when needed (see :func:`gunzip_chunks`)."""
    return gunzip_chunks(iter_chunks(source), max_bytes=max_bytes)


def iter_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Split byte *chunks* into lines without their ``\\n`` / ``\\r\\n`` endings.

    A leading UTF-8 byte-order mark is dropped. A last line without a newline
    is still yielded.
    """
    parts: list[bytes] = []
    first = True
    for chunk in chunks:
        if first:
            chunk = chunk.removeprefix(BOM)
            first = False
        if b"\n" not in chunk:
            parts.append(chunk)
            continue
        if parts:
            parts.append(chunk)
            chunk = b"".join(parts)
            parts = []
        lines = chunk.split(b"\n")
        tail = lines.pop()
        for line in lines:
            yield line[:-1] if line.endswith(b"\r") else line
        if tail:
            parts.append(tail)
    if parts:
        last = b"".join(parts)
        yield last[:-1] if last.endswith(b"\r") else last


def decode_line(raw: bytes) -> str:
    """Decode one line as UTF-8, or as Latin-1 when it is not valid UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
