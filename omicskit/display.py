"""Rich HTML display for notebooks: sessions, record tables and links.

* :func:`session_html` renders a session: identity *without* secrets (only
  whether an email and an API key are set), the cache backend and its
  counters, the rate limit of every host group and the transport counters.
* :func:`links_html` renders a DataFrame as an HTML table whose accessions,
  PubMed IDs, SRA/BioProject IDs, DOIs, PMCIDs and OA URLs are links to the
  GEO, PubMed, SRA, doi.org, PMC and open-access pages.
* :class:`Linked` and :class:`Record` wrap a DataFrame or one row so that
  Jupyter shows them with those links (``_repr_html_``).

Every value is escaped with :func:`html.escape`; only ``http``/``https``
URLs become links, so a record can never inject markup or scripts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pandas as pd

from .redact import redact

__all__ = [
    "DOI_URL",
    "GEO_URL",
    "PMC_URL",
    "PUBMED_URL",
    "SRA_URL",
    "Linked",
    "Record",
    "cell_html",
    "link_for",
    "links_html",
    "session_html",
]

GEO_URL = "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc="
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"
SRA_URL = "https://www.ncbi.nlm.nih.gov/sra?term="
BIOPROJECT_URL = "https://www.ncbi.nlm.nih.gov/bioproject/"
BIOSAMPLE_URL = "https://www.ncbi.nlm.nih.gov/biosample/"
DOI_URL = "https://doi.org/"
PMC_URL = "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"

_GEO_RE = re.compile(r"^(GSE|GSM|GPL|GDS)\d+$")
_SRA_RE = re.compile(r"^(SRP|SRX|SRR|SRS|SRA|ERP|ERX|ERR|DRP|DRX|DRR)\d+$")
_PRJ_RE = re.compile(r"^PRJ(NA|EB|DB)\d+$")
_SAMN_RE = re.compile(r"^SAM(N|EA|D)\d+$")
_PMID_RE = re.compile(r"^\d{1,9}$")
_PMC_RE = re.compile(r"^PMC\d+$")
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID_COLUMNS = {"pmid", "pubmed_id", "pubmed_ids", "pmids"}
_TEXT_LIMIT = 160


def _url(base: str, ident: str) -> str:
    return base.format(ident) if "{}" in base else base + ident


def link_for(column: str, value: Any) -> str | None:
    """The URL a cell should link to, or ``None`` (plain text)."""
    text = str(value).strip()
    col = column.lower()
    if not text:
        return None
    if text.startswith(("https://", "http://")) and " " not in text:
        return text
    if _GEO_RE.match(text):
        return _url(GEO_URL, text)
    if col in _PMID_COLUMNS and _PMID_RE.match(text):
        return _url(PUBMED_URL, text)
    if _SRA_RE.match(text):
        return _url(SRA_URL, text)
    if _PRJ_RE.match(text):
        return _url(BIOPROJECT_URL, text)
    if _SAMN_RE.match(text):
        return _url(BIOSAMPLE_URL, text)
    if _PMC_RE.match(text):
        return _url(PMC_URL, text)
    if _DOI_RE.match(text):
        return DOI_URL + text
    return None


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _one(column: str, value: Any, limit: int) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    url = link_for(column, text)
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    if url is None:
        return html.escape(shown)
    return (
        f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{html.escape(shown)}</a>'
    )


def cell_html(column: str, value: Any, *, limit: int = _TEXT_LIMIT) -> str:
    """One escaped cell; lists become comma-separated links."""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_one(column, v, limit) for v in value)
    if isinstance(value, dict):
        return html.escape("; ".join(f"{k}: {v}" for k, v in value.items()))
    return _one(column, value, limit)


def links_html(
    df: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    max_rows: int | None = 200,
    classes: str = "omicskit-table",
    limit: int = _TEXT_LIMIT,
) -> str:
    """*df* as an HTML table with escaped values and links to GEO, PubMed, SRA, DOI and OA pages."""
    cols = [c for c in (columns if columns is not None else df.columns) if c in df.columns]
    rows = df if max_rows is None else df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = []
    for record in rows[cols].itertuples(index=False, name=None):
        cells = "".join(f"<td>{cell_html(str(c), v, limit=limit)}</td>" for c, v in zip(cols, record))
        body.append(f"<tr>{cells}</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        more = f'<p class="omicskit-more">… {len(df) - max_rows} more rows not shown</p>'
    return (
        f'<table class="{html.escape(classes, quote=True)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


class Linked:
    """A DataFrame shown with links (``display(Linked(df))`` in a notebook)."""

    def __init__(self, df: pd.DataFrame, columns: Iterable[str] | None = None, *, max_rows: int | None = 200) -> None:
        self.df = df
        self.columns = list(columns) if columns is not None else None
        self.max_rows = max_rows

    def _repr_html_(self) -> str:
        return links_html(self.df, self.columns, max_rows=self.max_rows)

    def __repr__(self) -> str:
        return f"<Linked {len(self.df)} rows x {len(self.df.columns)} columns>"


class Record(Mapping[str, Any]):
    """One record (a DataFrame row or a dict) shown as a field/value table with links."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    @classmethod
    def from_row(cls, df: pd.DataFrame, position: int = 0) -> Record:
        """The row at *position* of *df*."""
        return cls({str(k): v for k, v in df.iloc[position].to_dict().items()})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        ident = self._data.get("accession", "?")
        return f"<Record {ident} ({len(self._data)} fields)>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{cell_html(str(k), v, limit=2000)}</td></tr>"
            for k, v in self._data.items()
        )
        return f'<table class="omicskit-record"><tbody>{rows}</tbody></table>'


# -- sessions ----------------------------------------------------------------------
def _sync_parts(session: Any) -> tuple[Any, dict[str, Any] | None]:
    """(async session, cache stats or None) for a sync or async session."""
    inner = getattr(session, "async_session", session)
    stats: dict[str, Any] | None = None
    closed = bool(getattr(session, "closed", False))
    cache = getattr(session, "cache", None)
    if not closed and cache is not None and callable(getattr(cache, "stats", None)):
        try:
            stats = dict(cache.stats())
        except Exception:  # display must never raise
            stats = None
    if stats is None:
        backend = getattr(inner, "backend", None)
        hits, misses = getattr(backend, "hits", 0), getattr(backend, "misses", 0)
        total = hits + misses
        stats = {"hits": hits, "misses": misses, "hit_rate": hits / total if total else 0.0}
    return inner, stats


def _kv_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table><tbody>{body}</tbody></table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def session_html(session: Any) -> str:
    """HTML summary of a :class:`~omicskit.Session` or :class:`~omicskit.AsyncSession`.

    Shows whether an email and an API key are set (never their values), the
    cache backend and its counters, the rate limit of each host group and
    the transport counters.
    """
    inner, stats = _sync_parts(session)
    stats = stats or {}
    config = inner.config
    secrets = config.secrets()
    closed = bool(getattr(inner, "closed", False))
    kind = type(session).__name__
    identity = [
        ("state", "closed" if closed else "open"),
        ("mode", "offline" if getattr(inner, "offline", False) else "online"),
        ("email", "email set" if config.email else "not set"),
        ("API key", "set" if config.api_key else "not set"),
        ("tool", str(config.tool)),
        ("E-utilities", redact(str(config.eutils_url), secrets)),
    ]
    backend = getattr(inner, "backend", None)
    cache_rows = [("backend", redact(repr(backend), secrets))]
    cache_rows += [(k, _fmt(v)) for k, v in stats.items() if k != "backend"]
    limits = []
    for group, limiter in getattr(inner, "limiters", {}).items():
        rate = getattr(limiter, "rate", None)
        shared = " (shared via Redis)" if type(limiter).__name__ == "RedisRateLimiter" else ""
        limits.append((group, f"{rate:g} req/s{shared}" if isinstance(rate, (int, float)) else "?"))
    transport = getattr(inner, "transport", None)
    counters = [(k, _fmt(v)) for k, v in getattr(transport, "stats", {}).items()]
    parts = [
        f'<div class="omicskit-session"><strong>omicskit {html.escape(kind)}</strong>',
        "<h4>Identity</h4>",
        _kv_table(identity),
        "<h4>Cache</h4>",
        _kv_table(cache_rows),
        "<h4>Rate limits</h4>",
        _kv_table(limits),
        "<h4>Transport</h4>",
        _kv_table(counters),
        "</div>",
    ]
    return redact("".join(parts), secrets)
