"""The search widget in a real browser: Voila serves notebooks/05_search_widget.ipynb,
headless Debian Chromium (through Playwright's Python API) drives it.

The fake services run in this test process; the notebook's kernel reaches
them through the ``OMICSKIT_*_URL`` variables that Voila passes on. This
test never skips: a missing Chromium or Voila is a failure with a clear
message (``scripts/install.sh`` installs Debian's ``chromium``). Never run
``playwright install``; ``executable_path`` points at the system browser.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from omicskit.testing import FakeServices

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "05_search_widget.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
UI_TIMEOUT_MS = int(os.environ.get("UI_TIMEOUT_MS", "60000"))
SERVER_TIMEOUT_S = 90.0

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {path!r}: install Debian's chromium (scripts/install.sh does) "
            "or set CHROMIUM_PATH; this test must not be skipped",
            pytrace=False,
        )
    return path


def _voila_command(port: int) -> list[str]:
    exe = Path(sys.executable).parent / "voila"
    if not exe.exists():
        found = shutil.which("voila")
        if found is None:
            pytest.fail("voila is not installed in this environment (pip install -e '.[dev]')", pytrace=False)
        exe = Path(found)
    return [
        str(exe),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
        str(NOTEBOOK),
    ]


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"voila exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(
        f"voila did not answer within {SERVER_TIMEOUT_S:.0f} s:\n{log_path.read_text(errors='replace')[-4000:]}"
    )


@pytest.fixture(scope="session")
def fake_for_browser() -> Iterator[FakeServices]:
    with FakeServices() as fake:
        yield fake


@pytest.fixture(scope="session")
def voila_url(fake_for_browser: FakeServices, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Voila serving the widget notebook on a free loopback port; stopped afterwards."""
    work = tmp_path_factory.mktemp("voila")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMICSKIT_", "NCBI_"))}
    env.update(fake_for_browser.env())
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        JUPYTER_DATA_DIR=str(work / "data"),
        IPYTHONDIR=str(work / "ipython"),
        NCBI_EMAIL="browser-test@example.org",
        PYTHONWARNINGS="ignore",
    )
    log_path = work / "voila.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            _voila_command(port),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(NOTEBOOK.parent),
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            _wait_until_up(proc, url, log_path)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@pytest.fixture
def page(voila_url: str) -> Iterator[object]:
    """A page of a fresh headless Chromium profile (Debian's chromium, not a downloaded one)."""
    executable = _chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_TIMEOUT_MS)
    profile = tempfile.mkdtemp(prefix="omicskit-chromium-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            try:
                pg = ctx.new_page()
                pg.set_default_timeout(UI_TIMEOUT_MS)
                yield pg
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_search_select_and_show_samples_in_voila(page, voila_url: str, fake_for_browser: FakeServices) -> None:
    from playwright.sync_api import expect

    errors: list[object] = []
    page.on("pageerror", lambda exc: errors.append(exc))
    page.goto(voila_url, wait_until="domcontentloaded")

    query = page.locator(".omicskit-query input")
    expect(query).to_be_visible()  # the kernel ran the notebook and the widget rendered
    # The notebook's own demo cells already searched once; wait for them to finish.
    expect(page.locator(".omicskit-status")).to_contain_text("result(s)")

    # Search with the button. The notebook's own cells left page 2 of "chromatin" on screen, so wait
    # for a row that only page 1 has (6 matches, 5 per page, newest first) before going on.
    query.fill("chromatin")
    page.locator(".omicskit-search").click()
    table = page.locator(".omicskit-results table.results-table")
    expect(table).to_contain_text("BRG1 establishes the neuroectodermal chromatin landscape")
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table).not_to_contain_text("GSE93431")

    # Paging beyond the first page fetches the next rows from the session.
    page.locator(".omicskit-next").click()
    expect(table).to_contain_text("GSE93431")
    expect(table).to_contain_text("Two independent modes of chromosome organization")
    expect(table.locator("tbody tr")).to_have_count(1)

    # Search with Enter: different, real rows from the fake services.
    query.fill("ovarian cancer")
    query.press("Enter")
    expect(table).to_contain_text("Expression data from patients with advanced ovarian cancer")
    expect(table).not_to_contain_text("GSE93431")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page.locator(".omicskit-status")).to_contain_text("1 of 1 result(s)")
    link = table.locator("a", has_text="GSE19161")
    expect(link).to_have_attribute("href", "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE19161")

    # Select the row and open its samples.
    samples_btn = page.locator(".omicskit-samples-btn")
    expect(samples_btn).to_be_disabled()
    page.locator(".omicskit-select select").select_option(index=0)
    expect(samples_btn).to_be_enabled()
    samples_btn.click()
    samples = page.locator(".omicskit-output table.samples-table")
    expect(samples).to_be_visible()
    expect(page.locator(".omicskit-output")).to_contain_text("Samples of GSE19161 — 61 row(s)")
    expect(samples).to_contain_text("GSM475065")
    expect(page.locator(".omicskit-error")).not_to_contain_text("⚠")
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 2200})  # Voila scrolls inside the page
    page.screenshot(path=str(ARTIFACTS / "voila_widget.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # A bad request is shown in the widget, which stays usable.
    query.fill("")
    query.press("Enter")
    expect(page.locator(".omicskit-error")).to_contain_text("empty search")
    expect(table).to_contain_text("GSE19161")

    page.set_viewport_size({"width": 1280, "height": 2200})  # Voila scrolls inside the page
    page.screenshot(path=str(ARTIFACTS / "voila_widget_error.png"))
    assert not errors, f"JavaScript errors on the page: {errors}"
    served = fake_for_browser.stats()
    assert served["total"] > 0, "the notebook's kernel never reached the fake services"
