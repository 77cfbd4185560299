"""List a series' supplementary files and download the small ones.

Runs against the in-repo fake services (real GEO files served on 127.0.0.1);
the files go to a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import omicskit as ok
from omicskit.testing import FakeServices


def main() -> None:
    with FakeServices() as fake, ok.Session(email="you@lab.org", cache="memory", **fake.config_overrides()) as s:
        files = s.files("GSE19161")
        print(files[["name", "size", "type"]].to_string(index=False))
        with tempfile.TemporaryDirectory() as tmp:
            done = s.download("GSE19161", dest=tmp, max_size=10_000)
            print(done[["name", "size", "status"]].to_string(index=False))
            print("on disk:", sorted(p.name for p in Path(tmp).iterdir()))


if __name__ == "__main__":
    main()
