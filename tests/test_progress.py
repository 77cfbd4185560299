"""Progress bars: tqdm.auto, items (bytes for downloads), off with progress=False, always closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

import omicskit as ok
from omicskit.progress import NullBar, progress_bar
from omicskit.testing import FakeServices
from omicskit.testing._faults import FaultInjector

from .conftest import FAST


class Recorder:
    """Stands in for ``tqdm.auto.tqdm`` and remembers every bar."""

    bars: ClassVar[list[Recorder]] = []

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.n = 0
        self.closed = False
        Recorder.bars.append(self)

    def update(self, n: int = 1) -> None:
        assert not self.closed, "update after close"
        self.n += n

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        return None

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Recorder]]:
    import tqdm.auto

    Recorder.bars = []
    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    yield Recorder.bars


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with FakeServices(rate_limit=False) as services:
        yield services


def session(fake: FakeServices, **kw: Any) -> ok.Session:
    opts: dict[str, Any] = {"email": "bars@example.org", "cache": "memory", "retries": 0, **FAST}
    opts.update(kw)
    return ok.Session(**opts, **fake.config_overrides())


# -- progress_bar itself ---------------------------------------------------------------
def test_bar_counts_items_and_closes(bars: list[Recorder]) -> None:
    with progress_bar(3, "samples") as bar:
        bar.update(3)
    (only,) = bars
    assert only.closed and only.n == 3
    assert only.options["unit"] == "item" and only.options["desc"] == "samples" and only.options["total"] == 3
    assert only.options["leave"] is False and "unit_scale" not in only.options


def test_bar_closes_when_the_work_fails(bars: list[Recorder]) -> None:
    with pytest.raises(RuntimeError, match="boom"), progress_bar(5, "files") as bar:
        bar.update(1)
        raise RuntimeError("boom")
    assert bars[0].closed and bars[0].n == 1
    with pytest.raises(KeyboardInterrupt), progress_bar(5, "files"):
        raise KeyboardInterrupt
    assert bars[1].closed


def test_disabled_and_single_item_bars_are_null(bars: list[Recorder]) -> None:
    with progress_bar(10, "x", enabled=False) as bar:
        assert isinstance(bar, NullBar)
        bar.update(4)
        bar.set_postfix_str("ok")
    with progress_bar(1, "one item") as bar:
        assert isinstance(bar, NullBar)
    assert bars == []


def test_byte_bars_scale_units(bars: list[Recorder]) -> None:
    with progress_bar(None, "download", unit="B") as bar:
        bar.update(2048)
    with progress_bar(1, "tiny download", unit="B"):
        pass
    assert len(bars) == 2 and all(b.closed for b in bars)
    opts = bars[0].options
    assert opts["unit"] == "B" and opts["unit_scale"] is True and opts["unit_divisor"] == 1024
    assert opts["total"] is None and bars[0].n == 2048


def test_terminal_bar_goes_to_stderr_and_is_cleared(capfd: pytest.CaptureFixture[str]) -> None:
    with progress_bar(4, "series") as bar:
        for _ in range(4):
            bar.update(1)
    out, err = capfd.readouterr()
    assert out == ""
    assert err.startswith("\rseries:") and "/4 [" in err and "item/s" in err
    assert err.rstrip("\r").endswith(" ")  # leave=False: the line is blanked when the bar closes


# -- through the session -----------------------------------------------------------------
def test_session_calls_show_item_bars(bars: list[Recorder], fake: FakeServices) -> None:
    with session(fake) as s:
        smp = s.samples(["GSE19161", "GSE150868"])
        s.files(["GSE19161", "GSE150868"])
    assert len(smp) == 61 + 35
    by_desc = {b.options["desc"]: b for b in bars}
    assert {"samples", "files"} <= set(by_desc)
    for desc in ("samples", "files"):
        bar = by_desc[desc]
        assert bar.closed and bar.options["unit"] == "item"
        assert bar.n == bar.options["total"] == 2


def test_progress_false_disables_every_bar(bars: list[Recorder], fake: FakeServices, tmp_path: Path) -> None:
    with session(fake, progress=False) as s:
        s.search("expression", limit=10)
        s.samples(["GSE19161", "GSE150868"])
        files = s.files("GSE19161")
        s.download(files[files["name"].str.contains("information")], dest=tmp_path)
    assert bars == []


def test_bars_close_when_items_fail(bars: list[Recorder], fake: FakeServices) -> None:
    with session(fake) as s:
        fake.app.faults = FaultInjector(1.0, ["500"])
        smp = s.samples(["GSE19161", "GSE150868"])
        assert smp.empty and len(s.errors) == 2
    assert bars and all(b.closed for b in bars)


def test_bars_close_when_the_call_raises(bars: list[Recorder], fake: FakeServices) -> None:
    with session(fake) as s:
        mirror = s.async_session._mirror

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("disk on fire")

        mirror.inventory = broken
        with pytest.raises(RuntimeError, match="disk on fire"):
            s.files(["GSE19161", "GSE150868"])
    (bar,) = [b for b in bars if b.options["desc"] == "files"]
    assert bar.closed


def test_download_bar_counts_bytes(bars: list[Recorder], fake: FakeServices, tmp_path: Path) -> None:
    with session(fake) as s:
        files = s.files("GSE19161")
        wanted = files[files["name"].str.endswith(".txt.gz")]
        done = s.download(wanted, dest=tmp_path)
    assert set(done["status"]) == {"downloaded"}
    size = sum(p.stat().st_size for p in tmp_path.iterdir() if p.is_file())
    (bar,) = [b for b in bars if b.options["desc"] == "download"]
    assert bar.closed and bar.options["unit"] == "B" and bar.options["unit_scale"] is True
    assert bar.n == size == int(wanted["size"].sum())
