"""``SearchWidget``: search GEO interactively in a notebook.

A thin ipywidgets view over a :class:`~omicskit.Session`: it never makes a
request itself, it calls ``search``, ``samples``, ``files`` and
``publications`` and renders the DataFrames they return.

>>> import omicskit as ok
>>> w = ok.SearchWidget(ok.Session(snapshot="demo"))      # doctest: +SKIP
>>> w                                                       # doctest: +SKIP

``widget.results`` (the loaded result rows) and ``widget.selected`` (the
selected rows) are traitlets, so ``widget.observe(callback, "selected")``
works. Errors — an empty search, an impossible date range, a failing
service, a CAPTCHA page — appear in a red box inside the widget; the widget
stays usable. Session calls run synchronously inside the callback (the
session has its own event loop thread, so this works in a running kernel).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
import pandas as pd
import traitlets
from IPython.display import HTML

from . import _widget_parts as parts
from . import frames
from .errors import OmicsKitError

__all__ = ["SearchWidget"]

log = logging.getLogger(__name__)

#: action name → (session method, heading, table kind)
ACTIONS: dict[str, tuple[str, str, str]] = {
    "samples": ("samples", "Samples", "samples"),
    "files": ("files", "Supplementary files", "files"),
    "papers": ("publications", "Papers", "papers"),
}
_DEDUPE_SECONDS = 2.0


def _empty() -> pd.DataFrame:
    return frames.records_frame([], frames.SERIES_DTYPES)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunk results without pandas' empty-frame warnings."""
    full = [f for f in frames if not f.empty]
    if not full:
        return frames[0] if frames else _empty()
    if len(full) == 1:
        return full[0]
    return pd.concat(full, ignore_index=True)


class SearchWidget(widgets.VBox):
    """Search GEO, page through the series, act on the selected rows.

    Parameters
    ----------
    session:
        A :class:`~omicskit.Session`. When ``None`` the widget opens one with
        the defaults (``Session()``) and closes it in :meth:`close`.
    page_size:
        Rows per page; going past the loaded rows fetches more with a larger
        ``limit``.
    """

    results = traitlets.Instance(pd.DataFrame, help="loaded result rows (all pages so far)")
    selected = traitlets.Instance(pd.DataFrame, help="selected rows of `results`")
    error = traitlets.Unicode("", help="the message shown in the error box ('' when none)")

    def __init__(self, session: Any = None, *, page_size: int = 20, **kwargs: Any) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.page_size = int(page_size)
        self.controls = parts.build_controls(self.page_size)
        super().__init__(children=self.controls.layout(), **kwargs)
        self.add_class("omicskit-search-widget")
        self.results = _empty()
        self.selected = _empty()
        self._owns_session = session is None
        if session is None:
            from .sync import Session

            session = Session()
        self.session = session
        self.page = 0
        self.total = 0
        self._filters: dict[str, Any] | None = None
        self._limit = 0
        self._chosen: list[str] = []
        self._syncing = False
        self._last_search: tuple[str, float] = ("", 0.0)
        self._closed = False
        c = self.controls
        c.query.observe(self._on_query_submit, "value")
        c.search.on_click(self._on_search_click)
        c.next.on_click(lambda _b: self.next_page())
        c.prev.on_click(lambda _b: self.prev_page())
        c.clear.on_click(lambda _b: self.select([]))
        c.select.observe(self._on_select, "value")
        c.samples.on_click(lambda _b: self.show("samples"))
        c.files.on_click(lambda _b: self.show("files"))
        c.papers.on_click(lambda _b: self.show("papers"))

    def __repr__(self) -> str:
        return f"<SearchWidget: {len(self.results)} of {self.total} result(s) loaded, {len(self.selected)} selected>"

    # -- public API --------------------------------------------------------------------
    @property
    def page_frame(self) -> pd.DataFrame:
        """The rows of the current page."""
        start = self.page * self.page_size
        return self.results.iloc[start : start + self.page_size]

    @property
    def pages(self) -> int:
        """Number of pages of the whole result (not only the loaded part)."""
        return max(1, math.ceil(self.total / self.page_size)) if self.total else 1

    def search(self) -> None:
        """Run the search described by the form (what the Search button does)."""
        try:
            try:
                filters = parts.read_filters(self.controls)
            except OmicsKitError as exc:
                self._fail(str(exc))
                return
            self._load(filters, self.page_size, fresh=True)
        finally:
            self._last_search = (repr(self._form_key()), time.monotonic())

    def next_page(self) -> None:
        """Show the next page, fetching more rows from the session when needed."""
        if (self.page + 1) * self.page_size >= self.total:
            return
        needed = min(self.total, (self.page + 2) * self.page_size)
        fetch = len(self.results) < needed and self._filters is not None
        if fetch and not self._load(self._filters or {}, needed, fresh=False):
            return
        if (self.page + 1) * self.page_size < len(self.results):
            self.page += 1
        self._render()

    def prev_page(self) -> None:
        """Show the previous page."""
        if self.page > 0:
            self.page -= 1
            self._render()

    def select(self, accessions: str | Iterable[str]) -> None:
        """Select result rows by accession (replaces the selection)."""
        wanted = [accessions] if isinstance(accessions, str) else list(accessions)
        loaded = set(self.results["accession"].astype(str))
        self._chosen = [a for a in dict.fromkeys(wanted) if a in loaded]
        self._update_selected()
        self._sync_select_widget()

    def show(self, action: str) -> pd.DataFrame | None:
        """Run an action (``"samples"``, ``"files"``, ``"papers"``) on the selection and render it.

        Returns the DataFrame (or ``None`` when it failed; the message is in the widget).
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; choose from {sorted(ACTIONS)}")
        method_name, heading, kind = ACTIONS[action]
        accessions = list(self._chosen)
        if not accessions:
            self._fail("Select at least one series first.")
            return None
        step = max(1, math.ceil(len(accessions) / 10))
        chunks = [accessions[i : i + step] for i in range(0, len(accessions), step)]
        frames: list[pd.DataFrame] = []
        errors: list[pd.DataFrame] = []
        with self._busy(len(chunks)) as advance:
            try:
                method = getattr(self.session, method_name)
                for chunk in chunks:
                    frames.append(method(chunk))
                    errors.append(self.session.errors)
                    advance()
            except Exception as exc:  # the widget shows the error instead of raising
                self._fail(self._describe(exc), _concat(errors) if errors else None)
                return None
        df = _concat(frames)
        errs = _concat(errors)
        self._set_output(parts.frame_html(f"{heading} of {', '.join(accessions)}", df, kind))
        if not errs.empty:
            self._fail(f"{len(errs)} item(s) failed while fetching {heading.lower()}", errs)
        else:
            self._clear_error()
        self._update_status()
        return df

    def close(self) -> None:
        """Close the widget, its children and the session it opened itself."""
        if getattr(self, "_closed", True):
            super().close()
            return
        self._closed = True
        try:
            if self._owns_session:
                self.session.close()
        finally:
            for child in self._descendants():
                child.close()
            super().close()

    # -- internals -------------------------------------------------------------------
    def _form_key(self) -> tuple[Any, ...]:
        c = self.controls
        return tuple(
            w.value
            for w in (
                c.query,
                c.organism,
                c.series_type,
                c.published_from,
                c.published_to,
                c.min_samples,
                c.max_samples,
                c.has_sra,
            )
        )

    def _on_query_submit(self, change: dict[str, Any]) -> None:
        # Text.continuous_update=False: the value changes on Enter (or when leaving the box).
        self.search()

    def _on_search_click(self, _button: Any) -> None:
        # Clicking Search right after typing first commits the text (blur), which
        # already searched; skip the identical second search.
        key, done = self._last_search
        if key == repr(self._form_key()) and time.monotonic() - done < _DEDUPE_SECONDS:
            return
        self.search()

    def _descendants(self) -> list[widgets.Widget]:
        found: list[widgets.Widget] = []
        stack: list[Any] = list(self.children)
        while stack:
            w = stack.pop()
            found.append(w)
            stack.extend(getattr(w, "children", ()))
        return found

    def _load(self, filters: dict[str, Any], limit: int, *, fresh: bool) -> bool:
        """Fetch ``limit`` rows of a search; ``False`` when it failed.

        On failure the previous results stay on screen under the error box.
        """
        kwargs = dict(filters)
        query = kwargs.pop("query")
        with self._busy(1) as advance:
            try:
                df = self.session.search(query, limit=limit, **kwargs)
                row_errors = self.session.errors
            except Exception as exc:  # shown in the widget, never as a traceback
                self._fail(self._describe(exc))
                return False
            advance()
        if fresh:
            self._chosen = []
            self.page = 0
        self._filters = filters
        self._limit = limit
        self.total = int(df.attrs.get("count", len(df)) or 0)
        self.results = df
        if fresh:
            self._set_output("")
        self._update_selected()
        if not row_errors.empty:
            self._fail(f"{len(row_errors)} record(s) could not be fetched", row_errors)
        else:
            self._clear_error()
        self._render()
        return True

    def _render(self) -> None:
        c = self.controls
        page = self.page_frame
        if self.total == 0 and self._filters is not None and self.results.empty:
            c.results.value = "<p>No series match this search.</p>"
        elif page.empty:
            c.results.value = ""
        else:
            c.results.value = parts.links_html(page, parts.RESULT_COLUMNS, max_rows=None, classes="results-table")
        self._syncing = True
        try:
            c.select.options = [(f"{a} — {t}", a) for a, t in zip(page["accession"], page["title"].fillna(""))]
        finally:
            self._syncing = False
        self._sync_select_widget()
        c.page.value = f"page {self.page + 1} of {self.pages}" if self.total else ""
        self._refresh_buttons()
        self._update_status()

    def _sync_select_widget(self) -> None:
        c = self.controls
        on_page = {v for _label, v in c.select.options}
        self._syncing = True
        try:
            c.select.value = tuple(a for a in self._chosen if a in on_page)
        finally:
            self._syncing = False
        self._enable_actions()

    def _on_select(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        on_page = {v for _label, v in self.controls.select.options}
        kept = [a for a in self._chosen if a not in on_page]
        self._chosen = kept + [a for a in change["new"] if a not in kept]
        self._update_selected()
        self._enable_actions()

    def _update_selected(self) -> None:
        if self.results.empty or not self._chosen:
            self.selected = self.results.iloc[0:0]
            return
        mask = self.results["accession"].astype(str).isin(self._chosen)
        self.selected = self.results[mask.to_numpy(dtype=bool)]

    def _enable_actions(self) -> None:
        c = self.controls
        nothing = not self._chosen
        for b in (c.samples, c.files, c.papers, c.clear):
            b.disabled = nothing

    def _refresh_buttons(self) -> None:
        c = self.controls
        c.search.disabled = False
        c.prev.disabled = self.page == 0
        c.next.disabled = (self.page + 1) * self.page_size >= self.total
        self._enable_actions()

    def _busy(self, steps: int) -> parts.Busy:
        return parts.Busy(self, steps)

    def _set_output(self, markup: str) -> None:
        out = self.controls.output
        out.outputs = ()
        if markup:
            out.append_display_data(HTML(markup))

    def _fail(self, message: str, errors: pd.DataFrame | None = None) -> None:
        self.error = message
        self.controls.error.value = parts.error_html(message, errors)
        self.controls.progress.bar_style = "danger"
        self.controls.progress.value = self.controls.progress.max
        self._update_status()

    def _clear_error(self) -> None:
        self.error = ""
        self.controls.error.value = ""

    @staticmethod
    def _describe(exc: BaseException) -> str:
        if isinstance(exc, OmicsKitError):
            return str(exc) or type(exc).__name__
        log.debug("SearchWidget: unexpected error", exc_info=exc)
        return f"Unexpected error ({type(exc).__name__}): {exc}"

    def _update_status(self) -> None:
        c = self.controls
        if self.session.closed:
            c.status.value = "session closed"
            return
        try:
            cache = self.session.cache.stats()
        except Exception:
            cache = {}
        transport = dict(self.session.async_session.transport.stats)
        c.status.value = parts.status_text(
            shown=len(self.results),
            total=self.total,
            page=self.page + 1,
            pages=self.pages,
            transport=transport,
            cache=cache,
        )
