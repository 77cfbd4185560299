"""Hostile and broken input: look-alike accessions, huge and odd queries,
malformed or truncated payloads, gzip bombs, XML entities, unsafe paths,
lying ``Content-Length`` headers and non-UTF-8 bytes.

Unit-level checks call the parsers and validators directly; session-level
ones go through a respx router (``session_factory`` in ``tests/conftest.py``)
or a tiny raw HTTP server when the fault is below HTTP (a body shorter than
its ``Content-Length``).
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omicskit as ok
from omicskit import _validate
from omicskit.accessions import normalize_accession
from omicskit.errors import (
    BodyValidationError,
    InvalidAccessionError,
    InvalidQueryError,
    ParseError,
    TransportError,
    UnsafePathError,
)
from omicskit.parsers._xml import load_json, parse_xml
from omicskit.parsers.eutils import parse_esearch, parse_esummary
from omicskit.parsers.filelist import parse_directory_listing, parse_filelist, safe_name
from omicskit.parsers.matrix import parse_series_matrix
from omicskit.parsers.pubmed import parse_pubmed_xml
from omicskit.parsers.soft import parse_soft
from omicskit.services.query import SERIES_TYPES, build_query

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
GEO = "https://www.ncbi.nlm.nih.gov/geo"
FTP = "https://ftp.ncbi.nlm.nih.gov/geo"
CONTROL = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]}
EMPTY_SEARCH = {
    "header": {"type": "esearch"},
    "esearchresult": {"count": "0", "retmax": "0", "retstart": "0", "idlist": [], "querytranslation": ""},
}

# -- accessions ------------------------------------------------------------------------

LOOKALIKES = [
    "GSE\uff11\uff12",  # full-width digits
    "\uff27\uff33\uff2512",  # full-width letters
    "GSE\u0661\u0662",  # Arabic-Indic digits
    "GSE-1",
    "GSE1e3",
    "GSE0",
    "GSE012",
    "GSE 12",
    "GSE12;DROP",
    "GSE12\x00",
    "GSE\u200b12",  # zero-width space
    "GSE12/../GSE1",
    "SRP012574",
    "PRJNA1",
    "GSEnnn",
    "GSE" + "1" * 40,
    "",
    "   ",
    "1e9",
    "-200000001",
    "0",
]


@pytest.mark.parametrize("value", LOOKALIKES)
def test_lookalike_accessions_are_rejected(value: str) -> None:
    with pytest.raises(InvalidAccessionError, match="accepted forms"):
        normalize_accession(value)


@pytest.mark.parametrize("value", [None, 1.5, b"GSE1", ["GSE1"], True])
def test_non_text_accessions_are_rejected(value: Any) -> None:
    with pytest.raises(InvalidAccessionError):
        normalize_accession(value)


def test_one_lookalike_stops_the_batch_before_any_request(session_factory: Any, router: Any) -> None:
    s = session_factory()
    for method in ("series", "samples", "files", "platforms"):
        with pytest.raises(InvalidAccessionError):
            getattr(s, method)(["GSE100750", "GSE\uff11\uff12"])
    assert not router.calls


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_property_accessions_are_canonical_ascii_or_rejected(text: str) -> None:
    try:
        acc = normalize_accession(text)
    except InvalidAccessionError:
        return
    assert acc.isascii() and acc[:3] in ("GSE", "GSM", "GPL", "GDS")
    assert acc[3:].isdigit() and not acc[3:].startswith("0")
    assert normalize_accession(acc) == acc


# -- queries ---------------------------------------------------------------------------


def esearch_route(router: Any) -> Any:
    return router.route(url__startswith=f"{EUTILS}/esearch.fcgi").mock(
        return_value=httpx.Response(200, json=EMPTY_SEARCH)
    )


def sent_params(request: Any) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode()) | parse_qs(request.content.decode())


def test_ten_kilobyte_query_is_sent_by_post(session_factory: Any, router: Any) -> None:
    route = esearch_route(router)
    query = " OR ".join(f'"gene{i}"[Title]' for i in range(700))
    assert len(query) > 10_000
    s = session_factory()
    df = s.search(query, limit=5)
    assert df.empty and s.errors.empty
    (call,) = route.calls
    assert call.request.method == "POST"
    assert len(str(call.request.url)) < 2_000, "the term must not be in the URL"
    (term,) = sent_params(call.request)["term"]
    assert '"gene699"[Title]' in term and term.startswith('("gene0"[Title]')


def test_control_characters_and_quotes_are_neutralised(session_factory: Any, router: Any) -> None:
    route = esearch_route(router)
    s = session_factory()
    s.search('breast\x00 cancer\x1b[0m\x7f "BRCA1 \t\r\n', limit=5)
    (term,) = sent_params(route.calls[0].request)["term"]
    assert not set(term) & CONTROL
    assert term.count('"') % 2 == 0
    assert term.startswith("(breast cancer [0m BRCA1)")


def test_lone_surrogates_in_a_query(session_factory: Any, router: Any) -> None:
    """Text that cannot be encoded as UTF-8 (a lone surrogate, e.g. from a
    badly decoded file) is refused as an invalid query or sent repaired, never
    an ``UnicodeEncodeError`` out of httpx."""
    route = esearch_route(router)
    s = session_factory()
    try:
        s.search("cancer \udcff tumour", limit=5)
    except InvalidQueryError:
        assert not route.calls
        return
    (term,) = sent_params(route.calls[0].request)["term"]
    assert "cancer" in term


def paren_depths(term: str) -> list[int]:
    depth, out = 0, []
    for ch in term:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        out.append(depth)
    return out


def test_filters_apply_to_the_whole_query() -> None:
    try:
        term = build_query("cancer) OR (tumour", organism="human")
    except InvalidQueryError:
        return
    depths = paren_depths(term)
    assert min(depths) >= 0 and depths[-1] == 0
    # the user's text is one group: "(cancer) OR (tumour) AND ..." leaves "cancer" unfiltered
    assert "tumour" in term[: depths.index(0) + 1], term


_ORGANISMS = st.sampled_from(
    [None, "human", "Mus musculus", "rat", "Homo Sapiens", "Escherichia coli", "martian", "Homo sapiens\x00", ""]
)
_DATES = st.one_of(st.none(), st.integers(1890, 3100), st.sampled_from(["2020/06", "2020-06-30", "2020/13", "20x0"]))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=st.text(max_size=80),
    organism=_ORGANISMS,
    entry_type=st.sampled_from([None, "gse", "GSM", "gpl", "gds", "sra"]),
    series_type=st.one_of(st.none(), st.sampled_from(SERIES_TYPES), st.text(max_size=20)),
    platform=st.one_of(st.none(), st.sampled_from(["GPL570", "gpl96", "GPL0", "GSE1", 'GPL1"[ACCN]'])),
    published=st.one_of(_DATES, st.tuples(_DATES, _DATES)),
    min_samples=st.one_of(st.none(), st.integers(-2, 50)),
    max_samples=st.one_of(st.none(), st.integers(-2, 50)),
    has_sra=st.one_of(st.none(), st.booleans()),
)
def test_property_query_builder_with_any_filter_combination(**kwargs: Any) -> None:
    """Any combination of filters either raises InvalidQueryError (before a
    request) or gives a well-formed term: balanced quotes, brackets and
    parentheses, no control characters, one tag per filter given."""
    try:
        term = build_query(**kwargs)
    except InvalidQueryError:
        return
    assert not set(term) & CONTROL
    assert term.count('"') % 2 == 0
    query = kwargs["query"]
    if query.count("[") == query.count("]"):  # the user's own brackets are theirs to balance
        assert term.count("[") == term.count("]")
    assert not term.startswith(("AND", "OR", "NOT"))
    tags = {"organism": "[ORGN]", "series_type": "[DataSet Type]", "platform": "[ACCN]", "published": "[PDAT]"}
    for name, tag in tags.items():
        if kwargs[name] is not None:
            assert tag in term
    if kwargs["min_samples"] is not None or kwargs["max_samples"] is not None:
        assert "[Number of Samples]" in term
    if kwargs["has_sra"] is not None:
        assert '"gds sra"[Filter]' in term
    if kwargs["entry_type"] is not None:
        assert f"{kwargs['entry_type'].lower()}[ETYP]" in term


# -- SOFT, JSON, XML -----------------------------------------------------------------------

_ATTR_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True)
_ATTR_VALUE = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)
_KIND = st.sampled_from(["SAMPLE", "SERIES", "PLATFORM", "DATABASE", "DATASET", "SUBSET"])


@st.composite
def soft_documents(draw: Any) -> tuple[bytes, list[tuple[str, str, list[tuple[str, str]], int]]]:
    """A SOFT document of random entities, attributes and tables, with random
    line endings, blank lines and comments, and the structure it encodes."""
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    entities = []
    for i in range(draw(st.integers(0, 5))):
        kind = draw(_KIND)
        acc = f"{kind[:3]}{i + 1}"
        spacing = draw(st.sampled_from([" = ", "=", " =", "= "]))
        lines.append(f"^{kind}{spacing}{acc}")
        attrs = draw(st.lists(st.tuples(_ATTR_NAME, _ATTR_VALUE), max_size=6))
        for name, value in attrs:
            lines.append(f"!{kind.capitalize()}_{name} = {value}")
            if draw(st.booleans()):
                lines.append("")
        n_rows = draw(st.integers(0, 4))
        if n_rows or draw(st.booleans()):
            lines.append("#ID_REF = probe")
            lines.append("#VALUE = value")
            lines.append(f"!{kind.lower()}_table_begin")
            lines.append("ID_REF\tVALUE")
            lines.extend(f"p{r}\t{r * 1.5}" for r in range(n_rows))
            lines.append(f"!{kind.lower()}_table_end")
        entities.append((kind, acc, [(f"{kind.capitalize()}_{n}", v) for n, v in attrs], n_rows))
    return eol.join(lines).encode("utf-8"), entities


@settings(max_examples=200, deadline=None)
@given(soft_documents(), st.booleans())
def test_property_soft_parser_keeps_any_line_structure(doc: Any, tables: bool) -> None:
    data, entities = doc
    parsed = parse_soft(data, tables=tables)
    assert [(e.kind, e.accession) for e in parsed] == [(k, a) for k, a, _attrs, _n in entities]
    for entity, (_kind, _acc, attrs, n_rows) in zip(parsed, entities):
        for name, value in attrs:
            assert value.strip() in [v.strip() for v in entity.attributes[name]]
        if tables:
            assert entity.table is not None and len(entity.table) == n_rows


@settings(max_examples=100, deadline=None)
@given(soft_documents(), st.data())
def test_property_soft_parser_on_any_prefix(doc: Any, data: Any) -> None:
    """Cut anywhere (a truncated download): ParseError or a prefix of the
    entities (the last one possibly cut inside its ``^KIND = ACC`` line)."""
    raw, entities = doc
    cut = data.draw(st.integers(0, len(raw)))
    try:
        parsed = parse_soft(raw[:cut], tables=True)
    except ParseError:
        return
    want = [(k, a) for k, a, _x, _n in entities][: len(parsed)]
    got = [(e.kind, e.accession) for e in parsed]
    assert got[:-1] == want[:-1]
    if got:
        assert want[-1][0].startswith(got[-1][0]) and want[-1][1].startswith(got[-1][1])


def test_truncated_soft_table_is_a_parse_error() -> None:
    data = b"^SAMPLE = GSM1\n!Sample_title = x\n!sample_table_begin\nID_REF\tVALUE\n1\t2.5\n2\t3"
    with pytest.raises(ParseError):
        parse_soft(data, tables=True)


TRUNCATED_JSON = b'{"header": {"type": "esummary"}, "result": {"uids": ["200100750"], "200100750": {"uid": "2001'


@pytest.mark.parametrize("body", [TRUNCATED_JSON, b"", b"null", b"[1, 2", b'{"result": 5}', b"\xff\xfe{\x00}"])
def test_malformed_json_raises_typed_errors(body: bytes) -> None:
    with pytest.raises((ParseError, BodyValidationError)):
        parse_esummary(_validate.parse_json_body(body))
    with pytest.raises(ParseError):
        parse_esearch(load_json(body) if body.strip() not in (b"",) else None)


@pytest.mark.parametrize(
    "body",
    [b"<PubmedArticleSet><PubmedArticle><MedlineCitation>", b"<a><b></a>", b"\x00\x01", b"<?xml version='1.0'?>"],
)
def test_malformed_xml_raises_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_xml(body)
    with pytest.raises(ParseError):
        parse_pubmed_xml(body)


def test_truncated_esummary_becomes_error_rows(session_factory: Any, router: Any) -> None:
    router.route(url__startswith=f"{EUTILS}/esummary.fcgi").mock(
        return_value=httpx.Response(200, content=TRUNCATED_JSON)
    )
    s = session_factory(retries=1)
    df = s.series(["GSE100750", "GSE19161"])
    assert df.empty
    assert sorted(s.errors.accession) == ["GSE100750", "GSE19161"]
    assert set(s.errors.stage) == {"esummary"} and s.errors.retryable.all()
    assert s.errors.message.str.contains("truncated JSON").all()


@pytest.mark.parametrize(
    "body", [b"this is not SOFT\n", b"^SAMPLE", b"<html><body>oops</body></html>", b"\x1f\x8b\x08"]
)
def test_malformed_soft_becomes_error_rows(session_factory: Any, router: Any, body: bytes) -> None:
    router.route(url__startswith=f"{GEO}/query/acc.cgi").mock(return_value=httpx.Response(200, content=body))
    router.route(url__startswith=f"{FTP}/").mock(return_value=httpx.Response(200, content=body))
    s = session_factory(retries=1)
    df = s.samples(["GSE100750", "GSM804"])
    assert df.empty
    assert sorted(s.errors.accession) == ["GSE100750", "GSM804"]
    assert s.errors.message.map(bool).all()


# -- gzip bombs ------------------------------------------------------------------------------


def gzip_bomb(expanded: int, prefix: bytes = b"") -> bytes:
    """A gzip stream of *prefix* then zeros, *expanded* bytes once inflated (~1000:1)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [comp.compress(prefix)]
    block = b"0" * (1 << 20)
    for _ in range(expanded // len(block)):
        out.append(comp.compress(block))
    out.append(comp.flush())
    return b"".join(out)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = gzip_bomb(512 * 1024**2, b"^SAMPLE = GSM1\n!Sample_title = ")
    assert len(data) < 1024**2
    return data


def peak_memory(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_check_gzip_is_bounded(bomb: bytes) -> None:
    def run() -> None:
        with pytest.raises(ParseError, match="expands beyond"):
            _validate.check_gzip(bomb, "bomb", max_bytes=8 * 1024**2)

    assert peak_memory(run) < 64 * 1024**2


@pytest.mark.parametrize("parser", ["soft", "matrix"])
def test_parsers_are_bounded(bomb: bytes, parser: str) -> None:
    matrix = gzip_bomb(512 * 1024**2, b'!Series_title\t"x"\n!series_matrix_table_begin\n"ID_REF"\t"GSM1"\n')

    def run() -> None:
        with pytest.raises(ParseError):
            if parser == "soft":
                parse_soft(bomb, max_bytes=8 * 1024**2)
            else:
                parse_series_matrix(matrix, max_bytes=8 * 1024**2)

    assert peak_memory(run) < 96 * 1024**2


def test_matrix_bomb_becomes_an_error_row(session_factory: Any, router: Any) -> None:
    bomb = gzip_bomb(64 * 1024**2, b'!Series_title\t"x"\n!series_matrix_table_begin\n"ID_REF"\t"GSM1"\n')
    folder = f"{FTP}/series/GSE19nnn/GSE19161/matrix/"
    listing = (
        b'<html><body><pre><a href="GSE19161_series_matrix.txt.gz">GSE19161_series_matrix.txt.gz</a>'
        b"  2020-01-01 10:00  12K\n</pre></body></html>"
    )
    router.get(folder).mock(return_value=httpx.Response(200, content=listing))
    router.get(folder + "GSE19161_series_matrix.txt.gz").mock(return_value=httpx.Response(200, content=bomb))
    s = session_factory(max_decompressed_bytes=4 * 1024**2)
    df = s.expression("GSE19161")
    assert df.empty
    (row,) = s.errors.itertuples()
    assert row.accession == "GSE19161" and row.stage == "matrix" and "4194304" in row.message


# -- XML entities ----------------------------------------------------------------------------


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-FILE-CONTENT")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>&x;</PMID></MedlineCitation>"
        "</PubmedArticle></PubmedArticleSet>"
    ).encode()
    for parse in (parse_xml, parse_pubmed_xml):
        with pytest.raises(ParseError, match="unsafe XML") as info:
            parse(xxe)
        assert "TOPSECRET" not in str(info.value)


def test_entity_expansion_bomb_is_refused() -> None:
    laughs = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    doc = f'<?xml version="1.0"?><!DOCTYPE r [{"".join(laughs)}]><r>&l9;</r>'.encode()
    with pytest.raises(ParseError, match="unsafe XML"):
        parse_xml(doc)


def test_external_dtd_is_not_fetched() -> None:
    doc = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r>x</r>'
    try:
        root = parse_xml(doc)
    except ParseError:
        return
    assert root.text == "x"  # parsed without touching the network (port 9 would refuse)


# -- unsafe paths ----------------------------------------------------------------------------

UNSAFE_NAMES = [
    "../evil.sh",
    "../../etc/passwd",
    "/etc/passwd",
    "sub/../../x",
    "C:\\x.txt",
    "a\\..\\b",
    "..",
    ".",
    "x\x00y",
    "",
    "dir/",
]


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_safe_name_refuses(name: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_name(name)


def test_filelist_refuses_unsafe_names() -> None:
    text = "#Archive/File\tName\tTime\tSize\tType\nArchive\tGSE1_RAW.tar\t01/01/2020 10:00:00\t100\tTAR\n"
    text += "".join(f"File\t{n}\t01/01/2020 10:00:00\t1\tTXT\n" for n in UNSAFE_NAMES if "\t" not in n)
    text += "File\tGSM1_ok.txt.gz\t01/01/2020 10:00:00\t5\tTXT\n"
    rejected: list[dict[str, Any]] = []
    rows = parse_filelist(text.encode(), rejected=rejected)
    assert [r["name"] for r in rows] == ["GSE1_RAW.tar", "GSM1_ok.txt.gz"]
    assert len(rejected) >= len(UNSAFE_NAMES) - 1


EVIL_LISTING = b"""<html><body><pre>
<a href="../">Parent Directory</a>  2020-01-01 10:00  -
<a href="/etc/passwd">passwd</a>  2020-01-01 10:00  1K
<a href="http://evil.example/x.gz">x.gz</a>  2020-01-01 10:00  1K
<a href="%2e%2e%2f%2e%2e%2fevil.sh">evil</a>  2020-01-01 10:00  1K
<a href="..%5cevil.bat">evil2</a>  2020-01-01 10:00  1K
<a href="GSE1_ok.txt.gz">GSE1_ok.txt.gz</a>  2020-01-01 10:00  2K
</pre></body></html>"""


def test_directory_listing_refuses_escaping_links() -> None:
    base = f"{FTP}/series/GSEnnn/GSE1/suppl/"
    rejected: list[dict[str, Any]] = []
    rows = parse_directory_listing(EVIL_LISTING, base, rejected=rejected)
    assert [r["name"] for r in rows] == ["GSE1_ok.txt.gz"]
    assert all(r["url"].startswith(base) for r in rows)
    assert {r["name"] for r in rejected} == {"../../evil.sh", "..\\evil.bat"}


def test_files_and_download_refuse_unsafe_names(session_factory: Any, router: Any, tmp_path: Path) -> None:
    base = f"{FTP}/series/GSEnnn/GSE1/suppl/"
    router.get(base).mock(return_value=httpx.Response(200, content=EVIL_LISTING))
    s = session_factory()
    files = s.files("GSE1")
    assert list(files.name) == ["GSE1_ok.txt.gz"]
    assert set(s.errors.stage) == {"files"} and len(s.errors) == 2
    assert s.errors.message.str.contains("UnsafePathError").all()

    evil = pd.DataFrame(
        {
            "accession": ["GSE1", "GSE1"],
            "name": ["../../escape.txt", "/tmp/abs.txt"],
            "url": [base + "x", base + "y"],
            "size": [1, 1],
        }
    )
    dest = tmp_path / "dl"
    result = s.download(evil, dest=dest)
    assert set(result.status) == {"refused"}
    assert len(s.errors) == 2
    assert not any(tmp_path.rglob("escape.txt")) and not Path("/tmp/abs.txt").exists()


# -- Content-Length larger than the body -----------------------------------------------------


class LyingServer:
    """Answers every request with ``Content-Length: 10000000`` and 64 bytes,
    then closes the connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    self.requests += 1
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
                    conn.sendall(head + b'{"header": {}, "result": {"uids": []}}'.ljust(64))
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()
        self._thread.join(5)


@pytest.fixture
def lying_server() -> Iterator[LyingServer]:
    server = LyingServer()
    yield server
    server.close()


def test_content_length_larger_than_body_is_retried_then_an_error(lying_server: LyingServer) -> None:
    url = f"http://127.0.0.1:{lying_server.port}/eutils"
    with ok.Session(
        email="t@example.invalid",
        cache="memory",
        progress=False,
        eutils_url=url,
        retries=2,
        backoff_base=0.01,
        backoff_max=0.02,
        eutils_rate=100.0,
    ) as s:
        df = s.series(["GSE100750"])
        errors = s.errors
    assert df.empty
    assert lying_server.requests == 3  # first try + 2 retries
    (row,) = errors.itertuples()
    assert row.accession == "GSE100750" and row.retryable
    assert "TransportError" in row.message and "truncated" in row.message


def test_transport_raises_typed_error_for_short_body(lying_server: LyingServer) -> None:
    import asyncio

    from omicskit._transport import Transport
    from omicskit.config import Config

    async def fetch() -> None:
        t = Transport(Config(retries=0))
        try:
            with pytest.raises(TransportError):
                await t.get(f"http://127.0.0.1:{lying_server.port}/x", group="ftp")
        finally:
            await t.aclose()

    asyncio.run(fetch())


# -- non-UTF-8 bytes --------------------------------------------------------------------------


def test_latin1_soft_is_decoded() -> None:
    (entity,) = parse_soft(b"^SAMPLE = GSM1\r\n!Sample_title = caf\xe9 \xb5g\r\n")
    assert entity.first("Sample_title") == "café µg"


def test_invalid_utf8_json_is_a_body_error() -> None:
    with pytest.raises(BodyValidationError):
        _validate.parse_json_body(b'{"result": "\xff\xfe"}')


def test_non_utf8_listing_and_filelist_names() -> None:
    rows = parse_filelist(b"Archive\tGSE1_RAW.tar\t01/01/2020 10:00:00\t100\tTAR\nFile\tGSM1_caf\xe9.txt\t\t1\tTXT\n")
    assert rows[1]["name"] == "GSM1_café.txt"
    listing = b'<a href="GSM1_caf%C3%A9.txt">x</a> 2020-01-01 10:00 1K\n<a href="b\xff.txt">y</a> 2020-01-01 10:00 1K'
    names = [r["name"] for r in parse_directory_listing(listing, f"{FTP}/samples/GSMnnn/GSM1/suppl/")]
    assert names[0] == "GSM1_café.txt" and len(names) == 2


def test_non_utf8_viewer_answer_becomes_records(session_factory: Any, router: Any) -> None:
    soft = b"^SAMPLE = GSM804\n!Sample_title = caf\xe9\n!Sample_geo_accession = GSM804\n!Sample_series_id = GSE1\n"
    router.route(url__startswith=f"{GEO}/query/acc.cgi").mock(return_value=httpx.Response(200, content=soft))
    s = session_factory()
    df = s.samples("GSM804")
    assert s.errors.empty and df.loc[0, "title"] == "café"
    assert json.dumps(df.loc[0, "title"])  # a real str, no surrogates


def test_gzip_helpers_on_garbage() -> None:
    for body in (b"\x1f\x8b" + b"\x00" * 30, gzip.compress(b"^SAMPLE = GSM1\n")[:-6], b"<html>x</html>"):
        with pytest.raises(BodyValidationError):
            _validate.check_gzip(body, "x")
