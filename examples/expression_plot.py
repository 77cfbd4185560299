"""Plot per-sample expression from the GSE19161 series matrix to a PNG.

Runs offline against the bundled demo snapshot; uses matplotlib's Agg
backend, so no display is needed. Usage: ``python expression_plot.py [out.png]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

import omicskit as ok


def main(out: Path) -> None:
    with ok.Session(snapshot="demo", email="you@lab.org", progress=False) as s:
        expr = s.expression("GSE19161")
        smp = s.samples("GSE19161").set_index("accession")
    survival = pd.to_numeric(smp["ch1.survival in months"])
    mean = expr.mean(axis=0)
    fig, ax = plt.subplots(figsize=(6, 4))
    for event, names in smp.groupby("ch1.event indicator").groups.items():
        ax.scatter(survival[names], mean[names], label=str(event))
    ax.set(xlabel="survival (months)", ylabel="mean log2 expression", title="GSE19161")
    ax.legend(title="event indicator")
    fig.savefig(out, dpi=80)
    plt.close(fig)
    print(f"matrix {expr.shape[0]} probes x {expr.shape[1]} samples; plot written to {out}")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="omicskit-")) / "GSE19161.png"
    main(target)
