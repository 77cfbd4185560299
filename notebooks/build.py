"""Re-execute the tutorial notebooks and store them with their outputs.

nbval's strict mode compares every stored output, so the notebooks are
committed executed. Run this after editing a notebook::

    .venv/bin/python notebooks/build.py            # all notebooks
    .venv/bin/python notebooks/build.py 05_search_widget.ipynb

It executes each notebook in a fresh ``python3`` kernel (from this
environment) with the notebook's folder as working directory, without any
``OMICSKIT_*``/``NCBI_*`` variables (so notebooks start their own fake
services or use the bundled demo snapshot), then removes the saved widget
state (``metadata.widgets``) and the per-cell timing metadata, which change
on every run and make diffs noisy.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def _clean_env() -> None:
    for name in list(os.environ):
        if name.startswith(("OMICSKIT_", "NCBI_")):
            del os.environ[name]
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def build(path: Path) -> float:
    """Execute *path* in place; returns the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    started = time.monotonic()
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return time.monotonic() - started


def main(argv: list[str]) -> int:
    _clean_env()
    names = argv or sorted(p.name for p in HERE.glob("[0-9]*.ipynb"))
    for name in names:
        seconds = build(HERE / Path(name).name)
        sys.stdout.write(f"{name}: executed in {seconds:.1f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
