"""Output of the ``omicskit`` command: tables, CSV, JSON, Parquet, errors.

Every function here writes to stdout/stderr or a file; nothing else in the
CLI prints. Text that may hold a secret goes through :func:`omicskit.redact.redact`.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from .redact import redact

__all__ = ["FORMATS", "CliUsageError", "check_writable", "emit", "emit_mapping", "error_line", "print_errors"]

FORMATS = ("table", "csv", "json", "parquet")
#: Widest text cell in table output (longer text is cut with an ellipsis).
TABLE_CELL = 48
TABLE_ROWS = 500


class CliUsageError(Exception):
    """Bad input on the command line (exit code 2)."""


def check_writable(out: str | None) -> Path | None:
    """The ``--out`` path, refused early (before any work) if it cannot be written."""
    if out is None or out == "-":
        return None
    path = Path(out).expanduser()
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CliUsageError(f"cannot write --out {out!r}: it is a directory")
    if not parent.is_dir():
        raise CliUsageError(f"cannot write --out {out!r}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CliUsageError(f"cannot write --out {out!r}: permission denied")
    return path


def _join(value: Any, max_items: int | None = None) -> Any:
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
        if max_items is not None and len(items) > max_items:
            return "; ".join(items[:max_items]) + f"; … (+{len(items) - max_items})"
        return "; ".join(items)
    return value


def _is_text(series: pd.Series) -> bool:
    return bool(pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype))


def _flat(df: pd.DataFrame, max_items: int | None = None) -> pd.DataFrame:
    """List cells joined with ``"; "`` (for tables and CSV; tables show *max_items*)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col].dtype):
            out[col] = out[col].map(lambda v: _join(v, max_items))
    return out


def _cut(value: Any, width: int) -> Any:
    if isinstance(value, str):
        text = " ".join(value.split())
        return text if len(text) <= width else text[: width - 1] + "…"
    return value


def table_text(df: pd.DataFrame, cell: int = TABLE_CELL) -> str:
    """An aligned text table: long text cut, lists joined, at most ``TABLE_ROWS`` rows."""
    if df.empty:
        return f"(no rows; columns: {', '.join(map(str, df.columns))})"
    shown = _flat(df.head(TABLE_ROWS), max_items=3)
    for col in shown.columns:
        if _is_text(shown[col]):
            shown[col] = shown[col].map(lambda v: _cut(v, cell)).astype(object)
    text = shown.to_string(index=False, na_rep="")
    if len(df) > TABLE_ROWS:
        text += f"\n… {len(df) - TABLE_ROWS} more rows (use --format csv/json/parquet --out FILE for all)"
    return text


def _json_text(df: pd.DataFrame) -> str:
    return df.to_json(orient="records", date_format="iso", force_ascii=False, indent=1) or "[]"


def emit(df: pd.DataFrame, fmt: str, out: Path | None, *, stdout: TextIO | None = None) -> None:
    """Write *df* as *fmt* to *out* (a file) or stdout."""
    stream = stdout or sys.stdout
    if fmt == "parquet":
        if out is None:
            raise CliUsageError("--format parquet needs --out FILE (binary output)")
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CliUsageError("--format parquet needs pyarrow: pip install 'omicskit[parquet]'") from None
        df.to_parquet(out, index=False)
        return
    if fmt == "csv":
        text = _flat(df).to_csv(index=False)
    elif fmt == "json":
        text = _json_text(df) + "\n"
    else:
        text = table_text(df) + "\n"
    if out is None:
        stream.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def emit_mapping(data: Mapping[str, Any], fmt: str, out: Path | None) -> None:
    """A dict as JSON (``--format json``) or as ``key  value`` lines."""
    if fmt == "json":
        text = json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n"
    elif fmt in ("csv", "parquet"):
        frame = pd.DataFrame({"key": list(data), "value": [_join(v) for v in data.values()]})
        if fmt == "parquet":
            emit(frame.astype(str), fmt, out)
            return
        text = frame.to_csv(index=False)
    else:
        width = max((len(k) for k in data), default=0)
        lines = []
        for key, value in data.items():
            if isinstance(value, Mapping):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            lines.append(f"{key:<{width}}  {_join(value)}")
        text = "\n".join(lines) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def error_line(message: str, secrets: Iterable[str] = ()) -> None:
    """One line on stderr: ``omicskit: error: <message>`` (secrets redacted)."""
    text = " ".join(redact(str(message), secrets).split()) or "unknown error"
    sys.stderr.write(f"omicskit: error: {text}\n")


def print_errors(errors: pd.DataFrame, secrets: Iterable[str] = ()) -> None:
    """The per-item errors table on stderr."""
    buf = io.StringIO()
    buf.write(f"omicskit: {len(errors)} item(s) failed:\n")
    frame = errors.copy()
    frame["message"] = frame["message"].map(lambda m: redact(str(m), secrets) if isinstance(m, str) else m)
    buf.write(table_text(frame, cell=160) + "\n")
    sys.stderr.write(buf.getvalue())
