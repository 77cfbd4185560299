"""List the samples of a series and tabulate one characteristic.

Runs offline against the bundled demo snapshot.
"""

from __future__ import annotations

import omicskit as ok


def main(accession: str = "GSE19161") -> None:
    with ok.Session(snapshot="demo", email="you@lab.org", progress=False) as s:
        smp = s.samples(accession)
        print(f"{accession}: {len(smp)} samples, columns: {', '.join(smp.columns[:10])}, ...")
        long = s.characteristics(accession)
        print(long.groupby("key")["value"].nunique().to_string())
        print(smp["ch1.event indicator"].value_counts().to_string())


if __name__ == "__main__":
    main()
