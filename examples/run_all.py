"""Run every example script in its own process; exit non-zero if any fails.

Each script runs with this Python, a timeout, no NCBI/omicskit environment
variables (so nothing can reach the real services) and the Agg matplotlib
backend. Usage: ``python examples/run_all.py [name.py ...]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT = 180


def scripts(names: list[str]) -> list[Path]:
    if names:
        return [HERE / Path(n).name for n in names]
    return sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))


def main(argv: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMICSKIT_", "NCBI_"))}
    env["MPLBACKEND"] = "Agg"
    failed: list[str] = []
    for script in scripts(argv):
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [sys.executable, str(script)],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                env=env,
                cwd=str(HERE),
                stdin=subprocess.DEVNULL,
            )
            ok, detail = proc.returncode == 0, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            ok, detail = False, f"timed out after {TIMEOUT} s\n{exc.stdout or ''}{exc.stderr or ''}"
        seconds = time.monotonic() - started
        print(f"{'ok  ' if ok else 'FAIL'} {script.name} ({seconds:.1f} s)", flush=True)
        if not ok:
            failed.append(script.name)
            print(detail if isinstance(detail, str) else detail.decode(errors="replace"), flush=True)
    if failed:
        print(f"{len(failed)} example(s) failed: {', '.join(failed)}")
        return 1
    print("all examples passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
