"""Search GEO with filters and print the matching series.

Runs offline against the demo snapshot bundled with omicskit; for real NCBI
use ``ok.Session(email="you@lab.org")`` instead.
"""

from __future__ import annotations

import omicskit as ok


def main() -> None:
    with ok.Session(snapshot="demo", email="you@lab.org", progress=False) as s:
        hits = s.search("cancer", organism="Homo sapiens", published=("2010", "2020"))
        print(f"{len(hits)} series (NCBI counted {hits.attrs.get('count')})")
        print(hits[["accession", "n_samples", "published", "title"]].to_string(index=False, max_colwidth=60))


if __name__ == "__main__":
    main()
