"""SearchWidget driven programmatically against the fake services (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import omicskit as ok
from omicskit.errors import RemoteError
from omicskit.testing import FakeServices
from omicskit.testing._faults import FaultInjector
from omicskit.widget import SearchWidget

from .conftest import FAST

QUICK = {**FAST, "retries": 0}


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with FakeServices(rate_limit=False) as services:
        yield services


@pytest.fixture
def session(fake: FakeServices) -> Iterator[ok.Session]:
    with ok.Session(email="widget@example.org", cache="memory", **QUICK, **fake.config_overrides()) as s:
        yield s


@pytest.fixture
def widget(session: ok.Session) -> Iterator[SearchWidget]:
    w = SearchWidget(session, page_size=5)
    yield w
    w.close()


def output_html(w: SearchWidget) -> str:
    outs = w.controls.output.outputs
    return "".join(o["data"]["text/html"] for o in outs)


def accessions(df: pd.DataFrame) -> list[str]:
    return [str(a) for a in df["accession"]]


def test_enter_searches_and_results_are_observable(widget: SearchWidget, session: ok.Session) -> None:
    seen: list[str] = []
    widget.observe(lambda change: seen.append(change["name"]), names=["results", "selected"])
    assert widget.controls.query.continuous_update is False  # value changes on Enter
    widget.controls.query.value = "ovarian cancer"
    assert accessions(widget.results) == ["GSE19161"]
    assert "results" in seen
    assert widget.error == ""
    assert widget.controls.status.value.startswith("1 of 1 result(s)")
    assert re.search(r"\d+ request\(s\) · cache \d+ hit\(s\) / \d+ miss\(es\) · \d+ retr", widget.controls.status.value)
    html = widget.controls.results.value
    assert 'class="results-table"' in html
    assert 'href="https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE19161"' in html
    # Clicking Search right after Enter with the same form does not search twice.
    before = session.async_session.transport.stats["requests"]
    widget.controls.search.click()
    assert session.async_session.transport.stats["requests"] == before
    assert repr(widget) == "<SearchWidget: 1 of 1 result(s) loaded, 0 selected>"


def test_search_button_uses_the_filters(widget: SearchWidget) -> None:
    c = widget.controls
    c.organism.value = "mouse"
    c.has_sra.value = "yes"
    c.query.value = "expression"
    assert accessions(widget.results) == ["GSE126815", "GSE93431", "GSE93374"]
    c.query.value = "cancer"  # Enter
    c.organism.value = ""
    c.has_sra.value = "any"
    c.published_from.value, c.published_to.value = "2015", "2020"
    c.search.click()  # the form changed: a new search
    assert accessions(widget.results) == ["GSE101426", "GSE100750"]
    assert widget.results["published"].dt.year.between(2015, 2020).all()
    c.published_from.value = c.published_to.value = ""
    c.series_type.value = "Expression profiling by array"
    c.min_samples.value, c.max_samples.value = "20", "100"
    c.search.click()
    assert set(accessions(widget.results)) == {"GSE30521", "GSE19161"}


def test_paging_fetches_more_rows_from_the_session(widget: SearchWidget) -> None:
    c = widget.controls
    c.query.value = "expression"
    assert widget.total == 15 and len(widget.results) == 5
    assert c.page.value == "page 1 of 3" and c.prev.disabled and not c.next.disabled
    first = accessions(widget.page_frame)
    c.next.click()
    assert len(widget.results) == 10 and widget.page == 1
    assert accessions(widget.results)[:5] == first
    c.next.click()
    assert len(widget.results) == 15 and c.page.value == "page 3 of 3" and c.next.disabled
    c.next.click()  # no-op at the end
    assert widget.page == 2
    c.prev.click()
    assert widget.page == 1 and len(widget.results) == 15
    assert [v for _label, v in c.select.options] == accessions(widget.results)[5:10]


def test_selection_spans_pages_and_feeds_selected(widget: SearchWidget) -> None:
    c = widget.controls
    c.query.value = "expression"
    assert c.samples.disabled and c.files.disabled and c.papers.disabled
    events: list[pd.DataFrame] = []
    widget.observe(lambda change: events.append(change["new"]), names="selected")
    page1 = [v for _label, v in c.select.options]
    c.select.value = (page1[0], page1[2])
    assert accessions(widget.selected) == [page1[0], page1[2]]
    assert not c.samples.disabled
    c.next.click()
    page2 = [v for _label, v in c.select.options]
    assert c.select.value == ()
    c.select.value = (page2[1],)
    assert accessions(widget.selected) == [page1[0], page1[2], page2[1]]
    c.prev.click()
    assert c.select.value == (page1[0], page1[2])
    assert isinstance(events[-1], pd.DataFrame)
    c.clear.click()
    assert widget.selected.empty and c.samples.disabled
    widget.select([page2[0], "GSE00000"])  # accessions not in the results are ignored
    assert accessions(widget.selected) == [page2[0]]


def test_samples_button_renders_the_samples_table(widget: SearchWidget) -> None:
    widget.controls.query.value = "ovarian cancer"
    widget.controls.select.value = ("GSE19161",)
    widget.controls.samples.click()
    html = output_html(widget)
    assert "Samples of GSE19161 — 61 row(s)" in html
    assert 'class="omicskit-table samples-table"' in html
    assert "GSM475065" in html and "acc.cgi?acc=GSM475065" in html
    assert widget.error == ""
    assert widget.controls.progress.bar_style == "success"
    df = widget.show("samples")
    assert df is not None and len(df) == 61 and df["accession"].iloc[0] == "GSM475065"


def test_files_button_lists_supplementary_files(widget: SearchWidget) -> None:
    widget.controls.query.value = "3D genome landscape"
    widget.select("GSE101426")
    widget.controls.files.click()
    html = output_html(widget)
    assert "Supplementary files of GSE101426" in html
    assert "files-table" in html and "GSE101426_RAW.tar" in html


def test_papers_button_renders_links_and_reports_misses(widget: SearchWidget) -> None:
    widget.controls.query.value = "ovarian cancer"
    widget.select("GSE19161")
    widget.controls.papers.click()  # never raises out of the callback
    html = output_html(widget)
    assert "Papers of GSE19161 — 2 row(s)" in html and "papers-table" in html
    assert "https://pubmed.ncbi.nlm.nih.gov/28731372/" in html and "https://doi.org/10.1177/1352458517722646" in html
    assert "failed while fetching papers" in widget.error  # PMIDs the literature fake does not know
    assert not widget.controls.search.disabled


def test_new_search_clears_selection_and_output(widget: SearchWidget) -> None:
    widget.controls.query.value = "ovarian cancer"
    widget.select("GSE19161")
    widget.show("samples")
    widget.controls.query.value = "chromatin"
    assert widget.selected.empty and output_html(widget) == ""


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "empty search"),
        ({"published_from": "2024", "published_to": "2020", "query": "cancer"}, "impossible date range"),
        ({"published_from": "2020/13", "query": "cancer"}, "impossible date"),
        ({"min_samples": "ten", "query": "cancer"}, "min samples must be a whole number"),
        ({"min_samples": "50", "max_samples": "5", "query": "cancer"}, "larger than max_samples"),
        ({"organism": "Homo sapienz", "query": "cancer"}, "unknown organism"),
    ],
)
def test_bad_input_is_shown_and_widget_stays_usable(widget: SearchWidget, form: dict[str, str], message: str) -> None:
    c = widget.controls
    c.query.value = "ovarian cancer"
    good = accessions(widget.results)
    for name, value in form.items():
        if name != "query":
            getattr(c, name).value = value
    if "query" in form:
        c.search.click()
    else:
        c.query.value = ""  # Enter in an empty box, no filters
    assert message in widget.error
    assert message in c.error.value and "omicskit-error-box" in c.error.value
    assert "Traceback" not in c.error.value
    assert accessions(widget.results) == good  # previous results stay
    assert not c.search.disabled and c.progress.bar_style == "danger"
    for name in form:
        if name not in ("query",):
            getattr(c, name).value = ""
    c.query.value = "chromatin"
    assert widget.error == "" and c.error.value == ""
    assert widget.total == 6 and "GSE150868" in accessions(widget.results)


def test_service_errors_are_shown_and_widget_recovers(widget: SearchWidget, fake: FakeServices) -> None:
    fake.app.faults = FaultInjector(1.0, ["500"])
    widget.controls.query.value = "cancer"
    assert widget.error and "HTML page instead of data" in widget.error
    assert "omicskit-error-box" in widget.controls.error.value
    assert widget.results.empty
    fake.app.faults = FaultInjector(0.0)
    widget.search()
    assert widget.error == "" and len(widget.results) == 5


def test_captcha_rows_are_shown_as_a_table(widget: SearchWidget, fake: FakeServices) -> None:
    widget.controls.query.value = "ovarian cancer"
    widget.select("GSE19161")
    fake.app.faults = FaultInjector(1.0, ["captcha", "500"])
    df = widget.show("samples")
    assert df is not None and df.empty
    box = widget.controls.error.value
    assert "1 item(s) failed while fetching samples" in widget.error
    assert "CAPTCHA" in box and "errors-table" in box and "NotRetrievableError" in box
    fake.app.faults = FaultInjector(0.0)
    df = widget.show("samples")
    assert df is not None and len(df) == 61 and widget.error == ""


class _Broken:
    """A session stand-in whose calls fail in unusual ways."""

    closed = False

    def __init__(self, real: ok.Session) -> None:
        self.real = real
        self.cache = real.cache
        self.async_session = real.async_session
        self.errors = real.errors

    def search(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        return self.real.search(*args, **kwargs)

    def samples(self, accessions: Any) -> pd.DataFrame:
        raise RuntimeError("boom <script>alert(1)</script>")

    def files(self, accessions: Any) -> pd.DataFrame:
        raise RemoteError("the service said no", status=503)


def test_unexpected_exceptions_never_escape(session: ok.Session) -> None:
    w = SearchWidget(_Broken(session), page_size=5)
    try:
        w.controls.query.value = "ovarian cancer"
        w.select("GSE19161")
        w.controls.samples.click()
        assert w.error.startswith("Unexpected error (RuntimeError)")
        assert "<script>" not in w.controls.error.value and "&lt;script&gt;" in w.controls.error.value
        w.controls.files.click()
        assert w.error == "the service said no"
        assert not w.controls.samples.disabled
    finally:
        w.close()
    assert not session.closed  # a session passed in is not the widget's to close


def test_widget_turns_off_tqdm_bars_while_working(widget: SearchWidget, session: ok.Session, monkeypatch) -> None:
    import tqdm.auto

    made: list[Any] = []
    monkeypatch.setattr(tqdm.auto, "tqdm", lambda *a, **k: made.append(k))
    assert session.async_session.progress is True
    widget.controls.query.value = "expression"
    widget.select(accessions(widget.results)[:3])
    widget.show("samples")
    assert made == [] and session.async_session.progress is True


def test_without_a_session_it_opens_and_closes_its_own(monkeypatch, fake: FakeServices) -> None:
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OMICSKIT_CACHE", "memory")
    monkeypatch.setenv("NCBI_EMAIL", "owner@example.org")
    w = ok.SearchWidget()
    own = w.session
    assert isinstance(own, ok.Session) and not own.closed
    w.controls.query.value = "ovarian cancer"
    assert accessions(w.results) == ["GSE19161"]
    children = w._descendants()
    w.close()
    assert own.closed
    assert all(child.comm is None for child in children)
    w.close()  # idempotent


def test_no_http_in_widget_code() -> None:
    import omicskit

    root = Path(omicskit.__file__).parent
    for name in ("widget.py", "_widget_parts.py", "display.py"):
        source = (root / name).read_text()
        assert not re.search(r"^\s*(import|from)\s+(httpx|urllib|requests|http\b|socket)", source, re.M), name
