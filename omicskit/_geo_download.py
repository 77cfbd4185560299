"""Download planning for :meth:`AsyncSession.download`: filters, safe paths, runs.

Pure helpers (:func:`name_matcher`, :func:`safe_target`, :func:`plan`) decide
what to fetch and where; :func:`run_downloads` fetches with bounded
concurrency through :meth:`Mirror.download` (``.part`` file, HTTP Range
resume, size check, then rename), so a file whose size does not match is
never left under its final name.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import OmicsKitError, UnsafePathError
from .parsers.filelist import safe_name

__all__ = ["DOWNLOAD_CONCURRENCY", "name_matcher", "plan", "rows_from_frame", "run_downloads", "safe_target"]

logger = logging.getLogger("omicskit.geo")

#: Files downloaded at once.
DOWNLOAD_CONCURRENCY = 4
DEFAULT_DEST = "geo_downloads"


def name_matcher(pattern: str | re.Pattern[str] | None) -> Callable[[str], bool]:
    """A predicate on file names: glob (whole name) or regex (searched anywhere).

    ``"*.bed.gz"`` is a glob; ``"counts"`` or ``r"_RAW\\.tar$"`` are regexes; a
    string that is valid as both matches when either matches.
    """
    if pattern is None:
        return lambda name: True
    if isinstance(pattern, re.Pattern):
        compiled = pattern
        return lambda name: compiled.search(name) is not None
    try:
        regex: re.Pattern[str] | None = re.compile(pattern)
    except re.error:
        regex = None
    return lambda name: fnmatch.fnmatchcase(name, pattern) or (regex is not None and regex.search(name) is not None)


def safe_target(root: Path, name: str) -> Path:
    """``root / name``, refusing any name that would leave *root*.

    :func:`safe_name` rejects ``..``, absolute and drive paths, backslashes and
    control characters; the resolved path (symlinks followed) must still lie
    below ``root.resolve()``.
    """
    safe_name(name)
    base = root.resolve()
    target = (base / name).resolve()
    if target == base or not target.is_relative_to(base):
        raise UnsafePathError(f"file name {name!r} would leave the destination {base}")
    return target


def _value(value: Any) -> Any:
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


def rows_from_frame(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain dicts (``pd.NA`` → ``None``) from a files DataFrame's rows."""
    missing = {"name", "url"} - set(df.columns)
    if missing:
        raise OmicsKitError(f"download() needs a files DataFrame with columns name and url; missing {sorted(missing)}")
    return [{str(k): _value(v) for k, v in row.items()} for row in df.to_dict("records")]


def plan(
    rows: Iterable[Mapping[str, Any]],
    root: Path,
    *,
    pattern: str | re.Pattern[str] | None,
    max_size: int | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, BaseException]]]:
    """Split *rows* into (to fetch, already decided, refused-with-error).

    Decided rows carry ``status`` ``"skipped"`` (filtered out, too large, only
    inside an archive) or ``"exists"``; refused ones have an unsafe name.
    """
    matches = name_matcher(pattern)
    todo: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    errors: list[tuple[str, BaseException]] = []
    seen: set[Path] = set()
    for row in rows:
        name = str(row.get("name") or "")
        item = {
            "accession": row.get("accession"),
            "name": name,
            "path": None,
            "size": row.get("size"),
            "url": row.get("url"),
            "size_exact": bool(row.get("size_exact")),
        }
        try:
            target = safe_target(root, name)
        except UnsafePathError as exc:
            errors.append((str(row.get("accession") or name), exc))
            done.append({**item, "status": "refused", "reason": str(exc)})
            continue
        item["path"] = str(target)
        size = item["size"]
        if not matches(name):
            done.append({**item, "status": "skipped", "reason": "name does not match pattern"})
        elif max_size is not None and size is not None and int(size) > max_size:
            done.append({**item, "status": "skipped", "reason": f"{size} bytes > max_size {max_size}"})
        elif not item["url"]:
            archive = row.get("archive") or "an archive"
            done.append({**item, "status": "skipped", "reason": f"only available inside {archive}"})
        elif target in seen:
            done.append({**item, "status": "skipped", "reason": "duplicate of another row"})
        elif target.is_file() and (not item["size_exact"] or size is None or target.stat().st_size == int(size)):
            done.append({**item, "status": "exists", "size": target.stat().st_size, "reason": None})
        else:
            todo.append(item)
        seen.add(target)
    return todo, done, errors


async def run_downloads(
    items: list[dict[str, Any]],
    fetch: Callable[..., Any],
    *,
    on_bytes: Callable[[int], None] | None = None,
    limit: int = DOWNLOAD_CONCURRENCY,
) -> tuple[list[dict[str, Any]], list[tuple[str, BaseException]]]:
    """Fetch every item (``fetch(url, path, expected_size=, on_bytes=)``), at most *limit* at once."""
    gate = asyncio.Semaphore(limit)
    errors: list[tuple[str, BaseException]] = []

    async def one(item: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            path = Path(item["path"])
            path.parent.mkdir(parents=True, exist_ok=True)
            expected = int(item["size"]) if item["size_exact"] and item["size"] is not None else None
            try:
                size = await fetch(item["url"], path, expected_size=expected, on_bytes=on_bytes)
            except OmicsKitError as exc:
                errors.append((str(item.get("accession") or item["name"]), exc))
                return {**item, "status": "failed", "reason": str(exc)}
            except OSError as exc:
                errors.append((str(item.get("accession") or item["name"]), exc))
                return {**item, "status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
            return {**item, "status": "downloaded", "size": size, "reason": None}

    results = await asyncio.gather(*(one(item) for item in items))
    return list(results), errors
