"""Helpers for the GEO tests: URLs, real fixture bytes and respx side effects."""

from __future__ import annotations

import datetime as _dt
import gzip
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from omicskit.testing._mirror import listing_html

from .conftest import DATA

GEO = "https://www.ncbi.nlm.nih.gov/geo"
VIEWER = f"{GEO}/query/acc.cgi"
FTP = "https://ftp.ncbi.nlm.nih.gov/geo"
NOT_FOUND = (
    b"<HTML><HEAD><TITLE>GEO Accession viewer</TITLE></HEAD>\n<BODY>\n"
    b'<font color="#FF0000">Could not find a public or private accession "X"</font>\n</BODY></HTML>\n'
)
CAPTCHA = (
    b"<!DOCTYPE html><html><head><title>NCBI</title></head><body><form id='challenge-form'>"
    b"<div class='g-recaptcha'></div>Please verify you are human</form></body></html>"
)
WHEN = _dt.datetime(2024, 1, 1, 12, 0)


def geo(name: str) -> bytes:
    """A real fixture file from tests/data/geo (decompressed when it ends in .gz and *plain*)."""
    return (DATA / "geo" / name).read_bytes()


def gunzip(name: str) -> bytes:
    return gzip.decompress(geo(name))


def split_blocks(soft: bytes) -> list[bytes]:
    """The ``^``-blocks of a SOFT text, verbatim."""
    blocks: list[bytes] = []
    for line in soft.splitlines(keepends=True):
        if line.startswith(b"^") or not blocks:
            blocks.append(b"")
        blocks[-1] += line
    return blocks


def samples_of(soft: bytes, series: str) -> bytes:
    """The sample blocks of *soft* that list *series* (what ``targ=gsm`` gives for it)."""
    marker = f"!Sample_series_id = {series}".encode()
    return b"".join(b for b in split_blocks(soft) if b.startswith(b"^SAMPLE") and marker in b)


def viewer_side_effect(pages: Mapping[tuple[str, str], bytes | Callable[[], Any]]) -> Callable[[httpx.Request], Any]:
    """acc.cgi: ``(acc, targ) → body``; anything else gets GEO's "could not find" page."""

    def handle(request: httpx.Request) -> httpx.Response:
        p = request.url.params
        assert p["form"] == "text"
        body = pages.get((p["acc"], p["targ"]))
        if callable(body):
            return body()
        if body is None:
            return httpx.Response(200, content=NOT_FOUND.replace(b'"X"', f'"{p["acc"]}"'.encode()))
        return httpx.Response(200, content=body, headers={"Content-Type": "text/plain"})

    return handle


def listing(path: str, entries: list[tuple[str, int | None]]) -> httpx.Response:
    """An index page in the mirror's format (names from real records)."""
    html = listing_html(path, [(name, WHEN, size) for name, size in entries])
    return httpx.Response(200, content=html.encode(), headers={"Content-Type": "text/html"})


def ranged(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    """A file route that honours ``Range: bytes=N-`` with 206."""

    def handle(request: httpx.Request) -> httpx.Response:
        rng = request.headers.get("Range")
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            return httpx.Response(
                206, content=body[start:], headers={"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
            )
        return httpx.Response(200, content=body)

    return handle
