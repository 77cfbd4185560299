"""No module of the package mentions a shadow-library host: omicskit uses legal
open access only (publishers, PubMed Central / Europe PMC, repositories,
preprint servers).

The forbidden names are assembled from fragments here so this file itself does
not match a repository-wide search for them.
"""

from __future__ import annotations

import re
from pathlib import Path

import omicskit
from omicskit.config import Config

PACKAGE = Path(omicskit.__file__).resolve().parent

FORBIDDEN = [
    "sci" + "-hub",
    "sci" + "hub",
    "sci" + ".hub",
    "lib" + "gen",
    "library" + " genesis",
    "z" + "-lib",
    "z" + "-library",
    "z" + "library",
    "b" + "ok.org",
    "1" + "lib.",
    "anna" + "s-archive",
    "anna's" + " archive",
    "book" + "sc.",
    "sci" + "-net.",
]
PATTERN = re.compile("|".join(re.escape(name) for name in FORBIDDEN), re.IGNORECASE)


def package_files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_no_module_mentions_a_shadow_library() -> None:
    files = package_files()
    assert any(p.name == "literature.py" for p in files)  # the scan really covers the services
    hits = []
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        for match in PATTERN.finditer(text):
            hits.append(f"{path.relative_to(PACKAGE)}: {match.group(0)!r}")
    assert hits == []


def test_pattern_catches_the_names() -> None:
    # the fragments really form the names (guards against a typo making the scan vacuous)
    assert PATTERN.search("https://" + "sci" + "-hub.se/10.1/x")
    assert PATTERN.search("http://" + "lib" + "gen.rs/")
    assert not PATTERN.search("zlib.decompressobj(wbits=31)")  # the stdlib module is fine


def test_tls_verification_is_on_by_default() -> None:
    assert Config().verify is True and Config().ca_bundle is None
