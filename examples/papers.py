"""Find the papers behind some series, with DOI, PMC and open-access links.

Runs against the in-repo fake services (real literature API responses on 127.0.0.1).
"""

from __future__ import annotations

import omicskit as ok
from omicskit.display import link_for
from omicskit.testing import FakeServices


def main() -> None:
    with FakeServices() as fake, ok.Session(email="you@lab.org", cache="memory", **fake.config_overrides()) as s:
        papers = s.publications(["GSE19161", "GSE52778"])
        for row in papers.itertuples():
            links = [link_for(col, getattr(row, col)) for col in ("pmid", "doi", "pmcid", "best_oa_url")]
            shown = " ".join(u for u in links if u) or "-"
            print(f"{row.accession} PMID {row.pmid}: {shown}")
        print(f"{len(s.errors)} identifier(s) could not be resolved")


if __name__ == "__main__":
    main()
