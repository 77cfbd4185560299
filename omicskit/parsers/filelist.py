"""Listings of GEO supplementary folders: ``filelist.txt`` and the HTTPS index page.

Both parsers return one ``dict`` per file and check every name with
:func:`safe_name` before it can become a local path. An unsafe entry (``..``
components, absolute or Windows paths, control characters, an empty name) is
**skipped**, never raised for, because one hostile line must not sink the
whole listing; pass a list as ``rejected=`` to collect what was dropped, each
as ``{"name": <raw name>, "reason": <message>}``::

    rejected: list[dict] = []
    rows = parse_filelist(data, rejected=rejected)

No I/O: callers fetch the bytes (and decide what to do with ``rejected``).
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from omicskit.errors import UnsafePathError
from omicskit.parsers._text import BOM, decode_line

__all__ = ["parse_directory_listing", "parse_filelist", "safe_name"]

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: ``<a href="x">text</a>`` then (through any tags) a date, then a size.
_LISTING_ROW = re.compile(
    r"""<a\s[^>]*?href\s*=\s*["']?(?P<href>[^"'\s>]+)["']?[^>]*>(?P<text>(?:(?!</?a[\s>]).)*?)</a>"""
    r"""(?:\s|<(?!a[\s>])[^>]*>)*"""
    r"""(?P<modified>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?|\d{1,2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}(?::\d{2})?)"""
    r"""(?:\s|<(?!a[\s>])[^>]*>)*"""
    r"""(?P<size>-|\d+(?:\.\d+)?[KMGTP]?)(?![\w.])""",
    re.IGNORECASE | re.DOTALL,
)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}


def safe_name(name: str) -> str:
    """Return *name* unchanged if it is safe to use below a download folder.

    Raises :class:`~omicskit.errors.UnsafePathError` for an empty name, ``.``
    or ``..`` components, an absolute path, a backslash, a drive letter
    (``C:``) and NUL or other control characters. Forward-slash sub-paths such
    as ``sub/file.txt`` are allowed.
    """
    if not isinstance(name, str) or not name.strip():
        raise UnsafePathError(f"empty file name: {name!r}")
    if _CONTROL.search(name):
        raise UnsafePathError(f"control character in file name: {name!r}")
    if "\\" in name:
        raise UnsafePathError(f"backslash in file name: {name!r}")
    if name.startswith("/") or _DRIVE.match(name):
        raise UnsafePathError(f"absolute path: {name!r}")
    parts = name.split("/")
    if any(part in (".", "..") for part in parts) or not parts[-1]:
        raise UnsafePathError(f"unsafe path component in file name: {name!r}")
    return name


def _as_int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _checked(name: str, rejected: list[dict[str, Any]] | None) -> bool:
    """True when *name* is safe; otherwise record it in *rejected* (if given)."""
    try:
        safe_name(name)
    except UnsafePathError as exc:
        if rejected is not None:
            rejected.append({"name": name, "reason": str(exc)})
        return False
    return True


def parse_filelist(data: bytes, *, rejected: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Parse a GEO ``filelist.txt`` (``#Archive/File  Name  Time  Size  Type``).

    Returns dicts with ``archive`` (the first column, ``"Archive"`` or
    ``"File"``), ``name``, ``time`` (as written, e.g. ``"09/01/2017
    11:27:24"``), ``size`` (``int`` bytes or ``None``), ``type`` and
    ``member_of``: the ``Archive`` row a ``File`` row follows (the files of a
    ``filelist.txt`` are the members of ``GSExxx_RAW.tar``), else ``None``.
    Header, blank and short lines are ignored; unsafe names are skipped (see
    the module docstring).
    """
    rows: list[dict[str, Any]] = []
    archive: str | None = None
    for raw in bytes(data).removeprefix(BOM).splitlines():
        line = decode_line(raw)
        if not line.strip() or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) < 2:
            continue
        fields += [""] * (5 - len(fields))
        kind, name, time, size, file_type = fields[:5]
        if not _checked(name, rejected):
            continue
        is_archive = kind.lower() == "archive"
        rows.append(
            {
                "archive": kind,
                "name": name,
                "time": time or None,
                "size": _as_int(size),
                "type": file_type or None,
                "member_of": None if is_archive else archive,
            }
        )
        if is_archive:
            archive = name
    return rows


def _size(text: str) -> tuple[int | None, bool]:
    """``"123M"`` → (128974848, False); ``"4096"`` → (4096, True); ``"-"`` → (None, False)."""
    text = text.strip().upper()
    if not text or text == "-":
        return None, False
    unit = text[-1] if text[-1] in _UNITS else ""
    number = text[:-1] if unit else text
    try:
        value = float(number)
    except ValueError:
        return None, False
    exact = not unit and number.isdigit()
    return round(value * _UNITS[unit]), exact


def parse_directory_listing(
    html: bytes, base_url: str, *, rejected: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Parse an Apache/nginx-style index page such as ``.../GSE1234/suppl/``.

    Returns dicts with ``name``, ``url`` (absolute, from *base_url*), ``size``
    (``int`` bytes or ``None``), ``size_exact`` (False for rounded sizes such
    as ``123M`` / ``4.5K``) and ``modified`` (as written). The parent-directory
    link, column-sort links (``?C=N;O=D``), links to other hosts or folders
    and sub-folders (names ending in ``/``) are left out; unsafe names are
    skipped (see the module docstring).
    """
    text = "\n".join(decode_line(line) for line in bytes(html).removeprefix(BOM).splitlines())
    base = base_url if base_url.endswith("/") else base_url + "/"
    base_path = urlsplit(base).path
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for match in _LISTING_ROW.finditer(text):
        href = html_lib.unescape(match.group("href"))
        if href.startswith(("?", "#")) or href.endswith("/"):
            continue
        url = urljoin(base, href)
        path = urlsplit(url).path
        if not path.startswith(base_path) or urlsplit(url).netloc != urlsplit(base).netloc:
            continue  # parent directory or elsewhere
        name = unquote(path[len(base_path) :])
        if not name or name in seen or not _checked(name, rejected):
            continue
        seen.add(name)
        size, exact = _size(match.group("size"))
        rows.append({"name": name, "url": url, "size": size, "size_exact": exact, "modified": match.group("modified")})
    return rows
