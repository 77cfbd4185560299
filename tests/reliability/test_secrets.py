"""Secrets: the API key and the email never appear in log records, reprs,
exception messages, ``Session.errors``, cache keys or values, snapshots or CLI
output.

A distinctive key and email are used against the fake with 20 % faults of
every kind, so retry, fallback and error paths log and raise too. Every
logger is captured at DEBUG (the fake's own server log is left out: it plays
NCBI's side and sees the key by design).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

import omicskit as ok
from omicskit.testing import ALL_FAULTS, REPLICA_BASE, FakeServices

KEY = "KEYSENTINEL0123456789abcdef"
EMAIL = "sentinel@example.invalid"
FORMS = {s for secret in (KEY, EMAIL) for s in (secret, quote(secret, safe=""), quote_plus(secret))}
ACCS = [f"GSE{REPLICA_BASE + i}" for i in range(8)]


def leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


class Capture(logging.Handler):
    """Every record of every logger, formatted with its arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("omicskit.testing"):
            return
        self.texts.append(self.format(record) + repr(record.args))


@pytest.fixture
def captured() -> Iterator[Capture]:
    root = logging.getLogger()
    handler = Capture()
    old_level = root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "omicskit", "asyncio")}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeServices]:
    with FakeServices(faults=0.2, fault_kinds=ALL_FAULTS, seed=11, replicas=len(ACCS)) as f:
        yield f


def test_secrets_stay_out_of_everything(fake: FakeServices, captured: Capture, tmp_path: Path) -> None:
    texts: list[str] = []
    cache_dir = tmp_path / "cache"
    s = ok.Session(
        email=EMAIL,
        api_key=KEY,
        cache=str(cache_dir),
        progress=False,
        retries=1,
        backoff_base=0.01,
        backoff_max=0.05,
        **fake.config_overrides(),
    )
    try:
        texts += [repr(s), repr(s.async_session.transport), repr(s.cache)]  # Config: see below
        calls: list[tuple[str, tuple[Any, ...]]] = [
            ("search", ("breast cancer",)),
            ("series", (ACCS,)),
            ("samples", (ACCS,)),
            ("files", (ACCS,)),
            ("platforms", (["GPL570", "GPL1"],)),
            ("expression", ("GSE1",)),
        ]
        n_errors = 0
        for name, args in calls:
            try:
                out = getattr(s, name)(*args)
                texts.append(out.to_csv())
                texts.append(repr(out.attrs))
            except ok.errors.OmicsKitError as exc:
                texts += [str(exc), repr(exc), repr(exc.args)]
            errors = s.errors
            n_errors += len(errors)
            texts += [errors.to_csv(), repr(errors.to_dict())]
        texts.append(repr(s.cache.stats()))
        if hasattr(s, "save_snapshot"):
            snap = tmp_path / "snap.omicskit"
            s.save_snapshot(snap, ACCS)
            texts.append(snap.read_bytes().decode("latin-1"))
    finally:
        s.close()
    texts += [t for t in captured.texts if not t.startswith("httpx ")]  # httpx's own log: see below
    assert captured.texts, "nothing was logged: the capture is broken"
    assert n_errors > 0 or fake.stats()["faults_served"] > 0, "the error paths did not run"

    import diskcache

    with diskcache.Cache(str(cache_dir)) as cache:
        keys = list(cache.iterkeys())
        assert keys
        texts += keys
        texts += [cache.get(k).decode("latin-1") for k in keys]

    leaked = [(t[:200], leaks(t)) for t in texts if leaks(t)]
    assert not leaked, leaked


def test_config_repr_hides_email_and_key() -> None:
    cfg = ok.Config(email=EMAIL, api_key=KEY)
    assert not leaks(repr(cfg)) and not leaks(str(cfg))


def test_httpx_request_log_hides_the_key(fake: FakeServices, captured: Capture) -> None:
    with ok.Session(email=EMAIL, api_key=KEY, cache="memory", progress=False, **fake.config_overrides()) as s:
        s.series(ACCS[:2])
    httpx_records = [t for t in captured.texts if t.startswith("httpx ")]
    assert httpx_records, "httpx logged nothing"
    assert not [t for t in httpx_records if leaks(t)]


def test_exception_messages_are_redacted(fake: FakeServices) -> None:
    """Errors carrying a URL (404, transport) show ``api_key=***``, never the key."""
    import asyncio

    from omicskit._transport import Transport
    from omicskit.config import Config
    from omicskit.errors import OmicsKitError

    async def run() -> list[str]:
        cfg = Config(email=EMAIL, api_key=KEY, retries=0, **fake.config_overrides())
        t = Transport(cfg)
        out = []
        try:
            for url in (f"{cfg.eutils_url}/nope.fcgi", "http://127.0.0.1:9/eutils/esummary.fcgi"):
                try:
                    await t.get(url, group="eutils", params={"db": "gds"})
                except OmicsKitError as exc:
                    out += [str(exc), repr(exc), str(getattr(exc, "url", ""))]
        finally:
            await t.aclose()
        return out

    messages = asyncio.run(run())
    assert len(messages) == 6 and any("api_key=***" in m for m in messages), messages
    assert not [m for m in messages if leaks(m)]


def test_memory_cache_keys_hold_no_secret(fake: FakeServices) -> None:
    with ok.Session(email=EMAIL, api_key=KEY, cache="memory", progress=False, **fake.config_overrides()) as s:
        s.search("breast cancer")
        s.series(ACCS[:3])
        keys = list(s.cache.backend._data)
    assert keys and not [k for k in keys if leaks(k)]


def test_cli_output_hides_the_key(fake: FakeServices, tmp_path: Path) -> None:
    pytest.importorskip("omicskit.cli")
    env = {**os.environ, **fake.env(), "NCBI_API_KEY": "", "NCBI_EMAIL": "", "OMICSKIT_CACHE": str(tmp_path / "c")}
    outputs = []
    for argv in (
        ["--api-key", KEY, "--email", EMAIL, "series", *ACCS[:3]],
        ["--api-key", KEY, "--email", EMAIL, "-f", "json", "samples", ACCS[0]],
        ["--api-key", KEY, "--email", EMAIL, "series", "GSE\uff11\uff12"],  # an invalid accession: error path
        ["--api-key", KEY, "--email", EMAIL, "--dry-run", "search", "cancer"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "omicskit.cli", *argv], capture_output=True, text=True, env=env, timeout=120
        )
        outputs.append((argv[-1], proc.returncode, proc.stdout + proc.stderr))
    assert outputs[0][1] == 0, outputs[0]
    leaked = [(arg, leaks(text)) for arg, _rc, text in outputs if leaks(text)]
    assert not leaked, leaked
