"""Save the records behind a search to a snapshot file and replay it offline.

Fetches from the in-repo fake services once, then answers from the snapshot
with no service running at all (the bundled ``snapshot="demo"`` works the same way).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import omicskit as ok
from omicskit.testing import FakeServices


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ovarian.omicskit"
        with FakeServices() as fake, ok.Session(email="you@lab.org", cache="memory", **fake.config_overrides()) as s:
            hits = s.search("ovarian cancer")
            s.samples(hits["accession"])
            s.save_snapshot(path, hits)
        print(f"snapshot: {path.name}, {path.stat().st_size} bytes; the fake services are stopped now")
        with ok.Session(snapshot=path, email="you@lab.org", progress=False) as offline:
            print(offline.search("ovarian cancer")[["accession", "title"]].to_string(index=False))
            print("samples:", offline.samples("GSE19161").shape)
            print("requests made:", offline.async_session.transport.stats["requests"])


if __name__ == "__main__":
    main()
