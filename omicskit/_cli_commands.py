"""Subcommand handlers of the ``omicskit`` command (see :mod:`omicskit.cli`).

Each handler gets the parsed arguments and returns the exit code. A dry run
(``--dry-run``) prints :func:`omicskit.estimate.estimate` and opens no session.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ._cli_output import CliUsageError, check_writable, emit, emit_mapping, print_errors
from .estimate import estimate

__all__ = ["run"]

EXIT_OK, EXIT_PARTIAL = 0, 1
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "kib": 1024, "m": 1e6, "mb": 1e6, "mib": 1024**2,
          "g": 1e9, "gb": 1e9, "gib": 1024**3, "t": 1e12, "tb": 1e12, "tib": 1024**4}  # fmt: skip
INCLUDE = ("series", "samples", "characteristics", "files", "papers", "expression")


def _opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def parse_size(text: str | None) -> int | None:
    """``"10MB"`` → 10_000_000; ``"2GiB"`` → 2·1024³; bare numbers are bytes."""
    if text is None:
        return None
    match = _SIZE_RE.match(text)
    if not match or (match.group(2) or "").lower() not in _UNITS:
        raise CliUsageError(f"invalid size {text!r}: use bytes or a unit such as 500KB, 10MB, 2GB")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


def parse_published(text: str | None) -> Any:
    """``"2020"`` → ``"2020"``; ``"2020:2024"`` → ``("2020", "2024")``; open ends allowed."""
    if text is None:
        return None
    if ":" not in text:
        return text.strip()
    lo, hi = (part.strip() or None for part in text.split(":", 1))
    return (lo, hi)


def _session(args: argparse.Namespace) -> Any:
    import omicskit as ok

    snapshot = _opt(args, "snapshot")
    cache = _opt(args, "cache")
    if cache is None and snapshot:
        cache = "none"  # a snapshot session reads only the snapshot; do not open the disk cache
    kwargs: dict[str, Any] = {"progress": not _opt(args, "quiet", False), "offline": _opt(args, "offline", False)}
    if cache is not None:
        kwargs["cache"] = cache
    if snapshot:
        kwargs["snapshot"] = snapshot
    return ok.Session(email=_opt(args, "email"), api_key=_opt(args, "api_key"), **kwargs)


def _dry_run(args: argparse.Namespace, method: str, n: int) -> int:
    from .config import Config

    config = Config.from_env(email=_opt(args, "email"), api_key=_opt(args, "api_key"))
    est = estimate(method, n, config)
    out = check_writable(_opt(args, "out"))
    if _opt(args, "format") in ("json", "csv", "parquet"):
        emit_mapping(est.as_dict(), _opt(args, "format"), out)
    elif out is not None:
        out.write_text(str(est) + "\n", encoding="utf-8")
    else:
        print(str(est))
    return EXIT_OK


def _columns(df: pd.DataFrame, spec: str | None) -> pd.DataFrame:
    if not spec:
        return df
    wanted = [c.strip() for c in spec.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in df.columns]
    if unknown:
        raise CliUsageError(f"unknown column(s) {', '.join(unknown)}; available: {', '.join(map(str, df.columns))}")
    return df[wanted]


#: Columns of the default table output (``--columns``, CSV, JSON and Parquet give every column).
TABLE_COLUMNS = {
    "search": ["accession", "title", "organism", "series_type", "n_samples", "published", "platforms", "pubmed_ids"],
    "papers": ["accession", "pmid", "doi", "pmcid", "title", "year", "is_oa", "oa_status", "best_oa_url"],
}
TABLE_COLUMNS["series"] = TABLE_COLUMNS["search"]


def _finish(args: argparse.Namespace, session: Any, df: pd.DataFrame, out: Path | None) -> int:
    fmt = _opt(args, "format", "table")
    spec = _opt(args, "columns")
    if spec is None and fmt == "table" and args.command in TABLE_COLUMNS:
        spec = ",".join(c for c in TABLE_COLUMNS[args.command] if c in df.columns)
    emit(_columns(df, spec), fmt, out)
    errors = session.errors
    if len(errors):
        print_errors(errors, session.config.secrets())
        return EXIT_PARTIAL
    return EXIT_OK


def _frame_command(args: argparse.Namespace, method: str, call: Callable[[Any], pd.DataFrame], n: int) -> int:
    if _opt(args, "dry_run"):
        return _dry_run(args, method, n)
    out = check_writable(_opt(args, "out"))
    with _session(args) as s:
        df = call(s)
        return _finish(args, s, df, out)


def _search(args: argparse.Namespace) -> int:
    if args.limit <= 0:
        raise CliUsageError(f"--limit must be a positive integer; got {args.limit}")
    filters = {
        "organism": args.organism,
        "series_type": args.series_type,
        "platform": args.platform,
        "published": parse_published(args.published),
        "min_samples": args.min_samples,
        "max_samples": args.max_samples,
        "has_sra": args.has_sra,
        "entry_type": args.entry_type,
        "limit": args.limit,
    }
    if _opt(args, "dry_run"):
        from .services.query import build_query

        build_query(args.query, **{k: v for k, v in filters.items() if k != "limit"})  # validate, send nothing
    return _frame_command(args, "search", lambda s: s.search(args.query, **filters), args.limit)


def _list_command(method: str, api: str | None = None) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from .accessions import as_accession_list

        accs = as_accession_list(args.accessions)
        return _frame_command(args, method, lambda s: getattr(s, api or method)(accs), len(accs))

    return handler


def _expression(args: argparse.Namespace) -> int:
    from .accessions import as_accession_list

    (acc,) = as_accession_list([args.accession])
    return _frame_command(args, "expression", lambda s: s.expression(acc, args.platform), 1)


def _download(args: argparse.Namespace) -> int:
    from .accessions import as_accession_list

    accs = as_accession_list(args.accessions)
    size = parse_size(args.max_size)
    options: dict[str, Any] = {"pattern": args.pattern, "max_size": size}
    if args.dest is not None:
        options["dest"] = args.dest
    return _frame_command(args, "download", lambda s: s.download(accs, **options), len(accs))


def _cache(args: argparse.Namespace) -> int:
    out = check_writable(_opt(args, "out"))
    with _session(args) as s:
        if args.action == "stats":
            emit_mapping(s.cache.stats(), _opt(args, "format", "table"), out)
        else:
            n = s.cache.clear(args.kind)
            emit_mapping({"deleted": n, "kind": args.kind or "all"}, _opt(args, "format", "table"), out)
    return EXIT_OK


def _snapshot(args: argparse.Namespace) -> int:
    from .snapshot import snapshot_info

    if args.action == "info":
        info = snapshot_info(args.file)
        fmt = _opt(args, "format", "table")
        if fmt != "json":
            queries = [f"{q.get('query')!r} (limit {q.get('limit')}, {q.get('count')} hits)" for q in info["queries"]]
            info = {k: v for k, v in info.items() if k != "queries"} | {"queries": queries}
        emit_mapping(info, fmt, check_writable(_opt(args, "out")))
        return EXIT_OK
    if bool(args.accessions) == bool(args.query):
        raise CliUsageError("snapshot save needs exactly one of --accessions ... or --query ...")
    include = [p.strip() for p in args.include.split(",") if p.strip()]
    bad = [p for p in include if p not in INCLUDE]
    if bad:
        raise CliUsageError(f"unknown --include part(s) {', '.join(bad)}; choose from {', '.join(INCLUDE)}")
    target = check_writable(args.file)
    if _opt(args, "dry_run"):
        n = len(args.accessions) if args.accessions else args.limit
        for part in (["search"] if args.query else []) + include:
            _dry_run(args, "publications" if part == "papers" else part, n)
        return EXIT_OK
    failed = False
    with _session(args) as s:
        frames: list[Any] = []
        if args.query:
            hits = s.search(args.query, limit=args.limit)
            failed |= _report(s)
            frames.append(hits)
            accs = [str(a) for a in hits["accession"].tolist()]
        else:
            from .accessions import as_accession_list

            accs = as_accession_list(args.accessions)
        calls = {"series": s.series, "samples": s.samples, "characteristics": s.characteristics,
                 "files": s.files, "papers": s.publications}  # fmt: skip
        for part in include:
            if part == "expression":
                for acc in accs:
                    frames.append(s.expression(acc))
                    failed |= _report(s)
            elif accs:
                frames.append(calls[part](accs))
                failed |= _report(s)
        manifest = s.save_snapshot(target, [*frames, accs])
    rec = manifest["records"]
    emit_mapping({"snapshot": str(target), "records": rec["count"], "kinds": rec["kinds"],
                  "accessions": len(manifest["accessions"]), "queries": len(manifest["queries"])},
                 _opt(args, "format", "table"), None)  # fmt: skip
    return EXIT_PARTIAL if failed else EXIT_OK


def _report(session: Any) -> bool:
    errors = session.errors
    if len(errors):
        print_errors(errors, session.config.secrets())
        return True
    return False


def _estimate(args: argparse.Namespace) -> int:
    return _dry_run(args, args.method, args.n)


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "search": _search,
    "series": _list_command("series"),
    "samples": _list_command("samples"),
    "characteristics": _list_command("characteristics"),
    "platforms": _list_command("platforms"),
    "files": _list_command("files"),
    "papers": _list_command("publications"),
    "expression": _expression,
    "download": _download,
    "cache": _cache,
    "snapshot": _snapshot,
    "estimate": _estimate,
}


def run(args: argparse.Namespace) -> int:
    """Dispatch parsed arguments to their handler."""
    return HANDLERS[args.command](args)
