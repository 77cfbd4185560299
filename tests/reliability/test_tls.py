"""Transport safety: TLS verification on by default, a custom CA bundle, and
an explicit, loudly warned opt-out.

A throwaway CA and a server certificate for ``127.0.0.1`` are made with the
``openssl`` command line (``cryptography`` is not a dependency); an HTTPS
server on 127.0.0.1 (``http.server`` + ``ssl``) answers a tiny JSON body.
"""

from __future__ import annotations

import asyncio
import http.server
import shutil
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import omicskit as ok
from omicskit._transport import Transport
from omicskit.config import Config
from omicskit.errors import TransportError
from omicskit.session import InsecureTransportWarning

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
#: httpx 0.28 deprecates ``verify=<path>``; see test_ca_bundle_raises_no_deprecation_warning.
IGNORE_VERIFY_STR = pytest.mark.filterwarnings("ignore:`verify=<str>` is deprecated:DeprecationWarning")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pki")
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=omicskit throwaway test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=d,
    )
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        cwd=d,
    )
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def https_url(pki: dict[str, Path]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["cert"], pki["key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def fetch(config: Config, url: str) -> Any:
    async def run() -> Any:
        t = Transport(config)
        try:
            return (await t.get(url + "/x", group="ftp", expect="json")).data
        finally:
            await t.aclose()

    return asyncio.run(run())


def ssl_context(transport: Transport) -> ssl.SSLContext:
    """The SSL context httpx/httpcore will use (httpx 0.28: ``_transport._pool._ssl_context``)."""
    client = transport._get_client()
    context = client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert isinstance(context, ssl.SSLContext)
    return context


def test_verification_is_on_by_default() -> None:
    async def run() -> ssl.SSLContext:
        t = Transport(Config())
        try:
            return ssl_context(t)
        finally:
            await t.aclose()

    context = asyncio.run(run())
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert Config().verify is True and Config.from_env({}).verify is True


def test_unknown_ca_is_refused(https_url: str) -> None:
    with pytest.raises(TransportError, match=r"(?i)certificate|ssl"):
        fetch(Config(retries=1, backoff_base=0.01, backoff_max=0.02), https_url)


@IGNORE_VERIFY_STR
def test_custom_ca_bundle_is_trusted(https_url: str, pki: dict[str, Path]) -> None:
    assert fetch(Config(ca_bundle=str(pki["ca"])), https_url) == {"ok": True}


@IGNORE_VERIFY_STR
def test_ca_bundle_from_the_environment(https_url: str, pki: dict[str, Path]) -> None:
    cfg = Config.from_env({"OMICSKIT_CA_BUNDLE": str(pki["ca"])})
    assert cfg.ca_bundle == str(pki["ca"])
    assert fetch(cfg, https_url) == {"ok": True}


@IGNORE_VERIFY_STR
def test_a_ca_bundle_does_not_turn_hostname_checks_off(https_url: str, pki: dict[str, Path]) -> None:
    """The certificate names 127.0.0.1 and localhost only; another name fails."""
    url = https_url.replace("127.0.0.1", "127.0.0.2")  # same server, name not in the certificate
    with pytest.raises(TransportError):
        fetch(Config(ca_bundle=str(pki["ca"]), retries=0), url)


def test_ca_bundle_raises_no_deprecation_warning(https_url: str, pki: dict[str, Path]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fetch(Config(ca_bundle=str(pki["ca"])), https_url) == {"ok": True}


def test_verify_false_needs_to_be_explicit_and_warns_every_session(https_url: str) -> None:
    for _ in range(2):  # every session, not once per process
        with pytest.warns(InsecureTransportWarning, match="verification is OFF"):
            s = ok.Session(cache="memory", progress=False, verify=False, email="t@example.invalid")
        s.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureTransportWarning)
        assert fetch(Config(verify=False), https_url) == {"ok": True}


def test_no_warning_when_verification_is_on() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ok.Session(cache="memory", progress=False, email="t@example.invalid"):
            pass
