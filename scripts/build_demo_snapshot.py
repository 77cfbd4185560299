#!/usr/bin/env python
"""Build the demo snapshot bundled with omicskit (``omicskit/data/demo.omicskit``).

Runs a Session against :class:`omicskit.testing.FakeServices`, which serves
the real GEO/NCBI/literature records bundled in ``omicskit/testing/data``
(provenance in ``PROVENANCE.tsv`` there), fetches every series of the fake's
catalog with its samples, supplementary listings, series matrices and papers,
and saves everything the session read into one snapshot. It also writes
``omicskit/data/DEMO_PROVENANCE.md``. No network and no API key; a placeholder email is used and redacted::

    .venv/bin/python scripts/build_demo_snapshot.py [--out omicskit/data/demo.omicskit]
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from pathlib import Path

import omicskit as ok
from omicskit.config import URL_FIELDS
from omicskit.testing import FakeServices
from omicskit.testing._catalog import DOCSUM_FILES, FILELISTS, MATRIX_FILES, SERIES_SOURCES, data_dir

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "omicskit" / "data" / "demo.omicskit"
#: Searches recorded exactly (with the CLI's default limit); any other query runs locally.
QUERIES = ("cancer", "breast cancer", "ovarian cancer", "chromatin", "RNA-seq", "mouse")
LIMIT = 100
FAST = {"eutils_rate": 200.0, "geo_rate": 200.0, "literature_rate": 200.0, "arxiv_interval": 0.01}


def build(out: Path) -> dict[str, object]:
    """Fetch the demo records from the fake services and save the snapshot to *out*."""
    with FakeServices(rate_limit=False) as fake:
        series = sorted(fake.catalog.series, key=lambda a: int(a[3:]))
        # an email lets Unpaywall answer (the fake needs one, like the real service); the snapshot
        # writer replaces it with *** in every record, so the file holds no address
        with ok.Session(email="demo@omicskit.invalid", cache="none", progress=False, **fake.config_overrides(), **FAST) as s:
            for q in QUERIES:
                s.search(q, limit=LIMIT)
            s.series(series)
            s.samples(series)
            s.files(series)
            for acc in MATRIX_FILES:
                s.expression(acc)
            s.publications(series)
            rewrite_urls(s, fake.urls)
            manifest = s.save_snapshot(
                out,
                note="omicskit demo: real GEO records served by omicskit.testing.FakeServices; see DEMO_PROVENANCE.md",
            )
            frame = s.series(series)
    write_provenance(out.with_name("DEMO_PROVENANCE.md"), frame, manifest)
    return manifest


def rewrite_urls(session: ok.Session, fake_urls: dict[str, str]) -> None:
    """Replace the fake's loopback base URLs in the journalled records by NCBI's real ones.

    Listings record absolute file URLs; in the demo they must point where the
    files really are (``https://ftp.ncbi.nlm.nih.gov/geo/...``), not at a
    port of a server that no longer runs.
    """
    real = {field: default for field, _env, default in URL_FIELDS}
    pairs = sorted(((fake_urls[f].encode(), real[f].encode()) for f in fake_urls), key=lambda p: -len(p[0]))
    journal = session.async_session.store.journal
    assert journal is not None
    for entry in journal.entries.values():
        if entry.blob is not None and b"127.0.0.1" in entry.blob:
            for old, new in pairs:
                entry.blob = entry.blob.replace(old, new)
            assert b"127.0.0.1" not in entry.blob, "unexpected loopback URL left in a record"


def write_provenance(path: Path, frame: object, manifest: dict[str, object]) -> None:
    """``DEMO_PROVENANCE.md``: each series, the files it comes from and their origin."""
    with (data_dir() / "PROVENANCE.tsv").open(encoding="utf-8") as fh:
        prov = {row["local_path"]: row for row in csv.DictReader(fh, delimiter="\t")}
    docsum_file = {}
    for rel in DOCSUM_FILES:
        text = (data_dir() / rel).read_text("utf-8")
        for acc in {a for a in prov.get(rel, {}).get("what_it_is", "").replace(",", " ").split() if a[:3] == "GSE"}:
            docsum_file[acc.split("(")[0]] = rel
        if "GSE40726" in text:
            docsum_file.setdefault("GSE40726", rel)
    lines = [
        "# Demo snapshot provenance",
        "",
        "`demo.omicskit` is built by `scripts/build_demo_snapshot.py`: a Session fetches every series of",
        "`omicskit.testing.FakeServices` (which serves the real records bundled in `omicskit/testing/data`)",
        "and saves what it read. Nothing in it was invented; DocSums marked *derived* were built from the",
        "series' real SOFT by the fake (see `omicskit/testing/data/derived.tsv`). The literature records are",
        "real recordings that the fake pairs with the series for testing (`LITERATURE_PAIRING`): they are",
        "**not** necessarily the papers of those series.",
        "",
        f"Records: {manifest['records']}",  # type: ignore[index]
        "",
        "| series | title | sources (repository @ commit : path) |",
        "|---|---|---|",
    ]
    for row in frame.itertuples():  # type: ignore[attr-defined]
        acc = row.accession
        rels = list(SERIES_SOURCES.get(acc, ())) + list(MATRIX_FILES.get(acc, ()))
        if acc in FILELISTS:
            rels.append(FILELISTS[acc])
        if acc in docsum_file:
            rels.insert(0, docsum_file[acc])
        srcs = []
        for rel in rels:
            p = prov.get(rel)
            srcs.append(f"{p['repo']} @ {p['commit'][:10]} : {p['path_in_repo']}" if p else rel)
        origin = "" if acc in docsum_file else " (DocSum derived from SOFT)"
        title = str(row.title).replace("|", "/")[:90]
        lines.append(f"| {acc}{origin} | {title} | {'<br>'.join(srcs)} |")
    lines += ["", "Literature records: see the `pubmed/`, `europepmc/`, `unpaywall/`, `crossref/`, `arxiv/` and",
              "`biorxiv/` rows of `omicskit/testing/data/PROVENANCE.tsv`.", ""]  # fmt: skip
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="snapshot file to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    manifest = build(args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB): {manifest['records']}")
    return 0 if size < 3_000_000 else 1


if __name__ == "__main__":
    sys.exit(main())
