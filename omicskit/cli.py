"""The ``omicskit`` command: the Session API from a shell.

Subcommands mirror the methods (``search``, ``series``, ``samples``,
``characteristics``, ``platforms``, ``expression``, ``files``, ``download``,
``papers``) plus ``cache stats|clear``, ``snapshot save|info`` and
``estimate``. Global options (``--offline``, ``--snapshot``, ``--api-key``,
``--email``, ``--cache``, ``--quiet``, ``--format``, ``--out``, ``--dry-run``)
may come before or after the subcommand.

Exit codes: 0 success; 1 partial (some items failed: the errors table is
printed to stderr) or the job failed; 2 usage error (bad option, bad
accession, unwritable ``--out``, unreadable snapshot). Errors are one line on
stderr, never a traceback (set ``OMICSKIT_DEBUG=1`` to see one), and never
show the API key or email.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any, NoReturn

from ._cli_output import FORMATS, CliUsageError, error_line

__all__ = ["build_parser", "main"]

logger = logging.getLogger("omicskit.cli")

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2

_MAIN_EPILOG = """\
examples:
  omicskit search "cancer" --snapshot demo                 offline, on the bundled demo
  NCBI_EMAIL=me@lab.org omicskit search "breast cancer" --organism "Homo sapiens" --limit 50
  omicskit samples GSE19161 GSE100750 --format csv --out samples.csv
  omicskit papers GSE100750 --format json
  omicskit samples GSE19161 --dry-run                      requests and time, nothing sent
  omicskit snapshot save study.omicskit --accessions GSE19161 GSE100750
  omicskit search "ovarian" --snapshot study.omicskit

exit codes: 0 success, 1 partial (errors table on stderr), 2 usage error
"""

EXAMPLES: dict[str, str] = {
    "search": 'omicskit search "cancer" --snapshot demo\n'
    '  omicskit search "breast cancer" --organism human --published 2020:2024 --min-samples 10 --limit 50\n'
    '  omicskit search "" --series-type "Expression profiling by array" --no-sra --format json\n'
    '  omicskit search "cancer" --limit 5000 --dry-run',
    "series": "omicskit series GSE19161 GSE100750\n  omicskit series GSE19161 --format json --out series.json",
    "samples": "omicskit samples GSE19161 --snapshot demo\n  omicskit samples GSE19161 GSE100750 --format csv --out s.csv",
    "characteristics": "omicskit characteristics GSE19161 --snapshot demo --format csv",
    "platforms": "omicskit platforms GPL9717",
    "expression": "omicskit expression GSE19161 --snapshot demo --format parquet --out GSE19161.parquet",
    "files": "omicskit files GSE100750 --snapshot demo\n  omicskit files GSE100750 GSE19161 --format json",
    "download": 'omicskit download GSE100750 --dest data/ --pattern "*.bed.gz" --max-size 50MB\n'
    "  omicskit download GSE100750 --dry-run",
    "papers": "omicskit papers GSE100750 GSE19161 --snapshot demo\n  omicskit papers GSE100750 --format json",
    "cache": "omicskit cache stats\n  omicskit cache clear --kind search",
    "snapshot": "omicskit snapshot info demo\n"
    "  omicskit snapshot save study.omicskit --accessions GSE19161 GSE100750 --include series,samples,files\n"
    '  omicskit snapshot save cancer.omicskit --query "cancer" --limit 20',
    "estimate": "omicskit estimate samples 250\n  omicskit estimate search 5000 --api-key $NCBI_API_KEY",
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2) instead of the usage dump."""

    def error(self, message: str) -> NoReturn:
        raise CliUsageError(f"{message} (see '{self.prog} --help')")


def _common(suppress: bool) -> argparse.ArgumentParser:
    """Global options; on subcommands their defaults are suppressed so either position works."""
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("global options")
    g.add_argument("--offline", action="store_true", default=d(False), help="answer only from cache or snapshot")
    g.add_argument("--snapshot", metavar="PATH|demo", default=d(None), help="replay a snapshot file offline")
    g.add_argument("--api-key", default=d(None), help="NCBI API key (default: $NCBI_API_KEY); never printed")
    g.add_argument("--email", default=d(None), help="your email for NCBI (default: $NCBI_EMAIL); never printed")
    g.add_argument("--cache", metavar="SPEC", default=d(None),
                   help='cache: a directory, "redis://host:port/db", "memory" or "none"')  # fmt: skip
    g.add_argument("-q", "--quiet", action="store_true", default=d(False), help="no progress bars or warnings")
    g.add_argument("-f", "--format", choices=FORMATS, default=d("table"), help="output format (default: table)")
    g.add_argument("-o", "--out", metavar="FILE", default=d(None), help="write the output to FILE")
    g.add_argument("--columns", metavar="A,B", default=d(None), help="only these columns")
    g.add_argument("--dry-run", action="store_true", default=d(False),
                   help="print the requests and time the job needs, send nothing")  # fmt: skip
    return p


def _sub(subs: Any, name: str, help_text: str, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return subs.add_parser(  # type: ignore[no-any-return]
        name,
        help=help_text,
        description=help_text,
        parents=[common],
        epilog=f"examples:\n  {EXAMPLES[name]}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _accessions(p: argparse.ArgumentParser, what: str = "GEO accessions (GSE/GSM/GPL/GDS)") -> None:
    p.add_argument("accessions", nargs="+", metavar="ACCESSION", help=what)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``omicskit`` command."""
    from ._version import __version__

    parser = _Parser(
        prog="omicskit",
        description="NCBI GEO as tables: search series, samples, files and papers; offline snapshots.",
        parents=[_common(False)],
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"omicskit {__version__}")
    common = _common(True)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subs.required = True

    p = _sub(subs, "search", "Search GEO series (one row per series).", common)
    p.add_argument("query", nargs="?", default="", help='free text, e.g. "breast cancer" ("" for filters only)')
    p.add_argument("--organism", help='scientific or common name, e.g. "Homo sapiens" or human')
    p.add_argument("--series-type", help='e.g. "Expression profiling by high throughput sequencing"')
    p.add_argument("--platform", help="GPL accession, e.g. GPL570")
    p.add_argument("--published", metavar="FROM:TO", help="year or date range, e.g. 2020:2024 or 2021/06:2022")
    p.add_argument("--min-samples", type=int, metavar="N")
    p.add_argument("--max-samples", type=int, metavar="N")
    sra = p.add_mutually_exclusive_group()
    sra.add_argument("--has-sra", dest="has_sra", action="store_const", const=True, default=None,
                     help="only series with SRA runs")  # fmt: skip
    sra.add_argument("--no-sra", dest="has_sra", action="store_const", const=False, help="only series without SRA")
    p.add_argument("--entry-type", default="gse", choices=["gse", "gsm", "gpl", "gds"], help="default: gse")
    p.add_argument("--limit", type=int, default=100, metavar="N", help="at most N results (default: 100)")

    for name, text in (
        ("series", "Summaries of GEO accessions (DocSums)."),
        ("samples", "Samples of series (or samples themselves), with characteristics as columns."),
        ("characteristics", "Sample characteristics in long form (accession, channel, key, value)."),
        ("platforms", "Platforms (GPL) by accession or of series."),
        ("files", "Supplementary files of series or samples."),
        ("papers", "Papers behind series: PMID, DOI, PMCID and a legal open-access link."),
    ):
        _accessions(_sub(subs, name, text, common))
    p = _sub(subs, "expression", "Expression matrix (probes x samples) of one series.", common)
    p.add_argument("accession", metavar="ACCESSION", help="a GSE accession")
    p.add_argument("--platform", help="GPL of the matrix, when the series has several")

    p = _sub(subs, "download", "Download supplementary files of series.", common)
    _accessions(p, "series or sample accessions")
    p.add_argument("--dest", default=None, help="destination directory (default: ./omicskit-data)")
    p.add_argument("--pattern", help='shell pattern on file names, e.g. "*counts*"')
    p.add_argument("--max-size", metavar="SIZE", help="skip files larger than SIZE (bytes or 10MB, 2GB ...)")

    p = _sub(subs, "cache", "Cache statistics or clearing.", common)
    p.add_argument("action", choices=["stats", "clear"])
    p.add_argument("--kind", help='with clear: only one kind of record, e.g. "search" or "docsum"')

    p = _sub(subs, "snapshot", "Save or describe a reproducible snapshot file.", common)
    p.add_argument("action", choices=["save", "info"])
    p.add_argument("file", metavar="FILE", help="snapshot file to write (save) or read (info; 'demo' = bundled)")
    p.add_argument("--accessions", nargs="+", metavar="ACCESSION", help="save: these series")
    p.add_argument("--query", help="save: the results of this search")
    p.add_argument("--limit", type=int, default=100, metavar="N", help="save --query: at most N series")
    p.add_argument("--include", default="series,samples",
                   help="save: what to fetch and keep: series,samples,files,papers,expression (default: series,samples)")  # fmt: skip

    p = _sub(subs, "estimate", "Requests and time a job needs (nothing is sent).", common)
    p.add_argument("method", help="search, series, samples, characteristics, platforms, expression, files, ...")
    p.add_argument("n", type=int, help="number of items (accessions, files, or the search limit)")
    return parser


def _opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def _secrets(args: argparse.Namespace) -> list[str]:
    values = [_opt(args, "api_key"), _opt(args, "email"), os.environ.get("NCBI_API_KEY"), os.environ.get("NCBI_EMAIL")]
    return [v for v in values if v]


class _Redact(logging.Filter):
    def __init__(self, secrets: list[str], quiet_email: bool) -> None:
        super().__init__()
        self.secrets = secrets
        self.quiet_email = quiet_email

    def filter(self, record: logging.LogRecord) -> bool:
        from .redact import redact

        message = record.getMessage()
        if self.quiet_email and message.startswith("no email set"):
            return False
        record.msg, record.args = redact(message, self.secrets), None
        return True


def _setup_logging(args: argparse.Namespace) -> tuple[list[logging.Handler], int, bool]:
    """Send omicskit's log to stderr, redacted; returns the previous state for :func:`main` to restore."""
    root = logging.getLogger("omicskit")
    previous = (list(root.handlers), root.level, root.propagate)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("omicskit: %(message)s"))
    offline = bool(_opt(args, "snapshot") or _opt(args, "offline") or _opt(args, "dry_run"))
    offline = offline or _opt(args, "command") in ("snapshot", "estimate", "cache")
    handler.addFilter(_Redact(_secrets(args), quiet_email=offline))
    root.handlers[:] = [handler]
    root.setLevel(logging.ERROR if _opt(args, "quiet") else logging.WARNING)
    root.propagate = False
    return previous


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``omicskit`` console script; returns the exit code."""
    from ._cli_commands import run
    from .errors import ConfigError, InvalidAccessionError, InvalidQueryError, OmicsKitError, UnsafePathError

    args: argparse.Namespace | None = None
    previous = None
    try:
        args = build_parser().parse_args(argv)
        previous = _setup_logging(args)
        return run(args)
    except CliUsageError as exc:
        error_line(str(exc), _secrets(args) if args else [])
        return EXIT_USAGE
    except (InvalidQueryError, InvalidAccessionError, ConfigError, UnsafePathError) as exc:
        error_line(str(exc), _secrets(args) if args else [])
        return EXIT_USAGE
    except OmicsKitError as exc:
        error_line(f"{type(exc).__name__}: {exc}", _secrets(args) if args else [])
        return EXIT_PARTIAL
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback, unless asked for
        if os.environ.get("OMICSKIT_DEBUG"):
            raise
        error_line(f"unexpected {type(exc).__name__}: {exc} (set OMICSKIT_DEBUG=1 for a traceback)",
                   _secrets(args) if args else [])  # fmt: skip
        return EXIT_PARTIAL
    finally:
        if previous is not None:
            root = logging.getLogger("omicskit")
            root.handlers[:] = previous[0]
            root.setLevel(previous[1])
            root.propagate = previous[2]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
