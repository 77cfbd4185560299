"""Building blocks of :class:`omicskit.widget.SearchWidget`.

The controls (each with a stable CSS class for browser tests), the filter
parser that turns the form into :meth:`~omicskit.Session.search` keyword
arguments, and the HTML fragments the widget shows: the results table, the
error box and the status line. No I/O happens here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .display import links_html
from .errors import InvalidQueryError
from .services.query import ORGANISMS, SERIES_TYPES

__all__ = [
    "Busy",
    "HAS_SRA_OPTIONS",
    "RESULT_COLUMNS",
    "Controls",
    "build_controls",
    "error_html",
    "frame_html",
    "read_filters",
    "status_text",
]

#: Columns of the results table (the full frame is in ``SearchWidget.results``).
RESULT_COLUMNS = ["accession", "title", "organism", "series_type", "n_samples", "published"]
HAS_SRA_OPTIONS: dict[str, bool | None] = {"any": None, "yes": True, "no": False}
_ANY = "any"


def _styled(widget: Any, css: str) -> Any:
    widget.add_class(css)
    return widget


@dataclass
class Controls:
    """Every widget of the search form, the results area and the actions."""

    query: widgets.Text
    organism: widgets.Combobox
    series_type: widgets.Dropdown
    published_from: widgets.Text
    published_to: widgets.Text
    min_samples: widgets.Text
    max_samples: widgets.Text
    has_sra: widgets.Dropdown
    search: widgets.Button
    prev: widgets.Button
    next: widgets.Button
    page: widgets.Label
    results: widgets.HTML
    select: widgets.SelectMultiple
    clear: widgets.Button
    samples: widgets.Button
    files: widgets.Button
    papers: widgets.Button
    progress: widgets.IntProgress
    status: widgets.Label
    error: widgets.HTML
    output: widgets.Output

    def buttons(self) -> list[widgets.Button]:
        return [self.search, self.prev, self.next, self.clear, self.samples, self.files, self.papers]

    def layout(self) -> list[widgets.Widget]:
        """The rows of the widget, top to bottom."""
        small = widgets.Layout(width="110px")
        for w in (self.published_from, self.published_to, self.min_samples, self.max_samples):
            w.layout = small
        form = widgets.VBox(
            [
                widgets.HBox([self.query, self.search]),
                widgets.HBox([self.organism, self.series_type, self.has_sra]),
                widgets.HBox(
                    [
                        widgets.Label("published"),
                        self.published_from,
                        self.published_to,
                        widgets.Label("samples"),
                        self.min_samples,
                        self.max_samples,
                    ]
                ),
            ]
        )
        paging = widgets.HBox([self.prev, self.page, self.next])
        actions = widgets.HBox([self.samples, self.files, self.papers, self.clear])
        return [
            form,
            widgets.HBox([self.progress, self.status]),
            self.error,
            paging,
            self.results,
            self.select,
            actions,
            self.output,
        ]


def build_controls(page_size: int) -> Controls:
    """All controls, each tagged with an ``omicskit-*`` CSS class."""
    organisms = sorted(set(ORGANISMS.values()))
    return Controls(
        query=_styled(
            widgets.Text(
                placeholder="e.g. breast cancer RNA-seq (Enter searches)",
                description="Query",
                continuous_update=False,
                layout=widgets.Layout(width="520px"),
            ),
            "omicskit-query",
        ),
        organism=_styled(
            widgets.Combobox(placeholder="any organism", options=organisms, description="Organism"),
            "omicskit-organism",
        ),
        series_type=_styled(
            widgets.Dropdown(options=[_ANY, *SERIES_TYPES], value=_ANY, description="Type"),
            "omicskit-series-type",
        ),
        published_from=_styled(widgets.Text(placeholder="from YYYY"), "omicskit-published-from"),
        published_to=_styled(widgets.Text(placeholder="to YYYY"), "omicskit-published-to"),
        min_samples=_styled(widgets.Text(placeholder="min"), "omicskit-min-samples"),
        max_samples=_styled(widgets.Text(placeholder="max"), "omicskit-max-samples"),
        has_sra=_styled(
            widgets.Dropdown(options=list(HAS_SRA_OPTIONS), value=_ANY, description="SRA data"),
            "omicskit-has-sra",
        ),
        search=_styled(widgets.Button(description="Search", button_style="primary", icon="search"), "omicskit-search"),
        prev=_styled(widgets.Button(description="◀ Prev", disabled=True), "omicskit-prev"),
        next=_styled(widgets.Button(description="Next ▶", disabled=True), "omicskit-next"),
        page=_styled(widgets.Label(value=""), "omicskit-page"),
        results=_styled(widgets.HTML(value=""), "omicskit-results"),
        select=_styled(
            widgets.SelectMultiple(options=[], rows=min(page_size, 10), layout=widgets.Layout(width="95%")),
            "omicskit-select",
        ),
        clear=_styled(widgets.Button(description="Clear selection", disabled=True), "omicskit-clear-btn"),
        samples=_styled(widgets.Button(description="Samples", disabled=True), "omicskit-samples-btn"),
        files=_styled(widgets.Button(description="Files", disabled=True), "omicskit-files-btn"),
        papers=_styled(widgets.Button(description="Papers", disabled=True), "omicskit-papers-btn"),
        progress=_styled(widgets.IntProgress(value=0, min=0, max=1), "omicskit-progress"),
        status=_styled(widgets.Label(value="Type a query or choose filters, then press Search."), "omicskit-status"),
        error=_styled(widgets.HTML(value=""), "omicskit-error"),
        output=_styled(widgets.Output(), "omicskit-output"),
    )


def _optional_int(text: str, name: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidQueryError(f"{name} must be a whole number; got {text!r}") from None
    if value < 0:
        raise InvalidQueryError(f"{name} must not be negative; got {value}")
    return value


def read_filters(c: Controls) -> dict[str, Any]:
    """The form as keyword arguments of :meth:`~omicskit.Session.search`.

    Raises :class:`~omicskit.errors.InvalidQueryError` for values that are
    not numbers; dates and ranges are validated by the session itself.
    """
    lo, hi = c.published_from.value.strip(), c.published_to.value.strip()
    organism = c.organism.value.strip()
    return {
        "query": c.query.value.strip(),
        "organism": organism or None,
        "series_type": None if c.series_type.value == _ANY else c.series_type.value,
        "published": (lo or None, hi or None) if (lo or hi) else None,
        "min_samples": _optional_int(c.min_samples.value, "min samples"),
        "max_samples": _optional_int(c.max_samples.value, "max samples"),
        "has_sra": HAS_SRA_OPTIONS.get(c.has_sra.value),
    }


def frame_html(title: str, df: pd.DataFrame, kind: str, *, max_rows: int = 200) -> str:
    """A heading plus *df* as a linked table (class ``<kind>-table``)."""
    if df.empty:
        return f'<div class="omicskit-frame"><h4>{html.escape(title)}</h4><p>No rows.</p></div>'
    table = links_html(df, max_rows=max_rows, classes=f"omicskit-table {kind}-table")
    return (
        f'<div class="omicskit-frame" style="max-height:480px;overflow:auto">'
        f"<h4>{html.escape(title)} — {len(df)} row(s)</h4>{table}</div>"
    )


def error_html(message: str, errors: pd.DataFrame | None = None) -> str:
    """The red error box: one message and, optionally, the ``Session.errors`` rows."""
    extra = ""
    if errors is not None and not errors.empty:
        messages = errors["message"].astype("string")
        if messages.str.contains("captcha|challenge page", case=False, regex=True, na=False).any():
            extra += (
                "<p>GEO answered with a CAPTCHA (challenge) page: that record is not retrievable by "
                "script right now. Open it in a browser or try again later.</p>"
            )
        extra += links_html(errors, max_rows=50, classes="omicskit-table errors-table")
    return (
        '<div class="omicskit-error-box" style="border:1px solid #c62828;background:#fdecea;'
        'color:#8e0000;padding:6px 10px;margin:4px 0;border-radius:4px">'
        f"<strong>⚠ {html.escape(message)}</strong>{extra}</div>"
    )


def status_text(
    *,
    shown: int,
    total: int,
    page: int,
    pages: int,
    transport: dict[str, Any],
    cache: dict[str, Any],
) -> str:
    """The status line: results, requests, cache hits, retries and 429s."""
    return (
        f"{shown} of {total} result(s) · page {page}/{max(pages, 1)} · "
        f"{transport.get('requests', 0)} request(s) · "
        f"cache {cache.get('hits', 0)} hit(s) / {cache.get('misses', 0)} miss(es) · "
        f"{transport.get('retries', 0)} retr{'y' if transport.get('retries', 0) == 1 else 'ies'} · "
        f"{transport.get('rate_limited', 0)} x HTTP 429"
    )


class Busy:
    """Context manager: disables the buttons, drives the progress bar and
    switches the session's own tqdm bars off while the widget works."""

    def __init__(self, widget: Any, steps: int) -> None:
        self.widget = widget
        self.steps = max(1, steps)
        self._progress_flag: bool | None = None

    def __enter__(self) -> Callable[[], None]:
        c = self.widget.controls
        c.progress.max = self.steps
        c.progress.value = 0
        c.progress.bar_style = "info"
        for b in c.buttons():
            b.disabled = True
        inner = getattr(self.widget.session, "async_session", None)
        if inner is not None and hasattr(inner, "progress"):
            self._progress_flag = inner.progress
            inner.progress = False
        return self._advance

    def _advance(self) -> None:
        c = self.widget.controls
        c.progress.value = min(c.progress.max, c.progress.value + 1)

    def __exit__(self, *exc: object) -> None:
        c = self.widget.controls
        inner = getattr(self.widget.session, "async_session", None)
        if inner is not None and self._progress_flag is not None:
            inner.progress = self._progress_flag
        self.widget._refresh_buttons()
        if c.progress.bar_style != "danger":
            c.progress.value = c.progress.max
            c.progress.bar_style = "success"
