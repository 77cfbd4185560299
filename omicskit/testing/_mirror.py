"""Files and directory listings of the fake HTTPS mirror (``ftp.ncbi.nlm.nih.gov/geo``).

NOTE: supplementary-file BYTES are synthetic. Their names (and, where GEO's
real ``filelist.txt`` lists them, their dates) come from real records; the
bodies are deterministic pseudo-random bytes (valid gzip for ``*.gz`` names)
capped at :data:`BODY_CAP` bytes, and listings show the size actually served.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import hashlib
from dataclasses import dataclass

__all__ = ["BODY_CAP", "SupplFile", "build_suppl", "listing_html", "parse_range"]

#: Largest synthetic body served (listings show the capped size).
BODY_CAP = 64 * 1024


@dataclass(frozen=True)
class SupplFile:
    """One supplementary file: real name, synthetic body."""

    name: str
    mtime: _dt.datetime
    #: Size given by GEO's filelist.txt, when known (informational).
    real_size: int | None = None

    def body(self) -> bytes:
        """Deterministic synthetic bytes; gzip-valid when the name ends in ``.gz``."""
        seed = hashlib.sha256(self.name.encode()).digest()
        target = min(self.real_size if self.real_size else 2048 + int.from_bytes(seed[:2], "big"), BODY_CAP)
        if self.name.endswith(".gz"):
            target = max(target - 64, 16)
        chunks, counter, total = [], 0, 0
        while total < target:
            block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
            chunks.append(block)
            total += len(block)
            counter += 1
        raw = b"".join(chunks)[:target]
        return gzip.compress(raw, mtime=0) if self.name.endswith(".gz") else raw

    @property
    def size(self) -> int:
        return len(self.body())


def _parse_time(text: str) -> _dt.datetime:
    for fmt in ("%m/%d/%Y %H:%M:%S", "%b %d %Y", "%Y-%m-%d"):
        try:
            return _dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return _dt.datetime(2000, 1, 1)


def build_suppl(urls: list[str], filelist: bytes | None, date: str) -> list[SupplFile]:
    """Series/sample-level files from their SOFT URLs; dates and sizes from filelist.txt when present."""
    listed: dict[str, tuple[str, int]] = {}
    if filelist:
        for line in filelist.decode("utf-8", "replace").splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) >= 4 and cols[3].isdigit():
                listed[cols[1]] = (cols[2], int(cols[3]))
    default = _parse_time(date).replace(hour=12)
    files = []
    for url in urls:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        if not name or name.upper() == "NONE":
            continue
        when, size = listed.get(name, ("", 0))
        files.append(SupplFile(name, _parse_time(when) if when else default, size or None))
    return files


def listing_html(path: str, entries: list[tuple[str, _dt.datetime, int | None]]) -> str:
    """An FTP-over-HTTPS style index: ``<a href="NAME">NAME</a>   DD-Mon-YYYY HH:MM   SIZE``."""
    title = f"Index of /geo/{path.strip('/')}"
    lines = [
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">',
        "<html>",
        " <head>",
        f"  <title>{title}</title>",
        " </head>",
        " <body>",
        f"<h1>{title}</h1>",
        "<pre>Name                                                                Last modified      Size  <hr>"
        '<a href="../">Parent Directory</a>                                                         -   ',
    ]
    for name, when, size in entries:
        pad = " " * max(1, 68 - len(name))
        lines.append(f'<a href="{name}">{name}</a>{pad}{when:%d-%b-%Y %H:%M}   {"-" if size is None else size}')
    lines += ["<hr></pre>", "</body></html>", ""]
    return "\n".join(lines)


def parse_range(header: str, length: int) -> tuple[int, int] | None:
    """``bytes=N-`` / ``bytes=N-M`` / ``bytes=-K`` → inclusive (start, end); None when unsatisfiable."""
    spec = header.strip().removeprefix("bytes=").split(",")[0].strip()
    first, _, last = spec.partition("-")
    try:
        if not first:
            start, end = max(0, length - int(last)), length - 1
        else:
            start = int(first)
            end = min(int(last), length - 1) if last else length - 1
    except ValueError:
        return None
    if start >= length or start > end:
        return None
    return start, end
